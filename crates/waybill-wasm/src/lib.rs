//! probe
use wasm_bindgen::prelude::*;

/// probe
#[wasm_bindgen]
pub fn probe(a: &str) -> String { a.to_owned() }
