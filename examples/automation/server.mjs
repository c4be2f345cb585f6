// A small automation service standing in for n8n in Waybill's demo. It trusts only what the
// edge worker forwards (the edge's own Standard Webhooks signature, checked with waybill-edge),
// classifies leads and drafts content by fixed rules (rules.mjs), and posts each result back to
// WordPress's write-back route signed with the site's inbound secret.
//
//   AUTOMATION_VERIFY_KEYS=whsec_… AUTOMATION_WRITEBACK_URL=http://127.0.0.1:8080/wp-json/waybill/v1/writeback \
//   AUTOMATION_WRITEBACK_SECRET=whsec_… node server.mjs
//
// It listens on 127.0.0.1 only. Settings are described in README.md.
import { createServer } from 'node:http';
import { Receiver, prepare } from 'waybill-edge';
import { classifyLead, draftFor, MODEL } from './rules.mjs';

/** Where the service listens; never another interface. */
const HOST = '127.0.0.1';
/** Default port, n8n's. */
const DEFAULT_PORT = 5678;
/** The path the edge's FORWARD_URL points at. */
const WEBHOOK_PATH = '/webhook/waybill';
/** Largest body accepted from the edge (the core's default limit). */
const MAX_BODY_BYTES = 256 * 1024;
/** How long WordPress gets to answer a write-back. */
const DEFAULT_WRITEBACK_TIMEOUT_MS = 10_000;
/** Keys results' idempotency keys are derived with when AUTOMATION_SITE_KEY is not set. */
const DEFAULT_SITE_KEY = 'waybill-automation-example';
/** Events remembered for GET /events (oldest dropped first). */
const MAX_RECORDS = 1000;

/** Source event type → what is sent back, and how it is built. */
const HANDLERS = {
  'lead.submitted': { reply: 'lead.classified', prefix: 'cls', build: classificationOf },
  'content.draft_requested': { reply: 'content.draft_ready', prefix: 'draft', build: draftOf },
};

const config = readConfig(process.env);
const receiver = new Receiver({ verify_keys: config.verifyKeys, limits: { max_body_bytes: MAX_BODY_BYTES } });
/** webhook-id → what happened to it, for GET /events/<id> (the demo prints its trail from it). */
const records = new Map();

