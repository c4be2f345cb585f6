// Sends a lead through the WordPress form the way a browser without JavaScript does (GET the
// page, read the form's hidden token fields, POST the form) and follows it along the whole
// path, printing each step with its time: accepted by the site → delivered → verified at the
// edge → forwarded → classified → written back to the lead record.
//
//   node trail.mjs [--json] [--name …] [--email …] [--company …] [--phone …] [--message …]
//
// It reads the demo's environment (scripts/demo.sh exports it): WAYBILL_WP_FORM_URL,
// WAYBILL_WP_ROOT, WAYBILL_PHP, WAYBILL_DB_SOCKET, WAYBILL_DB_PASSWORD, WAYBILL_AUTOMATION_URL
// and WAYBILL_EDGE_LOG. The outbox is read with the `mariadb` client over the local socket.
// The functions are exported for the end-to-end test.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** An idempotency key: prefix, underscore, 26 characters of Crockford base32. */
const KEY_PATTERN = /^[a-z][a-z0-9]{0,15}_[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
/** How often the outbox and the automation are looked at while waiting. */
const POLL_MS = 25;
/** How long the loopback worker gets to start delivery before the CLI worker is run. */
const LOOPBACK_GRACE_MS = 3_000;
/** How long a delivery and its write-back may take in all. */
const TRAIL_TIMEOUT_MS = 30_000;

/** The lead the demo sends unless told otherwise. */
export const DEMO_LEAD = {
  name: 'Ada Lovelace',
  email: 'ada@analytical-engines.example',
  company: 'Analytical Engines Ltd',
  phone: '+44 20 7946 0000',
  message: 'We would like a quote and a demo for our team of twelve.',
};

/** The page's lead form: where it posts and the fields a browser would send with it. */
export async function readForm(formUrl) {
  const response = await fetch(formUrl);
  if (!response.ok) throw new Error(`GET ${formUrl}: HTTP ${response.status}`);
  const html = await response.text();
  const form = html.match(/<form class="waybill-lead-form"[^>]*>[\s\S]*?<\/form>/);
  if (!form) throw new Error(`no lead form on ${formUrl}`);
  const action = decodeEntities(form[0].match(/\saction="([^"]*)"/)[1]);
  const fields = {};
  for (const input of form[0].matchAll(/<input\b[^>]*>/g)) {
    const name = input[0].match(/\sname="([^"]*)"/)?.[1];
    const type = input[0].match(/\stype="([^"]*)"/)?.[1] ?? 'text';
    const value = input[0].match(/\svalue="([^"]*)"/)?.[1] ?? '';
    if (name && type === 'hidden') fields[name] = decodeEntities(value);
    if (name && type === 'text' && value === '') fields[name] ??= '';
  }
  return { action, fields };
}

/**
 * Posts the form with `lead` filled in: `{status, id, ms, at}` where `id` is the event id the
 * site answers with. A browser without JavaScript is sent on with 303 to the thank-you page;
 * the answer's body still carries the id.
 */
export async function postForm(formUrl, form, lead) {
  const body = new URLSearchParams({ ...form.fields, ...lead, consent: '1' });
  const started = Date.now();
  const response = await fetch(form.action, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', referer: formUrl },
    body,
  });
  const text = await response.text();
  const at = Date.now();
  let answer = {};
  try {
    answer = JSON.parse(text);
  } catch {
    // Not JSON: reported below with the status.
  }
  return { status: response.status, id: answer.id ?? null, answer, location: response.headers.get('location'), ms: at - started, at };
}

/** Rows of a query on the WordPress database, as arrays of strings. */
export function query(env, sql) {
  const out = execFileSync(
    'mariadb',
    ['--no-defaults', '-S', env.WAYBILL_DB_SOCKET, '-u', 'wordpress', '-N', '-B', '--raw', 'wordpress', '-e', sql],
    { env: { ...process.env, MYSQL_PWD: env.WAYBILL_DB_PASSWORD }, encoding: 'utf8' },
  );
  return out.split('\n').filter((line) => line !== '').map((line) => line.split('\t'));
}

