<?php
/**
 * Served by the php-fpm pool under test. `?case=NAME` runs one hostile
 * input through the extension and prints one line: the case, the outcome
 * (`ok`, a Waybill code, or a PHP error class) and this worker's pid.
 *
 * @package Waybill
 */

header( 'Content-Type: text/plain' );

const SECRET = 'whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';

function lead(): array {
	return array(
		'event_type' => 'lead.submitted',
		'source'     => 'fpm-test',
		'entity'     => array( 'type' => 'lead', 'id' => 1 ),
		'consent'    => true,
		'data'       => array(
			'name'    => 'Ada',
			'email'   => 'ada@example.com',
			'message' => 'Hi',
			'consent' => true,
		),
	);
}

function deep( int $n ): array {
	$a = array();
	for ( $i = 0; $i < $n; $i++ ) {
		$a = array( $a );
	}
	return $a;
}

function fuzz( int $seed, int $len ): string {
	mt_srand( $seed );
	$alphabet = "{}[]\":,0123456789.eE+-truefalsnl \\u\xff\xc3\xa9\x00abc";
	$out      = '';
	for ( $i = 0; $i < $len; $i++ ) {
		$out .= $alphabet[ mt_rand( 0, strlen( $alphabet ) - 1 ) ];
	}
	return $out;
}

$cases = array(
	'health'               => function () {
		$p = waybill_prepare( lead(), array( 'secrets' => array( SECRET ) ) );
		waybill_verify( $p['body'], $p['headers'], array( 'verify_keys' => array( SECRET ) ) );
		return 'ok';
	},
	'deep_array'           => fn() => waybill_prepare( array( 'data' => deep( 200000 ) ) + lead() ),
	'self_reference'       => function () {
		$e                 = lead();
		$e['data']['self'] = &$e;
		return waybill_prepare( $e );
	},
	'deep_json'            => fn() => waybill_validate( str_repeat( '[', 200000 ) ),
	'deep_json_raised_max' => fn() => waybill_validate( str_repeat( '[', 400000 ), array( 'limits' => array( 'max_depth' => 256, 'max_body_bytes' => 1 << 20 ) ) ),
	'depth_over_ceiling'   => fn() => waybill_validate( str_repeat( '[', 400000 ), array( 'limits' => array( 'max_depth' => 10000000, 'max_body_bytes' => 1 << 20 ) ) ),
	'huge_body'            => fn() => waybill_receive( str_repeat( 'a', 8 << 20 ), array(), array( 'verify_keys' => array( SECRET ) ) ),
	'huge_string_event'    => fn() => waybill_prepare( array( 'data' => array( 'name' => str_repeat( 'é', 4 << 20 ) ) ) + lead() ),
	'huge_signature'       => fn() => waybill_verify(
		'{}',
		array( 'webhook-id' => 'x', 'webhook-timestamp' => time(), 'webhook-signature' => str_repeat( 'v1,AAAA ', 200000 ) ),
		array( 'verify_keys' => array( SECRET ) )
	),
	'many_signatures'      => fn() => waybill_verify(
		'{}',
		array( 'webhook-id' => 'x', 'webhook-timestamp' => time(), 'webhook-signature' => str_repeat( 'v1,' . base64_encode( str_repeat( 'a', 32 ) ) . ' ', 1000 ) ),
		array( 'verify_keys' => array( SECRET ) )
	),
	'invalid_utf8'         => fn() => waybill_prepare( array( 'data' => array( "\xff\xfe" => "\xc3\x28" ) ) + lead() ),
	'nan_closure_resource' => fn() => waybill_prepare( array( 'data' => array( 'a' => NAN, 'b' => fn() => 1, 'c' => 'x' ) ) + lead() ),
	'resource'             => fn() => waybill_prepare( array( 'data' => array( 'c' => fopen( 'php://memory', 'r' ) ) ) + lead() ),
	'integer_edges'        => fn() => waybill_sign( 'id', PHP_INT_MIN, 'b', array( SECRET ) ),
	'timestamp_overflow'   => fn() => waybill_verify(
		'{}',
		array( 'webhook-id' => 'x', 'webhook-timestamp' => '999999999999999999', 'webhook-signature' => 'v1,AAAA' ),
		array( 'verify_keys' => array( SECRET ), 'now' => 0, 'tolerance' => PHP_INT_MAX )
	),
	'now_out_of_range'     => fn() => waybill_verify(
		'{}',
		array( 'webhook-id' => 'x', 'webhook-timestamp' => '999999999999999999', 'webhook-signature' => 'v1,AAAA' ),
		array( 'verify_keys' => array( SECRET ), 'now' => PHP_INT_MIN, 'tolerance' => PHP_INT_MAX )
	),
	'options_garbage'      => fn() => waybill_prepare( lead(), array( 'limits' => array( 'max_depth' => PHP_INT_MAX, 'max_body_bytes' => -1 ) ) ),
	'options_nested'       => fn() => waybill_prepare( lead(), array( 'privacy' => deep( 100000 ) ) ),
	'contracts_garbage'    => fn() => waybill_prepare( lead(), array( 'contracts' => array( array( 'event_type' => 'a.b', 'version' => '1.0', 'schema' => array( '$ref' => '#/x', 'pattern' => '(' ) ) ) ) ),
	'huge_prefix'          => fn() => waybill_idempotency_key( str_repeat( 'a', 1 << 20 ) ),
	'bad_keys'             => fn() => waybill_sign( 'id', 1, 'b', array( 'whsk_' . str_repeat( '=', 1000 ), 'whsec_', 'whpk_AAAA' ) ),
	'register_garbage'     => fn() => waybill_register_contract( fuzz( 7, 5000 ) ),
	'diff_garbage'         => fn() => waybill_diff_contracts( array( 'schema' => deep( 50000 ) ), '[]' ),
	'type_error'           => fn() => waybill_sign( array(), 'x', null, 'y' ),
	'fuzz'                 => function () {
		$codes = array();
		for ( $seed = 0; $seed < 300; $seed++ ) {
			$text = fuzz( $seed, 1 + $seed * 7 );
			foreach ( array( 'waybill_validate', 'waybill_sanitize', 'waybill_canonicalize' ) as $fn ) {
				try {
					$fn( $text );
				} catch ( \Waybill\Exception $e ) {
					$codes[ $e->getErrorCode() ] = true;
				}
			}
			try {
				waybill_receive( $text, array( 'webhook-id' => $text, 'webhook-timestamp' => $text, 'webhook-signature' => $text ), array( 'verify_keys' => array( SECRET ) ) );
			} catch ( \Waybill\Exception $e ) {
				$codes[ $e->getErrorCode() ] = true;
			}
		}
		return 'ok ' . count( $codes ) . ' codes';
	},
);

$case = (string) ( $_GET['case'] ?? '' );
if ( ! isset( $cases[ $case ] ) ) {
	http_response_code( 404 );
	echo implode( "\n", array_keys( $cases ) ), "\n";
	return;
}
try {
	$result  = $cases[ $case ]();
	$outcome = is_string( $result ) ? $result : 'ok';
} catch ( \Waybill\Exception $e ) {
	$outcome = $e->getErrorCode();
} catch ( \Throwable $e ) {
	$outcome = get_class( $e ) . ': ' . substr( $e->getMessage(), 0, 120 );
}
echo $case, ' => ', $outcome, ' pid=', getmypid(), "\n";
