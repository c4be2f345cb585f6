<?php
/**
 * wp-admin: capabilities and nonces on every action, hostile list filters,
 * secrets never shown, test events, Site Health.
 *
 * @package Waybill
 */

namespace Waybill\Tests;

/**
 * Admin pages over real HTTP.
 */
final class AdminTest extends TestCase {

	public function test_replay_without_a_nonce_is_refused() {
		$this->require_extension();
		$row = $this->dead_row();
		$jar = $this->login( 'admin' );

		$response = $this->http( 'POST', admin_url( 'admin-post.php' ), http_build_query( array( 'action' => 'waybill_replay', 'event_ids' => array( $row->id ) ) ), array( 'Content-Type: application/x-www-form-urlencoded' ), $jar );

		$this->assertSame( 403, $response['status'] );
		$this->assertSame( 'dead', $this->rows()[0]->status );
	}

	public function test_replay_with_a_forged_nonce_is_refused() {
		$this->require_extension();
		$row = $this->dead_row();
		$jar = $this->login( 'admin' );

		$response = $this->http( 'GET', admin_url( 'admin-post.php?action=waybill_replay&event_ids[]=' . $row->id . '&_wpnonce=0123456789' ), null, array(), $jar );

		$this->assertSame( 403, $response['status'] );
		$this->assertSame( 'dead', $this->rows()[0]->status );
	}

	public function test_replay_by_a_user_without_the_capability_is_refused() {
		$this->require_extension();
		$row = $this->dead_row();
		$jar = $this->login( 'editor' );

		$response = $this->http( 'GET', admin_url( 'admin-post.php?action=waybill_replay&event_ids[]=' . $row->id ), null, array(), $jar );
		$this->assertSame( 403, $response['status'] );

		$page = $this->http( 'GET', admin_url( 'admin.php?page=waybill' ), null, array(), $jar );
		$this->assertContains( $page['status'], array( 403, 500 ), 'the events page is not for editors' );
		$this->assertStringNotContainsString( $row->idempotency_key, $page['body'] );
		$this->assertSame( 'dead', $this->rows()[0]->status );
	}

	public function test_replay_with_the_admins_nonce_works() {
		$this->require_extension();
		$row  = $this->dead_row();
		$jar  = $this->login( 'admin' );
		$page = $this->http( 'GET', admin_url( 'admin.php?page=waybill&event=' . $row->id ), null, array(), $jar );
		$this->assertSame( 200, $page['status'] );

		$nonce    = $this->form_nonce( $page['body'], 'waybill_replay' );
		$response = $this->http( 'POST', admin_url( 'admin-post.php' ), http_build_query( array( 'action' => 'waybill_replay', '_wpnonce' => $nonce, 'event_ids' => array( $row->id ) ) ), array( 'Content-Type: application/x-www-form-urlencoded' ), $jar );

		$this->assertSame( 302, $response['status'] );
		wp_cache_flush();
		$this->assertSame( 'pending', $this->rows()[0]->status );
	}

	public function test_rest_replay_needs_the_capability_and_the_rest_nonce() {
		$this->require_extension();
		$row = $this->dead_row();
		$url = rest_url( 'waybill/v1/events/' . $row->id . '/replay' );

		$anonymous = $this->http( 'POST', $url );
		$this->assertSame( 401, $anonymous['status'] );

		// Cookies without X-WP-Nonce are not a logged-in REST request.
		$admin = $this->login( 'admin' );
		$this->assertSame( 401, $this->http( 'POST', $url, '', array(), $admin )['status'] );

		$editor = $this->login( 'editor' );
		$nonce  = $this->rest_nonce( $editor );
		$this->assertSame( 403, $this->http( 'POST', $url, '', array( 'X-WP-Nonce: ' . $nonce ), $editor )['status'] );
		$this->assertSame( 'dead', $this->rows()[0]->status );

		$ok = $this->http( 'POST', $url, '', array( 'X-WP-Nonce: ' . $this->rest_nonce( $admin ) ), $admin );
		$this->assertSame( 200, $ok['status'], $ok['body'] );
		$this->assertSame( 'pending', $this->rows()[0]->status );
	}