/** The outbox row of an event and its attempts. */
export function outboxEvent(env, id) {
  if (!KEY_PATTERN.test(id)) throw new Error(`not an event id: ${id}`);
  const [row] = query(env, `SELECT id, status, attempts, last_http_status, last_error_code, entity_id, event_type
    FROM wp_waybill_events WHERE idempotency_key = '${id}' ORDER BY id LIMIT 1`);
  if (!row) return null;
  const [rowId, status, attempts, lastHttpStatus, lastErrorCode, entityId, eventType] = row;
  const tries = query(env, `SELECT attempt_no, http_status, duration_ms, error_code FROM wp_waybill_attempts
    WHERE event_id = ${Number(rowId)} ORDER BY attempt_no`).map(([attempt, http, ms, code]) => ({
    attempt: Number(attempt), http_status: Number(http), duration_ms: Number(ms), error_code: code,
  }));
  return {
    row_id: Number(rowId), status, attempts: Number(attempts), last_http_status: Number(lastHttpStatus),
    last_error_code: lastErrorCode, entity_id: entityId, event_type: eventType, tries,
  };
}

/** The lead row's classification as written back. */
export function leadRecord(env, leadId) {
  const [row] = query(env, `SELECT id, classification, classified_at FROM wp_waybill_leads WHERE id = ${Number(leadId)}`);
  if (!row) return null;
  const classification = row[1] && row[1] !== 'NULL' ? JSON.parse(row[1]) : null;
  return { id: Number(row[0]), classification, classified_at: row[2] === 'NULL' ? null : row[2] };
}

