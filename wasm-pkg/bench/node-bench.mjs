// verify + validate of a 2 KB lead.submitted delivery in Node: Waybill's wasm against the
// stacks an edge developer would otherwise pick. Prints JSON: µs per request by stack.
import { Webhook } from 'standardwebhooks';
import { Validator as CfValidator } from '@cfworker/json-schema';
import * as waybill from '../dist/waybill-edge/node.js';
import ajvValidate from './build/ajv-lead.mjs';
import { makeStacks, runStack } from './peers.mjs';
import { freshFixture } from './fresh.mjs';

const WARMUP = 2000;
const ROUNDS = 7;
const PER_ROUND = 4000;

const fixture = freshFixture();
const body = new TextEncoder().encode(fixture.body);
const stacks = await makeStacks({ waybill, Webhook, CfValidator, ajvValidate }, fixture);

// Each stack must refuse a tampered body, or it is not verifying anything.
const tampered = new TextEncoder().encode(fixture.body.replace('Ada', 'Eve'));
for (const [name, stack] of Object.entries(stacks)) {
  await stack(body, fixture.headers);
  await assertRejects(name, () => stack(tampered, fixture.headers));
}

const results = {};
for (const [name, stack] of Object.entries(stacks)) {
  await runStack(stack, fixture, body, WARMUP);
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    await runStack(stack, fixture, body, PER_ROUND);
    rounds.push(Number(process.hrtime.bigint() - start) / 1000 / PER_ROUND);
  }
  rounds.sort((a, b) => a - b);
  results[name] = rounds[Math.floor(ROUNDS / 2)];
}
console.log(JSON.stringify({ runtime: 'node', node: process.version, bytes: body.length, us: results }));

async function assertRejects(name, run) {
  try {
    await run();
  } catch {
    return;
  }
  throw new Error(`${name} accepted a tampered body`);
}
