//! The envelope, contract version 1.0: the fields around `data` that every
//! event carries, and their formats.

use crate::contract::{is_valid_event_type, Version};
use crate::error::{Code, Violation};
use serde_json::{Map, Value};

/// Fields every event must carry.
pub const REQUIRED_FIELDS: &[&str] = &[
    "version",
    "event_type",
    "idempotency_key",
    "source",
    "entity",
    "timestamp",
    "consent",
    "data",
];
/// Fields an event may carry.
pub const OPTIONAL_FIELDS: &[&str] = &["actor", "metadata"];
/// Longest `source` or string `actor`.
pub const MAX_LABEL_BYTES: usize = 200;

fn add(out: &mut Vec<Violation>, code: Code, field: &str, message: &str) {
    out.push(Violation {
        code,
        pointer: format!("/{field}"),
        message: message.to_string(),
    });
}

fn is_label(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        !s.trim().is_empty()
            && s.len() <= MAX_LABEL_BYTES
            && !s
                .chars()
                .any(|c| c.is_control() || crate::sanitize::is_invisible(c))
    })
}

fn is_integer(v: &Value) -> bool {
    matches!(v, Value::Number(n) if n.to_string().bytes().all(|b| b.is_ascii_digit() || b == b'-'))
}

/// Checks the envelope; returns the event type and version when both are valid.
pub(crate) fn check(
    map: &Map<String, Value>,
    out: &mut Vec<Violation>,
) -> Option<(String, Version)> {
    for key in map.keys() {
        if !REQUIRED_FIELDS.contains(&key.as_str()) && !OPTIONAL_FIELDS.contains(&key.as_str()) {
            out.push(Violation {
                code: Code::EnvelopeUnknownField,
                pointer: crate::error::push_pointer("", key),
                message: format!(
                    "{} is not an envelope field; put it in data or metadata",
                    crate::error::short(key)
                ),
            });
        }
    }
    for field in REQUIRED_FIELDS {
        if !map.contains_key(*field) {
            add(
                out,
                Code::EnvelopeMissingField,
                field,
                &format!("{field} is required"),
            );
        }
    }
    let version = map.get("version").and_then(|v| {
        let parsed = v.as_str().and_then(Version::parse);
        if parsed.is_none() {
            add(
                out,
                Code::EnvelopeInvalidVersion,
                "version",
                "version is MAJOR.MINOR such as 1.0",
            );
        }
        parsed
    });
    let event_type = map.get("event_type").and_then(|v| {
        let t = v.as_str().filter(|t| is_valid_event_type(t));
        if t.is_none() {
            add(
                out,
                Code::EnvelopeInvalidEventType,
                "event_type",
                "event_type is dotted [a-z0-9_] segments such as lead.submitted",
            );
        }
        t.map(String::from)
    });
    if let Some(v) = map.get("idempotency_key") {
        if !v.as_str().is_some_and(crate::id::is_valid_key) {
            add(
                out,
                Code::EnvelopeInvalidIdempotencyKey,
                "idempotency_key",
                "idempotency_key is <prefix>_ and 26 Crockford base32 characters",
            );
        }
    }
    if let Some(v) = map.get("source") {
        if !is_label(v) {
            add(
                out,
                Code::EnvelopeInvalidField,
                "source",
                "source is a non-empty name of up to 200 bytes",
            );
        }
    }
    if let Some(v) = map.get("entity") {
        check_entity(v, out);
    }
    if let Some(v) = map.get("timestamp") {
        if !v.as_str().is_some_and(crate::time::is_rfc3339_utc) {
            add(
                out,
                Code::EnvelopeInvalidTimestamp,
                "timestamp",
                "timestamp is RFC 3339 in UTC, such as 2026-01-31T09:30:00Z",
            );
        }
    }
    if let Some(v) = map.get("consent") {
        if !v.is_boolean() {
            add(
                out,
                Code::EnvelopeInvalidField,
                "consent",
                "consent is true or false",
            );
        }
    }
    if let Some(v) = map.get("actor") {
        if !(is_label(v) || is_integer(v)) {
            add(
                out,
                Code::EnvelopeInvalidField,
                "actor",
                "actor is a user id or a name such as anonymous",
            );
        }
    }
    for field in ["data", "metadata"] {
        if map.get(field).is_some_and(|v| !v.is_object()) {
            add(
                out,
                Code::EnvelopeInvalidField,
                field,
                &format!("{field} is an object"),
            );
        }
    }
    Some((event_type?, version?))
}

fn check_entity(v: &Value, out: &mut Vec<Violation>) {
    let ok = v.as_object().is_some_and(|e| {
        let type_ok = e.get("type").is_some_and(is_label);
        let id_ok = e.get("id").is_some_and(|id| is_integer(id) || is_label(id));
        type_ok && id_ok && e.len() == 2
    });
    if !ok {
        add(
            out,
            Code::EnvelopeInvalidEntity,
            "entity",
            "entity is {\"type\": name, \"id\": integer or string} and nothing else",
        );
    }
}
