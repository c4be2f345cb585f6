#!/usr/bin/env python3
"""Writes the conformance vectors in this folder.

Expected results are written by hand or computed here with independent
oracles (Python's json, hmac and the `cryptography` package), never by
calling Waybill. Run it after changing a case: `python3 tests/vectors/generate.py`.
"""
import base64
import copy
import hashlib
import hmac
import json
import os

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

HERE = os.path.dirname(os.path.abspath(__file__))
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# Standard Webhooks' published example.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TS = 1614265330
SPEC_BODY = '{"test": 2432232314}'
SPEC_SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

SECRET_A = "whsec_" + base64.b64encode(bytes(range(32))).decode()
SECRET_B = "whsec_" + base64.b64encode(bytes(range(100, 132))).decode()
ED_SEED = bytes(range(200, 232))
WHSK = "whsk_" + base64.b64encode(ED_SEED).decode()
ED_KEY = Ed25519PrivateKey.from_private_bytes(ED_SEED)
ED_PUB = ED_KEY.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
WHPK = "whpk_" + base64.b64encode(ED_PUB).decode()
SITE_KEY = "site-key-for-vectors-0123456789"
NOW = 1767225600  # 2026-01-01T00:00:00Z
NOW_TEXT = "2026-01-01T00:00:00Z"
KEY1 = "lead_01JGZ8X6M7W8Y9Z0A1B2C3D4E5"


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def secret_bytes(secret):
    return base64.b64decode(secret.split("_", 1)[1])


