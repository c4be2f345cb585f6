#!/usr/bin/env bash
# Builds the npm package waybill-edge into wasm-pkg/dist/waybill-edge from a clean checkout:
# the core compiled to wasm32-unknown-unknown, wasm-bindgen's ES module glue (target web),
# the JS API, the TypeScript types and package.json.
#
#   wasm-pkg/build.sh               # wasm-opt -Oz where it keeps the module working
#   WAYBILL_WASM_OPT=none wasm-pkg/build.sh
#
# Needs: the wasm32-unknown-unknown target, wasm-bindgen-cli at the exact wasm-bindgen version
# of Cargo.lock and the npm dev dependencies (wasm-pkg/install-tools.sh installs both).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
OUT="$HERE/dist/waybill-edge"
PROFILE=wasm-release
TARGET=wasm32-unknown-unknown
WASM_OPT_MODE="${WAYBILL_WASM_OPT:-Oz}"

say() { printf 'build: %s\n' "$*" >&2; }

locked_version() {
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' \
    "$ROOT/Cargo.lock"
}

check_wasm_bindgen() {
  local want have
  want="$(locked_version wasm-bindgen)"
  have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" || true
  if [ "$have" != "$want" ]; then
    say "wasm-bindgen-cli $want is needed (found '${have:-none}'): run wasm-pkg/install-tools.sh"
    exit 1
  fi
}

target_dir() {
  cargo metadata --format-version 1 --no-deps --manifest-path "$ROOT/Cargo.toml" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))'
}

# A cdylib built by `cargo rustc` gets fat LTO; one declared next to an rlib would not.
compile_wasm() {
  say "compiling waybill-wasm ($PROFILE, $TARGET)"
  cargo rustc --manifest-path "$ROOT/Cargo.toml" -p waybill-wasm --lib \
    --profile "$PROFILE" --target "$TARGET" --crate-type cdylib
}

# The module must still instantiate and answer after wasm-opt; an older binaryen has been
# seen to produce one that traps at start-up, so the unoptimized module is kept then.
starts() {
  node --input-type=module -e "
    const m = await import('$OUT/node.js');
    const secret = m.generateSecret();
    const sig = m.sign('msg_1', 1700000000, '{}', [secret]);
    m.verify('{}', {'webhook-id': 'msg_1', 'webhook-timestamp': '1700000000', 'webhook-signature': sig},
             {verify_keys: [secret], now: 1700000000});
  "
}

optimize() {
  local wasm_opt="$HERE/node_modules/.bin/wasm-opt" wasm="$OUT/waybill_bg.wasm"
  if [ "$WASM_OPT_MODE" = none ]; then return; fi
  if [ ! -x "$wasm_opt" ]; then
    say "wasm-opt (npm binaryen) not installed: keeping the module as built"
    return
  fi
  cp "$wasm" "$wasm.unopt"
  say "wasm-opt -$WASM_OPT_MODE"
  # Features are read from the module's target_features section (hence no strip).
  if "$wasm_opt" "-$WASM_OPT_MODE" "$wasm.unopt" -o "$wasm" && starts; then
    rm "$wasm.unopt"
  else
    say "the optimized module does not start: keeping the module as built"
    mv "$wasm.unopt" "$wasm"
  fi
}

main() {
  check_wasm_bindgen
  compile_wasm

  local wasm
  wasm="$(target_dir)/$TARGET/$PROFILE/waybill_wasm.wasm"
  rm -rf "$OUT"
  mkdir -p "$OUT"
  # Function names cost about 170 KB gzipped; bench/size.mjs reads them from the module as
  # compiled instead. The target_features section stays (wasm-opt reads it).
  say "wasm-bindgen --target web"
  wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
    --out-dir "$OUT" --out-name waybill "$wasm"

  cp "$HERE"/js/{api.js,workerd.js,node.js,web.js,index.d.ts,package.json,README.md} "$OUT/"
  starts || { say "the built module does not start"; exit 1; }
  optimize

  local raw gz
  raw="$(wc -c < "$OUT/waybill_bg.wasm")"
  gz="$(gzip -9 -c "$OUT/waybill_bg.wasm" | wc -c)"
  say "done: $OUT (waybill_bg.wasm $raw bytes, $gz gzipped)"
}

main "$@"
