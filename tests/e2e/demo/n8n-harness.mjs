// Runs the Code nodes of examples/n8n/waybill-workflow.json the way n8n's Code node does
// (an async function body with $input, $env, require and this.helpers), so the workflow's
// JavaScript is tested under Node without an n8n install.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const WORKFLOW = new URL('../../../examples/n8n/waybill-workflow.json', import.meta.url);
const require = createRequire(import.meta.url);
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;

/** The workflow, parsed (throws on malformed JSON). */
export function loadWorkflow() {
  return JSON.parse(readFileSync(WORKFLOW, 'utf8'));
}

/** The node called `name`. */
export function node(workflow, name) {
  const found = workflow.nodes.find((n) => n.name === name);
  if (!found) throw new Error(`no node ${name}`);
  return found;
}

/**
 * Runs a Code node's JavaScript on `items` ({json, binary}) with `env` as $env; returns the
 * items it outputs. Binary data is kept in memory as n8n's default mode does (base64).
 */
export async function runCode(codeNode, items, env) {
  const $input = { all: () => items, first: () => items[0] };
  const helpers = {
    getBinaryDataBuffer: async (index, property) => Buffer.from(items[index].binary[property].data, 'base64'),
  };
  const run = new AsyncFunction('$input', '$env', 'require', codeNode.parameters.jsCode);
  return run.call({ helpers }, $input, env, require);
}

/** An item as n8n's Webhook node makes it with "Raw Body" on: parsed JSON plus the bytes. */
export function webhookItem(rawBody, headers) {
  let body = null;
  try {
    body = JSON.parse(rawBody);
  } catch {
    body = {};
  }
  return {
    json: { headers, body, query: {}, params: {} },
    binary: { data: { data: Buffer.from(rawBody).toString('base64'), mimeType: 'application/json' } },
  };
}
