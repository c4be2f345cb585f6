// The whole path, asserted: a lead sent through the WordPress form is delivered to the edge
// worker in workerd, forwarded to the automation service, classified and written back onto the
// lead record; plus a receiver that is down, a duplicate submission, a tampered delivery, a
// content draft request, and the n8n workflow's Code nodes. One line per assertion.
//
// Run by run-tests.sh, which brings the stack up with `scripts/demo.sh up` in a temporary
// directory and exports its environment.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { prepare, receive, sign } from 'waybill-edge';
import {
  automationRecord, edgeLines, leadRecord, outboxEvent, postForm, readForm, runWorker,
  sendAndFollow, waitForDelivery,
} from '../../../examples/automation/trail.mjs';
import { loadWorkflow, node, runCode, webhookItem } from './n8n-harness.mjs';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const env = process.env;
const KEY_PATTERN = /^[a-z][a-z0-9]{0,15}_[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

let failures = 0;
let count = 0;

function check(name, condition, detail = '') {
  count += 1;
  if (condition) {
    console.log(`ok ${count} - ${name}`);
  } else {
    failures += 1;
    console.log(`not ok ${count} - ${name}${detail ? ` — ${typeof detail === 'string' ? detail : JSON.stringify(detail)}` : ''}`);
  }
}

function helper(...args) {
  const php = (env.WAYBILL_PHP || 'php').split(' ');
  const out = execFileSync(php[0], [...php.slice(1), `${ROOT}tests/e2e/demo/wp-helper.php`, env.WAYBILL_WP_ROOT, ...args], { encoding: 'utf8' });
  return JSON.parse(out);
}

function demo(...args) {
  const result = spawnSync('bash', [`${ROOT}scripts/demo.sh`, ...args], {
    env: { ...env, WAYBILL_DEMO_SKIP_INSTALL: '1' },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`scripts/demo.sh ${args.join(' ')}: ${result.stderr}`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the CLI worker until the event satisfies `done` or time runs out. */
async function deliverUntil(id, done, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const event = outboxEvent(env, id);
    if (event && done(event)) return event;
    if (Date.now() > deadline) return event;
    await runWorker(env);
    await sleep(250);
  }
}

function lead(message, extra = {}) {
  return {
    name: 'Grace Hopper',
    email: `grace+${Date.now()}@compilers.example`,
    company: 'Compilers Inc',
    phone: '',
    message,
    ...extra,
  };
}

// --- 1. The trail ----------------------------------------------------------------------

async function theTrail() {
  const trail = await sendAndFollow(env);
  const { accepted, delivery, edge, automation } = trail;
  check('form: the page carries a form token and the site accepts the post (303 to the thank-you page)',
    accepted.status === 303 && /waybill_lead=sent/.test(accepted.location ?? ''), accepted);
  check('accepted by the site: the answer names the event id', KEY_PATTERN.test(accepted.id ?? ''), accepted.id);
  check('delivered: the outbox row is delivered after one attempt answered 202 by the edge',
    delivery.event?.status === 'delivered' && delivery.event.tries.length === 1 && delivery.event.tries[0].http_status === 202,
    delivery.event);
  const verdict = edge.at(-1);
  check('verified at the edge: one log line, 202 accepted, contract lead.submitted 1.0',
    edge.length === 1 && verdict.status === 202 && verdict.code === null && verdict.event_type === 'lead.submitted' && verdict.version === '1.0',
    edge);
  check('forwarded: the edge forwarded it once and the automation answered 200', verdict?.forward_status === 200 && automation?.deliveries === 1,
    { verdict, automation });
  check('forwarded: the automation verified the edge\'s signature (it keeps only verified events)', automation?.verified_at >= automation?.received_at);
  check('classified: the demo lead is hot with score 100', automation?.decision?.segment === 'hot' && automation.decision.score === 100, automation?.decision);
  const leadId = Number(delivery.event?.entity_id);
  check('written back: WordPress applied the signed lead.classified to this lead',
    automation?.writeback?.status === 200 && automation.writeback.answer === 'applied' && automation.writeback.result === `lead:${leadId}`,
    automation?.writeback);
  const record = trail.lead;
  check('lead record: the classification is stored with its write-back id and the lead key',
    record?.classification?.data?.segment === 'hot' && record.classification.webhook_id === automation?.writeback?.id
      && record.classification.data.lead_key === accepted.id && record.classified_at !== null,
    record);
  check('timings: accepted, forwarded, classified and written back in that order',
    accepted.at <= automation?.written_back_at + 1000 && automation?.received_at <= automation?.decided_at
      && automation?.decided_at <= automation?.written_back_at);
  return { trail, leadId };
}

// --- 2. A receiver down during submission ----------------------------------------------

async function receiverDown(service, expectedStatus) {
  demo('stop', service);
  const form = await readForm(env.WAYBILL_WP_FORM_URL);
  const accepted = await postForm(env.WAYBILL_WP_FORM_URL, form, lead(`The ${service} is down; please send a quote later.`));
  check(`${service} down: the site still accepts the lead at once`, accepted.status === 303 && KEY_PATTERN.test(accepted.id ?? ''), accepted);
  const failed = await deliverUntil(accepted.id, (e) => e.attempts >= 1);
  check(`${service} down: the attempt failed (${expectedStatus === 0 ? 'no connection' : `HTTP ${expectedStatus}`}) and the event waits for a retry`,
    failed?.status === 'pending' && failed.attempts >= 1 && failed.tries[0].http_status === expectedStatus, failed);

  demo('up');
  const delivered = await deliverUntil(accepted.id, (e) => e.status === 'delivered');
  check(`${service} back: the retry delivered the event`, delivered?.status === 'delivered' && delivered.tries.at(-1).http_status === 202, delivered);
  const record = await automationRecord(env, accepted.id, 10_000);
  const stored = leadRecord(env, delivered?.entity_id);
  check(`${service} back: classified and written back once`,
    record?.outcome === 'written_back' && stored?.classification?.webhook_id === record.writeback.id, { record, stored });
}

// --- 3. A duplicate submission -----------------------------------------------------------

async function duplicateSubmission() {
  const form = await readForm(env.WAYBILL_WP_FORM_URL);
  const data = lead('Double-clicked: pricing for ten seats, please.');
  const [first, second] = await Promise.all([
    postForm(env.WAYBILL_WP_FORM_URL, form, data),
    postForm(env.WAYBILL_WP_FORM_URL, form, data),
  ]);
  check('duplicate submission: both posts are accepted with the same event id',
    first.status === 303 && second.status === 303 && first.id === second.id && KEY_PATTERN.test(first.id ?? ''), { first, second });
  const delivery = await waitForDelivery(env, first.id);
  const record = await automationRecord(env, first.id);
  check('duplicate submission: one outbox event, delivered once', delivery.event?.status === 'delivered' && delivery.event.tries.length === 1, delivery.event);

  // The same event once more, as a sender's retry would look: replayed from the outbox.
  helper('replay', String(delivery.event.row_id));
  const replayed = await deliverUntil(first.id, (e) => e.status === 'delivered' && e.tries.length === 2);
  const lines = edgeLines(env, first.id);
  check('duplicate delivery: the edge answers 200 duplicate and does not forward again',
    replayed?.tries.at(-1)?.http_status === 200 && lines.at(-1)?.code === 'duplicate' && lines.filter((l) => l.status === 202).length === 1, lines);
  const again = await automationRecord(env, first.id);
  const inbound = helper('inbound', 'lead.classified').filter((row) => row.result === `lead:${delivery.event.entity_id}`);
  check('duplicate submission: exactly one classification (automation saw it once, one write-back applied)',
    record?.deliveries === 1 && again?.deliveries === 1 && inbound.length === 1 && inbound[0].status === 'done', { deliveries: again?.deliveries, inbound });
}

// --- 4. A tampered delivery --------------------------------------------------------------

async function tamperedDelivery() {
  // A proxy between the site and the edge changes one byte of each body it passes on, and
  // keeps the edge's answers (the edge cannot name the id of a body it refused).
  const answers = [];
  const proxy = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8').replace('tamper-me', 'tampered!');
      const headers = {};
      for (const name of ['content-type', 'webhook-id', 'webhook-timestamp', 'webhook-signature']) {
        if (request.headers[name]) headers[name] = request.headers[name];
      }
      const answer = await fetch(env.WAYBILL_EDGE_URL, { method: 'POST', headers, body });
      const text = await answer.text();
      answers.push({ id: headers['webhook-id'], status: answer.status, body: JSON.parse(text) });
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(text);
    });
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  helper('endpoint-url', `http://127.0.0.1:${proxy.address().port}/`);
  try {
    const refusedBefore = edgeRefusals();
    const form = await readForm(env.WAYBILL_WP_FORM_URL);
    const accepted = await postForm(env.WAYBILL_WP_FORM_URL, form, lead('Please quote: tamper-me'));
    const dead = await deliverUntil(accepted.id, (e) => e.status === 'dead');
    const mine = answers.filter((a) => a.id === accepted.id);
    check('tampered delivery: refused at the edge with 401 signature.mismatch',
      mine.length === 1 && mine[0].status === 401 && mine[0].body.code === 'signature.mismatch', answers);
    check('tampered delivery: the edge logged the refusal', edgeRefusals() === refusedBefore + 1);
    check('tampered delivery: dead in the outbox after one attempt, HTTP 401 recorded',
      dead?.status === 'dead' && dead.tries.length === 1 && dead.tries[0].http_status === 401, dead);
    const record = await fetch(`${env.WAYBILL_AUTOMATION_URL}/events/${accepted.id}`);
    check('tampered delivery: never reached the automation', record.status === 404);

    const html = await adminPage(`admin.php?page=waybill&s=${accepted.id}`);
    // The key is shown as <code><bdi>…</bdi></code>: stored values are isolated from bidi controls.
    const row = html.split('<tr').slice(1).find((part) => part.includes(`<bdi>${accepted.id}</bdi></code>`)) ?? '';
    check('tampered delivery: the admin\'s events list shows it as dead', row.includes('waybill-status-dead'), row.slice(0, 300));
  } finally {
    helper('endpoint-url', env.WAYBILL_EDGE_URL);
    proxy.close();
  }
}

/** How many signature.mismatch refusals the edge has logged. */
function edgeRefusals() {
  return readFileSync(env.WAYBILL_EDGE_LOG, 'utf8').split('\n')
    .filter((line) => line.includes('"msg":"waybill.edge"') && line.includes('"code":"signature.mismatch"')).length;
}

// --- 5. A content draft request ----------------------------------------------------------

async function draftRequest() {
  const nonce = await restNonce();
  const created = await restCall('POST', '/wp-json/wp/v2/posts', nonce, {
    title: 'Signed webhooks at the edge', content: 'Why a site should sign what it sends.', status: 'publish',
  });
  check('draft request: the editor\'s post exists', created.status === 201, created.body);
  const requested = await restCall('POST', `/wp-json/waybill/v1/posts/${created.body.id}/draft-request`, nonce, {
    keyword: 'signed webhooks', audience: 'site owners', content_type: 'blog_post',
  });
  check('draft request: accepted as content.draft_requested', requested.status === 202 && KEY_PATTERN.test(requested.body.id ?? ''), requested.body);
  const delivery = await waitForDelivery(env, requested.body.id);
  const record = await automationRecord(env, requested.body.id);
  check('draft request: delivered, forwarded and answered with content.draft_ready',
    delivery.event?.status === 'delivered' && record?.decision?.event_type === 'content.draft_ready' && record.writeback?.status === 200,
    { event: delivery.event, record });
  const postId = Number(String(record?.writeback?.result ?? '').replace('post:', ''));
  const draft = postId ? helper('post', String(postId)) : null;
  check('draft request: a draft post exists, never published', draft?.status === 'draft' && draft.id !== created.body.id, draft);
  check('draft request: its sources are in post meta',
    Array.isArray(draft?.sources) && draft.sources.some((s) => s.url?.includes(`?p=${created.body.id}`)), draft?.sources);
  check('draft request: its provenance names the write-back and the request',
    draft?.provenance?.webhook_id === record?.writeback?.id && draft.provenance.request_key === requested.body.id && draft.provenance.for_post === created.body.id,
    draft?.provenance);
}

// --- 6. The n8n workflow -----------------------------------------------------------------

async function n8nWorkflow(leadId) {
  let workflow;
  try {
    workflow = loadWorkflow();
    check('n8n: waybill-workflow.json is well-formed JSON', true);
  } catch (error) {
    check('n8n: waybill-workflow.json is well-formed JSON', false, error.message);
    return;
  }
  const fresh = spawnSync('node', [`${ROOT}examples/n8n/build-workflow.mjs`, '--check'], { encoding: 'utf8' });
  check('n8n: the workflow matches its Code node sources', fresh.status === 0, fresh.stderr);
  const names = new Set(workflow.nodes.map((n) => n.name));
  const targets = Object.values(workflow.connections).flatMap((c) => c.main.flat().map((t) => t.node));
  check('n8n: every connection joins existing nodes', [...Object.keys(workflow.connections), ...targets].every((n) => names.has(n)));
  const hook = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.webhook');
  check('n8n: the Webhook node keeps the raw body and answers from the workflow',
    hook?.parameters.options.rawBody === true && hook.parameters.responseMode === 'responseNode');

  const forwardSecret = 'whsec_' + Buffer.from('n8n-test-forward-secret-32-bytes').toString('base64');
  const $env = { WAYBILL_FORWARD_SECRET: forwardSecret, WAYBILL_INBOUND_SECRET: env.WAYBILL_INBOUND_SECRET };
  const verifyNode = node(workflow, 'Verify edge signature');
  const decideNode = node(workflow, 'Classify and sign');

  // What the edge forwards: canonical JSON of a valid event, signed with the forward secret.
  const source = prepare({
    event_type: 'lead.submitted', source: 'wordpress-contact-form', entity: { type: 'lead', id: leadId },
    consent: true, actor: 'anonymous',
    data: { name: 'Ada', email: 'ada@analytical.example', company: 'Analytical', message: 'A quote, please. Café ✓', consent: true },
    metadata: { site: env.WAYBILL_WP_URL },
  }, {});
  const now = Math.floor(Date.now() / 1000);
  const headersFor = (body, timestamp = now) => ({
    'webhook-id': source.idempotency_key,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': sign(source.idempotency_key, timestamp, body, [forwardSecret]),
    'content-type': 'application/json',
  });

  const [good] = await runCode(verifyNode, [webhookItem(source.body, headersFor(source.body))], $env);
  check('n8n Code node: a forward signed by the edge verifies', good.json.verified === true && good.json.event?.event_type === 'lead.submitted', good.json);
  const tampered = source.body.replace('Ada', 'Eve');
  const [bad] = await runCode(verifyNode, [webhookItem(tampered, headersFor(source.body))], $env);
  check('n8n Code node: a tampered body is refused (signature.mismatch)', bad.json.verified === false && bad.json.code === 'signature.mismatch', bad.json);
  const staleBody = source.body;
  const [stale] = await runCode(verifyNode, [webhookItem(staleBody, headersFor(staleBody, now - 3600))], $env);
  check('n8n Code node: an old timestamp is refused', stale.json.verified === false && stale.json.code === 'signature.timestamp_out_of_range', stale.json);
  const [missing] = await runCode(verifyNode, [webhookItem(source.body, { 'content-type': 'application/json' })], $env);
  check('n8n Code node: missing headers are refused', missing.json.verified === false && missing.json.code === 'signature.missing_header', missing.json);

  const [decided] = await runCode(decideNode, [good], $env);
  let received = null;
  try {
    received = receive(decided.json.body, decided.json.headers, { verify_keys: [env.WAYBILL_INBOUND_SECRET] });
  } catch (error) {
    received = { error: error.code, message: error.message };
  }
  check('n8n Code node: its lead.classified is signed correctly and meets the contract (checked by waybill-edge)',
    received?.event_type === 'lead.classified' && received.id === decided.json.headers['webhook-id'], received);
  const [again] = await runCode(decideNode, [good], $env);
  check('n8n Code node: the same event gives the same write-back id', again.json.headers['webhook-id'] === decided.json.headers['webhook-id']);

  // What the HTTP Request node sends, sent to the live site.
  const post = () => fetch(`${env.WAYBILL_WP_URL}/wp-json/waybill/v1/writeback`, { method: 'POST', headers: decided.json.headers, body: decided.json.body });
  const first = await post();
  const firstBody = await first.json();
  check('n8n write-back: WordPress applies it to the lead', first.status === 200 && firstBody.status === 'applied' && firstBody.result === `lead:${leadId}`, firstBody);
  const second = await post();
  const secondBody = await second.json();
  check('n8n write-back: a repeat is answered 200 duplicate, no second effect', second.status === 200 && secondBody.status === 'duplicate', secondBody);

  const draftSource = prepare({
    event_type: 'content.draft_requested', source: 'wordpress-editor', entity: { type: 'post', id: 1 }, consent: true, actor: '1',
    data: { post_id: 1, keyword: 'edge', audience: 'developers', content_type: 'blog_post' }, metadata: { site: env.WAYBILL_WP_URL },
  }, {});
  const [draftItem] = await runCode(verifyNode, [webhookItem(draftSource.body, {
    'webhook-id': draftSource.idempotency_key, 'webhook-timestamp': String(now),
    'webhook-signature': sign(draftSource.idempotency_key, now, draftSource.body, [forwardSecret]),
  })], $env);
  const [draftOut] = await runCode(decideNode, [draftItem], $env);
  let draftReceived = null;
  try {
    draftReceived = receive(draftOut.json.body, draftOut.json.headers, { verify_keys: [env.WAYBILL_INBOUND_SECRET] });
  } catch (error) {
    draftReceived = { error: error.code, message: error.message };
  }
  check('n8n Code node: a draft request gives a valid, signed content.draft_ready', draftReceived?.event_type === 'content.draft_ready', draftReceived);
}

// --- Admin over HTTP ---------------------------------------------------------------------

let cookies = null;

async function login() {
  if (cookies) return cookies;
  const response = await fetch(`${env.WAYBILL_WP_URL}/wp-login.php`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'wordpress_test_cookie=WP%20Cookie%20check' },
    body: new URLSearchParams({ log: 'admin', pwd: env.WAYBILL_WP_ADMIN_PASSWORD, testcookie: '1', 'redirect_to': `${env.WAYBILL_WP_URL}/wp-admin/` }),
  });
  await response.arrayBuffer();
  cookies = response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return cookies;
}

