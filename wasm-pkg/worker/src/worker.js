// Waybill's edge worker (Cloudflare Workers module format): it refuses oversize bodies,
// verifies the Standard Webhooks signature over the raw body, validates the contract, drops
// duplicates by webhook-id in a Durable Object and forwards each new event to the automation
// URL with a fresh signature of its own. Configuration comes from environment bindings; see
// worker/README.md.

import { DurableObject } from 'cloudflare:workers';
import { Receiver, sign } from 'waybill-edge';

/** Largest body accepted when MAX_BODY_BYTES is not set (the core's default, 256 KiB). */
const DEFAULT_MAX_BODY_BYTES = 256 * 1024;
/** How long a forwarded webhook-id is remembered when DEDUP_TTL_SECONDS is not set. */
const DEFAULT_DEDUP_TTL_SECONDS = 7 * 24 * 3600;
/** How long one delivery may hold an id while it forwards; a crashed one frees it then. */
const CLAIM_LEASE_MS = 60_000;
/** How long the automation gets to answer when FORWARD_TIMEOUT_MS is not set. */
const DEFAULT_FORWARD_TIMEOUT_MS = 10_000;
/** Seconds a sender should wait before retrying an id another delivery is forwarding. */
const IN_FLIGHT_RETRY_AFTER_SECONDS = 5;

/** The answer's HTTP status for each family of core error codes. */
const STATUS_BY_FAMILY = {
  signature: 401,
  input: 400,
  envelope: 400,
  schema: 400,
  contract: 400,
};

// Built on the first request, never at module scope: workerd forbids random values there
// and the core's hash maps and validators need them. Kept for the isolate's lifetime.
let configured = null;

export default {
  async fetch(request, env) {
    const started = Date.now();
    const entry = { status: 0, code: null, id: null, event_type: null, version: null, bytes: 0 };
    let response;
    try {
      response = await handle(request, env, entry);
    } catch (error) {
      // A bad configuration (its errors carry a code: edge.config, secret.*, options.*) or a
      // bug: answer 500 without detail rather than crash the isolate. The log keeps the code.
      const code = typeof error?.code === 'string' ? error.code : 'edge.internal';
      entry.code = code;
      response = answer(500, { status: 'error', code: code === 'edge.internal' ? code : 'edge.config' });
    }
    entry.status = response.status;
    entry.ms = Date.now() - started;
    log(entry);
    return response;
  },
};

async function handle(request, env, entry) {
  if (request.method !== 'POST') {
    entry.code = 'request.method';
    return answer(405, { status: 'rejected', code: 'request.method' }, { allow: 'POST' });
  }

  const config = configure(env);
  let body;
  try {
    body = await readBounded(request, config.maxBodyBytes);
  } catch {
    // The client's framing is broken (bad chunking, conflicting lengths): its fault, not
    // ours, so a 400 that a sender will not retry rather than a 500 that it would.
    entry.code = 'input.unreadable_body';
    return answer(400, {
      status: 'rejected',
      code: 'input.unreadable_body',
      pointer: '',
      message: 'the request body could not be read as sent',
    });
  }
  if (body === null) {
    entry.code = 'input.too_large';
    return answer(413, {
      status: 'rejected',
      code: 'input.too_large',
      pointer: '',
      message: `the body is larger than ${config.maxBodyBytes} bytes`,
    });
  }
  entry.bytes = body.byteLength;

  let received;
  try {
    received = config.receiver.receive(body, request.headers);
  } catch (error) {
    return refuse(error, entry);
  }
  entry.id = received.id;
  entry.event_type = received.event_type;
  entry.version = received.version;

  return deliverOnce(received, config, env, entry);
}

// Claims the id, forwards, then marks it done; a failed forward frees the id so that the
// sender's retry can go through.
async function deliverOnce(received, config, env, entry) {
  const dedup = env.DEDUP.get(env.DEDUP.idFromName(received.id));
  const claim = await dedup.claim(Date.now(), CLAIM_LEASE_MS);
  if (claim === 'done') {
    entry.code = 'duplicate';
    return answer(200, { status: 'duplicate', id: received.id });
  }
  if (claim === 'in_flight') {
    entry.code = 'duplicate.in_flight';
    return answer(
      429,
      { status: 'retry', code: 'duplicate.in_flight', id: received.id },
      { 'retry-after': String(IN_FLIGHT_RETRY_AFTER_SECONDS) },
    );
  }

  let forwarded;
  try {
    forwarded = await forward(received, config);
  } catch (error) {
    forwarded = { ok: false, status: 0, reason: error?.name ?? 'Error' };
  }
  entry.forward_status = forwarded.status;
  if (!forwarded.ok) {
    await dedup.release();
    entry.code = 'forward.failed';
    return answer(502, { status: 'retry', code: 'forward.failed', id: received.id });
  }

  await dedup.complete(Date.now(), config.dedupTtlSeconds);
  return answer(202, { status: 'accepted', id: received.id });
}

