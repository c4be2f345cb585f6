<?php
/**
 * Parallel HTTP delivery with curl_multi.
 *
 * One multi handle lives for the whole worker run, so connections to a
 * receiver are kept alive and reused across batches. Requests are built just
 * before they start, so each carries a fresh signature timestamp.
 *
 * @package Waybill
 */

defined( 'ABSPATH' ) || exit;

/**
 * Sends POST requests, several at once.
 */
final class Waybill_Http {

	/** Bytes of a response kept for the attempt log. */
	const EXCERPT_BYTES = 200;

	/** Bytes of a response read into memory at most; the rest is discarded. */
	const READ_BYTES = 4096;

	/** Connect timeout cap, in milliseconds. */
	const CONNECT_TIMEOUT_MS = 5000;

	/**
	 * The shared multi handle (connection cache).
	 *
	 * @var CurlMultiHandle|null
	 */
	private static $multi = null;

	/**
	 * Sends every request, at most $concurrency at a time.
	 *
	 * @param array    $keys        Request keys, in order.
	 * @param callable $build       key => `['url', 'headers' => [name => value], 'body', 'timeout']`
	 *                              or `['error' => code]` to skip the request.
	 * @param int      $concurrency Requests in flight.
	 * @return array key => `['http_status', 'error_code', 'duration_ms', 'started_at', 'retry_after', 'excerpt']`.
	 */
	public static function send_many( array $keys, callable $build, $concurrency ) {
		if ( ! function_exists( 'curl_multi_init' ) ) {
			return self::send_sequential( $keys, $build );
		}
		$multi   = self::multi( $concurrency );
		$queue   = array_values( $keys );
		$active  = array();
		$results = array();

		while ( $queue || $active ) {
			while ( $queue && count( $active ) < $concurrency ) {
				$key     = array_shift( $queue );
				$request = $build( $key );
				if ( isset( $request['error'] ) ) {
					$results[ $key ] = self::result( 0, (string) $request['error'], 0, time(), null, '' );
					continue;
				}
				$state                             = new stdClass();
				$state->key                        = $key;
				$state->started                    = microtime( true );
				$state->retry_after                = '';
				$state->body                       = '';
				$handle                            = self::handle( $request, $state );
				$active[ spl_object_id( $handle ) ] = array( $handle, $state );
				curl_multi_add_handle( $multi, $handle );
			}

			do {
				$status = curl_multi_exec( $multi, $running );
			} while ( CURLM_CALL_MULTI_PERFORM === $status );

			$finished = false;
			while ( $info = curl_multi_info_read( $multi ) ) { // phpcs:ignore WordPress.CodeAnalysis.AssignmentInCondition.FoundInWhileCondition
				$handle = $info['handle'];
				$id     = spl_object_id( $handle );
				if ( ! isset( $active[ $id ] ) ) {
					continue;
				}
				$state    = $active[ $id ][1];
				$duration = (int) round( ( microtime( true ) - $state->started ) * 1000 );
				$http     = CURLE_OK === $info['result'] ? (int) curl_getinfo( $handle, CURLINFO_RESPONSE_CODE ) : 0;
				$error    = CURLE_OK === $info['result'] ? '' : self::error_code( $info['result'] );

				$results[ $state->key ] = self::result( $http, $error, $duration, (int) $state->started, $state->retry_after, $state->body );
				curl_multi_remove_handle( $multi, $handle );
				curl_close( $handle );
				unset( $active[ $id ] );
				$finished = true;
			}
			if ( $active && ! $finished ) {
				curl_multi_select( $multi, 0.05 );
			}
		}
		return $results;
	}

	/**
	 * One easy handle for a request.
	 *
	 * @param array    $request url, headers, body, timeout.
	 * @param stdClass $state   Collects Retry-After and the start of the body.
	 * @return CurlHandle
	 */
	private static function handle( array $request, stdClass $state ) {
		$headers = array( 'Expect:', 'Connection: keep-alive' );
		foreach ( $request['headers'] as $name => $value ) {
			$headers[] = $name . ': ' . $value;
		}
		$timeout_ms = max( 1000, (int) ( $request['timeout'] * 1000 ) );

		$handle = curl_init( $request['url'] );
		curl_setopt_array(
			$handle,
			array(
				CURLOPT_POST              => true,
				CURLOPT_POSTFIELDS        => $request['body'],
				CURLOPT_HTTPHEADER        => $headers,
				CURLOPT_TIMEOUT_MS        => $timeout_ms,
				CURLOPT_CONNECTTIMEOUT_MS => min( $timeout_ms, self::CONNECT_TIMEOUT_MS ),
				CURLOPT_NOSIGNAL          => true,
				CURLOPT_FOLLOWLOCATION    => false,
				CURLOPT_PROTOCOLS         => CURLPROTO_HTTP | CURLPROTO_HTTPS,
				CURLOPT_TCP_KEEPALIVE     => 1,
				CURLOPT_SSL_VERIFYPEER    => true,
				CURLOPT_SSL_VERIFYHOST    => 2,
				CURLOPT_USERAGENT         => 'Waybill/' . WAYBILL_VERSION . '; WordPress/' . get_bloginfo( 'version' ),
				CURLOPT_HEADERFUNCTION    => static function ( $handle, $line ) use ( $state ) {
					if ( 0 === stripos( $line, 'retry-after:' ) ) {
						$state->retry_after = trim( substr( $line, 12 ) );
					}
					return strlen( $line );
				},
				CURLOPT_WRITEFUNCTION     => static function ( $handle, $chunk ) use ( $state ) {
					if ( strlen( $state->body ) < self::READ_BYTES ) {
						$state->body .= substr( $chunk, 0, self::READ_BYTES - strlen( $state->body ) );
					}
					return strlen( $chunk );
				},
			)
		);
		return $handle;
	}

