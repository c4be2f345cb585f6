<?php
/**
 * Capture: the request path. Validate and sanitize through the extension,
 * assign the idempotency key, insert the outbox rows, return. No network call.
 *
 * @package Waybill
 */

defined( 'ABSPATH' ) || exit;

/**
 * Turns a developer's event into outbox rows.
 */
final class Waybill_Capture {

	/**
	 * Hooks the action form of the API: `do_action( 'waybill_emit', $type, $data, $args )`.
	 */
	public static function init() {
		add_action( 'waybill_emit', array( __CLASS__, 'emit_from_action' ), 10, 3 );
	}

	/**
	 * Action callback; the outcome is announced through `waybill_emitted` or `waybill_emit_failed`.
	 *
	 * @param string $event_type Event type.
	 * @param array  $data       Event data.
	 * @param array  $args       See emit().
	 */
	public static function emit_from_action( $event_type, $data = array(), $args = array() ) {
		self::emit( (string) $event_type, (array) $data, (array) $args );
	}

	/**
	 * Captures one event.
	 *
	 * @param string $event_type Dotted event type, e.g. `lead.submitted`.
	 * @param array  $data       The event's data, checked by its contract.
	 * @param array  $args {
	 *     Optional.
	 *
	 *     @type array      $entity          `['type' => 'lead', 'id' => 42]`; default type from the event type, id 0.
	 *     @type string     $source          Default `wordpress`.
	 *     @type bool       $consent         Default false.
	 *     @type string|int $actor           Default the current user id, or `anonymous`.
	 *     @type array      $metadata        Merged over `site` and `locale`.
	 *     @type string     $natural_key     What makes two captures the same event; gives a deterministic key.
	 *     @type string     $idempotency_key A key computed by the caller.
	 *     @type string     $version         Contract version to validate against; default the latest.
	 *     @type string[]   $endpoints       Restrict delivery to these endpoint ids.
	 * }
	 * @return string|WP_Error The event id (its idempotency key), or the core's error.
	 */
	public static function emit( $event_type, array $data, array $args = array() ) {
		if ( ! Waybill_Core::available() ) {
			$error = Waybill_Core::missing_error();
			do_action( 'waybill_emit_failed', $error, $event_type, $args );
			return $error;
		}

		$event    = self::envelope( $event_type, $data, $args );
		$prepared = Waybill_Core::prepare( $event, self::options( $args ) );
		if ( is_wp_error( $prepared ) ) {
			$status = $prepared->get_error_data();
			if ( is_array( $status ) && 400 === $status['status'] ) {
				$status['status'] = 422;
				$prepared->add_data( $status );
			}
			do_action( 'waybill_emit_failed', $prepared, $event_type, $args );
			return $prepared;
		}

		$endpoints = isset( $args['endpoints'] ) ? array_map( 'strval', (array) $args['endpoints'] ) : array_keys( Waybill_Endpoints::matching( $prepared['event_type'] ) );
		$inserted  = Waybill_Outbox::insert(
			$prepared,
			$endpoints,
			array(
				'input'       => (string) wp_json_encode( $data ),
				'entity_type' => $event['entity']['type'],
				'entity_id'   => $event['entity']['id'],
			)
		);
		if ( is_wp_error( $inserted ) ) {
			do_action( 'waybill_emit_failed', $inserted, $event_type, $args );
			return $inserted;
		}
		if ( $inserted > 0 ) {
			Waybill_Triggers::request_loopback();
		}

		/**
		 * Fires after an event is in the outbox (also for a repeat, with $inserted 0).
		 *
		 * @param string $key      Idempotency key.
		 * @param array  $prepared Result of prepare: body, version, changes…
		 * @param int    $inserted Rows inserted.
		 */
		do_action( 'waybill_emitted', $prepared['idempotency_key'], $prepared, $inserted );
		return (string) $prepared['idempotency_key'];
	}

	/**
	 * The partial envelope handed to prepare.
	 *
	 * @param string $event_type Event type.
	 * @param array  $data       Data.
	 * @param array  $args       Arguments of emit().
	 * @return array
	 */
	private static function envelope( $event_type, array $data, array $args ) {
		$segment = strtok( $event_type, '.' );
		$entity  = isset( $args['entity'] ) && is_array( $args['entity'] ) ? $args['entity'] : array();
		$user_id = get_current_user_id();

		$event = array(
			'event_type' => $event_type,
			'source'     => isset( $args['source'] ) ? (string) $args['source'] : 'wordpress',
			'entity'     => array(
				'type' => isset( $entity['type'] ) ? (string) $entity['type'] : (string) $segment,
				'id'   => isset( $entity['id'] ) ? $entity['id'] : 0,
			),
			'consent'    => ! empty( $args['consent'] ),
			'actor'      => isset( $args['actor'] ) ? (string) $args['actor'] : ( $user_id ? (string) $user_id : 'anonymous' ),
			// An empty PHP array would become a JSON list; data is an object.
			'data'       => empty( $data ) ? new stdClass() : $data,
			'metadata'   => array_merge(
				array(
					'site'   => home_url( '/' ),
					'locale' => determine_locale(),
				),
				isset( $args['metadata'] ) ? (array) $args['metadata'] : array()
			),
		);
		if ( ! empty( $args['idempotency_key'] ) ) {
			$event['idempotency_key'] = (string) $args['idempotency_key'];
		}
		if ( ! empty( $args['version'] ) ) {
			$event['version'] = (string) $args['version'];
		}

		/**
		 * Filters the partial envelope before it is validated.
		 *
		 * @param array $event Partial envelope.
		 * @param array $args  Arguments of waybill_emit().
		 */
		return apply_filters( 'waybill_event', $event, $args );
	}

	/**
	 * The options map handed to prepare.
	 *
	 * @param array $args Arguments of emit().
	 * @return array
	 */
	private static function options( array $args ) {
		$options = array(
			'now'      => time(),
			'site_key' => Waybill_Settings::site_key(),
		);
		if ( ! empty( $args['natural_key'] ) && empty( $args['idempotency_key'] ) ) {
			$options['natural_key'] = (string) $args['natural_key'];
		}

		/**
		 * Filters extra contracts (JSON objects) registered for captures.
		 *
		 * @param array $contracts Contract JSON objects.
		 */
		$contracts = apply_filters( 'waybill_contracts', array() );
		if ( ! empty( $contracts ) ) {
			$options['contracts'] = array_values( $contracts );
		}

		/**
		 * Filters per-field privacy overrides: JSON Pointer => keep|mask|hash|drop.
		 *
		 * @param array $privacy Overrides.
		 */
		$privacy = apply_filters( 'waybill_privacy', array() );
		if ( ! empty( $privacy ) ) {
			$options['privacy'] = $privacy;
		}
		return $options;
	}
}
