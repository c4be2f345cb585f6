<?php
/**
 * Content events: "request AI draft" on a post, and WooCommerce product updates.
 *
 * @package Waybill
 */

defined( 'ABSPATH' ) || exit;

/**
 * Emits content.draft_requested and product.updated.
 */
final class Waybill_Content {

	const DRAFT_ACTION   = 'waybill_request_draft';
	const DRAFT_EVENT    = 'content.draft_requested';
	const PRODUCT_EVENT  = 'product.updated';

	/** A second click within this many seconds is the same request. */
	const DRAFT_DEDUP_WINDOW = 600;

	/**
	 * Products changed in this request, emitted once each at shutdown.
	 *
	 * @var int[]
	 */
	private static $changed_products = array();

	/**
	 * Hooks the row action, its handler and WooCommerce.
	 */
	public static function init() {
		add_filter( 'post_row_actions', array( __CLASS__, 'row_action' ), 10, 2 );
		add_filter( 'page_row_actions', array( __CLASS__, 'row_action' ), 10, 2 );
		add_action( 'admin_post_' . self::DRAFT_ACTION, array( __CLASS__, 'handle_row_action' ) );
		add_action( 'woocommerce_update_product', array( __CLASS__, 'product_changed' ), 10, 1 );
		add_action( 'woocommerce_new_product', array( __CLASS__, 'product_changed' ), 10, 1 );
	}

	/**
	 * Adds "Request AI draft" to a post's row actions.
	 *
	 * @param array   $actions Row actions.
	 * @param WP_Post $post    Post.
	 * @return array
	 */
	public static function row_action( $actions, $post ) {
		if ( ! current_user_can( 'edit_post', $post->ID ) || 'trash' === $post->post_status ) {
			return $actions;
		}
		$url = wp_nonce_url( admin_url( 'admin-post.php?action=' . self::DRAFT_ACTION . '&post=' . (int) $post->ID ), self::DRAFT_ACTION . '_' . $post->ID );

		$actions['waybill_draft'] = sprintf( '<a href="%s">%s</a>', esc_url( $url ), esc_html__( 'Request AI draft', 'waybill' ) );
		return $actions;
	}

	/**
	 * admin-post handler for the row action.
	 */
	public static function handle_row_action() {
		$post_id = isset( $_GET['post'] ) ? absint( $_GET['post'] ) : 0; // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- checked next.
		check_admin_referer( self::DRAFT_ACTION . '_' . $post_id );
		if ( ! $post_id || ! current_user_can( 'edit_post', $post_id ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to request a draft for this post.', 'waybill' ), 403 );
		}
		$result = self::request_draft( $post_id );
		$notice = is_wp_error( $result ) ? 'draft_failed:' . $result->get_error_code() : 'draft_requested';
		wp_safe_redirect( add_query_arg( 'waybill_notice', rawurlencode( $notice ), wp_get_referer() ? wp_get_referer() : admin_url( 'edit.php' ) ) );
		exit;
	}

	/**
	 * Emits content.draft_requested for a post.
	 *
	 * @param int   $post_id Post id.
	 * @param array $extra   Optional `brief` (what the editor wants).
	 * @return string|WP_Error Event id.
	 */
	public static function request_draft( $post_id, array $extra = array() ) {
		$post = get_post( $post_id );
		if ( ! $post ) {
			return new WP_Error( 'waybill_no_post', __( 'No such post.', 'waybill' ), array( 'status' => 404 ) );
		}
		$data = self::draft_request_data( $post, $extra );

		return Waybill_Capture::emit(
			self::DRAFT_EVENT,
			$data,
			array(
				'entity'      => array(
					'type' => 'post',
					'id'   => (int) $post->ID,
				),
				'source'      => 'wordpress-editor',
				'consent'     => true,
				'natural_key' => 'draft:' . $post->ID . '|' . get_current_user_id() . '|' . (int) floor( time() / self::DRAFT_DEDUP_WINDOW ),
			)
		);
	}

	/**
	 * The data of content.draft_requested for a post.
	 *
	 * @param WP_Post $post  Post.
	 * @param array   $extra Optional `brief`.
	 * @return array
	 */
	public static function draft_request_data( WP_Post $post, array $extra = array() ) {
		$data = array(
			'post_id'   => (int) $post->ID,
			'post_type' => $post->post_type,
			'title'     => get_the_title( $post ),
			'url'       => (string) get_permalink( $post ),
			'excerpt'   => wp_trim_words( wp_strip_all_tags( (string) $post->post_content ), 55, '' ),
		);
		if ( ! empty( $extra['brief'] ) ) {
			$data['brief'] = (string) $extra['brief'];
		}

		/**
		 * Filters the data sent with a draft request.
		 *
		 * @param array   $data Data.
		 * @param WP_Post $post Post.
		 */
		return apply_filters( 'waybill_draft_request_data', $data, $post );
	}

	/**
	 * Notes a changed product; WooCommerce fires its hooks several times per save.
	 *
	 * @param int $product_id Product id.
	 */
	public static function product_changed( $product_id ) {
		$product_id = (int) $product_id;
		if ( ! $product_id || isset( self::$changed_products[ $product_id ] ) ) {
			return;
		}
		if ( empty( self::$changed_products ) ) {
			add_action( 'shutdown', array( __CLASS__, 'emit_products' ), 0 );
		}
		self::$changed_products[ $product_id ] = true;
	}

	/**
	 * Emits one product.updated per changed product, at the end of the request.
	 */
	public static function emit_products() {
		foreach ( array_keys( self::$changed_products ) as $product_id ) {
			$data = self::product_data( $product_id );
			if ( null === $data ) {
				continue;
			}
			Waybill_Capture::emit(
				self::PRODUCT_EVENT,
				$data,
				array(
					'entity'      => array(
						'type' => 'product',
						'id'   => $product_id,
					),
					'source'      => 'woocommerce',
					'consent'     => true,
					'natural_key' => 'product:' . $product_id . '|' . get_post_modified_time( 'U', true, $product_id ),
				)
			);
		}
		self::$changed_products = array();
	}

	/**
	 * The data of product.updated, read through WooCommerce's API.
	 *
	 * @param int $product_id Product id.
	 * @return array|null
	 */
	public static function product_data( $product_id ) {
		if ( ! function_exists( 'wc_get_product' ) ) {
			return null;
		}
		$product = wc_get_product( $product_id );
		if ( ! $product ) {
			return null;
		}
		$data = array(
			'product_id'   => (int) $product->get_id(),
			'name'         => (string) $product->get_name(),
			'sku'          => (string) $product->get_sku(),
			'price'        => (string) $product->get_price(),
			'status'       => (string) $product->get_status(),
			'stock_status' => (string) $product->get_stock_status(),
			'url'          => (string) get_permalink( $product->get_id() ),
		);

		/**
		 * Filters the data sent with product.updated.
		 *
		 * @param array $data    Data.
		 * @param mixed $product WC_Product.
		 */
		return apply_filters( 'waybill_product_data', $data, $product );
	}
}
