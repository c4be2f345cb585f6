// n8n Code node "Verify edge signature" (mode: run once for all items).
// Checks the Standard Webhooks signature the Waybill edge worker puts on each forward:
// HMAC-SHA256 with the edge's FORWARD_SECRET over `webhook-id.webhook-timestamp.raw body`,
// base64, in a `v1,<signature>` entry of `webhook-signature`; the timestamp must be within
// five minutes of now. Needs NODE_FUNCTION_ALLOW_BUILTIN=crypto and the secret in
// WAYBILL_FORWARD_SECRET. The Webhook node must keep the raw body (option "Raw Body").
const crypto = require('crypto');

const TOLERANCE_SECONDS = 300;
const secret = String($env.WAYBILL_FORWARD_SECRET || '');
if (!secret.startsWith('whsec_')) {
  throw new Error('WAYBILL_FORWARD_SECRET must be the edge forward secret (whsec_…)');
}
const key = Buffer.from(secret.slice('whsec_'.length), 'base64');

const results = [];
const items = $input.all();
for (let index = 0; index < items.length; index++) {
  const item = items[index];
  const headers = item.json.headers || {};
  const id = String(headers['webhook-id'] || '');
  const timestamp = String(headers['webhook-timestamp'] || '');
  const signatures = String(headers['webhook-signature'] || '');

  // The signature covers the bytes as sent; a re-serialized object would not match.
  let raw;
  if (item.binary && item.binary.data) {
    raw = await this.helpers.getBinaryDataBuffer(index, 'data');
  } else {
    raw = Buffer.from(JSON.stringify(item.json.body));
  }

  let code = null;
  const now = Math.floor(Date.now() / 1000);
  if (!id || !/^\d+$/.test(timestamp) || !signatures) {
    code = 'signature.missing_header';
  } else if (Math.abs(now - Number(timestamp)) > TOLERANCE_SECONDS) {
    code = 'signature.timestamp_out_of_range';
  } else {
    const expected = crypto.createHmac('sha256', key)
      .update(Buffer.concat([Buffer.from(`${id}.${timestamp}.`), raw]))
      .digest();
    const matches = signatures.split(' ').some((entry) => {
      const [version, value] = entry.split(',');
      if (version !== 'v1' || !value) return false;
      const given = Buffer.from(value, 'base64');
      return given.length === expected.length && crypto.timingSafeEqual(given, expected);
    });
    if (!matches) code = 'signature.mismatch';
  }

  let event = null;
  if (code === null) {
    try {
      event = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      code = 'input.invalid_json';
    }
  }
  results.push({ json: { verified: code === null, code, id, event } });
}
return results;
