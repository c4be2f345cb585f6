#!/usr/bin/env bash
# Installs what building and testing waybill-edge needs, idempotently (CI calls it):
# the wasm targets, wasm-bindgen-cli at the exact wasm-bindgen version of Cargo.lock, and the
# npm dev dependencies (workerd, binaryen's wasm-opt, the bench peers) from package-lock.json.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"

say() { printf 'install-tools: %s\n' "$*" >&2; }

installed_targets="$(rustup target list --installed)"
for target in wasm32-unknown-unknown wasm32-wasip2; do
  if ! grep -qx "$target" <<<"$installed_targets"; then
    say "rustup target add $target"
    rustup target add "$target"
  fi
done

want="$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' \
  "$ROOT/Cargo.lock")"
have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" || true
if [ "$have" != "$want" ]; then
  # Unlocked on purpose: `--locked` fails for this crate. Takes about 6 minutes on 2 cores.
  say "cargo install wasm-bindgen-cli --version $want (found '${have:-none}')"
  cargo install wasm-bindgen-cli --version "$want"
fi

if ! (cd "$HERE" && npm ls --depth=0 >/dev/null 2>&1); then
  say "npm ci in wasm-pkg"
  (cd "$HERE" && npm ci --no-audit --no-fund)
fi
say "ready"
