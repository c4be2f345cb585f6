//! Standard Webhooks: signing and verifying `id.timestamp.body`.
//!
//! `v1,<base64>` is HMAC-SHA256 and `v1a,<base64>` is Ed25519, over the same
//! bytes. A header may carry several signatures so keys rotate without
//! downtime. Verification works on raw body bytes and compares in constant time.

mod keys;

pub use keys::{
    parse_signing_keys, parse_verifying_keys, SigningKey, VerifyingKey, GENERATED_SECRET_BYTES,
    MAX_SECRET_BYTES, MIN_SECRET_BYTES, PUBLIC_KEY_PREFIX, SECRET_PREFIX, SIGNING_KEY_PREFIX,
};

use crate::error::{Code, Error};
use base64::Engine;
use ed25519_dalek::Signer;
use hmac::{Hmac, KeyInit, Mac};
use keys::BASE64;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Header carrying the message id (the idempotency key, constant across retries).
pub const HEADER_ID: &str = "webhook-id";
/// Header carrying the Unix seconds of this attempt.
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
/// Header carrying the space-separated signatures.
pub const HEADER_SIGNATURE: &str = "webhook-signature";
/// Default tolerance between the timestamp and now, in seconds, both ways.
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;
/// Longest accepted `webhook-id`.
pub const MAX_ID_BYTES: usize = 256;
/// Most signatures read from one header; the rest are ignored.
pub const MAX_SIGNATURES: usize = 16;
/// Longest accepted `webhook-signature` header.
pub const MAX_SIGNATURE_HEADER_BYTES: usize = 8 * 1024;

/// Request headers as name/value pairs; names match case-insensitively.
pub trait HeaderLookup {
    /// The value of `name` (lowercase), if present.
    fn header(&self, name: &str) -> Option<&str>;
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderLookup for [(K, V)] {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderLookup for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

/// What a successful verification established.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The `webhook-id`.
    pub id: String,
    /// The `webhook-timestamp`.
    pub timestamp: i64,
}

/// Checks that an id is usable in a signature (non-empty, short, no `.`).
pub fn check_id(id: &str) -> Result<(), Error> {
    if id.is_empty()
        || id.len() > MAX_ID_BYTES
        || id.contains('.')
        || id.chars().any(char::is_control)
    {
        return Err(Error::new(
            Code::SignatureInvalidId,
            "",
            format!("a webhook id is 1 to {MAX_ID_BYTES} bytes without '.' or control characters"),
        ));
    }
    Ok(())
}

fn check_timestamp(timestamp: i64) -> Result<(), Error> {
    if timestamp < 0 {
        return Err(Error::new(
            Code::SignatureInvalidTimestamp,
            "",
            "a webhook timestamp is Unix seconds, zero or more",
        ));
    }
    Ok(())
}

fn signed_content(id: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    let ts = timestamp.to_string();
    let mut msg = Vec::with_capacity(id.len() + ts.len() + body.len() + 2);
    msg.extend_from_slice(id.as_bytes());
    msg.push(b'.');
    msg.extend_from_slice(ts.as_bytes());
    msg.push(b'.');
    msg.extend_from_slice(body);
    msg
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA256 of `data` under `key`: used for keyed hashes and derived ids too.
pub fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    hmac_sha256(key, &[data])
}

/// Signs `id.timestamp.body` with every key; returns the `webhook-signature` value.
///
/// ```
/// use waybill::webhook::{sign, SigningKey};
/// let key = SigningKey::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
/// let sig = sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, br#"{"test": 2432232314}"#, &[key]).unwrap();
/// assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
/// ```
pub fn sign(id: &str, timestamp: i64, body: &[u8], keys: &[SigningKey]) -> Result<String, Error> {
    check_id(id)?;
    check_timestamp(timestamp)?;
    if keys.is_empty() {
        return Err(Error::new(
            Code::SecretNone,
            "",
            "no key to sign with: give at least one secret",
        ));
    }
    let ts = timestamp.to_string();
    let mut out = String::new();
    for key in keys {
        if !out.is_empty() {
            out.push(' ');
        }
        match key {
            SigningKey::Hmac(secret) => {
                let mac = hmac_sha256(secret, &[id.as_bytes(), b".", ts.as_bytes(), b".", body]);
                out.push_str("v1,");
                out.push_str(&BASE64.encode(mac));
            }
            SigningKey::Ed25519(k) => {
                let signature = k.sign(&signed_content(id, timestamp, body));
                out.push_str("v1a,");
                out.push_str(&BASE64.encode(signature.to_bytes()));
            }
        }
    }
    Ok(out)
}

/// How to verify: keys, the clock and the tolerance window.
#[derive(Clone, Debug)]
pub struct Verifier {
    /// Keys to accept; any one match passes.
    pub keys: Vec<VerifyingKey>,
    /// Now, in Unix seconds.
    pub now: i64,
    /// Allowed distance between the timestamp and now, both ways.
    pub tolerance: i64,
}

fn required_header<'h, H: HeaderLookup + ?Sized>(
    headers: &'h H,
    name: &str,
) -> Result<&'h str, Error> {
    match headers.header(name) {
        Some(v) if !v.trim().is_empty() => Ok(v.trim()),
        _ => Err(Error::new(
            Code::SignatureMissingHeader,
            format!("/headers/{name}"),
            format!("the {name} header is missing"),
        )),
    }
}

