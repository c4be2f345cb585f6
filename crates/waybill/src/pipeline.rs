//! The calls hosts make: `prepare` on the way out (parse, sanitize, validate,
//! privacy, canonical body, idempotency key, signature headers) and
//! `receive` on the way in (verify, parse, validate). Hosts hand raw input in
//! and get bytes or an error back; all I/O stays with them.

use crate::contract::{Contract, Registry, Version};
use crate::envelope;
use crate::error::{Code, Error, Violation};
use crate::json;
use crate::options::Options;
use crate::privacy::Policy;
use crate::sanitize::{sanitize_value, Change, FieldRules};
use crate::webhook::{self, HeaderLookup, Verified, Verifier};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::Arc;

/// Media type of every body Waybill sends.
pub const CONTENT_TYPE: &str = "application/json";

/// An event as handed over by a host: raw bytes, or a value it built itself.
#[derive(Clone, Debug)]
pub enum Input<'a> {
    /// JSON text as received; parsed with the limits.
    Bytes(&'a [u8]),
    /// A value the host converted (a PHP array); checked against the same limits.
    Value(Value),
}

/// What `prepare` produces: everything a sender stores or sends.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The canonical JSON body.
    pub body: String,
    /// The idempotency key, also the `webhook-id`.
    pub idempotency_key: String,
    /// The event type.
    pub event_type: String,
    /// The contract version.
    pub version: String,
    /// `content-type`, `webhook-id`, and with secrets `webhook-timestamp` and `webhook-signature`.
    pub headers: Vec<(String, String)>,
    /// What the sanitizer changed.
    pub changes: Vec<Change>,
    /// The event as sent.
    pub event: Value,
}

/// What `receive` produces for a verified, valid request.
#[derive(Clone, Debug)]
pub struct Received {
    /// The `webhook-id`.
    pub id: String,
    /// The `webhook-timestamp`.
    pub timestamp: i64,
    /// The event type.
    pub event_type: String,
    /// The contract version.
    pub version: String,
    /// The event as canonical JSON (exact integers).
    pub body: String,
    /// The event.
    pub event: Value,
}

/// What `validate` establishes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validated {
    /// The event type.
    pub event_type: String,
    /// The contract version.
    pub version: String,
}

/// What `sanitize` produces.
#[derive(Clone, Debug)]
pub struct Sanitized {
    /// The sanitized event as canonical JSON.
    pub body: String,
    /// What changed.
    pub changes: Vec<Change>,
    /// The sanitized event.
    pub event: Value,
}

/// Now in Unix seconds: the option, else the platform clock.
pub fn now_secs(options: &Options) -> Result<i64, Error> {
    match options.now {
        Some(now) => Ok(now),
        None => platform_now_millis().map(|ms| (ms / 1000) as i64),
    }
}

/// Now in Unix milliseconds: the option (in seconds), else the platform clock.
pub fn now_millis(options: &Options) -> Result<u64, Error> {
    match options.now {
        Some(now) => Ok(u64::try_from(now).unwrap_or(0).saturating_mul(1000)),
        None => platform_now_millis(),
    }
}

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
fn platform_now_millis() -> Result<u64, Error> {
    let elapsed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| {
            Error::new(
                Code::OptionsMissingNow,
                "/options/now",
                "the system clock is before 1970",
            )
        })?;
    Ok(u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
fn platform_now_millis() -> Result<u64, Error> {
    Err(Error::new(
        Code::OptionsMissingNow,
        "/options/now",
        "this platform has no clock: pass now",
    ))
}

fn registry_for<'r>(registry: &'r Registry, options: &Options) -> Result<Cow<'r, Registry>, Error> {
    if options.contracts.is_empty() {
        return Ok(Cow::Borrowed(registry));
    }
    let mut extended = registry.clone();
    for (i, doc) in options.contracts.iter().enumerate() {
        extended
            .register_value(doc.clone())
            .map_err(|e| e.under(&format!("/options/contracts/{i}")))?;
    }
    Ok(Cow::Owned(extended))
}

fn parse_input(input: Input<'_>, options: &Options) -> Result<Map<String, Value>, Error> {
    let value = match input {
        Input::Bytes(bytes) => json::parse(bytes, &options.limits)?,
        Input::Value(value) => {
            options.limits.check_value(&value)?;
            value
        }
    };
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(Error::new(
            Code::InputNotObject,
            "",
            "an event is a JSON object",
        )),
    }
}

fn contract_of<'r>(map: &Map<String, Value>, registry: &'r Registry) -> Option<&'r Arc<Contract>> {
    let event_type = map.get("event_type")?.as_str()?;
    let version = map
        .get("version")
        .and_then(Value::as_str)
        .and_then(Version::parse);
    registry.get(event_type, version).ok()
}

