//! The Waybill core as a WASI component: `wit/waybill.wit` exports the operations every host
//! shares, for wasmtime-based hosts (Spin, wasmCloud, a Rust service).
//!
//! Only type conversion lives here: byte lists and JSON option text in, WIT records out,
//! core errors as the WIT `error` record. All payload behaviour is the core's.

use std::cell::RefCell;

use waybill::contract::{self, Contract, Registry};
use waybill::pipeline::{self, Input};
use waybill::webhook::{self, SigningKey};
use waybill::{id, json, Options};

// wit-bindgen's generated canonical-ABI glue; the only unsafe code in this crate.
#[allow(unsafe_code, missing_docs)]
mod bindings {
    use super::Component;

    wit_bindgen::generate!({ path: "wit", world: "waybill" });

    export!(Component with_types_in self);
}

use bindings::exports::waybill::core::api::{
    self, Change, ContractChange, ContractDiff, ContractId, Keypair, Prepared, Received, Sanitized,
    Validated, Verified, Violation,
};

thread_local! {
    // Built on first use; compiling contracts needs random values, which a host may not
    // offer while it instantiates.
    static REGISTRY: RefCell<Option<Registry>> = const { RefCell::new(None) };
}

fn with_registry<T>(f: impl FnOnce(&mut Registry) -> T) -> T {
    REGISTRY.with(|cell| {
        f(cell
            .borrow_mut()
            .get_or_insert_with(Registry::with_builtins))
    })
}

type Result<T> = std::result::Result<T, api::Error>;

fn error(e: waybill::Error) -> api::Error {
    api::Error {
        code: e.code().as_str().to_string(),
        pointer: e.pointer().to_string(),
        message: e.message().to_string(),
        errors: e
            .errors()
            .iter()
            .map(|v| Violation {
                code: v.code.as_str().to_string(),
                pointer: v.pointer.clone(),
                message: v.message.clone(),
            })
            .collect(),
    }
}

/// Options as JSON text; empty text means none.
fn options_of(text: &str) -> Result<Options> {
    if text.is_empty() {
        return Ok(Options::default());
    }
    Options::from_json(text.as_bytes()).map_err(error)
}

fn changes(changes: &[waybill::sanitize::Change]) -> Vec<Change> {
    changes
        .iter()
        .map(|c| Change {
            pointer: c.pointer.clone(),
            kind: c.kind.as_str().to_string(),
        })
        .collect()
}

fn received(r: pipeline::Received) -> Received {
    Received {
        id: r.id,
        timestamp: r.timestamp,
        event_type: r.event_type,
        version: r.version,
        body: r.body,
    }
}

fn verified(v: webhook::Verified) -> Verified {
    Verified {
        id: v.id,
        timestamp: v.timestamp,
    }
}

fn contract_id(c: &Contract) -> ContractId {
    ContractId {
        event_type: c.event_type().to_string(),
        version: c.version().to_string(),
    }
}

struct Component;

impl api::Guest for Component {
    type Receiver = Receiver;

    fn canonicalize(json: Vec<u8>, options: String) -> Result<String> {
        let options = options_of(&options)?;
        json::canonicalize(&json, &options.limits).map_err(error)
    }

    fn validate(event: Vec<u8>, options: String) -> Result<Validated> {
        let options = options_of(&options)?;
        let v = with_registry(|r| pipeline::validate(Input::Bytes(&event), &options, r))
            .map_err(error)?;
        Ok(Validated {
            event_type: v.event_type,
            version: v.version,
        })
    }

    fn sanitize(event: Vec<u8>, options: String) -> Result<Sanitized> {
        let options = options_of(&options)?;
        let s = with_registry(|r| pipeline::sanitize(Input::Bytes(&event), &options, r))
            .map_err(error)?;
        Ok(Sanitized {
            body: s.body,
            changes: changes(&s.changes),
        })
    }

    fn prepare(event: Vec<u8>, options: String) -> Result<Prepared> {
        let options = options_of(&options)?;
        let p = with_registry(|r| pipeline::prepare(Input::Bytes(&event), &options, r))
            .map_err(error)?;
        Ok(Prepared {
            changes: changes(&p.changes),
            body: p.body,
            idempotency_key: p.idempotency_key,
            event_type: p.event_type,
            version: p.version,
            headers: p.headers,
        })
    }