	/**
	 * Without the curl extension: one wp_remote_post() at a time.
	 *
	 * @param array    $keys  Request keys.
	 * @param callable $build See send_many().
	 * @return array
	 */
	private static function send_sequential( array $keys, callable $build ) {
		$results = array();
		foreach ( $keys as $key ) {
			$request = $build( $key );
			if ( isset( $request['error'] ) ) {
				$results[ $key ] = self::result( 0, (string) $request['error'], 0, time(), null, '' );
				continue;
			}
			$started  = microtime( true );
			$response = wp_remote_post(
				$request['url'],
				array(
					'headers'     => $request['headers'],
					'body'        => $request['body'],
					'timeout'     => $request['timeout'],
					'redirection' => 0,
				)
			);
			$duration = (int) round( ( microtime( true ) - $started ) * 1000 );
			if ( is_wp_error( $response ) ) {
				$error           = false !== stripos( $response->get_error_message(), 'timed out' ) ? 'delivery.timeout' : 'delivery.connection';
				$results[ $key ] = self::result( 0, $error, $duration, (int) $started, null, '' );
				continue;
			}
			$results[ $key ] = self::result(
				(int) wp_remote_retrieve_response_code( $response ),
				'',
				$duration,
				(int) $started,
				(string) wp_remote_retrieve_header( $response, 'retry-after' ),
				substr( (string) wp_remote_retrieve_body( $response ), 0, self::READ_BYTES )
			);
		}
		return $results;
	}

	/**
	 * The worker's multi handle, created once per process.
	 *
	 * @param int $concurrency Connections per host.
	 * @return CurlMultiHandle
	 */
	private static function multi( $concurrency ) {
		if ( null === self::$multi ) {
			self::$multi = curl_multi_init();
			curl_multi_setopt( self::$multi, CURLMOPT_MAXCONNECTS, max( 4, 2 * $concurrency ) );
			curl_multi_setopt( self::$multi, CURLMOPT_MAX_HOST_CONNECTIONS, max( 1, $concurrency ) );
		}
		return self::$multi;
	}

	/**
	 * A result row.
	 *
	 * @param int         $http_status HTTP status or 0.
	 * @param string      $error_code  Transport error code or ''.
	 * @param int         $duration_ms Duration.
	 * @param int         $started_at  Unix seconds.
	 * @param string|null $retry_after Raw Retry-After value.
	 * @param string      $body        Start of the response body.
	 * @return array
	 */
	private static function result( $http_status, $error_code, $duration_ms, $started_at, $retry_after, $body ) {
		return array(
			'http_status' => $http_status,
			'error_code'  => $error_code,
			'duration_ms' => $duration_ms,
			'started_at'  => $started_at,
			'retry_after' => null === $retry_after ? '' : $retry_after,
			'excerpt'     => self::excerpt( $body ),
		);
	}

	/**
	 * A short, printable start of a response with e-mail addresses and long
	 * digit runs masked, so the attempt log holds no personal data.
	 *
	 * @param string $body Response body.
	 * @return string
	 */
	public static function excerpt( $body ) {
		$text = preg_replace( '/[^\x20-\x7E]+/', ' ', substr( (string) $body, 0, 1024 ) );
		$text = preg_replace( '/[^\s@"\'<>]+@[^\s@"\'<>]+/', '[email]', $text );
		$text = preg_replace( '/\d{6,}/', '[number]', $text );
		$text = trim( preg_replace( '/\s+/', ' ', $text ) );
		return substr( $text, 0, self::EXCERPT_BYTES );
	}

	/**
	 * A stable error code for a curl error number.
	 *
	 * @param int $errno curl error number.
	 * @return string
	 */
	private static function error_code( $errno ) {
		switch ( $errno ) {
			case CURLE_OPERATION_TIMEDOUT:
				return 'delivery.timeout';
			case CURLE_COULDNT_RESOLVE_HOST:
				return 'delivery.dns';
			case CURLE_COULDNT_CONNECT:
				return 'delivery.connection';
			case CURLE_SSL_CONNECT_ERROR:
			case CURLE_SSL_CACERT:
				return 'delivery.tls';
			default:
				return 'delivery.transport';
		}
	}
}
