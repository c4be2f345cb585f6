<?php
/**
 * Uninstall: removes Waybill's data only if the admin opted in.
 *
 * Scheduled events are always removed; tables, leads, options and secrets only
 * when "Delete all Waybill data" was ticked in the settings.
 *
 * @package Waybill
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

require_once __DIR__ . '/includes/class-waybill-settings.php';
require_once __DIR__ . '/includes/class-waybill-schema.php';

wp_clear_scheduled_hook( 'waybill_run_worker' );
wp_clear_scheduled_hook( 'waybill_purge' );

$waybill_settings = get_option( Waybill_Settings::OPTION, array() );
if ( is_array( $waybill_settings ) && ! empty( $waybill_settings['delete_on_uninstall'] ) ) {
	Waybill_Schema::drop_all();
}
