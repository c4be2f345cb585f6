<?php
/**
 * Waybill's extension against what a plugin author would write with
 * WordPress core alone, side by side, median of several runs.
 *
 *   php php-ext/bench/bench.php            # all benches, a table at the end
 *   php php-ext/bench/bench.php --quick    # fewer iterations
 *
 * WordPress core is loaded from Debian's `wordpress` package
 * (/usr/share/wordpress, or WP_CORE_DIR) without a database: only the files
 * the REST schema functions need.
 *
 * @package Waybill
 */

// phpcs:disable WordPress.WP.AlternativeFunctions

const WAYBILL_BENCH_SECRET = 'whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const WAYBILL_BENCH_NOW    = 1767225600;

/** Runs per measurement; the median is reported. */
const WAYBILL_BENCH_RUNS = 7;

/** Calls for the memory comparison. */
const WAYBILL_BENCH_MEMORY_CALLS = 100000;

function waybill_bench_load_wordpress(): void {
	$root = rtrim( getenv( 'WP_CORE_DIR' ) ?: '/usr/share/wordpress', '/' ) . '/';
	if ( ! is_file( $root . 'wp-includes/rest-api.php' ) ) {
		fwrite( STDERR, "WordPress core not found in $root: apt-get install wordpress, or set WP_CORE_DIR\n" );
		exit( 2 );
	}
	global $wp_version;
	define( 'ABSPATH', $root );
	define( 'WPINC', 'wp-includes' );
	$files = array( 'compat.php', 'load.php', 'class-wp-error.php', 'plugin.php', 'pomo/translations.php', 'l10n.php', 'functions.php', 'formatting.php', 'kses.php', 'rest-api.php', 'version.php' );
	foreach ( $files as $file ) {
		require_once ABSPATH . WPINC . '/' . $file;
	}
	// No database: answer the one option the sanitizers read, as a UTF-8 site would.
	add_filter( 'pre_option_blog_charset', static fn() => 'UTF-8' );
}

/** A lead of about 2 KB, as a form plugin would hand it over. */
function waybill_bench_lead(): array {
	return array(
		'event_type'      => 'lead.submitted',
		'version'         => '1.0',
		'idempotency_key' => 'lead_01JGZ8X6M7W8Y9Z0A1B2C3D4E5',
		'timestamp'       => '2026-01-01T00:00:00Z',
		'source'          => 'wordpress-contact-form',
		'entity'          => array(
			'type' => 'lead',
			'id'   => 4821,
		),
		'consent'         => true,
		'actor'           => 'anonymous',
		'data'            => array(
			'name'     => 'Ada Lovelace',
			'email'    => 'ada@example.com',
			'company'  => 'Analytical Engines Ltd',
			'message'  => str_repeat( 'Please call me about the engine; Café <3 %dept_name% 😀. ', 28 ),
			'phone'    => '+44 20 7946 0958',
			'page_url' => 'https://example.com/contact/?utm_source=newsletter',
			'consent'  => true,
		),
		'metadata'        => array(
			'site'       => 'https://example.com',
			'locale'     => 'en_US',
			'utm_source' => 'newsletter',
		),
	);
}

