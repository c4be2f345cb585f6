<?php
/**
 * What starts the worker: WP-Cron every minute, a non-blocking loopback
 * request right after a capture, and (elsewhere) the CLI runner and WP-CLI.
 *
 * @package Waybill
 */

defined( 'ABSPATH' ) || exit;

/**
 * Schedules and fires worker runs.
 */
final class Waybill_Triggers {

	const CRON_HOOK     = 'waybill_run_worker';
	const PURGE_HOOK    = 'waybill_purge';
	const SCHEDULE      = 'waybill_every_minute';
	const LOOPBACK_LOCK = 'waybill_loopback_lock';

	/** Seconds between two loopback requests from one site. */
	const LOOPBACK_THROTTLE = 2;

	/** Seconds a worker token for the loopback route stays valid (two buckets). */
	const TOKEN_BUCKET = 300;

	/**
	 * Whether this request captured something and should start a worker.
	 *
	 * @var bool
	 */
	private static $pending_loopback = false;

	/**
	 * Hooks cron and makes sure the events are scheduled.
	 */
	public static function init() {
		add_filter( 'cron_schedules', array( __CLASS__, 'add_schedule' ) ); // phpcs:ignore WordPress.WP.CronInterval.ChangeDetected -- every minute is the point.
		add_action( self::CRON_HOOK, array( __CLASS__, 'run_from_cron' ) );
		add_action( 'init', array( __CLASS__, 'schedule' ) );
	}

	/**
	 * Adds the one-minute schedule.
	 *
	 * @param array $schedules Schedules.
	 * @return array
	 */
	public static function add_schedule( $schedules ) {
		$schedules[ self::SCHEDULE ] = array(
			'interval' => MINUTE_IN_SECONDS,
			'display'  => __( 'Every minute (Waybill)', 'waybill' ),
		);
		return $schedules;
	}

	/**
	 * Schedules the worker and the daily purge when they are not yet.
	 */
	public static function schedule() {
		if ( ! wp_next_scheduled( self::CRON_HOOK ) ) {
			wp_schedule_event( time() + MINUTE_IN_SECONDS, self::SCHEDULE, self::CRON_HOOK );
		}
		if ( ! wp_next_scheduled( self::PURGE_HOOK ) ) {
			wp_schedule_event( time() + HOUR_IN_SECONDS, 'daily', self::PURGE_HOOK );
		}
	}

	/**
	 * Removes both scheduled events (deactivation).
	 */
	public static function unschedule() {
		wp_clear_scheduled_hook( self::CRON_HOOK );
		wp_clear_scheduled_hook( self::PURGE_HOOK );
	}

	/**
	 * WP-Cron callback.
	 */
	public static function run_from_cron() {
		Waybill_Worker::run( array( 'runner' => 'cron' ) );
	}

	/**
	 * Asks for a loopback request at the end of this request.
	 */
	public static function request_loopback() {
		if ( self::$pending_loopback || ! self::loopback_enabled() ) {
			return;
		}
		self::$pending_loopback = true;
		add_action( 'shutdown', array( __CLASS__, 'fire_loopback' ), 1 );
	}

	/**
	 * Whether loopback requests are on (setting, and the `WAYBILL_DISABLE_LOOPBACK` constant).
	 *
	 * @return bool
	 */
	public static function loopback_enabled() {
		if ( defined( 'WAYBILL_DISABLE_LOOPBACK' ) && WAYBILL_DISABLE_LOOPBACK ) {
			return false;
		}
		return (bool) Waybill_Settings::get( 'loopback' );
	}

	/**
	 * Sends the non-blocking request that starts a worker on this site.
	 */
	public static function fire_loopback() {
		if ( get_transient( self::LOOPBACK_LOCK ) ) {
			return;
		}
		set_transient( self::LOOPBACK_LOCK, 1, self::LOOPBACK_THROTTLE );
		if ( function_exists( 'fastcgi_finish_request' ) ) {
			fastcgi_finish_request();
		}
		wp_remote_post(
			rest_url( 'waybill/v1/worker' ),
			array(
				'blocking'  => false,
				'timeout'   => 0.01,
				'sslverify' => apply_filters( 'https_local_ssl_verify', false ),
				'headers'   => array( 'X-Waybill-Worker' => self::worker_token() ),
			)
		);
	}

	/**
	 * The token that lets the loopback route start a worker.
	 *
	 * @param int $offset Buckets back from now.
	 * @return string
	 */
	public static function worker_token( $offset = 0 ) {
		$bucket = (int) floor( time() / self::TOKEN_BUCKET ) - $offset;
		return hash_hmac( 'sha256', 'waybill-worker|' . $bucket, wp_salt( 'auth' ) );
	}

	/**
	 * Checks a loopback token (this bucket or the previous one).
	 *
	 * @param string $token Token from the request.
	 * @return bool
	 */
	public static function verify_worker_token( $token ) {
		$token = (string) $token;
		return hash_equals( self::worker_token(), $token ) || hash_equals( self::worker_token( 1 ), $token );
	}
}
