//! Errors: one type for every failure, with a stable code, a JSON Pointer to
//! the offending place and a message a person can act on.

use std::fmt;

/// Most violations one validation reports; further ones are dropped.
pub const MAX_VIOLATIONS: usize = 100;

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident => $text:literal, )*) => {
        /// The stable error codes. Their text form (`input.too_large`) never changes.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$( Code::$variant, )*];

            /// The stable text form, such as `signature.mismatch`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $text, )* }
            }

            /// The family before the dot: `input`, `envelope`, `schema`, `secret`, …
            pub fn family(self) -> &'static str {
                let text = self.as_str();
                text.split('.').next().unwrap_or(text)
            }
        }
    };
}

codes! {
    /// The body is larger than `max_body_bytes`.
    InputTooLarge => "input.too_large",
    /// The body is not valid UTF-8.
    InputInvalidUtf8 => "input.invalid_utf8",
    /// The body is not JSON.
    InputInvalidJson => "input.invalid_json",
    /// An object has the same key twice.
    InputDuplicateKey => "input.duplicate_key",
    /// Nesting is deeper than `max_depth`.
    InputTooDeep => "input.too_deep",
    /// A string is longer than `max_string_bytes`.
    InputStringTooLong => "input.string_too_long",
    /// An array or object has more than `max_array_items` entries.
    InputTooManyItems => "input.too_many_items",
    /// The event is not a JSON object.
    InputNotObject => "input.not_object",
    /// A required envelope field is missing.
    EnvelopeMissingField => "envelope.missing_field",
    /// A top-level field the envelope does not define.
    EnvelopeUnknownField => "envelope.unknown_field",
    /// An envelope field has the wrong type or an empty value.
    EnvelopeInvalidField => "envelope.invalid_field",
    /// `version` is not `MAJOR.MINOR`.
    EnvelopeInvalidVersion => "envelope.invalid_version",
    /// `event_type` is not dotted `[a-z0-9_]` segments.
    EnvelopeInvalidEventType => "envelope.invalid_event_type",
    /// `timestamp` is not an RFC 3339 UTC time.
    EnvelopeInvalidTimestamp => "envelope.invalid_timestamp",
    /// `idempotency_key` is not `<prefix>_` + 26 Crockford base32 characters.
    EnvelopeInvalidIdempotencyKey => "envelope.invalid_idempotency_key",
    /// `entity` is not `{type, id}` with a string type and an integer or string id.
    EnvelopeInvalidEntity => "envelope.invalid_entity",
    /// No contract is registered for this event type and version.
    ContractUnknown => "contract.unknown",
    /// A contract document or its JSON Schema is invalid.
    ContractInvalid => "contract.invalid",
    /// A contract with this event type and version exists with another schema.
    ContractConflict => "contract.conflict",
    /// A field annotation (`x-waybill-sanitize`, `x-waybill-privacy`) is unknown.
    ContractInvalidAnnotation => "contract.invalid_annotation",
    /// Two contracts of different event types were compared.
    ContractMismatch => "contract.mismatch",
    /// A required field is missing.
    SchemaRequired => "schema.required",
    /// A value has the wrong type (`"12000"` for an integer, `"1"` for `true`).
    SchemaType => "schema.type",
    /// A value is not one of the allowed values.
    SchemaEnum => "schema.enum",
    /// A value differs from the one it must equal.
    SchemaConst => "schema.const",
    /// A string does not match its format (email, uri, date-time…).
    SchemaFormat => "schema.format",
    /// A string does not match its pattern.
    SchemaPattern => "schema.pattern",
    /// A string is too short.
    SchemaMinLength => "schema.min_length",
    /// A string is too long.
    SchemaMaxLength => "schema.max_length",
    /// A number is too small.
    SchemaMinimum => "schema.minimum",
    /// A number is too large.
    SchemaMaximum => "schema.maximum",
    /// A number is not a multiple of its step.
    SchemaMultipleOf => "schema.multiple_of",
    /// An array has too few items.
    SchemaMinItems => "schema.min_items",
    /// An array has too many items.
    SchemaMaxItems => "schema.max_items",
    /// An array repeats an item that must be unique.
    SchemaUniqueItems => "schema.unique_items",
    /// An object has a property its contract does not allow.
    SchemaAdditionalProperties => "schema.additional_properties",
    /// An object has too few or too many properties.
    SchemaPropertyCount => "schema.property_count",
    /// A value fails `anyOf`, `oneOf`, `allOf`, `not` or a conditional.
    SchemaCombinator => "schema.combinator",
    /// Any other JSON Schema rule.
    SchemaInvalid => "schema.invalid",
    /// No key or secret was given where one is needed.
    SecretNone => "secret.none",
    /// A secret or key is empty.
    SecretEmpty => "secret.empty",
    /// A secret or key does not start with `whsec_`, `whsk_` or `whpk_`.
    SecretInvalidPrefix => "secret.invalid_prefix",
    /// The part after the prefix is not base64.
    SecretInvalidBase64 => "secret.invalid_base64",
    /// An HMAC secret has fewer than 24 bytes.
    SecretTooShort => "secret.too_short",
    /// An HMAC secret has more than 64 bytes.
    SecretTooLong => "secret.too_long",
    /// An Ed25519 key has the wrong length or cannot be used for this.
    SecretInvalidKey => "secret.invalid_key",
    /// The site key is missing or shorter than 16 bytes.
    SecretInvalidSiteKey => "secret.invalid_site_key",
    /// `webhook-id`, `webhook-timestamp` or `webhook-signature` is missing.
    SignatureMissingHeader => "signature.missing_header",
    /// `webhook-signature` is not a list of `version,base64` entries.
    SignatureMalformed => "signature.malformed",
    /// No signature matches any key.
    SignatureMismatch => "signature.mismatch",
    /// The timestamp is outside the tolerance window.
    SignatureTimestampOutOfRange => "signature.timestamp_out_of_range",
    /// `webhook-timestamp` is not Unix seconds.
    SignatureInvalidTimestamp => "signature.invalid_timestamp",
    /// `webhook-id` is empty, too long or contains `.`.
    SignatureInvalidId => "signature.invalid_id",
    /// An idempotency key prefix is not `[a-z][a-z0-9]{0,15}`.
    IdInvalidPrefix => "id.invalid_prefix",
    /// A natural key for a deterministic idempotency key is empty.
    IdInvalidNaturalKey => "id.invalid_natural_key",
    /// An option has the wrong type or is unknown.
    OptionsInvalid => "options.invalid",
    /// The host gave no clock and this platform has none.
    OptionsMissingNow => "options.missing_now",
    /// The platform's random number source failed.
    RandomUnavailable => "random.unavailable",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One violation inside a failed validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The stable code.
    pub code: Code,
    /// JSON Pointer to the offending value (`""` for the whole input).
    pub pointer: String,
    /// What is wrong, for a person.
    pub message: String,
}

