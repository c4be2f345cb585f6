<?php
/**
 * REST routes under waybill/v1.
 *
 * @package Waybill
 */

defined( 'ABSPATH' ) || exit;

/**
 * Route registration and permission checks.
 */
final class Waybill_Rest {

	const NAMESPACE_V1 = 'waybill/v1';

	/**
	 * Hooks route registration.
	 */
	public static function init() {
		add_action( 'rest_api_init', array( __CLASS__, 'register' ) );
	}

	/**
	 * Registers every route.
	 */
	public static function register() {
		register_rest_route(
			self::NAMESPACE_V1,
			'/form-token',
			array(
				'methods'             => WP_REST_Server::READABLE,
				'callback'            => array( __CLASS__, 'form_token' ),
				'permission_callback' => '__return_true',
			)
		);
		register_rest_route(
			self::NAMESPACE_V1,
			'/leads',
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => array( __CLASS__, 'submit_lead' ),
				// Anonymous by design: the form token, honeypot and rate limit guard it.
				'permission_callback' => '__return_true',
			)
		);
		register_rest_route(
			self::NAMESPACE_V1,
			'/writeback',
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => array( 'Waybill_Writeback', 'handle' ),
				// Authenticated by the Standard Webhooks signature in the callback.
				'permission_callback' => '__return_true',
			)
		);
		register_rest_route(
			self::NAMESPACE_V1,
			'/worker',
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => array( __CLASS__, 'run_worker' ),
				'permission_callback' => array( __CLASS__, 'can_run_worker' ),
			)
		);
		register_rest_route(
			self::NAMESPACE_V1,
			'/posts/(?P<id>\d+)/draft-request',
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => array( __CLASS__, 'request_draft' ),
				'permission_callback' => static function ( WP_REST_Request $request ) {
					return current_user_can( 'edit_post', (int) $request['id'] );
				},
				'args'                => array(
					'keyword'         => array( 'type' => 'string' ),
					'audience'        => array( 'type' => 'string' ),
					'content_type'    => array( 'type' => 'string' ),
					'product_context' => array( 'type' => 'string' ),
				),
			)
		);
		register_rest_route(
			self::NAMESPACE_V1,
			'/events/(?P<id>\d+)/replay',
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => array( __CLASS__, 'replay' ),
				'permission_callback' => static function () {
					return current_user_can( 'manage_options' );
				},
			)
		);
	}

	/**
	 * GET form-token: a fresh token for an anonymous form; never cached.
	 *
	 * @return WP_REST_Response
	 */
	public static function form_token() {
		$response = new WP_REST_Response(
			array(
				'token'      => Waybill_Forms::issue_token(),
				'expires_in' => (int) Waybill_Settings::get( 'form_token_ttl' ),
			)
		);
		$response->header( 'Cache-Control', 'no-store, max-age=0' );
		return $response;
	}

	/**
	 * POST leads: the lead form.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function submit_lead( WP_REST_Request $request ) {
		$result = Waybill_Forms::submit( $request );
		if ( is_wp_error( $result ) ) {
			$data     = $result->get_error_data();
			$response = rest_convert_error_to_response( $result );
			if ( is_array( $data ) && ! empty( $data['retry_after'] ) ) {
				$response->header( 'Retry-After', (string) (int) $data['retry_after'] );
			}
			return $response;
		}
		return $result;
	}

	/**
	 * Whether the request carries this site's worker token.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return bool
	 */
	public static function can_run_worker( WP_REST_Request $request ) {
		return Waybill_Triggers::verify_worker_token( (string) $request->get_header( 'x-waybill-worker' ) );
	}

	/**
	 * POST worker: a loopback run.
	 *
	 * @return WP_REST_Response
	 */
	public static function run_worker() {
		return new WP_REST_Response( Waybill_Worker::run( array( 'runner' => 'loopback' ) ) );
	}

	/**
	 * POST posts/<id>/draft-request.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function request_draft( WP_REST_Request $request ) {
		$extra = array();
		foreach ( array( 'keyword', 'audience', 'content_type', 'product_context' ) as $field ) {
			if ( null !== $request[ $field ] ) {
				$extra[ $field ] = (string) $request[ $field ];
			}
		}
		$result = Waybill_Content::request_draft( (int) $request['id'], $extra );
		if ( is_wp_error( $result ) ) {
			return $result;
		}
		return new WP_REST_Response(
			array(
				'status' => 'accepted',
				'id'     => $result,
			),
			202
		);
	}

	/**
	 * POST events/<id>/replay.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function replay( WP_REST_Request $request ) {
		$row = Waybill_Outbox::get( (int) $request['id'] );
		if ( ! $row ) {
			return new WP_Error( 'waybill_no_event', __( 'No such event.', 'waybill' ), array( 'status' => 404 ) );
		}
		return new WP_REST_Response( array( 'replayed' => Waybill_Outbox::replay( array( (int) $row->id ) ) ) );
	}
}
