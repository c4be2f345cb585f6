<?php
/**
 * Capture: the form and the PHP API put exactly one validated event in the outbox.
 *
 * @package Waybill
 */

namespace Waybill\Tests;

/**
 * Capture behaviour.
 */
final class CaptureTest extends TestCase {

	public function test_lead_from_the_form_page_is_delivered_signed_and_verified() {
		$this->require_extension();
		$page = $this->http( 'GET', getenv( 'WAYBILL_WP_FORM_URL' ) );
		$this->assertSame( 200, $page['status'] );
		$this->assertMatchesRegularExpression( '/name="form_token" value="([^"]+)"/', $page['body'] );
		preg_match( '/name="form_token" value="([^"]+)"/', $page['body'], $token );

		$response = $this->submit_lead( array_merge( $this->lead_fields(), array( 'form_token' => $token[1] ) ) );
		$this->assertSame( 200, $response['status'], $response['body'] );
		$this->assertSame( 'accepted', $response['json']['status'] );
		$id = $response['json']['id'];

		exec( $this->cli_worker_command( '--json' ), $output, $code );
		$this->assertSame( 0, $code, implode( "\n", $output ) );

		$deliveries = $this->receiver( 'deliveries' );
		$this->assertCount( 1, $deliveries );
		$this->assertSame( $id, $deliveries[0]['id'] );
		$this->assertSame( 'ok', $deliveries[0]['verdict'], 'the receiver verified the signature' );
		$this->assertTrue( $this->hmac_verifies( $deliveries[0], getenv( 'WAYBILL_ENDPOINT_SECRET' ) ) );
		$this->assertSame( 'application/json', $deliveries[0]['content_type'] );

		$event = json_decode( base64_decode( $deliveries[0]['body_b64'] ), true );
		$this->assertSame( 'lead.submitted', $event['event_type'] );
		$this->assertSame( $id, $event['idempotency_key'] );
		$this->assertSame( 'ada@example.com', $event['data']['email'] );
		$this->assertSame( 'lead', $event['entity']['type'] );

		$rows = $this->rows();
		$this->assertSame( 'delivered', $rows[0]->status );
		$this->assertSame( '1', $rows[0]->attempts );
	}

	public function test_double_submit_yields_one_event_and_the_same_answer() {
		$this->require_extension();
		$fields = array_merge( $this->lead_fields( 'double' ), array( 'form_token' => $this->form_token() ) );

		$first  = $this->submit_lead( $fields );
		$second = $this->submit_lead( $fields );

		$this->assertSame( 200, $first['status'], $first['body'] );
		$this->assertSame( $first['status'], $second['status'] );
		$this->assertSame( $first['json'], $second['json'] );
		$this->assertCount( 1, $this->rows() );
		global $wpdb;
		$this->assertSame( '1', $wpdb->get_var( 'SELECT COUNT(*) FROM ' . \Waybill_Schema::table( 'leads' ) ) );
	}

	public function test_emit_with_the_same_natural_key_twice_yields_one_event() {
		$this->require_extension();
		$args = array(
			'entity'      => array( 'type' => 'lead', 'id' => 7 ),
			'consent'     => true,
			'natural_key' => 'hook-fired-twice-' . uniqid(),
		);
		$first  = waybill_emit( 'lead.submitted', $this->lead_fields( 'hook' ), $args );
		$second = waybill_emit( 'lead.submitted', $this->lead_fields( 'hook' ), $args );

		$this->assertIsString( $first );
		$this->assertSame( $first, $second );
		$this->assertCount( 1, $this->rows() );
	}

	public function test_action_hook_captures_like_the_function() {
		$this->require_extension();
		$captured = null;
		$listener = static function ( $key ) use ( &$captured ) {
			$captured = $key;
		};
		add_action( 'waybill_emitted', $listener );
		do_action( 'waybill_emit', 'lead.submitted', $this->lead_fields( 'action' ), array( 'consent' => true, 'entity' => array( 'type' => 'lead', 'id' => 3 ) ) );
		remove_action( 'waybill_emitted', $listener );

		$this->assertIsString( $captured );
		$this->assertSame( $captured, $this->rows()[0]->idempotency_key );
	}