	public function test_settings_actions_refuse_missing_nonce_and_wrong_user() {
		$before = get_option( \Waybill_Endpoints::OPTION );
		$fields = array(
			'action' => 'waybill_save_endpoint',
			'id'     => 'evil',
			'url'    => 'http://127.0.0.1:9/evil',
		);
		$admin  = $this->login( 'admin' );
		$this->assertSame( 403, $this->http( 'POST', admin_url( 'admin-post.php' ), http_build_query( $fields ), array( 'Content-Type: application/x-www-form-urlencoded' ), $admin )['status'] );
		$author = $this->login( 'author' );
		$this->assertSame( 403, $this->http( 'POST', admin_url( 'admin-post.php' ), http_build_query( $fields ), array( 'Content-Type: application/x-www-form-urlencoded' ), $author )['status'] );
		foreach ( array( 'waybill_endpoint_secret', 'waybill_inbound_secret', 'waybill_test_event', 'waybill_delete_endpoint', 'waybill_toggle_endpoint', 'waybill_save_settings', 'waybill_run_worker' ) as $action ) {
			$this->assertSame( 403, $this->http( 'POST', admin_url( 'admin-post.php' ), http_build_query( array( 'action' => $action, 'id' => 'receiver', 'operation' => 'clear' ) ), array( 'Content-Type: application/x-www-form-urlencoded' ), $author )['status'], $action );
		}
		wp_cache_flush();
		$this->assertSame( $before, get_option( \Waybill_Endpoints::OPTION ) );
		$this->assertSame( array( getenv( 'WAYBILL_ENDPOINT_SECRET' ) ), \Waybill_Endpoints::secrets( 'receiver' )['keys'] );
	}

