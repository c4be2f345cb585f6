// The stacks compared, each as `name → async (body, headers) => void` that verifies the
// Standard Webhooks signature and validates the event, throwing when either fails. The same
// code runs in Node and in workerd; `deps` brings each runtime's imports.
//
//   waybill               waybill-edge's Receiver: one call into wasm, bytes and headers in
//   standardwebhooks+cfworker   `standardwebhooks` verify, `@cfworker/json-schema` validate
//   webcrypto+cfworker    WebCrypto HMAC verify, `@cfworker/json-schema` validate
//   webcrypto+ajv         WebCrypto HMAC verify, ajv compiled ahead of time (standalone)

const TOLERANCE_SECONDS = 300;

function base64ToBytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// What a careful edge developer writes around WebCrypto: the same checks Waybill makes.
async function webCryptoVerifier(secret, now) {
  const key = await crypto.subtle.importKey(
    'raw', base64ToBytes(secret.slice('whsec_'.length)), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'],
  );
  const encoder = new TextEncoder();
  return async (body, headers) => {
    const id = headers['webhook-id'];
    const timestamp = headers['webhook-timestamp'];
    const signatures = headers['webhook-signature'];
    if (!id || !timestamp || !signatures) throw new Error('missing header');
    const seconds = Number(timestamp);
    if (!Number.isInteger(seconds) || Math.abs(now() - seconds) > TOLERANCE_SECONDS) throw new Error('stale');
    const signed = encoder.encode(`${id}.${timestamp}.${body}`);
    for (const entry of signatures.split(' ')) {
      const [version, value] = entry.split(',');
      if (version !== 'v1' || !value) continue;
      if (await crypto.subtle.verify('HMAC', key, base64ToBytes(value), signed)) return;
    }
    throw new Error('signature mismatch');
  };
}

/**
 * Builds every stack. `deps`: `{ waybill, Webhook, CfValidator, ajvValidate }`; `fixture`:
 * bench/build/fixture.json with headers signed moments ago (every stack checks the clock).
 */
export async function makeStacks(deps, fixture) {
  const now = () => Math.floor(Date.now() / 1000);
  const verifyWithWebCrypto = await webCryptoVerifier(fixture.secret, now);
  const cfworker = new deps.CfValidator(fixture.schema, '2020-12', true);
  const webhook = new deps.Webhook(fixture.secret);
  let receiver = null;

  return {
    waybill: async (body, headers) => {
      // Built on first use, as in a worker (workerd forbids random values at module scope).
      receiver ??= new deps.waybill.Receiver({ verify_keys: [fixture.secret] });
      receiver.receive(body, headers);
    },
    'standardwebhooks+cfworker': async (body, headers) => {
      const text = new TextDecoder().decode(body);
      const event = webhook.verify(text, headers);
      if (!cfworker.validate(event).valid) throw new Error('invalid');
    },
    'webcrypto+cfworker': async (body, headers) => {
      const text = new TextDecoder().decode(body);
      await verifyWithWebCrypto(text, headers);
      if (!cfworker.validate(JSON.parse(text)).valid) throw new Error('invalid');
    },
    'webcrypto+ajv': async (body, headers) => {
      const text = new TextDecoder().decode(body);
      await verifyWithWebCrypto(text, headers);
      if (!deps.ajvValidate(JSON.parse(text))) throw new Error('invalid');
    },
  };
}

/** Runs `stack` `n` times over the fixture; throws if any run fails. */
export async function runStack(stack, fixture, bodyBytes, n) {
  for (let i = 0; i < n; i++) await stack(bodyBytes, fixture.headers);
}
