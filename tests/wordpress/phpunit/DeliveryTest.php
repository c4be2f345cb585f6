<?php
/**
 * Delivery: retry policy, secrets, signatures, fan-out.
 *
 * @package Waybill
 */

namespace Waybill\Tests;

/**
 * Worker behaviour against the mock receiver.
 */
final class DeliveryTest extends TestCase {

	public function test_receiver_down_for_a_while_is_delivered_later_and_nothing_is_lost() {
		$this->require_extension();
		$closed = $this->closed_port_url();
		\Waybill_Endpoints::save( array( 'id' => 'receiver', 'url' => $closed ) );
		$this->emit_leads( 5, 'down' );

		$first = $this->run_worker();
		$this->assertSame( 5, $first['retrying'] );
		foreach ( $this->rows() as $row ) {
			$this->assertSame( 'pending', $row->status );
			$this->assertSame( 'delivery.connection', $row->last_error_code );
		}

		// The receiver comes back; the next run after the backoff delivers everything once.
		\Waybill_Endpoints::save( array( 'id' => 'receiver', 'url' => $this->receiver_url() . '/hook' ) );
		$this->make_due();
		$second = $this->run_worker();

		$this->assertSame( 5, $second['delivered'] );
		$stats = $this->receiver_stats();
		$this->assertSame( 5, $stats['unique'] );
		$this->assertSame( 0, $stats['duplicates'] );
		$this->assertSame( 0, $stats['bad_signatures'] );
	}

	public function test_server_errors_are_retried_with_backoff_then_delivered() {
		$this->require_extension();
		$this->receiver( 'config', array( 'mode' => '500', 'times' => 2 ) );
		$this->emit_leads( 1, 'flaky' );

		$this->run_worker();
		$row = $this->rows()[0];
		$this->assertSame( 'pending', $row->status );
		$this->assertSame( 'http.500', $row->last_error_code );
		$this->assertGreaterThan( time(), strtotime( $row->next_attempt_at . ' UTC' ), 'backoff puts the next attempt in the future' );
		$this->assertSame( 0, $this->run_worker()['claimed'], 'not due yet' );

		$this->make_due();
		$this->run_worker();
		$this->make_due();
		$this->run_worker();

		$row = $this->rows()[0];
		$this->assertSame( 'delivered', $row->status );
		$attempts = \Waybill_Outbox::attempts( (int) $row->id );
		$this->assertSame( array( '500', '500', '200' ), wp_list_pluck( $attempts, 'http_status' ) );
		$this->assertSame( array( '1', '2', '3' ), wp_list_pluck( $attempts, 'attempt_no' ) );

		// Each attempt is signed with the same id and its own timestamp.
		$deliveries = $this->receiver( 'deliveries' );
		$this->assertCount( 1, array_unique( wp_list_pluck( $deliveries, 'id' ) ) );
		foreach ( $deliveries as $delivery ) {
			$this->assertSame( 'ok', $delivery['verdict'] );
		}
	}

	public function test_429_honours_retry_after() {
		$this->require_extension();
		$this->receiver( 'config', array( 'mode' => '429', 'retry_after' => '120' ) );
		$this->emit_leads( 1, 'busy' );
		$before = time();

		$this->run_worker();

		$row = $this->rows()[0];
		$this->assertSame( 'pending', $row->status );
		$this->assertSame( 'http.429', $row->last_error_code );
		$this->assertGreaterThanOrEqual( $before + 119, strtotime( $row->next_attempt_at . ' UTC' ) );
	}

