//! wasm-bindgen glue over the Waybill core, the engine of the `waybill-edge` npm package.
//!
//! Only type conversion lives here: JS strings and bytes in, plain JS objects out, core
//! errors thrown as `{code, pointer, message, errors}` objects that the package's `api.js`
//! turns into `WaybillError`. Options arrive as JSON text and are read by the core.

use std::cell::RefCell;

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use waybill::contract::{self, Contract, Registry};
use waybill::pipeline::{self, Input};
use waybill::webhook::{self, SigningKey};
use waybill::{id, json, Error, Options, Violation};

thread_local! {
    // Built on first use, never at instantiation: compiling contracts seeds hash maps from
    // random values, which workerd forbids at module scope.
    static REGISTRY: RefCell<Option<Registry>> = const { RefCell::new(None) };
}

fn with_registry<T>(f: impl FnOnce(&mut Registry) -> T) -> T {
    REGISTRY.with(|cell| {
        f(cell
            .borrow_mut()
            .get_or_insert_with(Registry::with_builtins))
    })
}

fn registry_snapshot() -> Registry {
    with_registry(|registry| registry.clone())
}

type JsResult<T> = Result<T, JsValue>;

fn set(target: &Object, key: &str, value: impl Into<JsValue>) {
    // Setting a data property on a fresh plain object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), &value.into());
}

fn violation_to_js(violation: &Violation) -> Object {
    let out = Object::new();
    set(&out, "code", violation.code.as_str());
    set(&out, "pointer", violation.pointer.as_str());
    set(&out, "message", violation.message.as_str());
    out
}

/// A core error as the plain object `api.js` rethrows as `WaybillError`.
fn error_to_js(error: Error) -> JsValue {
    let out = Object::new();
    set(&out, "code", error.code().as_str());
    set(&out, "pointer", error.pointer());
    set(&out, "message", error.message());
    let errors: Array = error.errors().iter().map(violation_to_js).collect();
    set(&out, "errors", errors);
    out.into()
}

/// The bytes of a JS string (UTF-8) or `Uint8Array` (as they are).
fn bytes_of(value: &JsValue) -> JsResult<Vec<u8>> {
    if let Some(text) = value.as_string() {
        return Ok(text.into_bytes());
    }
    if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        return Ok(bytes.to_vec());
    }
    Err(js_sys::TypeError::new("expected a string or a Uint8Array").into())
}

/// `[name, value, name, value, …]` as the pairs the core looks headers up in.
fn header_pairs(flat: Vec<String>) -> Vec<(String, String)> {
    let mut pairs = Vec::with_capacity(flat.len() / 2);
    let mut items = flat.into_iter();
    while let (Some(name), Some(value)) = (items.next(), items.next()) {
        pairs.push((name, value));
    }
    pairs
}

fn options_of(text: &str) -> JsResult<Options> {
    Options::from_json(text.as_bytes()).map_err(error_to_js)
}

fn changes_to_js(changes: &[waybill::sanitize::Change]) -> Array {
    changes
        .iter()
        .map(|change| {
            let out = Object::new();
            set(&out, "pointer", change.pointer.as_str());
            set(&out, "kind", change.kind.as_str());
            out
        })
        .collect()
}

fn received_to_js(received: pipeline::Received) -> Object {
    let out = Object::new();
    set(&out, "id", received.id);
    set(&out, "timestamp", received.timestamp as f64);
    set(&out, "event_type", received.event_type);
    set(&out, "version", received.version);
    set(&out, "body", received.body);
    out
}

fn verified_to_js(verified: webhook::Verified) -> Object {
    let out = Object::new();
    set(&out, "id", verified.id);
    set(&out, "timestamp", verified.timestamp as f64);
    out
}

fn contract_id_to_js(contract: &Contract) -> Object {
    let out = Object::new();
    set(&out, "event_type", contract.event_type());
    set(&out, "version", contract.version().to_string());
    out
}

/// Canonical JSON of `json` within the options' limits.
#[wasm_bindgen]
pub fn canonicalize(json: JsValue, options: &str) -> JsResult<String> {
    let options = options_of(options)?;
    json::canonicalize(&bytes_of(&json)?, &options.limits).map_err(error_to_js)
}