/** Runs the plugin's CLI worker once (what system cron would do). */
export function runWorker(env) {
  const php = (env.WAYBILL_PHP || 'php').split(' ');
  const worker = `${env.WAYBILL_WP_ROOT}/wp-content/plugins/waybill/bin/waybill-worker.php`;
  return new Promise((resolve) => {
    const child = spawn(php[0], [...php.slice(1), worker, `--path=${env.WAYBILL_WP_ROOT}`, '--time-limit=20', '--json'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => { out += chunk; });
    child.on('exit', (code) => resolve({ code, stats: out.trim() }));
  });
}

/**
 * Waits until the event leaves the outbox (delivered or dead). The loopback request the site
 * makes after a capture normally starts delivery; if nothing happened after a grace period,
 * the CLI worker is run once. `{event, at, runner}`.
 */
export async function waitForDelivery(env, id, { timeoutMs = TRAIL_TIMEOUT_MS, graceMs = LOOPBACK_GRACE_MS } = {}) {
  const started = Date.now();
  let runner = 'loopback';
  let worker = null;
  for (;;) {
    const event = outboxEvent(env, id);
    if (event && (event.status === 'delivered' || event.status === 'dead')) {
      return { event, at: Date.now(), runner };
    }
    if (!worker && Date.now() - started > graceMs) {
      runner = 'cli';
      worker = runWorker(env);
    }
    if (Date.now() - started > timeoutMs) return { event, at: null, runner };
    await sleep(POLL_MS);
  }
}

/** What the automation recorded for an event, once it has acted (or `null` on time-out). */
export async function automationRecord(env, id, timeoutMs = TRAIL_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${env.WAYBILL_AUTOMATION_URL}/events/${encodeURIComponent(id)}`).catch(() => null);
    if (response?.ok) {
      const record = await response.json();
      if (record.outcome) return record;
    } else if (response) {
      await response.arrayBuffer();
    }
    if (Date.now() > deadline) return null;
    await sleep(POLL_MS);
  }
}

/** The edge worker's log lines about an event, oldest first. */
export function edgeLines(env, id) {
  let text = '';
  try {
    text = readFileSync(env.WAYBILL_EDGE_LOG, 'utf8');
  } catch {
    return [];
  }
  const lines = [];
  for (const line of text.split('\n')) {
    const start = line.indexOf('{"msg":"waybill.edge"');
    if (start < 0) continue;
    try {
      const entry = JSON.parse(line.slice(start));
      if (entry.id === id) lines.push(entry);
    } catch {
      // A line cut by a restart: not ours to report.
    }
  }
  return lines;
}

/** Submits `lead` and follows it to the lead record. The whole trail as one object. */
export async function sendAndFollow(env, lead = DEMO_LEAD) {
  const form = await readForm(env.WAYBILL_WP_FORM_URL);
  const submitted = await postForm(env.WAYBILL_WP_FORM_URL, form, lead);
  const t0 = submitted.at - submitted.ms;
  const trail = { t0, accepted: submitted };
  if (!submitted.id) return trail;
  await followFrom(env, submitted.id, trail);
  return trail;
}

/** Follows an accepted event: delivery, the edge, the automation, the lead record. */
export async function followFrom(env, id, trail) {
  const delivery = await waitForDelivery(env, id);
  trail.delivery = delivery;
  const event = delivery.event;
  trail.edge = edgeLines(env, id);
  trail.automation = event?.status === 'delivered' ? await automationRecord(env, id) : null;
  trail.lead = event?.entity_id ? leadRecord(env, event.entity_id) : null;
  return trail;
}

/** The trail as lines for a person, with times since the form was posted. */
export function describe(trail) {
  const at = (epochMs) => (epochMs ? `+${String(epochMs - trail.t0).padStart(5)} ms` : '         —');
  const lines = [];
  const step = (time, name, text) => lines.push(`  ${time}  ${name.padEnd(22)} ${text}`);
  const { accepted, delivery, edge = [], automation, lead } = trail;

  if (!accepted.id) {
    step(at(accepted.at), 'refused by the site', `HTTP ${accepted.status} ${JSON.stringify(accepted.answer)}`);
    return lines;
  }
  const leadId = delivery?.event?.entity_id ?? '?';
  step(at(accepted.at), 'accepted by the site', `event ${accepted.id} for lead #${leadId} (HTTP ${accepted.status} in ${accepted.ms} ms; stored in the outbox, no network call)`);

  const event = delivery?.event;
  const last = event?.tries?.at(-1);
  if (!event || !delivery.at || !last) {
    step(at(null), 'delivered', `not yet: outbox status ${event?.status ?? 'unknown'}`);
    return lines;
  }
  // The attempt ends when the edge answers, just after the automation's write-back; the
  // outbox is only polled, so its change is seen a little later.
  const answeredAt = automation?.written_back_at ?? delivery.at;
  const sentAt = answeredAt - last.duration_ms;
  // Stamped when the attempt left the site; its answer arrives after the steps below.
  step(at(sentAt), 'delivery sent', `attempt ${last.attempt} by the ${delivery.runner} worker: HTTP ${last.http_status} from the edge after ${last.duration_ms} ms, outbox row ${event.status}`);
  if (sentAt < accepted.at) {
    lines.push(`${' '.repeat(37)}(the site's loopback request started delivery while the answer was still on its way to the browser)`);
  }

  const verdict = edge.at(-1);
  const forwardedAt = automation?.received_at ?? null;
  if (verdict) {
    const text = verdict.status === 202
      ? `signature and contract ${verdict.event_type} ${verdict.version} ok, first time seen (${verdict.bytes} bytes; edge answered ${verdict.status} in ${verdict.ms} ms)`
      : `refused: HTTP ${verdict.status} ${verdict.code}`;
    step(at(forwardedAt), 'verified at the edge', text);
  }
  if (!automation) {
    step(at(null), 'forwarded', 'no record at the automation');
    return lines;
  }
  step(at(automation.received_at), 'forwarded', `to the automation, re-signed by the edge (HTTP ${verdict?.forward_status ?? '?'}); its signature verified there`);
  const decision = automation.decision ?? {};
  const why = (decision.reasons ?? []).filter((reason) => !reason.startsWith('base')).join('; ');
  step(at(automation.decided_at), 'classified', `${decision.segment}, score ${decision.score}${why ? ` (${why})` : ''}`);
  const wb = automation.writeback ?? {};
  step(at(automation.written_back_at), 'written back', `${decision.event_type} ${wb.id} signed with the inbound secret → HTTP ${wb.status} ${wb.answer ?? ''} ${wb.result ?? ''} in ${wb.ms} ms`);
  if (lead?.classification) {
    const data = lead.classification.data ?? {};
    step(at(automation.written_back_at), 'on the lead record', `lead #${lead.id}: segment ${data.segment}, score ${data.score}, classified at ${lead.classified_at} UTC`);
  } else {
    step(at(null), 'on the lead record', `lead #${lead?.id ?? leadId}: no classification`);
  }
  return lines;
}

function decodeEntities(text) {
  return text.replace(/&#0*38;|&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#0*39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function parseArgs(argv) {
  const lead = { ...DEMO_LEAD };
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--json') json = true;
    else if (/^--(name|email|company|phone|message)$/.test(flag)) lead[flag.slice(2)] = argv[++i] ?? '';
    else throw new Error(`unknown argument ${flag}`);
  }
  return { lead, json };
}

async function main() {
  const { lead, json } = parseArgs(process.argv.slice(2));
  const trail = await sendAndFollow(process.env, lead);
  if (json) {
    console.log(JSON.stringify(trail));
  } else {
    console.log(`\nThe lead's trail (times since the form was posted):`);
    for (const line of describe(trail)) console.log(line);
  }
  const done = trail.lead?.classification && trail.automation?.writeback?.ok;
  process.exit(done ? 0 : 1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(`trail: ${error.message}`);
    process.exit(1);
  });
}
