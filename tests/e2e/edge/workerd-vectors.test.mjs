// Every case of every file in tests/vectors/ through the waybill-edge package inside the real
// workerd runtime (the Cloudflare Workers entry point, wasm imported as a module).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadVectors } from './vector-runner.mjs';
import { startWorkerd } from './harness.mjs';

const VECTORS = new URL('../../vectors/', import.meta.url);
const CONFIG = fileURLToPath(new URL('./vectors-workerd.capnp', import.meta.url));

const files = await loadVectors(
  () => readdir(VECTORS),
  (name) => readFile(new URL(name, VECTORS), 'utf8'),
);

let workerd;
const results = new Map();

before(async () => {
  workerd = await startWorkerd(CONFIG);
  for (const { file, cases } of files) {
    const response = await fetch(workerd.url, { method: 'POST', body: JSON.stringify({ cases }) });
    assert.equal(response.status, 200, await response.clone().text());
    (await response.json()).forEach((result, i) => results.set(`${file}#${i}`, result));
  }
});

after(() => workerd?.stop());

for (const { file, cases } of files) {
  cases.forEach((testCase, i) => {
    test(`workerd ${file}: ${testCase.name}`, () => {
      const result = results.get(`${file}#${i}`);
      assert.ok(result, 'workerd returned no result');
      assert.deepStrictEqual(result.actual, result.expected);
    });
  });
}
