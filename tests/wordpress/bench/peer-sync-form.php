<?php
/**
 * Plugin Name: Waybill bench peer (synchronous form)
 * Description: Bench only. The same lead form answered the common way: validate with WordPress functions, then wp_remote_post() the JSON to the receiver before answering.
 *
 * @package Waybill
 */

add_action(
	'rest_api_init',
	static function () {
		register_rest_route(
			'waybill-bench/v1',
			'/sync-lead',
			array(
				'methods'             => 'POST',
				'permission_callback' => '__return_true',
				'callback'            => static function ( WP_REST_Request $request ) {
					$data = array(
						'name'    => sanitize_text_field( (string) $request['name'] ),
						'email'   => sanitize_email( (string) $request['email'] ),
						'company' => sanitize_text_field( (string) $request['company'] ),
						'message' => sanitize_textarea_field( (string) $request['message'] ),
						'consent' => (bool) $request['consent'],
					);
					if ( '' === $data['name'] || ! is_email( $data['email'] ) || ! $data['consent'] ) {
						return new WP_Error( 'invalid', 'invalid', array( 'status' => 422 ) );
					}
					$response = wp_remote_post(
						(string) get_option( 'waybill_bench_peer_url' ),
						array(
							'headers' => array( 'Content-Type' => 'application/json' ),
							'body'    => wp_json_encode( $data ),
							'timeout' => 10,
						)
					);
					return new WP_REST_Response( array( 'status' => is_wp_error( $response ) ? 'failed' : wp_remote_retrieve_response_code( $response ) ), 200 );
				},
			)
		);
	}
);
