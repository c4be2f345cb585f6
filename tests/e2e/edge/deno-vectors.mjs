// Every vector through the package's Deno entry point (web.js), run by Deno itself:
//   deno run --allow-read tests/e2e/edge/deno-vectors.mjs
import { deepStrictEqual } from 'node:assert/strict';
import * as api from '../../../wasm-pkg/dist/waybill-edge/web.js';
import { loadVectors, runCase } from './vector-runner.mjs';

const VECTORS = new URL('../../vectors/', import.meta.url);

const files = await loadVectors(
  async () => {
    const names = [];
    for await (const entry of Deno.readDir(VECTORS)) names.push(entry.name);
    return names;
  },
  (name) => Deno.readTextFile(new URL(name, VECTORS)),
);

let passed = 0;
let failed = 0;
for (const { file, cases } of files) {
  for (const testCase of cases) {
    const { actual, expected } = runCase(api, testCase);
    try {
      deepStrictEqual(actual, expected);
      passed += 1;
    } catch {
      failed += 1;
      console.log(`FAIL ${file}: ${testCase.name}\n  expected ${JSON.stringify(expected)}\n  got      ${JSON.stringify(actual)}`);
    }
  }
}
console.log(`deno: ${passed} passed, ${failed} failed`);
if (failed > 0 || passed === 0) Deno.exit(1);
