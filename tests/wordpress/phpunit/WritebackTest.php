<?php
/**
 * Write-back: signed results from automation, applied once per webhook-id.
 *
 * @package Waybill
 */

namespace Waybill\Tests;

/**
 * POST waybill/v1/writeback over real HTTP, signed independently with hash_hmac.
 */
final class WritebackTest extends TestCase {

	public function test_lead_classified_is_stored_on_the_lead() {
		$this->require_extension();
		$lead     = $this->submitted_lead();
		$response = $this->post_signed( $this->classification( $lead->idempotency_key ) );

		$this->assertSame( 200, $response['status'], $response['body'] );
		$this->assertSame( 'applied', json_decode( $response['body'], true )['status'] );
		$stored = $this->lead( (int) $lead->id );
		$this->assertNotNull( $stored->classified_at );
		$classification = json_decode( $stored->classification, true );
		$this->assertSame( 'hot', $classification['data']['segment'] );
		$this->assertSame( 87, $classification['data']['score'] );
	}

	public function test_a_repeated_webhook_id_answers_200_without_a_second_effect() {
		$this->require_extension();
		$lead  = $this->submitted_lead();
		$event = $this->classification( $lead->idempotency_key );

		$first = $this->post_signed( $event );
		global $wpdb;
		$wpdb->update( \Waybill_Schema::table( 'leads' ), array( 'classification' => 'edited by a human' ), array( 'id' => $lead->id ) );
		$second = $this->post_signed( $event );

		$this->assertSame( 200, $first['status'] );
		$this->assertSame( 200, $second['status'] );
		$this->assertSame( 'duplicate', json_decode( $second['body'], true )['status'] );
		$this->assertSame( 'edited by a human', $this->lead( (int) $lead->id )->classification );
	}

	public function test_draft_ready_creates_a_draft_with_sources_and_provenance_never_published() {
		$this->require_extension();
		$source = wp_insert_post( array( 'post_title' => 'Espresso guide', 'post_status' => 'publish', 'post_content' => 'Beans.' ) );
		$event  = $this->envelope(
			'content.draft_ready',
			'draft',
			array( 'type' => 'post', 'id' => $source ),
			array(
				'request_key' => waybill_idempotency_key( 'content' ),
				'post_id'     => $source,
				'title'       => 'Espresso at home',
				'sections'    => array(
					array( 'heading' => 'Grind', 'body' => '<p>Fine.</p><script>alert(1)</script>' ),
					array( 'heading' => 'Tamp', 'body' => '<p>Firmly.</p>' ),
				),
				'sources'     => array( array( 'url' => 'https://example.com/espresso', 'title' => 'Example' ) ),
				'model'       => array( 'name' => 'rules', 'version' => '1' ),
			)
		);

		$response = $this->post_signed( $event );
		$again    = $this->post_signed( $event );

		$this->assertSame( 200, $response['status'], $response['body'] );
		$this->assertSame( 200, $again['status'] );
		$result = json_decode( $response['body'], true )['result'];
		$this->assertMatchesRegularExpression( '/^post:\d+$/', $result );
		$post = get_post( (int) substr( $result, 5 ) );
		$this->assertSame( 'draft', $post->post_status );
		$this->assertSame( 'Espresso at home', $post->post_title );
		$this->assertStringContainsString( 'Firmly.', $post->post_content );
		$this->assertStringNotContainsString( '<script>', $post->post_content );
		$this->assertSame( 'https://example.com/espresso', get_post_meta( $post->ID, '_waybill_sources', true )[0]['url'] );
		$provenance = get_post_meta( $post->ID, '_waybill_provenance', true );
		$this->assertSame( $event['idempotency_key'], $provenance['webhook_id'] );
		$this->assertSame( 'rules', $provenance['model_name'] );
		$this->assertSame( $source, $provenance['for_post'] );
		$drafts = get_posts( array( 'post_status' => 'any', 'title' => 'Espresso at home', 'numberposts' => 5 ) );
		$this->assertCount( 1, $drafts, 'the repeat created no second draft' );
		wp_delete_post( $post->ID, true );
		wp_delete_post( $source, true );
	}

	public function test_a_bad_signature_is_refused_and_nothing_changes() {
		$this->require_extension();
		$lead     = $this->submitted_lead();
		$response = $this->post_signed( $this->classification( $lead->idempotency_key ), 'whsec_' . base64_encode( random_bytes( 32 ) ) );

		$this->assertSame( 401, $response['status'] );
		$this->assertSame( 'signature.mismatch', json_decode( $response['body'], true )['code'] );
		$this->assertNull( $this->lead( (int) $lead->id )->classified_at );
	}