	public function test_invalid_data_returns_the_core_error_code_and_pointer() {
		$this->require_extension();
		$data = $this->lead_fields( 'invalid' );
		unset( $data['email'] );

		$result = waybill_emit( 'lead.submitted', $data, array( 'consent' => true ) );

		$this->assertWPError( $result );
		$this->assertSame( 'schema.required', $result->get_error_code() );
		$error = $result->get_error_data();
		$this->assertSame( 422, $error['status'] );
		$this->assertNotEmpty( $error['errors'] );
		$this->assertStringStartsWith( '/data', $error['errors'][0]['pointer'] );
		$this->assertCount( 0, $this->rows() );
	}

	public function test_unknown_event_type_is_refused_with_the_core_code() {
		$this->require_extension();
		$result = waybill_emit( 'nothing.registered', array( 'a' => 1 ), array( 'version' => '1.0' ) );
		$this->assertWPError( $result );
		$this->assertSame( 'contract.unknown', $result->get_error_code() );
		$this->assertSame( '/event_type', $result->get_error_data()['pointer'] );
	}

	public function test_form_errors_come_back_per_field() {
		$this->require_extension();
		$fields = array_merge(
			$this->lead_fields(),
			array(
				'email'      => 'not-an-address',
				'consent'    => false,
				'form_token' => $this->form_token(),
			)
		);
		$response = $this->submit_lead( $fields );

		$this->assertSame( 422, $response['status'], $response['body'] );
		$this->assertSame( 'waybill_invalid_fields', $response['json']['code'] );
		$this->assertArrayHasKey( 'email', $response['json']['data']['fields'] );
		$this->assertArrayHasKey( 'consent', $response['json']['data']['fields'] );
		$this->assertCount( 0, $this->rows() );
		global $wpdb;
		$this->assertSame( '0', $wpdb->get_var( 'SELECT COUNT(*) FROM ' . \Waybill_Schema::table( 'leads' ) ), 'a refused lead leaves no lead row' );
	}

	public function test_missing_required_field_is_reported_on_that_field() {
		$this->require_extension();
		$fields = array_merge( $this->lead_fields(), array( 'form_token' => $this->form_token() ) );
		unset( $fields['name'] );
		$response = $this->submit_lead( $fields );

		$this->assertSame( 422, $response['status'], $response['body'] );
		$this->assertArrayHasKey( 'name', $response['json']['data']['fields'] );
	}

	public function test_honeypot_submission_gets_a_polite_answer_and_stores_nothing() {
		$this->require_extension();
		$fields = array_merge( $this->lead_fields(), array( 'website' => 'http://spam.example', 'form_token' => $this->form_token() ) );
		$response = $this->submit_lead( $fields );

		$this->assertSame( 200, $response['status'] );
		$this->assertArrayNotHasKey( 'id', $response['json'] );
		$this->assertCount( 0, $this->rows() );
	}

	public function test_honeypot_sent_as_an_array_or_other_type_counts_as_a_bot() {
		$this->require_extension();
		$form = array_merge( $this->lead_fields( 'hp' ), array( 'consent' => '1', 'form_token' => $this->form_token() ) );
		$url  = getenv( 'WAYBILL_WP_URL' ) . '/wp-json/waybill/v1/leads';

		$encoded = $this->http( 'POST', $url, http_build_query( $form ) . '&website%5B%5D=x', array( 'Content-Type: application/x-www-form-urlencoded' ) );
		$this->assertSame( 200, $encoded['status'], $encoded['body'] );
		$this->assertArrayNotHasKey( 'id', json_decode( $encoded['body'], true ) );

		foreach ( array( array( 'x' ), array( 'a' => 'b' ), 1, true, '0' ) as $value ) {
			$json = $this->submit_lead( array_merge( $this->lead_fields( 'hp' ), array( 'website' => $value, 'form_token' => $this->form_token() ) ) );
			$this->assertSame( 200, $json['status'], $json['body'] );
			$this->assertArrayNotHasKey( 'id', $json['json'], 'honeypot ' . wp_json_encode( $value ) );
		}

		$this->assertCount( 0, $this->rows() );
		global $wpdb;
		$this->assertSame( '0', $wpdb->get_var( 'SELECT COUNT(*) FROM ' . \Waybill_Schema::table( 'leads' ) ) );

		$this->assertFalse( \Waybill_Forms::honeypot_filled( null ) );
		$this->assertFalse( \Waybill_Forms::honeypot_filled( '' ) );
	}

