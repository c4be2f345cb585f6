//! The wasmtime host: runs every conformance vector in `tests/vectors/` through the WASI
//! component and compares results exactly, as the Rust, Node and PHP hosts do.
//!
//! The component is read from `WAYBILL_COMPONENT` when set (tests/e2e/edge/run-tests.sh
//! builds it and sets it); otherwise this test builds it for wasm32-wasip2 first, in a target
//! directory of its own so that it never waits on the cargo that runs it.
#![allow(missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use serde_json::{json, Map, Value};
use wasmtime::component::{Component, Linker, ResourceAny, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

wasmtime::component::bindgen!({ path: "wit", world: "waybill" });

use exports::waybill::core::api;

/// The suite must not shrink unnoticed (the Rust runner keeps the same floor).
const MIN_CASES: usize = 150;

struct Host {
    ctx: WasiCtx,
    table: ResourceTable,
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn component_path() -> PathBuf {
    if let Some(path) = std::env::var_os("WAYBILL_COMPONENT") {
        return PathBuf::from(path);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
        .join("waybill-component-guest");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(workspace_root())
        .env("CARGO_TARGET_DIR", &target)
        .args([
            "build",
            "-p",
            "waybill-component",
            "--target",
            "wasm32-wasip2",
            "--profile",
            "wasm-release",
        ])
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "building the component for wasm32-wasip2 failed"
    );
    target.join("wasm32-wasip2/wasm-release/waybill_component.wasm")
}

/// The compiled component, ready to instantiate as often as a test needs.
struct Runtime {
    engine: Engine,
    component: Component,
    linker: Linker<Host>,
}

struct Guest {
    store: Store<Host>,
    bindings: Waybill,
}

impl Runtime {
    fn load() -> Runtime {
        let engine = Engine::new(&Config::new()).expect("engine");
        let path = component_path();
        let component = Component::from_file(&engine, &path)
            .unwrap_or_else(|e| panic!("loading {}: {e}", path.display()));
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).expect("WASI in the linker");
        Runtime {
            engine,
            component,
            linker,
        }
    }

    /// A fresh instance, with a registry of its own.
    fn instance(&self) -> Guest {
        let host = Host {
            ctx: WasiCtx::builder().build(),
            table: ResourceTable::new(),
        };
        let mut store = Store::new(&self.engine, host);
        let bindings =
            Waybill::instantiate(&mut store, &self.component, &self.linker).expect("instantiate");
        Guest { store, bindings }
    }
}

fn bytes(input: &Value, key: &str) -> Vec<u8> {
    if let Some(s) = input.get(key).and_then(Value::as_str) {
        return s.as_bytes().to_vec();
    }
    let b64 = input
        .get(format!("{key}_base64"))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("input has neither {key} nor {key}_base64"));
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("valid base64 in vector")
}

fn text(input: &Value, key: &str) -> String {
    String::from_utf8(bytes(input, key)).expect("UTF-8 text field")
}

fn options(input: &Value) -> String {
    input
        .get("options")
        .map(Value::to_string)
        .unwrap_or_default()
}