	public function test_missing_signature_headers_are_refused() {
		$this->require_extension();
		$response = $this->http( 'POST', rest_url( 'waybill/v1/writeback' ), '{}', array( 'Content-Type: application/json' ) );
		$this->assertSame( 401, $response['status'] );
		$this->assertSame( 'signature.missing_header', json_decode( $response['body'], true )['code'] );
	}

	public function test_an_old_timestamp_is_refused() {
		$this->require_extension();
		$lead     = $this->submitted_lead();
		$response = $this->post_signed( $this->classification( $lead->idempotency_key ), null, time() - 3600 );
		$this->assertSame( 401, $response['status'] );
		$this->assertSame( 'signature.timestamp_out_of_range', json_decode( $response['body'], true )['code'] );
	}

	public function test_invalid_data_is_refused_with_the_core_code() {
		$this->require_extension();
		$lead  = $this->submitted_lead();
		$event = $this->classification( $lead->idempotency_key );
		unset( $event['data']['segment'] );

		$response = $this->post_signed( $event );

		$this->assertSame( 400, $response['status'], $response['body'] );
		$this->assertSame( 'schema.required', json_decode( $response['body'], true )['code'] );
	}

	public function test_an_event_type_that_is_not_a_result_is_refused() {
		$this->require_extension();
		$event    = $this->envelope( 'lead.submitted', 'lead', array( 'type' => 'lead', 'id' => 1 ), $this->lead_fields( 'wb' ) );
		$response = $this->post_signed( $event );
		$this->assertSame( 422, $response['status'] );
		$this->assertSame( 'waybill_unsupported_event', json_decode( $response['body'], true )['code'] );
	}

	public function test_a_webhook_id_longer_than_191_bytes_is_applied_once_and_not_truncated() {
		$this->require_extension();
		$prefix = 'msg_' . str_repeat( 'a', 187 );
		$this->assertSame( 191, strlen( $prefix ) );
		$first_id  = $prefix . str_repeat( 'b', 40 );
		$second_id = $prefix . str_repeat( 'c', 40 );
		$one       = $this->submitted_lead();
		$two       = $this->submitted_lead();

		$first  = $this->post_signed( $this->classification( $one->idempotency_key ), null, null, $first_id );
		$repeat = $this->post_signed( $this->classification( $one->idempotency_key ), null, null, $first_id );
		$second = $this->post_signed( $this->classification( $two->idempotency_key ), null, null, $second_id );

		$this->assertSame( 200, $first['status'], $first['body'] );
		$this->assertSame( 'applied', json_decode( $first['body'], true )['status'] );
		$this->assertSame( 200, $repeat['status'], $repeat['body'] );
		$this->assertSame( 'duplicate', json_decode( $repeat['body'], true )['status'] );
		$this->assertSame( 200, $second['status'], $second['body'] );
		$this->assertSame( 'applied', json_decode( $second['body'], true )['status'], 'an id sharing the first 191 bytes is a different id' );
		$this->assertSame( $second_id, json_decode( $this->lead( (int) $two->id )->classification, true )['webhook_id'] );

		global $wpdb;
		$inbound = \Waybill_Schema::table( 'inbound' );
		$this->assertSame( '2', $wpdb->get_var( "SELECT COUNT(*) FROM {$inbound} WHERE status = 'done'" ) );
		$this->assertSame( '0', $wpdb->get_var( "SELECT COUNT(*) FROM {$inbound} WHERE status = 'processing'" ) );
	}

	public function test_webhook_ids_differing_only_in_letter_case_are_different_ids() {
		$this->require_extension();
		$one = $this->submitted_lead();
		$two = $this->submitted_lead();

		$lower = $this->post_signed( $this->classification( $one->idempotency_key ), null, null, 'msg_casetest' );
		$upper = $this->post_signed( $this->classification( $two->idempotency_key ), null, null, 'MSG_CASETEST' );

		$this->assertSame( 'applied', json_decode( $lower['body'], true )['status'], $lower['body'] );
		$this->assertSame( 'applied', json_decode( $upper['body'], true )['status'], $upper['body'] );
	}

	public function test_a_stale_processing_claim_becomes_retryable() {
		$this->require_extension();
		global $wpdb;
		$inbound = \Waybill_Schema::table( 'inbound' );
		$lead    = $this->submitted_lead();
		$event   = $this->classification( $lead->idempotency_key );

		// A claim made just now is still in progress: retry later.
		$wpdb->insert( $inbound, array( 'webhook_id' => \Waybill_Writeback::dedup_key( $event['idempotency_key'] ), 'event_type' => 'lead.classified', 'status' => 'processing', 'received_at' => gmdate( 'Y-m-d H:i:s' ) ) );
		$busy = $this->post_signed( $event );
		$this->assertSame( 503, $busy['status'], $busy['body'] );
		$this->assertSame( '5', $busy['headers']['retry-after'] );

		// A claim left behind by a request that died is taken over by the retry.
		$wpdb->update( $inbound, array( 'received_at' => gmdate( 'Y-m-d H:i:s', time() - HOUR_IN_SECONDS ) ), array( 'status' => 'processing' ) );
		$retry = $this->post_signed( $event );
		$this->assertSame( 200, $retry['status'], $retry['body'] );
		$this->assertSame( 'applied', json_decode( $retry['body'], true )['status'] );
		$this->assertNotNull( $this->lead( (int) $lead->id )->classified_at );
		$this->assertSame( 'done', $wpdb->get_var( "SELECT status FROM {$inbound}" ) );

		$again = $this->post_signed( $event );
		$this->assertSame( 'duplicate', json_decode( $again['body'], true )['status'] );
	}

