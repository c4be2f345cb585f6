# Shared settings for the WordPress end-to-end scripts (sourced, not run).
#
# Everything lives under one state directory, by default the git-ignored
# .local/e2e-wp/ of the repository; set WAYBILL_WP_STATE to use another one
# (run-tests.sh uses a fresh temporary directory).

WAYBILL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
WAYBILL_WP_STATE="${WAYBILL_WP_STATE:-$WAYBILL_ROOT/.local/e2e-wp}"
WAYBILL_WP_ENV="$WAYBILL_WP_STATE/env.sh"
E2E_WP_DIR="$WAYBILL_ROOT/tests/e2e/wp"

log() { printf '[wp-e2e] %s\n' "$*" >&2; }
die() { printf '[wp-e2e] error: %s\n' "$*" >&2; exit 1; }

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for <seconds> <command…>: retries the command until it succeeds.
wait_for() {
  local limit=$1; shift
  local start=$SECONDS
  until "$@" >/dev/null 2>&1; do
    (( SECONDS - start >= limit )) && return 1
    sleep 0.2
  done
}

# Stops a process group whose leader's pid is in a file, then removes the file.
stop_group() {
  local pidfile=$1 pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# The PHP command line: with WAYBILL_TEST_SHIM=1 the development stand-in for
# the extension is prepended (see tests/wordpress/shim/waybill-shim.php).
php_cmd() {
  if [ "${WAYBILL_TEST_SHIM:-0}" = 1 ] && php -m | grep -x waybill >/dev/null; then
    log "WAYBILL_TEST_SHIM=1 ignored: the real waybill extension is loaded"
    printf 'php'
  elif [ "${WAYBILL_TEST_SHIM:-0}" = 1 ]; then
    printf 'php -d auto_prepend_file=%s' "$WAYBILL_ROOT/tests/wordpress/shim/waybill-shim.php"
  else
    printf 'php'
  fi
}
