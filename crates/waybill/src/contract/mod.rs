//! Contracts: a versioned JSON Schema (draft 2020-12) for the `data` of one
//! event type, with field annotations for sanitizing and privacy. The
//! registry compiles each schema once and hands out shared references.

mod diff;
mod validate;

pub use diff::{diff, Bump, Diff, DiffChange};

use crate::error::{Code, Error, Violation};
use crate::privacy::PrivacyMode;
use crate::sanitize::SanitizeKind;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// Annotation naming a field's sanitizer.
pub const SANITIZE_KEYWORD: &str = "x-waybill-sanitize";
/// Annotation naming a field's privacy mode.
pub const PRIVACY_KEYWORD: &str = "x-waybill-privacy";

/// The contracts compiled into Waybill, as (file name, JSON text).
pub const BUILTIN_CONTRACTS: &[(&str, &str)] = &[
    (
        "lead.submitted@1.0",
        include_str!("../../contracts/lead.submitted@1.0.json"),
    ),
    (
        "content.draft_requested@1.0",
        include_str!("../../contracts/content.draft_requested@1.0.json"),
    ),
    (
        "product.updated@1.0",
        include_str!("../../contracts/product.updated@1.0.json"),
    ),
    (
        "lead.classified@1.0",
        include_str!("../../contracts/lead.classified@1.0.json"),
    ),
    (
        "content.draft_ready@1.0",
        include_str!("../../contracts/content.draft_ready@1.0.json"),
    ),
];

/// A contract version, `MAJOR.MINOR`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Bumped for breaking changes.
    pub major: u32,
    /// Bumped for additions that keep old events valid.
    pub minor: u32,
}

