<?php
/**
 * Write-back: results from automation, signed with the inbound secret.
 *
 * Verify and validate through the extension, then apply once per webhook-id:
 * a repeat answers 200 without a second effect. A classification is stored on
 * the lead; a draft becomes a post in `draft` status, never published.
 *
 * @package Waybill
 */

defined( 'ABSPATH' ) || exit;

/**
 * Applies lead.classified and content.draft_ready.
 */
final class Waybill_Writeback {

	/** Inbound event types and their handlers. */
	const HANDLERS = array(
		'lead.classified'     => 'apply_classification',
		'content.draft_ready' => 'apply_draft',
	);

	/**
	 * REST callback for POST waybill/v1/writeback.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function handle( WP_REST_Request $request ) {
		if ( ! Waybill_Core::available() ) {
			return Waybill_Core::missing_error();
		}
		$keys = Waybill_Endpoints::inbound_keys()['keys'];
		if ( empty( $keys ) ) {
			return new WP_Error( 'waybill_no_inbound_secret', __( 'No inbound secret is configured.', 'waybill' ), array( 'status' => 503 ) );
		}
		$headers = array();
		foreach ( array( 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'content-type' ) as $name ) {
			$value = $request->get_header( $name );
			if ( null !== $value ) {
				$headers[ $name ] = $value;
			}
		}

		$received = Waybill_Core::receive(
			$request->get_body(),
			$headers,
			array(
				'verify_keys' => $keys,
				'now'         => time(),
			)
		);
		if ( is_wp_error( $received ) ) {
			return $received;
		}
		$type = (string) $received['event_type'];
		if ( ! isset( self::HANDLERS[ $type ] ) ) {
			return new WP_Error( 'waybill_unsupported_event', __( 'This site does not accept that event type here.', 'waybill' ), array( 'status' => 422 ) );
		}
		return self::apply_once( $received, $type );
	}

	/**
	 * Seconds after which a `processing` claim is considered abandoned (the
	 * request that made it died or timed out) and a retry may take it over.
	 */
	const STALE_CLAIM_SECONDS = 120;

	/**
	 * The dedup key stored in `inbound.webhook_id` for a webhook-id.
	 *
	 * The column is varchar(191) with the site's case- and accent-insensitive
	 * collation, while the core accepts ids of up to 256 bytes of any UTF-8.
	 * Storing the raw id would let MySQL truncate long ids (non-strict mode:
	 * the claim row then never matches again and stays `processing`) and
	 * would make ids that differ only after byte 191, in letter case or in
	 * accents collide. So the unique key is the SHA-256 of the exact id bytes:
	 * always 64 lowercase hex characters, never truncated, compared exactly.
	 * The raw id stays in the lead's classification and the draft's provenance.
	 *
	 * @param string $id webhook-id.
	 * @return string
	 */
	public static function dedup_key( $id ) {
		return hash( 'sha256', (string) $id );
	}

