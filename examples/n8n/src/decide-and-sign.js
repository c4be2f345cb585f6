// n8n Code node "Classify and sign" (mode: run once for all items).
// For a verified lead.submitted: scores the lead by fixed rules and builds a lead.classified
// envelope; for content.draft_requested: a templated content.draft_ready. Each result is
// signed with WordPress's inbound secret (WAYBILL_INBOUND_SECRET, Standard Webhooks v1) and
// handed to the HTTP Request node as {body, headers}. Its idempotency key is derived from the
// source event's id, so a repeated event is the same write-back and WordPress applies it once.
const crypto = require('crypto');

const MODEL = { name: 'waybill-n8n-rules', version: '1' };
const FREE_MAIL = ['gmail.com', 'googlemail.com', 'yahoo.com', 'hotmail.com', 'outlook.com',
  'live.com', 'aol.com', 'icloud.com', 'gmx.de', 'gmx.net', 'web.de', 'proton.me', 'protonmail.com'];
const BUYING_WORDS = ['price', 'pricing', 'quote', 'demo', 'buy', 'purchase', 'budget', 'contract',
  'licence', 'license', 'trial', 'invoice', 'seats', 'plan'];
const SPAM_WORDS = ['casino', 'viagra', 'crypto giveaway', 'seo services', 'backlinks', 'loan offer'];
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

const secret = String($env.WAYBILL_INBOUND_SECRET || '');
if (!secret.startsWith('whsec_')) {
  throw new Error('WAYBILL_INBOUND_SECRET must be the WordPress inbound secret (whsec_…)');
}
const key = Buffer.from(secret.slice('whsec_'.length), 'base64');

// prefix + "_" + 26 Crockford base32 characters of 128 bits of SHA-256(source id).
function derivedKey(prefix, sourceId) {
  let n = BigInt('0x' + crypto.createHash('sha256').update(`${prefix}|${sourceId}`).digest('hex').slice(0, 32));
  let text = '';
  for (let i = 0; i < 26; i++) {
    text = CROCKFORD[Number(n & 31n)] + text;
    n >>= 5n;
  }
  return `${prefix}_${text}`;
}

function classify(data) {
  const message = String(data.message || '').toLowerCase();
  const email = String(data.email || '').toLowerCase();
  const domain = email.includes('@') ? email.slice(email.lastIndexOf('@') + 1) : '';
  const spam = SPAM_WORDS.filter((word) => message.includes(word));
  const links = (message.match(/https?:\/\//g) || []).length;
  if (spam.length > 0 || links > 2) {
    return { score: 0, segment: 'spam', reasons: spam.map((w) => `spam word: ${w}`).concat(links > 2 ? [`${links} links`] : []) };
  }
  let score = 20;
  const reasons = ['base score 20'];
  if (String(data.company || '').trim()) { score += 20; reasons.push('company given (+20)'); }
  if (domain && !FREE_MAIL.includes(domain)) { score += 20; reasons.push(`business e-mail domain ${domain} (+20)`); }
  const intent = BUYING_WORDS.filter((word) => new RegExp(`\\b${word}`).test(message));
  if (intent.length) { score += 30; reasons.push(`buying intent: ${intent.slice(0, 3).join(', ')} (+30)`); }
  if (String(data.phone || '').trim()) { score += 10; reasons.push('phone number given (+10)'); }
  score = Math.min(score, 100);
  return { score, segment: score >= 70 ? 'hot' : score >= 40 ? 'warm' : 'cold', reasons };
}

function draft(data, requestKey, site) {
  const base = /^https?:\/\//.test(site || '') ? site.replace(/\/+$/, '') : 'http://127.0.0.1';
  const out = {
    request_key: requestKey,
    title: `Draft: ${data.keyword}`.slice(0, 300),
    sections: [
      { heading: 'Why it matters', body: `<p>Why ${data.keyword} matters to ${data.audience}.</p>` },
      { heading: 'What to do next', body: `<p>Next steps; an editor fills in the facts.</p>` },
    ],
    sources: [],
    model: MODEL,
  };
  if (Number.isInteger(data.post_id)) {
    out.post_id = data.post_id;
    out.sources.push({ url: `${base}/?p=${data.post_id}`, title: 'The post this draft was requested for' });
  }
  return out;
}

const results = [];
for (const item of $input.all()) {
  const source = item.json.event;
  let eventType;
  let data;
  let prefix;
  if (source.event_type === 'lead.submitted') {
    eventType = 'lead.classified';
    prefix = 'cls';
    data = Object.assign({ lead_key: item.json.id }, classify(source.data || {}), { model: MODEL });
  } else if (source.event_type === 'content.draft_requested') {
    eventType = 'content.draft_ready';
    prefix = 'draft';
    data = draft(source.data || {}, item.json.id, (source.metadata || {}).site);
  } else {
    results.push({ json: { skip: true, id: item.json.id, event_type: source.event_type } });
    continue;
  }

  const id = derivedKey(prefix, item.json.id);
  const timestamp = Math.floor(Date.now() / 1000);
  const envelope = {
    version: '1.0',
    event_type: eventType,
    idempotency_key: id,
    source: 'n8n',
    entity: source.entity,
    timestamp: new Date(timestamp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    consent: source.consent === true,
    actor: 'automation',
    data,
    metadata: { source_event_id: item.json.id },
  };
  const body = JSON.stringify(envelope);
  const signature = crypto.createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  results.push({
    json: {
      skip: false,
      id: item.json.id,
      event_type: eventType,
      body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': `v1,${signature}`,
      },
    },
  });
}
return results;