/** The lead contract written as a WordPress REST schema. */
function waybill_bench_wp_schema(): array {
	$string = static fn( array $more = array() ): array => array( 'type' => 'string' ) + $more;
	return array(
		'type'                 => 'object',
		'additionalProperties' => false,
		'required'             => array( 'event_type', 'version', 'idempotency_key', 'timestamp', 'source', 'entity', 'consent', 'data' ),
		'properties'           => array(
			'event_type'      => $string( array( 'pattern' => '^[a-z0-9_]+(\.[a-z0-9_]+)+$' ) ),
			'version'         => $string( array( 'pattern' => '^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$' ) ),
			'idempotency_key' => $string( array( 'pattern' => '^[a-z][a-z0-9]{0,15}_[0-7][0-9A-HJKMNP-TV-Z]{25}$' ) ),
			'timestamp'       => $string( array( 'format' => 'date-time' ) ),
			'source'          => $string( array( 'minLength' => 1 ) ),
			'entity'          => array(
				'type'                 => 'object',
				'additionalProperties' => false,
				'required'             => array( 'type', 'id' ),
				'properties'           => array(
					'type' => $string( array( 'minLength' => 1 ) ),
					'id'   => array( 'type' => array( 'integer', 'string' ) ),
				),
			),
			'consent'         => array( 'type' => 'boolean' ),
			'actor'           => $string(),
			'data'            => array(
				'type'                 => 'object',
				'additionalProperties' => false,
				'required'             => array( 'name', 'email', 'message', 'consent' ),
				'properties'           => array(
					'name'     => $string( array( 'minLength' => 1, 'maxLength' => 200 ) ),
					'email'    => $string( array( 'format' => 'email', 'maxLength' => 254 ) ),
					'company'  => $string( array( 'maxLength' => 200 ) ),
					'message'  => $string( array( 'minLength' => 1, 'maxLength' => 5000 ) ),
					'phone'    => $string( array( 'maxLength' => 40, 'pattern' => '^[0-9+(). /-]*$' ) ),
					'page_url' => $string( array( 'format' => 'uri', 'maxLength' => 2000 ) ),
					'consent'  => array( 'type' => 'boolean', 'enum' => array( true ) ),
				),
			),
			'metadata'        => array(
				'type'                 => 'object',
				'additionalProperties' => array( 'type' => 'string' ),
			),
		),
	);
}

/** The WordPress-core path: validate, sanitize, encode, sign. */
function waybill_bench_wp_prepare( array $event, array $schema, string $key ): array {
	$valid = rest_validate_value_from_schema( $event, $schema, 'event' );
	if ( is_wp_error( $valid ) ) {
		throw new RuntimeException( $valid->get_error_message() );
	}
	$clean     = rest_sanitize_value_from_schema( $event, $schema, 'event' );
	$body      = wp_json_encode( $clean );
	$id        = $clean['idempotency_key'];
	$signature = 'v1,' . base64_encode( hash_hmac( 'sha256', $id . '.' . WAYBILL_BENCH_NOW . '.' . $body, $key, true ) );
	return array(
		'body'    => $body,
		'headers' => array(
			'webhook-id'        => $id,
			'webhook-timestamp' => (string) WAYBILL_BENCH_NOW,
			'webhook-signature' => $signature,
		),
	);
}

function waybill_bench_secret_bytes(): string {
	return base64_decode( substr( WAYBILL_BENCH_SECRET, strlen( 'whsec_' ) ), true );
}

/** Median seconds per call of $fn over $calls calls. */
function waybill_bench_time( callable $fn, int $calls ): float {
	$runs = array();
	for ( $r = 0; $r < WAYBILL_BENCH_RUNS; $r++ ) {
		$start = hrtime( true );
		for ( $i = 0; $i < $calls; $i++ ) {
			$fn();
		}
		$runs[] = ( hrtime( true ) - $start ) / 1e9 / $calls;
	}
	sort( $runs );
	return $runs[ intdiv( count( $runs ), 2 ) ];
}

function waybill_bench_peak_rss(): int {
	$status = (string) file_get_contents( '/proc/self/status' );
	return preg_match( '/^VmHWM:\s+(\d+) kB/m', $status, $m ) ? 1024 * (int) $m[1] : 0;
}

/** Child mode: 100,000 prepares of one path, then its peak memory as JSON. */
function waybill_bench_memory_child( string $path ): void {
	$event  = waybill_bench_lead();
	$schema = waybill_bench_wp_schema();
	$key    = waybill_bench_secret_bytes();
	$opts   = array(
		'now'     => WAYBILL_BENCH_NOW,
		'secrets' => array( WAYBILL_BENCH_SECRET ),
	);
	$rss0   = waybill_bench_peak_rss();
	$php0   = memory_get_peak_usage();
	for ( $i = 0; $i < WAYBILL_BENCH_MEMORY_CALLS; $i++ ) {
		$event['entity']['id'] = $i;
		$out                   = 'waybill' === $path ? waybill_prepare( $event, $opts ) : waybill_bench_wp_prepare( $event, $schema, $key );
	}
	echo json_encode(
		array(
			'php_peak'        => memory_get_peak_usage(),
			'php_peak_growth' => memory_get_peak_usage() - $php0,
			'rss_peak'        => waybill_bench_peak_rss(),
			'rss_peak_growth' => waybill_bench_peak_rss() - $rss0,
			'body'            => strlen( $out['body'] ),
		)
	);
}