def v1(secret, msg_id, ts, body):
    if isinstance(body, str):
        body = body.encode()
    mac = hmac.new(secret_bytes(secret), f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def v1a(msg_id, ts, body):
    if isinstance(body, str):
        body = body.encode()
    return "v1a," + base64.b64encode(ED_KEY.sign(f"{msg_id}.{ts}.".encode() + body)).decode()


def derive(prefix, site_key, natural):
    data = b"waybill.idempotency.v1\0" + prefix.encode() + b"\0" + natural.encode()
    mac = hmac.new(site_key.encode(), data, hashlib.sha256).digest()
    value = int.from_bytes(mac[:16], "big") >> 2
    chars = [CROCKFORD[(value >> (5 * (25 - i))) & 31] for i in range(26)]
    return prefix + "_" + "".join(chars)


def keyed_hash(value):
    return "hmac-sha256:" + hmac.new(SITE_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def ok(result):
    return {"ok": result}


def err(code, pointer="", errors=None):
    out = {"code": code, "pointer": pointer}
    if errors is not None:
        out["errors"] = [{"code": c, "pointer": p} for c, p in errors]
    return {"error": out}


def verr(*violations):
    """A validation failure: the first violation names it, all are listed."""
    code, pointer = violations[0]
    return err(code, pointer, list(violations))


FILES = {}


def case(file, name, op, input, expect):
    FILES.setdefault(file, []).append({"name": name, "op": op, "input": input, "expect": expect})


def lead(**data_overrides):
    data = {"name": "Ada Lovelace", "email": "ada@example.com", "company": "Analytical Engines",
            "message": "Please call me about the engine.", "consent": True}
    data.update(data_overrides)
    return {"version": "1.0", "event_type": "lead.submitted", "idempotency_key": KEY1,
            "source": "wordpress-contact-form", "entity": {"type": "lead", "id": 4821},
            "timestamp": "2026-01-01T00:00:00Z", "consent": True, "actor": "anonymous",
            "data": data, "metadata": {"site": "https://example.com", "locale": "en_US"}}


def without(d, *keys):
    d = copy.deepcopy(d)
    for k in keys:
        d.pop(k, None)
    return d


def with_data(event, **changes):
    event = copy.deepcopy(event)
    for k, v in changes.items():
        if v is None:
            event["data"].pop(k, None)
        else:
            event["data"][k] = v
    return event


def j(value):
    return json.dumps(value, ensure_ascii=False)


# ---------------------------------------------------------------- json
F = "json.json"
case(F, "sorts keys and drops whitespace", "canonicalize", {"json": '{ "b": 1, "a": [ true, false, null ] }'}, ok({"body": '{"a":[true,false,null],"b":1}'}))
case(F, "sorts nested keys by code point", "canonicalize", {"json": '{"z":{"é":1,"e":2,"E":3},"a":0}'}, ok({"body": '{"a":0,"z":{"E":3,"e":2,"é":1}}'}))
case(F, "keeps integers above 2^53 exact", "canonicalize", {"json": '{"id": 9007199254740993}'}, ok({"body": '{"id":9007199254740993}'}))
case(F, "keeps a 30-digit integer exact", "canonicalize", {"json": "[123456789012345678901234567890,-5]"}, ok({"body": "[123456789012345678901234567890,-5]"}))
case(F, "keeps decimals as written", "canonicalize", {"json": "[1.50,0.1,-0.0]"}, ok({"body": "[1.50,0.1,-0.0]"}))
case(F, "writes exponents with a sign", "canonicalize", {"json": "[1E5,2e-3,3e+2]"}, ok({"body": "[1e+5,2e-3,3e+2]"}))
case(F, "unescapes printable text", "canonicalize", {"json": '"Caf\\u00e9 \\u2713"'}, ok({"body": '"Café ✓"'}))
case(F, "never writes escaped slashes", "canonicalize", {"json": '"https:\\/\\/example.com\\/a"'}, ok({"body": '"https://example.com/a"'}))
case(F, "joins surrogate pairs", "canonicalize", {"json": '"\\ud83d\\ude00"'}, ok({"body": '"😀"'}))
case(F, "escapes control characters", "canonicalize", {"json": '"a\\u0001b\\nc\\td\\u001f"'}, ok({"body": '"a\\u0001b\\nc\\td\\u001f"'}))
case(F, "leaves DEL and line separators raw", "canonicalize", {"json": '"\\u007f\\u2028"'}, ok({"body": '"\u007f\u2028"'}))
case(F, "escapes quote and backslash only", "canonicalize", {"json": '"say \\"hi\\" \\\\ <b>&amp;"'}, ok({"body": '"say \\"hi\\" \\\\ <b>&amp;"'}))
case(F, "canonical form is a fixed point", "canonicalize", {"json": '{"a":"Café ✓","b":[1.50,9007199254740993]}'}, ok({"body": '{"a":"Café ✓","b":[1.50,9007199254740993]}'}))
case(F, "accepts a depth exactly at the limit", "canonicalize", {"json": "[[[1]]]", "options": {"limits": {"max_depth": 3}}}, ok({"body": "[[[1]]]"}))
case(F, "rejects invalid UTF-8", "canonicalize", {"json_base64": base64.b64encode(b'{"a":"\xff"}').decode()}, err("input.invalid_utf8"))
case(F, "rejects overlong UTF-8", "canonicalize", {"json_base64": base64.b64encode(b'"\xc0\xaf"').decode()}, err("input.invalid_utf8"))
case(F, "rejects a trailing comma", "canonicalize", {"json": '{"a":1,}'}, err("input.invalid_json"))
case(F, "rejects single quotes", "canonicalize", {"json": "{'a':1}"}, err("input.invalid_json"))
case(F, "rejects an unterminated string", "canonicalize", {"json": '{"a":"x'}, err("input.invalid_json", "/a"))
case(F, "rejects NaN", "canonicalize", {"json": "[NaN]"}, err("input.invalid_json", "/0"))
case(F, "rejects leading zeros", "canonicalize", {"json": "[01]"}, err("input.invalid_json"))
case(F, "rejects a lone surrogate", "canonicalize", {"json": '["\\ud800"]'}, err("input.invalid_json", "/0"))
case(F, "rejects text after the value", "canonicalize", {"json": "{} {}"}, err("input.invalid_json"))
case(F, "rejects an empty body", "canonicalize", {"json": ""}, err("input.invalid_json"))
case(F, "rejects a raw control character in a string", "canonicalize", {"json": '"a\tb"'}, err("input.invalid_json"))
case(F, "rejects a duplicate key", "canonicalize", {"json": '{"a":1,"a":2}'}, err("input.duplicate_key", "/a"))
case(F, "points at a nested duplicate key", "canonicalize", {"json": '{"data":{"x/y":1,"x/y":2}}'}, err("input.duplicate_key", "/data/x~1y"))
case(F, "rejects escaped and raw duplicates alike", "canonicalize", {"json": '{"é":1,"\\u00e9":2}'}, err("input.duplicate_key", "/é"))
case(F, "rejects nesting past the limit", "canonicalize", {"json": "[[[[1]]]]", "options": {"limits": {"max_depth": 3}}}, err("input.too_deep", "/0/0/0"))
case(F, "rejects default nesting past 32", "canonicalize", {"json": "[" * 33 + "]" * 33}, err("input.too_deep", "/0" * 32))
case(F, "rejects a string past the limit", "canonicalize", {"json": '{"a":"123456"}', "options": {"limits": {"max_string_bytes": 5}}}, err("input.string_too_long", "/a"))
case(F, "accepts a string exactly at the limit", "canonicalize", {"json": '{"a":"12345"}', "options": {"limits": {"max_string_bytes": 5}}}, ok({"body": '{"a":"12345"}'}))
case(F, "rejects an array past the limit", "canonicalize", {"json": "[1,2,3,4]", "options": {"limits": {"max_array_items": 3}}}, err("input.too_many_items"))
case(F, "rejects an object past the limit", "canonicalize", {"json": '{"a":1,"b":2}', "options": {"limits": {"max_array_items": 1}}}, err("input.too_many_items"))
case(F, "rejects a body past the limit", "canonicalize", {"json": '{"a":"0123456789"}', "options": {"limits": {"max_body_bytes": 10}}}, err("input.too_large"))
case(F, "rejects an unknown option", "canonicalize", {"json": "{}", "options": {"colour": "blue"}}, err("options.invalid", "/options/colour"))
case(F, "rejects an unknown limit", "canonicalize", {"json": "{}", "options": {"limits": {"max_width": 3}}}, err("options.invalid", "/options/limits/max_width"))
case(F, "refuses a depth limit above the ceiling of 256", "canonicalize", {"json": "{}", "options": {"limits": {"max_depth": 257}}}, err("options.invalid", "/options/limits/max_depth"))
case(F, "accepts a depth limit at the ceiling", "canonicalize", {"json": "[" * 100 + "]" * 100, "options": {"limits": {"max_depth": 256}}}, ok({"body": "[" * 100 + "]" * 100}))
case(F, "rejects a zero limit", "canonicalize", {"json": "{}", "options": {"limits": {"max_depth": 0}}}, err("options.invalid", "/options/limits/max_depth"))

# ---------------------------------------------------------------- signatures
F = "signature.json"
def hdrs(msg_id, ts, sig):
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": sig}

spec_opts = {"verify_keys": [SPEC_SECRET], "now": SPEC_TS}
assert v1(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY) == SPEC_SIG
case(F, "signs the spec's published example", "sign", {"id": SPEC_ID, "timestamp": SPEC_TS, "body": SPEC_BODY, "keys": [SPEC_SECRET]}, ok({"signature": SPEC_SIG}))
case(F, "verifies the spec's published example", "verify", {"body": SPEC_BODY, "headers": hdrs(SPEC_ID, SPEC_TS, SPEC_SIG), "options": spec_opts}, ok({"id": SPEC_ID, "timestamp": SPEC_TS}))
case(F, "matches header names case-insensitively", "verify", {"body": SPEC_BODY, "headers": {"Webhook-Id": SPEC_ID, "WEBHOOK-TIMESTAMP": str(SPEC_TS), "Webhook-Signature": SPEC_SIG}, "options": spec_opts}, ok({"id": SPEC_ID, "timestamp": SPEC_TS}))

cafe = '{"note":"Café ✓","url":"https://example.com/a/b"}'
cafe_escaped = '{"note":"Caf\\u00e9 \\u2713","url":"https:\\/\\/example.com\\/a\\/b"}'
cafe_sig = v1(SECRET_A, "msg_cafe", NOW, cafe)
opts_a = {"verify_keys": [SECRET_A], "now": NOW}
case(F, "signs exactly the UTF-8 bytes sent", "sign", {"id": "msg_cafe", "timestamp": NOW, "body": cafe, "keys": [SECRET_A]}, ok({"signature": cafe_sig}))
case(F, "verifies the exact bytes of a URL and Café body", "verify", {"body": cafe, "headers": hdrs("msg_cafe", NOW, cafe_sig), "options": opts_a}, ok({"id": "msg_cafe", "timestamp": NOW}))
case(F, "refuses the same body re-escaped with \\/ and \\u00e9", "verify", {"body": cafe_escaped, "headers": hdrs("msg_cafe", NOW, cafe_sig), "options": opts_a}, err("signature.mismatch", "/headers/webhook-signature"))
esc_sig = v1(SECRET_A, "msg_esc", NOW, cafe_escaped)
case(F, "verifies an escaped body over its raw bytes", "verify", {"body": cafe_escaped, "headers": hdrs("msg_esc", NOW, esc_sig), "options": opts_a}, ok({"id": "msg_esc", "timestamp": NOW}))

compact = '{"event":"order.paid","id":42}'
pretty = '{\n  "event": "order.paid",\n  "id": 42\n}'
rsig = v1(SECRET_A, "msg_rx", NOW, compact)
case(F, "receiver case 1: the exact raw body passes", "verify", {"body": compact, "headers": hdrs("msg_rx", NOW, rsig), "options": opts_a}, ok({"id": "msg_rx", "timestamp": NOW}))
case(F, "receiver case 2: signed compact but sent pretty fails", "verify", {"body": pretty, "headers": hdrs("msg_rx", NOW, rsig), "options": opts_a}, err("signature.mismatch", "/headers/webhook-signature"))
case(F, "receiver case 3: an altered body fails", "verify", {"body": compact.replace("42", "43"), "headers": hdrs("msg_rx", NOW, rsig), "options": opts_a}, err("signature.mismatch", "/headers/webhook-signature"))
case(F, "receiver case 4: a stale timestamp fails", "verify", {"body": compact, "headers": hdrs("msg_rx", NOW - 3600, v1(SECRET_A, "msg_rx", NOW - 3600, compact)), "options": opts_a}, err("signature.timestamp_out_of_range", "/headers/webhook-timestamp"))
case(F, "receiver case 5: a missing signature header fails", "verify", {"body": compact, "headers": {"webhook-id": "msg_rx", "webhook-timestamp": str(NOW)}, "options": opts_a}, err("signature.missing_header", "/headers/webhook-signature"))
case(F, "receiver case 6: a malformed signature fails", "verify", {"body": compact, "headers": hdrs("msg_rx", NOW, "v1 " + rsig[3:]), "options": opts_a}, err("signature.malformed", "/headers/webhook-signature"))
case(F, "a missing id header fails", "verify", {"body": compact, "headers": {"webhook-timestamp": str(NOW), "webhook-signature": rsig}, "options": opts_a}, err("signature.missing_header", "/headers/webhook-id"))
case(F, "a missing timestamp header fails", "verify", {"body": compact, "headers": {"webhook-id": "msg_rx", "webhook-signature": rsig}, "options": opts_a}, err("signature.missing_header", "/headers/webhook-timestamp"))
case(F, "an empty signature header counts as missing", "verify", {"body": compact, "headers": hdrs("msg_rx", NOW, " "), "options": opts_a}, err("signature.missing_header", "/headers/webhook-signature"))
case(F, "a signature that is not base64 is malformed", "verify", {"body": compact, "headers": hdrs("msg_rx", NOW, "v1,***"), "options": opts_a}, err("signature.malformed", "/headers/webhook-signature"))
case(F, "a v1 signature of the wrong length is malformed", "verify", {"body": compact, "headers": hdrs("msg_rx", NOW, "v1," + base64.b64encode(b"short").decode()), "options": opts_a}, err("signature.malformed", "/headers/webhook-signature"))
case(F, "a bad version token is malformed", "verify", {"body": compact, "headers": hdrs("msg_rx", NOW, "v-1," + rsig[3:]), "options": opts_a}, err("signature.malformed", "/headers/webhook-signature"))
case(F, "an unreadable token next to a valid signature is skipped", "verify", {"body": compact, "headers": hdrs("msg_rx", NOW, "v1,AAAA junk " + rsig), "options": opts_a}, ok({"id": "msg_rx", "timestamp": NOW}))
case(F, "unknown versions are skipped", "verify", {"body": compact, "headers": hdrs("msg_rx", NOW, "v2,Zm9v " + rsig), "options": opts_a}, ok({"id": "msg_rx", "timestamp": NOW}))
case(F, "only unknown versions is a mismatch", "verify", {"body": compact, "headers": hdrs("msg_rx", NOW, "v2,Zm9v"), "options": opts_a}, err("signature.mismatch", "/headers/webhook-signature"))
case(F, "a wrong key is a mismatch", "verify", {"body": compact, "headers": hdrs("msg_rx", NOW, rsig), "options": {"verify_keys": [SECRET_B], "now": NOW}}, err("signature.mismatch", "/headers/webhook-signature"))
for delta, name, expect_ok in [(-300, "exactly 300 s old passes", True), (-301, "301 s old fails", False), (300, "exactly 300 s ahead passes", True), (301, "301 s ahead fails", False)]:
    ts = NOW + delta
    expect = ok({"id": "msg_tol", "timestamp": ts}) if expect_ok else err("signature.timestamp_out_of_range", "/headers/webhook-timestamp")
    case(F, "tolerance: " + name, "verify", {"body": compact, "headers": hdrs("msg_tol", ts, v1(SECRET_A, "msg_tol", ts, compact)), "options": opts_a}, expect)
case(F, "tolerance: a custom window of 10 s", "verify", {"body": compact, "headers": hdrs("msg_tol", NOW - 11, v1(SECRET_A, "msg_tol", NOW - 11, compact)), "options": {"verify_keys": [SECRET_A], "now": NOW, "tolerance": 10}}, err("signature.timestamp_out_of_range", "/headers/webhook-timestamp"))
case(F, "tolerance: zero accepts only now", "verify", {"body": compact, "headers": hdrs("msg_tol", NOW, v1(SECRET_A, "msg_tol", NOW, compact)), "options": {"verify_keys": [SECRET_A], "now": NOW, "tolerance": 0}}, ok({"id": "msg_tol", "timestamp": NOW}))
case(F, "a timestamp that is not digits is invalid", "verify", {"body": compact, "headers": hdrs("msg_rx", "1767225600.5", rsig), "options": opts_a}, err("signature.invalid_timestamp", "/headers/webhook-timestamp"))
case(F, "a negative timestamp is invalid", "verify", {"body": compact, "headers": hdrs("msg_rx", "-5", rsig), "options": opts_a}, err("signature.invalid_timestamp", "/headers/webhook-timestamp"))
case(F, "an id with a dot is invalid", "verify", {"body": compact, "headers": hdrs("msg.rx", NOW, rsig), "options": opts_a}, err("signature.invalid_id", "/headers/webhook-id"))
case(F, "signing refuses an id with a dot", "sign", {"id": "msg.1", "timestamp": NOW, "body": compact, "keys": [SECRET_A]}, err("signature.invalid_id"))
case(F, "signing refuses a negative timestamp", "sign", {"id": "msg_1", "timestamp": -1, "body": compact, "keys": [SECRET_A]}, err("signature.invalid_timestamp"))

both = v1(SECRET_A, "msg_rot", NOW, compact) + " " + v1(SECRET_B, "msg_rot", NOW, compact)
case(F, "rotation: signs with every key in order", "sign", {"id": "msg_rot", "timestamp": NOW, "body": compact, "keys": [SECRET_A, SECRET_B]}, ok({"signature": both}))
case(F, "rotation: a verifier holding only the old key passes", "verify", {"body": compact, "headers": hdrs("msg_rot", NOW, both), "options": {"verify_keys": [SECRET_A], "now": NOW}}, ok({"id": "msg_rot", "timestamp": NOW}))
case(F, "rotation: a verifier holding only the new key passes", "verify", {"body": compact, "headers": hdrs("msg_rot", NOW, both), "options": {"verify_keys": [SECRET_B], "now": NOW}}, ok({"id": "msg_rot", "timestamp": NOW}))
case(F, "rotation: a verifier holding both keys passes one signature", "verify", {"body": compact, "headers": hdrs("msg_rot", NOW, v1(SECRET_B, "msg_rot", NOW, compact)), "options": {"verify_keys": [SECRET_A, SECRET_B], "now": NOW}}, ok({"id": "msg_rot", "timestamp": NOW}))

ed_sig = v1a("msg_ed", NOW, compact)
case(F, "Ed25519: signs v1a", "sign", {"id": "msg_ed", "timestamp": NOW, "body": compact, "keys": [WHSK]}, ok({"signature": ed_sig}))
case(F, "Ed25519: verifies with the public key only", "verify", {"body": compact, "headers": hdrs("msg_ed", NOW, ed_sig), "options": {"verify_keys": [WHPK], "now": NOW}}, ok({"id": "msg_ed", "timestamp": NOW}))
case(F, "Ed25519: a signing key verifies through its public half", "verify", {"body": compact, "headers": hdrs("msg_ed", NOW, ed_sig), "options": {"verify_keys": [WHSK], "now": NOW}}, ok({"id": "msg_ed", "timestamp": NOW}))
case(F, "Ed25519: an altered body fails", "verify", {"body": compact + " ", "headers": hdrs("msg_ed", NOW, ed_sig), "options": {"verify_keys": [WHPK], "now": NOW}}, err("signature.mismatch", "/headers/webhook-signature"))
case(F, "Ed25519: an HMAC secret does not accept a v1a signature", "verify", {"body": compact, "headers": hdrs("msg_ed", NOW, ed_sig), "options": {"verify_keys": [SECRET_A], "now": NOW}}, err("signature.mismatch", "/headers/webhook-signature"))
mixed = v1(SECRET_A, "msg_mix", NOW, compact) + " " + v1a("msg_mix", NOW, compact)
case(F, "Ed25519 and HMAC side by side", "sign", {"id": "msg_mix", "timestamp": NOW, "body": compact, "keys": [SECRET_A, WHSK]}, ok({"signature": mixed}))
case(F, "Ed25519: the public key of a signing key", "public_key", {"secret_key": WHSK}, ok({"public_key": WHPK}))
case(F, "Ed25519: an HMAC secret has no public key", "public_key", {"secret_key": SECRET_A}, err("secret.invalid_key"))
case(F, "Ed25519: a 64-byte signing key with its public half", "sign", {"id": "msg_ed", "timestamp": NOW, "body": compact, "keys": ["whsk_" + base64.b64encode(ED_SEED + ED_PUB).decode()]}, ok({"signature": ed_sig}))
case(F, "Ed25519: a 64-byte key whose halves differ is refused", "sign", {"id": "msg_ed", "timestamp": NOW, "body": compact, "keys": ["whsk_" + base64.b64encode(ED_SEED + bytes(32)).decode()]}, err("secret.invalid_key", "/keys/0"))
case(F, "Ed25519: a public key cannot sign", "sign", {"id": "msg_ed", "timestamp": NOW, "body": compact, "keys": [WHPK]}, err("secret.invalid_key", "/keys/0"))
case(F, "Ed25519: a short public key is refused", "verify", {"body": compact, "headers": hdrs("msg_ed", NOW, ed_sig), "options": {"verify_keys": ["whpk_" + base64.b64encode(bytes(31)).decode()], "now": NOW}}, err("secret.invalid_key", "/options/verify_keys/0"))

bin_body = b"\x00\xff\xfe binary \x80"
case(F, "signs raw binary bytes", "sign", {"id": "msg_bin", "timestamp": NOW, "body_base64": base64.b64encode(bin_body).decode(), "keys": [SECRET_A]}, ok({"signature": v1(SECRET_A, "msg_bin", NOW, bin_body)}))
case(F, "verifies raw binary bytes", "verify", {"body_base64": base64.b64encode(bin_body).decode(), "headers": hdrs("msg_bin", NOW, v1(SECRET_A, "msg_bin", NOW, bin_body)), "options": opts_a}, ok({"id": "msg_bin", "timestamp": NOW}))
case(F, "verify refuses a body past the size limit first", "verify", {"body": compact, "headers": hdrs("msg_rx", NOW, rsig), "options": {"verify_keys": [SECRET_A], "now": NOW, "limits": {"max_body_bytes": 8}}}, err("input.too_large"))

for secret, name, code in [
    ("", "an empty secret", "secret.empty"),
    ("v1,whsec_" + base64.b64encode(bytes(32)).decode(), "a secret pasted with its signature version", "secret.invalid_prefix"),
    (base64.b64encode(bytes(32)).decode(), "a secret without its prefix", "secret.invalid_prefix"),
    ("WHSEC_" + base64.b64encode(bytes(32)).decode(), "an uppercase prefix", "secret.invalid_prefix"),
    ("whsec_not*base64!", "a secret that is not base64", "secret.invalid_base64"),
    ("whsec_", "a prefix with nothing after it", "secret.empty"),
    ("whsec_" + base64.b64encode(bytes(23)).decode(), "a secret of 23 bytes", "secret.too_short"),
    ("whsec_" + base64.b64encode(bytes(65)).decode(), "a secret of 65 bytes", "secret.too_long"),
    ("whsk_" + base64.b64encode(bytes(31)).decode(), "an Ed25519 key of 31 bytes", "secret.invalid_key"),
]:
    case(F, "refuses " + name, "sign", {"id": "msg_1", "timestamp": NOW, "body": "{}", "keys": [SECRET_A, secret]}, err(code, "/keys/1"))
for n in (24, 64):
    s = "whsec_" + base64.b64encode(bytes(range(n))).decode()
    case(F, f"accepts a secret of exactly {n} bytes", "sign", {"id": "msg_1", "timestamp": NOW, "body": "{}", "keys": [s]}, ok({"signature": v1(s, "msg_1", NOW, "{}")}))
s_nopad = "whsec_" + base64.b64encode(bytes(range(25))).decode().rstrip("=")
case(F, "accepts base64 without padding", "sign", {"id": "msg_1", "timestamp": NOW, "body": "{}", "keys": [s_nopad]}, ok({"signature": v1(s_nopad + "===", "msg_1", NOW, "{}")}))
case(F, "signing with no key fails", "sign", {"id": "msg_1", "timestamp": NOW, "body": "{}", "keys": []}, err("secret.none"))
case(F, "verifying with no key fails", "verify", {"body": compact, "headers": hdrs("msg_rx", NOW, rsig), "options": {"now": NOW}}, err("secret.none"))
case(F, "a bad verify key points into the options", "verify", {"body": compact, "headers": hdrs("msg_rx", NOW, rsig), "options": {"verify_keys": [SECRET_A, "whsec_" + base64.b64encode(bytes(10)).decode()], "now": NOW}}, err("secret.too_short", "/options/verify_keys/1"))

# ---------------------------------------------------------------- envelope
F = "envelope.json"
base = lead()
case(F, "accepts a complete lead", "validate", {"event": j(base)}, ok({"event_type": "lead.submitted", "version": "1.0"}))
case(F, "accepts an event without actor and metadata", "validate", {"event": j(without(base, "actor", "metadata"))}, ok({"event_type": "lead.submitted", "version": "1.0"}))
for field in ["version", "event_type", "idempotency_key", "source", "entity", "timestamp", "consent", "data"]:
    e = without(base, field)
    expect = [("envelope.missing_field", "/" + field)]
    case(F, f"requires {field}", "validate", {"event": j(e)}, verr(*expect))
case(F, "rejects an unknown top-level field", "validate", {"event": j(dict(base, email="x@example.com"))}, verr(("envelope.unknown_field", "/email")))
case(F, "rejects a non-object event", "validate", {"event": "[1,2]"}, err("input.not_object"))
case(F, "rejects a string event", "validate", {"event": '"lead"'}, err("input.not_object"))
for v in ["1", "v1.0", "1.0.0", "01.0", 1.0]:
    case(F, f"rejects version {v!r}", "validate", {"event": j(dict(base, version=v))}, verr(("envelope.invalid_version", "/version")))
for t in ["lead", "Lead.Submitted", "lead..submitted", "lead.submitted.", "lead-submitted.x", 7]:
    case(F, f"rejects event_type {t!r}", "validate", {"event": j(dict(base, event_type=t))}, verr(("envelope.invalid_event_type", "/event_type")))
for k in ["lead_01JGZ8X6M7W8Y9Z0A1B2C3D4E", "lead_81JGZ8X6M7W8Y9Z0A1B2C3D4E5", "Lead_01JGZ8X6M7W8Y9Z0A1B2C3D4E5", "lead_01JGZ8X6M7W8Y9Z0A1B2C3D4EU", "01JGZ8X6M7W8Y9Z0A1B2C3D4E5"]:
    case(F, f"rejects idempotency_key {k}", "validate", {"event": j(dict(base, idempotency_key=k))}, verr(("envelope.invalid_idempotency_key", "/idempotency_key")))
case(F, "accepts a string entity id", "validate", {"event": j(dict(base, entity={"type": "lead", "id": "a-17"}))}, ok({"event_type": "lead.submitted", "version": "1.0"}))
case(F, "accepts an entity id above 2^53", "validate", {"event": j(base).replace('"id": 4821', '"id": 9007199254740993')}, ok({"event_type": "lead.submitted", "version": "1.0"}))
for ent, name in [({"type": "lead", "id": 1.5}, "a fractional id"), ({"type": "lead"}, "no id"), ({"type": "lead", "id": 1, "extra": 2}, "an extra field"), ({"type": "", "id": 1}, "an empty type"), ("lead:1", "a string")]:
    case(F, "rejects an entity with " + name, "validate", {"event": j(dict(base, entity=ent))}, verr(("envelope.invalid_entity", "/entity")))
for ts, good in [("2024-02-29T12:00:00Z", True), ("2026-01-01T00:00:00.123456Z", True), ("2023-02-29T12:00:00Z", False), ("2026-01-01T00:00:00+01:00", False), ("2026-01-01T00:00:00", False), ("2026-01-01 00:00:00Z", False), ("2026-13-01T00:00:00Z", False), (1767225600, False)]:
    expect = ok({"event_type": "lead.submitted", "version": "1.0"}) if good else verr(("envelope.invalid_timestamp", "/timestamp"))
    case(F, f"timestamp {ts!r}", "validate", {"event": j(dict(base, timestamp=ts))}, expect)
case(F, "rejects consent that is not a boolean", "validate", {"event": j(dict(base, consent="yes"))}, verr(("envelope.invalid_field", "/consent")))
case(F, "accepts an integer actor", "validate", {"event": j(dict(base, actor=17))}, ok({"event_type": "lead.submitted", "version": "1.0"}))
case(F, "rejects a source hiding a bidi override", "validate", {"event": j(dict(base, source="\u202egnp.exe"))}, verr(("envelope.invalid_field", "/source")))
case(F, "rejects an empty source", "validate", {"event": j(dict(base, source=" "))}, verr(("envelope.invalid_field", "/source")))
case(F, "rejects data that is not an object", "validate", {"event": j(dict(base, data=[1]))}, verr(("envelope.invalid_field", "/data")))
case(F, "rejects metadata that is not an object", "validate", {"event": j(dict(base, metadata="x"))}, verr(("envelope.invalid_field", "/metadata")))
case(F, "rejects an unknown event type", "validate", {"event": j(dict(base, event_type="order.paid"))}, verr(("contract.unknown", "/event_type")))
case(F, "rejects an unknown contract version", "validate", {"event": j(dict(base, version="9.0"))}, verr(("contract.unknown", "/version")))
multi = without(dict(base, color="red", consent="no"), "source")
case(F, "lists every envelope problem", "validate", {"event": j(multi)}, verr(("envelope.unknown_field", "/color"), ("envelope.missing_field", "/source"), ("envelope.invalid_field", "/consent")))

# ---------------------------------------------------------------- contracts
F = "contracts.json"
case(F, "lead: email is required", "validate", {"event": j(with_data(base, email=None))}, verr(("schema.required", "/data/email")))
case(F, "lead: email must be an address", "validate", {"event": j(with_data(base, email="not-an-address"))}, verr(("schema.format", "/data/email")))
case(F, "lead: consent must be true", "validate", {"event": j(with_data(base, consent=False))}, verr(("schema.const", "/data/consent")))
case(F, "lead: \"1\" is not true", "validate", {"event": j(with_data(base, consent="1"))}, verr(("schema.const", "/data/consent")))
case(F, "lead: unknown fields are rejected", "validate", {"event": j(with_data(base, fax="123"))}, verr(("schema.additional_properties", "/data/fax")))
case(F, "lead: phone takes digits and punctuation", "validate", {"event": j(with_data(base, phone="+44 (0)20 7946-0958"))}, ok({"event_type": "lead.submitted", "version": "1.0"}))
case(F, "lead: phone rejects letters", "validate", {"event": j(with_data(base, phone="call me"))}, verr(("schema.pattern", "/data/phone")))
case(F, "lead: name is at most 200 characters", "validate", {"event": j(with_data(base, name="é" * 201))}, verr(("schema.max_length", "/data/name")))
case(F, "lead: name of 200 multibyte characters passes", "validate", {"event": j(with_data(base, name="é" * 200))}, ok({"event_type": "lead.submitted", "version": "1.0"}))
case(F, "lead: message may not be empty", "validate", {"event": j(with_data(base, message=""))}, verr(("schema.min_length", "/data/message")))
case(F, "lead: name must be a string", "validate", {"event": j(with_data(base, name=42))}, verr(("schema.type", "/data/name")))
case(F, "lead: several problems are all listed", "validate", {"event": j(with_data(base, email=None, name=7, fax="1"))}, verr(("schema.required", "/data/email"), ("schema.additional_properties", "/data/fax"), ("schema.type", "/data/name")))

def event(event_type, data, key="evt_01JGZ8X6M7W8Y9Z0A1B2C3D4E5", entity=None):
    return {"version": "1.0", "event_type": event_type, "idempotency_key": key, "source": "tests",
            "entity": entity or {"type": event_type.split(".")[0], "id": 1}, "timestamp": NOW_TEXT,
            "consent": False, "data": data}

prod = {"product_id": 55, "changed_fields": ["price", "stock_quantity"], "price": "19.90", "stock_quantity": 4}
V_OK = lambda t: ok({"event_type": t, "version": "1.0"})
case(F, "product: a valid update", "validate", {"event": j(event("product.updated", prod))}, V_OK("product.updated"))
case(F, "product: \"12000\" is not an integer", "validate", {"event": j(event("product.updated", dict(prod, product_id="12000")))}, verr(("schema.type", "/data/product_id")))
case(F, "product: 1.0 is not an integer id", "validate", {"event": j(event("product.updated", prod)).replace('"product_id": 55', '"product_id": 55.5')}, verr(("schema.type", "/data/product_id")))
case(F, "product: stock may be null", "validate", {"event": j(event("product.updated", dict(prod, stock_quantity=None)))}, V_OK("product.updated"))
case(F, "product: changed_fields may not be empty", "validate", {"event": j(event("product.updated", dict(prod, changed_fields=[])))}, verr(("schema.min_items", "/data/changed_fields")))
case(F, "product: changed_fields are unique", "validate", {"event": j(event("product.updated", dict(prod, changed_fields=["price", "price"])))}, verr(("schema.unique_items", "/data/changed_fields")))
case(F, "product: status is one of the list", "validate", {"event": j(event("product.updated", dict(prod, status="deleted")))}, verr(("schema.enum", "/data/status")))
case(F, "product: product_id is at least 1", "validate", {"event": j(event("product.updated", dict(prod, product_id=0)))}, verr(("schema.minimum", "/data/product_id")))
case(F, "product: a changed field name follows its pattern", "validate", {"event": j(event("product.updated", dict(prod, changed_fields=["Price!"])))}, verr(("schema.pattern", "/data/changed_fields/0")))
draft_req = {"keyword": "espresso grinders", "audience": "home baristas", "content_type": "blog_post", "post_id": 12}
case(F, "draft request: valid", "validate", {"event": j(event("content.draft_requested", draft_req))}, V_OK("content.draft_requested"))
case(F, "draft request: content_type is one of the list", "validate", {"event": j(event("content.draft_requested", dict(draft_req, content_type="poem")))}, verr(("schema.enum", "/data/content_type")))
cls = {"lead_key": KEY1, "score": 87, "segment": "hot", "reasons": ["mentions budget"], "model": {"name": "rules", "version": "1"}}
case(F, "classified: valid", "validate", {"event": j(event("lead.classified", cls))}, V_OK("lead.classified"))
case(F, "classified: at most 20 reasons", "validate", {"event": j(event("lead.classified", dict(cls, reasons=["r"] * 21)))}, verr(("schema.max_items", "/data/reasons")))
case(F, "classified: score at most 100", "validate", {"event": j(event("lead.classified", dict(cls, score=101)))}, verr(("schema.maximum", "/data/score")))
case(F, "classified: score at least 0", "validate", {"event": j(event("lead.classified", dict(cls, score=-1)))}, verr(("schema.minimum", "/data/score")))
case(F, "classified: model needs a version", "validate", {"event": j(event("lead.classified", dict(cls, model={"name": "rules"})))}, verr(("schema.required", "/data/model/version")))
ready = {"request_key": "content_01JGZ8X6M7W8Y9Z0A1B2C3D4E5", "title": "Choosing a grinder", "sections": [{"heading": "Burrs", "body": "<p>Flat or conical.</p>"}], "sources": [{"url": "https://example.com/burrs", "title": "Burrs"}]}
case(F, "draft ready: valid", "validate", {"event": j(event("content.draft_ready", ready))}, V_OK("content.draft_ready"))
case(F, "draft ready: a section needs a body", "validate", {"event": j(event("content.draft_ready", dict(ready, sections=[{"heading": "x"}])))}, verr(("schema.required", "/data/sections/0/body")))
case(F, "draft ready: sources are http(s)", "validate", {"event": j(event("content.draft_ready", dict(ready, sources=[{"url": "ftp://x"}])))}, verr(("schema.pattern", "/data/sources/0/url")))

order_contract = {"event_type": "shop.order_paid", "version": "1.0", "title": "Order paid",
                  "schema": {"type": "object", "required": ["order_id", "total"], "additionalProperties": False,
                             "properties": {"order_id": {"type": "integer"}, "total": {"type": "number", "exclusiveMinimum": 0},
                                            "note": {"type": "string", "x-waybill-sanitize": "multiline"}}}}
order = event("shop.order_paid", {"order_id": 7, "total": 12.5}, key="order_01JGZ8X6M7W8Y9Z0A1B2C3D4E5")
case(F, "custom: a contract given in options validates", "validate", {"event": j(order), "options": {"contracts": [order_contract]}}, V_OK("shop.order_paid"))
case(F, "custom: exclusiveMinimum is a minimum error", "validate", {"event": j(with_data(order, total=0)), "options": {"contracts": [order_contract]}}, verr(("schema.minimum", "/data/total")))
case(F, "custom: unknown without its contract", "validate", {"event": j(order)}, verr(("contract.unknown", "/event_type")))
case(F, "register: a custom contract", "register", {"contract": j(order_contract)}, ok({"event_type": "shop.order_paid", "version": "1.0"}))
case(F, "register: not JSON", "register", {"contract": "{"}, err("contract.invalid"))
case(F, "register: a bad event type", "register", {"contract": j(dict(order_contract, event_type="Order"))}, err("contract.invalid", "/event_type"))
case(F, "register: a bad version", "register", {"contract": j(dict(order_contract, version="1"))}, err("contract.invalid", "/version"))
case(F, "register: no schema", "register", {"contract": j(without(order_contract, "schema"))}, err("contract.invalid", "/schema"))
case(F, "register: an unknown field", "register", {"contract": j(dict(order_contract, owner="me"))}, err("contract.invalid", "/owner"))
case(F, "register: a schema that does not compile", "register", {"contract": j(dict(order_contract, schema={"type": "objekt"}))}, err("contract.invalid", "/schema"))
case(F, "register: an external $ref is refused", "register", {"contract": j(dict(order_contract, schema={"$ref": "https://example.com/s.json"}))}, err("contract.invalid", "/schema"))
bad_ann = copy.deepcopy(order_contract); bad_ann["schema"]["properties"]["note"]["x-waybill-sanitize"] = "shout"
case(F, "register: an unknown sanitizer", "register", {"contract": j(bad_ann)}, err("contract.invalid_annotation", "/schema/properties/note/x-waybill-sanitize"))
bad_priv = copy.deepcopy(order_contract); bad_priv["schema"]["properties"]["note"]["x-waybill-privacy"] = "hide"
case(F, "register: an unknown privacy mode", "register", {"contract": j(bad_priv)}, err("contract.invalid_annotation", "/schema/properties/note/x-waybill-privacy"))
conflict = copy.deepcopy(order_contract); conflict["schema"]["required"] = ["order_id"]
case(F, "register: the same id with another schema conflicts", "validate", {"event": j(order), "options": {"contracts": [order_contract, conflict]}}, err("contract.conflict", "/options/contracts/1"))
case(F, "register: the same document twice is harmless", "validate", {"event": j(order), "options": {"contracts": [order_contract, order_contract]}}, V_OK("shop.order_paid"))

rules_contract = {"event_type": "test.rules", "version": "1.0", "schema": {"type": "object", "properties": {
    "step": {"type": "integer", "multipleOf": 5}, "tags": {"type": "object", "maxProperties": 2},
    "either": {"anyOf": [{"type": "integer"}, {"type": "boolean"}]}, "one": {"oneOf": [{"type": "integer"}, {"type": "number"}]},
    "never": {"not": {"type": "string"}}, "list": {"type": "array", "contains": {"const": "x"}}, "nothing": False}}}
def rules(name, data, expect):
    e = event("test.rules", data, key="test_01JGZ8X6M7W8Y9Z0A1B2C3D4E5")
    case(F, name, "validate", {"event": j(e), "options": {"contracts": [rules_contract]}}, expect)
rules("rules: multipleOf", {"step": 7}, verr(("schema.multiple_of", "/data/step")))
rules("rules: maxProperties", {"tags": {"a": 1, "b": 2, "c": 3}}, verr(("schema.property_count", "/data/tags")))
rules("rules: anyOf", {"either": "x"}, verr(("schema.combinator", "/data/either")))
rules("rules: oneOf matching twice", {"one": 3}, verr(("schema.combinator", "/data/one")))
rules("rules: not", {"never": "s"}, verr(("schema.combinator", "/data/never")))
rules("rules: contains is another rule", {"list": ["y"]}, verr(("schema.invalid", "/data/list")))
rules("rules: a false schema allows nothing", {"nothing": 1}, verr(("schema.invalid", "/data/nothing")))
rules("rules: all pass", {"step": 10, "tags": {}, "either": True, "one": 1.5, "never": 1, "list": ["x"]}, V_OK("test.rules"))

# ---------------------------------------------------------------- sanitize
F = "sanitize.json"
kinds_contract = {"event_type": "test.sanitize", "version": "1.0",
                  "schema": {"type": "object", "properties": {k: {"type": "string", "x-waybill-sanitize": k} for k in ["text", "multiline", "email", "url", "slug", "html", "raw"]}}}
def san(name, kind, value, expected, changes, file=F):
    e = event("test.sanitize", {kind: value}, key="test_01JGZ8X6M7W8Y9Z0A1B2C3D4E5")
    out = copy.deepcopy(e); out["data"][kind] = expected
    case(file, name, "sanitize", {"event": j(e), "options": {"contracts": [kinds_contract]}},
         ok({"body": canonical(out), "changes": [{"pointer": "/data/" + kind, "kind": c} for c in changes]}))

san("text: a percent-encoded path survives", "text", "See /wiki/Caf%C3%A9", "See /wiki/Caf%C3%A9", [])
san("text: a placeholder survives", "text", "%dept_name%", "%dept_name%", [])
san("text: <3 is not a tag", "text", "I <3 it", "I <3 it", [])
san("text: comparisons survive", "text", "a < b and c > d", "a < b and c > d", [])
san("text: emoji and ZWJ sequences survive", "text", "Team 👩‍💻 ✓ 🇫🇷", "Team 👩‍💻 ✓ 🇫🇷", [])
san("text: right-to-left text survives", "text", "שלום עולם — مرحبا", "שלום עולם — مرحبا", [])
san("text: entities stay as written", "text", "AT&amp;T", "AT&amp;T", [])
san("text: tags are stripped", "text", "Hello <b>world</b>", "Hello world", ["tags_stripped"])
san("text: scripts go with their content", "text", "Hi<script>alert(1)</script> there", "Hi there", ["tags_stripped"])
san("text: comments are removed", "text", "a<!-- hidden -->b", "ab", ["tags_stripped"])
san("text: an unclosed script hidden in nested tags drops the rest", "text", "<<b>script>x", "", ["tags_stripped"])
san("text: control characters are removed", "text", "a\u0000b\u0007c\u009fd", "abcd", ["control_removed"])
san("text: zero-width junk is removed", "text", "\ufeffpay\u200bpal", "paypal", ["invisible_removed"])
san("text: bidi overrides are removed", "text", "abc\u202edcba", "abcdcba", ["invisible_removed"])
san("text: line breaks become spaces", "text", "one\ntwo\tthree", "one two three", ["line_breaks_normalized"])
san("text: decomposed text is normalized to NFC", "text", "Cafe\u0301", "Café", ["normalized_nfc"])
san("text: leading and trailing space is trimmed", "text", "  padded  ", "padded", ["trimmed"])
san("text: several changes are all reported in order", "text", "  <i>x</i>\u200b ", "x", ["invisible_removed", "tags_stripped", "trimmed"])
san("multiline: keeps line breaks and tabs", "multiline", "line 1\n\tline 2", "line 1\n\tline 2", [])
san("multiline: CRLF becomes LF", "multiline", "a\r\nb\rc", "a\nb\nc", ["line_breaks_normalized"])
san("multiline: trailing spaces on lines go", "multiline", "a  \nb", "a\nb", ["trimmed"])
san("multiline: tags are stripped", "multiline", "<p>x</p>\ny", "x\ny", ["tags_stripped"])
san("email: the domain is lowercased", "email", "Ada@Example.COM", "Ada@example.com", ["lowercased"])
san("email: spaces are removed", "email", " ada @example.com ", "ada@example.com", ["whitespace_removed"])
san("email: zero-width junk is removed", "email", "ada\u200b@example.com", "ada@example.com", ["invisible_removed"])
san("url: percent escapes stay encoded", "url", "https://example.com/wiki/Caf%C3%A9?q=%dept_name%", "https://example.com/wiki/Caf%C3%A9?q=%dept_name%", [])
san("url: javascript: is removed", "url", "javascript:alert(1)", "", ["unsafe_url_removed"])
san("url: data: is removed", "url", "DATA:text/html,x", "", ["unsafe_url_removed"])
san("url: spaces are removed", "url", "https://example.com/a b", "https://example.com/ab", ["whitespace_removed"])
san("url: relative paths stay", "url", "/contact?ref=a:b", "/contact?ref=a:b", [])
san("slug: accents and spaces", "slug", "Crème Brûlée Recipe", "creme-brulee-recipe", ["slugified"])
san("slug: already a slug", "slug", "espresso-101", "espresso-101", [])
san("slug: punctuation collapses", "slug", "--Hello,  World!__", "hello-world", ["slugified"])
san("html: paragraphs become lines and entities decode", "html", "<p>Fish &amp; chips</p><p>2 &lt; 3</p>", "Fish & chips\n\n2 < 3", ["tags_stripped", "entities_decoded", "trimmed"])
san("html: numeric entities decode", "html", "caf&#233; &#x2713;", "café ✓", ["entities_decoded"])
san("html: styles go with their content", "html", "<style>p{}</style>Text", "Text", ["tags_stripped"])
san("html: unknown entities stay", "html", "&bogus; & more", "&bogus; & more", [])
san("html: entities nested past every pass never yield a tag", "html", "&" + "amp;" * 7 + "lt;img src=x onerror=alert(3)&" + "amp;" * 7 + "gt;", "img src=x onerror=alert(3)", ["entities_decoded", "tags_stripped"])
san("text: a quoted > inside a tag does not end it", "text", '<a title=">" onmouseover="alert(4)">x</a>', "x", ["tags_stripped"])
san("text: a tag that never closes runs to the end", "text", "hello <img src=x onerror=alert(1) ", "hello", ["tags_stripped", "trimmed"])
san("text: an unclosed comment runs to the end", "text", "a<!-- b", "a", ["tags_stripped"])
san("text: hidden tag characters are removed", "text", "hi\U000E0041\U000E0042", "hi", ["invisible_removed"])
san("text: a flag emoji keeps its tag characters", "text", "\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", "\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", [])
san("text: Hangul fillers are removed", "text", "\u3164x\u115f", "x", ["invisible_removed"])
san("url: an entity-encoded javascript scheme is removed", "url", "javascript&colon;alert(1)", "", ["unsafe_url_removed"])
san("url: a numeric-entity scheme is removed", "url", "javascript&#58;alert(1)", "", ["unsafe_url_removed"])
san("email: tags are stripped", "email", '"<svg/onload=alert(2)>"@x.com', '""@x.com', ["tags_stripped"])
san("raw: nothing changes", "raw", "  <b>\u0000raw\u200b  ", "  <b>\u0000raw\u200b  ", [])

lead_dirty = with_data(base, name="  Ada <b>Lovelace</b> ", message="Hi\r\nthere", email="Ada@Example.com")
lead_dirty["metadata"]["utm_source"] = "news<script>x</script>letter"
clean = with_data(base, name="Ada Lovelace", message="Hi\nthere", email="Ada@example.com")
clean["metadata"]["utm_source"] = "newsletter"
case(F, "lead: every field by its annotation, metadata as text", "sanitize", {"event": j(lead_dirty)},
     ok({"body": canonical(clean), "changes": [{"pointer": "/data/email", "kind": "lowercased"}, {"pointer": "/data/message", "kind": "line_breaks_normalized"}, {"pointer": "/data/name", "kind": "tags_stripped"}, {"pointer": "/data/name", "kind": "trimmed"}, {"pointer": "/metadata/utm_source", "kind": "tags_stripped"}]}))
case(F, "lead: sanitizing a clean event changes nothing", "sanitize", {"event": j(clean)}, ok({"body": canonical(clean), "changes": []}))
cls_dirty = event("lead.classified", dict(cls, reasons=["<em>budget</em>", "ok"]))
cls_clean = event("lead.classified", dict(cls, reasons=["budget", "ok"]))
case(F, "arrays: each item by the items annotation", "sanitize", {"event": j(cls_dirty)}, ok({"body": canonical(cls_clean), "changes": [{"pointer": "/data/reasons/0", "kind": "tags_stripped"}]}))
case(F, "numbers and booleans are untouched", "sanitize", {"event": j(event("product.updated", prod))}, ok({"body": canonical(event("product.updated", prod)), "changes": []}))
case(F, "sanitize needs an object", "sanitize", {"event": "[]"}, err("input.not_object"))

# ---------------------------------------------------------------- prepare
F = "prepare.json"
partial = without(lead(phone="+44 20 7946 0958"), "version", "idempotency_key", "timestamp")
def prepared_event(**over):
    e = lead(phone="***0958")
    e.update(over)
    return e

exp = prepared_event()
body = canonical(exp)
case(F, "signs a complete lead with the given key and now", "prepare", {"event": j(dict(partial, idempotency_key=KEY1)), "options": {"now": NOW, "secrets": [SECRET_A]}},
     ok({"body": body, "idempotency_key": KEY1, "headers": {"content-type": "application/json", "webhook-id": KEY1, "webhook-timestamp": str(NOW), "webhook-signature": v1(SECRET_A, KEY1, NOW, body)}, "changes": []}))
case(F, "without secrets there are no signature headers", "prepare", {"event": j(dict(partial, idempotency_key=KEY1)), "options": {"now": NOW}},
     ok({"body": body, "idempotency_key": KEY1, "headers": {"content-type": "application/json", "webhook-id": KEY1}, "changes": []}))
dkey = derive("lead", SITE_KEY, "form-1|ada@example.com|nonce-9")
exp_d = prepared_event(idempotency_key=dkey)
body_d = canonical(exp_d)
popts = {"now": NOW, "secrets": [SECRET_A], "site_key": SITE_KEY, "natural_key": "form-1|ada@example.com|nonce-9"}
case(F, "derives the key from a natural key: a double submit gets the same key", "prepare", {"event": j(partial), "options": popts},
     ok({"body": body_d, "idempotency_key": dkey, "headers": {"content-type": "application/json", "webhook-id": dkey, "webhook-timestamp": str(NOW), "webhook-signature": v1(SECRET_A, dkey, NOW, body_d)}, "changes": []}))
two = v1(SECRET_A, dkey, NOW, body_d) + " " + v1a(dkey, NOW, body_d)
case(F, "signs with HMAC and Ed25519 at once", "prepare", {"event": j(partial), "options": dict(popts, secrets=[SECRET_A, WHSK])},
     ok({"body": body_d, "idempotency_key": dkey, "headers": {"content-type": "application/json", "webhook-id": dkey, "webhook-timestamp": str(NOW), "webhook-signature": two}, "changes": []}))
pkey = derive("web", SITE_KEY, "n")
case(F, "uses the given id prefix", "prepare", {"event": j(partial), "options": {"now": NOW, "site_key": SITE_KEY, "natural_key": "n", "id_prefix": "web"}},
     ok({"body": canonical(prepared_event(idempotency_key=pkey)), "idempotency_key": pkey, "headers": {"content-type": "application/json", "webhook-id": pkey}, "changes": []}))
hashed = prepared_event(idempotency_key=dkey)
hashed["data"]["email"] = keyed_hash("ada@example.com")
hashed["data"].pop("company")
hashed["data"]["name"] = "A***"
hashed["data"]["name"] = "***"
hashed["data"]["name"] = "A***@x" if False else "***"
hashed["data"]["name"] = "***"
priv = {"/data/email": "hash", "/data/company": "drop", "/data/name": "mask", "/data/phone": "keep"}
hashed["data"]["phone"] = "+44 20 7946 0958"
hashed["data"]["name"] = "***" if len("Ada Lovelace") < 8 else "***" + "Ada Lovelace"[-4:]
case(F, "privacy overrides: hash, drop, mask and keep", "prepare", {"event": j(partial), "options": dict(popts, secrets=[], privacy=priv)},
     ok({"body": canonical(hashed), "idempotency_key": dkey, "headers": {"content-type": "application/json", "webhook-id": dkey}, "changes": []}))
masked_email = prepared_event(idempotency_key=dkey)
masked_email["data"]["email"] = "a***@example.com"
case(F, "privacy: an email is masked to its first letter and domain", "prepare", {"event": j(partial), "options": dict(popts, secrets=[], privacy={"/data/email": "mask"})},
     ok({"body": canonical(masked_email), "idempotency_key": dkey, "headers": {"content-type": "application/json", "webhook-id": dkey}, "changes": []}))
meta_h = prepared_event(idempotency_key=dkey)
meta_h["metadata"]["site"] = keyed_hash("https://example.com")
case(F, "privacy: metadata fields can be hashed too", "prepare", {"event": j(partial), "options": dict(popts, secrets=[], privacy={"/metadata/site": "hash"})},
     ok({"body": canonical(meta_h), "idempotency_key": dkey, "headers": {"content-type": "application/json", "webhook-id": dkey}, "changes": []}))
case(F, "privacy: hashing refuses a short site key", "prepare", {"event": j(dict(partial, idempotency_key=KEY1)), "options": {"now": NOW, "site_key": "x", "privacy": {"/data/email": "hash"}}}, err("secret.invalid_site_key", "/options/site_key"))
case(F, "privacy: overrides outside data and metadata are refused", "prepare", {"event": j(partial), "options": {"now": NOW, "privacy": {"/actor": "drop"}}}, err("options.invalid", "/options/privacy"))
case(F, "now outside the years 1970 to 9999 is refused", "prepare", {"event": j(partial), "options": {"now": 253402300800}}, err("options.invalid", "/options/now"))
case(F, "privacy: hashing needs a site key", "prepare", {"event": j(dict(partial, idempotency_key=KEY1)), "options": {"now": NOW, "privacy": {"/data/email": "hash"}}}, err("secret.invalid_site_key", "/options/site_key"))
case(F, "privacy: an unknown mode is refused", "prepare", {"event": j(partial), "options": {"now": NOW, "privacy": {"/data/email": "blur"}}}, err("options.invalid", "/options/privacy"))
case(F, "fills version and timestamp from now", "prepare", {"event": j(dict(without(partial, "timestamp"), idempotency_key=KEY1)), "options": {"now": NOW + 61}},
     ok({"body": canonical(prepared_event(timestamp="2026-01-01T00:01:01Z")), "idempotency_key": KEY1, "headers": {"content-type": "application/json", "webhook-id": KEY1}, "changes": []}))
big = dict(partial, idempotency_key=KEY1)
big_text = j(big).replace('"id": 4821', '"id": 9007199254740993')
big_body = canonical(prepared_event()).replace('"id":4821', '"id":9007199254740993')
case(F, "keeps an entity id above 2^53 exact", "prepare", {"event": big_text, "options": {"now": NOW}},
     ok({"body": big_body, "idempotency_key": KEY1, "headers": {"content-type": "application/json", "webhook-id": KEY1}, "changes": []}))
dirty = copy.deepcopy(big)
dirty["data"]["message"] = "Hi <b>there</b>\r\n"
dirty_exp = prepared_event()
dirty_exp["data"]["message"] = "Hi there"
case(F, "sanitizes before signing and reports the changes", "prepare", {"event": j(dirty), "options": {"now": NOW, "secrets": [SECRET_A]}},
     ok({"body": canonical(dirty_exp), "idempotency_key": KEY1, "headers": {"content-type": "application/json", "webhook-id": KEY1, "webhook-timestamp": str(NOW), "webhook-signature": v1(SECRET_A, KEY1, NOW, canonical(dirty_exp))},
         "changes": [{"pointer": "/data/message", "kind": "line_breaks_normalized"}, {"pointer": "/data/message", "kind": "tags_stripped"}, {"pointer": "/data/message", "kind": "trimmed"}]}))
case(F, "refuses an invalid lead with every violation", "prepare", {"event": j(with_data(dict(partial, idempotency_key=KEY1), email="nope", consent=False)), "options": {"now": NOW}},
     verr(("schema.const", "/data/consent"), ("schema.format", "/data/email")))
case(F, "a natural key needs a site key", "prepare", {"event": j(partial), "options": {"now": NOW, "natural_key": "x"}}, err("secret.invalid_site_key", "/options/site_key"))
case(F, "a short site key is refused", "prepare", {"event": j(partial), "options": {"now": NOW, "natural_key": "x", "site_key": "short"}}, err("secret.invalid_site_key", "/options/site_key"))
case(F, "an empty natural key is refused", "prepare", {"event": j(partial), "options": {"now": NOW, "natural_key": "", "site_key": SITE_KEY}}, err("id.invalid_natural_key", "/options/natural_key"))
case(F, "a bad id prefix is refused", "prepare", {"event": j(partial), "options": {"now": NOW, "natural_key": "x", "site_key": SITE_KEY, "id_prefix": "Web"}}, err("id.invalid_prefix", "/options/id_prefix"))
case(F, "a bad secret points into the options", "prepare", {"event": j(dict(partial, idempotency_key=KEY1)), "options": {"now": NOW, "secrets": ["whsec_abc"]}}, err("secret.too_short", "/options/secrets/0"))
case(F, "an unknown event type is refused", "prepare", {"event": j(dict(partial, event_type="order.paid", idempotency_key=KEY1)), "options": {"now": NOW}}, err("contract.unknown", "/event_type"))
case(F, "prepare refuses duplicate keys", "prepare", {"event": '{"event_type":"lead.submitted","event_type":"x"}', "options": {"now": NOW}}, err("input.duplicate_key", "/event_type"))
custom_out = event("shop.order_paid", {"order_id": 7, "total": 12.5, "note": "Gift\nwrap"}, key="order_01JGZ8X6M7W8Y9Z0A1B2C3D4E5")
case(F, "prepares a custom contract's event", "prepare", {"event": j(dict(custom_out)).replace("Gift\\nwrap", "Gift\\r\\nwrap"), "options": {"now": NOW, "contracts": [order_contract]}},
     ok({"body": canonical(custom_out), "idempotency_key": "order_01JGZ8X6M7W8Y9Z0A1B2C3D4E5", "headers": {"content-type": "application/json", "webhook-id": "order_01JGZ8X6M7W8Y9Z0A1B2C3D4E5"}, "changes": [{"pointer": "/data/note", "kind": "line_breaks_normalized"}]}))

# ---------------------------------------------------------------- receive
F = "receive.json"
RB = canonical(prepared_event())
def rx(name, body, sig_body=None, ts=NOW, msg_id=KEY1, options=None, expect=None):
    sig = v1(SECRET_A, msg_id, ts, sig_body if sig_body is not None else body)
    case(F, name, "receive", {"body": body, "headers": hdrs(msg_id, ts, sig), "options": options or {"verify_keys": [SECRET_A], "now": NOW}}, expect)
rx("receives a prepared lead", RB, expect=ok({"id": KEY1, "timestamp": NOW, "event_type": "lead.submitted", "version": "1.0", "body": RB}))
pretty_rb = json.dumps(prepared_event(), indent=2, ensure_ascii=True)
rx("receives a pretty, escaped body signed as sent, and returns it canonical", pretty_rb, expect=ok({"id": KEY1, "timestamp": NOW, "event_type": "lead.submitted", "version": "1.0", "body": RB}))
rx("refuses a tampered body before parsing it", RB.replace("Ada", "Eve"), sig_body=RB, expect=err("signature.mismatch", "/headers/webhook-signature"))
rx("refuses a validly signed event that breaks its contract", canonical(with_data(prepared_event(), email=None)), expect=verr(("schema.required", "/data/email")))
rx("refuses a validly signed body that is not JSON", "not json", expect=err("input.invalid_json"))
rx("refuses a validly signed body with duplicate keys", '{"a":1,"a":1}', expect=err("input.duplicate_key", "/a"))
big_rb = RB.replace('"id":4821', '"id":9007199254740993')
rx("keeps an entity id above 2^53 exact", big_rb, expect=ok({"id": KEY1, "timestamp": NOW, "event_type": "lead.submitted", "version": "1.0", "body": big_rb}))
hashed_rb = canonical(hashed)
rx("accepts fields changed by the privacy policy of the contract", canonical(prepared_event()), expect=ok({"id": KEY1, "timestamp": NOW, "event_type": "lead.submitted", "version": "1.0", "body": canonical(prepared_event())}))
private_contract = {"event_type": "test.private", "version": "1.0", "schema": {"type": "object", "required": ["email", "ssn"], "additionalProperties": False,
                    "properties": {"email": {"type": "string", "format": "email", "x-waybill-privacy": "hash"}, "ssn": {"type": "string", "pattern": "^[0-9]{9}$", "x-waybill-privacy": "drop"}}}}
priv_ev = event("test.private", {"email": keyed_hash("ada@example.com")}, key="test_01JGZ8X6M7W8Y9Z0A1B2C3D4E5")
rx("a hashed email and a dropped required field pass on the wire", canonical(priv_ev), msg_id="test_01JGZ8X6M7W8Y9Z0A1B2C3D4E5", options={"verify_keys": [SECRET_A], "now": NOW, "contracts": [private_contract]},
   expect=ok({"id": "test_01JGZ8X6M7W8Y9Z0A1B2C3D4E5", "timestamp": NOW, "event_type": "test.private", "version": "1.0", "body": canonical(priv_ev)}))
case(F, "prepare then receive agree for a private contract", "prepare", {"event": j(event("test.private", {"email": "ada@example.com", "ssn": "123456789"}, key="test_01JGZ8X6M7W8Y9Z0A1B2C3D4E5")), "options": {"now": NOW, "site_key": SITE_KEY, "contracts": [private_contract]}},
     ok({"body": canonical(priv_ev), "idempotency_key": "test_01JGZ8X6M7W8Y9Z0A1B2C3D4E5", "headers": {"content-type": "application/json", "webhook-id": "test_01JGZ8X6M7W8Y9Z0A1B2C3D4E5"}, "changes": []}))
rx("a stale delivery is refused", RB, ts=NOW - 600, expect=err("signature.timestamp_out_of_range", "/headers/webhook-timestamp"))

# ---------------------------------------------------------------- ids
F = "ids.json"
for prefix, natural in [("lead", "form-1|ada@example.com|nonce-9"), ("lead", "form-1|ada@example.com|nonce-10"), ("content", "post-12|req-1"), ("a", "é ✓")]:
    case(F, f"derives {prefix} from {natural!r}", "derive_id", {"prefix": prefix, "site_key": SITE_KEY, "natural_key": natural}, ok({"idempotency_key": derive(prefix, SITE_KEY, natural)}))
case(F, "another site key gives another key", "derive_id", {"prefix": "lead", "site_key": SITE_KEY + "x", "natural_key": "n"}, ok({"idempotency_key": derive("lead", SITE_KEY + "x", "n")}))
case(F, "a site key of exactly 16 bytes", "derive_id", {"prefix": "lead", "site_key": "0123456789abcdef", "natural_key": "n"}, ok({"idempotency_key": derive("lead", "0123456789abcdef", "n")}))
case(F, "a site key of 15 bytes is refused", "derive_id", {"prefix": "lead", "site_key": "0123456789abcde", "natural_key": "n"}, err("secret.invalid_site_key"))
for p in ["", "Lead", "9lead", "lead_x", "abcdefghijklmnopq"]:
    case(F, f"refuses prefix {p!r}", "derive_id", {"prefix": p, "site_key": SITE_KEY, "natural_key": "n"}, err("id.invalid_prefix"))
case(F, "refuses an empty natural key", "derive_id", {"prefix": "lead", "site_key": SITE_KEY, "natural_key": ""}, err("id.invalid_natural_key"))

# ---------------------------------------------------------------- diff
F = "diff.json"
base_c = {"event_type": "lead.submitted", "version": "1.0", "schema": {"type": "object", "additionalProperties": False, "required": ["email", "name"],
          "properties": {"email": {"type": "string", "format": "email"}, "name": {"type": "string", "maxLength": 100}, "tier": {"enum": ["a", "b"]}, "age": {"type": "integer"}}}}
def variant(version, fn):
    c = copy.deepcopy(base_c)
    c["version"] = version
    fn(c["schema"])
    return c
def dcase(name, version, fn, breaking, bump, declared, version_ok, changes):
    case(F, name, "diff", {"old": j(base_c), "new": j(variant(version, fn))},
         ok({"breaking": breaking, "bump": bump, "declared": declared, "version_ok": version_ok,
             "changes": [{"pointer": p, "kind": k, "breaking": b} for p, k, b in changes]}))
dcase("no change needs no bump", "1.0", lambda s: None, False, "none", "none", True, [])
dcase("a new optional field is minor", "1.1", lambda s: s["properties"].update(phone={"type": "string"}), False, "minor", "minor", True, [("/data/phone", "optional_field_added", False)])
dcase("a new required field is major", "2.0", lambda s: (s["properties"].update(phone={"type": "string"}), s["required"].append("phone")), True, "major", "major", True, [("/data/phone", "required_field_added", True)])
dcase("a removed field is major", "2.0", lambda s: s["properties"].pop("age"), True, "major", "major", True, [("/data/age", "field_removed", True)])
dcase("a renamed field is major", "2.0", lambda s: s["properties"].update(years=s["properties"].pop("age")), True, "major", "major", True, [("/data/age", "field_renamed", True)])
dcase("a narrowed type is major", "2.0", lambda s: s["properties"]["email"].update(type="integer"), True, "major", "major", True, [("/data/email", "type_narrowed", True)])
dcase("integer to number widens", "1.1", lambda s: s["properties"]["age"].update(type="number"), False, "minor", "minor", True, [("/data/age", "type_widened", False)])
dcase("a removed enum value is major", "2.0", lambda s: s["properties"]["tier"].update(enum=["a"]), True, "major", "major", True, [("/data/tier", "enum_value_removed", True)])
dcase("an added enum value is minor", "1.1", lambda s: s["properties"]["tier"].update(enum=["a", "b", "c"]), False, "minor", "minor", True, [("/data/tier", "enum_value_added", False)])
dcase("a loosened limit is minor", "1.1", lambda s: s["properties"]["name"].update(maxLength=200), False, "minor", "minor", True, [("/data/name", "limit_loosened", False)])
dcase("a tightened limit is major", "2.0", lambda s: s["properties"]["name"].update(maxLength=50), True, "major", "major", True, [("/data/name", "limit_tightened", True)])
dcase("a new minimum is major", "2.0", lambda s: s["properties"]["age"].update(minimum=18), True, "major", "major", True, [("/data/age", "limit_tightened", True)])
dcase("closing additionalProperties is major", "2.0", lambda s: None, False, "none", "major", True, [])
open_c = copy.deepcopy(base_c); open_c["schema"]["additionalProperties"] = True
case(F, "tightened additionalProperties is major", "diff", {"old": j(open_c), "new": j(base_c)}, ok({"breaking": True, "bump": "major", "declared": "none", "version_ok": False, "changes": [{"pointer": "/data", "kind": "additional_properties_tightened", "breaking": True}]}))
case(F, "opening additionalProperties is minor", "diff", {"old": j(base_c), "new": j(open_c)}, ok({"breaking": False, "bump": "minor", "declared": "none", "version_ok": False, "changes": [{"pointer": "/data", "kind": "additional_properties_loosened", "breaking": False}]}))
dcase("making a field optional is major: consumers may get nothing", "2.0", lambda s: s["required"].remove("name"), True, "major", "major", True, [("/data/name", "field_made_optional", True)])
dcase("making a field required is major", "2.0", lambda s: s["required"].append("age"), True, "major", "major", True, [("/data/age", "field_made_required", True)])
dcase("a new pattern is major", "2.0", lambda s: s["properties"]["name"].update(pattern="^[A-Z]"), True, "major", "major", True, [("/data/name", "pattern_changed", True)])
dcase("a privacy change is major", "2.0", lambda s: s["properties"]["email"].update({"x-waybill-privacy": "hash"}), True, "major", "major", True, [("/data/email", "privacy_changed", True)])
dcase("a sanitizer change is minor", "1.1", lambda s: s["properties"]["name"].update({"x-waybill-sanitize": "raw"}), False, "minor", "minor", True, [("/data/name", "sanitizer_changed", False)])
dcase("a breaking change under a minor bump is flagged", "1.1", lambda s: s["properties"].pop("age"), True, "major", "minor", False, [("/data/age", "field_removed", True)])
dcase("a description change needs nothing", "1.0", lambda s: s["properties"]["name"].update(description="Full name"), False, "none", "none", True, [])
dcase("several changes each get a reason", "2.0", lambda s: (s["properties"].pop("tier"), s["properties"]["name"].update(maxLength=120), s["properties"].update(city={"type": "string"})), True, "major", "major", True,
      [("/data/tier", "field_removed", True), ("/data/city", "optional_field_added", False), ("/data/name", "limit_loosened", False)])
dcase("requiring a name no property describes is major", "2.0", lambda s: s["required"].append("zzz"), True, "major", "major", True, [("/data/zzz", "field_made_required", True)])
case(F, "additionalProperties from open to a schema is major", "diff", {"old": j(open_c), "new": j(variant("2.0", lambda s: s.update(additionalProperties={"type": "integer"})))},
     ok({"breaking": True, "bump": "major", "declared": "major", "version_ok": True, "changes": [{"pointer": "/data/*", "kind": "additional_properties_tightened", "breaking": True}]}))
down = copy.deepcopy(base_c); down["version"] = "0.9"
case(F, "a lower version is never ok", "diff", {"old": j(base_c), "new": j(down)}, ok({"breaking": False, "bump": "none", "declared": "none", "version_ok": False, "changes": []}))
case(F, "comparing different event types fails", "diff", {"old": j(base_c), "new": j(dict(base_c, event_type="lead.updated"))}, err("contract.mismatch", "/event_type"))
case(F, "an invalid contract points at its side", "diff", {"old": j(base_c), "new": "{}"}, err("contract.invalid", "/new/event_type"))


def main():
    total = 0
    for name, cases in sorted(FILES.items()):
        seen = set()
        for c in cases:
            assert c["name"] not in seen, f"duplicate case name {c['name']} in {name}"
            seen.add(c["name"])
        desc = name[:-5]
        with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
            json.dump({"description": f"Waybill conformance vectors: {desc}", "cases": cases}, f, ensure_ascii=False, indent=1)
            f.write("\n")
        total += len(cases)
    print(f"wrote {total} cases in {len(FILES)} files")


if __name__ == "__main__":
    main()
