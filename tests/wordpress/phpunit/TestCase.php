<?php
/**
 * Shared helpers: a clean outbox per test, the mock receiver's control API,
 * an HTTP client with cookies, worker runs in this or in separate processes.
 *
 * @package Waybill
 */

namespace Waybill\Tests;

/**
 * Base class for Waybill's WordPress tests.
 */
abstract class TestCase extends \PHPUnit\Framework\TestCase {

	/** Settings every test starts from: no loopback, a fast retry schedule. */
	const TEST_SETTINGS = array(
		'loopback'       => false,
		'retry_schedule' => '1,1,1,1,1',
		'rate_limit'     => 1000,
		'claim_ttl'      => 300,
		'batch_size'     => 100,
		'concurrency'    => 16,
	);

	/**
	 * Resets the outbox, settings, endpoint and receiver.
	 */
	protected function setUp(): void {
		global $wpdb;
		parent::setUp();
		wp_cache_flush();
		foreach ( array( 'events', 'attempts', 'leads', 'inbound' ) as $name ) {
			$wpdb->query( 'DELETE FROM ' . \Waybill_Schema::table( $name ) );
		}
		$wpdb->query( "DELETE FROM {$wpdb->options} WHERE option_name LIKE '\\_transient\\_%waybill\\_%'" );
		update_option( \Waybill_Settings::OPTION, self::TEST_SETTINGS );
		update_option( \Waybill_Endpoints::OPTION, array() );
		\Waybill_Endpoints::save(
			array(
				'id'      => 'receiver',
				'name'    => 'Receiver',
				'url'     => $this->receiver_url() . '/hook',
				'timeout' => 5,
				'enabled' => true,
			)
		);
		\Waybill_Endpoints::store_secrets( 'receiver', array( getenv( 'WAYBILL_ENDPOINT_SECRET' ) ) );
		\Waybill_Endpoints::store_inbound_keys( array( getenv( 'WAYBILL_INBOUND_SECRET' ) ) );
		$this->receiver( 'reset' );
		$this->receiver( 'config', array( 'secrets' => array( getenv( 'WAYBILL_ENDPOINT_SECRET' ) ) ) );
		wp_set_current_user( 0 );
		$wpdb->last_error = '';
	}

	/**
	 * Fails any test that left a database error behind.
	 */
	protected function tearDown(): void {
		global $wpdb;
		$this->assertSame( '', (string) $wpdb->last_error, 'database error during the test' );
		parent::tearDown();
	}

	/**
	 * Fails now when the extension is missing: delivery tests need it, and a
	 * skipped test must never count as a pass.
	 */
	protected function require_extension() {
		$this->assertTrue( \Waybill_Core::available(), 'the waybill extension (or WAYBILL_TEST_SHIM=1) is required for this test' );
	}

	/**
	 * Base URL of the mock receiver.
	 *
	 * @return string
	 */
	protected function receiver_url() {
		return rtrim( (string) getenv( 'WAYBILL_RECEIVER_URL' ), '/' );
	}

	/**
	 * Calls the receiver's control API.
	 *
	 * @param string     $what    reset, config, deliveries, stats.
	 * @param array|null $payload JSON payload for config.
	 * @return array
	 */
	protected function receiver( $what, $payload = null ) {
		$post     = in_array( $what, array( 'reset', 'config' ), true );
		$response = $this->http( $post ? 'POST' : 'GET', $this->receiver_url() . '/_control/' . $what, $post ? wp_json_encode( (object) ( $payload ? $payload : array() ) ) : null, array( 'Content-Type: application/json' ) );
		$this->assertSame( 200, $response['status'], 'receiver control ' . $what );
		return json_decode( $response['body'], true );
	}

	/**
	 * Receiver stats after waiting briefly for in-flight requests.
	 *
	 * @return array
	 */
	protected function receiver_stats() {
		return $this->receiver( 'stats' );
	}

