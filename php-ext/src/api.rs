//! The operations of docs/API.md as PHP functions and static methods. Each
//! one converts its arguments, calls the core and converts the result; none
//! looks inside a payload.

use crate::convert::{self, insert, to_value, to_zval};
use crate::errors::{self, type_error};
use crate::registry;
use ext_php_rs::binary_slice::BinarySlice;
use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::flags::ClassFlags;
use ext_php_rs::prelude::*;
use ext_php_rs::types::array::Iter;
use ext_php_rs::types::{ZendHashTable, Zval};
use serde_json::Value;
use waybill::contract::{diff, Contract};
use waybill::pipeline::{self, Input};
use waybill::sanitize::Change;
use waybill::webhook::SigningKey;
use waybill::{Error, Limits, Options};

type Array = ZBox<ZendHashTable>;

fn core<T>(result: Result<T, Error>) -> PhpResult<T> {
    result.map_err(errors::to_php)
}

/// Reads the options array; its conversion errors point under `/options`.
fn options(options: Option<&ZendHashTable>) -> PhpResult<Options> {
    let Some(ht) = options else {
        return Ok(Options::default());
    };
    if ht.is_empty() {
        return Ok(Options::default());
    }
    let value =
        convert::array_to_value(ht, Limits::default().max_depth).map_err(|e| e.under("/options"));
    // The core refuses a `max_depth` above its ceiling, so the stack stays safe here too.
    let options = core(value.and_then(|v| Options::from_value(&v)))?;
    Ok(options)
}

/// An event given as JSON text (bytes, parsed by the core) or as a PHP array.
enum Event<'a> {
    Bytes(&'a [u8]),
    Value(Value),
}

impl<'a> Event<'a> {
    fn into_input(self) -> Input<'a> {
        match self {
            Event::Bytes(b) => Input::Bytes(b),
            Event::Value(v) => Input::Value(v),
        }
    }
}

fn event<'a>(zv: &'a Zval, options: &Options, what: &str) -> PhpResult<Event<'a>> {
    let zv = zv.dereference();
    if let Some(s) = zv.zend_str() {
        return Ok(Event::Bytes(s.as_bytes()));
    }
    if zv.is_array() || zv.is_object() {
        return core(to_value(zv, options.limits.max_depth)).map(Event::Value);
    }
    Err(type_error(format!(
        "{what} must be of type array|string, {} given",
        php_type(zv)
    )))
}

/// A contract document given as JSON text or as a PHP array; errors point
/// under `under` (`/old`, `/new` for a diff, nothing for one document).
fn contract(zv: &Zval, what: &str, under: &str) -> PhpResult<Contract> {
    let zv = zv.dereference();
    if let Some(s) = zv.zend_str() {
        return core(Contract::from_json(s.as_bytes()).map_err(|e| e.under(under)));
    }
    if zv.is_array() || zv.is_object() {
        let value = to_value(zv, Limits::default().max_depth)
            .map_err(|e| Error::new(waybill::Code::ContractInvalid, e.pointer(), e.message()));
        return core(
            value
                .and_then(Contract::from_value)
                .map_err(|e| e.under(under)),
        );
    }
    Err(type_error(format!(
        "{what} must be of type array|string, {} given",
        php_type(zv)
    )))
}

