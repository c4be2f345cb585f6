//! Secrets and keys in their Standard Webhooks text forms: `whsec_` (HMAC),
//! `whsk_` (Ed25519 signing key) and `whpk_` (Ed25519 public key).

use crate::error::{Code, Error};
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use std::fmt;
use zeroize::Zeroizing;

/// Prefix of an HMAC secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// Prefix of an Ed25519 signing (private) key.
pub const SIGNING_KEY_PREFIX: &str = "whsk_";
/// Prefix of an Ed25519 public key.
pub const PUBLIC_KEY_PREFIX: &str = "whpk_";
/// Fewest bytes an HMAC secret may have.
pub const MIN_SECRET_BYTES: usize = 24;
/// Most bytes an HMAC secret may have.
pub const MAX_SECRET_BYTES: usize = 64;
/// Bytes in a generated HMAC secret.
pub const GENERATED_SECRET_BYTES: usize = 32;

/// Base64 that accepts input with or without `=` padding and writes it padded.
pub(crate) const BASE64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A key that can sign: an HMAC secret or an Ed25519 signing key.
#[derive(Clone)]
pub enum SigningKey {
    /// `whsec_…`, signs `v1`.
    Hmac(Zeroizing<Vec<u8>>),
    /// `whsk_…`, signs `v1a`.
    Ed25519(Box<ed25519_dalek::SigningKey>),
}

/// A key that can verify: an HMAC secret or an Ed25519 public key.
#[derive(Clone)]
pub enum VerifyingKey {
    /// `whsec_…`, checks `v1`.
    Hmac(Zeroizing<Vec<u8>>),
    /// `whpk_…`, checks `v1a`.
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SigningKey::Hmac(_) => f.write_str("SigningKey::Hmac(whsec_[redacted])"),
            SigningKey::Ed25519(_) => f.write_str("SigningKey::Ed25519(whsk_[redacted])"),
        }
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyingKey::Hmac(_) => f.write_str("VerifyingKey::Hmac(whsec_[redacted])"),
            VerifyingKey::Ed25519(k) => write!(f, "VerifyingKey::Ed25519({})", public_key_text(k)),
        }
    }
}

fn public_key_text(key: &ed25519_dalek::VerifyingKey) -> String {
    format!("{PUBLIC_KEY_PREFIX}{}", BASE64.encode(key.as_bytes()))
}

fn decode_body(body: &str) -> Result<Zeroizing<Vec<u8>>, Error> {
    BASE64.decode(body).map(Zeroizing::new).map_err(|_| {
        Error::new(
            Code::SecretInvalidBase64,
            "",
            "the part after the prefix is not valid base64",
        )
    })
}

fn check_not_empty(text: &str) -> Result<(), Error> {
    if text.trim().is_empty() {
        return Err(Error::new(Code::SecretEmpty, "", "the secret is empty"));
    }
    Ok(())
}

fn prefix_error(text: &str) -> Error {
    let hint = if text.contains(SECRET_PREFIX) {
        format!(
            "the secret must start with {SECRET_PREFIX}; remove what comes before it (a signature \
             version such as `v1,` is not part of a secret)"
        )
    } else {
        format!("expected a key starting with {SECRET_PREFIX}, {SIGNING_KEY_PREFIX} or {PUBLIC_KEY_PREFIX}")
    };
    Error::new(Code::SecretInvalidPrefix, "", hint)
}

fn parse_hmac(body: &str) -> Result<Zeroizing<Vec<u8>>, Error> {
    let bytes = decode_body(body)?;
    if bytes.is_empty() {
        return Err(Error::new(
            Code::SecretEmpty,
            "",
            "the secret has nothing after its prefix",
        ));
    }
    if bytes.len() < MIN_SECRET_BYTES {
        return Err(Error::new(
            Code::SecretTooShort,
            "",
            format!(
                "the secret has {} bytes; at least {MIN_SECRET_BYTES} are needed",
                bytes.len()
            ),
        ));
    }
    if bytes.len() > MAX_SECRET_BYTES {
        return Err(Error::new(
            Code::SecretTooLong,
            "",
            format!(
                "the secret has {} bytes; at most {MAX_SECRET_BYTES} are allowed",
                bytes.len()
            ),
        ));
    }
    Ok(bytes)
}

fn parse_ed25519_secret(body: &str) -> Result<ed25519_dalek::SigningKey, Error> {
    let bytes = decode_body(body)?;
    let seed: [u8; 32] = match bytes.len() {
        32 | 64 => bytes[..32].try_into().unwrap_or([0; 32]),
        n => {
            return Err(Error::new(
                Code::SecretInvalidKey,
                "",
                format!(
                    "an Ed25519 signing key has 32 bytes (or 64 with its public half), not {n}"
                ),
            ))
        }
    };
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    if bytes.len() == 64 && key.verifying_key().as_bytes()[..] != bytes[32..] {
        return Err(Error::new(
            Code::SecretInvalidKey,
            "",
            "the public half of this Ed25519 key does not belong to its private half",
        ));
    }
    Ok(key)
}

