<?php
/**
 * Plugin Name:       Waybill
 * Description:       Captures form and content events as validated, signed webhooks, queued in an outbox and delivered asynchronously with retries.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.1
 * Author:            Waybill contributors
 * License:           MIT OR Apache-2.0
 * Text Domain:       waybill
 * Domain Path:       /languages
 *
 * @package Waybill
 */

defined( 'ABSPATH' ) || exit;

define( 'WAYBILL_VERSION', '0.1.0' );
define( 'WAYBILL_FILE', __FILE__ );
define( 'WAYBILL_DIR', __DIR__ . '/' );

require_once WAYBILL_DIR . 'includes/class-waybill-core.php';
require_once WAYBILL_DIR . 'includes/class-waybill-settings.php';
require_once WAYBILL_DIR . 'includes/class-waybill-schema.php';
require_once WAYBILL_DIR . 'includes/class-waybill-endpoints.php';
require_once WAYBILL_DIR . 'includes/class-waybill-outbox.php';
require_once WAYBILL_DIR . 'includes/class-waybill-capture.php';
require_once WAYBILL_DIR . 'includes/class-waybill-http.php';
require_once WAYBILL_DIR . 'includes/class-waybill-retry.php';
require_once WAYBILL_DIR . 'includes/class-waybill-worker.php';
require_once WAYBILL_DIR . 'includes/class-waybill-triggers.php';
require_once WAYBILL_DIR . 'includes/class-waybill-forms.php';
require_once WAYBILL_DIR . 'includes/class-waybill-content.php';
require_once WAYBILL_DIR . 'includes/class-waybill-writeback.php';
require_once WAYBILL_DIR . 'includes/class-waybill-rest.php';
require_once WAYBILL_DIR . 'includes/class-waybill-privacy.php';
require_once WAYBILL_DIR . 'includes/class-waybill-retention.php';
require_once WAYBILL_DIR . 'includes/class-waybill-site-health.php';
require_once WAYBILL_DIR . 'includes/functions.php';

if ( is_admin() ) {
	require_once WAYBILL_DIR . 'includes/admin/class-waybill-admin.php';
	Waybill_Admin::init();
}

if ( defined( 'WP_CLI' ) && WP_CLI ) {
	require_once WAYBILL_DIR . 'includes/class-waybill-cli.php';
	WP_CLI::add_command( 'waybill', 'Waybill_CLI' );
}

register_activation_hook( __FILE__, array( 'Waybill_Schema', 'activate' ) );
register_deactivation_hook( __FILE__, array( 'Waybill_Triggers', 'unschedule' ) );

add_action( 'plugins_loaded', array( 'Waybill_Schema', 'maybe_upgrade' ) );
add_action(
	'init',
	static function () {
		load_plugin_textdomain( 'waybill', false, dirname( plugin_basename( WAYBILL_FILE ) ) . '/languages' );
	}
);

Waybill_Triggers::init();
Waybill_Forms::init();
Waybill_Content::init();
Waybill_Rest::init();
Waybill_Privacy::init();
Waybill_Retention::init();
Waybill_Site_Health::init();
Waybill_Capture::init();
