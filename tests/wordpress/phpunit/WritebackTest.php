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
	 * @return array
	 */
	private function post_signed( array $event, $secret = null, $timestamp = null ) {
		$secret    = null === $secret ? getenv( 'WAYBILL_INBOUND_SECRET' ) : $secret;
		$timestamp = null === $timestamp ? time() : $timestamp;
		$body      = wp_json_encode( $event, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE );
		$signature = base64_encode( hash_hmac( 'sha256', $event['idempotency_key'] . '.' . $timestamp . '.' . $body, base64_decode( substr( $secret, 6 ) ), true ) );
		return $this->http(
			'POST',
			rest_url( 'waybill/v1/writeback' ),
			$body,
			array(
				'Content-Type: application/json',
				'webhook-id: ' . $event['idempotency_key'],
				'webhook-timestamp: ' . $timestamp,
				'webhook-signature: v1,' . $signature,
			)
		);
	}
}
