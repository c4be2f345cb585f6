<?php
/**
 * Installs WordPress for the end-to-end tests and the demo, then configures Waybill.
 *
 * Run with the WordPress root as the working directory's argument:
 *     php install-wp.php <wordpress root>
 * Reads WAYBILL_WP_ADMIN_PASSWORD, WAYBILL_ENDPOINT_URL, WAYBILL_ENDPOINT_SECRET,
 * WAYBILL_INBOUND_SECRET from the environment. Prints a JSON summary.
 * Safe to run again: an installed site is only reconfigured.
 *
 * @package Waybill
 */

if ( 'cli' !== PHP_SAPI || $argc < 2 ) {
	fwrite( STDERR, "usage: php install-wp.php <wordpress root>\n" );
	exit( 2 );
}
$_SERVER['HTTP_HOST']   = parse_url( getenv( 'WAYBILL_WP_URL' ), PHP_URL_HOST ) . ':' . parse_url( getenv( 'WAYBILL_WP_URL' ), PHP_URL_PORT );
$_SERVER['REQUEST_URI'] = '/';
define( 'WP_INSTALLING', true );
require rtrim( $argv[1], '/' ) . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';

$password = (string) getenv( 'WAYBILL_WP_ADMIN_PASSWORD' );
if ( ! is_blog_installed() ) {
	wp_install( 'Waybill test site', 'admin', 'admin@example.com', false, '', $password, 'en_US' );
}
update_option( 'permalink_structure', '/%postname%/' );
update_option( 'blog_public', '0' );
switch_theme( 'waybill-e2e' );

foreach ( array( 'editor' => 'editor', 'author' => 'author', 'subscriber' => 'subscriber' ) as $login => $role ) {
	if ( ! get_user_by( 'login', $login ) ) {
		wp_insert_user(
			array(
				'user_login' => $login,
				'user_pass'  => $password,
				'user_email' => $login . '@example.com',
				'role'       => $role,
			)
		);
	}
}

$result = activate_plugin( 'waybill/waybill.php' );
if ( is_wp_error( $result ) ) {
	fwrite( STDERR, 'activation failed: ' . $result->get_error_message() . "\n" );
	exit( 1 );
}
// Activation hooks run in this process; make sure the plugin's code is loaded for the rest.
if ( ! class_exists( 'Waybill_Endpoints' ) ) {
	require_once WP_PLUGIN_DIR . '/waybill/waybill.php';
}
Waybill_Schema::install( (int) get_option( Waybill_Schema::OPTION, 0 ) );

$page = get_page_by_path( 'contact' );
if ( ! $page ) {
	$page_id = wp_insert_post(
		array(
			'post_type'    => 'page',
			'post_status'  => 'publish',
			'post_title'   => 'Contact',
			'post_name'    => 'contact',
			'post_content' => '<!-- wp:waybill/lead-form {"title":"Talk to us"} /-->',
		)
	);
} else {
	$page_id = $page->ID;
}

Waybill_Endpoints::save(
	array(
		'id'          => 'receiver',
		'name'        => 'Receiver',
		'url'         => (string) getenv( 'WAYBILL_ENDPOINT_URL' ),
		'event_types' => '',
		'timeout'     => 5,
		'enabled'     => true,
	)
);
Waybill_Endpoints::set_enabled( 'receiver', true );
Waybill_Endpoints::store_secrets( 'receiver', array( (string) getenv( 'WAYBILL_ENDPOINT_SECRET' ) ) );
Waybill_Endpoints::store_inbound_keys( array( (string) getenv( 'WAYBILL_INBOUND_SECRET' ) ) );
flush_rewrite_rules();

echo wp_json_encode(
	array(
		'site'      => home_url( '/' ),
		'admin'     => admin_url(),
		'form_page' => get_permalink( $page_id ),
		'events'    => admin_url( 'admin.php?page=waybill' ),
	)
) . "\n";