// The automation gets the canonical body (exact integers), the original webhook-id and a
// timestamp and signature of this worker's own, so it needs neither the sender's headers
// nor its secret.
async function forward(received, config) {
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = {
    'content-type': 'application/json',
    'webhook-id': received.id,
    'webhook-timestamp': String(timestamp),
  };
  if (config.forwardKeys.length > 0) {
    headers['webhook-signature'] = sign(received.id, timestamp, received.body, config.forwardKeys);
  }
  const response = await fetch(config.forwardUrl, {
    method: 'POST',
    headers,
    body: received.body,
    signal: AbortSignal.timeout(config.forwardTimeoutMs),
  });
  // Drain the answer so the connection can be reused; its content is not needed.
  await response.arrayBuffer();
  return { ok: response.ok, status: response.status };
}

function refuse(error, entry) {
  const code = typeof error?.code === 'string' ? error.code : 'edge.internal';
  const family = code.split('.')[0];
  const status = code === 'input.too_large' ? 413 : STATUS_BY_FAMILY[family] ?? 500;
  entry.code = code;
  if (status === 500) {
    // A configuration problem (a bad key, bad options): the sender can do nothing about it.
    return answer(500, { status: 'error', code });
  }
  return answer(status, {
    status: 'rejected',
    code,
    pointer: error.pointer ?? '',
    message: error.message,
    errors: (error.errors ?? []).map(({ code: c, pointer }) => ({ code: c, pointer })),
  });
}

function configure(env) {
  const fingerprint = [
    env.VERIFY_KEYS, env.FORWARD_URL, env.FORWARD_SECRET, env.FORWARD_UNSIGNED,
    env.MAX_BODY_BYTES, env.TOLERANCE_SECONDS, env.CONTRACTS, env.DEDUP_TTL_SECONDS,
    env.FORWARD_TIMEOUT_MS,
  ].join('\u0000');
  if (configured?.fingerprint === fingerprint) return configured;

  const verifyKeys = keyList(env.VERIFY_KEYS);
  const forwardKeys = keyList(env.FORWARD_SECRET);
  if (verifyKeys.length === 0) throw configError('VERIFY_KEYS is empty');
  if (!env.FORWARD_URL) throw configError('FORWARD_URL is not set');
  if (forwardKeys.length === 0 && env.FORWARD_UNSIGNED !== 'true') {
    throw configError('FORWARD_SECRET is empty and FORWARD_UNSIGNED is not "true"');
  }
  const maxBodyBytes = positive(env.MAX_BODY_BYTES, DEFAULT_MAX_BODY_BYTES);
  const options = {
    verify_keys: verifyKeys,
    limits: { max_body_bytes: maxBodyBytes },
  };
  if (env.TOLERANCE_SECONDS) options.tolerance = positive(env.TOLERANCE_SECONDS, 300);
  if (env.CONTRACTS) options.contracts = JSON.parse(env.CONTRACTS);

  configured = {
    fingerprint,
    receiver: new Receiver(options),
    forwardKeys,
    forwardUrl: env.FORWARD_URL,
    maxBodyBytes,
    dedupTtlSeconds: positive(env.DEDUP_TTL_SECONDS, DEFAULT_DEDUP_TTL_SECONDS),
    forwardTimeoutMs: positive(env.FORWARD_TIMEOUT_MS, DEFAULT_FORWARD_TIMEOUT_MS),
  };
  return configured;
}

function configError(message) {
  const error = new Error(message);
  error.code = 'edge.config';
  return error;
}

function keyList(text) {
  return (text ?? '').split(/[\s,]+/).filter((key) => key.length > 0);
}

function positive(text, fallback) {
  const value = Number(text);
  return Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

// Reads the body chunk by chunk and gives up as soon as it passes the limit, so an oversize
// body is never held whole. Returns null when it is too large.
async function readBounded(request, maxBytes) {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) return null;
  if (request.body === null) return new Uint8Array(0);

  const reader = request.body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

function answer(status, payload, extraHeaders = {}) {
  return new Response(JSON.stringify(payload), {
    status,
    headers: { 'content-type': 'application/json', ...extraHeaders },
  });
}

// One line per request: the id, the event type and the code, never a key, a header value
// other than the id, the body or the client's address.
function log(entry) {
  console.log(JSON.stringify({ msg: 'waybill.edge', ...entry }));
}

/**
 * Remembers one webhook-id: `claim` hands it to one delivery at a time, `complete` marks it
 * forwarded for DEDUP_TTL_SECONDS, `release` frees it after a failed forward. One object per
 * id, so claims of different ids never wait on each other.
 */
export class Deduplicator extends DurableObject {
  async claim(now, leaseMs) {
    const state = await this.ctx.storage.get('state');
    if (state?.status === 'done') return 'done';
    if (state?.status === 'in_flight' && now - state.at < leaseMs) return 'in_flight';
    await this.ctx.storage.put('state', { status: 'in_flight', at: now });
    return 'claimed';
  }

  async complete(now, ttlSeconds) {
    await this.ctx.storage.put('state', { status: 'done', at: now });
    await this.ctx.storage.setAlarm(now + ttlSeconds * 1000);
  }

  async release() {
    await this.ctx.storage.delete('state');
  }

  async alarm() {
    await this.ctx.storage.deleteAll();
  }
}
