<?php
/**
 * Privacy tools: export and erase captured leads by email address.
 *
 * @package Waybill
 */

defined( 'ABSPATH' ) || exit;

/**
 * Registers the personal data exporter and eraser.
 */
final class Waybill_Privacy {

	const PAGE_SIZE = 100;

	/**
	 * Hooks WordPress's privacy tools.
	 */
	public static function init() {
		add_filter( 'wp_privacy_personal_data_exporters', array( __CLASS__, 'register_exporter' ) );
		add_filter( 'wp_privacy_personal_data_erasers', array( __CLASS__, 'register_eraser' ) );
		add_action( 'admin_init', array( __CLASS__, 'policy_text' ) );
	}

	/**
	 * Adds the exporter.
	 *
	 * @param array $exporters Exporters.
	 * @return array
	 */
	public static function register_exporter( $exporters ) {
		$exporters['waybill'] = array(
			'exporter_friendly_name' => __( 'Waybill leads', 'waybill' ),
			'callback'               => array( __CLASS__, 'export' ),
		);
		return $exporters;
	}

	/**
	 * Adds the eraser.
	 *
	 * @param array $erasers Erasers.
	 * @return array
	 */
	public static function register_eraser( $erasers ) {
		$erasers['waybill'] = array(
			'eraser_friendly_name' => __( 'Waybill leads', 'waybill' ),
			'callback'             => array( __CLASS__, 'erase' ),
		);
		return $erasers;
	}

	/**
	 * Exports the leads submitted with an email address.
	 *
	 * @param string $email Email address.
	 * @param int    $page  Page, from 1.
	 * @return array
	 */
	public static function export( $email, $page = 1 ) {
		global $wpdb;
		$leads  = Waybill_Schema::table( 'leads' );
		$offset = ( max( 1, (int) $page ) - 1 ) * self::PAGE_SIZE;
		$rows   = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$leads} WHERE email = %s ORDER BY id LIMIT %d OFFSET %d", $email, self::PAGE_SIZE, $offset ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared

		$items = array();
		foreach ( $rows as $row ) {
			$fields = array(
				'name'           => __( 'Name', 'waybill' ),
				'email'          => __( 'Email', 'waybill' ),
				'company'        => __( 'Company', 'waybill' ),
				'phone'          => __( 'Phone', 'waybill' ),
				'message'        => __( 'Message', 'waybill' ),
				'created_at'     => __( 'Submitted (UTC)', 'waybill' ),
				'classification' => __( 'Classification', 'waybill' ),
			);
			$data = array();
			foreach ( $fields as $column => $label ) {
				if ( null !== $row->$column && '' !== $row->$column ) {
					$data[] = array(
						'name'  => $label,
						'value' => (string) $row->$column,
					);
				}
			}
			$items[] = array(
				'group_id'    => 'waybill-leads',
				'group_label' => __( 'Leads (Waybill)', 'waybill' ),
				'item_id'     => 'waybill-lead-' . (int) $row->id,
				'data'        => $data,
			);
		}
		return array(
			'data' => $items,
			'done' => count( $rows ) < self::PAGE_SIZE,
		);
	}

	/**
	 * Erases leads with an email address and the outbox copies of their events.
	 *
	 * Undelivered events lose their body and become dead (`privacy.erased`), so
	 * an erased person's data never leaves the site afterwards.
	 *
	 * @param string $email Email address.
	 * @param int    $page  Page (unused; everything matching is erased at once).
	 * @return array
	 */
	public static function erase( $email, $page = 1 ) {
		global $wpdb;
		$leads  = Waybill_Schema::table( 'leads' );
		$events = Waybill_Schema::table( 'events' );
		$ids    = array_map( 'intval', $wpdb->get_col( $wpdb->prepare( "SELECT id FROM {$leads} WHERE email = %s LIMIT 1000", $email ) ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared

		$removed = 0;
		foreach ( $ids as $id ) {
			$removed += (int) $wpdb->query( $wpdb->prepare( "UPDATE {$events} SET input = NULL, body = '', status = IF(status = 'delivered', status, 'dead'), last_error_code = IF(status = 'delivered', last_error_code, 'privacy.erased'), updated_at = %s WHERE entity_type = 'lead' AND entity_id = %s", gmdate( 'Y-m-d H:i:s' ), (string) $id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
			$wpdb->delete( $leads, array( 'id' => $id ), array( '%d' ) );
			++$removed;
		}

		// Events captured by other code may still carry the address in their input.
		$like     = '%' . $wpdb->esc_like( wp_json_encode( (string) $email ) ) . '%';
		$removed += (int) $wpdb->query( $wpdb->prepare( "UPDATE {$events} SET input = NULL, body = '', status = IF(status = 'delivered', status, 'dead'), last_error_code = IF(status = 'delivered', last_error_code, 'privacy.erased'), updated_at = %s WHERE input LIKE %s", gmdate( 'Y-m-d H:i:s' ), $like ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared

		return array(
			'items_removed'  => $removed > 0,
			'items_retained' => false,
			'messages'       => array(),
			'done'           => count( $ids ) < 1000,
		);
	}

	/**
	 * Suggested privacy policy text.
	 */
	public static function policy_text() {
		if ( ! function_exists( 'wp_add_privacy_policy_content' ) ) {
			return;
		}
		wp_add_privacy_policy_content(
			__( 'Waybill', 'waybill' ),
			wp_kses_post( '<p>' . __( 'When you send the contact form, we store your name, email address, company, phone number (if given) and message, and pass them as a signed message to the services we use to answer you. We keep delivery records for a limited time.', 'waybill' ) . '</p>' )
		);
	}
}
