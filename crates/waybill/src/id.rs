//! Idempotency keys: `<prefix>_` + 26 Crockford base32 characters in ULID
//! layout. Random keys sort by creation time; derived keys come from an HMAC
//! of a natural key under the site key, so a repeated submission gets the
//! same key on one site and an unrelated key on every other site.

use crate::error::{Code, Error};

/// Crockford's base32 alphabet (no I, L, O, U).
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Longest prefix.
pub const MAX_PREFIX_LEN: usize = 16;
/// Characters after the prefix and `_`.
pub const ID_BODY_LEN: usize = 26;
/// Fewest bytes in a site key.
pub const MIN_SITE_KEY_BYTES: usize = 16;

/// Checks a prefix: `[a-z][a-z0-9]{0,15}`.
pub fn check_prefix(prefix: &str) -> Result<(), Error> {
    let mut chars = prefix.bytes();
    let first_ok = matches!(chars.next(), Some(b'a'..=b'z'));
    let rest_ok = chars.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !first_ok || !rest_ok || prefix.len() > MAX_PREFIX_LEN {
        return Err(Error::new(
            Code::IdInvalidPrefix,
            "",
            format!(
                "an id prefix is a lowercase letter then up to {} letters or digits",
                MAX_PREFIX_LEN - 1
            ),
        ));
    }
    Ok(())
}

/// Checks a site key: at least 16 bytes.
pub fn check_site_key(site_key: &[u8]) -> Result<(), Error> {
    if site_key.len() < MIN_SITE_KEY_BYTES {
        return Err(Error::new(
            Code::SecretInvalidSiteKey,
            "",
            format!("the site key must have at least {MIN_SITE_KEY_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// True when `key` has the idempotency key format.
pub fn is_valid_key(key: &str) -> bool {
    let Some((prefix, body)) = key.rsplit_once('_') else {
        return false;
    };
    check_prefix(prefix).is_ok()
        && body.len() == ID_BODY_LEN
        && body.bytes().all(|b| CROCKFORD.contains(&b))
        && body.as_bytes()[0] <= b'7'
}

/// Encodes 128 bits as 26 Crockford characters, the top 2 bits of the first
/// character always zero (as in ULID).
fn encode_128(value: u128) -> String {
    let mut out = [0u8; ID_BODY_LEN];
    for (i, slot) in out.iter_mut().enumerate() {
        let shift = 5 * (ID_BODY_LEN - 1 - i);
        *slot = CROCKFORD[((value >> shift) & 0x1f) as usize];
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A key from a time in milliseconds and 10 bytes of entropy (ULID layout).
pub fn from_parts(prefix: &str, millis: u64, entropy: [u8; 10]) -> Result<String, Error> {
    check_prefix(prefix)?;
    let mut value = u128::from(millis & 0xFFFF_FFFF_FFFF) << 80;
    for (i, b) in entropy.iter().enumerate() {
        value |= u128::from(*b) << (8 * (9 - i));
    }
    Ok(format!("{prefix}_{}", encode_128(value)))
}

/// A new random, time-ordered key.
///
/// ```
/// let key = waybill::id::random("lead", 1_733_333_333_000).unwrap();
/// assert!(waybill::id::is_valid_key(&key));
/// ```
pub fn random(prefix: &str, millis: u64) -> Result<String, Error> {
    let mut entropy = [0u8; 10];
    crate::random::fill(&mut entropy)?;
    from_parts(prefix, millis, entropy)
}

/// The deterministic key for `natural_key` on the site holding `site_key`.
///
/// ```
/// let a = waybill::id::derive("lead", b"site-key-of-16-bytes", "form-7|ada@example.com|n1").unwrap();
/// let b = waybill::id::derive("lead", b"site-key-of-16-bytes", "form-7|ada@example.com|n1").unwrap();
/// assert_eq!(a, b);
/// ```
pub fn derive(prefix: &str, site_key: &[u8], natural_key: &str) -> Result<String, Error> {
    check_prefix(prefix)?;
    check_site_key(site_key)?;
    if natural_key.is_empty() {
        return Err(Error::new(
            Code::IdInvalidNaturalKey,
            "",
            "the natural key is empty",
        ));
    }
    // A label keeps these HMACs apart from the keyed hashes of the privacy policy.
    let mut data = b"waybill.idempotency.v1\0".to_vec();
    data.extend_from_slice(prefix.as_bytes());
    data.push(0);
    data.extend_from_slice(natural_key.as_bytes());
    let mac = crate::webhook::hmac(site_key, &data);
    let mut top = [0u8; 16];
    top.copy_from_slice(&mac[..16]);
    let value = u128::from_be_bytes(top) >> 2;
    Ok(format!("{prefix}_{}", encode_128(value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_ulid_layout_from_parts() {
        let key = from_parts("lead", 0x0190_0000_0000, [0xff; 10]).unwrap();
        assert_eq!(key, "lead_01J0000000ZZZZZZZZZZZZZZZZ");
        assert!(is_valid_key(&key));
    }

    #[test]
    fn random_keys_sort_by_time() {
        let a = random("lead", 1_000).unwrap();
        let b = random("lead", 2_000).unwrap();
        assert!(a < b);
    }

    #[test]
    fn derived_keys_differ_per_site() {
        let a = derive("lead", b"0123456789abcdef", "x").unwrap();
        let b = derive("lead", b"0123456789abcdeF", "x").unwrap();
        assert_ne!(a, b);
        assert!(is_valid_key(&a));
    }

    #[test]
    fn rejects_bad_prefixes() {
        for p in ["", "Lead", "1lead", "lead_x", "abcdefghijklmnopq"] {
            assert_eq!(
                check_prefix(p).unwrap_err().code(),
                Code::IdInvalidPrefix,
                "{p}"
            );
        }
    }
}