/// Request headers: names to strings (integers are written in decimal).
fn headers(ht: &ZendHashTable) -> PhpResult<Vec<(String, String)>> {
    let mut out = Vec::with_capacity(ht.len());
    let mut iter = Iter::new(ht);
    while let Some((key, value)) = iter.next_zval() {
        let name = match key.zend_str() {
            Some(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
            None => key.long().unwrap_or_default().to_string(),
        };
        let value = value.dereference();
        let text = if let Some(s) = value.zend_str() {
            // A header that is not UTF-8 cannot match a signature; keep it
            // visible rather than dropping it, so the error names it.
            String::from_utf8_lossy(s.as_bytes()).into_owned()
        } else if let Some(n) = value.long() {
            n.to_string()
        } else {
            return Err(type_error(format!(
                "header {name} must be a string, {} given",
                php_type(value)
            )));
        };
        out.push((name, text));
    }
    Ok(out)
}

/// A list of key strings (`whsec_…`, `whsk_…`).
fn key_list(ht: &ZendHashTable) -> PhpResult<Vec<String>> {
    ht.values()
        .enumerate()
        .map(|(i, v)| {
            v.dereference()
                .zend_str()
                .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
                .ok_or_else(|| {
                    type_error(format!("keys[{i}] must be a string, {} given", php_type(v)))
                })
        })
        .collect()
}

/// A value's type as PHP's own messages name it (`int`, `null`, `Foo`).
fn php_type(zv: &Zval) -> String {
    let zv = zv.dereference();
    if let Some(obj) = zv.object() {
        return obj.get_class_name().unwrap_or_else(|_| "object".into());
    }
    let name = if zv.is_null() {
        "null"
    } else if zv.is_bool() {
        "bool"
    } else if zv.is_long() {
        "int"
    } else if zv.is_double() {
        "float"
    } else if zv.is_string() {
        "string"
    } else if zv.is_array() {
        "array"
    } else {
        "resource"
    };
    name.to_string()
}

fn changes(list: &[Change]) -> Array {
    let mut ht = ZendHashTable::with_capacity(u32::try_from(list.len()).unwrap_or(0));
    for c in list {
        let mut item = ZendHashTable::with_capacity(2);
        let _ = item.insert("pointer", c.pointer.as_str());
        let _ = item.insert("kind", c.kind.as_str());
        let _ = ht.push(item);
    }
    ht
}

fn pairs(pairs: &[(String, String)]) -> Array {
    let mut ht = ZendHashTable::with_capacity(u32::try_from(pairs.len()).unwrap_or(0));
    for (k, v) in pairs {
        insert(&mut ht, k, v.as_str());
    }
    ht
}

// ---- the operations, shared by functions and static methods ----

fn do_prepare(event_zv: &Zval, options_ht: Option<&ZendHashTable>) -> PhpResult<Array> {
    let options = options(options_ht)?;
    let event = event(event_zv, &options, "Argument #1 ($event)")?;
    let p = core(pipeline::prepare(
        event.into_input(),
        &options,
        &registry::read(),
    ))?;
    let mut ht = ZendHashTable::with_capacity(6);
    let _ = ht.insert("body", p.body);
    let _ = ht.insert("idempotency_key", p.idempotency_key);
    let _ = ht.insert("event_type", p.event_type);
    let _ = ht.insert("version", p.version);
    let _ = ht.insert("headers", pairs(&p.headers));
    let _ = ht.insert("changes", changes(&p.changes));
    Ok(ht)
}

fn do_receive(
    body: &[u8],
    headers_ht: &ZendHashTable,
    options_ht: Option<&ZendHashTable>,
) -> PhpResult<Array> {
    let options = options(options_ht)?;
    let headers = headers(headers_ht)?;
    let r = core(pipeline::receive(
        body,
        &headers,
        &options,
        &registry::read(),
    ))?;
    let mut ht = ZendHashTable::with_capacity(6);
    let _ = ht.insert("id", r.id);
    let _ = ht.insert("timestamp", r.timestamp);
    let _ = ht.insert("event_type", r.event_type);
    let _ = ht.insert("version", r.version);
    let _ = ht.insert("body", r.body);
    let _ = ht.insert("event", to_zval(&r.event));
    Ok(ht)
}

fn do_verify(
    body: &[u8],
    headers_ht: &ZendHashTable,
    options_ht: Option<&ZendHashTable>,
) -> PhpResult<Array> {
    let options = options(options_ht)?;
    let headers = headers(headers_ht)?;
    let v = core(pipeline::verify(body, &headers, &options))?;
    let mut ht = ZendHashTable::with_capacity(2);
    let _ = ht.insert("id", v.id);
    let _ = ht.insert("timestamp", v.timestamp);
    Ok(ht)
}

fn do_validate(event_zv: &Zval, options_ht: Option<&ZendHashTable>) -> PhpResult<Array> {
    let options = options(options_ht)?;
    let event = event(event_zv, &options, "Argument #1 ($event)")?;
    let v = core(pipeline::validate(
        event.into_input(),
        &options,
        &registry::read(),
    ))?;
    let mut ht = ZendHashTable::with_capacity(2);
    let _ = ht.insert("event_type", v.event_type);
    let _ = ht.insert("version", v.version);
    Ok(ht)
}

fn do_sanitize(event_zv: &Zval, options_ht: Option<&ZendHashTable>) -> PhpResult<Array> {
    let options = options(options_ht)?;
    let event = event(event_zv, &options, "Argument #1 ($event)")?;
    let s = core(pipeline::sanitize(
        event.into_input(),
        &options,
        &registry::read(),
    ))?;
    let mut ht = ZendHashTable::with_capacity(2);
    let _ = ht.insert("body", s.body);
    let _ = ht.insert("changes", changes(&s.changes));
    Ok(ht)
}

fn do_sign(id: &str, timestamp: i64, body: &[u8], keys: &ZendHashTable) -> PhpResult<String> {
    let keys = key_list(keys)?;
    core(pipeline::sign(id, timestamp, body, &keys))
}

fn do_generate_keypair() -> PhpResult<Array> {
    let (secret, public) = core(SigningKey::generate_keypair())?;
    let mut ht = ZendHashTable::with_capacity(2);
    let _ = ht.insert("secret_key", secret);
    let _ = ht.insert("public_key", public);
    Ok(ht)
}

fn do_idempotency_key(prefix: &str) -> PhpResult<String> {
    let millis = core(pipeline::now_millis(&Options::default()))?;
    core(waybill::id::random(prefix, millis))
}

fn do_derive(prefix: &str, site_key: &[u8], natural_key: &[u8]) -> PhpResult<String> {
    let natural_key = core(convert::text(natural_key).map_err(|e| e.under("/natural_key")))?;
    core(waybill::id::derive(prefix, site_key, natural_key))
}

fn do_canonicalize(json: &[u8], options_ht: Option<&ZendHashTable>) -> PhpResult<String> {
    let options = options(options_ht)?;
    core(waybill::json::canonicalize(json, &options.limits))
}

fn contract_summary(c: &Contract) -> Array {
    let mut ht = ZendHashTable::with_capacity(4);
    let _ = ht.insert("event_type", c.event_type());
    let _ = ht.insert("version", c.version().to_string());
    let _ = ht.insert("title", c.title());
    let _ = ht.insert("description", c.description());
    ht
}

fn do_contracts() -> Array {
    let registry = registry::read();
    let list = registry.list();
    let mut ht = ZendHashTable::with_capacity(u32::try_from(list.len()).unwrap_or(0));
    for c in list {
        let _ = ht.push(contract_summary(c));
    }
    ht
}

fn do_register(zv: &Zval) -> PhpResult<Array> {
    let contract = contract(zv, "Argument #1 ($contract)", "")?;
    let value = contract.document().clone();
    let registered = core(registry::write(|r| r.register_value(value)))?;
    Ok(contract_summary(&registered))
}

fn do_get_contract(event_type: &str, version: Option<&str>) -> PhpResult<Array> {
    let version = match version {
        None => None,
        Some(text) => Some(waybill::contract::Version::parse(text).ok_or_else(|| {
            errors::to_php(Error::new(
                waybill::Code::ContractUnknown,
                "/version",
                format!("{text} is not a contract version such as 1.0"),
            ))
        })?),
    };
    let registry = registry::read();
    let contract = core(registry.get(event_type, version))?;
    // A contract document is always an object; the fallback keeps this total.
    Ok(contract
        .document()
        .as_object()
        .map(convert::map_to_array)
        .unwrap_or_else(ZendHashTable::new))
}

fn do_diff(old: &Zval, new: &Zval) -> PhpResult<Array> {
    let old = contract(old, "Argument #1 ($old)", "/old")?;
    let new = contract(new, "Argument #2 ($new)", "/new")?;
    let d = core(diff(&old, &new))?;
    let mut list = ZendHashTable::with_capacity(u32::try_from(d.changes.len()).unwrap_or(0));
    for c in &d.changes {
        let mut item = ZendHashTable::with_capacity(4);
        let _ = item.insert("pointer", c.pointer.as_str());
        let _ = item.insert("kind", c.kind);
        let _ = item.insert("breaking", c.breaking);
        let _ = item.insert("message", c.message.as_str());
        let _ = list.push(item);
    }
    let mut ht = ZendHashTable::with_capacity(5);
    let _ = ht.insert("breaking", d.breaking);
    let _ = ht.insert("bump", d.bump.as_str());
    let _ = ht.insert("declared", d.declared.as_str());
    let _ = ht.insert("version_ok", d.version_ok);
    let _ = ht.insert("changes", list);
    Ok(ht)
}

// ---- plain functions ----

/// Prepares an outgoing event (see `waybill.stub.php`).
#[php_function]
#[php(name = "waybill_prepare")]
pub fn waybill_prepare(event: &Zval, options: Option<&ZendHashTable>) -> PhpResult<Array> {
    do_prepare(event, options)
}

/// Receives a signed request: verify, parse, validate.
#[php_function]
#[php(name = "waybill_receive")]
pub fn waybill_receive(
    body: BinarySlice<u8>,
    headers: &ZendHashTable,
    options: Option<&ZendHashTable>,
) -> PhpResult<Array> {
    do_receive(&body, headers, options)
}

/// Verifies a signed request's signature and timestamp.
#[php_function]
#[php(name = "waybill_verify")]
pub fn waybill_verify(
    body: BinarySlice<u8>,
    headers: &ZendHashTable,
    options: Option<&ZendHashTable>,
) -> PhpResult<Array> {
    do_verify(&body, headers, options)
}

/// Validates a complete event.
#[php_function]
#[php(name = "waybill_validate")]
pub fn waybill_validate(event: &Zval, options: Option<&ZendHashTable>) -> PhpResult<Array> {
    do_validate(event, options)
}

/// Sanitizes an event's data and metadata.
#[php_function]
#[php(name = "waybill_sanitize")]
pub fn waybill_sanitize(event: &Zval, options: Option<&ZendHashTable>) -> PhpResult<Array> {
    do_sanitize(event, options)
}

/// Signs `id.timestamp.body`; returns the `webhook-signature` value.
#[php_function]
#[php(name = "waybill_sign")]
pub fn waybill_sign(
    id: &str,
    timestamp: i64,
    body: BinarySlice<u8>,
    keys: &ZendHashTable,
) -> PhpResult<String> {
    do_sign(id, timestamp, &body, keys)
}

/// A new HMAC secret, `whsec_…`.
#[php_function]
#[php(name = "waybill_generate_secret")]
pub fn waybill_generate_secret() -> PhpResult<String> {
    core(SigningKey::generate_secret())
}

/// A new Ed25519 pair.
#[php_function]
#[php(name = "waybill_generate_keypair")]
pub fn waybill_generate_keypair() -> PhpResult<Array> {
    do_generate_keypair()
}

/// The `whpk_…` public key of a `whsk_…` signing key.
#[php_function]
#[php(name = "waybill_public_key")]
pub fn waybill_public_key(secret_key: &str) -> PhpResult<String> {
    core(SigningKey::public_key_of(secret_key))
}

/// A new random, time-ordered idempotency key.
#[php_function]
#[php(name = "waybill_idempotency_key")]
pub fn waybill_idempotency_key(prefix: &str) -> PhpResult<String> {
    do_idempotency_key(prefix)
}

/// The deterministic idempotency key of a natural key on this site.
#[php_function]
#[php(name = "waybill_derive_idempotency_key")]
pub fn waybill_derive_idempotency_key(
    prefix: &str,
    site_key: BinarySlice<u8>,
    natural_key: BinarySlice<u8>,
) -> PhpResult<String> {
    do_derive(prefix, &site_key, &natural_key)
}

/// JSON text in canonical form.
#[php_function]
#[php(name = "waybill_canonicalize")]
pub fn waybill_canonicalize(
    json: BinarySlice<u8>,
    options: Option<&ZendHashTable>,
) -> PhpResult<String> {
    do_canonicalize(&json, options)
}

/// Every registered contract.
#[php_function]
#[php(name = "waybill_contracts")]
pub fn waybill_contracts() -> Array {
    do_contracts()
}

/// Registers a contract for the life of this PHP process.
#[php_function]
#[php(name = "waybill_register_contract")]
pub fn waybill_register_contract(contract: &Zval) -> PhpResult<Array> {
    do_register(contract)
}

/// Compares two versions of a contract.
#[php_function]
#[php(name = "waybill_diff_contracts")]
pub fn waybill_diff_contracts(old: &Zval, new: &Zval) -> PhpResult<Array> {
    do_diff(old, new)
}

// ---- static methods, for callers who prefer classes ----

/// `Waybill\Pipeline`: prepare, receive, validate, sanitize.
#[php_class]
#[php(name = "Waybill\\Pipeline", flags = ClassFlags::Final)]
pub struct Pipeline;

#[php_impl]
impl Pipeline {
    /// Static methods only: there is nothing to construct.
    #[php(vis = "private")]
    pub fn __construct() -> Self {
        Self
    }

    /// Same as `waybill_prepare()`.
    #[php(name = "prepare")]
    pub fn prepare(event: &Zval, options: Option<&ZendHashTable>) -> PhpResult<Array> {
        do_prepare(event, options)
    }

    /// Same as `waybill_receive()`.
    #[php(name = "receive")]
    pub fn receive(
        body: BinarySlice<u8>,
        headers: &ZendHashTable,
        options: Option<&ZendHashTable>,
    ) -> PhpResult<Array> {
        do_receive(&body, headers, options)
    }

    /// Same as `waybill_validate()`.
    #[php(name = "validate")]
    pub fn validate(event: &Zval, options: Option<&ZendHashTable>) -> PhpResult<Array> {
        do_validate(event, options)
    }

    /// Same as `waybill_sanitize()`.
    #[php(name = "sanitize")]
    pub fn sanitize(event: &Zval, options: Option<&ZendHashTable>) -> PhpResult<Array> {
        do_sanitize(event, options)
    }
}

/// `Waybill\Webhook`: Standard Webhooks signatures and keys.
#[php_class]
#[php(name = "Waybill\\Webhook", flags = ClassFlags::Final)]
pub struct Webhook;

#[php_impl]
impl Webhook {
    /// Static methods only: there is nothing to construct.
    #[php(vis = "private")]
    pub fn __construct() -> Self {
        Self
    }

    /// Same as `waybill_sign()`.
    #[php(name = "sign")]
    pub fn sign(
        id: &str,
        timestamp: i64,
        body: BinarySlice<u8>,
        keys: &ZendHashTable,
    ) -> PhpResult<String> {
        do_sign(id, timestamp, &body, keys)
    }

    /// Same as `waybill_verify()`.
    #[php(name = "verify")]
    pub fn verify(
        body: BinarySlice<u8>,
        headers: &ZendHashTable,
        options: Option<&ZendHashTable>,
    ) -> PhpResult<Array> {
        do_verify(&body, headers, options)
    }

    /// Same as `waybill_generate_secret()`.
    #[php(name = "generateSecret")]
    pub fn generate_secret() -> PhpResult<String> {
        core(SigningKey::generate_secret())
    }

    /// Same as `waybill_generate_keypair()`.
    #[php(name = "generateKeypair")]
    pub fn generate_keypair() -> PhpResult<Array> {
        do_generate_keypair()
    }

    /// Same as `waybill_public_key()`.
    #[php(name = "publicKey")]
    pub fn public_key(secret_key: &str) -> PhpResult<String> {
        core(SigningKey::public_key_of(secret_key))
    }
}

/// `Waybill\IdempotencyKey`: random and derived keys.
#[php_class]
#[php(name = "Waybill\\IdempotencyKey", flags = ClassFlags::Final)]
pub struct IdempotencyKey;

#[php_impl]
impl IdempotencyKey {
    /// Static methods only: there is nothing to construct.
    #[php(vis = "private")]
    pub fn __construct() -> Self {
        Self
    }

    /// Same as `waybill_idempotency_key()`.
    #[php(name = "random")]
    pub fn random(prefix: &str) -> PhpResult<String> {
        do_idempotency_key(prefix)
    }

    /// Same as `waybill_derive_idempotency_key()`.
    #[php(name = "derive")]
    pub fn derive(
        prefix: &str,
        site_key: BinarySlice<u8>,
        natural_key: BinarySlice<u8>,
    ) -> PhpResult<String> {
        do_derive(prefix, &site_key, &natural_key)
    }
}

/// `Waybill\Registry`: the process-wide contract registry.
#[php_class]
#[php(name = "Waybill\\Registry", flags = ClassFlags::Final)]
pub struct Registry;

#[php_impl]
impl Registry {
    /// Static methods only: there is nothing to construct.
    #[php(vis = "private")]
    pub fn __construct() -> Self {
        Self
    }

    /// Same as `waybill_contracts()`.
    #[php(name = "list")]
    pub fn list() -> Array {
        do_contracts()
    }

    /// Same as `waybill_register_contract()`.
    #[php(name = "register")]
    pub fn register(contract: &Zval) -> PhpResult<Array> {
        do_register(contract)
    }

    /// The contract document for an event type at a version (default: latest).
    #[php(name = "get")]
    pub fn get(event_type: &str, version: Option<&str>) -> PhpResult<Array> {
        do_get_contract(event_type, version)
    }

    /// Same as `waybill_diff_contracts()`.
    #[php(name = "diff")]
    pub fn diff(old: &Zval, new: &Zval) -> PhpResult<Array> {
        do_diff(old, new)
    }
}

/// Adds every function and class of this module to the extension.
pub fn register(module: ModuleBuilder) -> ModuleBuilder {
    module
        .class::<Pipeline>()
        .class::<Webhook>()
        .class::<IdempotencyKey>()
        .class::<Registry>()
        .function(wrap_function!(waybill_prepare))
        .function(wrap_function!(waybill_receive))
        .function(wrap_function!(waybill_verify))
        .function(wrap_function!(waybill_validate))
        .function(wrap_function!(waybill_sanitize))
        .function(wrap_function!(waybill_sign))
        .function(wrap_function!(waybill_generate_secret))
        .function(wrap_function!(waybill_generate_keypair))
        .function(wrap_function!(waybill_public_key))
        .function(wrap_function!(waybill_idempotency_key))
        .function(wrap_function!(waybill_derive_idempotency_key))
        .function(wrap_function!(waybill_canonicalize))
        .function(wrap_function!(waybill_contracts))
        .function(wrap_function!(waybill_register_contract))
        .function(wrap_function!(waybill_diff_contracts))
}