	/**
	 * Applies an inbound event unless its webhook-id was applied before.
	 *
	 * @param array  $received Result of receive.
	 * @param string $type     Event type.
	 * @return WP_REST_Response|WP_Error
	 */
	private static function apply_once( array $received, $type ) {
		global $wpdb;
		$table = Waybill_Schema::table( 'inbound' );
		$id    = (string) $received['id'];
		$key   = self::dedup_key( $id );
		$now   = gmdate( 'Y-m-d H:i:s' );

		$claimed = $wpdb->query(
			$wpdb->prepare(
				"INSERT INTO {$table} (webhook_id, event_type, status, received_at) VALUES (%s, %s, 'processing', %s) ON DUPLICATE KEY UPDATE id = id", // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
				$key,
				$type,
				$now
			)
		);
		if ( 1 !== (int) $claimed ) {
			$existing = $wpdb->get_row( $wpdb->prepare( "SELECT status, result FROM {$table} WHERE webhook_id = %s", $key ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
			if ( $existing && 'done' === $existing->status ) {
				return new WP_REST_Response( array( 'status' => 'duplicate', 'result' => $existing->result ), 200 );
			}
			// A claim older than the stale limit belongs to a request that died
			// before finishing: take it over atomically (only one retry can match
			// the old timestamp) instead of answering 503 forever.
			$stale_after = max( 1, (int) apply_filters( 'waybill_writeback_stale_after', self::STALE_CLAIM_SECONDS ) );
			$taken       = $existing ? $wpdb->query(
				$wpdb->prepare(
					"UPDATE {$table} SET received_at = %s, event_type = %s WHERE webhook_id = %s AND status = 'processing' AND received_at < %s", // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
					$now,
					$type,
					$key,
					gmdate( 'Y-m-d H:i:s', time() - $stale_after )
				)
			) : 0;
			if ( 1 !== (int) $taken ) {
				$response = new WP_REST_Response( array( 'status' => 'in_progress' ), 503 );
				$response->header( 'Retry-After', '5' );
				return $response;
			}
		}

		$handler = self::HANDLERS[ $type ];
		try {
			$result = self::$handler( self::event_of( $received ), $received );
		} catch ( Throwable $e ) {
			// Release the claim so that a retry is not stuck behind it.
			$wpdb->delete( $table, array( 'webhook_id' => $key ), array( '%s' ) );
			throw $e;
		}
		if ( is_wp_error( $result ) ) {
			$wpdb->delete( $table, array( 'webhook_id' => $key ), array( '%s' ) );
			return $result;
		}
		$wpdb->update( $table, array( 'status' => 'done', 'result' => $result ), array( 'webhook_id' => $key ), array( '%s', '%s' ), array( '%s' ) );
		do_action( 'waybill_writeback_applied', $type, $result, $received );
		return new WP_REST_Response( array( 'status' => 'applied', 'result' => $result ), 200 );
	}

	/**
	 * Stores a classification on its lead.
	 *
	 * @param array $event    Decoded envelope.
	 * @param array $received Result of receive.
	 * @return string|WP_Error `lead:<id>`.
	 */
	public static function apply_classification( array $event, array $received ) {
		global $wpdb;
		$leads = Waybill_Schema::table( 'leads' );
		$lead  = self::find_lead( $event );
		if ( ! $lead ) {
			return new WP_Error( 'waybill_unknown_lead', __( 'The classified lead does not exist on this site.', 'waybill' ), array( 'status' => 422 ) );
		}
		$classification = array(
			'data'        => isset( $event['data'] ) ? $event['data'] : array(),
			'webhook_id'  => (string) $received['id'],
			'version'     => (string) $received['version'],
			'source'      => isset( $event['source'] ) ? (string) $event['source'] : '',
			'received_at' => gmdate( 'c' ),
		);
		$wpdb->update(
			$leads,
			array(
				'classification' => wp_json_encode( $classification ),
				'classified_at'  => gmdate( 'Y-m-d H:i:s' ),
			),
			array( 'id' => (int) $lead->id ),
			array( '%s', '%s' ),
			array( '%d' )
		);
		return 'lead:' . (int) $lead->id;
	}

	/**
	 * Creates a draft post with its sources and provenance; never publishes.
	 *
	 * @param array $event    Decoded envelope.
	 * @param array $received Result of receive.
	 * @return string|WP_Error `post:<id>`.
	 */
	public static function apply_draft( array $event, array $received ) {
		$data   = isset( $event['data'] ) && is_array( $event['data'] ) ? $event['data'] : array();
		$source = self::source_post( $event, $data );

		$post_id = wp_insert_post(
			array(
				'post_type'    => $source ? $source->post_type : 'post',
				'post_status'  => 'draft',
				'post_title'   => wp_strip_all_tags( isset( $data['title'] ) ? (string) $data['title'] : __( 'Draft from automation', 'waybill' ) ),
				'post_content' => self::draft_content( $data ),
				'post_author'  => $source ? (int) $source->post_author : 0,
			),
			true
		);
		if ( is_wp_error( $post_id ) ) {
			return new WP_Error( 'waybill_draft_insert', $post_id->get_error_message(), array( 'status' => 500 ) );
		}

		$model = isset( $data['model'] ) && is_array( $data['model'] ) ? $data['model'] : array();
		update_post_meta( $post_id, '_waybill_sources', wp_slash( isset( $data['sources'] ) && is_array( $data['sources'] ) ? $data['sources'] : array() ) );
		update_post_meta(
			$post_id,
			'_waybill_provenance',
			wp_slash(
				array(
					'webhook_id'    => (string) $received['id'],
					'event_type'    => (string) $received['event_type'],
					'version'       => (string) $received['version'],
					'request_key'   => isset( $data['request_key'] ) ? (string) $data['request_key'] : '',
					'source'        => isset( $event['source'] ) ? (string) $event['source'] : '',
					'actor'         => isset( $event['actor'] ) ? $event['actor'] : '',
					'model_name'    => isset( $model['name'] ) ? (string) $model['name'] : '',
					'model_version' => isset( $model['version'] ) ? (string) $model['version'] : '',
					'for_post'      => $source ? (int) $source->ID : 0,
					'received_at'   => gmdate( 'c' ),
				)
			)
		);
		return 'post:' . (int) $post_id;
	}

	/**
	 * Post content from the draft's sections: a heading block and its HTML each.
	 *
	 * @param array $data content.draft_ready data.
	 * @return string
	 */
	private static function draft_content( array $data ) {
		$html = '';
		foreach ( isset( $data['sections'] ) && is_array( $data['sections'] ) ? $data['sections'] : array() as $section ) {
			if ( ! is_array( $section ) ) {
				continue;
			}
			if ( isset( $section['heading'] ) && '' !== (string) $section['heading'] ) {
				$html .= "<!-- wp:heading -->\n<h2>" . esc_html( (string) $section['heading'] ) . "</h2>\n<!-- /wp:heading -->\n\n";
			}
			if ( isset( $section['body'] ) ) {
				$html .= "<!-- wp:html -->\n" . wp_kses_post( (string) $section['body'] ) . "\n<!-- /wp:html -->\n\n";
			}
		}
		return $html;
	}

	/**
	 * The decoded envelope from a receive result.
	 *
	 * @param array $received Result of receive.
	 * @return array
	 */
	private static function event_of( array $received ) {
		if ( isset( $received['event'] ) && is_array( $received['event'] ) ) {
			return $received['event'];
		}
		$event = json_decode( (string) $received['body'], true, 64, JSON_BIGINT_AS_STRING );
		return is_array( $event ) ? $event : array();
	}

	/**
	 * The lead a classification is about: entity id (row id or key), or data fields.
	 *
	 * @param array $event Envelope.
	 * @return object|null
	 */
	private static function find_lead( array $event ) {
		global $wpdb;
		$leads = Waybill_Schema::table( 'leads' );
		$data  = isset( $event['data'] ) && is_array( $event['data'] ) ? $event['data'] : array();
		$refs  = array();
		if ( isset( $event['entity']['type'], $event['entity']['id'] ) && 'lead' === $event['entity']['type'] ) {
			$refs[] = $event['entity']['id'];
		}
		foreach ( array( 'lead_id', 'lead_key', 'idempotency_key', 'source_event_id' ) as $field ) {
			if ( isset( $data[ $field ] ) && is_scalar( $data[ $field ] ) ) {
				$refs[] = $data[ $field ];
			}
		}
		foreach ( $refs as $ref ) {
			if ( is_int( $ref ) || ctype_digit( (string) $ref ) ) {
				$lead = $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$leads} WHERE id = %d", (int) $ref ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
			} else {
				$lead = $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$leads} WHERE idempotency_key = %s", (string) $ref ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
			}
			if ( $lead ) {
				return $lead;
			}
		}
		return null;
	}

	/**
	 * The post a draft was requested for, if the event names one.
	 *
	 * @param array $event Envelope.
	 * @param array $data  Its data.
	 * @return WP_Post|null
	 */
	private static function source_post( array $event, array $data ) {
		$id = 0;
		if ( isset( $data['post_id'] ) && is_numeric( $data['post_id'] ) ) {
			$id = (int) $data['post_id'];
		} elseif ( isset( $event['entity']['type'], $event['entity']['id'] ) && 'post' === $event['entity']['type'] && is_numeric( $event['entity']['id'] ) ) {
			$id = (int) $event['entity']['id'];
		}
		$post = $id ? get_post( $id ) : null;
		return $post instanceof WP_Post ? $post : null;
	}
}
