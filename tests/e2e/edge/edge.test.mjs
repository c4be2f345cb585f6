// The edge worker end to end: real workerd on 127.0.0.1, signed deliveries from a sender,
// and a small real automation service behind it that checks what arrives.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import {
  canonicalize, generateKeypair, generateSecret, prepare, sign,
} from 'waybill-edge';
import { startAutomation, startEdge } from './harness.mjs';

const MAX_BODY_BYTES = 16 * 1024;

const keys = {
  old: generateSecret(),
  current: generateSecret(),
  retired: generateSecret(),
  ed25519: generateKeypair(),
  forward: generateSecret(),
};

let automation;
let edge;
let sent = 0;
let sequence = 0;

before(async () => {
  automation = await startAutomation(keys.forward);
  edge = await startEdge({
    WAYBILL_VERIFY_KEYS: `${keys.old} ${keys.current} ${keys.ed25519.public_key}`,
    WAYBILL_FORWARD_URL: automation.url,
    WAYBILL_FORWARD_SECRET: keys.forward,
    WAYBILL_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    WAYBILL_FORWARD_TIMEOUT_MS: '3000',
  });
});

after(async () => {
  await edge?.stop();
  await automation?.close();
});

function now() {
  return Math.floor(Date.now() / 1000);
}

/** A signed lead delivery as a Waybill sender builds it. */
function delivery({ secrets = [keys.current], at = now(), entityId, data = {} } = {}) {
  sequence += 1;
  const event = {
    event_type: 'lead.submitted',
    source: 'wordpress-contact-form',
    entity: { type: 'lead', id: entityId ?? 4800 + sequence },
    consent: true,
    actor: 'anonymous',
    data: {
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      company: 'Analytical Engines',
      message: `Please call me about the engine (${sequence}).`,
      page_url: 'https://example.com/contact',
      consent: true,
      ...data,
    },
    metadata: { site: 'https://example.com', locale: 'en_US' },
  };
  const prepared = prepare(event, { secrets, now: at });
  return { id: prepared.idempotency_key, body: prepared.body, headers: prepared.headers };
}

/** The headers of `d` re-signed now over `body` (a sender that wrote other bytes). */
function resigned(d, body, secret = keys.current) {
  const timestamp = now();
  return {
    ...d.headers,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': sign(d.id, timestamp, body, [secret]),
  };
}

async function post(body, headers) {
  sent += 1;
  const response = await fetch(edge.url, { method: 'POST', body, headers });
  return { status: response.status, answer: await response.json() };
}

function forwardedFor(id) {
  return automation.requests.filter((r) => r.headers['webhook-id'] === id);
}

test('forwards the exact raw body it verified, signed by the edge with the original id', async () => {
  const d = delivery();
  const { status, answer } = await post(d.body, d.headers);
  assert.equal(status, 202);
  assert.deepEqual(answer, { status: 'accepted', id: d.id });

  const forwarded = forwardedFor(d.id);
  assert.equal(forwarded.length, 1);
  assert.equal(forwarded[0].body, d.body);
  assert.equal(forwarded[0].verified.id, d.id);
  assert.notEqual(forwarded[0].headers['webhook-signature'], d.headers['webhook-signature']);
});

test('refuses a compact-signed body sent pretty-printed', async () => {
  const d = delivery();
  const pretty = JSON.stringify(JSON.parse(d.body), null, 2);
  const { status, answer } = await post(pretty, d.headers);
  assert.equal(status, 401);
  assert.equal(answer.code, 'signature.mismatch');
  assert.equal(forwardedFor(d.id).length, 0);
});

test('refuses an altered body', async () => {
  const d = delivery();
  const altered = d.body.replace('Please call me', 'Please call us');
  assert.notEqual(altered, d.body);
  const { status, answer } = await post(altered, d.headers);
  assert.equal(status, 401);
  assert.equal(answer.code, 'signature.mismatch');
  assert.equal(forwardedFor(d.id).length, 0);
});

test('refuses a timestamp older than the tolerance', async () => {
  const d = delivery({ at: now() - 600 });
  const { status, answer } = await post(d.body, d.headers);
  assert.equal(status, 401);
  assert.equal(answer.code, 'signature.timestamp_out_of_range');
  assert.equal(forwardedFor(d.id).length, 0);
});

test('refuses a request missing any signature header', async () => {
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    const d = delivery();
    const headers = { ...d.headers };
    delete headers[name];
    const { status, answer } = await post(d.body, headers);
    assert.equal(status, 401, name);
    assert.equal(answer.code, 'signature.missing_header', name);
    assert.equal(answer.pointer, `/headers/${name}`);
    assert.equal(forwardedFor(d.id).length, 0);
  }
});

test('refuses a malformed signature', async () => {
  const d = delivery();
  const { status, answer } = await post(d.body, { ...d.headers, 'webhook-signature': 'garbage' });
  assert.equal(status, 401);
  assert.equal(answer.code, 'signature.malformed');
  assert.equal(forwardedFor(d.id).length, 0);
});

test('verifies \\/- and \\u-escaped text over the raw bytes and forwards it canonical', async () => {
  const d = delivery({ data: { company: 'Café Analytique' } });
  const escaped = d.body
    .replace('https://example.com/contact', 'https:\\/\\/example.com\\/contact')
    .replace('Café', 'Caf\\u00e9');
  assert.notEqual(escaped, d.body);
  const { status } = await post(escaped, resigned(d, escaped));
  assert.equal(status, 202);
  const [forwarded] = forwardedFor(d.id);
  assert.equal(forwarded.body, canonicalize(escaped));
  assert.equal(forwarded.body, d.body);
  assert.ok(forwarded.body.includes('"company":"Café Analytique"'));
});

