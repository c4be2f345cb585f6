//! Properties that must hold for every input, checked with generated data.

use proptest::prelude::*;
use serde_json::Value;
use waybill::sanitize::{sanitize_every_pass, sanitize_str, SanitizeKind};
use waybill::webhook::{sign, verify, SigningKey, Verifier, VerifyingKey};
use waybill::{json, Limits};

fn kinds() -> impl Strategy<Value = SanitizeKind> {
    prop_oneof![
        Just(SanitizeKind::Text),
        Just(SanitizeKind::Multiline),
        Just(SanitizeKind::Email),
        Just(SanitizeKind::Url),
        Just(SanitizeKind::Slug),
        Just(SanitizeKind::Html),
        Just(SanitizeKind::Raw),
    ]
}

/// Text rich in the characters sanitizers care about.
fn tricky_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("<".to_string()),
        Just("<3".to_string()),
        Just("</".to_string()),
        Just("<!".to_string()),
        Just("<?".to_string()),
        Just(">".to_string()),
        Just("<b>".to_string()),
        Just("</b>".to_string()),
        Just("<script>".to_string()),
        Just("</script>".to_string()),
        Just("<!--".to_string()),
        Just("-->".to_string()),
        Just("&amp;".to_string()),
        Just("&lt;".to_string()),
        Just("&#233;".to_string()),
        Just("&".to_string()),
        Just("\r\n".to_string()),
        Just("\t".to_string()),
        Just(" ".to_string()),
        Just("\u{200b}".to_string()),
        Just("e\u{301}".to_string()),
        Just("%C3%A9".to_string()),
        Just("javascript:".to_string()),
        Just("@".to_string()),
        Just("👩‍💻".to_string()),
        Just("שלום".to_string()),
        Just("\u{0}".to_string()),
        Just("\u{202e}".to_string()),
        "[a-zA-Z0-9 ]{0,6}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(pieces, 0..24).prop_map(|v| v.concat())
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        "[0-9]{17,30}"
            .prop_map(|s| Value::Number(s.trim_start_matches('0').parse().unwrap_or(0u8.into()))),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn sanitizing_is_idempotent(text in tricky_text(), kind in kinds()) {
        let (once, _) = sanitize_str(&text, kind);
        let (twice, changes) = sanitize_str(&once, kind);
        prop_assert_eq!(&once, &twice, "kind {:?}", kind);
        prop_assert!(changes.is_empty(), "second pass changed {:?}", changes);
    }

    #[test]
    fn the_quick_path_gives_the_same_answer_as_every_pass(text in prop_oneof![
        tricky_text(),
        // Mostly clean text, so the quick path is taken as well as refused.
        "[a-zA-Z0-9 .,@!?'\"%&;:/\n\t-]{0,40}",
        "[a-zA-Zé\u{301}\u{a0}\u{2028} \n]{0,12}",
        "\\PC{0,24}",
        // Addresses with and without a scheme, safe or not.
        "[a-zA-Z]{1,10}:[a-zA-Z0-9/.@?=]{0,16}",
    ], kind in kinds()) {
        prop_assert_eq!(sanitize_str(&text, kind), sanitize_every_pass(&text, kind), "kind {:?}", kind);
    }

    #[test]
    fn canonical_json_is_a_fixed_point(value in json_value()) {
        let first = json::to_canonical_string(&value);
        let again = json::canonicalize(first.as_bytes(), &Limits::default()).unwrap();
        prop_assert_eq!(first, again);
    }

    #[test]
    fn canonical_json_reads_back_as_the_same_value(value in json_value()) {
        let text = json::to_canonical_string(&value);
        let parsed: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(parsed, value);
    }

    #[test]
    fn sign_then_verify_passes(body in prop::collection::vec(any::<u8>(), 0..512), id in "[a-zA-Z0-9_-]{1,40}", ts in 0i64..4_000_000_000, secret in prop::collection::vec(any::<u8>(), 24..=64)) {
        use base64::Engine;
        let text = format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(&secret));
        let sig = sign(&id, ts, &body, &[SigningKey::parse(&text).unwrap()]).unwrap();
        let headers = vec![("webhook-id", id.as_str()), ("webhook-timestamp", &ts.to_string()), ("webhook-signature", sig.as_str())]
            .into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
        let verifier = Verifier { keys: vec![VerifyingKey::parse(&text).unwrap()], now: ts, tolerance: 0 };
        prop_assert!(verify(&body, &headers, &verifier).is_ok());
    }

    #[test]
    fn a_flipped_byte_never_verifies(body in prop::collection::vec(any::<u8>(), 1..256), pos in any::<prop::sample::Index>(), bit in 0u8..8) {
        let key = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let sig = sign("msg_1", 1000, &body, &[SigningKey::parse(key).unwrap()]).unwrap();
        let mut tampered = body.clone();
        let i = pos.index(tampered.len());
        tampered[i] ^= 1 << bit;
        let headers = vec![("webhook-id".to_string(), "msg_1".to_string()), ("webhook-timestamp".to_string(), "1000".to_string()), ("webhook-signature".to_string(), sig)];
        let verifier = Verifier { keys: vec![VerifyingKey::parse(key).unwrap()], now: 1000, tolerance: 300 };
        prop_assert_eq!(verify(&tampered, &headers, &verifier).unwrap_err().code(), waybill::Code::SignatureMismatch);
    }

    #[test]
    fn parsing_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = json::parse(&bytes, &Limits::default());
    }
}