function waybill_bench_memory( string $path ): array {
	$cmd  = escapeshellarg( PHP_BINARY ) . ' ' . escapeshellarg( __FILE__ ) . ' --memory-child ' . escapeshellarg( $path );
	$json = shell_exec( $cmd );
	return json_decode( (string) $json, true ) ?: array();
}

function waybill_bench_strictness(): array {
	waybill_register_contract(
		array(
			'event_type' => 'bench.order',
			'version'    => '1.0',
			'schema'     => array(
				'type'       => 'object',
				'properties' => array(
					'amount' => array( 'type' => 'integer' ),
					'opt_in' => array( 'type' => 'boolean' ),
				),
			),
		)
	);
	$data  = array(
		'amount' => '12000',
		'opt_in' => '1',
	);
	$event = array(
		'event_type'      => 'bench.order',
		'version'         => '1.0',
		'idempotency_key' => 'bench_01JGZ8X6M7W8Y9Z0A1B2C3D4E5',
		'timestamp'       => '2026-01-01T00:00:00Z',
		'source'          => 'bench',
		'entity'          => array(
			'type' => 'order',
			'id'   => 1,
		),
		'consent'         => true,
		'data'            => $data,
	);
	$rows  = array();
	foreach ( array( 'amount' => 'integer', 'opt_in' => 'boolean' ) as $field => $type ) {
		$wp_valid = rest_validate_value_from_schema( $data[ $field ], array( 'type' => $type ) );
		$wp_clean = rest_sanitize_value_from_schema( $data[ $field ], array( 'type' => $type ) );
		$rows[]   = sprintf(
			'%-8s %-7s %-6s WordPress: %s (sanitized to %s)',
			$field,
			$type,
			var_export( $data[ $field ], true ),
			true === $wp_valid ? 'accepted' : 'rejected',
			var_export( $wp_clean, true )
		);
	}
	try {
		waybill_validate( $event );
		$rows[] = 'Waybill: accepted (WRONG)';
	} catch ( \Waybill\ValidationException $e ) {
		foreach ( $e->getErrors() as $v ) {
			$rows[] = sprintf( 'Waybill: rejected %s with %s', $v['pointer'], $v['code'] );
		}
	}
	return $rows;
}

