#!/usr/bin/env bash
# Runs every WordPress test of Waybill in a fresh, throw-away environment:
# MariaDB + WordPress + plugin + mock receiver on 127.0.0.1 (up.sh), then
# PHPUnit against the live site (which also drives it over real HTTP), then
# tears everything down (down.sh). Exits non-zero on any failure.
#
#   tests/e2e/wp/run-tests.sh [phpunit arguments…]
#
# WAYBILL_KEEP=1 leaves the environment running (and prints how to stop it).
# WAYBILL_TEST_SHIM=1 runs against the development stand-in instead of the
# real extension; such a run says nothing about the extension itself.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export WAYBILL_WP_STATE="${WAYBILL_WP_STATE_FOR_TESTS:-$(mktemp -d "${TMPDIR:-/tmp}/waybill-wp-tests.XXXXXX")}"
chmod 755 "$WAYBILL_WP_STATE"   # the mysql user must reach its data dir

cleanup() {
  if [ "${WAYBILL_KEEP:-0}" = 1 ]; then
    log "kept running; stop with: WAYBILL_WP_STATE=$WAYBILL_WP_STATE $E2E_WP_DIR/down.sh --purge"
  else
    "$E2E_WP_DIR/down.sh" --purge >/dev/null 2>&1
  fi
}
trap cleanup EXIT

if [ "${WAYBILL_TEST_SHIM:-0}" = 1 ]; then
  log "************************************************************************"
  log "WAYBILL_TEST_SHIM=1: using the PHP development stand-in, NOT the extension"
  log "************************************************************************"
elif ! php -m | grep -x waybill >/dev/null; then
  log "the waybill PHP extension is not loaded (install it: make -C php-ext install);"
  log "every test that needs it will fail, none is skipped"
fi
command -v phpunit >/dev/null || die "phpunit is missing (apt-get install phpunit)"

started=$SECONDS
env_out="$("$E2E_WP_DIR/up.sh")" || die "the environment did not come up"
eval "$env_out"
log "environment up in $(( SECONDS - started ))s: $WAYBILL_WP_URL"

# shellcheck disable=SC2086
$WAYBILL_PHP /usr/bin/phpunit -c "$WAYBILL_ROOT/tests/wordpress/phpunit.xml.dist" "$@"
rc=$?

if [ -s "$WAYBILL_WP_STATE/logs/php-server-errors.log" ] && grep -q 'PHP Fatal' "$WAYBILL_WP_STATE/logs/php-server-errors.log"; then
  log "PHP fatal errors in the server log:"
  grep 'PHP Fatal' "$WAYBILL_WP_STATE/logs/php-server-errors.log" | head -20 >&2
  rc=1
fi
# Fatal errors, database errors, and any warning or notice raised in the plugin.
pattern='PHP Fatal\|WordPress database error\|PHP \(Warning\|Notice\).*waybill/\|PHP Warning.*Array to string'
if grep -q "$pattern" "$WAYBILL_WP_STATE/logs/wp-debug.log" 2>/dev/null; then
  log "errors in the WordPress debug log:"
  grep "$pattern" "$WAYBILL_WP_STATE/logs/wp-debug.log" | head -20 >&2
  rc=1
fi
log "WordPress tests finished in $(( SECONDS - started ))s with exit code $rc"
exit $rc