	public function test_invalid_utf8_in_a_form_encoded_field_is_a_field_error_and_stores_nothing() {
		$this->require_extension();
		$form = array_merge( $this->lead_fields( 'utf8' ), array( 'consent' => '1', 'form_token' => $this->form_token() ) );
		unset( $form['name'] );
		$response = $this->http(
			'POST',
			getenv( 'WAYBILL_WP_URL' ) . '/wp-json/waybill/v1/leads',
			'name=%FF%FE&' . http_build_query( $form ),
			array( 'Content-Type: application/x-www-form-urlencoded' )
		);
		$json = json_decode( $response['body'], true );

		$this->assertSame( 422, $response['status'], $response['body'] );
		$this->assertSame( 'waybill_invalid_fields', $json['code'] );
		$this->assertArrayHasKey( 'name', $json['data']['fields'] );
		$this->assertSame( 'input.invalid_utf8', $json['data']['errors'][0]['code'] );
		$this->assertSame( '/data/name', $json['data']['errors'][0]['pointer'] );
		$this->assertCount( 0, $this->rows() );
		global $wpdb;
		$this->assertSame( '0', $wpdb->get_var( 'SELECT COUNT(*) FROM ' . \Waybill_Schema::table( 'leads' ) ) );

		$direct = \Waybill_Forms::capture( array_merge( $this->lead_fields( 'utf8' ), array( 'company' => "Caf\xE9" ) ), 'token-utf8' );
		$this->assertWPError( $direct );
		$this->assertSame( 'input.invalid_utf8', $direct->get_error_code() );
	}

	public function test_anonymous_submission_without_form_token_is_refused() {
		$this->require_extension();
		$response = $this->submit_lead( $this->lead_fields() );
		$this->assertSame( 403, $response['status'] );
		$this->assertSame( 'waybill_form_token', $response['json']['code'] );
		$this->assertCount( 0, $this->rows() );
	}

	public function test_forged_or_expired_form_token_is_refused() {
		$this->require_extension();
		$old    = ( time() - 3 * DAY_IN_SECONDS ) . '.abcdef012345';
		$expired = $old . '.' . hash_hmac( 'sha256', 'waybill-form|' . $old, wp_salt( 'nonce' ) );
		foreach ( array( '1.2.3', 'garbage', $expired ) as $token ) {
			$response = $this->submit_lead( array_merge( $this->lead_fields(), array( 'form_token' => $token ) ) );
			$this->assertSame( 403, $response['status'], $token );
		}
	}

	public function test_anonymous_submissions_are_rate_limited_per_ip() {
		$this->require_extension();
		\Waybill_Settings::update( array( 'rate_limit' => 2, 'rate_window' => 600 ) );
		$token = $this->form_token();
		$codes = array();
		for ( $i = 0; $i < 3; $i++ ) {
			$response = $this->submit_lead( array_merge( $this->lead_fields( "rl{$i}" ), array( 'form_token' => $token ) ) );
			$codes[]  = $response['status'];
		}
		$this->assertSame( array( 200, 200, 429 ), $codes );
		$this->assertArrayHasKey( 'retry-after', $response['headers'] );
		$this->assertGreaterThan( 0, (int) $response['headers']['retry-after'] );
	}

