//! The options map every host passes through unchanged (a PHP array, a JS
//! object, JSON text). Reading it here keeps hosts free of payload logic.

use crate::error::{Code, Error};
use crate::limits::Limits;
use crate::privacy::{PrivacyMode, PrivacyOverrides};
use crate::webhook::DEFAULT_TOLERANCE_SECS;
use serde_json::Value;
use std::fmt;
use zeroize::Zeroizing;

/// Every option of `prepare`, `receive`, `validate`, `sanitize` and `verify`.
#[derive(Clone, Default)]
pub struct Options {
    /// Now, in Unix seconds; `None` reads the platform clock.
    pub now: Option<i64>,
    /// Keys to sign with (`whsec_…`, `whsk_…`).
    pub secrets: Vec<Zeroizing<String>>,
    /// Keys to verify with (`whsec_…`, `whpk_…`).
    pub verify_keys: Vec<Zeroizing<String>>,
    /// Timestamp tolerance in seconds, both ways.
    pub tolerance: Option<i64>,
    /// Key for keyed hashes and derived idempotency keys.
    pub site_key: Option<Zeroizing<Vec<u8>>>,
    /// Natural key: when set, `prepare` derives the idempotency key from it.
    pub natural_key: Option<String>,
    /// Idempotency key prefix; default the event type's first segment.
    pub id_prefix: Option<String>,
    /// Privacy overrides by JSON Pointer.
    pub privacy: PrivacyOverrides,
    /// Parse bounds.
    pub limits: Limits,
    /// Contract documents registered for this call only.
    pub contracts: Vec<Value>,
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("now", &self.now)
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.secrets.len()),
            )
            .field(
                "verify_keys",
                &format_args!("[{} redacted]", self.verify_keys.len()),
            )
            .field("tolerance", &self.tolerance)
            .field("site_key", &self.site_key.as_ref().map(|_| "[redacted]"))
            .field("natural_key", &self.natural_key.as_ref().map(|_| "[set]"))
            .field("id_prefix", &self.id_prefix)
            .field("privacy", &self.privacy)
            .field("limits", &self.limits)
            .field("contracts", &self.contracts.len())
            .finish()
    }
}

/// The last second an RFC 3339 timestamp can name (9999-12-31T23:59:59Z).
pub const MAX_NOW: i64 = 253_402_300_799;

fn bad(key: &str, message: &str) -> Error {
    Error::new(Code::OptionsInvalid, format!("/options/{key}"), message)
}

fn string_list(value: &Value, key: &str) -> Result<Vec<Zeroizing<String>>, Error> {
    match value {
        Value::String(s) => Ok(vec![Zeroizing::new(s.clone())]),
        Value::Array(items) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(|s| Zeroizing::new(s.to_string()))
                    .ok_or_else(|| bad(key, "must be a list of strings"))
            })
            .collect(),
        Value::Null => Ok(Vec::new()),
        _ => Err(bad(key, "must be a string or a list of strings")),
    }
}

fn integer(value: &Value, key: &str) -> Result<i64, Error> {
    value.as_i64().ok_or_else(|| bad(key, "must be an integer"))
}

fn size(value: &Value, key: &str) -> Result<usize, Error> {
    value
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| bad(key, "must be a positive integer"))
}

impl Options {
    /// Reads options from JSON text.
    pub fn from_json(bytes: &[u8]) -> Result<Options, Error> {
        let value =
            crate::json::parse(bytes, &Limits::default()).map_err(|e| e.under("/options"))?;
        Options::from_value(&value)
    }

    /// Reads options from a map; unknown keys and wrong types are errors.
    pub fn from_value(value: &Value) -> Result<Options, Error> {
        let mut options = Options::default();
        let map = match value {
            Value::Null => return Ok(options),
            Value::Object(map) => map,
            Value::Array(items) if items.is_empty() => return Ok(options),
            _ => {
                return Err(Error::new(
                    Code::OptionsInvalid,
                    "/options",
                    "options must be a map",
                ))
            }
        };
        for (key, v) in map {
            if v.is_null() {
                continue;
            }
            match key.as_str() {
                "now" => {
                    let now = integer(v, key)?;
                    if !(0..=MAX_NOW).contains(&now) {
                        return Err(bad(key, "must be Unix seconds between 1970 and 9999"));
                    }
                    options.now = Some(now);
                }
                "secrets" => options.secrets = string_list(v, key)?,
                "verify_keys" => options.verify_keys = string_list(v, key)?,
                "tolerance" => {
                    let t = integer(v, key)?;
                    if t < 0 {
                        return Err(bad(key, "must be zero or more seconds"));
                    }
                    options.tolerance = Some(t);
                }
                "site_key" => {
                    let s = v.as_str().ok_or_else(|| bad(key, "must be a string"))?;
                    options.site_key = Some(Zeroizing::new(s.as_bytes().to_vec()));
                }
                "natural_key" => {
                    options.natural_key = Some(
                        v.as_str()
                            .ok_or_else(|| bad(key, "must be a string"))?
                            .to_string(),
                    )
                }
                "id_prefix" => {
                    options.id_prefix = Some(
                        v.as_str()
                            .ok_or_else(|| bad(key, "must be a string"))?
                            .to_string(),
                    )
                }
                "privacy" => options.privacy = privacy(v)?,
                "limits" => options.limits = limits(v)?,
                "contracts" => {
                    options.contracts = match v {
                        Value::Array(items) => items.clone(),
                        _ => return Err(bad(key, "must be a list of contract documents")),
                    }
                }
                other => {
                    return Err(Error::new(
                        Code::OptionsInvalid,
                        crate::error::push_pointer("/options", other),
                        format!("unknown option {other}"),
                    ))
                }
            }
        }
        Ok(options)
    }

    /// The tolerance in force.
    pub fn tolerance(&self) -> i64 {
        self.tolerance.unwrap_or(DEFAULT_TOLERANCE_SECS)
    }
}

fn privacy(value: &Value) -> Result<PrivacyOverrides, Error> {
    let map = value.as_object().ok_or_else(|| {
        bad(
            "privacy",
            "must map JSON Pointers to keep, mask, hash or drop",
        )
    })?;
    map.iter()
        .map(|(pointer, mode)| {
            let mode = mode.as_str().and_then(PrivacyMode::parse).ok_or_else(|| {
                bad(
                    "privacy",
                    &format!("{pointer}: use keep, mask, hash or drop"),
                )
            })?;
            if !(pointer.starts_with("/data/") || pointer.starts_with("/metadata/")) {
                return Err(bad(
                    "privacy",
                    &format!("{pointer}: the policy applies to fields under /data/ or /metadata/"),
                ));
            }
            Ok((pointer.clone(), mode))
        })
        .collect()
}

fn limits(value: &Value) -> Result<Limits, Error> {
    let map = value
        .as_object()
        .ok_or_else(|| bad("limits", "must be a map"))?;
    let mut limits = Limits::default();
    for (key, v) in map {
        let at = format!("limits/{key}");
        match key.as_str() {
            "max_body_bytes" => limits.max_body_bytes = size(v, &at)?,
            "max_depth" => {
                limits.max_depth = size(v, &at)?;
                if limits.max_depth > crate::limits::MAX_DEPTH_CEILING {
                    return Err(bad(
                        &at,
                        &format!("must be at most {}", crate::limits::MAX_DEPTH_CEILING),
                    ));
                }
            }
            "max_string_bytes" => limits.max_string_bytes = size(v, &at)?,
            "max_array_items" => limits.max_array_items = size(v, &at)?,
            _ => return Err(bad(&at, "unknown limit")),
        }
    }
    Ok(limits)
}