const server = createServer((request, response) => {
  route(request, response).catch((error) => {
    log({ status: 500, code: 'automation.internal', error: error?.message });
    send(response, 500, { status: 'error', code: 'automation.internal' });
  });
});
server.listen(config.port, HOST, () => {
  log({ status: 0, code: 'listening', url: `http://${HOST}:${server.address().port}${WEBHOOK_PATH}` });
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}

async function route(request, response) {
  const path = new URL(request.url, 'http://localhost').pathname;
  if (request.method === 'GET' && path === '/health') {
    return send(response, 200, { status: 'ok', model: MODEL });
  }
  if (request.method === 'GET' && path === '/events') {
    return send(response, 200, { events: [...records.values()] });
  }
  if (request.method === 'GET' && path.startsWith('/events/')) {
    const record = records.get(decodeURIComponent(path.slice('/events/'.length)));
    return record ? send(response, 200, record) : send(response, 404, { status: 'unknown' });
  }
  if (request.method === 'POST' && path === WEBHOOK_PATH) {
    return handleForward(request, response);
  }
  return send(response, 404, { status: 'rejected', code: 'request.route' });
}

// One forward from the edge: verify, act once, answer. The edge's 2xx tells WordPress the
// event is delivered, so the answer waits for the write-back: a failed write-back answers
// 502, the edge frees the id and WordPress's retry brings the event back.
async function handleForward(request, response) {
  const started = Date.now();
  const body = await readBody(request);
  if (body === null) {
    log({ status: 413, code: 'input.too_large' });
    return send(response, 413, { status: 'rejected', code: 'input.too_large' });
  }

  let received;
  try {
    received = receiver.receive(body, request.headers);
  } catch (error) {
    const code = typeof error?.code === 'string' ? error.code : 'automation.internal';
    const status = code.startsWith('signature.') ? 401 : 400;
    log({ status, code, id: request.headers['webhook-id'] ?? null });
    return send(response, status, { status: 'rejected', code });
  }

  const record = remember(received, started);
  const handler = HANDLERS[received.event_type];
  if (!handler) {
    record.outcome = 'ignored';
    log({ status: 202, code: 'ignored', id: received.id, event_type: received.event_type });
    return send(response, 202, { status: 'ignored', id: received.id });
  }
  if (record.writeback?.ok) {
    // Already acted on: answer as before, never classify twice.
    log({ status: 200, code: 'duplicate', id: received.id, event_type: received.event_type });
    return send(response, 200, { status: 'duplicate', id: received.id, result: record.writeback.result });
  }

  const event = JSON.parse(received.body);
  const outgoing = handler.build(event, received);
  record.decided_at = Date.now();
  record.decision = summary(outgoing);

  const writeback = await writeBack(outgoing, handler, received.id);
  record.writeback = writeback;
  record.written_back_at = Date.now();
  record.outcome = writeback.ok ? 'written_back' : 'writeback_failed';

  const status = writeback.ok ? 200 : 502;
  log({
    status,
    code: writeback.ok ? null : 'writeback.failed',
    id: received.id,
    event_type: received.event_type,
    reply: handler.reply,
    reply_id: writeback.id,
    writeback_status: writeback.status,
    result: writeback.result ?? null,
    ms: Date.now() - started,
  });
  return send(response, status, {
    status: writeback.ok ? 'done' : 'retry',
    id: received.id,
    reply_id: writeback.id,
    result: writeback.result ?? null,
  });
}

// The envelope of a lead.classified for a lead.submitted.
function classificationOf(event, received) {
  const { score, segment, reasons } = classifyLead(event.data ?? {});
  return {
    event_type: 'lead.classified',
    source: 'waybill-automation-example',
    entity: event.entity,
    consent: event.consent === true,
    actor: 'automation',
    data: { lead_key: received.id, score, segment, reasons, model: MODEL },
    metadata: { source_event_id: received.id },
  };
}

// The envelope of a content.draft_ready for a content.draft_requested.
function draftOf(event, received) {
  return {
    event_type: 'content.draft_ready',
    source: 'waybill-automation-example',
    entity: event.entity,
    consent: event.consent === true,
    actor: 'automation',
    data: draftFor(event.data ?? {}, received.id, event.metadata?.site),
    metadata: { source_event_id: received.id },
  };
}

// Signs the result with the inbound secret and posts it. Its idempotency key is derived from
// the source event's id, so a repeat is the same write-back and WordPress applies it once.
async function writeBack(outgoing, handler, sourceId) {
  const started = Date.now();
  const prepared = prepare(outgoing, {
    secrets: config.writebackKeys,
    site_key: config.siteKey,
    natural_key: `${handler.reply}|${sourceId}`,
    id_prefix: handler.prefix,
  });
  const result = { id: prepared.idempotency_key, ok: false, status: 0, result: null };
  try {
    const response = await fetch(config.writebackUrl, {
      method: 'POST',
      headers: prepared.headers,
      body: prepared.body,
      signal: AbortSignal.timeout(config.writebackTimeoutMs),
    });
    const text = await response.text();
    result.status = response.status;
    result.ok = response.ok;
    const answer = parseJson(text);
    result.answer = answer?.status ?? answer?.code ?? null;
    result.result = answer?.result ?? null;
  } catch (error) {
    result.error = error?.name ?? 'Error';
  }
  result.ms = Date.now() - started;
  return result;
}

function remember(received, started) {
  let record = records.get(received.id);
  if (!record) {
    record = { id: received.id, event_type: received.event_type, version: received.version, deliveries: 0 };
    records.set(received.id, record);
    if (records.size > MAX_RECORDS) records.delete(records.keys().next().value);
  }
  record.deliveries += 1;
  record.received_at = record.received_at ?? started;
  record.verified_at = record.verified_at ?? Date.now();
  record.edge_timestamp = received.timestamp;
  return record;
}

// What the trail shows of a decision: no personal field, only the verdict.
function summary(outgoing) {
  const { data } = outgoing;
  if (outgoing.event_type === 'lead.classified') {
    return { event_type: outgoing.event_type, segment: data.segment, score: data.score, reasons: data.reasons };
  }
  return { event_type: outgoing.event_type, title: data.title, sections: data.sections.length, sources: data.sources.length };
}

function readConfig(env) {
  const keys = (text) => (text ?? '').split(/[\s,]+/).filter((key) => key.length > 0);
  const config = {
    port: Number(env.AUTOMATION_PORT ?? DEFAULT_PORT),
    verifyKeys: keys(env.AUTOMATION_VERIFY_KEYS),
    writebackUrl: env.AUTOMATION_WRITEBACK_URL ?? '',
    writebackKeys: keys(env.AUTOMATION_WRITEBACK_SECRET),
    siteKey: env.AUTOMATION_SITE_KEY || DEFAULT_SITE_KEY,
    writebackTimeoutMs: Number(env.AUTOMATION_WRITEBACK_TIMEOUT_MS ?? DEFAULT_WRITEBACK_TIMEOUT_MS),
  };
  const missing = [];
  if (config.verifyKeys.length === 0) missing.push('AUTOMATION_VERIFY_KEYS');
  if (!/^https?:\/\//.test(config.writebackUrl)) missing.push('AUTOMATION_WRITEBACK_URL');
  if (config.writebackKeys.length === 0) missing.push('AUTOMATION_WRITEBACK_SECRET');
  if (missing.length > 0) {
    console.error(`automation: set ${missing.join(', ')} (see examples/automation/README.md)`);
    process.exit(2);
  }
  return config;
}

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let total = 0;
    request.on('data', (chunk) => {
      total += chunk.length;
      if (total > MAX_BODY_BYTES) {
        request.destroy();
        resolve(null);
      } else {
        chunks.push(chunk);
      }
    });
    request.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    request.on('error', reject);
  });
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function send(response, status, payload) {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(payload));
}

// One line per request: ids, types, codes and statuses; never a key, a body or a personal field.
function log(entry) {
  console.log(JSON.stringify({ msg: 'waybill.automation', at: new Date().toISOString(), ...entry }));
}