	public function test_logged_in_submission_uses_the_rest_nonce() {
		$this->require_extension();
		$jar  = $this->login( 'subscriber' );
		$page = $this->http( 'GET', getenv( 'WAYBILL_WP_FORM_URL' ), null, array(), $jar );
		$this->assertMatchesRegularExpression( '/data-nonce="([0-9a-f]{10})"/', $page['body'] );
		preg_match( '/data-nonce="([0-9a-f]{10})"/', $page['body'], $nonce );

		$with_nonce = $this->submit_lead( $this->lead_fields( 'user' ), $jar, array( 'X-WP-Nonce: ' . $nonce[1] ) );
		$this->assertSame( 200, $with_nonce['status'], $with_nonce['body'] );

		// Cookies without the nonce count as anonymous, and anonymous needs a form token.
		$without_nonce = $this->submit_lead( $this->lead_fields( 'user2' ), $jar );
		$this->assertSame( 403, $without_nonce['status'] );
		$this->assertCount( 1, $this->rows() );
	}

	public function test_form_response_does_not_wait_for_a_hanging_receiver() {
		$this->require_extension();
		$this->receiver( 'config', array( 'mode' => 'hang', 'hang_s' => 5 ) );
		$response = $this->submit_lead( array_merge( $this->lead_fields( 'fast' ), array( 'form_token' => $this->form_token() ) ) );
		$this->assertSame( 200, $response['status'] );
		$this->assertLessThan( 1.0, $response['time'], 'the request path makes no network call' );
		$this->assertSame( 0, $this->receiver_stats()['total'] );
	}

	public function test_capture_starts_delivery_within_seconds_via_loopback() {
		$this->require_extension();
		\Waybill_Settings::update( array( 'loopback' => true ) );
		$response = $this->submit_lead( array_merge( $this->lead_fields( 'loop' ), array( 'form_token' => $this->form_token() ) ) );
		$this->assertSame( 200, $response['status'] );

		$delivered = $this->eventually(
			function () {
				return 1 === $this->receiver_stats()['accepted'];
			},
			10
		);
		$this->assertTrue( $delivered, 'delivered by the loopback worker without cron or CLI' );
		$this->assertTrue( $this->eventually( function () {
			wp_cache_flush();
			return 'delivered' === $this->rows()[0]->status;
		}, 5 ) );
	}

	public function test_form_without_javascript_posts_and_is_redirected_back() {
		$this->require_extension();
		$page  = $this->http( 'GET', getenv( 'WAYBILL_WP_FORM_URL' ) );
		preg_match( '/name="form_token" value="([^"]+)"/', $page['body'], $token );
		$fields = array_merge( $this->lead_fields( 'nojs' ), array( 'consent' => '1', 'form_token' => $token[1], 'waybill_nojs' => '1' ) );

		$response = $this->http( 'POST', getenv( 'WAYBILL_WP_URL' ) . '/wp-json/waybill/v1/leads', http_build_query( $fields ), array( 'Content-Type: application/x-www-form-urlencoded', 'Referer: ' . getenv( 'WAYBILL_WP_FORM_URL' ) ) );

		$this->assertSame( 303, $response['status'], $response['body'] );
		$this->assertStringStartsWith( getenv( 'WAYBILL_WP_FORM_URL' ), $response['headers']['location'] );
		$this->assertStringContainsString( 'waybill_lead=sent', $response['headers']['location'] );
		$this->assertCount( 1, $this->rows() );
	}

	public function test_block_and_shortcode_render_the_same_form() {
		$this->assertTrue( \WP_Block_Type_Registry::get_instance()->is_registered( 'waybill/lead-form' ) );
		$block     = do_blocks( '<!-- wp:waybill/lead-form {"title":"Hi"} /-->' );
		$shortcode = do_shortcode( '[waybill_lead_form title="Hi"]' );
		foreach ( array( $block, $shortcode ) as $html ) {
			$this->assertStringContainsString( 'class="waybill-lead-form"', $html );
			$this->assertStringContainsString( 'name="consent"', $html );
			$this->assertStringContainsString( 'name="website"', $html );
			$this->assertStringContainsString( '<h3>Hi</h3>', $html );
		}
	}

	/**
	 * Asserts a value is a WP_Error.
	 *
	 * @param mixed $value Value.
	 */
	private function assertWPError( $value ) {
		$this->assertInstanceOf( \WP_Error::class, $value );
	}
}
