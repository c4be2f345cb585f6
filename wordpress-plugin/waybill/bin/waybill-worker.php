<?php
/**
 * CLI runner for system cron: delivers due Waybill events and exits.
 *
 *     php wp-content/plugins/waybill/bin/waybill-worker.php --path=/var/www/html [--time-limit=55]
 *         [--batch-size=100] [--concurrency=16] [--loop] [--json]
 *
 * Works with DISABLE_WP_CRON and no page traffic. Prints one summary line;
 * exits 0 on success, 2 when WordPress cannot be loaded, 3 when the extension
 * is missing. Several runners may run at once.
 *
 * @package Waybill
 */

if ( 'cli' !== PHP_SAPI ) {
	http_response_code( 403 );
	exit( 1 );
}

$waybill_options = getopt( '', array( 'path:', 'time-limit:', 'batch-size:', 'concurrency:', 'loop', 'json', 'help' ) );
if ( isset( $waybill_options['help'] ) ) {
	fwrite( STDOUT, "usage: php waybill-worker.php --path=<wordpress root> [--time-limit=S] [--batch-size=N] [--concurrency=N] [--loop] [--json]\n" );
	exit( 0 );
}
$waybill_root = isset( $waybill_options['path'] ) ? rtrim( (string) $waybill_options['path'], '/' ) : dirname( __DIR__, 4 );
if ( ! is_file( $waybill_root . '/wp-load.php' ) ) {
	fwrite( STDERR, "waybill-worker: no wp-load.php in {$waybill_root}; pass --path=<wordpress root>\n" );
	exit( 2 );
}

// Loading WordPress from the CLI must not start WP-Cron (it would spawn a loopback and lock cron).
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
$_SERVER['HTTP_HOST']   = isset( $_SERVER['HTTP_HOST'] ) ? $_SERVER['HTTP_HOST'] : 'localhost';
$_SERVER['REQUEST_URI'] = isset( $_SERVER['REQUEST_URI'] ) ? $_SERVER['REQUEST_URI'] : '/';
define( 'WP_USE_THEMES', false );
define( 'WAYBILL_CLI_RUNNER', true );
require $waybill_root . '/wp-load.php';

if ( ! function_exists( 'waybill_run_worker' ) ) {
	fwrite( STDERR, "waybill-worker: the Waybill plugin is not active on this site\n" );
	exit( 2 );
}

$waybill_args = array( 'runner' => 'cli' );
foreach ( array( 'time-limit' => 'time_limit', 'batch-size' => 'batch_size', 'concurrency' => 'concurrency' ) as $waybill_flag => $waybill_key ) {
	if ( isset( $waybill_options[ $waybill_flag ] ) ) {
		$waybill_args[ $waybill_key ] = (int) $waybill_options[ $waybill_flag ];
	}
}
if ( ! isset( $waybill_args['time_limit'] ) ) {
	$waybill_args['time_limit'] = 55;
}

$waybill_deadline = microtime( true ) + $waybill_args['time_limit'];
$waybill_total    = array();
do {
	$waybill_stats = waybill_run_worker( $waybill_args );
	foreach ( $waybill_stats as $waybill_name => $waybill_value ) {
		if ( is_int( $waybill_value ) ) {
			$waybill_total[ $waybill_name ] = ( isset( $waybill_total[ $waybill_name ] ) ? $waybill_total[ $waybill_name ] : 0 ) + $waybill_value;
		} else {
			$waybill_total[ $waybill_name ] = $waybill_value;
		}
	}
	if ( isset( $waybill_stats['error'] ) ) {
		break;
	}
	// With --loop, wait for new work until the time limit (a long-running runner).
	if ( isset( $waybill_options['loop'] ) && 0 === $waybill_stats['claimed'] ) {
		usleep( 500000 );
	}
	$waybill_args['time_limit'] = max( 1, (int) ceil( $waybill_deadline - microtime( true ) ) );
} while ( isset( $waybill_options['loop'] ) && microtime( true ) < $waybill_deadline );

if ( isset( $waybill_options['json'] ) ) {
	fwrite( STDOUT, wp_json_encode( $waybill_total ) . "\n" );
} else {
	$waybill_line = array();
	foreach ( $waybill_total as $waybill_name => $waybill_value ) {
		$waybill_line[] = $waybill_name . '=' . $waybill_value;
	}
	fwrite( STDOUT, 'waybill-worker: ' . implode( ' ', $waybill_line ) . "\n" );
}
exit( isset( $waybill_total['error'] ) ? 3 : 0 );
