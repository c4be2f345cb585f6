//! The sanitizer's quick path against its full passes: for any text and kind
//! both must give the same text and the same change report.
#![no_main]

use libfuzzer_sys::fuzz_target;
use waybill::sanitize::{sanitize_every_pass, sanitize_str, SanitizeKind};

const KINDS: [SanitizeKind; 7] = [
    SanitizeKind::Text,
    SanitizeKind::Multiline,
    SanitizeKind::Email,
    SanitizeKind::Url,
    SanitizeKind::Slug,
    SanitizeKind::Html,
    SanitizeKind::Raw,
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let kind = KINDS[usize::from(first) % KINDS.len()];
    let text = String::from_utf8_lossy(rest);
    assert_eq!(sanitize_str(&text, kind), sanitize_every_pass(&text, kind));
});
