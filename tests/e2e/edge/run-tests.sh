#!/usr/bin/env bash
# Waybill at the edge, all of it: builds the waybill-edge package and the WASI component, then
# runs every vector in Node, Deno and workerd, the edge worker end to end in workerd with a
# real receiver on 127.0.0.1, and every vector in wasmtime. Exits non-zero if anything fails.
#
#   tests/e2e/edge/run-tests.sh              # install missing tools, build, test
#   WAYBILL_SKIP_INSTALL=1 tests/e2e/edge/run-tests.sh
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
DENO="$ROOT/wasm-pkg/node_modules/.bin/deno"

failed=()

step() { printf '\n== %s\n' "$*" >&2; }

run() {
  local name="$1"
  shift
  step "$name"
  if ! "$@"; then
    failed+=("$name")
  fi
}

set -e
if [ "${WAYBILL_SKIP_INSTALL:-}" != 1 ]; then
  step "tools"
  "$ROOT/wasm-pkg/install-tools.sh"
fi
step "build waybill-edge"
"$ROOT/wasm-pkg/build.sh"
step "build the WASI component"
cargo build --manifest-path "$ROOT/Cargo.toml" -p waybill-component \
  --target wasm32-wasip2 --profile wasm-release
set +e

# The tests import the package by its name, through its package.json exports.
mkdir -p "$HERE/node_modules"
ln -sfn "$ROOT/wasm-pkg/dist/waybill-edge" "$HERE/node_modules/waybill-edge"

TARGET_DIR="$(cargo metadata --format-version 1 --no-deps --manifest-path "$ROOT/Cargo.toml" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"

cd "$HERE"
run "vectors in Node" node --test vectors.test.mjs
run "vectors in workerd" node --test workerd-vectors.test.mjs
run "vectors in Deno" "$DENO" run --allow-read deno-vectors.mjs
run "edge worker end to end in workerd" node --test edge.test.mjs
run "vectors in wasmtime" env WAYBILL_COMPONENT="$TARGET_DIR/wasm32-wasip2/wasm-release/waybill_component.wasm" \
  cargo test --manifest-path "$ROOT/Cargo.toml" -p waybill-component --test vectors

if [ "${#failed[@]}" -gt 0 ]; then
  printf '\nedge tests FAILED: %s\n' "${failed[*]}" >&2
  exit 1
fi
printf '\nedge tests: all passed\n' >&2