fn sanitize_fields(map: &mut Map<String, Value>, contract: Option<&Contract>) -> Vec<Change> {
    let mut changes = Vec::new();
    if let Some(data) = map.get_mut("data") {
        let rules = FieldRules {
            schema: contract.map(Contract::schema),
        };
        sanitize_value(data, rules, "/data", &mut changes);
    }
    if let Some(metadata) = map.get_mut("metadata") {
        sanitize_value(metadata, FieldRules::default(), "/metadata", &mut changes);
    }
    changes
}

/// Checks the envelope and the data contract; returns every violation.
fn check_event(
    map: &Map<String, Value>,
    registry: &Registry,
    wire: bool,
) -> Result<Validated, Error> {
    let mut violations: Vec<Violation> = Vec::new();
    let known = envelope::check(map, &mut violations);
    let mut validated = None;
    if let Some((event_type, version)) = known {
        match registry.get(&event_type, Some(version)) {
            Ok(contract) => {
                if let Some(data @ Value::Object(_)) = map.get("data") {
                    let mut data_violations = Vec::new();
                    if wire {
                        contract.validate_wire_data(data, &mut data_violations);
                    } else {
                        contract.validate_data(data, &mut data_violations);
                    }
                    // Sorted by place so the list reads top to bottom and does not
                    // depend on the order in which the schema library visits rules.
                    data_violations.sort_by(|a, b| (&a.pointer, a.code).cmp(&(&b.pointer, b.code)));
                    violations.extend(data_violations);
                }
                validated = Some(Validated {
                    event_type,
                    version: version.to_string(),
                });
            }
            Err(e) => violations.push(Violation {
                code: e.code(),
                pointer: e.pointer().into(),
                message: e.message().into(),
            }),
        }
    }
    match Error::from_violations(violations) {
        Some(err) => Err(err),
        None => validated.ok_or_else(|| {
            Error::new(Code::EnvelopeInvalidField, "", "the envelope is incomplete")
        }),
    }
}

fn default_prefix(map: &Map<String, Value>, options: &Options) -> String {
    if let Some(p) = &options.id_prefix {
        return p.clone();
    }
    let first = map
        .get("event_type")
        .and_then(Value::as_str)
        .and_then(|t| t.split('.').next())
        .unwrap_or("evt");
    let cleaned: String = first
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        .take(16)
        .collect();
    if cleaned.starts_with(|c: char| c.is_ascii_lowercase()) {
        cleaned
    } else {
        "evt".to_string()
    }
}

/// Fills `version`, `timestamp` and `idempotency_key` when the host left them out.
fn fill_defaults(
    map: &mut Map<String, Value>,
    registry: &Registry,
    options: &Options,
) -> Result<(), Error> {
    if !map.contains_key("version") {
        let event_type = map
            .get("event_type")
            .and_then(Value::as_str)
            .filter(|t| crate::contract::is_valid_event_type(t));
        if let Some(event_type) = event_type {
            // Without a version the latest contract applies; with none at all
            // the event cannot be checked, which is the error to report.
            let latest = registry.get(event_type, None)?.version().to_string();
            map.insert("version".into(), Value::String(latest));
        }
    }
    if !map.contains_key("timestamp") {
        map.insert(
            "timestamp".into(),
            Value::String(crate::time::format_rfc3339(now_secs(options)?)),
        );
    }
    if !map.contains_key("idempotency_key") {
        let prefix = default_prefix(map, options);
        let key = match &options.natural_key {
            Some(natural) => {
                let site_key = options.site_key.as_ref().ok_or_else(|| {
                    Error::new(
                        Code::SecretInvalidSiteKey,
                        "/options/site_key",
                        "a natural_key needs a site_key to derive the idempotency key",
                    )
                })?;
                crate::id::derive(&prefix, site_key, natural)
                    .map_err(|e| under_option(e, "/options"))?
            }
            None => crate::id::random(&prefix, now_millis(options)?)
                .map_err(|e| under_option(e, "/options/id_prefix"))?,
        };
        map.insert("idempotency_key".into(), Value::String(key));
    }
    Ok(())
}

fn under_option(e: Error, prefix: &str) -> Error {
    let at = match e.code() {
        Code::SecretInvalidSiteKey => "/options/site_key",
        Code::IdInvalidNaturalKey => "/options/natural_key",
        Code::IdInvalidPrefix => "/options/id_prefix",
        _ => prefix,
    };
    Error::new(e.code(), at, e.message())
}

