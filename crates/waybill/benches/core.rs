//! Criterion benchmarks of the hot paths: prepare and receive of a 2 KB lead,
//! HMAC-SHA256 throughput, and Waybill's validation next to the `jsonschema`
//! crate called directly with the same schema.

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde_json::{json, Value};
use waybill::contract::Registry;
use waybill::pipeline::{self, Input};
use waybill::webhook::{sign, SigningKey};
use waybill::Options;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NOW: i64 = 1_767_225_600;

/// A lead.submitted event whose canonical body is about 2 KB.
fn lead_2kb() -> Value {
    json!({
        "event_type": "lead.submitted",
        "idempotency_key": "lead_01JGZ8X6M7W8Y9Z0A1B2C3D4E5",
        "source": "wordpress-contact-form",
        "entity": {"type": "lead", "id": 4821},
        "consent": true,
        "actor": "anonymous",
        "data": {
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "company": "Analytical Engines Ltd",
            "phone": "+44 20 7946 0958",
            "message": "We are looking at replacing our intake forms. ".repeat(36),
            "consent": true
        },
        "metadata": {"site": "https://example.com", "locale": "en_GB", "utm_source": "newsletter", "utm_campaign": "winter"}
    })
}

fn bench_pipeline(c: &mut Criterion) {
    let registry = Registry::with_builtins();
    let event = serde_json::to_vec(&lead_2kb()).unwrap();
    let options = Options::from_value(&json!({"now": NOW, "secrets": [SECRET]})).unwrap();
    let prepared = pipeline::prepare(Input::Bytes(&event), &options, &registry).unwrap();
    assert!(
        (1800..2400).contains(&prepared.body.len()),
        "body is {} bytes",
        prepared.body.len()
    );
    let headers = prepared.headers.clone();
    let receive_options =
        Options::from_value(&json!({"now": NOW, "verify_keys": [SECRET]})).unwrap();

    let mut group = c.benchmark_group("pipeline_2kb_lead");
    group.throughput(Throughput::Bytes(prepared.body.len() as u64));
    group.bench_function("prepare", |b| {
        b.iter(|| pipeline::prepare(Input::Bytes(black_box(&event)), &options, &registry).unwrap())
    });
    group.bench_function("receive", |b| {
        b.iter(|| {
            pipeline::receive(
                black_box(prepared.body.as_bytes()),
                &headers,
                &receive_options,
                &registry,
            )
            .unwrap()
        })
    });
    group.finish();
}

fn bench_hmac(c: &mut Criterion) {
    let key = [SigningKey::parse(SECRET).unwrap()];
    let mut group = c.benchmark_group("hmac_sha256");
    for size in [1024usize, 1024 * 1024] {
        let body = vec![b'x'; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &body, |b, body| {
            b.iter(|| sign("msg_1", NOW, black_box(body), &key).unwrap())
        });
    }
    group.finish();
}

fn bench_validation(c: &mut Criterion) {
    let registry = Registry::with_builtins();
    let contract = registry.get("lead.submitted", None).unwrap().clone();
    let direct = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(contract.schema())
        .unwrap();
    let event = lead_2kb();
    let data = event["data"].clone();
    let mut full = event.clone();
    full["version"] = json!("1.0");
    full["timestamp"] = json!("2026-01-01T00:00:00Z");
    let bytes = serde_json::to_vec(&full).unwrap();
    let options = Options::default();

    let mut group = c.benchmark_group("validation");
    group.bench_function("jsonschema_direct_data", |b| {
        b.iter(|| assert!(direct.validate(black_box(&data)).is_ok()))
    });
    group.bench_function("waybill_contract_data", |b| {
        b.iter(|| contract.validate(black_box(&data)).unwrap())
    });
    group.bench_function("serde_json_parse_plus_jsonschema", |b| {
        b.iter(|| {
            let v: Value = serde_json::from_slice(black_box(&bytes)).unwrap();
            assert!(direct.validate(&v["data"]).is_ok());
        })
    });
    group.bench_function("waybill_validate_from_bytes", |b| {
        b.iter(|| pipeline::validate(Input::Bytes(black_box(&bytes)), &options, &registry).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench_pipeline, bench_hmac, bench_validation);
criterion_main!(benches);
