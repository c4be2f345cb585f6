// Every case of every file in tests/vectors/ through the waybill-edge package in Node: the
// same bytes, verdicts, codes and pointers as the Rust core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import * as api from 'waybill-edge';
import { loadVectors, runCase } from './vector-runner.mjs';

const VECTORS = new URL('../../vectors/', import.meta.url);

const files = await loadVectors(
  () => readdir(VECTORS),
  (name) => readFile(new URL(name, VECTORS), 'utf8'),
);

test('the vector directory has cases', () => {
  assert.ok(files.reduce((n, f) => n + f.cases.length, 0) > 0, 'no vector cases found');
});

for (const { file, cases } of files) {
  for (const testCase of cases) {
    test(`${file}: ${testCase.name}`, () => {
      const { actual, expected } = runCase(api, testCase);
      assert.deepStrictEqual(actual, expected);
    });
  }
}
