// Writes what every bench shares into bench/build/: a signed 2 KB lead.submitted delivery
// (fixture.json), the JSON Schema a peer stack validates it with (the envelope plus the
// contract's data schema), and that schema compiled by ajv into a standalone module.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import Ajv from 'ajv/dist/2020.js';
import standalone from 'ajv/dist/standalone/index.js';
import { prepare } from '../dist/waybill-edge/node.js';

const BUILD = new URL('./build/', import.meta.url);
const CONTRACT = new URL('../../crates/waybill/contracts/lead.submitted@1.0.json', import.meta.url);
const TARGET_BYTES = 2048;
// A fixed test secret: benches must sign the same bytes in every runtime.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const EMAIL = /^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

// Waybill's annotations are not JSON Schema keywords; a peer validator never sees them.
function withoutAnnotations(value) {
  if (Array.isArray(value)) return value.map(withoutAnnotations);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value)
    .filter(([key]) => !key.startsWith('x-waybill-') && key !== '$schema')
    .map(([key, inner]) => [key, withoutAnnotations(inner)]));
}

function peerSchema() {
  const contract = JSON.parse(readFileSync(CONTRACT, 'utf8'));
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    additionalProperties: false,
    required: ['version', 'event_type', 'idempotency_key', 'source', 'entity', 'timestamp', 'consent', 'data'],
    properties: {
      version: { type: 'string', pattern: '^[0-9]+\\.[0-9]+$' },
      event_type: { const: 'lead.submitted' },
      idempotency_key: { type: 'string', pattern: '^[a-z][a-z0-9]{0,15}_[0-9A-HJKMNP-TV-Z]{26}$' },
      source: { type: 'string', minLength: 1 },
      entity: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'id'],
        properties: { type: { type: 'string', minLength: 1 }, id: { type: ['integer', 'string'] } },
      },
      timestamp: { type: 'string', format: 'date-time' },
      consent: { type: 'boolean' },
      actor: { type: 'string' },
      data: withoutAnnotations(contract.schema),
      metadata: { type: 'object' },
    },
  };
}

function delivery(now) {
  const event = {
    event_type: 'lead.submitted',
    source: 'wordpress-contact-form',
    entity: { type: 'lead', id: 4821 },
    consent: true,
    actor: 'anonymous',
    data: {
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      company: 'Analytical Engines',
      page_url: 'https://example.com/contact?utm_source=newsletter',
      message: 'Hello. ',
      consent: true,
    },
    metadata: { site: 'https://example.com', locale: 'en_GB', utm_source: 'newsletter', utm_campaign: 'spring' },
  };
  const words = 'We would like a quote for a difference engine able to tabulate polynomials. ';
  let prepared;
  for (;;) {
    prepared = prepare(event, { secrets: [SECRET], now });
    if (prepared.body.length >= TARGET_BYTES) break;
    event.data.message += words;
  }
  return prepared;
}

mkdirSync(BUILD, { recursive: true });
const now = 1_767_225_600;
const prepared = delivery(now);
const schema = peerSchema();
writeFileSync(new URL('fixture.json', BUILD), JSON.stringify({
  secret: SECRET,
  now,
  body: prepared.body,
  headers: prepared.headers,
  schema,
}, null, 2));

const ajv = new Ajv({ code: { source: true }, strict: false, allErrors: false });
ajv.addFormat('email', EMAIL);
ajv.addFormat('date-time', DATE_TIME);
const validate = ajv.compile(schema);
if (!validate(JSON.parse(prepared.body))) throw new Error(`ajv rejects the fixture: ${JSON.stringify(validate.errors)}`);
// The standalone code require()s one ajv runtime helper; bundling makes it a plain ES module
// that workerd can load too.
writeFileSync(new URL('ajv-lead.raw.cjs', BUILD), standalone(ajv, validate));
buildSync({
  entryPoints: [fileURLToPath(new URL('ajv-lead.raw.cjs', BUILD))],
  outfile: fileURLToPath(new URL('ajv-lead.mjs', BUILD)),
  bundle: true,
  format: 'esm',
  logLevel: 'warning',
});
console.log(`fixture: ${prepared.body.length} bytes, signed at ${now}`);
