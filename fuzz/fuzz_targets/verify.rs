//! Arbitrary bodies and headers through verify and receive: never a panic, never a false pass.
#![no_main]

use libfuzzer_sys::fuzz_target;
use waybill::contract::Registry;
use waybill::Options;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fuzz_target!(|data: &[u8]| {
    // Layout: id \n timestamp \n signature \n body.
    let mut parts = data.splitn(4, |b| *b == b'\n');
    let text = |p: Option<&[u8]>| String::from_utf8_lossy(p.unwrap_or_default()).into_owned();
    let (id, ts, sig) = (text(parts.next()), text(parts.next()), text(parts.next()));
    let body = parts.next().unwrap_or_default();
    let headers = vec![
        ("webhook-id".to_string(), id),
        ("webhook-timestamp".to_string(), ts),
        ("webhook-signature".to_string(), sig),
    ];
    let options = Options {
        now: Some(1_614_265_330),
        verify_keys: vec![SECRET.to_string().into()],
        ..Options::default()
    };
    if waybill::pipeline::verify(body, &headers, &options).is_ok() {
        // Whatever passed under the real key must fail under any other key.
        let other = Options {
            verify_keys: vec!["whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_string().into()],
            ..options.clone()
        };
        assert!(waybill::pipeline::verify(body, &headers, &other).is_err());
    }
    let _ = waybill::pipeline::receive(body, &headers, &options, &Registry::new());
});