	/**
	 * A plain HTTP request with curl; cookies kept per jar name.
	 *
	 * @param string      $method  Method.
	 * @param string      $url     URL.
	 * @param string|null $body    Body.
	 * @param string[]    $headers Headers.
	 * @param string|null $jar     Cookie jar name (per user).
	 * @param int         $timeout Seconds.
	 * @return array status, headers (lower-case), body, time.
	 */
	protected function http( $method, $url, $body = null, array $headers = array(), $jar = null, $timeout = 30 ) {
		$handle   = curl_init( $url );
		$response = array( 'headers' => array() );
		curl_setopt_array(
			$handle,
			array(
				CURLOPT_CUSTOMREQUEST  => $method,
				CURLOPT_RETURNTRANSFER => true,
				CURLOPT_HTTPHEADER     => array_merge( array( 'Expect:' ), $headers ),
				CURLOPT_TIMEOUT        => $timeout,
				CURLOPT_FOLLOWLOCATION => false,
				CURLOPT_HEADERFUNCTION => static function ( $h, $line ) use ( &$response ) {
					$parts = explode( ':', $line, 2 );
					if ( 2 === count( $parts ) ) {
						$response['headers'][ strtolower( trim( $parts[0] ) ) ] = trim( $parts[1] );
					}
					return strlen( $line );
				},
			)
		);
		if ( null !== $body ) {
			curl_setopt( $handle, CURLOPT_POSTFIELDS, $body );
		}
		if ( null !== $jar ) {
			$file = sys_get_temp_dir() . '/waybill-test-cookies-' . getmypid() . '-' . $jar;
			curl_setopt( $handle, CURLOPT_COOKIEJAR, $file );
			curl_setopt( $handle, CURLOPT_COOKIEFILE, $file );
		}
		$response['body']   = (string) curl_exec( $handle );
		$response['status'] = (int) curl_getinfo( $handle, CURLINFO_RESPONSE_CODE );
		$response['time']   = (float) curl_getinfo( $handle, CURLINFO_TOTAL_TIME );
		curl_close( $handle );
		return $response;
	}

	/**
	 * Logs a user in over HTTP; returns the cookie jar name.
	 *
	 * @param string $login User login (admin, editor, author, subscriber).
	 * @return string
	 */
	protected function login( $login ) {
		$jar = $login . '-' . uniqid();
		$url = getenv( 'WAYBILL_WP_URL' ) . '/wp-login.php';
		$this->http( 'GET', $url, null, array(), $jar );
		$response = $this->http(
			'POST',
			$url,
			http_build_query(
				array(
					'log'        => $login,
					'pwd'        => getenv( 'WAYBILL_WP_ADMIN_PASSWORD' ),
					'testcookie' => '1',
					'rememberme' => 'forever',
				)
			),
			array( 'Content-Type: application/x-www-form-urlencoded', 'Cookie: wordpress_test_cookie=WP%20Cookie%20check' ),
			$jar
		);
		$this->assertSame( 302, $response['status'], "login as {$login}" );
		return $jar;
	}

	/**
	 * The `_wpnonce` of an admin form for an admin-post action, read from a page.
	 *
	 * @param string $html   Page HTML.
	 * @param string $action admin-post action.
	 * @return string
	 */
	protected function form_nonce( $html, $action ) {
		$this->assertMatchesRegularExpression( '/name="action" value="' . preg_quote( $action, '/' ) . '"><input type="hidden" id="_wpnonce" name="_wpnonce" value="([0-9a-f]+)"/', $html );
		preg_match( '/name="action" value="' . preg_quote( $action, '/' ) . '"><input type="hidden" id="_wpnonce" name="_wpnonce" value="([0-9a-f]+)"/', $html, $match );
		return $match[1];
	}

	/**
	 * A form token from the public REST route.
	 *
	 * @return string
	 */
	protected function form_token() {
		$response = $this->http( 'GET', getenv( 'WAYBILL_WP_URL' ) . '/wp-json/waybill/v1/form-token' );
		$this->assertSame( 200, $response['status'] );
		return json_decode( $response['body'], true )['token'];
	}

	/**
	 * Posts the lead form as JSON.
	 *
	 * @param array       $fields  Fields (form_token added when absent and $jar is null).
	 * @param string|null $jar     Cookie jar.
	 * @param string[]    $headers Extra headers.
	 * @return array Response with decoded `json`.
	 */
	protected function submit_lead( array $fields, $jar = null, array $headers = array() ) {
		$response         = $this->http( 'POST', getenv( 'WAYBILL_WP_URL' ) . '/wp-json/waybill/v1/leads', wp_json_encode( $fields ), array_merge( array( 'Content-Type: application/json' ), $headers ), $jar );
		$response['json'] = json_decode( $response['body'], true );
		return $response;
	}