/// Verifies a Standard Webhooks request over its raw body bytes.
pub fn verify<H: HeaderLookup + ?Sized>(
    body: &[u8],
    headers: &H,
    verifier: &Verifier,
) -> Result<Verified, Error> {
    let id = required_header(headers, HEADER_ID)?;
    let ts_text = required_header(headers, HEADER_TIMESTAMP)?;
    let sig_text = required_header(headers, HEADER_SIGNATURE)?;
    check_id(id).map_err(|e| e.under("/headers/webhook-id"))?;
    let timestamp = parse_timestamp(ts_text)?;
    let age = verifier.now.saturating_sub(timestamp);
    if age > verifier.tolerance || age < -verifier.tolerance {
        let which = if age > 0 { "old" } else { "far in the future" };
        return Err(Error::new(
            Code::SignatureTimestampOutOfRange,
            "/headers/webhook-timestamp",
            format!(
                "the timestamp is {} s {which}; the tolerance is {} s",
                age.abs(),
                verifier.tolerance
            ),
        ));
    }
    let signatures = parse_signature_header(sig_text)?;
    if verifier.keys.is_empty() {
        return Err(Error::new(
            Code::SecretNone,
            "",
            "no key to verify with: give at least one secret or public key",
        ));
    }
    let content = signed_content(id, timestamp, body);
    let mut matched = 0u8;
    for sig in &signatures {
        for key in &verifier.keys {
            matched |= sig.matches(key, &content);
        }
    }
    if matched == 1 {
        return Ok(Verified {
            id: id.to_string(),
            timestamp,
        });
    }
    Err(Error::new(
        Code::SignatureMismatch,
        "/headers/webhook-signature",
        "no signature matches any key: the body, id or timestamp changed, or the key is wrong",
    ))
}

fn parse_timestamp(text: &str) -> Result<i64, Error> {
    let valid = !text.is_empty() && text.len() <= 18 && text.bytes().all(|b| b.is_ascii_digit());
    if !valid {
        return Err(Error::new(
            Code::SignatureInvalidTimestamp,
            "/headers/webhook-timestamp",
            "webhook-timestamp must be whole Unix seconds",
        ));
    }
    text.parse::<i64>().map_err(|_| {
        Error::new(
            Code::SignatureInvalidTimestamp,
            "/headers/webhook-timestamp",
            "webhook-timestamp is out of range",
        )
    })
}

enum Signature {
    V1([u8; 32]),
    V1a(ed25519_dalek::Signature),
}

impl Signature {
    fn matches(&self, key: &VerifyingKey, content: &[u8]) -> u8 {
        match (self, key) {
            (Signature::V1(expected), VerifyingKey::Hmac(secret)) => {
                let mac = hmac_sha256(secret, &[content]);
                mac.ct_eq(expected).unwrap_u8()
            }
            (Signature::V1a(sig), VerifyingKey::Ed25519(public)) => {
                u8::from(public.verify_strict(content, sig).is_ok())
            }
            _ => 0,
        }
    }
}

fn malformed(message: &str) -> Error {
    Error::new(
        Code::SignatureMalformed,
        "/headers/webhook-signature",
        message,
    )
}

fn parse_signature_header(text: &str) -> Result<Vec<Signature>, Error> {
    if text.len() > MAX_SIGNATURE_HEADER_BYTES {
        return Err(malformed("webhook-signature is longer than 8 KiB"));
    }
    // Like Standard Webhooks' own libraries, a token this verifier cannot read
    // is skipped rather than fatal, so one stray entry cannot hide a valid
    // signature. A header where no token even has the `version,base64` shape
    // is malformed; one with only other versions simply does not match.
    let mut out = Vec::new();
    let mut well_formed = false;
    for token in text.split(' ').filter(|t| !t.is_empty()) {
        let parsed = parse_signature(token);
        // A known version counts only when it decodes; another version by its shape.
        well_formed |= parsed.is_some()
            || token.split_once(',').is_some_and(|(v, sig)| {
                !matches!(v, "v1" | "v1a")
                    && !v.is_empty()
                    && v.bytes().all(|b| b.is_ascii_alphanumeric())
                    && !sig.is_empty()
            });
        if let Some(signature) = parsed {
            out.push(signature);
            if out.len() == MAX_SIGNATURES {
                break;
            }
        }
    }
    if !well_formed {
        return Err(malformed(
            "webhook-signature holds no `version,base64` entry, such as `v1,K5oZ…=`",
        ));
    }
    Ok(out)
}

fn parse_signature(token: &str) -> Option<Signature> {
    let (version, encoded) = token.split_once(',')?;
    match version {
        "v1" => Some(Signature::V1(BASE64.decode(encoded).ok()?.try_into().ok()?)),
        "v1a" => {
            let bytes: [u8; 64] = BASE64.decode(encoded).ok()?.try_into().ok()?;
            Some(Signature::V1a(ed25519_dalek::Signature::from_bytes(&bytes)))
        }
        _ => None,
    }
}
