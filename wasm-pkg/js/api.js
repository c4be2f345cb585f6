// The public JavaScript API of waybill-edge, shared by every entry point.
// Each function converts JavaScript values into what the wasm core takes (text, bytes,
// options as JSON text) and turns core errors into WaybillError; all payload logic is in
// the core. The entry point (workerd.js, node.js, web.js) instantiates the module first.

import * as core from './waybill.js';

/**
 * A failure reported by the Waybill core.
 *
 * `code` is stable (for example `signature.mismatch`), `pointer` is a JSON Pointer to the
 * offending place (`""` for the whole input, `/headers/<name>` for a header) and `errors`
 * lists every violation of a validation failure.
 */
export class WaybillError extends Error {
  constructor(code, pointer, message, errors) {
    super(message);
    this.name = 'WaybillError';
    this.code = code;
    this.pointer = pointer;
    this.errors = errors;
  }
}

// The core throws plain {code, pointer, message, errors} objects; anything else (a trap)
// is not a Waybill verdict and is passed on untouched.
function rethrow(thrown) {
  if (thrown !== null && typeof thrown === 'object' && typeof thrown.code === 'string' &&
      !(thrown instanceof Error)) {
    throw new WaybillError(thrown.code, thrown.pointer, thrown.message, thrown.errors);
  }
  throw thrown;
}

// Text inputs may be strings, bytes or (for events) plain objects.
function input(value) {
  if (typeof value === 'string' || value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  throw new WaybillError('input.type', '', 'expected a string, bytes or an object', []);
}

// Headers may be a Headers object, a Map, an array of pairs or a plain object; the core
// takes them as one flat [name, value, name, value, …] list and does the lookups itself.
function flatHeaders(headers) {
  const flat = [];
  if (headers === null || headers === undefined) return flat;
  const pairs = typeof headers.entries === 'function' && !Array.isArray(headers)
    ? headers.entries()
    : Array.isArray(headers) ? headers : Object.entries(headers);
  for (const [name, value] of pairs) {
    if (value === undefined || value === null) continue;
    flat.push(String(name), String(value));
  }
  return flat;
}

function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

// Options travel as JSON text. Where the core needs a clock and none was given, the host
// clock is filled in: WebAssembly has no clock of its own.
function optionsText(options, withClock) {
  const given = options ?? {};
  if (withClock && given.now === undefined) return JSON.stringify({ ...given, now: nowSeconds() });
  return JSON.stringify(given);
}

/** Canonical JSON of `json` (keys sorted, no insignificant whitespace, exact integers). */
export function canonicalize(json, options) {
  try {
    return core.canonicalize(input(json), optionsText(options, false));
  } catch (e) {
    return rethrow(e);
  }
}

/** Validates an envelope against its contract: `{event_type, version}`. */
export function validate(event, options) {
  try {
    return core.validate(input(event), optionsText(options, false));
  } catch (e) {
    return rethrow(e);
  }
}

/** Sanitizes an envelope: `{body, changes}`. */
export function sanitize(event, options) {
  try {
    return core.sanitize(input(event), optionsText(options, false));
  } catch (e) {
    return rethrow(e);
  }
}

/**
 * Builds an outgoing event:
 * `{body, idempotency_key, event_type, version, headers, changes}`.
 */
export function prepare(event, options) {
  try {
    return core.prepare(input(event), optionsText(options, true));
  } catch (e) {
    return rethrow(e);
  }
}

/** The `webhook-signature` header value for `id.timestamp.body`, one entry per key. */
export function sign(id, timestamp, body, keys) {
  try {
    return core.sign(String(id), Number(timestamp), input(body), [...keys].map(String));
  } catch (e) {
    return rethrow(e);
  }
}

/** Verifies a signed request over its raw body: `{id, timestamp}`. */
export function verify(body, headers, options) {
  try {
    return core.verify(input(body), flatHeaders(headers), optionsText(options, true));
  } catch (e) {
    return rethrow(e);
  }
}

/**
 * Verifies, parses and validates a signed request:
 * `{id, timestamp, event_type, version, body}`. `body` is the canonical JSON of the event,
 * exact at any integer size; parse it yourself if you need an object.
 */
export function receive(body, headers, options) {
  try {
    return core.receive(input(body), flatHeaders(headers), optionsText(options, true));
  } catch (e) {
    return rethrow(e);
  }
}

/**
 * A receiver holds parsed options and keys, so a request costs one call into the core.
 * Create it inside a request handler, not at module scope (workerd forbids random values
 * there), and keep it for later requests.
 *
 * @example
 * const receiver = new Receiver({ verify_keys: [env.SECRET] });
 * const { id, event_type, body } = receiver.receive(bytes, request.headers);
 */
export class Receiver {
  #inner;

  constructor(options) {
    try {
      this.#inner = new core.Receiver(optionsText(options, false));
    } catch (e) {
      rethrow(e);
    }
  }

  /** As `receive()`; `now` (Unix seconds) defaults to the host clock. */
  receive(body, headers, now) {
    try {
      return this.#inner.receive(input(body), flatHeaders(headers), now ?? nowSeconds());
    } catch (e) {
      return rethrow(e);
    }
  }

  /** As `verify()`; `now` (Unix seconds) defaults to the host clock. */
  verify(body, headers, now) {
    try {
      return this.#inner.verify(input(body), flatHeaders(headers), now ?? nowSeconds());
    } catch (e) {
      return rethrow(e);
    }
  }

  /** Frees the core's copy of the keys now rather than at garbage collection. */
  free() {
    this.#inner.free();
  }
}

/** The Ed25519 public key (`whpk_…`) of a secret key (`whsk_…`). */
export function publicKey(secretKey) {
  try {
    return core.publicKey(String(secretKey));
  } catch (e) {
    return rethrow(e);
  }
}

/** A new HMAC secret, `whsec_…`. */
export function generateSecret() {
  try {
    return core.generateSecret();
  } catch (e) {
    return rethrow(e);
  }
}

/** A new Ed25519 key pair: `{secret_key: 'whsk_…', public_key: 'whpk_…'}`. */
export function generateKeypair() {
  try {
    return core.generateKeypair();
  } catch (e) {
    return rethrow(e);
  }
}

/** A new time-ordered idempotency key, `<prefix>_<26 chars>`. */
export function idempotencyKey(prefix) {
  try {
    return core.idempotencyKey(String(prefix), Date.now());
  } catch (e) {
    return rethrow(e);
  }
}

/** The idempotency key derived from a site key and a natural key: same input, same key. */
export function deriveIdempotencyKey(prefix, siteKey, naturalKey) {
  try {
    return core.deriveIdempotencyKey(String(prefix), input(siteKey), input(naturalKey));
  } catch (e) {
    return rethrow(e);
  }
}

/** The contracts of this instance's registry: `[{event_type, version}]`. */
export function listContracts() {
  try {
    return core.listContracts();
  } catch (e) {
    return rethrow(e);
  }
}

/** Registers a contract (JSON text or object) in this instance's registry. */
export function registerContract(contract) {
  try {
    return core.registerContract(input(contract));
  } catch (e) {
    return rethrow(e);
  }
}

/** Compares two versions of a contract: `{breaking, bump, declared, version_ok, changes}`. */
export function diffContracts(oldContract, newContract) {
  try {
    return core.diffContracts(input(oldContract), input(newContract));
  } catch (e) {
    return rethrow(e);
  }
}
