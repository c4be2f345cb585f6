#!/usr/bin/env bash
# The end-to-end path, asserted (demo.test.mjs): brings the demo's stack up in a temporary
# directory with fresh ports (scripts/demo.sh up), runs the assertions, and tears everything
# down again, also on failure. Exits non-zero on any failed assertion.
#
#   tests/e2e/demo/run-tests.sh
#
# WAYBILL_SKIP_INSTALL=1 installs and builds nothing (the pieces must exist).
# WAYBILL_KEEP=1 leaves the stack running and prints how to stop it.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
say() { printf '[demo-e2e] %s\n' "$*" >&2; }

export WAYBILL_DEMO_STATE="$(mktemp -d "${TMPDIR:-/tmp}/waybill-demo-tests.XXXXXX")"
export WAYBILL_DEMO_SKIP_INSTALL="${WAYBILL_SKIP_INSTALL:-0}"

cleanup() {
  if [ "${WAYBILL_KEEP:-0}" = 1 ]; then
    say "kept running; stop with: WAYBILL_DEMO_STATE=$WAYBILL_DEMO_STATE scripts/demo.sh reset"
  else
    bash "$ROOT/scripts/demo.sh" reset >/dev/null 2>&1
  fi
}
trap cleanup EXIT

started=$SECONDS
env_out="$(bash "$ROOT/scripts/demo.sh" up)" || { say "the stack did not come up"; exit 1; }
eval "$env_out"
say "stack up in $(( SECONDS - started ))s: WordPress $WAYBILL_WP_URL, edge $WAYBILL_EDGE_URL, automation $WAYBILL_AUTOMATION_URL"

# The test imports the built package by its name.
mkdir -p "$HERE/node_modules"
ln -sfn "$ROOT/wasm-pkg/dist/waybill-edge" "$HERE/node_modules/waybill-edge"

node "$HERE/demo.test.mjs"
rc=$?

pattern='PHP Fatal\|WordPress database error\|PHP \(Warning\|Notice\).*waybill/'
if grep -q "$pattern" "$WAYBILL_WP_STATE/logs/wp-debug.log" 2>/dev/null; then
  say "errors in the WordPress debug log:"
  grep "$pattern" "$WAYBILL_WP_STATE/logs/wp-debug.log" | head -20 >&2
  rc=1
fi
say "finished in $(( SECONDS - started ))s with exit code $rc"
exit $rc
