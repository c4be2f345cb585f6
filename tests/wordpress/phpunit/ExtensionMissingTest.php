<?php
/**
 * Without the extension the plugin stays active, explains what to do, and
 * every capture fails loudly with waybill_extension_missing.
 *
 * @package Waybill
 */

namespace Waybill\Tests;

/**
 * Runs WordPress in a PHP process that has no waybill extension loaded.
 */
final class ExtensionMissingTest extends TestCase {

	/**
	 * What the probe script reports.
	 *
	 * @var array|null
	 */
	private static $report = null;

	public function test_the_probe_process_really_has_no_extension() {
		$this->assertFalse( $this->report()['extension_loaded'] );
		$this->assertFalse( $this->report()['functions'] );
	}

	public function test_the_plugin_stays_active() {
		$this->assertTrue( $this->report()['active'] );
	}

	public function test_capture_returns_waybill_extension_missing() {
		$this->assertSame( 'waybill_extension_missing', $this->report()['emit'] );
		$this->assertSame( 'waybill_extension_missing', $this->report()['action_failed'] );
		$this->assertSame( 0, $this->report()['rows'] );
	}

	public function test_the_form_route_answers_503_with_the_code() {
		$this->assertSame( 503, $this->report()['rest_status'] );
		$this->assertSame( 'waybill_extension_missing', $this->report()['rest_code'] );
	}

	public function test_site_health_is_critical_and_explains_the_install() {
		$this->assertSame( 'critical', $this->report()['health_status'] );
		$this->assertStringContainsString( 'make -C php-ext install', $this->report()['health_description'] );
	}

	public function test_wp_admin_shows_how_to_install_the_extension() {
		$this->assertStringContainsString( 'waybill-extension-missing', $this->report()['notice'] );
		$this->assertStringContainsString( 'make -C php-ext install', $this->report()['notice'] );
	}

	public function test_the_worker_sends_nothing_and_says_why() {
		$this->assertSame( 'waybill_extension_missing', $this->report()['worker_error'] );
		$this->assertSame( 3, $this->report()['cli_exit'] );
	}

	/**
	 * Runs the probe once per test run.
	 *
	 * @return array
	 */
	private function report() {
		if ( null === self::$report ) {
			$scan = $this->scan_dir_without_waybill();
			$env  = 'PHP_INI_SCAN_DIR=' . escapeshellarg( $scan ) . ' ';
			exec( $env . 'php ' . escapeshellarg( __DIR__ . '/fixtures/probe-without-extension.php' ) . ' 2>/dev/null', $output, $code );
			$this->assertSame( 0, $code, implode( "\n", $output ) );
			self::$report = json_decode( (string) end( $output ), true );
			$this->assertIsArray( self::$report, implode( "\n", $output ) );

			exec( $env . 'php ' . escapeshellarg( WAYBILL_DIR . 'bin/waybill-worker.php' ) . ' --path=' . escapeshellarg( untrailingslashit( ABSPATH ) ) . ' 2>/dev/null', $ignored, $cli_exit );
			self::$report['cli_exit'] = $cli_exit;
		}
		return self::$report;
	}

	/**
	 * A copy of PHP's scan directory without any ini that loads waybill.
	 *
	 * @return string
	 */
	private function scan_dir_without_waybill() {
		$source = PHP_CONFIG_FILE_SCAN_DIR;
		$target = sys_get_temp_dir() . '/waybill-no-ext-' . getmypid();
		if ( ! is_dir( $target ) ) {
			mkdir( $target );
		}
		foreach ( glob( $source . '/*.ini' ) as $ini ) {
			if ( false === stripos( basename( $ini ), 'waybill' ) && false === stripos( (string) file_get_contents( $ini ), 'waybill' ) ) {
				@symlink( $ini, $target . '/' . basename( $ini ) );
			}
		}
		return $target;
	}
}
