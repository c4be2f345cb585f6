<?php
/**
 * DEVELOPMENT STAND-IN for the `waybill` PHP extension. Not part of the plugin.
 *
 * Lets the WordPress test infrastructure run before php-ext is installable. It
 * covers only what the plugin calls, with the same function names and result
 * shapes as docs/API.md, and checks data only against the `required`,
 * `additionalProperties`, `const`, `enum` and e-mail rules of the built-in
 * contracts. It is loaded only with `WAYBILL_TEST_SHIM=1` (auto_prepend_file),
 * and run-tests.sh reports loudly when it is in use: results obtained with it
 * say nothing about the real extension.
 *
 * @package Waybill
 */

namespace Waybill {
	class Exception extends \Exception {
		private $error_code;
		private $pointer;
		private $errors;
		public function __construct( $code, $pointer, $message, array $errors = array() ) {
			parent::__construct( $message );
			$this->error_code = $code;
			$this->pointer    = $pointer;
			$this->errors     = $errors ? $errors : array( array( 'code' => $code, 'pointer' => $pointer, 'message' => $message ) );
		}
		public function getErrorCode() { return $this->error_code; }
		public function getPointer() { return $this->pointer; }
		public function getErrors() { return $this->errors; }
	}
	class InputException extends Exception {}
	class ValidationException extends Exception {}
	class SecretException extends Exception {}
	class SignatureException extends Exception {}
	class ContractException extends Exception {}

	class Registry {
		public function list() {
			$out = array();
			foreach ( \waybill_shim_contracts() as $contract ) {
				$out[] = array( 'event_type' => $contract['event_type'], 'version' => $contract['version'] );
			}
			return $out;
		}
	}
}

namespace {
	const WAYBILL_SHIM = true;

	function waybill_shim_contracts() {
		static $contracts = null;
		if ( null === $contracts ) {
			$contracts = array();
			$dir       = getenv( 'WAYBILL_CONTRACTS_DIR' ) ?: dirname( __DIR__, 3 ) . '/crates/waybill/contracts';
			foreach ( glob( $dir . '/*.json' ) as $file ) {
				$contract                             = json_decode( file_get_contents( $file ), true );
				$contracts[ $contract['event_type'] ] = $contract;
			}
		}
		return $contracts;
	}

	function waybill_shim_canonical( $value ) {
		return json_encode( waybill_shim_sort( $value ), JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION );
	}

	function waybill_shim_sort( $value ) {
		if ( is_array( $value ) ) {
			if ( array() !== $value && array_keys( $value ) !== range( 0, count( $value ) - 1 ) ) {
				ksort( $value, SORT_STRING );
				foreach ( $value as $k => $v ) {
					$value[ $k ] = waybill_shim_sort( $v );
				}
				return (object) $value;
			}
			return array_map( 'waybill_shim_sort', $value );
		}
		return $value;
	}

	function waybill_shim_check( array $event ) {
		$allowed = array( 'version', 'event_type', 'idempotency_key', 'source', 'entity', 'timestamp', 'consent', 'actor', 'data', 'metadata' );
		foreach ( array_keys( $event ) as $key ) {
			if ( ! in_array( $key, $allowed, true ) ) {
				throw new Waybill\ValidationException( 'envelope.unknown_field', '/' . $key, "unknown field {$key}" );
			}
		}
		$contracts = waybill_shim_contracts();
		$type      = isset( $event['event_type'] ) ? $event['event_type'] : '';
		if ( ! isset( $contracts[ $type ] ) ) {
			throw new Waybill\ContractException( 'contract.unknown', '/event_type', "no contract for {$type}" );
		}
		$schema = $contracts[ $type ]['schema'];
		$data   = isset( $event['data'] ) && is_array( $event['data'] ) ? $event['data'] : array();
		$errors = array();
		foreach ( $schema['required'] as $field ) {
			if ( ! array_key_exists( $field, $data ) ) {
				$errors[] = array( 'code' => 'schema.required', 'pointer' => '/data', 'message' => "missing property \"{$field}\"" );
			}
		}
		foreach ( $data as $field => $value ) {
			if ( ! isset( $schema['properties'][ $field ] ) ) {
				$errors[] = array( 'code' => 'schema.additional_properties', 'pointer' => '/data/' . $field, 'message' => 'not allowed' );
				continue;
			}
			$rule = $schema['properties'][ $field ];
			if ( array_key_exists( 'const', $rule ) && $rule['const'] !== $value ) {
				$errors[] = array( 'code' => 'schema.const', 'pointer' => '/data/' . $field, 'message' => 'must be ' . json_encode( $rule['const'] ) );
			}
			if ( isset( $rule['enum'] ) && ! in_array( $value, $rule['enum'], true ) ) {
				$errors[] = array( 'code' => 'schema.enum', 'pointer' => '/data/' . $field, 'message' => 'not one of the allowed values' );
			}
			if ( isset( $rule['minLength'] ) && is_string( $value ) && mb_strlen( $value ) < $rule['minLength'] ) {
				$errors[] = array( 'code' => 'schema.min_length', 'pointer' => '/data/' . $field, 'message' => 'too short' );
			}
			if ( isset( $rule['format'] ) && 'email' === $rule['format'] && ! filter_var( $value, FILTER_VALIDATE_EMAIL ) ) {
				$errors[] = array( 'code' => 'schema.format', 'pointer' => '/data/' . $field, 'message' => 'not an email address' );
			}
		}
		if ( $errors ) {
			throw new Waybill\ValidationException( $errors[0]['code'], $errors[0]['pointer'], $errors[0]['message'], $errors );
		}
		return $contracts[ $type ]['version'];
	}

