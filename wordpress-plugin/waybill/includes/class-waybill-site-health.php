<?php
/**
 * Site Health tests and debug information.
 *
 * @package Waybill
 */

defined( 'ABSPATH' ) || exit;

/**
 * Registers Waybill's Site Health tests.
 */
final class Waybill_Site_Health {

	/** A pending event due longer ago than this counts as stuck. */
	const STUCK_AFTER = 15 * MINUTE_IN_SECONDS;

	/** A worker run older than this is worth a warning. */
	const WORKER_STALE = 10 * MINUTE_IN_SECONDS;

	/**
	 * Hooks the tests.
	 */
	public static function init() {
		add_filter( 'site_status_tests', array( __CLASS__, 'register' ) );
		add_filter( 'debug_information', array( __CLASS__, 'debug_information' ) );
	}

	/**
	 * Adds the direct tests.
	 *
	 * @param array $tests Tests.
	 * @return array
	 */
	public static function register( $tests ) {
		foreach ( array( 'extension', 'worker', 'queue', 'endpoints' ) as $name ) {
			$tests['direct'][ 'waybill_' . $name ] = array(
				'label' => __( 'Waybill', 'waybill' ),
				'test'  => array( __CLASS__, 'test_' . $name ),
			);
		}
		return $tests;
	}

	/**
	 * Is the extension loaded?
	 *
	 * @return array
	 */
	public static function test_extension() {
		if ( Waybill_Core::available() ) {
			return self::result(
				'extension',
				'good',
				/* translators: %s: extension version. */
				sprintf( __( 'The Waybill PHP extension %s is loaded', 'waybill' ), Waybill_Core::version() ),
				__( 'Events are validated, sanitized and signed by the extension.', 'waybill' )
			);
		}
		return self::result(
			'extension',
			'critical',
			__( 'The Waybill PHP extension is not loaded', 'waybill' ),
			self::install_help()
		);
	}

	/**
	 * Has a worker run recently, and is there any trigger when WP-Cron is off?
	 *
	 * @return array
	 */
	public static function test_worker() {
		$last    = get_option( Waybill_Worker::LAST_RUN_OPTION, array() );
		$seen    = get_option( Waybill_Worker::RUNNERS_OPTION, array() );
		$at      = is_array( $last ) && isset( $last['at'] ) ? (int) $last['at'] : 0;
		$no_cron = defined( 'DISABLE_WP_CRON' ) && DISABLE_WP_CRON;
		$cli     = is_array( $seen ) && max( isset( $seen['cli'] ) ? (int) $seen['cli'] : 0, isset( $seen['wp-cli'] ) ? (int) $seen['wp-cli'] : 0 ) > time() - self::WORKER_STALE;

		if ( $no_cron && ! $cli ) {
			return self::result(
				'worker',
				'critical',
				__( 'WP-Cron is disabled and no Waybill runner has been seen', 'waybill' ),
				sprintf(
					/* translators: %s: command line. */
					__( 'Events are only delivered after a capture starts a loopback request. Add a system cron job that runs every minute: %s', 'waybill' ),
					'<code>php ' . esc_html( WAYBILL_DIR . 'bin/waybill-worker.php' ) . ' --path=' . esc_html( untrailingslashit( ABSPATH ) ) . '</code>'
				)
			);
		}
		if ( ! $at || $at < time() - self::WORKER_STALE ) {
			return self::result(
				'worker',
				'recommended',
				__( 'The Waybill worker has not run recently', 'waybill' ),
				$at
					/* translators: %s: time difference, e.g. "2 hours". */
					? sprintf( __( 'Last run: %s ago.', 'waybill' ), esc_html( human_time_diff( $at ) ) )
					: __( 'No run recorded yet.', 'waybill' )
			);
		}
		return self::result(
			'worker',
			'good',
			__( 'The Waybill worker runs', 'waybill' ),
			/* translators: 1: time difference, 2: runner name. */
			sprintf( __( 'Last run: %1$s ago, by %2$s.', 'waybill' ), esc_html( human_time_diff( $at ) ), esc_html( (string) $last['runner'] ) )
		);
	}

