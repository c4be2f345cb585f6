// Waybill's edge benches, side by side in the same run (wasm-pkg/bench/run.sh builds first):
// verify + validate of a 2 KB lead.submitted delivery in Node and in workerd against the peer
// stacks (peers.mjs), cold start, and what the .wasm weighs. Prints a table and writes
// build/results.json.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';
import { freshFixture } from './fresh.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const PKG = fileURLToPath(new URL('../dist/waybill-edge/', import.meta.url));
const WORKERD = fileURLToPath(new URL('../node_modules/.bin/workerd', import.meta.url));
const STACKS = ['waybill', 'standardwebhooks+cfworker', 'webcrypto+cfworker', 'webcrypto+ajv'];
const WORKERD_ROUNDS = 7;
const WORKERD_PER_ROUND = 3000;
const COLD_RUNS = 5;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startWorkerd(config, sockets) {
  const args = ['serve', config];
  const urls = {};
  for (const name of sockets) {
    const port = await freePort();
    args.push('--socket-addr', `${name}=127.0.0.1:${port}`);
    urls[name] = `http://127.0.0.1:${port}/`;
  }
  const started = performance.now();
  const child = spawn(WORKERD, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  return {
    urls,
    started,
    child,
    stderr: () => stderr,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGTERM');
    }),
  };
}

