#!/usr/bin/env python3
"""Mock webhook receiver for Waybill's WordPress tests (127.0.0.1 only).

It verifies Standard Webhooks signatures on its own (HMAC-SHA256 `v1` with
`whsec_` secrets; `v1a` Ed25519 signatures are recorded for the tests to check
with libsodium), records every delivery, and answers as told:

  POST /_control/config  {"secrets": [...], "mode": "ok|500|429|410|400|hang|delay",
                          "times": N, "retry_after": "120", "delay_ms": 300, "hang_s": 30}
      "times" applies the mode to the next N requests only, then back to "ok".
  POST /_control/reset   forget deliveries and go back to mode "ok"
  GET  /_control/deliveries   every delivery, oldest first
  GET  /_control/stats        {"total", "unique", "duplicates", "bad_signatures", "by_status"}
  GET  /_control/health       200

Any other POST path is a webhook delivery; paths under /unsigned are not
verified (for the bench's peer, which does not sign).
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_S = 300
MAX_BODY = 1024 * 1024

STATE = {
    "secrets": [],
    "mode": "ok",
    "times": None,
    "retry_after": "120",
    "delay_ms": 300,
    "hang_s": 30,
    "deliveries": [],
}
LOCK = threading.Lock()


def verify(secrets, msg_id, timestamp, body, signature_header):
    """Returns 'ok', 'v1a-only' (needs an Ed25519 check elsewhere) or why it failed."""
    if not msg_id or not timestamp or not signature_header:
        return "missing-header"
    try:
        ts = int(timestamp)
    except ValueError:
        return "bad-timestamp"
    if abs(time.time() - ts) > TOLERANCE_S:
        return "timestamp-out-of-range"
    signed = f"{msg_id}.{timestamp}.".encode() + body
    versions = set()
    for part in signature_header.split(" "):
        version, _, value = part.partition(",")
        versions.add(version)
        if version != "v1":
            continue
        for secret in secrets:
            if not secret.startswith("whsec_"):
                continue
            key = base64.b64decode(secret[len("whsec_"):])
            expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
            if hmac.compare_digest(expected, value):
                return "ok"
    if versions == {"v1a"}:
        return "v1a-only"
    return "mismatch"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "waybill-mock-receiver"
    # One write per response and no Nagle delay: otherwise every keep-alive
    # request waits for a delayed ACK (about 40 ms).
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def log_message(self, *args):  # keep test output quiet
        pass

    def _send(self, status, payload=None, headers=None):
        body = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, MAX_BODY)) if length else b""

    def do_GET(self):
        with LOCK:
            deliveries = list(STATE["deliveries"])
        if self.path == "/_control/health":
            self._send(200, {"ok": True})
        elif self.path == "/_control/deliveries":
            self._send(200, deliveries)
        elif self.path == "/_control/stats":
            ids = [d["id"] for d in deliveries if d["answered"] == 200]
            by_status = {}
            for d in deliveries:
                by_status[str(d["answered"])] = by_status.get(str(d["answered"]), 0) + 1
            self._send(200, {
                "total": len(deliveries),
                "accepted": len(ids),
                "unique": len(set(ids)),
                "duplicates": len(ids) - len(set(ids)),
                "bad_signatures": sum(1 for d in deliveries if d["verdict"] not in ("ok", "v1a-only", "unsigned")),
                "by_status": by_status,
            })
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self):
        body = self._body()
        if self.path.startswith("/_control/"):
            return self._control(body)

        headers = {k.lower(): v for k, v in self.headers.items()}
        with LOCK:
            secrets = list(STATE["secrets"])
            mode = STATE["mode"]
            if STATE["times"] is not None:
                STATE["times"] -= 1
                if STATE["times"] <= 0:
                    STATE["mode"], STATE["times"] = "ok", None
            retry_after, delay_ms, hang_s = STATE["retry_after"], STATE["delay_ms"], STATE["hang_s"]

        if self.path.startswith("/unsigned"):
            # For peers that do not sign (the bench's plain wp_remote_post() loop).
            verdict = "unsigned"
        else:
            verdict = verify(secrets, headers.get("webhook-id"), headers.get("webhook-timestamp"),
                             body, headers.get("webhook-signature"))
        status, extra = 200, {}
        if verdict not in ("ok", "v1a-only", "unsigned"):
            status = 401
        elif mode in ("500", "410", "400"):
            status = int(mode)
        elif mode == "429":
            status, extra = 429, {"Retry-After": retry_after}
        elif mode == "hang":
            time.sleep(hang_s)
        elif mode == "delay":
            time.sleep(delay_ms / 1000.0)

        try:
            event_type = json.loads(body).get("event_type")
        except (ValueError, AttributeError):
            event_type = None
        record = {
            "id": headers.get("webhook-id"),
            "timestamp": headers.get("webhook-timestamp"),
            "signature": headers.get("webhook-signature"),
            "content_type": headers.get("content-type"),
            "path": self.path,
            "event_type": event_type,
            "verdict": verdict,
            "answered": status,
            "received_at": time.time(),
            "body_b64": base64.b64encode(body).decode(),
        }
        with LOCK:
            STATE["deliveries"].append(record)
        self._send(status, {"received": status == 200, "verdict": verdict}, extra)

    def _control(self, body):
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return self._send(400, {"error": "invalid json"})
        with LOCK:
            if self.path == "/_control/reset":
                STATE.update({"deliveries": [], "mode": "ok", "times": None})
            elif self.path == "/_control/config":
                for key in ("secrets", "mode", "times", "retry_after", "delay_ms", "hang_s"):
                    if key in payload:
                        STATE[key] = payload[key]
            else:
                return self._send(404, {"error": "not found"})
            snapshot = {k: v for k, v in STATE.items() if k not in ("deliveries", "secrets")}
        self._send(200, snapshot)


class Server(ThreadingHTTPServer):
    """Threaded server with a listen backlog large enough for bursts of new connections."""

    daemon_threads = True
    request_queue_size = 256


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", action="append", default=[],
                        help="whsec_ secret to verify with (prefer WAYBILL_RECEIVER_SECRETS)")
    args = parser.parse_args()
    # Secrets come from the environment so they never show in the process list.
    env_secrets = os.environ.get("WAYBILL_RECEIVER_SECRETS", "").split()
    STATE["secrets"] = args.secret + env_secrets
    server = Server(("127.0.0.1", args.port), Handler)
    print(f"receiver listening on 127.0.0.1:{args.port}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
