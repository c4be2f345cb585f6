<?php
/**
 * Content events: draft requests from the editor, WooCommerce product updates.
 *
 * @package Waybill
 */

namespace Waybill\Tests;

/**
 * content.draft_requested and product.updated.
 */
final class ContentTest extends TestCase {

	public function test_an_editor_requests_a_draft_over_rest() {
		$this->require_extension();
		$post = wp_insert_post( array( 'post_title' => 'Cold brew', 'post_status' => 'publish', 'post_content' => 'Slow coffee.' ) );
		$jar  = $this->login( 'editor' );
		$url  = rest_url( 'waybill/v1/posts/' . $post . '/draft-request' );

		$response = $this->http( 'POST', $url, wp_json_encode( array( 'audience' => 'home baristas' ) ), array( 'Content-Type: application/json', 'X-WP-Nonce: ' . $this->rest_nonce( $jar ) ), $jar );

		$this->assertSame( 202, $response['status'], $response['body'] );
		$row   = $this->rows()[0];
		$event = json_decode( $row->body, true );
		$this->assertSame( 'content.draft_requested', $row->event_type );
		$this->assertSame( 'Cold brew', $event['data']['keyword'] );
		$this->assertSame( 'home baristas', $event['data']['audience'] );
		$this->assertSame( 'blog_post', $event['data']['content_type'] );
		$this->assertSame( $post, $event['data']['post_id'] );
		wp_delete_post( $post, true );
	}

	public function test_a_subscriber_cannot_request_a_draft() {
		$this->require_extension();
		$post = wp_insert_post( array( 'post_title' => 'Not yours', 'post_status' => 'publish' ) );
		$jar  = $this->login( 'subscriber' );

		$response = $this->http( 'POST', rest_url( 'waybill/v1/posts/' . $post . '/draft-request' ), '{}', array( 'Content-Type: application/json', 'X-WP-Nonce: ' . $this->rest_nonce( $jar ) ), $jar );

		$this->assertSame( 403, $response['status'] );
		$this->assertCount( 0, $this->rows() );
		wp_delete_post( $post, true );
	}

	public function test_the_row_action_needs_its_nonce() {
		$this->require_extension();
		$post = wp_insert_post( array( 'post_title' => 'Row action', 'post_status' => 'publish' ) );
		$jar  = $this->login( 'editor' );

		$without = $this->http( 'GET', admin_url( 'admin-post.php?action=waybill_request_draft&post=' . $post ), null, array(), $jar );
		$this->assertSame( 403, $without['status'] );
		$this->assertCount( 0, $this->rows() );

		$list = $this->http( 'GET', admin_url( 'edit.php' ), null, array(), $jar );
		$this->assertMatchesRegularExpression( '/admin-post\.php\?action=waybill_request_draft&(?:amp;|#038;)post=' . $post . '&(?:amp;|#038;)_wpnonce=([0-9a-f]+)/', $list['body'] );
		preg_match( '/admin-post\.php\?action=waybill_request_draft&(?:amp;|#038;)post=' . $post . '&(?:amp;|#038;)_wpnonce=([0-9a-f]+)/', $list['body'], $match );
		$with = $this->http( 'GET', admin_url( 'admin-post.php?action=waybill_request_draft&post=' . $post . '&_wpnonce=' . $match[1] ), null, array( 'Referer: ' . admin_url( 'edit.php' ) ), $jar );
		$this->assertSame( 302, $with['status'] );
		$this->assertStringContainsString( 'draft_requested', $with['headers']['location'] );
		$this->assertCount( 1, $this->rows() );

		// A double click is one request.
		$this->http( 'GET', admin_url( 'admin-post.php?action=waybill_request_draft&post=' . $post . '&_wpnonce=' . $match[1] ), null, array(), $jar );
		$this->assertCount( 1, $this->rows() );
		wp_delete_post( $post, true );
	}

	public function test_a_woocommerce_product_update_emits_once_per_request() {
		$this->require_extension();
		$this->fake_woocommerce();
		$product = new \Waybill_Test_Product( 4242, array( 'regular_price' => '12.50', 'name' => 'Mug' ) );
		$GLOBALS['waybill_test_products'][4242] = $product;

		// WooCommerce fires these several times for one save.
		do_action( 'woocommerce_before_product_object_save', $product, null );
		do_action( 'woocommerce_update_product', 4242, $product );
		do_action( 'woocommerce_update_product', 4242, $product );
		do_action( 'woocommerce_new_product', 4242, $product );
		$this->assertCount( 0, $this->rows(), 'nothing before the end of the request' );

		\Waybill_Content::emit_products();

		$rows = $this->rows();
		$this->assertCount( 1, $rows );
		$event = json_decode( $rows[0]->body, true );
		$this->assertSame( 'product.updated', $event['event_type'] );
		$this->assertSame( 4242, $event['data']['product_id'] );
		$this->assertSame( '12.50', $event['data']['price'] );
		$this->assertSame( array( 'name', 'regular_price' ), $event['data']['changed_fields'] );
	}

	/**
	 * The REST nonce of a logged-in user.
	 *
	 * @param string $jar Cookie jar.
	 * @return string
	 */
	private function rest_nonce( $jar ) {
		return $this->http( 'GET', admin_url( 'admin-ajax.php?action=rest-nonce' ), null, array(), $jar )['body'];
	}

	/**
	 * The two WooCommerce functions the plugin calls, backed by test products.
	 */
	private function fake_woocommerce() {
		if ( ! function_exists( 'wc_get_product' ) ) {
			require __DIR__ . '/fixtures/fake-woocommerce.php';
		}
	}
}
