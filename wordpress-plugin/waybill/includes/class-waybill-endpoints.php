<?php
/**
 * Endpoints: where events go, which event types each receives, and its secret.
 *
 * Secrets are read, in order, from a constant in wp-config.php
 * (`WAYBILL_SECRET_<ID>`), the environment variable of the same name, or the
 * settings page. A stored secret is kept byte for byte and never displayed or
 * logged again: the admin only sees its kind and a short fingerprint.
 *
 * @package Waybill
 */

defined( 'ABSPATH' ) || exit;

/**
 * Endpoint configuration and secret resolution.
 */
final class Waybill_Endpoints {

	const OPTION               = 'waybill_endpoints';
	const SECRET_OPTION_PREFIX = 'waybill_secret_';
	const INBOUND_OPTION       = 'waybill_inbound_secrets';
	const INBOUND_CONSTANT     = 'WAYBILL_INBOUND_SECRET';
	const MAX_TIMEOUT          = 60;

	/**
	 * Every endpoint, keyed by id.
	 *
	 * @return array[]
	 */
	public static function all() {
		$stored = get_option( self::OPTION, array() );
		$list   = array();
		foreach ( is_array( $stored ) ? $stored : array() as $id => $endpoint ) {
			$list[ (string) $id ] = self::normalize( (array) $endpoint, (string) $id );
		}
		return $list;
	}

	/**
	 * One endpoint, or null.
	 *
	 * @param string $id Endpoint id.
	 * @return array|null
	 */
	public static function get( $id ) {
		$all = self::all();
		return isset( $all[ $id ] ) ? $all[ $id ] : null;
	}

	/**
	 * Creates or updates an endpoint.
	 *
	 * @param array $fields id, name, url, event_types (list or comma string), timeout, enabled.
	 * @return array|WP_Error The saved endpoint.
	 */
	public static function save( array $fields ) {
		$id = isset( $fields['id'] ) ? strtolower( trim( (string) $fields['id'] ) ) : '';
		if ( ! preg_match( '/^[a-z0-9][a-z0-9_-]{0,31}$/', $id ) ) {
			return new WP_Error( 'waybill_endpoint_id', __( 'The endpoint id must be 1–32 characters: lower-case letters, digits, "-" and "_".', 'waybill' ), array( 'status' => 400 ) );
		}
		// Fields not given keep their saved values.
		$existing = self::get( $id );
		$fields   = array_merge( $existing ? $existing : array(), $fields );
		$url      = isset( $fields['url'] ) ? trim( (string) $fields['url'] ) : '';
		if ( ! in_array( wp_parse_url( $url, PHP_URL_SCHEME ), array( 'http', 'https' ), true ) || ! wp_parse_url( $url, PHP_URL_HOST ) ) {
			return new WP_Error( 'waybill_endpoint_url', __( 'The endpoint URL must be an http or https address.', 'waybill' ), array( 'status' => 400 ) );
		}
		$endpoint = self::normalize( array_merge( $fields, array( 'url' => esc_url_raw( $url ) ) ), $id );

		$all        = self::all();
		$all[ $id ] = $endpoint;
		update_option( self::OPTION, $all, true );
		return $endpoint;
	}

	/**
	 * Removes an endpoint and its stored secret. Its events stay for the record.
	 *
	 * @param string $id Endpoint id.
	 */
	public static function delete( $id ) {
		$all = self::all();
		unset( $all[ $id ] );
		update_option( self::OPTION, $all, true );
		delete_option( self::SECRET_OPTION_PREFIX . $id );
	}

	/**
	 * Enables or disables an endpoint; a reason is shown to the admin.
	 *
	 * @param string $id      Endpoint id.
	 * @param bool   $enabled New state.
	 * @param string $reason  Why, when disabling (e.g. `endpoint.gone`).
	 */
	public static function set_enabled( $id, $enabled, $reason = '' ) {
		$all = self::all();
		if ( ! isset( $all[ $id ] ) ) {
			return;
		}
		$all[ $id ]['enabled']         = (bool) $enabled;
		$all[ $id ]['disabled_reason'] = $enabled ? '' : (string) $reason;
		$all[ $id ]['disabled_at']     = $enabled ? 0 : time();
		update_option( self::OPTION, $all, true );
	}

	/**
	 * Ids of endpoints the worker may deliver to now.
	 *
	 * @return string[]
	 */
	public static function enabled_ids() {
		$ids = array();
		foreach ( self::all() as $id => $endpoint ) {
			if ( $endpoint['enabled'] ) {
				$ids[] = (string) $id;
			}
		}
		return $ids;
	}

	/**
	 * Endpoints (enabled or paused) whose filter accepts an event type.
	 *
	 * A paused endpoint still receives rows so nothing is lost while it is off.
	 *
	 * @param string $event_type Event type.
	 * @return array[]
	 */
	public static function matching( $event_type ) {
		$matches = array();
		foreach ( self::all() as $id => $endpoint ) {
			if ( self::accepts( $endpoint, $event_type ) ) {
				$matches[ $id ] = $endpoint;
			}
		}
		return $matches;
	}