    fn sign(id: String, timestamp: i64, body: Vec<u8>, keys: Vec<String>) -> Result<String> {
        pipeline::sign(&id, timestamp, &body, &keys).map_err(error)
    }

    fn verify(body: Vec<u8>, headers: Vec<(String, String)>, options: String) -> Result<Verified> {
        let options = options_of(&options)?;
        pipeline::verify(&body, &headers, &options)
            .map(verified)
            .map_err(error)
    }

    fn receive(body: Vec<u8>, headers: Vec<(String, String)>, options: String) -> Result<Received> {
        let options = options_of(&options)?;
        with_registry(|r| pipeline::receive(&body, &headers, &options, r))
            .map(received)
            .map_err(error)
    }

    fn public_key(secret_key: String) -> Result<String> {
        SigningKey::public_key_of(&secret_key).map_err(error)
    }

    fn generate_secret() -> Result<String> {
        SigningKey::generate_secret().map_err(error)
    }

    fn generate_keypair() -> Result<Keypair> {
        let (secret_key, public_key) = SigningKey::generate_keypair().map_err(error)?;
        Ok(Keypair {
            secret_key,
            public_key,
        })
    }

    fn idempotency_key(prefix: String) -> Result<String> {
        let now = pipeline::now_secs(&Options::default()).map_err(error)?;
        id::random(
            &prefix,
            u64::try_from(now).unwrap_or(0).saturating_mul(1000),
        )
        .map_err(error)
    }

    fn derive_idempotency_key(
        prefix: String,
        site_key: Vec<u8>,
        natural_key: String,
    ) -> Result<String> {
        id::derive(&prefix, &site_key, &natural_key).map_err(error)
    }

    fn list_contracts() -> Vec<ContractId> {
        with_registry(|r| r.list().into_iter().map(|c| contract_id(c)).collect())
    }

    fn register_contract(document: Vec<u8>) -> Result<ContractId> {
        let contract = with_registry(|r| r.register_json(&document)).map_err(error)?;
        Ok(contract_id(&contract))
    }

    fn diff_contracts(old: Vec<u8>, new: Vec<u8>) -> Result<ContractDiff> {
        let old = Contract::from_json(&old).map_err(|e| error(e.under("/old")))?;
        let new = Contract::from_json(&new).map_err(|e| error(e.under("/new")))?;
        let d = contract::diff(&old, &new).map_err(error)?;
        Ok(ContractDiff {
            breaking: d.breaking,
            bump: d.bump.as_str().to_string(),
            declared: d.declared.as_str().to_string(),
            version_ok: d.version_ok,
            changes: d
                .changes
                .iter()
                .map(|c| ContractChange {
                    pointer: c.pointer.clone(),
                    kind: c.kind.to_string(),
                    breaking: c.breaking,
                })
                .collect(),
        })
    }
}

/// Options and contracts read once; each request is then one call.
pub struct Receiver {
    options: RefCell<Options>,
    registry: Registry,
}

impl api::GuestReceiver for Receiver {
    fn create(options: String) -> Result<api::Receiver> {
        let mut options = options_of(&options)?;
        webhook::parse_verifying_keys(&options.verify_keys)
            .map_err(|e| error(e.under("/options/verify_keys")))?;
        let mut registry = with_registry(|r| r.clone());
        for (i, document) in std::mem::take(&mut options.contracts)
            .into_iter()
            .enumerate()
        {
            registry
                .register_value(document)
                .map_err(|e| error(e.under(&format!("/options/contracts/{i}"))))?;
        }
        Ok(api::Receiver::new(Receiver {
            options: RefCell::new(options),
            registry,
        }))
    }

    fn receive(
        &self,
        body: Vec<u8>,
        headers: Vec<(String, String)>,
        now: Option<i64>,
    ) -> Result<Received> {
        let mut options = self.options.borrow_mut();
        options.now = now;
        pipeline::receive(&body, &headers, &options, &self.registry)
            .map(received)
            .map_err(error)
    }

    fn verify(
        &self,
        body: Vec<u8>,
        headers: Vec<(String, String)>,
        now: Option<i64>,
    ) -> Result<Verified> {
        let mut options = self.options.borrow_mut();
        options.now = now;
        pipeline::verify(&body, &headers, &options)
            .map(verified)
            .map_err(error)
    }
}