fn headers(input: &Value) -> Vec<(String, String)> {
    input
        .get("headers")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn error_json(e: &api::Error) -> Value {
    let mut out = json!({ "code": e.code, "pointer": e.pointer });
    if !e.errors.is_empty() {
        let list: Vec<Value> = e
            .errors
            .iter()
            .map(|v| json!({"code": v.code, "pointer": v.pointer}))
            .collect();
        out["errors"] = Value::Array(list);
    }
    out
}

fn changes_json(changes: &[api::Change]) -> Value {
    Value::Array(
        changes
            .iter()
            .map(|c| json!({"pointer": c.pointer, "kind": c.kind}))
            .collect(),
    )
}

/// Runs one case in the component: `Ok(result)` or the component's error.
fn run(runtime: &Runtime, guest: &mut Guest, op: &str, input: &Value) -> Result<Value, api::Error> {
    let api = guest.bindings.waybill_core_api();
    let store = &mut guest.store;
    let trap = |e: wasmtime::Error| -> ! { panic!("the component trapped: {e:?}") };
    Ok(match op {
        "canonicalize" => {
            let body = api
                .call_canonicalize(&mut *store, &bytes(input, "json"), &options(input))
                .unwrap_or_else(|e| trap(e))?;
            json!({ "body": body })
        }
        "validate" => {
            let v = api
                .call_validate(&mut *store, &bytes(input, "event"), &options(input))
                .unwrap_or_else(|e| trap(e))?;
            json!({ "event_type": v.event_type, "version": v.version })
        }
        "sanitize" => {
            let s = api
                .call_sanitize(&mut *store, &bytes(input, "event"), &options(input))
                .unwrap_or_else(|e| trap(e))?;
            json!({ "body": s.body, "changes": changes_json(&s.changes) })
        }
        "prepare" => {
            let p = api
                .call_prepare(&mut *store, &bytes(input, "event"), &options(input))
                .unwrap_or_else(|e| trap(e))?;
            let headers: Map<String, Value> = p
                .headers
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            json!({ "body": p.body, "idempotency_key": p.idempotency_key, "headers": headers, "changes": changes_json(&p.changes) })
        }
        "sign" => {
            let keys: Vec<String> = input["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap().to_string())
                .collect();
            let ts = input["timestamp"].as_i64().unwrap();
            let signature = api
                .call_sign(
                    &mut *store,
                    &text(input, "id"),
                    ts,
                    &bytes(input, "body"),
                    &keys,
                )
                .unwrap_or_else(|e| trap(e))?;
            json!({ "signature": signature })
        }
        "verify" => {
            let v = api
                .call_verify(
                    &mut *store,
                    &bytes(input, "body"),
                    &headers(input),
                    &options(input),
                )
                .unwrap_or_else(|e| trap(e))?;
            json!({ "id": v.id, "timestamp": v.timestamp })
        }
        "receive" => {
            let r = api
                .call_receive(
                    &mut *store,
                    &bytes(input, "body"),
                    &headers(input),
                    &options(input),
                )
                .unwrap_or_else(|e| trap(e))?;
            json!({ "id": r.id, "timestamp": r.timestamp, "event_type": r.event_type, "version": r.version, "body": r.body })
        }
        "public_key" => {
            let key = api
                .call_public_key(&mut *store, &text(input, "secret_key"))
                .unwrap_or_else(|e| trap(e))?;
            json!({ "public_key": key })
        }
        "derive_id" => {
            let key = api
                .call_derive_idempotency_key(
                    &mut *store,
                    &text(input, "prefix"),
                    &bytes(input, "site_key"),
                    &text(input, "natural_key"),
                )
                .unwrap_or_else(|e| trap(e))?;
            json!({ "idempotency_key": key })
        }
        "register" => {
            // Into a fresh instance's registry, as the Rust runner registers into a new one.
            let mut fresh = runtime.instance();
            let api = fresh.bindings.waybill_core_api();
            let c = api
                .call_register_contract(&mut fresh.store, &bytes(input, "contract"))
                .unwrap_or_else(|e| trap(e))?;
            json!({ "event_type": c.event_type, "version": c.version })
        }
        "diff" => {
            let d = api
                .call_diff_contracts(&mut *store, &bytes(input, "old"), &bytes(input, "new"))
                .unwrap_or_else(|e| trap(e))?;
            let changes: Vec<Value> = d
                .changes
                .iter()
                .map(|c| json!({"pointer": c.pointer, "kind": c.kind, "breaking": c.breaking}))
                .collect();
            json!({ "breaking": d.breaking, "bump": d.bump, "declared": d.declared, "version_ok": d.version_ok, "changes": changes })
        }
        other => panic!("unknown op {other}"),
    })
}

fn vector_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(workspace_root().join("tests/vectors"))
        .expect("tests/vectors exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_vector_passes_in_the_component() {
    let runtime = Runtime::load();
    let mut guest = runtime.instance();
    let (mut total, mut failures) = (0, Vec::new());
    for file in vector_files() {
        let doc: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        for case in doc["cases"].as_array().expect("cases") {
            total += 1;
            let name = format!(
                "{}: {}",
                file.file_name().unwrap().to_string_lossy(),
                case["name"].as_str().unwrap()
            );
            let got = match run(
                &runtime,
                &mut guest,
                case["op"].as_str().unwrap(),
                &case["input"],
            ) {
                Ok(v) => json!({ "ok": v }),
                Err(e) => json!({ "error": error_json(&e) }),
            };
            if got != case["expect"] {
                failures.push(format!(
                    "{name}\n  expected {}\n  got      {}",
                    case["expect"], got
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} vectors failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        total >= MIN_CASES,
        "only {total} vectors; the suite must keep at least {MIN_CASES}"
    );
}

#[test]
fn a_receiver_resource_verifies_and_validates_in_one_call() {
    let mut guest = Runtime::load().instance();
    let api = guest.bindings.waybill_core_api();
    let secret = api.call_generate_secret(&mut guest.store).unwrap().unwrap();
    let event = br#"{"event_type":"lead.submitted","source":"site","entity":{"type":"lead","id":9007199254740993},
      "consent":true,"data":{"name":"Ada","email":"ada@example.com","message":"Hi","consent":true}}"#;
    let options = json!({ "now": 1_767_225_600, "secrets": [secret] }).to_string();
    let prepared = api
        .call_prepare(&mut guest.store, event, &options)
        .unwrap()
        .unwrap();

    let receiver_api = api.receiver();
    let receiver: ResourceAny = receiver_api
        .call_create(
            &mut guest.store,
            &json!({ "verify_keys": [secret] }).to_string(),
        )
        .unwrap()
        .unwrap();
    let received = receiver_api
        .call_receive(
            &mut guest.store,
            receiver,
            prepared.body.as_bytes(),
            &prepared.headers,
            Some(1_767_225_600),
        )
        .unwrap()
        .unwrap();
    assert_eq!(received.id, prepared.idempotency_key);
    assert_eq!(received.body, prepared.body);
    assert!(received.body.contains(r#""id":9007199254740993"#));

    let late = receiver_api
        .call_receive(
            &mut guest.store,
            receiver,
            prepared.body.as_bytes(),
            &prepared.headers,
            Some(1_767_225_600 + 301),
        )
        .unwrap()
        .unwrap_err();
    assert_eq!(late.code, "signature.timestamp_out_of_range");
    receiver.resource_drop(&mut guest.store).unwrap();
}
