//! Runs every conformance vector in `tests/vectors/` through the Rust API and
//! compares results exactly. The other hosts run the same files.

use base64::Engine;
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use waybill::contract::{diff, Contract, Registry};
use waybill::pipeline::{self, Input};
use waybill::sanitize::changes_to_json;
use waybill::{Error, Options};

/// The suite must not shrink unnoticed.
const MIN_CASES: usize = 150;

/// Codes that depend on the platform (a missing clock or random source),
/// tested where they can happen rather than in shared vectors.
const UNREACHABLE_IN_VECTORS: &[&str] = &["options.missing_now", "random.unavailable"];

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
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

fn error_json(e: &Error) -> Value {
    let mut out = json!({ "code": e.code().as_str(), "pointer": e.pointer() });
    if !e.errors().is_empty() {
        let list: Vec<Value> = e
            .errors()
            .iter()
            .map(|v| json!({"code": v.code.as_str(), "pointer": v.pointer}))
            .collect();
        out["errors"] = Value::Array(list);
    }
    out
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

fn run(op: &str, input: &Value, registry: &Registry) -> Result<Value, Error> {
    let options = || Options::from_value(input.get("options").unwrap_or(&Value::Null));
    Ok(match op {
        "canonicalize" => {
            let o = options()?;
            json!({ "body": waybill::json::canonicalize(&bytes(input, "json"), &o.limits)? })
        }
        "validate" => {
            let v =
                pipeline::validate(Input::Bytes(&bytes(input, "event")), &options()?, registry)?;
            json!({ "event_type": v.event_type, "version": v.version })
        }
        "sanitize" => {
            let s =
                pipeline::sanitize(Input::Bytes(&bytes(input, "event")), &options()?, registry)?;
            json!({ "body": s.body, "changes": changes_to_json(&s.changes) })
        }
        "prepare" => {
            let p = pipeline::prepare(Input::Bytes(&bytes(input, "event")), &options()?, registry)?;
            let headers: Map<String, Value> = p
                .headers
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            json!({ "body": p.body, "idempotency_key": p.idempotency_key, "headers": headers, "changes": changes_to_json(&p.changes) })
        }
        "sign" => {
            let keys: Vec<String> = input["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap().to_string())
                .collect();
            let ts = input["timestamp"].as_i64().unwrap();
            let sig = pipeline::sign(&text(input, "id"), ts, &bytes(input, "body"), &keys)?;
            json!({ "signature": sig })
        }
        "verify" => {
            let v = pipeline::verify(&bytes(input, "body"), &headers(input), &options()?)?;
            json!({ "id": v.id, "timestamp": v.timestamp })
        }
        "receive" => {
            let r = pipeline::receive(
                &bytes(input, "body"),
                &headers(input),
                &options()?,
                registry,
            )?;
            json!({ "id": r.id, "timestamp": r.timestamp, "event_type": r.event_type, "version": r.version, "body": r.body })
        }
        "public_key" => {
            json!({ "public_key": waybill::webhook::SigningKey::public_key_of(&text(input, "secret_key"))? })
        }
        "derive_id" => {
            let key = waybill::id::derive(
                &text(input, "prefix"),
                &bytes(input, "site_key"),
                &text(input, "natural_key"),
            )?;
            json!({ "idempotency_key": key })
        }
        "register" => {
            let c = Registry::new().register_json(&bytes(input, "contract"))?;
            json!({ "event_type": c.event_type(), "version": c.version().to_string() })
        }
        "diff" => {
            let old = Contract::from_json(&bytes(input, "old")).map_err(|e| e.under("/old"))?;
            let new = Contract::from_json(&bytes(input, "new")).map_err(|e| e.under("/new"))?;
            let d = diff(&old, &new)?;
            let changes: Vec<Value> = d
                .changes
                .iter()
                .map(|c| json!({"pointer": c.pointer, "kind": c.kind, "breaking": c.breaking}))
                .collect();
            json!({ "breaking": d.breaking, "bump": d.bump.as_str(), "declared": d.declared.as_str(), "version_ok": d.version_ok, "changes": changes })
        }
        other => panic!("unknown op {other}"),
    })
}

#[test]
fn every_vector_passes_in_rust() {
    let registry = Registry::with_builtins();
    let mut files: Vec<PathBuf> = std::fs::read_dir(vectors_dir())
        .expect("tests/vectors exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let (mut total, mut failures) = (0, Vec::new());
    let mut seen_codes = std::collections::BTreeSet::new();
    for file in &files {
        let doc: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        for case in doc["cases"].as_array().expect("cases") {
            total += 1;
            let name = format!(
                "{}: {}",
                file.file_name().unwrap().to_string_lossy(),
                case["name"].as_str().unwrap()
            );
            let got = match run(case["op"].as_str().unwrap(), &case["input"], &registry) {
                Ok(v) => json!({ "ok": v }),
                Err(e) => json!({ "error": error_json(&e) }),
            };
            if let Some(code) = case["expect"]["error"]["code"].as_str() {
                seen_codes.insert(code.to_string());
            }
            for v in case["expect"]["error"]["errors"]
                .as_array()
                .into_iter()
                .flatten()
            {
                seen_codes.insert(v["code"].as_str().unwrap_or_default().to_string());
            }
            if got != case["expect"] {
                failures.push(format!(
                    "{name}\n  expected {}\n  got      {}",
                    case["expect"], got
                ));
            }
        }
    }
    let untested: Vec<&str> = waybill::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !UNREACHABLE_IN_VECTORS.contains(c) && !seen_codes.contains(*c))
        .collect();
    assert!(
        untested.is_empty(),
        "error codes no vector covers: {untested:?}"
    );
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