test('forwards a duplicate webhook-id once', async () => {
  const d = delivery();
  assert.equal((await post(d.body, d.headers)).status, 202);

  const again = await post(d.body, d.headers);
  assert.equal(again.status, 200);
  assert.deepEqual(again.answer, { status: 'duplicate', id: d.id });

  // A sender's retry: same id, new timestamp and signature.
  const retry = await post(d.body, resigned(d, d.body));
  assert.equal(retry.status, 200);
  assert.equal(forwardedFor(d.id).length, 1);
});

test('accepts the old and the new secret during a rotation, and an Ed25519 key', async () => {
  for (const secrets of [[keys.old], [keys.current], [keys.old, keys.current], [keys.ed25519.secret_key]]) {
    const d = delivery({ secrets });
    const { status } = await post(d.body, d.headers);
    assert.equal(status, 202, `signed with ${secrets.length} key(s)`);
    assert.equal(forwardedFor(d.id).length, 1);
  }
  const retired = delivery({ secrets: [keys.retired] });
  const { status, answer } = await post(retired.body, retired.headers);
  assert.equal(status, 401);
  assert.equal(answer.code, 'signature.mismatch');
});

test('refuses an oversize body that declares its length', async () => {
  const d = delivery();
  const body = d.body.replace('Please call me', `Please call me ${'x'.repeat(MAX_BODY_BYTES)}`);
  const { status, answer } = await post(body, resigned(d, body));
  assert.equal(status, 413);
  assert.equal(answer.code, 'input.too_large');
  assert.equal(forwardedFor(d.id).length, 0);
});

test('refuses an oversize chunked body before reading it whole', async () => {
  const d = delivery();
  const chunk = Buffer.alloc(1024, 'x');
  const refusals = () => edge.logLines().filter((l) => l.status === 413 && l.code === 'input.too_large').length;
  const before = refusals();
  sent += 1;
  // The worker answers 413 and closes while chunks are still going out, so the client's
  // write may fail with EPIPE or ECONNRESET, sometimes before it has read the answer: that
  // is the refusal working. Then the worker's own log line is the evidence of the 413.
  const status = await new Promise((resolve, reject) => {
    let done = false;
    const req = httpRequest(edge.url, { method: 'POST', headers: d.headers }, (response) => {
      response.resume();
      done = true;
      resolve(response.statusCode);
    });
    req.on('error', (error) => {
      if (done) return;
      done = true;
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') return resolve(null);
      reject(error);
    });
    // 4 × the limit, sent in 1 KiB chunks without a content-length.
    let remaining = (4 * MAX_BODY_BYTES) / chunk.length;
    const pump = () => {
      while (remaining > 0 && !done) {
        remaining -= 1;
        if (!req.write(chunk)) return req.once('drain', pump);
      }
      if (!done) req.end();
    };
    pump();
  });
  if (status === null) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(refusals(), before + 1, 'the connection closed early and the worker logged no 413');
  } else {
    assert.equal(status, 413);
  }
  assert.equal(forwardedFor(d.id).length, 0);
});

test('forwards an entity.id above 2^53 unchanged', async () => {
  const big = '9007199254740993';
  const d = delivery({ entityId: 1 });
  const body = d.body.replace('"entity":{"id":1,', `"entity":{"id":${big},`);
  assert.notEqual(body, d.body);
  const { status } = await post(body, resigned(d, body));
  assert.equal(status, 202);
  const [forwarded] = forwardedFor(d.id);
  assert.ok(forwarded.body.includes(`"entity":{"id":${big},"type":"lead"}`), forwarded.body);
  assert.equal(forwarded.body, body);
});

test('refuses an event that breaks its contract, listing every violation', async () => {
  const d = delivery();
  const event = JSON.parse(d.body);
  delete event.data.email;
  event.data.fax = '1';
  const body = JSON.stringify(event);
  const { status, answer } = await post(body, resigned(d, body));
  assert.equal(status, 400);
  assert.equal(answer.code, 'schema.required');
  assert.deepEqual(answer.errors.map((e) => e.pointer).sort(), ['/data/email', '/data/fax']);
  assert.equal(forwardedFor(d.id).length, 0);
});

test('asks for a retry when the automation fails, then forwards the retry', async () => {
  const d = delivery();
  automation.answerWith(500);
  const failed = await post(d.body, d.headers);
  automation.answerWith(200);
  assert.equal(failed.status, 502);
  assert.equal(failed.answer.code, 'forward.failed');

  const retried = await post(d.body, d.headers);
  assert.equal(retried.status, 202);
  assert.equal(forwardedFor(d.id).length, 2);
  assert.equal((await post(d.body, d.headers)).status, 200);
});

test('logs one line per request, without keys or personal data', async () => {
  // Let workerd flush its output.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const lines = edge.logLines().filter((line) => line.msg === 'waybill.edge');
  const posts = lines.filter((line) => line.status !== 405);
  assert.equal(posts.length, sent);
  for (const line of lines) {
    assert.equal(typeof line.status, 'number');
    assert.equal(typeof line.ms, 'number');
  }
  const output = edge.output();
  for (const secret of [keys.old, keys.current, keys.forward, keys.ed25519.secret_key]) {
    assert.ok(!output.includes(secret.slice(6)), 'a key appears in the log');
  }
  for (const personal of ['ada@example.com', 'Ada Lovelace', 'Analytical Engines']) {
    assert.ok(!output.includes(personal), `${personal} appears in the log`);
  }
  assert.ok(posts.some((line) => line.code === 'duplicate' && line.id));
});
