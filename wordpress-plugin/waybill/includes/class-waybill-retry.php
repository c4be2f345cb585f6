<?php
/**
 * Retry policy, following Standard Webhooks' etiquette.
 *
 * 2xx is delivered; 410 disables the endpoint; 429, 5xx, timeouts and
 * connection errors retry on the schedule with jitter, never sooner than a
 * `Retry-After`; every other answer is final (dead letter).
 *
 * @package Waybill
 */

defined( 'ABSPATH' ) || exit;

/**
 * Pure functions: no database, no clock unless passed in.
 */
final class Waybill_Retry {

	const DELIVERED = 'delivered';
	const RETRY     = 'retry';
	const GONE      = 'gone';
	const DEAD      = 'dead';

	/** Share of a delay added at random so failed events do not return in lockstep. */
	const JITTER = 0.2;

	/**
	 * What an answer means.
	 *
	 * @param int    $http_status HTTP status, 0 when no answer was received.
	 * @param string $error_code  Transport error code (`delivery.timeout`…), '' if none.
	 * @return string One of the class constants.
	 */
	public static function classify( $http_status, $error_code = '' ) {
		$http_status = (int) $http_status;
		if ( 0 === $http_status ) {
			return '' === $error_code || 0 === strpos( $error_code, 'delivery.' ) ? self::RETRY : self::DEAD;
		}
		if ( $http_status >= 200 && $http_status < 300 ) {
			return self::DELIVERED;
		}
		if ( 410 === $http_status ) {
			return self::GONE;
		}
		if ( 429 === $http_status || 408 === $http_status || $http_status >= 500 ) {
			return self::RETRY;
		}
		return self::DEAD;
	}

	/**
	 * Seconds to wait before the next attempt, or null when the schedule is spent.
	 *
	 * @param int      $retry_index     Retries already scheduled for this event.
	 * @param int|null $retry_after     Seconds from the receiver's Retry-After, if any.
	 * @param int[]    $schedule        Delays in seconds.
	 * @param int      $max_retry_after Cap on an honoured Retry-After.
	 * @return int|null
	 */
	public static function next_delay( $retry_index, $retry_after, array $schedule, $max_retry_after ) {
		if ( $retry_index >= count( $schedule ) ) {
			return null;
		}
		$delay = self::with_jitter( (int) $schedule[ $retry_index ] );
		if ( null !== $retry_after ) {
			$delay = max( $delay, min( (int) $retry_after, (int) $max_retry_after ) );
		}
		return $delay;
	}

	/**
	 * Adds up to JITTER of the delay, never less than the delay itself.
	 *
	 * @param int $delay Seconds.
	 * @return int
	 */
	public static function with_jitter( $delay ) {
		$spread = (int) floor( $delay * self::JITTER );
		return $delay + ( $spread > 0 ? random_int( 0, $spread ) : 0 );
	}

	/**
	 * Parses a Retry-After value: delay in seconds or an HTTP date.
	 *
	 * @param string $value Header value.
	 * @param int    $now   Unix seconds.
	 * @return int|null Seconds from now, or null when absent or unreadable.
	 */
	public static function parse_retry_after( $value, $now ) {
		$value = trim( (string) $value );
		if ( '' === $value ) {
			return null;
		}
		if ( ctype_digit( $value ) ) {
			return (int) $value;
		}
		$when = strtotime( $value );
		return false === $when ? null : max( 0, $when - (int) $now );
	}
}