	public function test_410_disables_the_endpoint_and_keeps_the_event() {
		$this->require_extension();
		$this->receiver( 'config', array( 'mode' => '410' ) );
		$this->emit_leads( 2, 'gone' );

		$this->run_worker();
		wp_cache_flush();

		$endpoint = \Waybill_Endpoints::get( 'receiver' );
		$this->assertFalse( $endpoint['enabled'] );
		$this->assertSame( 'endpoint.gone', $endpoint['disabled_reason'] );
		foreach ( $this->rows() as $row ) {
			$this->assertSame( 'pending', $row->status );
			$this->assertSame( 'endpoint.gone', $row->last_error_code );
		}
		$this->assertSame( 0, $this->run_worker()['claimed'], 'a disabled endpoint gets nothing' );

		// The admin enables it again: the kept events go out.
		$this->receiver( 'config', array( 'mode' => 'ok' ) );
		\Waybill_Endpoints::set_enabled( 'receiver', true );
		$this->assertSame( 2, $this->run_worker()['delivered'] );
	}

	public function test_other_4xx_is_a_dead_letter_and_replay_delivers_it() {
		$this->require_extension();
		$this->receiver( 'config', array( 'mode' => '400' ) );
		$this->emit_leads( 1, 'dead' );

		$this->run_worker();
		$row = $this->rows()[0];
		$this->assertSame( 'dead', $row->status );
		$this->assertSame( 'http.400', $row->last_error_code );
		$this->make_due();
		$this->assertSame( 0, $this->run_worker()['claimed'], 'dead letters are not retried' );

		$this->receiver( 'config', array( 'mode' => 'ok' ) );
		$this->assertSame( 1, \Waybill_Outbox::replay( array( (int) $row->id ) ) );
		$this->assertSame( 1, $this->run_worker()['delivered'] );
		$this->assertSame( 'delivered', $this->rows()[0]->status );
	}

	public function test_timeout_is_retried() {
		$this->require_extension();
		\Waybill_Endpoints::save( array( 'id' => 'receiver', 'timeout' => 1 ) );
		$this->receiver( 'config', array( 'mode' => 'hang', 'hang_s' => 3, 'times' => 1 ) );
		$this->emit_leads( 1, 'slow' );

		$this->run_worker();
		$row = $this->rows()[0];
		$this->assertSame( 'pending', $row->status );
		$this->assertSame( 'delivery.timeout', $row->last_error_code );
	}

	public function test_exhausted_schedule_ends_as_dead() {
		$this->require_extension();
		\Waybill_Settings::update( array( 'retry_schedule' => '1' ) );
		$this->receiver( 'config', array( 'mode' => '500' ) );
		$this->emit_leads( 1, 'exhaust' );

		$this->run_worker();
		$this->make_due();
		$this->run_worker();

		$row = $this->rows()[0];
		$this->assertSame( 'dead', $row->status );
		$this->assertSame( '2', $row->attempts );
	}

	public function test_an_event_without_a_usable_secret_is_never_sent_unsigned() {
		$this->require_extension();
		\Waybill_Endpoints::store_secrets( 'receiver', array() );
		$this->emit_leads( 1, 'nosecret' );

		$stats = $this->run_worker();

		$this->assertSame( 1, $stats['blocked'] );
		$this->assertSame( 0, $this->receiver_stats()['total'], 'nothing reached the receiver' );
		$row = $this->rows()[0];
		$this->assertSame( 'pending', $row->status );
		$this->assertSame( 'secret.none', $row->last_error_code );
		$this->assertSame( '0', $row->attempts );

		\Waybill_Endpoints::store_secrets( 'receiver', array( getenv( 'WAYBILL_ENDPOINT_SECRET' ) ) );
		$this->make_due();
		$this->assertSame( 1, $this->run_worker()['delivered'] );
	}

	public function test_an_invalid_secret_blocks_sending_with_the_core_code() {
		$this->require_extension();
		\Waybill_Endpoints::store_secrets( 'receiver', array( 'not a secret & < > ; \\ ` | ~ #' ) );
		$this->emit_leads( 1, 'badsecret' );

		$this->run_worker();

		$this->assertSame( 0, $this->receiver_stats()['total'] );
		$this->assertStringStartsWith( 'secret.', $this->rows()[0]->last_error_code );
	}

