<?php
/**
 * Loads the live WordPress site started by tests/e2e/wp/up.sh into the test
 * process. There is no WP_UnitTestCase here: tests talk to the real database,
 * the real HTTP server and the mock receiver.
 *
 * @package Waybill
 */

foreach ( array( 'WAYBILL_WP_ROOT', 'WAYBILL_WP_URL', 'WAYBILL_RECEIVER_URL', 'WAYBILL_ENDPOINT_SECRET' ) as $waybill_name ) {
	if ( ! getenv( $waybill_name ) ) {
		fwrite( STDERR, "{$waybill_name} is not set: run tests/e2e/wp/run-tests.sh, or eval \"\$(tests/e2e/wp/up.sh)\" first.\n" );
		exit( 2 );
	}
}

// The test process must never start WP-Cron on its own.
$GLOBALS['wp_filter'] = array(
	'pre_get_ready_cron_jobs' => array(
		10 => array(
			array(
				'function'      => static function () {
					return array();
				},
				'accepted_args' => 1,
			),
		),
	),
);
$_SERVER['HTTP_HOST']   = parse_url( getenv( 'WAYBILL_WP_URL' ), PHP_URL_HOST ) . ':' . parse_url( getenv( 'WAYBILL_WP_URL' ), PHP_URL_PORT );
$_SERVER['REQUEST_URI'] = '/';
define( 'WP_USE_THEMES', false );
require getenv( 'WAYBILL_WP_ROOT' ) . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
require_once __DIR__ . '/TestCase.php';

// PHPUnit includes this file inside a method and then copies its new local
// variables into $GLOBALS. WordPress files that set a variable at file scope
// without `global` (such as $shortcode_tags) would overwrite the real global
// with their empty local copy, so drop locals that shadow a global.
foreach ( array_keys( get_defined_vars() ) as $waybill_local ) {
	if ( 'waybill_local' !== $waybill_local && 'GLOBALS' !== $waybill_local && array_key_exists( $waybill_local, $GLOBALS ) ) {
		unset( $$waybill_local );
	}
}
unset( $waybill_local );

if ( ! is_plugin_active( 'waybill/waybill.php' ) ) {
	fwrite( STDERR, "The Waybill plugin is not active on the test site.\n" );
	exit( 2 );
}
