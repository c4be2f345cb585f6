//! Any bytes through parse, sanitize, validate and prepare: an error is fine, a panic is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use waybill::contract::Registry;
use waybill::pipeline::{self, Input};
use waybill::Options;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::with_builtins)
}

fuzz_target!(|data: &[u8]| {
    let options = Options { now: Some(1_767_225_600), ..Options::default() };
    let _ = pipeline::validate(Input::Bytes(data), &options, registry());
    let _ = pipeline::sanitize(Input::Bytes(data), &options, registry());
    if let Ok(prepared) = pipeline::prepare(Input::Bytes(data), &options, registry()) {
        // What prepare emits must itself be valid and canonical.
        let again = waybill::json::canonicalize(prepared.body.as_bytes(), &options.limits).expect("prepared body parses");
        assert_eq!(again, prepared.body);
    }
});