function waybill_bench_main( array $argv ): int {
	if ( ! extension_loaded( 'waybill' ) ) {
		fwrite( STDERR, "the waybill extension is not loaded: make -C php-ext install\n" );
		return 2;
	}
	waybill_bench_load_wordpress();
	if ( ( $argv[1] ?? '' ) === '--memory-child' ) {
		waybill_bench_memory_child( $argv[2] ?? 'waybill' );
		return 0;
	}
	$quick  = in_array( '--quick', $argv, true );
	$scale  = $quick ? 0.1 : 1.0;
	$event  = waybill_bench_lead();
	$json   = json_encode( $event, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE );
	$schema = waybill_bench_wp_schema();
	$key    = waybill_bench_secret_bytes();
	$opts   = array(
		'now'     => WAYBILL_BENCH_NOW,
		'secrets' => array( WAYBILL_BENCH_SECRET ),
	);

	// Both paths must produce a body that verifies before they are timed.
	$w = waybill_prepare( $event, $opts );
	$p = waybill_bench_wp_prepare( $event, $schema, $key );
	waybill_verify( $w['body'], $w['headers'], array( 'verify_keys' => array( WAYBILL_BENCH_SECRET ), 'now' => WAYBILL_BENCH_NOW ) );
	waybill_verify( $p['body'], $p['headers'], array( 'verify_keys' => array( WAYBILL_BENCH_SECRET ), 'now' => WAYBILL_BENCH_NOW ) );

	printf( "PHP %s, WordPress %s, waybill %s; body %d bytes (Waybill) / %d bytes (WordPress); median of %d runs\n\n", PHP_VERSION, $GLOBALS['wp_version'] ?? '?', phpversion( 'waybill' ), strlen( $w['body'] ), strlen( $p['body'] ), WAYBILL_BENCH_RUNS );

	$rows  = array();
	$n     = (int) ( 20000 * $scale );
	$wt    = waybill_bench_time( fn() => waybill_prepare( $event, $opts ), $n );
	$jt    = waybill_bench_time( fn() => waybill_prepare( $json, $opts ), $n );
	$pt    = waybill_bench_time( fn() => waybill_bench_wp_prepare( $event, $schema, $key ), $n );
	$vt    = waybill_bench_time( fn() => rest_validate_value_from_schema( $event, $schema, 'event' ), $n );
	$rows[] = array( 'prepare 2 KB lead (PHP array in)', $wt * 1e6, $pt * 1e6, 'µs/call' );
	$rows[] = array( 'prepare 2 KB lead (JSON text in)', $jt * 1e6, $pt * 1e6, 'µs/call' );
	printf( "WordPress path: %.1f µs per event, %.0f%% of it in rest_validate_value_from_schema\n", $pt * 1e6, 100 * $vt / $pt );

	foreach ( array( 1024 => 100000, 1048576 => 100 ) as $size => $calls ) {
		$calls = max( 10, (int) ( $calls * $scale ) );
		$body  = str_repeat( 'a', $size );
		$id    = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
		$keys  = array( WAYBILL_BENCH_SECRET );
		$mine  = waybill_sign( $id, WAYBILL_BENCH_NOW, $body, $keys );
		$peer  = 'v1,' . base64_encode( hash_hmac( 'sha256', $id . '.' . WAYBILL_BENCH_NOW . '.' . $body, $key, true ) );
		if ( $mine !== $peer ) {
			fwrite( STDERR, "HMAC mismatch\n" );
			return 1;
		}
		$a      = waybill_bench_time( fn() => waybill_sign( $id, WAYBILL_BENCH_NOW, $body, $keys ), $calls );
		$b      = waybill_bench_time( fn() => 'v1,' . base64_encode( hash_hmac( 'sha256', $id . '.' . WAYBILL_BENCH_NOW . '.' . $body, $key, true ) ), $calls );
		$label  = 1024 === $size ? '1 KiB' : '1 MiB';
		$rows[] = array( "HMAC-SHA256 $label (sign vs hash_hmac)", $size / $a / 1e6, $size / $b / 1e6, 'MB/s' );
	}

	$wm     = waybill_bench_memory( 'waybill' );
	$pm     = waybill_bench_memory( 'wordpress' );
	$rows[] = array( 'peak PHP heap, 100,000 prepares', $wm['php_peak'] / 1048576, $pm['php_peak'] / 1048576, 'MiB' );
	$rows[] = array( '  growth of that peak during the loop', $wm['php_peak_growth'] / 1024, $pm['php_peak_growth'] / 1024, 'KiB' );
	$rows[] = array( 'peak RSS, 100,000 prepares', $wm['rss_peak'] / 1048576, $pm['rss_peak'] / 1048576, 'MiB' );
	$rows[] = array( '  growth of that peak during the loop', $wm['rss_peak_growth'] / 1024, $pm['rss_peak_growth'] / 1024, 'KiB' );

	printf( "\n| %-40s | %12s | %12s | %7s | %-7s |\n", 'bench', 'Waybill', 'WP/PHP', 'ratio', 'unit' );
	printf( "|%s|%s|%s|%s|%s|\n", str_repeat( '-', 42 ), str_repeat( '-', 14 ), str_repeat( '-', 14 ), str_repeat( '-', 9 ), str_repeat( '-', 9 ) );
	foreach ( $rows as list( $name, $mine, $peer, $unit ) ) {
		// Ratio is always "how many times better Waybill is".
		$ratio = 'MB/s' === $unit ? $mine / $peer : ( $mine > 0 ? $peer / $mine : null );
		$shown = null === $ratio ? '-' : sprintf( '%.1fx', $ratio );
		printf( "| %-40s | %12.2f | %12.2f | %7s | %-7s |\n", $name, $mine, $peer, $shown, $unit );
	}

	echo "\nStrictness (same values through both):\n";
	foreach ( waybill_bench_strictness() as $row ) {
		echo '  ', $row, "\n";
	}
	return 0;
}

exit( waybill_bench_main( $argv ) );