	/**
	 * Whether an endpoint's event-type filter accepts a type (`*`, `lead.*`, exact).
	 *
	 * @param array  $endpoint   Endpoint.
	 * @param string $event_type Event type.
	 * @return bool
	 */
	public static function accepts( array $endpoint, $event_type ) {
		if ( empty( $endpoint['event_types'] ) ) {
			return true;
		}
		foreach ( $endpoint['event_types'] as $pattern ) {
			if ( '*' === $pattern || $pattern === $event_type ) {
				return true;
			}
			if ( '.*' === substr( $pattern, -2 ) && 0 === strpos( $event_type, substr( $pattern, 0, -1 ) ) ) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The signing keys of an endpoint and where they came from.
	 *
	 * @param string $id Endpoint id.
	 * @return array{keys: string[], source: string}
	 */
	public static function secrets( $id ) {
		return self::resolve( self::constant_name( $id ), self::SECRET_OPTION_PREFIX . $id );
	}

	/**
	 * Keys that verify inbound (write-back) requests and where they came from.
	 *
	 * @return array{keys: string[], source: string}
	 */
	public static function inbound_keys() {
		return self::resolve( self::INBOUND_CONSTANT, self::INBOUND_OPTION );
	}

	/**
	 * Stores secrets for an endpoint exactly as given (no trimming, no escaping).
	 *
	 * @param string   $id   Endpoint id.
	 * @param string[] $keys Secrets; an empty list removes the stored ones.
	 */
	public static function store_secrets( $id, array $keys ) {
		self::store( self::SECRET_OPTION_PREFIX . $id, $keys );
	}

	/**
	 * Stores the inbound verification keys exactly as given.
	 *
	 * @param string[] $keys `whsec_…` and/or `whpk_…` keys.
	 */
	public static function store_inbound_keys( array $keys ) {
		self::store( self::INBOUND_OPTION, $keys );
	}

	/**
	 * The constant (and environment variable) name for an endpoint's secret.
	 *
	 * @param string $id Endpoint id.
	 * @return string
	 */
	public static function constant_name( $id ) {
		return 'WAYBILL_SECRET_' . strtoupper( preg_replace( '/[^A-Za-z0-9]/', '_', (string) $id ) );
	}

	/**
	 * How a secret is shown after it is saved: kind and a fingerprint, never the value.
	 *
	 * @param string $secret A secret.
	 * @return string e.g. `whsec_… (HMAC, fingerprint 3f9a1c20)`.
	 */
	public static function describe( $secret ) {
		$secret = (string) $secret;
		if ( 0 === strpos( $secret, 'whsk_' ) ) {
			$kind = 'whsk_… (Ed25519)';
		} elseif ( 0 === strpos( $secret, 'whpk_' ) ) {
			$kind = 'whpk_… (Ed25519 public)';
		} elseif ( 0 === strpos( $secret, 'whsec_' ) ) {
			$kind = 'whsec_… (HMAC)';
		} else {
			$kind = __( 'custom secret', 'waybill' );
		}
		/* translators: 1: kind of secret, 2: short fingerprint, 3: length in bytes. */
		return sprintf( __( '%1$s, fingerprint %2$s, %3$d bytes', 'waybill' ), $kind, substr( hash( 'sha256', $secret ), 0, 8 ), strlen( $secret ) );
	}

	/**
	 * Fills defaults and casts every field.
	 *
	 * @param array  $endpoint Raw endpoint.
	 * @param string $id       Its id.
	 * @return array
	 */
	private static function normalize( array $endpoint, $id ) {
		$types = isset( $endpoint['event_types'] ) ? $endpoint['event_types'] : array();
		if ( is_string( $types ) ) {
			$types = explode( ',', $types );
		}
		$types = array_values( array_filter( array_map( 'trim', array_map( 'strval', (array) $types ) ), static function ( $type ) {
			return (bool) preg_match( '/^(\*|[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?)$/', $type );
		} ) );

		return array(
			'id'              => $id,
			'name'            => isset( $endpoint['name'] ) && '' !== $endpoint['name'] ? sanitize_text_field( (string) $endpoint['name'] ) : $id,
			'url'             => isset( $endpoint['url'] ) ? (string) $endpoint['url'] : '',
			'event_types'     => $types,
			'timeout'         => min( self::MAX_TIMEOUT, max( 1, isset( $endpoint['timeout'] ) ? (int) $endpoint['timeout'] : (int) Waybill_Settings::get( 'default_timeout' ) ) ),
			'enabled'         => ! isset( $endpoint['enabled'] ) || (bool) $endpoint['enabled'],
			'disabled_reason' => isset( $endpoint['disabled_reason'] ) ? (string) $endpoint['disabled_reason'] : '',
			'disabled_at'     => isset( $endpoint['disabled_at'] ) ? (int) $endpoint['disabled_at'] : 0,
		);
	}

	/**
	 * Constant, then environment, then option.
	 *
	 * @param string $name   Constant and environment variable name.
	 * @param string $option Option holding stored keys.
	 * @return array{keys: string[], source: string}
	 */
	private static function resolve( $name, $option ) {
		if ( defined( $name ) ) {
			$value = constant( $name );
			$keys  = is_array( $value ) ? array_map( 'strval', $value ) : array( (string) $value );
			return array(
				'keys'   => array_values( array_filter( $keys, 'strlen' ) ),
				'source' => 'constant',
			);
		}
		$env = getenv( $name );
		if ( is_string( $env ) && '' !== $env ) {
			return array(
				'keys'   => array( $env ),
				'source' => 'environment',
			);
		}
		$stored = get_option( $option, array() );
		$keys   = array_values( array_filter( array_map( 'strval', is_array( $stored ) ? $stored : array() ), 'strlen' ) );
		return array(
			'keys'   => $keys,
			'source' => empty( $keys ) ? 'none' : 'settings',
		);
	}

	/**
	 * Saves a key list; values are kept byte for byte.
	 *
	 * @param string   $option Option name.
	 * @param string[] $keys   Keys.
	 */
	private static function store( $option, array $keys ) {
		$keys = array_values( array_filter( array_map( 'strval', $keys ), 'strlen' ) );
		if ( empty( $keys ) ) {
			delete_option( $option );
			return;
		}
		if ( false === get_option( $option, false ) ) {
			add_option( $option, $keys, '', false );
		} else {
			update_option( $option, $keys, false );
		}
	}
}
