// Writes waybill-workflow.json from the Code nodes' sources in src/, so the JavaScript is read
// and reviewed as JavaScript. `node build-workflow.mjs --check` fails if the JSON is stale.
import { readFileSync, writeFileSync } from 'node:fs';

const here = new URL('./', import.meta.url);
const code = (name) => readFileSync(new URL(`src/${name}`, here), 'utf8');
const OUT = new URL('waybill-workflow.json', here);

const ifTrue = (id, expression) => ({
  conditions: {
    options: { caseSensitive: true, leftValue: '', typeValidation: 'strict' },
    conditions: [{
      id,
      leftValue: expression,
      rightValue: '',
      operator: { type: 'boolean', operation: 'true', singleValue: true },
    }],
    combinator: 'and',
  },
  options: {},
});

const respond = (status, body) => ({
  respondWith: 'json',
  responseBody: body,
  options: { responseCode: status },
});

const nodes = [
  {
    id: '0b6f6f0e-1d7a-4c55-9d0e-000000000001',
    name: 'Waybill edge forward',
    type: 'n8n-nodes-base.webhook',
    typeVersion: 2,
    position: [0, 300],
    webhookId: '0b6f6f0e-1d7a-4c55-9d0e-0000000000ff',
    parameters: { httpMethod: 'POST', path: 'waybill', responseMode: 'responseNode', options: { rawBody: true } },
  },
  {
    id: '0b6f6f0e-1d7a-4c55-9d0e-000000000002',
    name: 'Verify edge signature',
    type: 'n8n-nodes-base.code',
    typeVersion: 2,
    position: [220, 300],
    parameters: { mode: 'runOnceForAllItems', jsCode: code('verify-edge-signature.js') },
  },
  {
    id: '0b6f6f0e-1d7a-4c55-9d0e-000000000003',
    name: 'Verified?',
    type: 'n8n-nodes-base.if',
    typeVersion: 2,
    position: [440, 300],
    parameters: ifTrue('verified', '={{ $json.verified }}'),
  },
  {
    id: '0b6f6f0e-1d7a-4c55-9d0e-000000000004',
    name: 'Classify and sign',
    type: 'n8n-nodes-base.code',
    typeVersion: 2,
    position: [660, 200],
    parameters: { mode: 'runOnceForAllItems', jsCode: code('decide-and-sign.js') },
  },
  {
    id: '0b6f6f0e-1d7a-4c55-9d0e-000000000005',
    name: 'Has a result?',
    type: 'n8n-nodes-base.if',
    typeVersion: 2,
    position: [880, 200],
    parameters: ifTrue('result', '={{ !$json.skip }}'),
  },
  {
    id: '0b6f6f0e-1d7a-4c55-9d0e-000000000006',
    name: 'Write back to WordPress',
    type: 'n8n-nodes-base.httpRequest',
    typeVersion: 4.2,
    position: [1100, 100],
    parameters: {
      method: 'POST',
      url: '={{ $env.WAYBILL_WRITEBACK_URL }}',
      sendHeaders: true,
      headerParameters: {
        parameters: ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => ({
          name,
          value: `={{ $json.headers["${name}"] }}`,
        })),
      },
      sendBody: true,
      contentType: 'raw',
      rawContentType: 'application/json',
      body: '={{ $json.body }}',
      options: { timeout: 10000 },
    },
  },
  {
    id: '0b6f6f0e-1d7a-4c55-9d0e-000000000007',
    name: 'Answer 200 written back',
    type: 'n8n-nodes-base.respondToWebhook',
    typeVersion: 1.1,
    position: [1320, 100],
    parameters: respond(200, '={{ { "status": "done", "result": $json.result } }}'),
  },
  {
    id: '0b6f6f0e-1d7a-4c55-9d0e-000000000008',
    name: 'Answer 202 ignored',
    type: 'n8n-nodes-base.respondToWebhook',
    typeVersion: 1.1,
    position: [1100, 300],
    parameters: respond(202, '={{ { "status": "ignored", "event_type": $json.event_type } }}'),
  },
  {
    id: '0b6f6f0e-1d7a-4c55-9d0e-000000000009',
    name: 'Answer 401 refused',
    type: 'n8n-nodes-base.respondToWebhook',
    typeVersion: 1.1,
    position: [660, 420],
    parameters: respond(401, '={{ { "status": "rejected", "code": $json.code } }}'),
  },
];

const link = (...targets) => ({ main: targets.map((node) => (node ? [{ node, type: 'main', index: 0 }] : [])) });
const connections = {
  'Waybill edge forward': link('Verify edge signature'),
  'Verify edge signature': link('Verified?'),
  'Verified?': link('Classify and sign', 'Answer 401 refused'),
  'Classify and sign': link('Has a result?'),
  'Has a result?': link('Write back to WordPress', 'Answer 202 ignored'),
  'Write back to WordPress': link('Answer 200 written back'),
};

const workflow = {
  name: 'Waybill: classify leads from the edge and write back to WordPress',
  nodes,
  connections,
  active: false,
  settings: { executionOrder: 'v1' },
  pinData: {},
  meta: { templateCredsSetupCompleted: true },
  tags: [],
};

const text = `${JSON.stringify(workflow, null, 2)}\n`;
if (process.argv.includes('--check')) {
  if (readFileSync(OUT, 'utf8') !== text) {
    console.error('waybill-workflow.json is stale: run node examples/n8n/build-workflow.mjs');
    process.exit(1);
  }
} else {
  writeFileSync(OUT, text);
}
