//! The one place the core asks the platform for randomness.

use crate::error::{Code, Error};

/// Fills `buf` from the platform's secure random source.
pub fn fill(buf: &mut [u8]) -> Result<(), Error> {
    getrandom::fill(buf).map_err(|e| {
        Error::new(
            Code::RandomUnavailable,
            "",
            format!("no secure random source: {e}"),
        )
    })
}
