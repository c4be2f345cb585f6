// The bench inside workerd. POST {stack, n, fixture}: runs `stack` n times over the fixture
// and answers when done; the client times the request (workerd's clocks stand still while
// a request computes, so nothing can be timed in here). `stack: "none"` measures the
// round trip alone. Bundled by bench.mjs with esbuild; waybill-edge stays a module of its own.
import { Webhook } from 'standardwebhooks';
import { Validator as CfValidator } from '@cfworker/json-schema';
import * as waybill from 'waybill-edge';
import ajvValidate from './build/ajv-lead.mjs';
import { makeStacks, runStack } from './peers.mjs';

let stacks = null;
let stacksFor = null;

export default {
  async fetch(request) {
    const { stack, n, fixture } = await request.json();
    if (stacksFor !== fixture.headers['webhook-timestamp']) {
      stacks = await makeStacks({ waybill, Webhook, CfValidator, ajvValidate }, fixture);
      stacksFor = fixture.headers['webhook-timestamp'];
    }
    if (stack === 'none') return new Response('{}');
    const body = new TextEncoder().encode(fixture.body);
    await runStack(stacks[stack], fixture, body, n);
    return new Response('{}');
  },
};
