//! Times each step of `prepare` on a 2 KB lead (a quick look, not a benchmark).
#![allow(clippy::print_stdout)]
use std::time::Instant;
use waybill::contract::Registry;
use waybill::pipeline::{self, Input};
use waybill::sanitize::{sanitize_str, SanitizeKind};

fn main() {
    let registry = Registry::with_builtins();
    let message = "Wir möchten unsere Formulare ersetzen — Café ✓ 👩‍💻. ".repeat(30);
    let event = serde_json::json!({"event_type":"lead.submitted","idempotency_key":"lead_01JGZ8X6M7W8Y9Z0A1B2C3D4E5","source":"s","entity":{"type":"lead","id":1},"consent":true,
        "data":{"name":"Ada","email":"ada@example.com","message":message,"consent":true}});
    let bytes = serde_json::to_vec(&event).unwrap();
    let options = waybill::Options {
        now: Some(1_767_225_600),
        ..Default::default()
    };
    let n = 2000;
    let t = Instant::now();
    for _ in 0..n {
        let _ = waybill::json::parse(&bytes, &options.limits).unwrap();
    }
    println!("parse      {:?}", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        let _ = sanitize_str(&message, SanitizeKind::Multiline);
    }
    println!("sanitize   {:?}", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        let _ = pipeline::prepare(Input::Bytes(&bytes), &options, &registry).unwrap();
    }
    println!("prepare    {:?}", t.elapsed() / n);
}