/// Validates an envelope: `{event_type, version}`.
#[wasm_bindgen]
pub fn validate(event: JsValue, options: &str) -> JsResult<Object> {
    let options = options_of(options)?;
    let event = bytes_of(&event)?;
    let validated =
        with_registry(|registry| pipeline::validate(Input::Bytes(&event), &options, registry))
            .map_err(error_to_js)?;
    let out = Object::new();
    set(&out, "event_type", validated.event_type);
    set(&out, "version", validated.version);
    Ok(out)
}

/// Sanitizes an envelope: `{body, changes}`.
#[wasm_bindgen]
pub fn sanitize(event: JsValue, options: &str) -> JsResult<Object> {
    let options = options_of(options)?;
    let event = bytes_of(&event)?;
    let sanitized =
        with_registry(|registry| pipeline::sanitize(Input::Bytes(&event), &options, registry))
            .map_err(error_to_js)?;
    let out = Object::new();
    set(&out, "body", sanitized.body);
    set(&out, "changes", changes_to_js(&sanitized.changes));
    Ok(out)
}

/// Builds an outgoing event: `{body, idempotency_key, event_type, version, headers, changes}`.
#[wasm_bindgen]
pub fn prepare(event: JsValue, options: &str) -> JsResult<Object> {
    let options = options_of(options)?;
    let event = bytes_of(&event)?;
    let prepared =
        with_registry(|registry| pipeline::prepare(Input::Bytes(&event), &options, registry))
            .map_err(error_to_js)?;
    let headers = Object::new();
    for (name, value) in &prepared.headers {
        set(&headers, name, value.as_str());
    }
    let out = Object::new();
    set(&out, "body", prepared.body);
    set(&out, "idempotency_key", prepared.idempotency_key);
    set(&out, "event_type", prepared.event_type);
    set(&out, "version", prepared.version);
    set(&out, "headers", headers);
    set(&out, "changes", changes_to_js(&prepared.changes));
    Ok(out)
}

/// The `webhook-signature` value for `id.timestamp.body`.
#[wasm_bindgen]
pub fn sign(id: &str, timestamp: f64, body: JsValue, keys: Vec<String>) -> JsResult<String> {
    pipeline::sign(id, timestamp as i64, &bytes_of(&body)?, &keys).map_err(error_to_js)
}

/// Verifies a signed request: `{id, timestamp}`.
#[wasm_bindgen]
pub fn verify(body: JsValue, headers: Vec<String>, options: &str) -> JsResult<Object> {
    let options = options_of(options)?;
    let verified = pipeline::verify(&bytes_of(&body)?, &header_pairs(headers), &options)
        .map_err(error_to_js)?;
    Ok(verified_to_js(verified))
}

/// Verifies, parses and validates: `{id, timestamp, event_type, version, body}`.
#[wasm_bindgen]
pub fn receive(body: JsValue, headers: Vec<String>, options: &str) -> JsResult<Object> {
    let options = options_of(options)?;
    let body = bytes_of(&body)?;
    let headers = header_pairs(headers);
    let received = with_registry(|registry| pipeline::receive(&body, &headers, &options, registry))
        .map_err(error_to_js)?;
    Ok(received_to_js(received))
}

/// Options and contracts read once, so each request is one call with no JSON to re-read.
#[wasm_bindgen]
pub struct Receiver {
    options: Options,
    registry: Registry,
}