fn parse_ed25519_public(body: &str) -> Result<ed25519_dalek::VerifyingKey, Error> {
    let bytes = decode_body(body)?;
    let raw: [u8; 32] = bytes[..].try_into().map_err(|_| {
        Error::new(
            Code::SecretInvalidKey,
            "",
            format!("an Ed25519 public key has 32 bytes, not {}", bytes.len()),
        )
    })?;
    ed25519_dalek::VerifyingKey::from_bytes(&raw).map_err(|_| {
        Error::new(
            Code::SecretInvalidKey,
            "",
            "this is not a valid Ed25519 public key",
        )
    })
}

impl SigningKey {
    /// Parses `whsec_…` or `whsk_…`.
    ///
    /// ```
    /// let key = waybill::webhook::SigningKey::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    /// assert_eq!(format!("{key:?}"), "SigningKey::Hmac(whsec_[redacted])");
    /// ```
    pub fn parse(text: &str) -> Result<Self, Error> {
        check_not_empty(text)?;
        if let Some(body) = text.strip_prefix(SECRET_PREFIX) {
            return parse_hmac(body).map(SigningKey::Hmac);
        }
        if let Some(body) = text.strip_prefix(SIGNING_KEY_PREFIX) {
            return parse_ed25519_secret(body).map(|k| SigningKey::Ed25519(Box::new(k)));
        }
        if text.starts_with(PUBLIC_KEY_PREFIX) {
            return Err(Error::new(
                Code::SecretInvalidKey,
                "",
                "a public key (whpk_) can only verify; sign with its whsk_ signing key",
            ));
        }
        Err(prefix_error(text))
    }

    /// A new random HMAC secret of 32 bytes, as `whsec_…`.
    pub fn generate_secret() -> Result<String, Error> {
        let mut bytes = Zeroizing::new([0u8; GENERATED_SECRET_BYTES]);
        crate::random::fill(&mut bytes[..])?;
        Ok(format!("{SECRET_PREFIX}{}", BASE64.encode(&bytes[..])))
    }

    /// A new Ed25519 pair, as (`whsk_…`, `whpk_…`).
    pub fn generate_keypair() -> Result<(String, String), Error> {
        let mut seed = Zeroizing::new([0u8; 32]);
        crate::random::fill(&mut seed[..])?;
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        Ok((
            format!("{SIGNING_KEY_PREFIX}{}", BASE64.encode(&seed[..])),
            public_key_text(&key.verifying_key()),
        ))
    }

    /// The `whpk_…` public key of a `whsk_…` signing key.
    pub fn public_key_of(secret_key: &str) -> Result<String, Error> {
        match SigningKey::parse(secret_key)? {
            SigningKey::Ed25519(k) => Ok(public_key_text(&k.verifying_key())),
            SigningKey::Hmac(_) => Err(Error::new(
                Code::SecretInvalidKey,
                "",
                "an HMAC secret (whsec_) has no public key; use a whsk_ signing key",
            )),
        }
    }
}

impl VerifyingKey {
    /// Parses `whsec_…`, `whpk_…`, or `whsk_…` (whose public half is used).
    pub fn parse(text: &str) -> Result<Self, Error> {
        check_not_empty(text)?;
        if let Some(body) = text.strip_prefix(SECRET_PREFIX) {
            return parse_hmac(body).map(VerifyingKey::Hmac);
        }
        if let Some(body) = text.strip_prefix(PUBLIC_KEY_PREFIX) {
            return parse_ed25519_public(body).map(VerifyingKey::Ed25519);
        }
        if let Some(body) = text.strip_prefix(SIGNING_KEY_PREFIX) {
            return parse_ed25519_secret(body).map(|k| VerifyingKey::Ed25519(k.verifying_key()));
        }
        Err(prefix_error(text))
    }
}

/// Parses a list of signing keys; an error points at `/<index>`.
pub fn parse_signing_keys<S: AsRef<str>>(texts: &[S]) -> Result<Vec<SigningKey>, Error> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| SigningKey::parse(t.as_ref()).map_err(|e| e.under(&format!("/{i}"))))
        .collect()
}

/// Parses a list of verifying keys; an error points at `/<index>`.
pub fn parse_verifying_keys<S: AsRef<str>>(texts: &[S]) -> Result<Vec<VerifyingKey>, Error> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| VerifyingKey::parse(t.as_ref()).map_err(|e| e.under(&format!("/{i}"))))
        .collect()
}
