//! Waybill's core: payload contracts for webhooks.
//!
//! It validates an event against a versioned contract (JSON Schema draft
//! 2020-12), sanitizes it without corrupting real text, applies a per-field
//! privacy policy, assigns an idempotency key, and builds and verifies
//! Standard Webhooks signatures (HMAC-SHA256 `v1`, Ed25519 `v1a`). It does no
//! I/O: hosts (the PHP extension, the WASM builds, the CLI) pass bytes in and
//! get bytes or an [`Error`] with a stable code back.
//!
//! Start with [`pipeline::prepare`] and [`pipeline::receive`].
#![forbid(unsafe_code)]

pub mod contract;
pub mod envelope;
pub mod error;
pub mod id;
pub mod json;
pub mod limits;
pub mod options;
pub mod pipeline;
pub mod privacy;
pub mod random;
pub mod sanitize;
mod scan;
pub mod time;
pub mod webhook;

pub use error::{Code, Error, Violation};
pub use limits::Limits;
pub use options::Options;

/// The core's version, as hosts report it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
