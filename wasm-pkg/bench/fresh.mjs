// The bench fixture with its signature made now, so that every stack's clock check passes.
import { readFileSync } from 'node:fs';
import { sign } from '../dist/waybill-edge/node.js';

export function freshFixture() {
  const fixture = JSON.parse(readFileSync(new URL('./build/fixture.json', import.meta.url), 'utf8'));
  const now = Math.floor(Date.now() / 1000);
  const id = fixture.headers['webhook-id'];
  fixture.headers = {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(now),
    'webhook-signature': sign(id, now, fixture.body, [fixture.secret]),
  };
  return fixture;
}