async function adminPage(path) {
  const response = await fetch(`${env.WAYBILL_WP_URL}/wp-admin/${path}`, { headers: { cookie: await login() } });
  return response.text();
}

async function restNonce() {
  return (await adminPage('admin-ajax.php?action=rest-nonce')).trim();
}

async function restCall(method, path, nonce, body) {
  const response = await fetch(`${env.WAYBILL_WP_URL}${path}`, {
    method,
    headers: { cookie: await login(), 'x-wp-nonce': nonce, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Reported as text.
  }
  return { status: response.status, body: parsed };
}

// --- Run ---------------------------------------------------------------------------------

async function main() {
  // Retries after a second, not Standard Webhooks' minutes; room for every submission here.
  helper('settings', JSON.stringify({ retry_schedule: '1,1,1,1,1', rate_limit: 100 }));

  const sections = [
    ['the trail', theTrail],
    ['edge down', () => receiverDown('edge', 0)],
    ['automation down', () => receiverDown('automation', 502)],
    ['duplicate submission', duplicateSubmission],
    ['tampered delivery', tamperedDelivery],
    ['content draft', draftRequest],
  ];
  let leadId = 1;
  for (const [name, run] of sections) {
    const started = Date.now();
    try {
      const result = await run();
      if (result?.leadId) leadId = result.leadId;
    } catch (error) {
      check(`${name}: ran to the end`, false, error.stack);
    }
    console.log(`# ${name}: ${Date.now() - started} ms`);
  }
  try {
    await n8nWorkflow(leadId);
  } catch (error) {
    check('n8n workflow: ran to the end', false, error.stack);
  }

  console.log(`# ${count - failures} passed, ${failures} failed`);
  process.exit(failures === 0 ? 0 : 1);
}

main();
