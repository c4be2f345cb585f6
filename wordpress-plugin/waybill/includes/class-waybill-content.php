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
	 * Changed properties per product in this request.
	 *
	 * @var array<int, array<string, true>>
	 */
	private static $changed_fields = array();

	/**
	 * Hooks the row action, its handler and WooCommerce.
	 */
	public static function init() {
		add_filter( 'post_row_actions', array( __CLASS__, 'row_action' ), 10, 2 );
		add_filter( 'page_row_actions', array( __CLASS__, 'row_action' ), 10, 2 );
		add_action( 'admin_post_' . self::DRAFT_ACTION, array( __CLASS__, 'handle_row_action' ) );
		add_action( 'woocommerce_before_product_object_save', array( __CLASS__, 'product_saving' ), 10, 1 );
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
	 * @param array $extra   Optional keyword, audience, content_type, product_context.
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
	 * Defaults come from the post (title as keyword, excerpt as context) and
	 * from post meta `_waybill_keyword` and `_waybill_audience` when set.
	 *
	 * @param WP_Post $post  Post.
	 * @param array   $extra Optional keyword, audience, content_type, product_context.
	 * @return array
	 */
	public static function draft_request_data( WP_Post $post, array $extra = array() ) {
		$types   = array(
			'page'    => 'landing_page',
			'product' => 'product_description',
		);
		$keyword = get_post_meta( $post->ID, '_waybill_keyword', true );
		$aud     = get_post_meta( $post->ID, '_waybill_audience', true );
		$locale  = get_locale();
		$context = wp_trim_words( wp_strip_all_tags( (string) $post->post_content ), 120, '' );

		$data = array(
			'post_id'      => (int) $post->ID,
			'keyword'      => '' !== (string) $keyword ? (string) $keyword : get_the_title( $post ),
			'audience'     => '' !== (string) $aud ? (string) $aud : __( 'Readers of this site', 'waybill' ),
			'content_type' => isset( $types[ $post->post_type ] ) ? $types[ $post->post_type ] : 'blog_post',
		);
		if ( '' !== $context ) {
			$data['product_context'] = $context;
		}
		if ( preg_match( '/^[a-z]{2}(_[A-Z]{2})?$/', $locale ) ) {
			$data['language'] = $locale;
		}
		foreach ( array( 'keyword', 'audience', 'content_type', 'product_context' ) as $field ) {
			if ( isset( $extra[ $field ] ) && '' !== (string) $extra[ $field ] ) {
				$data[ $field ] = (string) $extra[ $field ];
			}
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
	 * Remembers which properties a product save changes (WooCommerce knows them before saving).
	 *
	 * @param object $product WC_Product about to be saved.
	 */
	public static function product_saving( $product ) {
		if ( ! is_object( $product ) || ! method_exists( $product, 'get_changes' ) || ! method_exists( $product, 'get_id' ) ) {
			return;
		}
		$id = (int) $product->get_id();
		if ( ! $id ) {
			return;
		}
		foreach ( array_keys( (array) $product->get_changes() ) as $field ) {
			$field = strtolower( preg_replace( '/[^a-z0-9_]/i', '_', (string) $field ) );
			if ( '' !== $field ) {
				self::$changed_fields[ $id ][ substr( $field, 0, 64 ) ] = true;
			}
		}
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
		self::$changed_fields   = array();
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
		$changed = isset( self::$changed_fields[ $product_id ] ) ? array_keys( self::$changed_fields[ $product_id ] ) : array();
		sort( $changed );
		$data    = array(
			'product_id'     => (int) $product->get_id(),
			'name'           => (string) $product->get_name(),
			'sku'            => (string) $product->get_sku(),
			'slug'           => (string) $product->get_slug(),
			// WooCommerce announced a save without telling what changed.
			'changed_fields' => $changed ? $changed : array( 'product' ),
		);
		$status = (string) $product->get_status();
		if ( in_array( $status, array( 'publish', 'draft', 'pending', 'private', 'trash' ), true ) ) {
			$data['status'] = $status;
		}
		$price = (string) $product->get_price();
		if ( preg_match( '/^[0-9]+(\.[0-9]+)?$/', $price ) ) {
			$data['price'] = $price;
		}
		$stock                  = $product->get_stock_quantity();
		$data['stock_quantity'] = null === $stock ? null : (int) $stock;

		/**
		 * Filters the data sent with product.updated.
		 *
		 * @param array  $data    Data.
		 * @param object $product WC_Product.
		 */
		return apply_filters( 'waybill_product_data', $data, $product );
	}
}
