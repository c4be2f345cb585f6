<?php
/**
 * The system-cron runner and the WP-CLI commands.
 *
 * @package Waybill
 */

namespace Waybill\Tests;

/**
 * bin/waybill-worker.php and `wp waybill …`.
 */
final class CliTest extends TestCase {

	public function test_cli_runner_delivers_with_wp_cron_disabled_and_no_traffic() {
		$this->require_extension();
		$this->emit_leads( 3, 'cli' );

		exec( $this->cli_worker_command( '--json' ), $output, $code );

		$this->assertSame( 0, $code );
		$summary = json_decode( (string) end( $output ), true );
		$this->assertSame( 3, $summary['delivered'] );
		wp_cache_flush();
		$this->assertSame( 'cli', get_option( \Waybill_Worker::LAST_RUN_OPTION )['runner'] );
	}

	public function test_cli_runner_explains_a_wrong_path() {
		exec( 'php ' . escapeshellarg( WAYBILL_DIR . 'bin/waybill-worker.php' ) . ' --path=/nonexistent 2>&1', $output, $code );
		$this->assertSame( 2, $code );
		$this->assertStringContainsString( '--path', implode( "\n", $output ) );
	}

	public function test_cli_runner_refuses_to_run_over_http() {
		$response = $this->http( 'GET', plugins_url( 'bin/waybill-worker.php', WAYBILL_FILE ) );
		$this->assertNotSame( 200, $response['status'] );
		$this->assertStringNotContainsString( 'waybill-worker:', $response['body'] );
	}

	public function test_wp_cli_commands_run_status_and_replay() {
		$this->require_extension();
		if ( ! class_exists( 'WP_CLI' ) ) {
			require __DIR__ . '/fixtures/fake-wp-cli.php';
		}
		require_once WAYBILL_DIR . 'includes/class-waybill-cli.php';
		$this->emit_leads( 2, 'wpcli' );
		$cli = new \Waybill_CLI();

		\WP_CLI::$lines = array();
		$cli->run( array(), array( 'time-limit' => 10 ) );
		$cli->status( array(), array() );
		$row = $this->rows()[0];
		$cli->replay( array( (string) $row->id ), array() );
		$cli->purge( array(), array() );

		$output = implode( "\n", \WP_CLI::$lines );
		$this->assertStringContainsString( '"delivered":2', $output );
		$this->assertStringContainsString( 'line: delivered  2', $output );
		$this->assertStringContainsString( 'success: 1 queued', $output );
		$this->assertSame( 'wp-cli', get_option( \Waybill_Worker::LAST_RUN_OPTION )['runner'] );
	}
}
