// Starts what the edge end-to-end tests talk to, on 127.0.0.1 only: a small automation
// service standing in for n8n (it records each request and verifies the edge's signature)
// and the edge worker in the real workerd runtime.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { verify } from 'waybill-edge';

const WASM_PKG = fileURLToPath(new URL('../../../wasm-pkg/', import.meta.url));
const WORKERD = `${WASM_PKG}node_modules/.bin/workerd`;
const CONFIG = `${WASM_PKG}worker/workerd.capnp`;
const STARTUP_TIMEOUT_MS = 20_000;

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * The automation: answers `status` (200 unless changed) and keeps every request with its raw
 * body and whether the edge's signature verified with `verifyKey`.
 */
export async function startAutomation(verifyKey) {
  const requests = [];
  const state = { status: 200 };
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      let verified = null;
      try {
        verified = verify(new Uint8Array(body), request.headers, { verify_keys: [verifyKey] });
      } catch (error) {
        verified = { error: error.code };
      }
      requests.push({ headers: request.headers, body: body.toString('utf8'), verified });
      response.writeHead(state.status, { 'content-type': 'application/json' });
      response.end('{"ok":true}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/webhook/waybill`,
    requests,
    answerWith(status) {
      state.status = status;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** workerd running worker/workerd.capnp on a free port with `env` as its settings. */
export function startEdge(env) {
  return startWorkerd(CONFIG, env);
}

/** workerd serving `config` on a free port of 127.0.0.1. */
export async function startWorkerd(config, env = {}) {
  const port = await freePort();
  const child = spawn(WORKERD, ['serve', config, '--socket-addr', `http=127.0.0.1:${port}`], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = [];
  child.stdout.on('data', (chunk) => output.push(chunk.toString('utf8')));
  child.stderr.on('data', (chunk) => output.push(chunk.toString('utf8')));
  const url = `http://127.0.0.1:${port}/`;

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`workerd exited: ${output.join('')}`);
    try {
      await fetch(url, { method: 'GET' });
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`workerd did not start: ${output.join('')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    /** Every structured log line the worker printed so far. */
    logLines: () => output.join('').split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line)),
    output: () => output.join(''),
    stop: () => new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    }),
  };
}