// Polls until the socket answers `init`; returns the ms from spawn to that first answer.
async function firstAnswer(workerd, url, init) {
  for (;;) {
    if (workerd.child.exitCode !== null) throw new Error(`workerd exited: ${workerd.stderr()}`);
    try {
      const response = await fetch(url, init);
      await response.text();
      if (response.status !== 200) throw new Error(`status ${response.status}: ${workerd.stderr()}`);
      return performance.now() - workerd.started;
    } catch (error) {
      if (String(error).includes('status')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}

function bundleBenchWorker() {
  buildSync({
    entryPoints: [`${HERE}bench-worker.js`],
    outfile: `${HERE}build/bench-worker.mjs`,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'import'],
    external: ['waybill-edge'],
    logLevel: 'warning',
  });
}

function benchNode() {
  const run = spawnSync(process.execPath, [`${HERE}node-bench.mjs`], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`node bench failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()).us;
}

async function benchWorkerd(fixture) {
  const workerd = await startWorkerd(`${HERE}bench-workerd.capnp`, ['http']);
  const url = workerd.urls.http;
  const post = async (stack, n) => {
    const started = performance.now();
    const response = await fetch(url, { method: 'POST', body: JSON.stringify({ stack, n, fixture }) });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`workerd bench ${stack}: ${response.status} ${text} ${workerd.stderr()}`);
    return performance.now() - started;
  };
  try {
    await firstAnswer(workerd, url, { method: 'POST', body: JSON.stringify({ stack: 'none', n: 0, fixture }) });
    const results = {};
    for (const stack of STACKS) {
      await post(stack, 2000);
      const rounds = [];
      for (let r = 0; r < WORKERD_ROUNDS; r++) {
        const empty = await post('none', 0);
        rounds.push(((await post(stack, WORKERD_PER_ROUND)) - empty) * 1000 / WORKERD_PER_ROUND);
      }
      results[stack] = median(rounds);
    }
    return results;
  } finally {
    await workerd.stop();
  }
}

// In Node: compile, instantiate (the package's import does both) and the first request
// (Receiver, contract compilation, one receive), each timed in a fresh process.
function coldNode() {
  const script = `
    const t0 = performance.now();
    const bytes = (await import('node:fs')).readFileSync('${PKG}waybill_bg.wasm');
    const t1 = performance.now();
    const module = new WebAssembly.Module(bytes);
    const t2 = performance.now();
    const glue = await import('${PKG}waybill.js');
    glue.initSync({ module });
    const t3 = performance.now();
    const api = await import('${PKG}api.js');
    const { body, headers, secret } = JSON.parse(process.argv[1]);
    new api.Receiver({ verify_keys: [secret] }).receive(body, headers);
    const t4 = performance.now();
    console.log(JSON.stringify({ compile: t2 - t1, instantiate: t3 - t2, first_request: t4 - t3 }));
  `;
  const fixture = freshFixture();
  const runs = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(fixture)], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(run.stderr);
    runs.push(JSON.parse(run.stdout));
  }
  return Object.fromEntries(['compile', 'instantiate', 'first_request'].map((k) => [k, median(runs.map((r) => r[k]))]));
}

// In workerd: ms from starting the process to the first answer, with the package (its first
// request receives a delivery) and with an empty worker; the difference is Waybill's.
async function coldWorkerd() {
  const fixture = freshFixture();
  const init = { method: 'POST', body: JSON.stringify(fixture) };
  const cold = [];
  const empty = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const workerd = await startWorkerd(`${HERE}cold-workerd.capnp`, ['cold', 'empty']);
    try {
      empty.push(await firstAnswer(workerd, workerd.urls.empty, init));
    } finally {
      await workerd.stop();
    }
    const again = await startWorkerd(`${HERE}cold-workerd.capnp`, ['cold', 'empty']);
    try {
      cold.push(await firstAnswer(again, again.urls.cold, init));
    } finally {
      await again.stop();
    }
  }
  return { with_waybill: median(cold), empty_worker: median(empty), waybill: median(cold) - median(empty) };
}

function sizes() {
  const wasm = readFileSync(`${PKG}waybill_bg.wasm`);
  const glue = readFileSync(`${PKG}waybill.js`);
  return { wasm_raw: wasm.length, wasm_gzip: gzipSync(wasm, { level: 9 }).length, glue_gzip: gzipSync(glue, { level: 9 }).length };
}

function fmt(n, digits = 1) {
  return n === undefined ? '—' : n.toFixed(digits);
}

await import('./build-fixture.mjs');
bundleBenchWorker();
const fixture = freshFixture();
const node = benchNode();
const workerd = await benchWorkerd(fixture);
const coldN = coldNode();
const coldW = await coldWorkerd();
const size = sizes();

const results = {
  date: new Date().toISOString(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
  node: process.version,
  body_bytes: fixture.body.length,
  us_per_request: { node, workerd },
  cold_start_ms: { node: coldN, workerd: coldW },
  size,
};
writeFileSync(`${HERE}build/results.json`, JSON.stringify(results, null, 2));

console.log(`\nverify + validate, ${fixture.body.length}-byte lead.submitted, µs per request (median)`);
console.log(`${results.machine}, Node ${process.version}, ${results.date}\n`);
console.log('| stack | Node µs | vs Waybill | workerd µs | vs Waybill |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const stack of STACKS) {
  console.log(`| ${stack} | ${fmt(node[stack])} | ${fmt(node[stack] / node.waybill, 2)}× | ` +
    `${fmt(workerd[stack])} | ${fmt(workerd[stack] / workerd.waybill, 2)}× |`);
}
const fastestPeer = (by) => Math.min(...STACKS.slice(1).map((s) => by[s]));
console.log(`\nWaybill vs the fastest peer: Node ${fmt(fastestPeer(node) / node.waybill, 2)}×, ` +
  `workerd ${fmt(fastestPeer(workerd) / workerd.waybill, 2)}× (above 1 means Waybill is faster)`);
console.log('\ncold start, ms (median of 5)');
console.log(`  Node: compile ${fmt(coldN.compile)}, instantiate ${fmt(coldN.instantiate)}, first request ${fmt(coldN.first_request)}`);
console.log(`  workerd: start to first answer ${fmt(coldW.with_waybill)} with Waybill, ${fmt(coldW.empty_worker)} empty: Waybill adds ${fmt(coldW.waybill)}`);
console.log(`\nsize: waybill_bg.wasm ${size.wasm_raw} bytes raw, ${size.wasm_gzip} gzipped; JS glue ${size.glue_gzip} gzipped`);
