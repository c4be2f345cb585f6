//! The privacy policy, applied last before an event leaves the site: each
//! field is kept, masked, replaced by a keyed hash, or dropped.

use crate::error::{push_token, Code, Error};
use crate::sanitize::FieldRules;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Prefix of a keyed hash value.
pub const HASH_PREFIX: &str = "hmac-sha256:";
/// What a masked value shows instead of its hidden part.
pub const MASK: &str = "***";

/// What happens to a field before it leaves the site (`x-waybill-privacy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrivacyMode {
    /// Sent as is.
    Keep,
    /// Mostly hidden: `a***@example.com`, `***4567`.
    Mask,
    /// Replaced by `hmac-sha256:<hex>` under the site key: equal inputs match on one site only.
    Hash,
    /// Removed.
    Drop,
}

impl PrivacyMode {
    /// Parses `keep`, `mask`, `hash` or `drop`.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "keep" => PrivacyMode::Keep,
            "mask" => PrivacyMode::Mask,
            "hash" => PrivacyMode::Hash,
            "drop" => PrivacyMode::Drop,
            _ => return None,
        })
    }
}

/// Masks a value: an email keeps its first character and domain; other
/// text keeps its last four characters when it has at least eight.
///
/// ```
/// use serde_json::json;
/// assert_eq!(waybill::privacy::mask(&json!("ada@example.com")), json!("a***@example.com"));
/// assert_eq!(waybill::privacy::mask(&json!("+44 20 7946 0958")), json!("***0958"));
/// ```
pub fn mask(value: &Value) -> Value {
    let Value::String(s) = value else {
        return Value::String(MASK.into());
    };
    if let Some((local, domain)) = s.rsplit_once('@') {
        if let Some(first) = local.chars().next() {
            return Value::String(format!("{first}{MASK}@{domain}"));
        }
    }
    let chars: Vec<char> = s.chars().collect();
    if chars.len() >= 8 {
        let tail: String = chars[chars.len() - 4..].iter().collect();
        return Value::String(format!("{MASK}{tail}"));
    }
    Value::String(MASK.into())
}

/// The keyed hash of a value: strings by their bytes, others by canonical JSON.
pub fn hash(value: &Value, site_key: &[u8]) -> Value {
    let bytes = match value {
        Value::String(s) => s.as_bytes().to_vec(),
        other => crate::json::to_canonical_string(other).into_bytes(),
    };
    let mac = crate::webhook::hmac(site_key, &bytes);
    let mut hex = String::with_capacity(HASH_PREFIX.len() + 64);
    hex.push_str(HASH_PREFIX);
    for b in mac {
        hex.push_str(&format!("{b:02x}"));
    }
    Value::String(hex)
}

/// Overrides of the contract's policy, by JSON Pointer into the event.
pub type PrivacyOverrides = BTreeMap<String, PrivacyMode>;

pub(crate) struct Policy<'a> {
    pub overrides: &'a PrivacyOverrides,
    pub site_key: Option<&'a [u8]>,
}

impl Policy<'_> {
    fn mode_for(&self, pointer: &str, rules: &FieldRules<'_>) -> PrivacyMode {
        self.overrides
            .get(pointer)
            .copied()
            .or_else(|| rules.privacy().and_then(PrivacyMode::parse))
            .unwrap_or(PrivacyMode::Keep)
    }

    /// Applies the policy to the members of an object found at `pointer`.
    pub fn apply_object(
        &self,
        map: &mut Map<String, Value>,
        rules: FieldRules<'_>,
        pointer: &str,
    ) -> Result<(), Error> {
        let mut place = pointer.to_string();
        self.walk_object(map, rules, &mut place)
    }

    /// `place` is the pointer of `map`; it grows by one token per member
    /// and is put back before returning.
    fn walk_object(
        &self,
        map: &mut Map<String, Value>,
        rules: FieldRules<'_>,
        place: &mut String,
    ) -> Result<(), Error> {
        let mut dropped = Vec::new();
        for (key, value) in map.iter_mut() {
            let len = place.len();
            push_token(place, key);
            let member = rules.member(key);
            match self.mode_for(place, &member) {
                PrivacyMode::Drop => dropped.push(key.clone()),
                mode => self.apply(value, mode, member, place)?,
            }
            place.truncate(len);
        }
        for key in dropped {
            map.remove(&key);
        }
        Ok(())
    }

    fn apply(
        &self,
        value: &mut Value,
        mode: PrivacyMode,
        rules: FieldRules<'_>,
        place: &mut String,
    ) -> Result<(), Error> {
        match mode {
            PrivacyMode::Mask => *value = mask(value),
            PrivacyMode::Hash => {
                let key = self.site_key.ok_or_else(|| {
                    Error::new(
                        Code::SecretInvalidSiteKey,
                        "/options/site_key",
                        format!("{place} is hashed by the privacy policy, which needs a site_key"),
                    )
                })?;
                crate::id::check_site_key(key)
                    .map_err(|e| Error::new(e.code(), "/options/site_key", e.message()))?;
                *value = hash(value, key);
            }
            PrivacyMode::Drop => {}
            PrivacyMode::Keep => match value {
                Value::Object(map) => self.walk_object(map, rules, place)?,
                Value::Array(items) => {
                    for (i, item) in items.iter_mut().enumerate() {
                        let len = place.len();
                        place.push('/');
                        place.push_str(&i.to_string());
                        let item_rules = rules.item(i);
                        let mode = self.mode_for(place, &item_rules);
                        self.apply(item, mode, item_rules, place)?;
                        place.truncate(len);
                    }
                }
                _ => {}
            },
        }
        Ok(())
    }
}