	public function test_stored_secret_with_special_characters_is_kept_byte_for_byte_and_verifies() {
		$this->require_extension();
		$secret = $this->secret_with_special_base64_characters();
		$this->receiver( 'config', array( 'secrets' => array( $secret ) ) );

		// Saved through the real settings form, as an admin would.
		$jar   = $this->login( 'admin' );
		$page  = $this->http( 'GET', admin_url( 'admin.php?page=waybill-settings&edit=receiver' ), null, array(), $jar );
		$nonce = $this->form_nonce( $page['body'], 'waybill_endpoint_secret' );
		$saved = $this->http(
			'POST',
			admin_url( 'admin-post.php' ),
			http_build_query( array( 'action' => 'waybill_endpoint_secret', '_wpnonce' => $nonce, 'id' => 'receiver', 'operation' => 'set', 'secret' => $secret ) ),
			array( 'Content-Type: application/x-www-form-urlencoded' ),
			$jar
		);
		$this->assertSame( 302, $saved['status'] );
		$this->assertStringContainsString( 'secret_saved', $saved['headers']['location'] );

		wp_cache_flush();
		$this->assertSame( array( $secret ), \Waybill_Endpoints::secrets( 'receiver' )['keys'], 'stored byte for byte' );

		$this->emit_leads( 1, 'special' );
		$this->assertSame( 1, $this->run_worker()['delivered'] );
		$delivery = $this->receiver( 'deliveries' )[0];
		$this->assertSame( 'ok', $delivery['verdict'] );
		$this->assertTrue( $this->hmac_verifies( $delivery, $secret ) );

		// The settings page shows a fingerprint, never the secret.
		$after = $this->http( 'GET', admin_url( 'admin.php?page=waybill-settings&edit=receiver' ), null, array(), $jar );
		$this->assertStringNotContainsString( $secret, $after['body'] );
		$this->assertStringNotContainsString( substr( $secret, 6, 20 ), $after['body'] );
		$this->assertStringNotContainsString( esc_html( $secret ), $after['body'] );
		$this->assertStringContainsString( substr( hash( 'sha256', $secret ), 0, 8 ), $after['body'] );
	}

	public function test_settings_form_refuses_an_unusable_secret_without_echoing_it() {
		$this->require_extension();
		$bad   = 'whsec_<script>&amp;;\\`|~#"\'';
		$jar   = $this->login( 'admin' );
		$page  = $this->http( 'GET', admin_url( 'admin.php?page=waybill-settings&edit=receiver' ), null, array(), $jar );
		$nonce = $this->form_nonce( $page['body'], 'waybill_endpoint_secret' );
		$saved = $this->http(
			'POST',
			admin_url( 'admin-post.php' ),
			http_build_query( array( 'action' => 'waybill_endpoint_secret', '_wpnonce' => $nonce, 'id' => 'receiver', 'operation' => 'set', 'secret' => $bad ) ),
			array( 'Content-Type: application/x-www-form-urlencoded' ),
			$jar
		);
		$this->assertSame( 302, $saved['status'] );
		$this->assertStringContainsString( 'error', $saved['headers']['location'] );

		wp_cache_flush();
		$this->assertSame( array( getenv( 'WAYBILL_ENDPOINT_SECRET' ) ), \Waybill_Endpoints::secrets( 'receiver' )['keys'], 'the old secret stays' );
		$shown = $this->http( 'GET', $saved['headers']['location'], null, array(), $jar );
		$this->assertStringNotContainsString( '<script>&amp;', $shown['body'] );
	}

	public function test_secret_from_a_constant_name_is_preferred_and_reported() {
		$this->assertSame( 'WAYBILL_SECRET_MY_CRM', \Waybill_Endpoints::constant_name( 'my-crm' ) );
		$this->assertSame( 'settings', \Waybill_Endpoints::secrets( 'receiver' )['source'] );
		putenv( 'WAYBILL_SECRET_RECEIVER=' . getenv( 'WAYBILL_ENDPOINT_SECRET' ) );
		$this->assertSame( 'environment', \Waybill_Endpoints::secrets( 'receiver' )['source'] );
		putenv( 'WAYBILL_SECRET_RECEIVER' );
	}

