//! The `waybill` binary as a user runs it: exit codes, printed codes, and a
//! prepare → verify round trip through files.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const LEAD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/lead.json");

fn waybill(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_waybill"))
        .args(args)
        .env_remove("WAYBILL_SECRET")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("waybill runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn json_out(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn prepare_then_verify_round_trips_through_the_shell() {
    let prepared = waybill(&["prepare", LEAD, "--secret", SECRET, "--json"], b"");
    assert!(
        prepared.status.success(),
        "{}",
        String::from_utf8_lossy(&prepared.stderr)
    );
    let p = json_out(&prepared);
    let body = p["body"].as_str().unwrap();
    let h = &p["headers"];
    let header = |name: &str| format!("{name}: {}", h[name].as_str().unwrap());
    let verified = waybill(
        &[
            "verify",
            "-H",
            &header("webhook-id"),
            "-H",
            &header("webhook-timestamp"),
            "-H",
            &header("webhook-signature"),
            "--secret",
            SECRET,
            "--json",
        ],
        body.as_bytes(),
    );
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert_eq!(json_out(&verified)["id"], p["idempotency_key"]);
}

#[test]
fn a_tampered_body_exits_1_with_the_code() {
    let signed = waybill(
        &[
            "sign",
            "--id",
            "msg_1",
            "--timestamp",
            "1614265330",
            "--secret",
            SECRET,
            "--json",
        ],
        br#"{"a":1}"#,
    );
    assert!(signed.status.success());
    let sig = json_out(&signed)["signature"].as_str().unwrap().to_string();
    let out = waybill(
        &[
            "verify",
            "-H",
            "webhook-id: msg_1",
            "-H",
            "webhook-timestamp: 1614265330",
            "-H",
            &format!("webhook-signature: {sig}"),
            "--secret",
            SECRET,
            "--now",
            "1614265330",
        ],
        br#"{"a":2}"#,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("signature.mismatch"));
}

#[test]
fn an_invalid_event_exits_1_and_lists_every_violation_as_json() {
    let out = waybill(
        &["validate", "--json"],
        br#"{"event_type":"lead.submitted"}"#,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = &json_out(&out)["error"];
    assert_eq!(err["code"], "envelope.missing_field");
    assert!(err["errors"].as_array().unwrap().len() >= 5);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(waybill(&["frobnicate"], b"").status.code(), Some(2));
    assert_eq!(
        waybill(&["sign", "--secret", SECRET], b"").status.code(),
        Some(2)
    );
    assert_eq!(waybill(&["prepare", "--bogus"], b"").status.code(), Some(2));
}

#[test]
fn keygen_and_id_print_usable_values() {
    let secret = String::from_utf8(waybill(&["keygen"], b"").stdout).unwrap();
    assert!(secret.trim().starts_with("whsec_"));
    let pair = json_out(&waybill(&["keygen", "--ed25519", "--json"], b""));
    assert!(pair["secret_key"].as_str().unwrap().starts_with("whsk_"));
    assert!(pair["public_key"].as_str().unwrap().starts_with("whpk_"));
    let derive = [
        "id",
        "--prefix",
        "lead",
        "--site-key",
        "0123456789abcdef",
        "--natural-key",
        "n",
    ];
    let (a, b) = (waybill(&derive, b""), waybill(&derive, b""));
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn contract_diff_flags_a_breaking_change_without_a_major_bump() {
    let dir = std::env::temp_dir().join(format!("waybill-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let old = dir.join("old.json");
    let new = dir.join("new.json");
    std::fs::write(&old, r#"{"event_type":"a.b","version":"1.0","schema":{"type":"object","properties":{"x":{"type":"string"}}}}"#).unwrap();
    std::fs::write(
        &new,
        r#"{"event_type":"a.b","version":"1.1","schema":{"type":"object","properties":{}}}"#,
    )
    .unwrap();
    let out = waybill(
        &[
            "contract",
            "diff",
            old.to_str().unwrap(),
            new.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("field_removed"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("contract.mismatch"));
    let args = [
        "contract",
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--json",
    ];
    let json = waybill(&args, b"");
    assert_eq!(json.status.code(), Some(1));
    assert_eq!(json_out(&json)["changes"][0]["kind"], "field_removed");
    let list = waybill(&["contract", "list"], b"");
    assert!(String::from_utf8_lossy(&list.stdout).contains("lead.submitted@1.0"));
}
