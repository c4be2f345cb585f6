#!/usr/bin/env bash
# Runs every Waybill benchmark on this machine and writes BENCHMARKS.md from
# their outputs (nothing in it is typed by hand). Raw outputs stay in
# .local/bench/. Takes about 15 minutes on 2 cores once everything is built.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/.local/bench"
mkdir -p "$OUT"
cd "$ROOT"

say() { printf '\n== %s\n' "$*" >&2; }

say "core: criterion (prepare, receive, HMAC, validation overhead)"
cargo bench -p waybill --bench core -- --warm-up-time 2 --measurement-time 5 | tee "$OUT/core.txt"
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
rm -rf "$OUT/criterion-latest"
cp -r "$TARGET_DIR/criterion" "$OUT/criterion-latest"
say "core: the machine's SHA-256 limit (openssl speed, same run)"
openssl speed -evp sha256 -bytes 1024 -seconds 3 2>/dev/null | tee "$OUT/openssl-1k.txt"
openssl speed -evp sha256 -bytes 1048576 -seconds 3 2>/dev/null | tee "$OUT/openssl-1m.txt"

say "PHP extension vs WordPress core"
# Always (re)install: an extension left from an older build would be measured otherwise.
make -C php-ext install
php php-ext/bench/bench.php | tee "$OUT/php.txt"

say "edge: wasm vs standardwebhooks, WebCrypto, cfworker, ajv in Node and workerd"
bash wasm-pkg/bench/run.sh | tee "$OUT/edge.txt"
cp wasm-pkg/bench/build/results.json "$OUT/edge.json"

say "WordPress: form response, capture cost, delivery throughput"
bash tests/wordpress/bench/run-bench.sh --json="$OUT/wordpress.json" | tee "$OUT/wordpress.txt"

say "writing BENCHMARKS.md"
python3 scripts/bench-report.py "$OUT" > BENCHMARKS.md
cat BENCHMARKS.md
