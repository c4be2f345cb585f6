//! Bounds on untrusted input. Every parse and every host conversion checks
//! them, so a hostile body costs bounded time and memory.

use crate::error::{push_pointer, Code, Error};
use serde_json::Value;

/// Default largest body, in bytes (256 KiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;
/// Default deepest nesting of arrays and objects.
pub const DEFAULT_MAX_DEPTH: usize = 32;
/// Default longest string, in bytes after unescaping (64 KiB).
pub const DEFAULT_MAX_STRING_BYTES: usize = 64 * 1024;
/// Deepest nesting any caller may allow: parsing and the walks over a value
/// recurse once per level, and this keeps every host's stack safe.
pub const MAX_DEPTH_CEILING: usize = 256;
/// Default most entries in one array or object.
pub const DEFAULT_MAX_ARRAY_ITEMS: usize = 10_000;

/// Parse bounds. `Limits::default()` holds the documented defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest body in bytes.
    pub max_body_bytes: usize,
    /// Deepest nesting; the top-level object is depth 1.
    pub max_depth: usize,
    /// Longest string (keys included) in bytes.
    pub max_string_bytes: usize,
    /// Most entries in one array or object.
    pub max_array_items: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_depth: DEFAULT_MAX_DEPTH,
            max_string_bytes: DEFAULT_MAX_STRING_BYTES,
            max_array_items: DEFAULT_MAX_ARRAY_ITEMS,
        }
    }
}

impl Limits {
    /// Checks a value a host built itself (a PHP array, say) against the same
    /// bounds a parsed body gets. The body size is checked on its canonical form
    /// by the caller.
    pub fn check_value(&self, value: &Value) -> Result<(), Error> {
        self.check_at(value, "", 1)
    }

    fn check_at(&self, value: &Value, pointer: &str, depth: usize) -> Result<(), Error> {
        match value {
            Value::String(s) => self.check_string(s.len(), pointer),
            Value::Array(items) => {
                self.check_depth(depth, pointer)?;
                self.check_items(items.len(), pointer)?;
                for (i, item) in items.iter().enumerate() {
                    self.check_at(item, &push_pointer(pointer, &i.to_string()), depth + 1)?;
                }
                Ok(())
            }
            Value::Object(map) => {
                self.check_depth(depth, pointer)?;
                self.check_items(map.len(), pointer)?;
                for (key, item) in map {
                    let at = push_pointer(pointer, key);
                    self.check_string(key.len(), &at)?;
                    self.check_at(item, &at, depth + 1)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The depth limit in force: `max_depth`, never above the ceiling.
    pub fn effective_depth(&self) -> usize {
        self.max_depth.min(MAX_DEPTH_CEILING)
    }

    pub(crate) fn check_depth(&self, depth: usize, pointer: &str) -> Result<(), Error> {
        if depth > self.effective_depth() {
            return Err(Error::new(
                Code::InputTooDeep,
                pointer,
                format!(
                    "nesting is deeper than the limit of {}",
                    self.effective_depth()
                ),
            ));
        }
        Ok(())
    }

    pub(crate) fn check_items(&self, count: usize, pointer: &str) -> Result<(), Error> {
        if count > self.max_array_items {
            return Err(Error::new(
                Code::InputTooManyItems,
                pointer,
                format!("more than {} entries", self.max_array_items),
            ));
        }
        Ok(())
    }

    pub(crate) fn check_string(&self, len: usize, pointer: &str) -> Result<(), Error> {
        if len > self.max_string_bytes {
            return Err(Error::new(
                Code::InputStringTooLong,
                pointer,
                format!(
                    "string of {len} bytes is longer than the limit of {}",
                    self.max_string_bytes
                ),
            ));
        }
        Ok(())
    }

    pub(crate) fn check_body(&self, len: usize) -> Result<(), Error> {
        if len > self.max_body_bytes {
            return Err(Error::new(
                Code::InputTooLarge,
                "",
                format!(
                    "body of {len} bytes is larger than the limit of {}",
                    self.max_body_bytes
                ),
            ));
        }
        Ok(())
    }
}
