<?php
/**
 * The public PHP API for developers.
 *
 * @package Waybill
 */

defined( 'ABSPATH' ) || exit;

if ( ! function_exists( 'waybill_emit' ) ) {
	/**
	 * Captures an event: validated and sanitized by its contract, queued for
	 * signed delivery. Makes no network call.
	 *
	 * Example:
	 *
	 *     $id = waybill_emit(
	 *         'lead.submitted',
	 *         array( 'name' => 'Ada', 'email' => 'ada@example.com', 'company' => 'Analytical', 'message' => 'Hi', 'consent' => true ),
	 *         array( 'entity' => array( 'type' => 'lead', 'id' => 42 ), 'consent' => true, 'natural_key' => 'crm-import-42' )
	 *     );
	 *     if ( is_wp_error( $id ) ) {
	 *         // $id->get_error_code() is the core's code, e.g. 'schema.required';
	 *         // $id->get_error_data()['errors'] lists every violation with its pointer.
	 *     }
	 *
	 * @param string $event_type Event type, e.g. `lead.submitted`.
	 * @param array  $data       Event data.
	 * @param array  $args       See Waybill_Capture::emit().
	 * @return string|WP_Error Event id (idempotency key), or why it was refused;
	 *                         `waybill_extension_missing` when the extension is not loaded.
	 */
	function waybill_emit( $event_type, $data = array(), $args = array() ) {
		return Waybill_Capture::emit( (string) $event_type, (array) $data, (array) $args );
	}
}

if ( ! function_exists( 'waybill_run_worker' ) ) {
	/**
	 * Runs the delivery worker in this process.
	 *
	 * @param array $args runner, time_limit, batch_size, concurrency, max_batches.
	 * @return array Counters.
	 */
	function waybill_run_worker( $args = array() ) {
		return Waybill_Worker::run( (array) $args );
	}
}
