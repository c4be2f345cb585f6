<?php
/**
 * Privacy tools, retention, schema upgrades, cron, uninstall.
 *
 * @package Waybill
 */

namespace Waybill\Tests;

/**
 * What an admin expects around the data Waybill keeps.
 */
final class LifecycleTest extends TestCase {

	public function test_exporter_returns_the_leads_of_an_email_address() {
		$this->require_extension();
		\Waybill_Forms::capture( $this->lead_fields( 'export' ), 'token-export' );
		\Waybill_Forms::capture( $this->lead_fields( 'other' ), 'token-other' );

		$exporters = apply_filters( 'wp_privacy_personal_data_exporters', array() );
		$export    = call_user_func( $exporters['waybill']['callback'], 'adaexport@example.com', 1 );

		$this->assertTrue( $export['done'] );
		$this->assertCount( 1, $export['data'] );
		$values = wp_list_pluck( $export['data'][0]['data'], 'value' );
		$this->assertContains( 'adaexport@example.com', $values );
		$this->assertNotContains( 'adaother@example.com', $values );
	}

	public function test_eraser_removes_leads_and_blanks_their_undelivered_events() {
		$this->require_extension();
		\Waybill_Forms::capture( $this->lead_fields( 'erase' ), 'token-erase' );
		\Waybill_Forms::capture( $this->lead_fields( 'keep' ), 'token-keep' );

		$erasers = apply_filters( 'wp_privacy_personal_data_erasers', array() );
		$result  = call_user_func( $erasers['waybill']['callback'], 'adaerase@example.com', 1 );

		$this->assertTrue( $result['items_removed'] );
		global $wpdb;
		$this->assertSame( array( 'adakeep@example.com' ), $wpdb->get_col( 'SELECT email FROM ' . \Waybill_Schema::table( 'leads' ) ) );
		$erased = $this->rows( "last_error_code = 'privacy.erased'" );
		$this->assertCount( 1, $erased );
		$this->assertSame( 'dead', $erased[0]->status );
		$this->assertSame( '', $erased[0]->body );
		$this->assertNull( $erased[0]->input );
		$this->run_worker();
		foreach ( $this->receiver( 'deliveries' ) as $delivery ) {
			$this->assertStringNotContainsString( 'adaerase', base64_decode( $delivery['body_b64'] ) );
		}
	}

	public function test_retention_purge_deletes_old_delivered_events_and_their_attempts() {
		$this->require_extension();
		$this->emit_leads( 3, 'old' );
		$this->run_worker();
		global $wpdb;
		$events = \Waybill_Schema::table( 'events' );
		$old    = (int) $this->rows()[0]->id;
		$wpdb->query( $wpdb->prepare( "UPDATE {$events} SET updated_at = %s WHERE id = %d", gmdate( 'Y-m-d H:i:s', time() - 40 * DAY_IN_SECONDS ), $old ) );

		$deleted = \Waybill_Retention::purge();

		$this->assertSame( 1, $deleted['delivered'] );
		$this->assertCount( 2, $this->rows() );
		$this->assertSame( array(), \Waybill_Outbox::attempts( $old ) );
	}

	public function test_schema_upgrade_restores_missing_columns_and_records_the_version() {
		global $wpdb;
		$events = \Waybill_Schema::table( 'events' );
		$wpdb->query( "ALTER TABLE {$events} DROP COLUMN delivered_at" );
		update_option( \Waybill_Schema::OPTION, 0 );

		\Waybill_Schema::maybe_upgrade();

		$this->assertContains( 'delivered_at', $wpdb->get_col( "SHOW COLUMNS FROM {$events}" ) );
		$this->assertSame( \Waybill_Schema::DB_VERSION, (int) get_option( \Waybill_Schema::OPTION ) );
	}

	public function test_wp_cron_runs_the_worker_every_minute() {
		$this->require_extension();
		\Waybill_Triggers::schedule();
		$this->assertSame( 'waybill_every_minute', wp_get_schedule( \Waybill_Triggers::CRON_HOOK ) );
		$this->assertSame( 60, wp_get_schedules()['waybill_every_minute']['interval'] );
		$this->emit_leads( 2, 'cron' );

		do_action( \Waybill_Triggers::CRON_HOOK );

		$this->assertSame( 2, $this->receiver_stats()['accepted'] );
		$this->assertSame( 'cron', get_option( \Waybill_Worker::LAST_RUN_OPTION )['runner'] );
	}

	public function test_uninstall_keeps_data_unless_the_admin_opted_in() {
		global $wpdb;
		$this->uninstall();
		$this->assertSame( \Waybill_Schema::table( 'events' ), $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', \Waybill_Schema::table( 'events' ) ) ) );
		$this->assertNotFalse( get_option( \Waybill_Endpoints::OPTION ) );

		\Waybill_Settings::update( array( 'delete_on_uninstall' => true ) );
		$this->uninstall();
		wp_cache_flush();
		$this->assertNull( $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', \Waybill_Schema::table( 'events' ) ) ) );
		$this->assertFalse( get_option( \Waybill_Endpoints::OPTION ) );
		$this->assertFalse( get_option( \Waybill_Endpoints::SECRET_OPTION_PREFIX . 'receiver' ) );

		// Put the site back for the tests that follow.
		\Waybill_Schema::install();
		$wpdb->last_error = '';
	}

	/**
	 * Runs uninstall.php in its own process, as WordPress would.
	 */
	private function uninstall() {
		$script = sprintf(
			'$_SERVER["HTTP_HOST"] = "localhost"; define( "WP_UNINSTALL_PLUGIN", "waybill/waybill.php" ); require %s; require %s;',
			var_export( ABSPATH . 'wp-load.php', true ),
			var_export( WAYBILL_DIR . 'uninstall.php', true )
		);
		exec( getenv( 'WAYBILL_PHP' ) . ' -r ' . escapeshellarg( $script ) . ' 2>&1', $output, $code );
		$this->assertSame( 0, $code, implode( "\n", $output ) );
	}
}