/// Prepares an outgoing event: parse → sanitize → validate → privacy →
/// canonical body → idempotency key → signature headers.
///
/// ```
/// use waybill::{pipeline, contract::Registry, Options};
/// let event = br#"{"event_type":"lead.submitted","source":"site","entity":{"type":"lead","id":1},
///   "consent":true,"data":{"name":"Ada","email":"ada@example.com","message":"Hi","consent":true}}"#;
/// let options = Options::from_json(br#"{"now":1767225600,"secrets":["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]}"#).unwrap();
/// let prepared = pipeline::prepare(pipeline::Input::Bytes(event), &options, &Registry::with_builtins()).unwrap();
/// assert!(prepared.body.starts_with(r#"{"consent":true,"data":{"consent":true,"email":"ada@example.com""#));
/// ```
pub fn prepare(
    input: Input<'_>,
    options: &Options,
    registry: &Registry,
) -> Result<Prepared, Error> {
    let registry = registry_for(registry, options)?;
    let mut map = parse_input(input, options)?;
    fill_defaults(&mut map, &registry, options)?;

    let contract = contract_of(&map, &registry).cloned();
    let changes = sanitize_fields(&mut map, contract.as_deref());
    let validated = check_event(&map, &registry, false)?;

    let policy = Policy {
        overrides: &options.privacy,
        site_key: options.site_key.as_deref().map(Vec::as_slice),
    };
    let schema = contract.as_deref().map(Contract::schema);
    if let Some(Value::Object(data)) = map.get_mut("data") {
        policy.apply_object(data, FieldRules { schema }, "/data")?;
    }
    if let Some(Value::Object(metadata)) = map.get_mut("metadata") {
        policy.apply_object(metadata, FieldRules::default(), "/metadata")?;
    }

    let event = Value::Object(map);
    let body = json::to_canonical_string(&event);
    options.limits.check_body(body.len())?;
    let idempotency_key = event["idempotency_key"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let headers = headers_for(&idempotency_key, &body, options)?;
    Ok(Prepared {
        body,
        idempotency_key,
        event_type: validated.event_type,
        version: validated.version,
        headers,
        changes,
        event,
    })
}

fn headers_for(id: &str, body: &str, options: &Options) -> Result<Vec<(String, String)>, Error> {
    let mut headers = vec![
        ("content-type".to_string(), CONTENT_TYPE.to_string()),
        (webhook::HEADER_ID.to_string(), id.to_string()),
    ];
    if !options.secrets.is_empty() {
        let timestamp = now_secs(options)?;
        let keys = webhook::parse_signing_keys(&options.secrets)
            .map_err(|e| e.under("/options/secrets"))?;
        let signature = webhook::sign(id, timestamp, body.as_bytes(), &keys)?;
        headers.push((webhook::HEADER_TIMESTAMP.to_string(), timestamp.to_string()));
        headers.push((webhook::HEADER_SIGNATURE.to_string(), signature));
    }
    Ok(headers)
}

/// Signs with keys in their text forms; a key error points at `/keys/<index>`.
pub fn sign<S: AsRef<str>>(
    id: &str,
    timestamp: i64,
    body: &[u8],
    keys: &[S],
) -> Result<String, Error> {
    let keys = webhook::parse_signing_keys(keys).map_err(|e| e.under("/keys"))?;
    webhook::sign(id, timestamp, body, &keys)
}

/// Verifies a signed request with the options' `verify_keys`, `now` and `tolerance`.
pub fn verify<H: HeaderLookup + ?Sized>(
    body: &[u8],
    headers: &H,
    options: &Options,
) -> Result<Verified, Error> {
    options.limits.check_body(body.len())?;
    let keys = webhook::parse_verifying_keys(&options.verify_keys)
        .map_err(|e| e.under("/options/verify_keys"))?;
    let verifier = Verifier {
        keys,
        now: now_secs(options)?,
        tolerance: options.tolerance(),
    };
    webhook::verify(body, headers, &verifier)
}

/// Receives a signed request: verify over the raw bytes → parse → validate.
pub fn receive<H: HeaderLookup + ?Sized>(
    body: &[u8],
    headers: &H,
    options: &Options,
    registry: &Registry,
) -> Result<Received, Error> {
    let verified = verify(body, headers, options)?;
    let registry = registry_for(registry, options)?;
    let map = parse_input(Input::Bytes(body), options)?;
    let validated = check_event(&map, &registry, true)?;
    let event = Value::Object(map);
    Ok(Received {
        id: verified.id,
        timestamp: verified.timestamp,
        event_type: validated.event_type,
        version: validated.version,
        body: json::to_canonical_string(&event),
        event,
    })
}

/// Validates a complete event against the envelope and its contract.
pub fn validate(
    input: Input<'_>,
    options: &Options,
    registry: &Registry,
) -> Result<Validated, Error> {
    let registry = registry_for(registry, options)?;
    let map = parse_input(input, options)?;
    check_event(&map, &registry, false)
}

/// Sanitizes an event's `data` and `metadata` by its contract's annotations.
pub fn sanitize(
    input: Input<'_>,
    options: &Options,
    registry: &Registry,
) -> Result<Sanitized, Error> {
    let registry = registry_for(registry, options)?;
    let mut map = parse_input(input, options)?;
    let contract = contract_of(&map, &registry).cloned();
    let changes = sanitize_fields(&mut map, contract.as_deref());
    let event = Value::Object(map);
    Ok(Sanitized {
        body: json::to_canonical_string(&event),
        changes,
        event,
    })
}
