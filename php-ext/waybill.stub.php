<?php
/**
 * IDE stubs for the `waybill` PHP extension.
 *
 * Not loaded at run time: the extension defines all of this. A test
 * (tests/StubsTest.php) checks these declarations against the loaded
 * extension, so a change to one without the other fails the suite.
 *
 * Options (`$options`) are one map, every key optional, read by the core:
 * `now` (int, Unix seconds), `secrets` (list of `whsec_…`/`whsk_…`),
 * `verify_keys` (list of `whsec_…`/`whpk_…`), `tolerance` (int seconds,
 * default 300), `site_key` (string, at least 16 bytes), `natural_key`
 * (string), `id_prefix` (string), `privacy` (JSON Pointer => keep|mask|hash|drop),
 * `limits` (`max_body_bytes`, `max_depth`, `max_string_bytes`,
 * `max_array_items`), `contracts` (list of contract documents for this call).
 *
 * @package Waybill
 */

// phpcs:disable

namespace {

	/**
	 * Prepares an outgoing event: parse, sanitize, validate, privacy, canonical
	 * body, idempotency key and, when `secrets` are given, signature headers.
	 *
	 * ```php
	 * $out = waybill_prepare( $event, [ 'secrets' => [ $secret ] ] );
	 * wp_remote_post( $url, [ 'body' => $out['body'], 'headers' => $out['headers'] ] );
	 * ```
	 *
	 * @param array|string $event   The partial envelope, as a PHP array (a
	 *                              list-shaped array is a JSON array; use
	 *                              `new \stdClass()` for an empty object) or
	 *                              as JSON text.
	 * @param array|null   $options See the file header.
	 * @return array{body: string, idempotency_key: string, event_type: string, version: string, headers: array<string, string>, changes: list<array{pointer: string, kind: string}>}
	 * @throws \Waybill\InputException      When the event or an option cannot be read.
	 * @throws \Waybill\ValidationException When the event breaks the envelope or its contract.
	 * @throws \Waybill\SecretException     When a secret or the site key is unusable.
	 * @throws \TypeError                   When `$event` is neither an array nor a string.
	 */
	function waybill_prepare( mixed $event, ?array $options = null ): array {}

	/**
	 * Receives a signed request: verifies the signature over the raw body
	 * bytes, then parses and validates the event.
	 *
	 * `event` holds the decoded event; integers beyond PHP_INT_MAX are given as
	 * decimal strings there (exact), and empty JSON objects as `[]`. `body` is
	 * the canonical JSON of the event, exact at any size.
	 *
	 * @param string                     $body    The raw request body (any bytes).
	 * @param array<string, string|int>  $headers Request headers; names match in any case.
	 * @param array|null                 $options `verify_keys`, `now`, `tolerance`, `limits`, `contracts`.
	 * @return array{id: string, timestamp: int, event_type: string, version: string, body: string, event: array}
	 * @throws \Waybill\SignatureException  When a header is missing or malformed, or no signature matches.
	 * @throws \Waybill\InputException      When the body is not a bounded JSON object.
	 * @throws \Waybill\ValidationException When the event breaks the envelope or its contract.
	 */
	function waybill_receive( string $body, array $headers, ?array $options = null ): array {}

	/**
	 * Verifies a Standard Webhooks signature and timestamp over the raw body.
	 *
	 * @param string                    $body    The raw request body (any bytes).
	 * @param array<string, string|int> $headers Request headers; names match in any case.
	 * @param array|null                $options `verify_keys`, `now`, `tolerance`, `limits`.
	 * @return array{id: string, timestamp: int}
	 * @throws \Waybill\SignatureException When verification fails.
	 * @throws \Waybill\SecretException    When a verify key is unusable or none is given.
	 */
	function waybill_verify( string $body, array $headers, ?array $options = null ): array {}

	/**
	 * Validates a complete event against the envelope and its contract.
	 *
	 * @param array|string $event   The event, as a PHP array or JSON text.
	 * @param array|null   $options `limits`, `contracts`.
	 * @return array{event_type: string, version: string}
	 * @throws \Waybill\ValidationException With every violation in getErrors().
	 * @throws \Waybill\InputException      When the event cannot be read.
	 */
	function waybill_validate( mixed $event, ?array $options = null ): array {}