	public function test_ed25519_signature_verifies_with_only_the_public_key() {
		$this->require_extension();
		$pair = waybill_generate_keypair();
		\Waybill_Endpoints::store_secrets( 'receiver', array( $pair['secret_key'] ) );
		$this->emit_leads( 1, 'ed25519' );

		$this->assertSame( 1, $this->run_worker()['delivered'] );

		$delivery = $this->receiver( 'deliveries' )[0];
		$this->assertStringStartsWith( 'v1a,', $delivery['signature'] );
		$public    = base64_decode( substr( $pair['public_key'], 5 ) );
		$signature = base64_decode( substr( $delivery['signature'], 4 ) );
		$signed    = $delivery['id'] . '.' . $delivery['timestamp'] . '.' . base64_decode( $delivery['body_b64'] );
		$this->assertTrue( sodium_crypto_sign_verify_detached( $signature, $signed, $public ) );
	}

	public function test_events_fan_out_to_every_endpoint_whose_filter_matches() {
		$this->require_extension();
		\Waybill_Endpoints::save( array( 'id' => 'crm', 'url' => $this->receiver_url() . '/crm', 'event_types' => 'lead.*' ) );
		\Waybill_Endpoints::save( array( 'id' => 'shop', 'url' => $this->receiver_url() . '/shop', 'event_types' => 'product.updated' ) );
		\Waybill_Endpoints::store_secrets( 'crm', array( getenv( 'WAYBILL_ENDPOINT_SECRET' ) ) );
		\Waybill_Endpoints::store_secrets( 'shop', array( getenv( 'WAYBILL_ENDPOINT_SECRET' ) ) );
		$this->emit_leads( 1, 'fan' );

		$endpoints = wp_list_pluck( $this->rows(), 'endpoint_id' );
		sort( $endpoints );
		$this->assertSame( array( 'crm', 'receiver' ), $endpoints );
		$this->run_worker();
		$paths = wp_list_pluck( $this->receiver( 'deliveries' ), 'path' );
		sort( $paths );
		$this->assertSame( array( '/crm', '/hook' ), $paths );
	}

	public function test_event_without_an_endpoint_is_held_then_routed() {
		$this->require_extension();
		update_option( \Waybill_Endpoints::OPTION, array() );
		$this->emit_leads( 1, 'held' );
		$this->assertSame( 'held', $this->rows()[0]->status );

		\Waybill_Endpoints::save( array( 'id' => 'receiver', 'url' => $this->receiver_url() . '/hook' ) );
		$stats = $this->run_worker();

		$this->assertSame( 1, $stats['routed'] );
		$this->assertSame( 1, $stats['delivered'] );
	}

	public function test_attempt_log_keeps_no_personal_data_from_the_response() {
		$this->assertSame( 'saw [email] ref [number]', \Waybill_Http::excerpt( "saw ada@example.com ref 12345678\x00" ) );
	}

	/**
	 * A URL on 127.0.0.1 where nothing listens.
	 *
	 * @return string
	 */
	private function closed_port_url() {
		$socket = stream_socket_server( 'tcp://127.0.0.1:0' );
		$name   = stream_socket_get_name( $socket, false );
		fclose( $socket );
		return 'http://' . $name . '/hook';
	}

	/**
	 * A valid whsec_ secret whose base64 contains "+", "/" and "=".
	 *
	 * @return string
	 */
	private function secret_with_special_base64_characters() {
		do {
			$secret = 'whsec_' . base64_encode( random_bytes( 31 ) );
		} while ( false === strpos( $secret, '+' ) || false === strpos( $secret, '/' ) );
		$this->assertStringEndsWith( '=', $secret );
		return $secret;
	}
}
