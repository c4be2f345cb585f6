#!/usr/bin/env bash
# Builds waybill-edge if needed and runs the edge benches (bench.mjs): Node and workerd side
# by side, cold start, sizes, and what each Rust crate costs in the .wasm.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PKG="$HERE/.."
ROOT="$(cd "$PKG/.." && pwd)"

[ -f "$PKG/dist/waybill-edge/waybill_bg.wasm" ] || "$PKG/build.sh"
cd "$PKG"
node bench/bench.mjs

TARGET_DIR="$(cargo metadata --format-version 1 --no-deps --manifest-path "$ROOT/Cargo.toml" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
printf '\nwhat each crate costs (the module as compiled, before wasm-bindgen and wasm-opt):\n'
node bench/size.mjs "$TARGET_DIR/wasm32-unknown-unknown/wasm-release/waybill_wasm.wasm" 20
