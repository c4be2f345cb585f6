<?php
/**
 * Reads and sets what the end-to-end demo test needs inside WordPress, through the plugin's
 * own classes. Prints JSON.
 *
 *     php wp-helper.php <wordpress root> settings '{"retry_schedule":"1,1,1"}'
 *     php wp-helper.php <wordpress root> endpoint-url http://127.0.0.1:PORT/
 *     php wp-helper.php <wordpress root> replay <event row id>
 *     php wp-helper.php <wordpress root> post <post id>
 *     php wp-helper.php <wordpress root> inbound <event type>
 *
 * @package Waybill
 */

if ( 'cli' !== PHP_SAPI || $argc < 3 ) {
	fwrite( STDERR, "usage: php wp-helper.php <wordpress root> <command> [argument]\n" );
	exit( 2 );
}

// Loading WordPress must not start WP-Cron (as in the plugin's CLI worker).
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
$_SERVER['HTTP_HOST']   = 'localhost';
$_SERVER['REQUEST_URI'] = '/';
define( 'WP_USE_THEMES', false );
require rtrim( $argv[1], '/' ) . '/wp-load.php';

$waybill_command  = $argv[2];
$waybill_argument = isset( $argv[3] ) ? $argv[3] : '';

switch ( $waybill_command ) {
	case 'settings':
		Waybill_Settings::update( (array) json_decode( $waybill_argument, true ) );
		$waybill_out = Waybill_Settings::all();
		break;

	case 'endpoint-url':
		$waybill_out = Waybill_Endpoints::save(
			array(
				'id'  => 'receiver',
				'url' => $waybill_argument,
			)
		);
		break;

	case 'replay':
		$waybill_out = array( 'replayed' => Waybill_Outbox::replay( array( (int) $waybill_argument ) ) );
		break;

	case 'post':
		$waybill_post = get_post( (int) $waybill_argument );
		$waybill_out  = $waybill_post ? array(
			'id'         => $waybill_post->ID,
			'status'     => $waybill_post->post_status,
			'type'       => $waybill_post->post_type,
			'title'      => $waybill_post->post_title,
			'content'    => $waybill_post->post_content,
			'sources'    => get_post_meta( $waybill_post->ID, '_waybill_sources', true ),
			'provenance' => get_post_meta( $waybill_post->ID, '_waybill_provenance', true ),
		) : null;
		break;

	case 'inbound':
		global $wpdb;
		$waybill_table = Waybill_Schema::table( 'inbound' );
		$waybill_out   = $wpdb->get_results( $wpdb->prepare( "SELECT webhook_id, status, result FROM {$waybill_table} WHERE event_type = %s ORDER BY id", $waybill_argument ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		break;

	default:
		fwrite( STDERR, "unknown command {$waybill_command}\n" );
		exit( 2 );
}
echo wp_json_encode( $waybill_out ) . "\n";