/// A Waybill failure. `code()` is stable; `message()` is for people.
///
/// ```
/// let err = waybill::json::parse(b"{\"a\":1,\"a\":2}", &waybill::Limits::default()).unwrap_err();
/// assert_eq!(err.code().as_str(), "input.duplicate_key");
/// assert_eq!(err.pointer(), "/a");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    code: Code,
    pointer: String,
    message: String,
    errors: Vec<Violation>,
}

impl Error {
    /// A failure with one cause.
    pub fn new(code: Code, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Error {
            code,
            pointer: pointer.into(),
            message: message.into(),
            errors: Vec::new(),
        }
    }

    /// A validation failure listing every violation; the first one names the error.
    ///
    /// Returns `None` when `violations` is empty.
    pub fn from_violations(mut violations: Vec<Violation>) -> Option<Self> {
        violations.truncate(MAX_VIOLATIONS);
        let first = violations.first()?.clone();
        let message = if violations.len() == 1 {
            first.message.clone()
        } else {
            format!("{} (and {} more)", first.message, violations.len() - 1)
        };
        Some(Error {
            code: first.code,
            pointer: first.pointer,
            message,
            errors: violations,
        })
    }

    /// The stable code.
    pub fn code(&self) -> Code {
        self.code
    }

    /// JSON Pointer to the offending place, `""` when it is the whole input.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// What went wrong, for a person.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Every violation of a validation failure; empty for other failures.
    pub fn errors(&self) -> &[Violation] {
        &self.errors
    }

    /// The same error with its pointer placed under `prefix` (`/options` + `/secrets/0`).
    pub fn under(mut self, prefix: &str) -> Self {
        self.pointer = format!("{prefix}{}", self.pointer);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}: {}", self.code, self.message)
        } else {
            write!(f, "{} at {}: {}", self.code, self.pointer, self.message)
        }
    }
}

impl std::error::Error for Error {}

/// Appends one reference token to a JSON Pointer, escaping `~` and `/`.
pub fn push_pointer(base: &str, token: &str) -> String {
    let mut out = String::with_capacity(base.len() + token.len() + 1);
    out.push_str(base);
    push_token(&mut out, token);
    out
}

/// Appends `/` and one escaped reference token to a pointer in place.
pub(crate) fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    if !token.contains(['~', '/']) {
        pointer.push_str(token);
        return;
    }
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            _ => pointer.push(c),
        }
    }
}

/// A name for a message: at most 64 characters, so a huge key cannot flood a log.
pub(crate) fn short(name: &str) -> String {
    const MAX: usize = 64;
    match name.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &name[..cut]),
        None => name.to_string(),
    }
}
