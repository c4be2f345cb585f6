#!/usr/bin/env bash
# Waybill's WordPress bench (issue "Speed"): form response vs a synchronous
# wp_remote_post() form, capture p50/p99, delivery throughput of N events with
# 1 and 4 workers vs one wp_remote_post() per event (to an nginx sink on
# 127.0.0.1; the form comparison uses the mock receiver's 300 ms mode).
#
#   tests/wordpress/bench/run-bench.sh [--events=2000] [--captures=2000] [--forms=40] [--json=FILE]
#
# Uses the environment of tests/e2e/wp/up.sh when WAYBILL_WP_URL is set;
# otherwise brings up a throw-away one and removes it afterwards.
set -uo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
E2E="$BENCH_DIR/../../e2e/wp"
source "$E2E/lib.sh"

own_env=0
if [ -z "${WAYBILL_WP_URL:-}" ]; then
  own_env=1
  export WAYBILL_WP_STATE="$(mktemp -d "${TMPDIR:-/tmp}/waybill-wp-bench.XXXXXX")"
  chmod 755 "$WAYBILL_WP_STATE"
  trap '"$E2E/down.sh" --purge >/dev/null 2>&1' EXIT
  # More server workers: the form bench and the loopback may overlap.
  env_out="$(WAYBILL_WP_WORKERS=4 "$E2E/up.sh")" || die "the environment did not come up"
  eval "$env_out"
fi

# A fast loopback sink for the throughput runs (nginx answers 200 and logs
# each webhook-id), so the receiver's own CPU cost does not hide the sender's.
SINK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/waybill-sink.XXXXXX")"
SINK_PORT="$(free_port)"
mkdir -p "$SINK_DIR/logs"
cat >"$SINK_DIR/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
pid $SINK_DIR/nginx.pid;
error_log $SINK_DIR/logs/error.log;
events { worker_connections 1024; }
http {
  log_format ids '\$http_webhook_id \$status';
  access_log $SINK_DIR/logs/access.log ids;
  client_body_temp_path $SINK_DIR/body;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$SINK_PORT;
    location / { client_max_body_size 1m; return 200 "ok"; }
  }
}
NGINX
setsid nginx -p "$SINK_DIR" -c "$SINK_DIR/nginx.conf" </dev/null >/dev/null 2>&1 &
SINK_PID=$!
stop_sink() { kill -TERM -- "-$SINK_PID" 2>/dev/null; sleep 0.3; rm -rf "$SINK_DIR"; }
wait_for 10 curl -fsS -o /dev/null -X POST "http://127.0.0.1:$SINK_PORT/" || die "the nginx sink did not start"
export WAYBILL_BENCH_SINK_URL="http://127.0.0.1:$SINK_PORT" WAYBILL_BENCH_SINK_LOG="$SINK_DIR/logs/access.log"

mkdir -p "$WAYBILL_WP_ROOT/wp-content/mu-plugins"
ln -sfn "$BENCH_DIR/peer-sync-form.php" "$WAYBILL_WP_ROOT/wp-content/mu-plugins/waybill-bench-peer.php"
# shellcheck disable=SC2086
$WAYBILL_PHP -d memory_limit=1G "$BENCH_DIR/bench.php" "$@"
rc=$?
rm -f "$WAYBILL_WP_ROOT/wp-content/mu-plugins/waybill-bench-peer.php"
stop_sink
exit $rc
