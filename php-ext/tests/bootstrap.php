<?php
/**
 * PHPUnit bootstrap: the extension must be loaded (installed, or given with
 * `php -d extension=/path/to/libwaybill_php.so`).
 *
 * @package Waybill
 */

if ( ! extension_loaded( 'waybill' ) ) {
	fwrite( STDERR, "The waybill extension is not loaded: run `make -C php-ext install` first.\n" );
	exit( 1 );
}

require_once __DIR__ . '/VectorRunner.php';
