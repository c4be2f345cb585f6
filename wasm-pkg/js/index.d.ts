// Types of the waybill-edge API. Every entry point (workerd, Node, Deno) exports these.

/** Raw text: a string, or bytes taken as they are (never re-encoded). */
export type Text = string | Uint8Array | ArrayBuffer | ArrayBufferView;

/** An event: JSON text, bytes, or a plain object (serialized with JSON.stringify). */
export type EventInput = Text | Record<string, unknown>;

/** Request headers in any common shape; names are matched case-insensitively by the core. */
export type HeadersInput =
  | Headers
  | Map<string, string>
  | Iterable<readonly [string, string]>
  | Record<string, string | undefined>;

/** Field privacy policy. */
export type PrivacyPolicy = 'keep' | 'mask' | 'hash' | 'drop';

/** The options map of every operation; every key is optional. */
export interface Options {
  /** The clock, Unix seconds; default the host clock. */
  now?: number;
  /** Keys to sign with: `whsec_…` (HMAC) or `whsk_…` (Ed25519 secret key). */
  secrets?: string[];
  /** Keys to verify with: `whsec_…` or `whpk_…` (Ed25519 public key). */
  verify_keys?: string[];
  /** Timestamp window both ways, in seconds; default 300. */
  tolerance?: number;
  /** At least 16 bytes: keyed hashes and deterministic idempotency keys. */
  site_key?: string;
  /** Makes `prepare` derive the idempotency key (same input, same key). */
  natural_key?: string;
  /** Idempotency key prefix, `[a-z][a-z0-9]{0,15}`. */
  id_prefix?: string;
  /** JSON Pointer → policy; overrides the contract's field policy. */
  privacy?: Record<string, PrivacyPolicy>;
  /** Parse bounds. */
  limits?: {
    max_body_bytes?: number;
    max_depth?: number;
    max_string_bytes?: number;
    max_array_items?: number;
  };
  /** Contract JSON objects registered for this call only. */
  contracts?: Record<string, unknown>[];
}

/** One violation or failure. */
export interface ErrorDetail {
  code: string;
  pointer: string;
  message: string;
}

/** A failure reported by the core; `code` is stable, `message` is for people. */
export class WaybillError extends Error {
  readonly name: 'WaybillError';
  readonly code: string;
  readonly pointer: string;
  /** Every violation of a validation failure, in order (at most 100). */
  readonly errors: ErrorDetail[];
}

/** One change made by the sanitizer. */
export interface Change {
  pointer: string;
  kind: string;
}

export interface Validated {
  event_type: string;
  version: string;
}

export interface Sanitized {
  /** Canonical JSON of the sanitized envelope. */
  body: string;
  changes: Change[];
}

export interface Prepared {
  /** Canonical JSON body, exact integers. */
  body: string;
  idempotency_key: string;
  event_type: string;
  version: string;
  /** `content-type`, `webhook-id`, and with `secrets` also `webhook-timestamp` and `webhook-signature`. */
  headers: Record<string, string>;
  changes: Change[];
}

export interface Verified {
  /** The `webhook-id`. */
  id: string;
  /** The `webhook-timestamp`, Unix seconds. */
  timestamp: number;
}

export interface Received extends Verified {
  event_type: string;
  version: string;
  /**
   * Canonical JSON of the event. Integers stay exact at any size (an `entity.id` above 2^53
   * included), which is why no decoded object is returned: parse it yourself if you need one.
   */
  body: string;
}

export interface ContractId {
  event_type: string;
  version: string;
}

export interface ContractChange {
  pointer: string;
  kind: string;
  breaking: boolean;
}

export interface ContractDiff {
  /** True when any change can break a consumer. */
  breaking: boolean;
  /** The version step the changes need: `"major"`, `"minor"` or `"none"`. */
  bump: string;
  /** The version step the two contracts declare. */
  declared: string;
  /** True when the declared step is at least the needed one. */
  version_ok: boolean;
  changes: ContractChange[];
}

export interface Keypair {
  /** `whsk_…`, to sign with. */
  secret_key: string;
  /** `whpk_…`, to verify with. */
  public_key: string;
}

export function canonicalize(json: Text, options?: Options): string;
export function validate(event: EventInput, options?: Options): Validated;
export function sanitize(event: EventInput, options?: Options): Sanitized;
export function prepare(event: EventInput, options?: Options): Prepared;
export function sign(id: string, timestamp: number, body: Text, keys: string[]): string;
export function verify(body: Text, headers: HeadersInput, options?: Options): Verified;
export function receive(body: Text, headers: HeadersInput, options?: Options): Received;

/**
 * Holds parsed options and keys so each request is one call into the core. Create it
 * inside a request handler (workerd forbids random values at module scope) and reuse it.
 */
export class Receiver {
  constructor(options?: Options);
  /** As `receive()`; `now` (Unix seconds) defaults to the host clock. */
  receive(body: Text, headers: HeadersInput, now?: number): Received;
  /** As `verify()`; `now` (Unix seconds) defaults to the host clock. */
  verify(body: Text, headers: HeadersInput, now?: number): Verified;
  free(): void;
}

export function publicKey(secretKey: string): string;
export function generateSecret(): string;
export function generateKeypair(): Keypair;
export function idempotencyKey(prefix: string): string;
export function deriveIdempotencyKey(prefix: string, siteKey: Text, naturalKey: Text): string;
export function listContracts(): ContractId[];
export function registerContract(contract: Text | Record<string, unknown>): ContractId;
export function diffContracts(
  oldContract: Text | Record<string, unknown>,
  newContract: Text | Record<string, unknown>,
): ContractDiff;
