// Runs one conformance vector (tests/vectors/README.md) through the waybill-edge JS API and
// returns what to compare. Shared by the Node test, the Deno check and the workerd check, so
// every JavaScript host reads the vectors the same way.

const CALLS = {
  canonicalize: (api, i) => ({ body: api.canonicalize(i.json, i.options) }),
  validate: (api, i) => api.validate(i.event, i.options),
  sanitize: (api, i) => api.sanitize(i.event, i.options),
  prepare: (api, i) => api.prepare(i.event, i.options),
  sign: (api, i) => ({ signature: api.sign(i.id, i.timestamp, i.body, i.keys) }),
  verify: (api, i) => api.verify(i.body, i.headers, i.options),
  receive: (api, i) => api.receive(i.body, i.headers, i.options),
  public_key: (api, i) => ({ public_key: api.publicKey(i.secret_key) }),
  derive_id: (api, i) => ({
    idempotency_key: api.deriveIdempotencyKey(i.prefix, i.site_key, i.natural_key),
  }),
  register: (api, i) => api.registerContract(i.contract),
  diff: (api, i) => api.diffContracts(i.old, i.new),
};

function decodeBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The input with every `X_base64` field replaced by `X` as raw bytes. */
export function decodeInput(input) {
  const decoded = {};
  for (const [key, value] of Object.entries(input ?? {})) {
    if (key.endsWith('_base64') && typeof value === 'string') {
      decoded[key.slice(0, -'_base64'.length)] = decodeBase64(value);
    } else {
      decoded[key] = value;
    }
  }
  return decoded;
}

// A result is compared on the fields its vector names; a field the host leaves out fails.
function pick(result, fields) {
  const picked = {};
  for (const field of fields) if (result[field] !== undefined) picked[field] = result[field];
  return picked;
}

/**
 * Runs a case. Returns `{actual, expected}`, both in the vector's own shape:
 * `{ok: RESULT}` or `{error: {code, pointer, errors?}}`. Messages are never compared.
 */
export function runCase(api, testCase) {
  const call = CALLS[testCase.op];
  if (!call) throw new Error(`unknown op ${testCase.op} in case ${testCase.name}`);
  const expected = testCase.expect;
  const fields = Object.keys(expected.ok ?? {});
  let actual;
  try {
    actual = { ok: pick(call(api, decodeInput(testCase.input)), fields) };
  } catch (error) {
    if (!(error instanceof api.WaybillError)) throw error;
    // As in the Rust runner: `errors` is part of the result whenever the core lists any.
    actual = { error: { code: error.code, pointer: error.pointer } };
    if (error.errors.length > 0) {
      actual.error.errors = error.errors.map(({ code, pointer }) => ({ code, pointer }));
    }
  }
  return { actual, expected };
}

/** Every vector file as `{file, description, cases}`, read with the host's `readText`. */
export async function loadVectors(listFiles, readText) {
  const files = (await listFiles()).filter((name) => name.endsWith('.json')).sort();
  const loaded = [];
  for (const file of files) {
    const parsed = JSON.parse(await readText(file));
    loaded.push({ file, description: parsed.description, cases: parsed.cases });
  }
  return loaded;
}