	function waybill_shim_b64( $text, $prefix ) {
		$body  = substr( $text, strlen( $prefix ) );
		$bytes = base64_decode( $body, true );
		if ( false === $bytes ) {
			throw new Waybill\SecretException( 'secret.invalid_base64', '', 'the part after the prefix is not valid base64' );
		}
		return $bytes;
	}

	function waybill_shim_key( $text ) {
		$text = (string) $text;
		if ( 0 === strpos( $text, 'whsec_' ) ) {
			$bytes = waybill_shim_b64( $text, 'whsec_' );
			if ( strlen( $bytes ) < 24 ) {
				throw new Waybill\SecretException( 'secret.too_short', '', 'too short' );
			}
			return array( 'hmac', $bytes );
		}
		if ( 0 === strpos( $text, 'whsk_' ) ) {
			return array( 'ed_sk', substr( waybill_shim_b64( $text, 'whsk_' ), 0, 32 ) );
		}
		if ( 0 === strpos( $text, 'whpk_' ) ) {
			return array( 'ed_pk', waybill_shim_b64( $text, 'whpk_' ) );
		}
		throw new Waybill\SecretException( 'secret.invalid_prefix', '', 'a secret starts with whsec_, whsk_ or whpk_' );
	}

	function waybill_sign( $id, $timestamp, $body, $keys ) {
		$data = $id . '.' . $timestamp . '.' . $body;
		$out  = array();
		if ( ! $keys ) {
			throw new Waybill\SecretException( 'secret.none', '', 'no key' );
		}
		foreach ( $keys as $key ) {
			list( $kind, $bytes ) = waybill_shim_key( $key );
			if ( 'hmac' === $kind ) {
				$out[] = 'v1,' . base64_encode( hash_hmac( 'sha256', $data, $bytes, true ) );
			} elseif ( 'ed_sk' === $kind ) {
				$pair  = sodium_crypto_sign_seed_keypair( $bytes );
				$out[] = 'v1a,' . base64_encode( sodium_crypto_sign_detached( $data, sodium_crypto_sign_secretkey( $pair ) ) );
			} else {
				throw new Waybill\SecretException( 'secret.invalid_key', '', 'a public key cannot sign' );
			}
		}
		return implode( ' ', $out );
	}

	function waybill_idempotency_key( $prefix ) {
		return $prefix . '_' . '0' . strtoupper( substr( str_replace( array( 'I', 'L', 'O', 'U' ), '0', strtoupper( bin2hex( random_bytes( 13 ) ) ) ), 0, 25 ) );
	}

	function waybill_derive_idempotency_key( $prefix, $site_key, $natural_key ) {
		$alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
		$mac      = hash_hmac( 'sha256', "waybill.idempotency.v1\0{$prefix}\0{$natural_key}", $site_key, true );
		$out      = '0';
		for ( $i = 0; $i < 25; $i++ ) {
			$out .= $alphabet[ ord( $mac[ $i ] ) & 31 ];
		}
		return $prefix . '_' . $out;
	}