	/**
	 * Sanitizes an event's `data` and `metadata` by its contract's annotations
	 * and reports each change.
	 *
	 * @param array|string $event   The event, as a PHP array or JSON text.
	 * @param array|null   $options `limits`, `contracts`.
	 * @return array{body: string, changes: list<array{pointer: string, kind: string}>}
	 * @throws \Waybill\InputException When the event cannot be read.
	 */
	function waybill_sanitize( mixed $event, ?array $options = null ): array {}

	/**
	 * Signs `id.timestamp.body` with every key; returns the
	 * `webhook-signature` header value (`v1,…` for HMAC, `v1a,…` for Ed25519).
	 *
	 * ```php
	 * $sig = waybill_sign( 'msg_1', time(), $body, [ 'whsec_…' ] );
	 * ```
	 *
	 * @param string       $id        The webhook id (the idempotency key).
	 * @param int          $timestamp Unix seconds of this attempt.
	 * @param string       $body      The exact body bytes sent.
	 * @param list<string> $keys      `whsec_…` and/or `whsk_…` keys.
	 * @throws \Waybill\SecretException    When a key is unusable or none is given.
	 * @throws \Waybill\SignatureException When the id or timestamp cannot be signed.
	 */
	function waybill_sign( string $id, int $timestamp, string $body, array $keys ): string {}

	/**
	 * A new HMAC secret: `whsec_` + base64 of 32 random bytes.
	 */
	function waybill_generate_secret(): string {}

	/**
	 * A new Ed25519 key pair.
	 *
	 * @return array{secret_key: string, public_key: string} `whsk_…` and `whpk_…`.
	 */
	function waybill_generate_keypair(): array {}

	/**
	 * The `whpk_…` public key of a `whsk_…` signing key.
	 *
	 * @throws \Waybill\SecretException When the key is not a `whsk_` key.
	 */
	function waybill_public_key( string $secret_key ): string {}

	/**
	 * A new random, time-ordered idempotency key: `<prefix>_` + 26 characters.
	 *
	 * @param string $prefix `[a-z][a-z0-9]{0,15}`, such as `lead`.
	 * @throws \Waybill\SecretException With code `id.invalid_prefix`.
	 */
	function waybill_idempotency_key( string $prefix ): string {}

	/**
	 * The deterministic idempotency key of a natural key on this site: the same
	 * inputs always give the same key, and another site key an unrelated one.
	 *
	 * @param string $prefix      `[a-z][a-z0-9]{0,15}`.
	 * @param string $site_key    At least 16 bytes, kept secret by the site.
	 * @param string $natural_key What makes the event unique, such as `form-7|entry-42`.
	 * @throws \Waybill\SecretException For a bad prefix, site key or natural key.
	 */
	function waybill_derive_idempotency_key( string $prefix, string $site_key, string $natural_key ): string {}

	/**
	 * JSON text in canonical form: keys sorted, no insignificant whitespace,
	 * numbers exact.
	 *
	 * @param array|null $options `limits`.
	 * @throws \Waybill\InputException When the text is not bounded, valid JSON.
	 */
	function waybill_canonicalize( string $json, ?array $options = null ): string {}

	/**
	 * Every contract in this process's registry, by event type then version.
	 *
	 * @return list<array{event_type: string, version: string, title: string, description: string}>
	 */
	function waybill_contracts(): array {}

	/**
	 * Registers a contract for the life of this PHP process (one php-fpm
	 * worker): register on every request that needs it. Registering the same
	 * document again is harmless.
	 *
	 * @param array|string $contract The contract document, as JSON text or an array.
	 * @return array{event_type: string, version: string, title: string, description: string}
	 * @throws \Waybill\ContractException When the document is invalid or conflicts.
	 */
	function waybill_register_contract( mixed $contract ): array {}