impl Version {
    /// Parses `1.0`, `2.13`; no leading zeros, no other forms.
    pub fn parse(text: &str) -> Option<Version> {
        let (major, minor) = text.split_once('.')?;
        let number = |s: &str| -> Option<u32> {
            let ok = !s.is_empty()
                && s.len() <= 6
                && s.bytes().all(|b| b.is_ascii_digit())
                && (s == "0" || !s.starts_with('0'));
            if ok {
                s.parse().ok()
            } else {
                None
            }
        };
        Some(Version {
            major: number(major)?,
            minor: number(minor)?,
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// True for dotted `[a-z0-9_]` segments, at least two, at most 128 bytes.
pub fn is_valid_event_type(text: &str) -> bool {
    text.len() <= 128
        && text.split('.').count() >= 2
        && text.split('.').all(|seg| {
            !seg.is_empty()
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
}

/// One compiled contract.
pub struct Contract {
    event_type: String,
    version: Version,
    title: String,
    description: String,
    schema: Value,
    document: Value,
    // Compiled on first use for the built-ins (a host that sees one event type
    // never pays for the others); compiled at once for contracts users register,
    // so a bad schema is reported when it is registered.
    validator: OnceLock<jsonschema::Validator>,
    wire_validator: OnceLock<jsonschema::Validator>,
}

impl fmt::Debug for Contract {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Contract({}@{})", self.event_type, self.version)
    }
}

impl Contract {
    /// Reads and compiles a contract document.
    ///
    /// ```
    /// let doc = br#"{"event_type":"shop.order_paid","version":"1.0",
    ///   "schema":{"type":"object","required":["order_id"],"properties":{"order_id":{"type":"integer"}}}}"#;
    /// let contract = waybill::contract::Contract::from_json(doc).unwrap();
    /// assert_eq!(contract.id(), "shop.order_paid@1.0");
    /// ```
    pub fn from_json(bytes: &[u8]) -> Result<Contract, Error> {
        let doc = crate::json::parse(bytes, &crate::Limits::default()).map_err(|e| {
            Error::new(
                Code::ContractInvalid,
                e.pointer(),
                format!("the contract is not valid JSON: {}", e.message()),
            )
        })?;
        Contract::from_value(doc)
    }

    /// Compiles a contract document already parsed.
    pub fn from_value(document: Value) -> Result<Contract, Error> {
        let contract = Contract::read(document)?;
        let validator = compile(&contract.schema)?;
        let wire_validator = compile(&wire_schema(&contract.schema))?;
        let _ = contract.validator.set(validator);
        let _ = contract.wire_validator.set(wire_validator);
        Ok(contract)
    }

    /// Reads a contract document and checks its annotations, leaving the
    /// schema to be compiled when it is first needed.
    fn read(document: Value) -> Result<Contract, Error> {
        let doc = document.as_object().ok_or_else(|| {
            invalid(
                "",
                "a contract is a JSON object with event_type, version and schema",
            )
        })?;
        for key in doc.keys() {
            if !matches!(
                key.as_str(),
                "event_type" | "version" | "title" | "description" | "schema"
            ) {
                return Err(invalid(&format!("/{key}"), "unknown contract field; allowed: event_type, version, title, description, schema"));
            }
        }
        let event_type = doc
            .get("event_type")
            .and_then(Value::as_str)
            .filter(|t| is_valid_event_type(t))
            .ok_or_else(|| {
                invalid(
                    "/event_type",
                    "event_type is dotted lowercase segments such as lead.submitted",
                )
            })?
            .to_string();
        let version = doc
            .get("version")
            .and_then(Value::as_str)
            .and_then(Version::parse)
            .ok_or_else(|| invalid("/version", "version is MAJOR.MINOR such as 1.0"))?;
        let text = |k: &str| {
            doc.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let schema = doc
            .get("schema")
            .cloned()
            .ok_or_else(|| invalid("/schema", "the contract has no schema"))?;
        if !schema.is_object() && !schema.is_boolean() {
            return Err(invalid("/schema", "schema is a JSON Schema object"));
        }
        check_annotations(&schema, "/schema")?;
        Ok(Contract {
            event_type,
            version,
            title: text("title"),
            description: text("description"),
            schema,
            document,
            validator: OnceLock::new(),
            wire_validator: OnceLock::new(),
        })
    }

    /// `event_type@version`.
    pub fn id(&self) -> String {
        format!("{}@{}", self.event_type, self.version)
    }

    /// The event type.
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// A short title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// What the event means.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The JSON Schema of `data`.
    pub fn schema(&self) -> &Value {
        &self.schema
    }

    /// The whole contract document as registered.
    pub fn document(&self) -> &Value {
        &self.document
    }

    /// Validates the `data` of an event against this contract, reporting every
    /// violation (pointers start at `/data`).
    pub fn validate(&self, data: &Value) -> Result<(), Error> {
        let mut violations = Vec::new();
        self.validate_data(data, &mut violations);
        violations.sort_by(|a, b| (&a.pointer, a.code).cmp(&(&b.pointer, b.code)));
        Error::from_violations(violations).map_or(Ok(()), Err)
    }

    /// Validates `data` as produced on the site (before the privacy policy).
    pub(crate) fn validate_data(&self, data: &Value, out: &mut Vec<Violation>) {
        let validator = self
            .validator
            .get_or_init(|| compile_known_good(&self.schema));
        validate::collect(validator, data, "/data", out);
    }

    /// Validates `data` as received on the wire: masked, hashed and dropped
    /// fields are accepted in their changed form.
    pub(crate) fn validate_wire_data(&self, data: &Value, out: &mut Vec<Violation>) {
        let validator = self
            .wire_validator
            .get_or_init(|| compile_known_good(&wire_schema(&self.schema)));
        validate::collect(validator, data, "/data", out);
    }
}

fn invalid(pointer: &str, message: &str) -> Error {
    Error::new(Code::ContractInvalid, pointer, message)
}

/// Compiles a built-in schema; the test `builtin_contracts_compile` proves each one does.
fn compile_known_good(schema: &Value) -> jsonschema::Validator {
    compile(schema).unwrap_or_else(|e| panic!("a built-in contract does not compile: {e}"))
}

fn compile(schema: &Value) -> Result<jsonschema::Validator, Error> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(schema)
        .map_err(|e| invalid("/schema", &format!("the schema does not compile: {e}")))
}

/// Checks every annotation value anywhere in the schema.
fn check_annotations(schema: &Value, pointer: &str) -> Result<(), Error> {
    match schema {
        Value::Object(map) => {
            for (key, value) in map {
                let at = crate::error::push_pointer(pointer, key);
                if key == SANITIZE_KEYWORD && value.as_str().and_then(SanitizeKind::parse).is_none()
                {
                    return Err(Error::new(
                        Code::ContractInvalidAnnotation,
                        at,
                        "x-waybill-sanitize is one of text, multiline, email, url, slug, html, raw",
                    ));
                }
                if key == PRIVACY_KEYWORD && value.as_str().and_then(PrivacyMode::parse).is_none() {
                    return Err(Error::new(
                        Code::ContractInvalidAnnotation,
                        at,
                        "x-waybill-privacy is one of keep, mask, hash, drop",
                    ));
                }
                check_annotations(value, &at)?;
            }
            Ok(())
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_annotations(item, &format!("{pointer}/{i}"))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The schema an event satisfies after its privacy policy ran: masked and
/// hashed fields become strings, dropped fields become optional.
fn wire_schema(schema: &Value) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    let mut dropped = Vec::new();
    for (key, value) in map {
        let new = match key.as_str() {
            "properties" => match value {
                Value::Object(props) => {
                    let mut new_props = Map::new();
                    for (name, sub) in props {
                        let mode = sub
                            .get(PRIVACY_KEYWORD)
                            .and_then(Value::as_str)
                            .and_then(PrivacyMode::parse);
                        let replaced = match mode {
                            Some(PrivacyMode::Mask | PrivacyMode::Hash) => {
                                serde_json::json!({"type": "string"})
                            }
                            Some(PrivacyMode::Drop) => {
                                dropped.push(name.clone());
                                Value::Bool(true)
                            }
                            _ => wire_schema(sub),
                        };
                        new_props.insert(name.clone(), replaced);
                    }
                    Value::Object(new_props)
                }
                other => other.clone(),
            },
            "items" | "additionalProperties" => wire_schema(value),
            "prefixItems" => match value {
                Value::Array(items) => Value::Array(items.iter().map(wire_schema).collect()),
                other => other.clone(),
            },
            _ => value.clone(),
        };
        out.insert(key.clone(), new);
    }
    if let Some(Value::Array(required)) = out.get_mut("required") {
        required.retain(|r| {
            r.as_str()
                .is_none_or(|name| !dropped.iter().any(|d| d == name))
        });
    }
    Value::Object(out)
}

fn conflict(contract: &Contract) -> Error {
    Error::new(
        Code::ContractConflict,
        "",
        format!(
            "{} is already registered with another schema; give the new one a new version",
            contract.id()
        ),
    )
}

/// A set of contracts by event type and version. Cloning is cheap: compiled
/// contracts are shared.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    contracts: BTreeMap<String, BTreeMap<Version, Arc<Contract>>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// A registry holding the built-in contracts.
    pub fn with_builtins() -> Self {
        let mut registry = Registry::new();
        for (name, text) in BUILTIN_CONTRACTS {
            let document: Value = serde_json::from_str(text)
                .unwrap_or_else(|e| panic!("built-in contract {name} is not JSON: {e}"));
            let contract = Contract::read(document)
                .unwrap_or_else(|e| panic!("built-in contract {name} is invalid: {e}"));
            registry
                .insert(contract)
                .unwrap_or_else(|e| panic!("built-in contract {name}: {e}"));
        }
        registry
    }

    /// Registers a contract from its JSON document. Registering the same
    /// document twice is harmless; another schema under the same id fails.
    pub fn register_json(&mut self, bytes: &[u8]) -> Result<Arc<Contract>, Error> {
        self.insert(Contract::from_json(bytes)?)
    }

    /// Registers a contract document already parsed.
    pub fn register_value(&mut self, document: Value) -> Result<Arc<Contract>, Error> {
        self.insert(Contract::from_value(document)?)
    }

    /// Registers a contract compiled earlier (a host's cache across requests).
    pub fn register_shared(&mut self, contract: Arc<Contract>) -> Result<Arc<Contract>, Error> {
        let versions = self
            .contracts
            .entry(contract.event_type.clone())
            .or_default();
        if let Some(existing) = versions.get(&contract.version) {
            if existing.schema == contract.schema {
                return Ok(existing.clone());
            }
            return Err(conflict(&contract));
        }
        versions.insert(contract.version, contract.clone());
        Ok(contract)
    }

    fn insert(&mut self, contract: Contract) -> Result<Arc<Contract>, Error> {
        self.register_shared(Arc::new(contract))
    }

    /// The contract for `event_type` at `version`, or its latest version.
    pub fn get(&self, event_type: &str, version: Option<Version>) -> Result<&Arc<Contract>, Error> {
        let versions = self.contracts.get(event_type).ok_or_else(|| {
            Error::new(
                Code::ContractUnknown,
                "/event_type",
                format!("no contract is registered for {event_type}"),
            )
        })?;
        match version {
            None => versions.values().next_back(),
            Some(v) => versions.get(&v),
        }
        .ok_or_else(|| {
            let known: Vec<String> = versions.keys().map(Version::to_string).collect();
            Error::new(
                Code::ContractUnknown,
                "/version",
                format!(
                    "{event_type} has no version {}; known: {}",
                    version.map(|v| v.to_string()).unwrap_or_default(),
                    known.join(", ")
                ),
            )
        })
    }

    /// Every contract, by event type then version.
    pub fn list(&self) -> Vec<&Arc<Contract>> {
        self.contracts.values().flat_map(BTreeMap::values).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_contracts_compile() {
        for (name, text) in BUILTIN_CONTRACTS {
            let contract = Contract::from_json(text.as_bytes());
            assert!(contract.is_ok(), "{name}: {:?}", contract.err());
        }
    }
}