	/**
	 * Are events stuck or dead?
	 *
	 * @return array
	 */
	public static function test_queue() {
		global $wpdb;
		$table = Waybill_Schema::table( 'events' );
		$stuck = (int) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$table} WHERE status = %s AND next_attempt_at < %s", Waybill_Outbox::PENDING, gmdate( 'Y-m-d H:i:s', time() - self::STUCK_AFTER ) ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		$dead  = (int) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$table} WHERE status = %s", Waybill_Outbox::DEAD ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		$held  = (int) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$table} WHERE status = %s", Waybill_Outbox::HELD ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared

		if ( $stuck || $dead || $held ) {
			return self::result(
				'queue',
				'recommended',
				__( 'Some Waybill events need attention', 'waybill' ),
				sprintf(
					/* translators: 1: stuck events, 2: dead events, 3: events without an endpoint. */
					__( '%1$d overdue, %2$d failed for good (replay them from the events list), %3$d waiting for an endpoint that accepts their type.', 'waybill' ),
					$stuck,
					$dead,
					$held
				) . ' <a href="' . esc_url( admin_url( 'admin.php?page=waybill' ) ) . '">' . esc_html__( 'Open the events list', 'waybill' ) . '</a>'
			);
		}
		return self::result( 'queue', 'good', __( 'No Waybill events are stuck or dead', 'waybill' ), __( 'Every event is delivered or on schedule.', 'waybill' ) );
	}

	/**
	 * Are endpoints disabled or missing secrets?
	 *
	 * @return array
	 */
	public static function test_endpoints() {
		$problems = array();
		foreach ( Waybill_Endpoints::all() as $id => $endpoint ) {
			if ( ! $endpoint['enabled'] ) {
				$problems[] = 'endpoint.gone' === $endpoint['disabled_reason']
					/* translators: %s: endpoint name. */
					? sprintf( __( '%s was disabled because the receiver answered 410 Gone.', 'waybill' ), esc_html( $endpoint['name'] ) )
					/* translators: %s: endpoint name. */
					: sprintf( __( '%s is disabled.', 'waybill' ), esc_html( $endpoint['name'] ) );
			}
			if ( empty( Waybill_Endpoints::secrets( $id )['keys'] ) ) {
				/* translators: %s: endpoint name. */
				$problems[] = sprintf( __( '%s has no secret; its events wait unsent.', 'waybill' ), esc_html( $endpoint['name'] ) );
			}
		}
		if ( $problems ) {
			return self::result( 'endpoints', 'recommended', __( 'Some Waybill endpoints cannot receive events', 'waybill' ), implode( ' ', $problems ) );
		}
		return self::result( 'endpoints', 'good', __( 'Waybill endpoints are enabled', 'waybill' ), __( 'Every endpoint is enabled and has a secret.', 'waybill' ) );
	}

	/**
	 * How to install the extension (shown in Site Health and the admin notice).
	 *
	 * @return string HTML.
	 */
	public static function install_help() {
		return '<p>' . esc_html__( 'Waybill validates and signs every event with its PHP extension. Until it is loaded, captures return the error waybill_extension_missing and nothing is sent.', 'waybill' ) . '</p>'
			. '<p>' . esc_html__( 'To install it from the Waybill source tree, run as root:', 'waybill' ) . '</p>'
			. '<p><code>make -C php-ext install</code></p>'
			. '<p>' . sprintf(
				/* translators: %s: PHP version. */
				esc_html__( 'This builds the extension for PHP %s, enables it for the command line and PHP-FPM, and asks you to restart PHP-FPM or your web server. Check with: php -m | grep waybill', 'waybill' ),
				esc_html( PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION )
			) . '</p>';
	}

	/**
	 * Adds a Waybill section to Site Health > Info (no secrets).
	 *
	 * @param array $info Sections.
	 * @return array
	 */
	public static function debug_information( $info ) {
		$last   = get_option( Waybill_Worker::LAST_RUN_OPTION, array() );
		$fields = array(
			'extension' => array(
				'label' => __( 'Extension version', 'waybill' ),
				'value' => Waybill_Core::available() ? Waybill_Core::version() : __( 'not loaded', 'waybill' ),
			),
			'schema'    => array(
				'label' => __( 'Schema version', 'waybill' ),
				'value' => (string) get_option( Waybill_Schema::OPTION, '0' ),
			),
			'last_run'  => array(
				'label' => __( 'Last worker run', 'waybill' ),
				'value' => is_array( $last ) && isset( $last['at'] ) ? gmdate( 'c', (int) $last['at'] ) . ' (' . $last['runner'] . ')' : __( 'never', 'waybill' ),
			),
		);
		foreach ( Waybill_Endpoints::all() as $id => $endpoint ) {
			$fields[ 'endpoint_' . $id ] = array(
				/* translators: %s: endpoint id. */
				'label' => sprintf( __( 'Endpoint %s', 'waybill' ), $id ),
				'value' => sprintf( '%s, %s, secret: %s', $endpoint['url'], $endpoint['enabled'] ? 'enabled' : 'disabled', Waybill_Endpoints::secrets( $id )['source'] ),
			);
		}
		$info['waybill'] = array(
			'label'  => __( 'Waybill', 'waybill' ),
			'fields' => $fields,
		);
		return $info;
	}

	/**
	 * A Site Health result.
	 *
	 * @param string $name        Test name.
	 * @param string $status      good, recommended, critical.
	 * @param string $label       Title.
	 * @param string $description HTML.
	 * @return array
	 */
	private static function result( $name, $status, $label, $description ) {
		return array(
			'label'       => $label,
			'status'      => $status,
			'badge'       => array(
				'label' => __( 'Waybill', 'waybill' ),
				'color' => 'good' === $status ? 'blue' : 'red',
			),
			'description' => wp_kses_post( 0 === strpos( $description, '<p>' ) ? $description : '<p>' . $description . '</p>' ),
			'test'        => 'waybill_' . $name,
		);
	}
}