	/**
	 * Compares two versions of one event type's contract.
	 *
	 * @param array|string $old The older contract document.
	 * @param array|string $new The newer contract document.
	 * @return array{breaking: bool, bump: string, declared: string, version_ok: bool, changes: list<array{pointer: string, kind: string, breaking: bool, message: string}>}
	 * @throws \Waybill\ContractException When a document is invalid or the event types differ.
	 */
	function waybill_diff_contracts( mixed $old, mixed $new ): array {}
}

namespace Waybill {

	/**
	 * Base of every Waybill failure. The code is stable; the message is for people.
	 */
	class Exception extends \Exception {
		/** @var string */
		protected $errorCode = '';
		/** @var string */
		protected $pointer = '';
		/** @var array */
		protected $errors = array();

		/**
		 * The stable code, such as `schema.type` or `signature.mismatch`.
		 */
		final public function getErrorCode(): string {}

		/**
		 * JSON Pointer to the offending place (`''` for the whole input;
		 * `/headers/<name>` for a header; `/options/...` for an option).
		 */
		final public function getPointer(): string {}

		/**
		 * Every violation of a validation failure (at most 100), in order;
		 * empty for other failures.
		 *
		 * @return list<array{code: string, pointer: string, message: string}>
		 */
		final public function getErrors(): array {}
	}

	/** `input.*` and `options.*`: the input or an option cannot be read. */
	class InputException extends Exception {}

	/** `envelope.*`, `schema.*` and `contract.unknown`: the event breaks its contract. */
	class ValidationException extends Exception {}

	/** The other `contract.*` codes: a contract document is invalid or conflicts. */
	class ContractException extends Exception {}

	/** `secret.*` and `id.*`: a secret, key, site key or id part is unusable. */
	class SecretException extends Exception {}

	/** `signature.*`: a signed request does not verify. */
	class SignatureException extends Exception {}

	/**
	 * The pipeline as static methods; each is the `waybill_` function of the same name.
	 */
	final class Pipeline {
		/** Static methods only: there is nothing to construct. */
		private function __construct() {}

		/** @see waybill_prepare() */
		public static function prepare( mixed $event, ?array $options = null ): array {}

		/** @see waybill_receive() */
		public static function receive( string $body, array $headers, ?array $options = null ): array {}

		/** @see waybill_validate() */
		public static function validate( mixed $event, ?array $options = null ): array {}

		/** @see waybill_sanitize() */
		public static function sanitize( mixed $event, ?array $options = null ): array {}
	}

	/**
	 * Standard Webhooks signatures and keys.
	 */
	final class Webhook {
		/** Static methods only: there is nothing to construct. */
		private function __construct() {}

		/** @see waybill_sign() */
		public static function sign( string $id, int $timestamp, string $body, array $keys ): string {}

		/** @see waybill_verify() */
		public static function verify( string $body, array $headers, ?array $options = null ): array {}

		/** @see waybill_generate_secret() */
		public static function generateSecret(): string {}

		/** @see waybill_generate_keypair() */
		public static function generateKeypair(): array {}

		/** @see waybill_public_key() */
		public static function publicKey( string $secret_key ): string {}
	}

	/**
	 * Idempotency keys, random or derived.
	 */
	final class IdempotencyKey {
		/** Static methods only: there is nothing to construct. */
		private function __construct() {}

		/** @see waybill_idempotency_key() */
		public static function random( string $prefix ): string {}

		/** @see waybill_derive_idempotency_key() */
		public static function derive( string $prefix, string $site_key, string $natural_key ): string {}
	}

	/**
	 * The contract registry of this PHP process: the built-in contracts plus
	 * those registered from PHP (for the life of the process).
	 */
	final class Registry {
		/** Static methods only: there is nothing to construct. */
		private function __construct() {}

		/** @see waybill_contracts() */
		public static function list(): array {}

		/** @see waybill_register_contract() */
		public static function register( mixed $contract ): array {}

		/**
		 * The contract document of an event type, at a version or the latest.
		 *
		 * @throws ValidationException With code `contract.unknown`.
		 */
		public static function get( string $event_type, ?string $version = null ): array {}

		/** @see waybill_diff_contracts() */
		public static function diff( mixed $old, mixed $new ): array {}
	}
}
