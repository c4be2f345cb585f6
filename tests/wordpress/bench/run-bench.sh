#!/usr/bin/env bash
# Waybill's WordPress bench (issue "Speed"): form response vs a synchronous
# wp_remote_post() form, capture p50/p99, delivery throughput of N events with
# 1 and 4 workers vs one wp_remote_post() per event.
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

mkdir -p "$WAYBILL_WP_ROOT/wp-content/mu-plugins"
ln -sfn "$BENCH_DIR/peer-sync-form.php" "$WAYBILL_WP_ROOT/wp-content/mu-plugins/waybill-bench-peer.php"
# shellcheck disable=SC2086
$WAYBILL_PHP -d memory_limit=1G "$BENCH_DIR/bench.php" "$@"
rc=$?
rm -f "$WAYBILL_WP_ROOT/wp-content/mu-plugins/waybill-bench-peer.php"
exit $rc
