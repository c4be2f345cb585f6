<?php
/**
 * The one place that talks to the `waybill` PHP extension.
 *
 * Every contract, sanitizing and signing operation goes through the extension;
 * this class only converts its results and exceptions into WordPress shapes, so
 * an API change in the extension is absorbed here and nowhere else.
 *
 * @package Waybill
 */

defined( 'ABSPATH' ) || exit;

/**
 * Thin adapter over the extension's functions.
 */
final class Waybill_Core {

	/** The WP_Error code every capture returns while the extension is absent. */
	const MISSING_CODE = 'waybill_extension_missing';

	/** Functions the plugin needs; all must exist for the extension to count as usable. */
	const REQUIRED_FUNCTIONS = array(
		'waybill_prepare',
		'waybill_sign',
		'waybill_receive',
		'waybill_generate_secret',
		'waybill_generate_keypair',
		'waybill_derive_idempotency_key',
	);

	/**
	 * Whether the extension is loaded with every function the plugin uses.
	 *
	 * @return bool
	 */
	public static function available() {
		foreach ( self::REQUIRED_FUNCTIONS as $function ) {
			if ( ! function_exists( $function ) ) {
				return false;
			}
		}
		return true;
	}

	/**
	 * The extension's version string, or '' when it is not loaded.
	 *
	 * @return string
	 */
	public static function version() {
		$version = phpversion( 'waybill' );
		return false === $version ? '' : (string) $version;
	}

	/**
	 * The error returned by every operation while the extension is missing.
	 *
	 * @return WP_Error
	 */
	public static function missing_error() {
		return new WP_Error(
			self::MISSING_CODE,
			__( 'The Waybill PHP extension is not loaded, so events cannot be validated or signed. Install it and restart PHP; see Tools > Site Health for the steps.', 'waybill' ),
			array( 'status' => 503 )
		);
	}

	/**
	 * Validates, sanitizes and canonicalizes an event; signs it when secrets are given.
	 *
	 * @param array $event   Partial envelope (see docs/API.md).
	 * @param array $options Options map.
	 * @return array|WP_Error `{ body, idempotency_key, event_type, version, headers, changes }`.
	 */
	public static function prepare( array $event, array $options ) {
		if ( ! self::available() ) {
			return self::missing_error();
		}
		try {
			return waybill_prepare( $event, $options );
		} catch ( Throwable $e ) {
			return self::to_wp_error( $e );
		}
	}

	/**
	 * Signs one attempt: returns the `webhook-signature` header value.
	 *
	 * @param string $id        The webhook id (idempotency key).
	 * @param int    $timestamp Unix seconds of this attempt.
	 * @param string $body      Canonical body bytes.
	 * @param array  $keys      `whsec_…` and/or `whsk_…` keys.
	 * @return string|WP_Error
	 */
	public static function sign( $id, $timestamp, $body, array $keys ) {
		if ( ! self::available() ) {
			return self::missing_error();
		}
		try {
			$signature = waybill_sign( (string) $id, (int) $timestamp, (string) $body, array_values( $keys ) );
			if ( is_array( $signature ) ) {
				$signature = isset( $signature['signature'] ) ? $signature['signature'] : implode( ' ', $signature );
			}
			return (string) $signature;
		} catch ( Throwable $e ) {
			return self::to_wp_error( $e );
		}
	}

	/**
	 * Verifies and validates an inbound signed request.
	 *
	 * @param string $body    Raw body bytes.
	 * @param array  $headers Lower-case header name => value.
	 * @param array  $options Options map (`verify_keys`, `tolerance`…).
	 * @return array|WP_Error `{ id, timestamp, event_type, version, body, event }`.
	 */
	public static function receive( $body, array $headers, array $options ) {
		if ( ! self::available() ) {
			return self::missing_error();
		}
		try {
			return waybill_receive( (string) $body, $headers, $options );
		} catch ( Throwable $e ) {
			return self::to_wp_error( $e );
		}
	}

	/**
	 * Derives the same idempotency key from the same natural key on this site.
	 *
	 * @param string $prefix      Key prefix, e.g. `lead`.
	 * @param string $natural_key What makes two captures "the same event".
	 * @return string|WP_Error
	 */
	public static function derive_key( $prefix, $natural_key ) {
		if ( ! self::available() ) {
			return self::missing_error();
		}
		try {
			return (string) waybill_derive_idempotency_key( $prefix, Waybill_Settings::site_key(), $natural_key );
		} catch ( Throwable $e ) {
			return self::to_wp_error( $e );
		}
	}

	/**
	 * A new HMAC secret (`whsec_…`).
	 *
	 * @return string|WP_Error
	 */
	public static function generate_secret() {
		if ( ! self::available() ) {
			return self::missing_error();
		}
		return (string) waybill_generate_secret();
	}

	/**
	 * A new Ed25519 pair: `['secret_key' => 'whsk_…', 'public_key' => 'whpk_…']`.
	 *
	 * @return array|WP_Error
	 */
	public static function generate_keypair() {
		if ( ! self::available() ) {
			return self::missing_error();
		}
		return waybill_generate_keypair();
	}

	/**
	 * The contracts the extension knows, as a list of `{event_type, version}`.
	 *
	 * @return array
	 */
	public static function contracts() {
		if ( ! self::available() ) {
			return array();
		}
		try {
			if ( function_exists( 'waybill_contracts' ) ) {
				$list = waybill_contracts();
			} elseif ( class_exists( 'Waybill\\Registry' ) ) {
				$registry = new Waybill\Registry();
				$list     = $registry->list();
			} else {
				return array();
			}
		} catch ( Throwable $e ) {
			return array();
		}
		$contracts = array();
		foreach ( (array) $list as $item ) {
			if ( is_string( $item ) ) {
				$item = json_decode( $item, true );
			}
			if ( is_array( $item ) ) {
				$contracts[] = $item;
			}
		}
		return $contracts;
	}

	/**
	 * Converts an extension exception into a WP_Error carrying the core's code.
	 *
	 * The WP_Error code is the core's stable code (`schema.required`…); its data
	 * holds the pointer and the full list of violations.
	 *
	 * @param Throwable $e Exception thrown by the extension.
	 * @return WP_Error
	 */
	public static function to_wp_error( Throwable $e ) {
		$code    = 'waybill.internal';
		$pointer = '';
		$errors  = array();
		if ( method_exists( $e, 'getErrorCode' ) ) {
			$code = (string) $e->getErrorCode();
		}
		if ( method_exists( $e, 'getPointer' ) ) {
			$pointer = (string) $e->getPointer();
		}
		if ( method_exists( $e, 'getErrors' ) ) {
			foreach ( (array) $e->getErrors() as $violation ) {
				$violation = (array) $violation;
				$errors[]  = array(
					'code'    => isset( $violation['code'] ) ? (string) $violation['code'] : $code,
					'pointer' => isset( $violation['pointer'] ) ? (string) $violation['pointer'] : '',
					'message' => isset( $violation['message'] ) ? (string) $violation['message'] : '',
				);
			}
		}
		if ( empty( $errors ) ) {
			$errors[] = array(
				'code'    => $code,
				'pointer' => $pointer,
				'message' => $e->getMessage(),
			);
		}
		$status = 0 === strpos( $code, 'signature.' ) ? 401 : 400;
		if ( 0 === strpos( $code, 'secret.' ) || 'waybill.internal' === $code ) {
			$status = 500;
		}
		return new WP_Error(
			$code,
			$e->getMessage(),
			array(
				'status'  => $status,
				'pointer' => $pointer,
				'errors'  => $errors,
			)
		);
	}
}
