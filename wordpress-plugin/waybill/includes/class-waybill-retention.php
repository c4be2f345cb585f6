<?php
/**
 * Retention: a daily purge of old delivered and dead events, their attempts,
 * inbound records and (when configured) leads.
 *
 * @package Waybill
 */

defined( 'ABSPATH' ) || exit;

/**
 * Deletes what is older than the retention settings allow.
 */
final class Waybill_Retention {

	/** Rows deleted per statement, so a large purge never holds long locks. */
	const CHUNK = 1000;

	/**
	 * Hooks the daily purge.
	 */
	public static function init() {
		add_action( Waybill_Triggers::PURGE_HOOK, array( __CLASS__, 'purge' ) );
	}

	/**
	 * Purges everything past its retention period.
	 *
	 * @return int[] Rows deleted by kind.
	 */
	public static function purge() {
		$settings = Waybill_Settings::all();
		$deleted  = array(
			'delivered' => self::purge_events( Waybill_Outbox::DELIVERED, (int) $settings['retention_days'] ),
			'dead'      => self::purge_events( Waybill_Outbox::DEAD, (int) $settings['dead_retention_days'] ),
			'inbound'   => self::purge_table( 'inbound', 'received_at', (int) $settings['retention_days'] ),
			'leads'     => self::purge_table( 'leads', 'created_at', (int) $settings['lead_retention_days'] ),
		);
		update_option( 'waybill_last_purge', array( 'at' => time(), 'deleted' => $deleted ), false );
		return $deleted;
	}

	/**
	 * Deletes events of a status last changed more than $days ago, with their attempts.
	 *
	 * @param string $status Status.
	 * @param int    $days   Days to keep; 0 keeps everything.
	 * @return int
	 */
	private static function purge_events( $status, $days ) {
		global $wpdb;
		if ( $days < 1 ) {
			return 0;
		}
		$events   = Waybill_Schema::table( 'events' );
		$attempts = Waybill_Schema::table( 'attempts' );
		$cutoff   = gmdate( 'Y-m-d H:i:s', time() - $days * DAY_IN_SECONDS );
		$total    = 0;
		do {
			$ids = array_map( 'intval', $wpdb->get_col( $wpdb->prepare( "SELECT id FROM {$events} WHERE status = %s AND updated_at < %s ORDER BY id LIMIT %d", $status, $cutoff, self::CHUNK ) ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
			if ( empty( $ids ) ) {
				break;
			}
			$in = implode( ',', $ids );
			$wpdb->query( "DELETE FROM {$attempts} WHERE event_id IN ({$in})" ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- integers only.
			$total += (int) $wpdb->query( "DELETE FROM {$events} WHERE id IN ({$in})" ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- integers only.
		} while ( count( $ids ) === self::CHUNK );
		return $total;
	}

	/**
	 * Deletes rows of a table older than $days by a date column.
	 *
	 * @param string $name   Short table name.
	 * @param string $column Date column.
	 * @param int    $days   Days to keep; 0 keeps everything.
	 * @return int
	 */
	private static function purge_table( $name, $column, $days ) {
		global $wpdb;
		if ( $days < 1 ) {
			return 0;
		}
		$table  = Waybill_Schema::table( $name );
		$cutoff = gmdate( 'Y-m-d H:i:s', time() - $days * DAY_IN_SECONDS );
		$total  = 0;
		do {
			$deleted = (int) $wpdb->query( $wpdb->prepare( "DELETE FROM {$table} WHERE {$column} < %s LIMIT %d", $cutoff, self::CHUNK ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
			$total  += $deleted;
		} while ( self::CHUNK === $deleted );
		return $total;
	}
}