	function waybill_generate_secret() {
		return 'whsec_' . base64_encode( random_bytes( 32 ) );
	}

	function waybill_generate_keypair() {
		$seed = random_bytes( 32 );
		$pair = sodium_crypto_sign_seed_keypair( $seed );
		return array( 'secret_key' => 'whsk_' . base64_encode( $seed ), 'public_key' => 'whpk_' . base64_encode( sodium_crypto_sign_publickey( $pair ) ) );
	}

	function waybill_prepare( $event, $options = array() ) {
		if ( is_string( $event ) ) {
			$event = json_decode( $event, true );
		}
		$version = waybill_shim_check( $event );
		$now     = isset( $options['now'] ) ? (int) $options['now'] : time();
		$event['version'] = $version;
		if ( ! isset( $event['timestamp'] ) ) {
			$event['timestamp'] = gmdate( 'Y-m-d\TH:i:s\Z', $now );
		}
		if ( ! isset( $event['idempotency_key'] ) ) {
			$prefix                   = isset( $options['id_prefix'] ) ? $options['id_prefix'] : strtok( $event['event_type'], '.' );
			$event['idempotency_key'] = isset( $options['natural_key'] ) ? waybill_derive_idempotency_key( $prefix, $options['site_key'], $options['natural_key'] ) : waybill_idempotency_key( $prefix );
		}
		$body    = waybill_shim_canonical( $event );
		$headers = array( 'content-type' => 'application/json', 'webhook-id' => $event['idempotency_key'] );
		if ( ! empty( $options['secrets'] ) ) {
			$headers['webhook-timestamp'] = (string) $now;
			$headers['webhook-signature'] = waybill_sign( $event['idempotency_key'], $now, $body, $options['secrets'] );
		}
		return array( 'body' => $body, 'idempotency_key' => $event['idempotency_key'], 'event_type' => $event['event_type'], 'version' => $version, 'headers' => $headers, 'changes' => array() );
	}

	function waybill_verify( $body, $headers, $options = array() ) {
		foreach ( array( 'webhook-id', 'webhook-timestamp', 'webhook-signature' ) as $name ) {
			if ( empty( $headers[ $name ] ) ) {
				throw new Waybill\SignatureException( 'signature.missing_header', '/headers/' . $name, "missing {$name}" );
			}
		}
		$now = isset( $options['now'] ) ? (int) $options['now'] : time();
		$ts  = (int) $headers['webhook-timestamp'];
		if ( abs( $now - $ts ) > ( isset( $options['tolerance'] ) ? (int) $options['tolerance'] : 300 ) ) {
			throw new Waybill\SignatureException( 'signature.timestamp_out_of_range', '/headers/webhook-timestamp', 'out of range' );
		}
		$data = $headers['webhook-id'] . '.' . $ts . '.' . $body;
		foreach ( (array) $options['verify_keys'] as $key ) {
			list( $kind, $bytes ) = waybill_shim_key( $key );
			foreach ( explode( ' ', $headers['webhook-signature'] ) as $signature ) {
				list( $version, $value ) = array_pad( explode( ',', $signature, 2 ), 2, '' );
				if ( 'hmac' === $kind && 'v1' === $version && hash_equals( base64_encode( hash_hmac( 'sha256', $data, $bytes, true ) ), $value ) ) {
					return array( 'id' => $headers['webhook-id'], 'timestamp' => $ts );
				}
				if ( 'ed_pk' === $kind && 'v1a' === $version && sodium_crypto_sign_verify_detached( base64_decode( $value ), $data, $bytes ) ) {
					return array( 'id' => $headers['webhook-id'], 'timestamp' => $ts );
				}
			}
		}
		throw new Waybill\SignatureException( 'signature.mismatch', '/headers/webhook-signature', 'no signature matches' );
	}

	function waybill_receive( $body, $headers, $options = array() ) {
		$verified = waybill_verify( $body, $headers, $options );
		$event    = json_decode( $body, true, 64, JSON_BIGINT_AS_STRING );
		if ( ! is_array( $event ) ) {
			throw new Waybill\InputException( 'input.invalid_json', '', 'not JSON' );
		}
		$version = waybill_shim_check( $event );
		return array( 'id' => $verified['id'], 'timestamp' => $verified['timestamp'], 'event_type' => $event['event_type'], 'version' => $version, 'body' => waybill_shim_canonical( $event ), 'event' => $event );
	}
}
