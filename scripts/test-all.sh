#!/usr/bin/env bash
# Runs every Waybill test suite, on every host, and prints one closing line:
# "N passed, M failed" (suites). Exits non-zero when any suite fails.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

passed=0
failed=0
failures=()

suite() {
  local name="$1"
  shift
  printf '\n======== %s\n' "$name"
  local start=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    printf '======== %s: passed (%ss)\n' "$name" $((SECONDS - start))
  else
    failed=$((failed + 1))
    failures+=("$name")
    printf '======== %s: FAILED (%ss)\n' "$name" $((SECONDS - start))
  fi
}

suite "rustfmt" cargo fmt --all -- --check
suite "clippy" cargo clippy --workspace --all-targets -- -D warnings
suite "core and CLI tests (vectors, properties, units, docs)" cargo test -p waybill -p waybill-cli
suite "core builds for wasm32-unknown-unknown" cargo build -p waybill --target wasm32-unknown-unknown
suite "core builds for wasm32-wasip2" cargo build -p waybill --target wasm32-wasip2
suite "fuzz targets build" cargo build --manifest-path fuzz/Cargo.toml
suite "PHP extension: install, vectors, surface, php-fpm" bash php-ext/test.sh
suite "edge: vectors in Node, workerd, Deno, wasmtime; worker end to end" env WAYBILL_SKIP_INSTALL="${WAYBILL_SKIP_INSTALL:-0}" bash tests/e2e/edge/run-tests.sh
suite "WordPress plugin on real WordPress and MariaDB" bash tests/e2e/wp/run-tests.sh
suite "end to end: form -> edge -> automation -> write-back" bash tests/e2e/demo/run-tests.sh

printf '\n'
for f in "${failures[@]}"; do
  printf 'failed suite: %s\n' "$f"
done
printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
