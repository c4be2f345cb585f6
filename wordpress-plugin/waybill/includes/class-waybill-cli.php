<?php
/**
 * WP-CLI commands: `wp waybill run|status|replay|purge`.
 *
 * @package Waybill
 */

defined( 'ABSPATH' ) || exit;

/**
 * Delivers and inspects Waybill events from the command line.
 */
class Waybill_CLI {

	/**
	 * Delivers due events.
	 *
	 * ## OPTIONS
	 *
	 * [--time-limit=<seconds>]
	 * : Stop claiming new batches after this long. Default: the time_limit setting.
	 *
	 * [--batch-size=<n>]
	 * : Events per claim.
	 *
	 * [--concurrency=<n>]
	 * : Requests in flight.
	 *
	 * ## EXAMPLES
	 *
	 *     wp waybill run --time-limit=55
	 *
	 * @param array $args       Positional arguments.
	 * @param array $assoc_args Options.
	 */
	public function run( $args, $assoc_args ) {
		$options = array( 'runner' => 'wp-cli' );
		foreach ( array( 'time-limit' => 'time_limit', 'batch-size' => 'batch_size', 'concurrency' => 'concurrency' ) as $flag => $key ) {
			if ( isset( $assoc_args[ $flag ] ) ) {
				$options[ $key ] = (int) $assoc_args[ $flag ];
			}
		}
		$stats = Waybill_Worker::run( $options );
		if ( isset( $stats['error'] ) ) {
			WP_CLI::error( $stats['error'] );
		}
		WP_CLI::success( wp_json_encode( $stats ) );
	}

	/**
	 * Shows counts per status, endpoints and the last worker run.
	 *
	 * @param array $args       Positional arguments.
	 * @param array $assoc_args Options.
	 */
	public function status( $args, $assoc_args ) {
		WP_CLI::line( 'extension: ' . ( Waybill_Core::available() ? Waybill_Core::version() : 'missing' ) );
		foreach ( Waybill_Outbox::counts() as $status => $count ) {
			WP_CLI::line( sprintf( '%-10s %d', $status, $count ) );
		}
		foreach ( Waybill_Endpoints::all() as $id => $endpoint ) {
			WP_CLI::line( sprintf( 'endpoint %s %s %s secret:%s', $id, $endpoint['url'], $endpoint['enabled'] ? 'enabled' : 'disabled', Waybill_Endpoints::secrets( $id )['source'] ) );
		}
		WP_CLI::line( 'last run: ' . wp_json_encode( get_option( Waybill_Worker::LAST_RUN_OPTION ) ) );
	}

	/**
	 * Queues events again.
	 *
	 * ## OPTIONS
	 *
	 * <id>...
	 * : Outbox row ids.
	 *
	 * @param array $args       Row ids.
	 * @param array $assoc_args Options.
	 */
	public function replay( $args, $assoc_args ) {
		WP_CLI::success( sprintf( '%d queued', Waybill_Outbox::replay( array_map( 'intval', $args ) ) ) );
	}

	/**
	 * Deletes what is older than the retention settings.
	 *
	 * @param array $args       Positional arguments.
	 * @param array $assoc_args Options.
	 */
	public function purge( $args, $assoc_args ) {
		WP_CLI::success( wp_json_encode( Waybill_Retention::purge() ) );
	}
}