	public function test_hostile_filter_and_search_values_cause_no_sql_error() {
		$this->require_extension();
		$this->emit_leads( 3, 'hostile' );
		$jar     = $this->login( 'admin' );
		$log     = $this->log_size();
		$hostile = array(
			array( 's' => "' OR 1=1 -- " ),
			array( 's' => '%_\\' ),
			array( 's' => str_repeat( 'x', 5000 ) ),
			array( 'orderby' => 'id; DROP TABLE wp_users', 'order' => 'desc; --' ),
			array( 'orderby' => '(SELECT SLEEP(5))' ),
			array( 'status' => "dead' OR '1'='1" ),
			array( 'event_type' => "lead.submitted' UNION SELECT user_pass FROM wp_users -- " ),
			array( 'endpoint' => '\\\'"' ),
			array( 'paged' => '-1' ),
			array( 'paged' => '99999999999999999999' ),
			array( 's' => array( 'x' ), 'status' => array( 'dead' ), 'orderby' => array( 'a' ) ),
		);
		foreach ( $hostile as $query ) {
			$url      = admin_url( 'admin.php?page=waybill&' . http_build_query( $query ) );
			$response = $this->http( 'GET', $url, null, array(), $jar, 10 );
			$this->assertSame( 200, $response['status'], $url );
			$this->assertLessThan( 4.0, $response['time'], 'no injected SLEEP' );
			$this->assertStringNotContainsString( 'wpdberror', $response['body'], $url );
		}
		$errors = (string) file_get_contents( getenv( 'WAYBILL_WP_STATE' ) . '/logs/wp-debug.log', false, null, $log );
		$this->assertStringNotContainsString( 'WordPress database error', $errors );
		global $wpdb;
		$this->assertSame( '3', $wpdb->get_var( 'SELECT COUNT(*) FROM ' . \Waybill_Schema::table( 'events' ) ) );
		$this->assertGreaterThan( 0, (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$wpdb->users}" ) );
	}

	public function test_hostile_filters_in_process_build_valid_sql() {
		global $wpdb;
		$_GET = array(
			's'          => "'; DELETE FROM wp_options; --",
			'status'     => 'retrying',
			'event_type' => "x' OR '1'='1",
			'endpoint'   => '%',
			'orderby'    => 'created_at DESC, (SELECT 1)',
			'order'      => 'ASC LIMIT 1',
		);
		require_once ABSPATH . 'wp-admin/includes/admin.php';
		require_once WAYBILL_DIR . 'includes/admin/class-waybill-admin.php';
		$GLOBALS['hook_suffix'] = 'toplevel_page_waybill';
		$table = new \Waybill_Events_Table();
		$table->prepare_items();
		$_GET = array();

		$this->assertSame( '', $wpdb->last_error );
		$this->assertSame( array(), $table->items );
		$this->assertStringContainsString( 'ORDER BY created_at DESC', $wpdb->last_query );
	}

	public function test_events_list_filters_by_status_type_endpoint_and_search() {
		$this->require_extension();
		$ids = $this->emit_leads( 2, 'filter' );
		$jar = $this->login( 'admin' );

		$found = $this->http( 'GET', admin_url( 'admin.php?page=waybill&status=pending&event_type=lead.submitted&endpoint=receiver&s=' . rawurlencode( substr( $ids[0], 5, 20 ) ) ), null, array(), $jar );
		$this->assertStringContainsString( $ids[0], $found['body'] );
		$this->assertStringNotContainsString( $ids[1], $found['body'] );

		$none = $this->http( 'GET', admin_url( 'admin.php?page=waybill&status=delivered' ), null, array(), $jar );
		$this->assertStringNotContainsString( $ids[0], $none['body'] );
	}

	public function test_event_detail_shows_attempts_and_escapes_the_body() {
		$this->require_extension();
		$id = waybill_emit(
			'lead.submitted',
			array_merge( $this->lead_fields( 'xss' ), array( 'name' => 'Eve <img src=x onerror=alert(1)>' ) ),
			array( 'consent' => true, 'entity' => array( 'type' => 'lead', 'id' => 9 ) )
		);
		$this->assertIsString( $id );
		$this->receiver( 'config', array( 'mode' => '500' ) );
		$this->run_worker();
		$row = $this->rows()[0];

		$page = $this->http( 'GET', admin_url( 'admin.php?page=waybill&event=' . $row->id ), null, array( ), $this->login( 'admin' ) );

		$this->assertSame( 200, $page['status'] );
		$this->assertStringNotContainsString( '<img src=x', $page['body'] );
		$this->assertStringContainsString( 'http.500', $page['body'] );
		$this->assertStringContainsString( '<td>1</td>', $page['body'] );
	}

	public function test_leads_page_neutralizes_bidi_controls_and_keeps_the_stored_value() {
		$this->require_extension();
		$name = "Eve \u{202E}gpj.exe\u{202C} \u{2067}x\u{2069}";
		$key  = \Waybill_Forms::capture( array_merge( $this->lead_fields( 'bidi' ), array( 'name' => $name ) ), 'token-' . uniqid() );
		$this->assertIsString( $key, is_wp_error( $key ) ? $key->get_error_code() : '' );

		$page = $this->http( 'GET', admin_url( 'admin.php?page=waybill-leads' ), null, array(), $this->login( 'admin' ) );

		$this->assertSame( 200, $page['status'] );
		foreach ( array( "\u{202A}", "\u{202B}", "\u{202C}", "\u{202D}", "\u{202E}", "\u{2066}", "\u{2067}", "\u{2068}", "\u{2069}" ) as $control ) {
			$this->assertStringNotContainsString( $control, $page['body'] );
		}
		$this->assertStringContainsString( '<bdi>Eve [U+202E]gpj.exe[U+202C] [U+2067]x[U+2069]</bdi>', $page['body'] );
		global $wpdb;
		$this->assertSame( $name, $wpdb->get_var( $wpdb->prepare( 'SELECT name FROM ' . \Waybill_Schema::table( 'leads' ) . ' WHERE idempotency_key = %s', $key ) ), 'stored raw data is unchanged' );

		$event = $this->rows()[0];
		$detail = $this->http( 'GET', admin_url( 'admin.php?page=waybill&event=' . $event->id ), null, array(), $this->login( 'admin' ) );
		$this->assertSame( 200, $detail['status'] );
		$this->assertStringNotContainsString( "\u{202E}", $detail['body'] );
	}

	public function test_send_test_event_button_delivers_to_that_endpoint() {
		$this->require_extension();
		$jar   = $this->login( 'admin' );
		$page  = $this->http( 'GET', admin_url( 'admin.php?page=waybill-settings' ), null, array(), $jar );
		$nonce = $this->form_nonce( $page['body'], 'waybill_test_event' );

		$response = $this->http( 'POST', admin_url( 'admin-post.php' ), http_build_query( array( 'action' => 'waybill_test_event', '_wpnonce' => $nonce, 'id' => 'receiver' ) ), array( 'Content-Type: application/x-www-form-urlencoded' ), $jar );

		$this->assertSame( 302, $response['status'] );
		$this->assertStringContainsString( 'test_delivered', $response['headers']['location'] );
		$delivery = $this->receiver( 'deliveries' )[0];
		$this->assertSame( 'ok', $delivery['verdict'] );
		$this->assertSame( 'waybill-test', json_decode( base64_decode( $delivery['body_b64'] ), true )['source'] );
	}

	public function test_generated_secret_is_shown_once_then_only_its_fingerprint() {
		$this->require_extension();
		$jar   = $this->login( 'admin' );
		$page  = $this->http( 'GET', admin_url( 'admin.php?page=waybill-settings&edit=receiver' ), null, array(), $jar );
		$nonce = $this->form_nonce( $page['body'], 'waybill_endpoint_secret' );
		$saved = $this->http( 'POST', admin_url( 'admin-post.php' ), http_build_query( array( 'action' => 'waybill_endpoint_secret', '_wpnonce' => $nonce, 'id' => 'receiver', 'operation' => 'generate' ) ), array( 'Content-Type: application/x-www-form-urlencoded' ), $jar );

		$first = $this->http( 'GET', $saved['headers']['location'], null, array(), $jar );
		$this->assertMatchesRegularExpression( '/<code class="waybill-reveal">(whsec_[A-Za-z0-9+\/=]+)<\/code>/', $first['body'] );
		preg_match( '/<code class="waybill-reveal">(whsec_[A-Za-z0-9+\/=]+)<\/code>/', $first['body'], $match );
		wp_cache_flush();
		$this->assertSame( array( getenv( 'WAYBILL_ENDPOINT_SECRET' ), $match[1] ), \Waybill_Endpoints::secrets( 'receiver' )['keys'] );

		$second = $this->http( 'GET', $saved['headers']['location'], null, array(), $jar );
		$this->assertStringNotContainsString( $match[1], $second['body'] );
	}

	public function test_site_health_reports_stuck_dead_and_disabled() {
		$this->require_extension();
		$this->dead_row();
		\Waybill_Endpoints::set_enabled( 'receiver', false, 'endpoint.gone' );

		$this->assertSame( 'good', \Waybill_Site_Health::test_extension()['status'] );
		$this->assertSame( 'recommended', \Waybill_Site_Health::test_queue()['status'] );
		$this->assertSame( 'recommended', \Waybill_Site_Health::test_endpoints()['status'] );
		$this->assertStringContainsString( '410', \Waybill_Site_Health::test_endpoints()['description'] );
		$tests = apply_filters( 'site_status_tests', array( 'direct' => array(), 'async' => array() ) );
		$this->assertArrayHasKey( 'waybill_extension', $tests['direct'] );
	}

	public function test_site_health_warns_when_cron_is_disabled_and_no_runner_was_seen() {
		delete_option( \Waybill_Worker::RUNNERS_OPTION );
		$this->assertTrue( DISABLE_WP_CRON );
		$this->assertSame( 'critical', \Waybill_Site_Health::test_worker()['status'] );

		exec( $this->cli_worker_command(), $output, $code );
		$this->assertContains( $code, array( 0, 3 ) );
		wp_cache_flush();
		$this->assertNotSame( 'critical', \Waybill_Site_Health::test_worker()['status'] );
	}

	/**
	 * One dead outbox row.
	 *
	 * @return object
	 */
	private function dead_row() {
		$this->receiver( 'config', array( 'mode' => '400' ) );
		$this->emit_leads( 1, 'deadrow' );
		$this->run_worker();
		$this->receiver( 'config', array( 'mode' => 'ok' ) );
		$row = $this->rows()[0];
		$this->assertSame( 'dead', $row->status );
		return $row;
	}

	/**
	 * The REST nonce of a logged-in user, read from wp-admin.
	 *
	 * @param string $jar Cookie jar.
	 * @return string
	 */
	private function rest_nonce( $jar ) {
		$page = $this->http( 'GET', admin_url( 'admin-ajax.php?action=rest-nonce' ), null, array(), $jar );
		$this->assertSame( 200, $page['status'] );
		$this->assertMatchesRegularExpression( '/^[0-9a-f]{10}$/', $page['body'] );
		return $page['body'];
	}

	/**
	 * Current size of the debug log.
	 *
	 * @return int
	 */
	private function log_size() {
		clearstatcache();
		$file = getenv( 'WAYBILL_WP_STATE' ) . '/logs/wp-debug.log';
		return is_file( $file ) ? (int) filesize( $file ) : 0;
	}
}