	/**
	 * Valid lead fields.
	 *
	 * @param string $tag Makes the lead unique.
	 * @return array
	 */
	protected function lead_fields( $tag = '' ) {
		return array(
			'name'    => 'Ada Lovelace',
			'email'   => 'ada' . $tag . '@example.com',
			'company' => 'Analytical Engines',
			'message' => "Hello from the test suite {$tag}",
			'consent' => true,
		);
	}

	/**
	 * Captures lead.submitted events in this process.
	 *
	 * @param int    $count How many.
	 * @param string $tag   Natural key tag.
	 * @return string[] Event ids.
	 */
	protected function emit_leads( $count, $tag = 'batch' ) {
		$ids = array();
		for ( $i = 0; $i < $count; $i++ ) {
			$id = waybill_emit(
				'lead.submitted',
				$this->lead_fields( "{$tag}{$i}" ),
				array(
					'entity'      => array(
						'type' => 'lead',
						'id'   => $i + 1,
					),
					'consent'     => true,
					'natural_key' => "{$tag}-{$i}-" . uniqid(),
				)
			);
			$this->assertIsString( $id, is_wp_error( $id ) ? $id->get_error_code() : '' );
			$ids[] = $id;
		}
		return $ids;
	}

	/**
	 * Runs the worker in this process.
	 *
	 * @param array $args Worker arguments.
	 * @return array Counters.
	 */
	protected function run_worker( array $args = array() ) {
		wp_cache_flush();
		return \Waybill_Worker::run( array_merge( array( 'runner' => 'test', 'time_limit' => 20 ), $args ) );
	}

	/**
	 * The CLI runner's command line.
	 *
	 * @param string $extra Extra flags.
	 * @return string
	 */
	protected function cli_worker_command( $extra = '' ) {
		return getenv( 'WAYBILL_PHP' ) . ' ' . escapeshellarg( WAYBILL_DIR . 'bin/waybill-worker.php' ) . ' --path=' . escapeshellarg( untrailingslashit( ABSPATH ) ) . ' ' . $extra;
	}

	/**
	 * Rows of the outbox.
	 *
	 * @param string $where Optional SQL condition (test-controlled, no input).
	 * @return object[]
	 */
	protected function rows( $where = '1=1' ) {
		global $wpdb;
		return $wpdb->get_results( 'SELECT * FROM ' . \Waybill_Schema::table( 'events' ) . " WHERE {$where} ORDER BY id" );
	}

	/**
	 * Waits until a condition holds.
	 *
	 * @param callable $condition Returns true when done.
	 * @param float    $seconds   Limit.
	 * @return bool
	 */
	protected function eventually( callable $condition, $seconds = 10.0 ) {
		$until = microtime( true ) + $seconds;
		do {
			if ( $condition() ) {
				return true;
			}
			usleep( 100000 );
		} while ( microtime( true ) < $until );
		return false;
	}

	/**
	 * Makes every pending row due now (instead of sleeping through backoff).
	 */
	protected function make_due() {
		global $wpdb;
		$wpdb->query( $wpdb->prepare( 'UPDATE ' . \Waybill_Schema::table( 'events' ) . ' SET next_attempt_at = %s WHERE status = %s', gmdate( 'Y-m-d H:i:s', time() - 1 ), 'pending' ) );
	}

	/**
	 * Checks a Standard Webhooks `v1` signature independently of the extension.
	 *
	 * @param array  $delivery Receiver record.
	 * @param string $secret   whsec_ secret.
	 * @return bool
	 */
	protected function hmac_verifies( array $delivery, $secret ) {
		$key      = base64_decode( substr( $secret, 6 ), true );
		$body     = base64_decode( $delivery['body_b64'] );
		$expected = 'v1,' . base64_encode( hash_hmac( 'sha256', $delivery['id'] . '.' . $delivery['timestamp'] . '.' . $body, $key, true ) );
		return in_array( $expected, explode( ' ', (string) $delivery['signature'] ), true );
	}
}