#[wasm_bindgen]
impl Receiver {
    /// A receiver for `options` (JSON text). Its `contracts` are registered once, here.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &str) -> JsResult<Receiver> {
        let mut options = options_of(options)?;
        webhook::parse_verifying_keys(&options.verify_keys)
            .map_err(|e| error_to_js(e.under("/options/verify_keys")))?;
        let mut registry = registry_snapshot();
        for (i, document) in std::mem::take(&mut options.contracts)
            .into_iter()
            .enumerate()
        {
            registry
                .register_value(document)
                .map_err(|e| error_to_js(e.under(&format!("/options/contracts/{i}"))))?;
        }
        Ok(Receiver { options, registry })
    }

    /// As `receive`, at `now` (Unix seconds).
    pub fn receive(&mut self, body: JsValue, headers: Vec<String>, now: f64) -> JsResult<Object> {
        self.options.now = Some(now as i64);
        let received = pipeline::receive(
            &bytes_of(&body)?,
            &header_pairs(headers),
            &self.options,
            &self.registry,
        )
        .map_err(error_to_js)?;
        Ok(received_to_js(received))
    }

    /// As `verify`, at `now` (Unix seconds).
    pub fn verify(&mut self, body: JsValue, headers: Vec<String>, now: f64) -> JsResult<Object> {
        self.options.now = Some(now as i64);
        let verified = pipeline::verify(&bytes_of(&body)?, &header_pairs(headers), &self.options)
            .map_err(error_to_js)?;
        Ok(verified_to_js(verified))
    }
}

/// The `whpk_…` public key of a `whsk_…` signing key.
#[wasm_bindgen(js_name = publicKey)]
pub fn public_key(secret_key: &str) -> JsResult<String> {
    SigningKey::public_key_of(secret_key).map_err(error_to_js)
}

/// A new `whsec_…` secret.
#[wasm_bindgen(js_name = generateSecret)]
pub fn generate_secret() -> JsResult<String> {
    SigningKey::generate_secret().map_err(error_to_js)
}

/// A new Ed25519 pair: `{secret_key, public_key}`.
#[wasm_bindgen(js_name = generateKeypair)]
pub fn generate_keypair() -> JsResult<Object> {
    let (secret_key, public_key) = SigningKey::generate_keypair().map_err(error_to_js)?;
    let out = Object::new();
    set(&out, "secret_key", secret_key);
    set(&out, "public_key", public_key);
    Ok(out)
}

/// A new time-ordered idempotency key at `now_ms` (Unix milliseconds).
#[wasm_bindgen(js_name = idempotencyKey)]
pub fn idempotency_key(prefix: &str, now_ms: f64) -> JsResult<String> {
    id::random(prefix, now_ms as u64).map_err(error_to_js)
}

/// The idempotency key derived from a site key and a natural key.
#[wasm_bindgen(js_name = deriveIdempotencyKey)]
pub fn derive_idempotency_key(
    prefix: &str,
    site_key: JsValue,
    natural_key: &str,
) -> JsResult<String> {
    id::derive(prefix, &bytes_of(&site_key)?, natural_key).map_err(error_to_js)
}

/// The registry's contracts: `[{event_type, version}]`.
#[wasm_bindgen(js_name = listContracts)]
pub fn list_contracts() -> Array {
    with_registry(|registry| {
        registry
            .list()
            .into_iter()
            .map(|c| contract_id_to_js(c))
            .collect()
    })
}

/// Registers a contract document: `{event_type, version}`.
#[wasm_bindgen(js_name = registerContract)]
pub fn register_contract(document: JsValue) -> JsResult<Object> {
    let document = bytes_of(&document)?;
    let contract =
        with_registry(|registry| registry.register_json(&document)).map_err(error_to_js)?;
    Ok(contract_id_to_js(&contract))
}

/// Compares two contract documents: `{breaking, bump, declared, version_ok, changes}`.
#[wasm_bindgen(js_name = diffContracts)]
pub fn diff_contracts(old: JsValue, new: JsValue) -> JsResult<Object> {
    let old = Contract::from_json(&bytes_of(&old)?).map_err(|e| error_to_js(e.under("/old")))?;
    let new = Contract::from_json(&bytes_of(&new)?).map_err(|e| error_to_js(e.under("/new")))?;
    let diff = contract::diff(&old, &new).map_err(error_to_js)?;
    let changes: Array = diff
        .changes
        .iter()
        .map(|change| {
            let out = Object::new();
            set(&out, "pointer", change.pointer.as_str());
            set(&out, "kind", change.kind);
            set(&out, "breaking", change.breaking);
            out
        })
        .collect();
    let out = Object::new();
    set(&out, "breaking", diff.breaking);
    set(&out, "bump", diff.bump.as_str());
    set(&out, "declared", diff.declared.as_str());
    set(&out, "version_ok", diff.version_ok);
    set(&out, "changes", changes);
    Ok(out)
}
