<?php
/**
 * Router for `php -S`: serves files that exist, sends everything else to
 * WordPress's index.php (pretty permalinks and /wp-json/).
 *
 * @package Waybill
 */

$waybill_root = $_SERVER['DOCUMENT_ROOT'];
$waybill_path = urldecode( (string) parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH ) );

// php -S does not apply auto_prepend_file to the router itself; scripts it
// requires below need it (the test stand-in for the extension uses it).
$waybill_prepend = (string) ini_get( 'auto_prepend_file' );

if ( false !== strpos( $waybill_path, '..' ) ) {
	http_response_code( 400 );
	return true;
}
$waybill_file = $waybill_root . $waybill_path;
if ( is_dir( $waybill_file ) && is_file( rtrim( $waybill_file, '/' ) . '/index.php' ) ) {
	if ( '/' !== substr( $waybill_path, -1 ) ) {
		header( 'Location: ' . $waybill_path . '/', true, 301 );
		return true;
	}
	$_SERVER['SCRIPT_NAME']     = rtrim( $waybill_path, '/' ) . '/index.php';
	$_SERVER['SCRIPT_FILENAME'] = rtrim( $waybill_file, '/' ) . '/index.php';
	$_SERVER['PHP_SELF']        = $_SERVER['SCRIPT_NAME'];
	chdir( dirname( $_SERVER['SCRIPT_FILENAME'] ) );
	if ( '' !== $waybill_prepend ) {
		require_once $waybill_prepend;
	}
	require $_SERVER['SCRIPT_FILENAME'];
	return true;
}
if ( is_file( $waybill_file ) ) {
	return false;
}
$_SERVER['SCRIPT_NAME']     = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $waybill_root . '/index.php';
$_SERVER['PHP_SELF']        = '/index.php';
chdir( $waybill_root );
if ( '' !== $waybill_prepend ) {
	require_once $waybill_prepend;
}
require $waybill_root . '/index.php';
return true;