	public function test_schema_step_hashes_raw_ids_stored_by_version_1() {
		global $wpdb;
		$inbound = \Waybill_Schema::table( 'inbound' );
		$wpdb->insert( $inbound, array( 'webhook_id' => 'msg_from_version_1', 'event_type' => 'lead.classified', 'status' => 'done', 'result' => 'lead:1', 'received_at' => gmdate( 'Y-m-d H:i:s' ) ) );

		\Waybill_Schema::hash_inbound_ids();
		\Waybill_Schema::hash_inbound_ids();

		$this->assertSame( \Waybill_Writeback::dedup_key( 'msg_from_version_1' ), $wpdb->get_var( "SELECT webhook_id FROM {$inbound}" ) );
	}

	/**
	 * A lead captured through the form path.
	 *
	 * @return object Lead row.
	 */
	private function submitted_lead() {
		$key = \Waybill_Forms::capture( $this->lead_fields( uniqid() ), 'token-' . uniqid() );
		$this->assertIsString( $key );
		global $wpdb;
		return $wpdb->get_row( $wpdb->prepare( 'SELECT * FROM ' . \Waybill_Schema::table( 'leads' ) . ' WHERE idempotency_key = %s', $key ) );
	}

	/**
	 * A lead row by id.
	 *
	 * @param int $id Lead id.
	 * @return object
	 */
	private function lead( $id ) {
		global $wpdb;
		return $wpdb->get_row( $wpdb->prepare( 'SELECT * FROM ' . \Waybill_Schema::table( 'leads' ) . ' WHERE id = %d', $id ) );
	}

	/**
	 * A lead.classified envelope.
	 *
	 * @param string $lead_key The lead's idempotency key.
	 * @return array
	 */
	private function classification( $lead_key ) {
		return $this->envelope(
			'lead.classified',
			'lead',
			array( 'type' => 'lead', 'id' => $lead_key ),
			array(
				'lead_key' => $lead_key,
				'score'    => 87,
				'segment'  => 'hot',
				'reasons'  => array( 'company given', 'long message' ),
				'model'    => array( 'name' => 'rules', 'version' => '1' ),
			)
		);
	}

	/**
	 * A complete envelope.
	 *
	 * @param string $type   Event type.
	 * @param string $prefix Key prefix.
	 * @param array  $entity Entity.
	 * @param array  $data   Data.
	 * @return array
	 */
	private function envelope( $type, $prefix, array $entity, array $data ) {
		return array(
			'version'         => '1.0',
			'event_type'      => $type,
			'idempotency_key' => waybill_idempotency_key( $prefix ),
			'source'          => 'automation-test',
			'entity'          => $entity,
			'timestamp'       => gmdate( 'Y-m-d\TH:i:s\Z' ),
			'consent'         => true,
			'actor'           => 'automation',
			'data'            => $data,
		);
	}

	/**
	 * Posts an envelope signed with hash_hmac (not with the extension).
	 *
	 * @param array       $event     Envelope.
	 * @param string|null $secret    Secret; default the site's inbound secret.
	 * @param int|null    $timestamp Signature time.
	 * @param string|null $id        webhook-id; default the envelope's idempotency key.
	 * @return array
	 */
	private function post_signed( array $event, $secret = null, $timestamp = null, $id = null ) {
		$secret    = null === $secret ? getenv( 'WAYBILL_INBOUND_SECRET' ) : $secret;
		$timestamp = null === $timestamp ? time() : $timestamp;
		$id        = null === $id ? $event['idempotency_key'] : $id;
		$body      = wp_json_encode( $event, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE );
		$signature = base64_encode( hash_hmac( 'sha256', $id . '.' . $timestamp . '.' . $body, base64_decode( substr( $secret, 6 ) ), true ) );
		return $this->http(
			'POST',
			rest_url( 'waybill/v1/writeback' ),
			$body,
			array(
				'Content-Type: application/json',
				'webhook-id: ' . $id,
				'webhook-timestamp: ' . $timestamp,
				'webhook-signature: v1,' . $signature,
			)
		);
	}
}
