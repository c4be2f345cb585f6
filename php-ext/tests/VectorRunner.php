<?php
/**
 * Runs one conformance vector through the extension and shapes the outcome
 * exactly as crates/waybill/tests/vectors.rs does, so both compare against
 * the same `expect`.
 *
 * @package Waybill
 */

namespace Waybill\Tests;

final class VectorRunner {

	/** Where the shared vectors live. */
	public const VECTORS_DIR = __DIR__ . '/../../tests/vectors';

	/**
	 * Every case of every file, keyed "file: name".
	 *
	 * Inputs are decoded with JSON objects kept as stdClass, so an empty `{}`
	 * inside an option (a schema, say) stays an object on its way to the core.
	 *
	 * @return array<string, array{string, object, array}> op, input, expect.
	 */
	public static function cases(): array {
		$files = glob( self::VECTORS_DIR . '/*.json' );
		sort( $files );
		$out = array();
		foreach ( $files as $file ) {
			$text    = file_get_contents( $file );
			$objects = json_decode( $text, false, 512, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING );
			$arrays  = json_decode( $text, true, 512, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING );
			foreach ( $objects->cases as $i => $case ) {
				$key         = basename( $file ) . ': ' . $case->name;
				$out[ $key ] = array( $case->op, $case->input, $arrays['cases'][ $i ]['expect'] );
			}
		}
		return $out;
	}

	/**
	 * Runs a case; returns `['ok' => …]` or `['error' => …]`.
	 */
	public static function run( string $op, object $input ): array {
		try {
			return array( 'ok' => self::call( $op, $input ) );
		} catch ( \Waybill\Exception $e ) {
			return array( 'error' => self::error( $e ) );
		}
	}

	/** The error as the Rust runner shapes it: code, pointer, and errors when any. */
	public static function error( \Waybill\Exception $e ): array {
		$out = array(
			'code'    => $e->getErrorCode(),
			'pointer' => $e->getPointer(),
		);
		if ( array() !== $e->getErrors() ) {
			$out['errors'] = array_map(
				static fn( array $v ): array => array(
					'code'    => $v['code'],
					'pointer' => $v['pointer'],
				),
				$e->getErrors()
			);
		}
		return $out;
	}

	/** A field as raw bytes: `X`, or `X_base64` decoded. */
	private static function bytes( object $input, string $key ): string {
		if ( isset( $input->$key ) ) {
			return $input->$key;
		}
		$b64 = $key . '_base64';
		return base64_decode( $input->$b64, true );
	}

	private static function options( object $input ): array {
		return isset( $input->options ) ? (array) $input->options : array();
	}

	private static function changes( array $changes ): array {
		return array_map(
			static fn( array $c ): array => array(
				'pointer' => $c['pointer'],
				'kind'    => $c['kind'],
			),
			$changes
		);
	}

	private static function call( string $op, object $input ): array {
		switch ( $op ) {
			case 'canonicalize':
				return array( 'body' => waybill_canonicalize( self::bytes( $input, 'json' ), self::options( $input ) ) );
			case 'validate':
				$v = waybill_validate( self::bytes( $input, 'event' ), self::options( $input ) );
				return array(
					'event_type' => $v['event_type'],
					'version'    => $v['version'],
				);
			case 'sanitize':
				$s = waybill_sanitize( self::bytes( $input, 'event' ), self::options( $input ) );
				return array(
					'body'    => $s['body'],
					'changes' => self::changes( $s['changes'] ),
				);
			case 'prepare':
				$p = waybill_prepare( self::bytes( $input, 'event' ), self::options( $input ) );
				return array(
					'body'            => $p['body'],
					'idempotency_key' => $p['idempotency_key'],
					'headers'         => $p['headers'],
					'changes'         => self::changes( $p['changes'] ),
				);
			case 'sign':
				$sig = waybill_sign( self::bytes( $input, 'id' ), $input->timestamp, self::bytes( $input, 'body' ), $input->keys );
				return array( 'signature' => $sig );
			case 'verify':
				$v = waybill_verify( self::bytes( $input, 'body' ), (array) ( $input->headers ?? array() ), self::options( $input ) );
				return array(
					'id'        => $v['id'],
					'timestamp' => $v['timestamp'],
				);
			case 'receive':
				$r = waybill_receive( self::bytes( $input, 'body' ), (array) ( $input->headers ?? array() ), self::options( $input ) );
				return array(
					'id'         => $r['id'],
					'timestamp'  => $r['timestamp'],
					'event_type' => $r['event_type'],
					'version'    => $r['version'],
					'body'       => $r['body'],
				);
			case 'public_key':
				return array( 'public_key' => waybill_public_key( self::bytes( $input, 'secret_key' ) ) );
			case 'derive_id':
				$key = waybill_derive_idempotency_key(
					self::bytes( $input, 'prefix' ),
					self::bytes( $input, 'site_key' ),
					self::bytes( $input, 'natural_key' )
				);
				return array( 'idempotency_key' => $key );
			case 'register':
				$c = waybill_register_contract( self::bytes( $input, 'contract' ) );
				return array(
					'event_type' => $c['event_type'],
					'version'    => $c['version'],
				);
			case 'diff':
				$d = waybill_diff_contracts( self::bytes( $input, 'old' ), self::bytes( $input, 'new' ) );
				return array(
					'breaking'   => $d['breaking'],
					'bump'       => $d['bump'],
					'declared'   => $d['declared'],
					'version_ok' => $d['version_ok'],
					'changes'    => array_map(
						static fn( array $c ): array => array(
							'pointer'  => $c['pointer'],
							'kind'     => $c['kind'],
							'breaking' => $c['breaking'],
						),
						$d['changes']
					),
				);
		}
		throw new \LogicException( "unknown op $op" );
	}

	/**
	 * Sorts maps by key, recursively, so results compare as JSON values do.
	 *
	 * @param mixed $value A decoded JSON value.
	 * @return mixed
	 */
	public static function normalize( $value ) {
		if ( ! is_array( $value ) ) {
			return $value;
		}
		if ( ! array_is_list( $value ) ) {
			ksort( $value, SORT_STRING );
		}
		return array_map( array( self::class, 'normalize' ), $value );
	}
}
