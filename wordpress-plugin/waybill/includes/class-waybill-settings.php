<?php
/**
 * Plugin settings: named defaults, one option, a filter for code overrides.
 *
 * @package Waybill
 */

defined( 'ABSPATH' ) || exit;

/**
 * Reads and writes the `waybill_settings` option.
 */
final class Waybill_Settings {

	const OPTION          = 'waybill_settings';
	const SITE_KEY_OPTION = 'waybill_site_key';

	/**
	 * Standard Webhooks' retry schedule: seconds to wait after attempt 1, 2, …
	 * (immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h).
	 */
	const DEFAULT_RETRY_SCHEDULE = '5,300,1800,7200,18000,36000,36000';

	/**
	 * Defaults for every setting.
	 *
	 * @return array
	 */
	public static function defaults() {
		return array(
			// Seconds between attempts; the list's length is the number of retries.
			'retry_schedule'      => self::DEFAULT_RETRY_SCHEDULE,
			// Longest Retry-After the worker honours, in seconds.
			'max_retry_after'     => DAY_IN_SECONDS,
			// Events claimed per batch and requests in flight per worker.
			'batch_size'          => 100,
			'concurrency'         => 16,
			// A claim older than this is treated as left behind by a dead worker.
			'claim_ttl'           => 300,
			// Seconds a cron or loopback worker may run.
			'time_limit'          => 25,
			// Default request timeout for new endpoints, in seconds.
			'default_timeout'     => 10,
			// Anonymous lead submissions allowed per IP address per window.
			'rate_limit'          => 10,
			'rate_window'         => 600,
			// Lifetime of the anonymous form token, in seconds.
			'form_token_ttl'      => 2 * HOUR_IN_SECONDS,
			// Days to keep delivered and dead events, inbound records and leads (0 keeps leads).
			'retention_days'      => 30,
			'dead_retention_days' => 90,
			'lead_retention_days' => 0,
			// Start delivery within seconds with a non-blocking request to this site.
			'loopback'            => true,
			// Remove tables and options when the plugin is deleted.
			'delete_on_uninstall' => false,
		);
	}

	/**
	 * All settings, defaults filled in.
	 *
	 * @return array
	 */
	public static function all() {
		$stored = get_option( self::OPTION, array() );
		$values = array_merge( self::defaults(), is_array( $stored ) ? $stored : array() );

		/**
		 * Filters Waybill's settings before use.
		 *
		 * @param array $values Settings, keyed by name.
		 */
		return apply_filters( 'waybill_settings', $values );
	}

	/**
	 * One setting.
	 *
	 * @param string $name Setting name.
	 * @return mixed
	 */
	public static function get( $name ) {
		$all = self::all();
		return isset( $all[ $name ] ) ? $all[ $name ] : null;
	}

	/**
	 * Saves settings after validating each known key; unknown keys are dropped.
	 *
	 * @param array $values New values.
	 * @return array The saved settings.
	 */
	public static function update( array $values ) {
		$stored = get_option( self::OPTION, array() );
		$stored = is_array( $stored ) ? $stored : array();
		foreach ( self::defaults() as $name => $default ) {
			if ( ! array_key_exists( $name, $values ) ) {
				continue;
			}
			$value = $values[ $name ];
			if ( is_bool( $default ) ) {
				$stored[ $name ] = (bool) $value;
			} elseif ( is_int( $default ) ) {
				$stored[ $name ] = max( 0, (int) $value );
			} elseif ( 'retry_schedule' === $name ) {
				$stored[ $name ] = implode( ',', self::parse_schedule( (string) $value ) );
			}
		}
		update_option( self::OPTION, $stored, true );
		return self::all();
	}

	/**
	 * The retry schedule as a list of positive integers (seconds).
	 *
	 * @param string|null $value Comma-separated seconds; default the saved setting.
	 * @return int[]
	 */
	public static function parse_schedule( $value = null ) {
		if ( null === $value ) {
			$value = (string) self::get( 'retry_schedule' );
		}
		$delays = array();
		foreach ( explode( ',', $value ) as $part ) {
			$part = trim( $part );
			if ( '' !== $part && ctype_digit( $part ) ) {
				$delays[] = max( 1, (int) $part );
			}
		}
		return empty( $delays ) ? array_map( 'intval', explode( ',', self::DEFAULT_RETRY_SCHEDULE ) ) : $delays;
	}

	/**
	 * The site key used for deterministic idempotency keys and keyed hashes.
	 *
	 * Taken from the `WAYBILL_SITE_KEY` constant when defined, otherwise created
	 * once and stored; changing it changes every derived key.
	 *
	 * @return string
	 */
	public static function site_key() {
		if ( defined( 'WAYBILL_SITE_KEY' ) && strlen( (string) WAYBILL_SITE_KEY ) >= 16 ) {
			return (string) WAYBILL_SITE_KEY;
		}
		$key = get_option( self::SITE_KEY_OPTION );
		if ( ! is_string( $key ) || strlen( $key ) < 16 ) {
			$key = bin2hex( random_bytes( 32 ) );
			add_option( self::SITE_KEY_OPTION, $key, '', false );
			$key = (string) get_option( self::SITE_KEY_OPTION, $key );
		}
		return $key;
	}
}
