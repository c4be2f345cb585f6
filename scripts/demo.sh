#!/usr/bin/env bash
# Waybill's whole path on this machine, 127.0.0.1 only: a lead sent through a WordPress form
# goes into the outbox, is delivered signed to the edge worker (workerd), forwarded to a small
# automation service (examples/automation, standing in for n8n), classified, and written back
# onto the lead record. Installs or builds what is missing first.
#
#   scripts/demo.sh            # make demo: bring everything up, send a lead, print its trail
#   scripts/demo.sh up         # bring everything up only; prints `export …` lines
#   scripts/demo.sh lead       # send one more lead and print its trail
#   scripts/demo.sh stop       # make demo-stop: stop everything (data is kept)
#   scripts/demo.sh reset      # stop everything and delete the demo's data
#
# A second run reuses what exists: nothing is installed or started twice. Data and logs live
# in .local/demo/ (git-ignored); WAYBILL_DEMO_STATE points elsewhere (the end-to-end test
# uses a temporary directory). WAYBILL_DEMO_SKIP_INSTALL=1 never installs or builds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${WAYBILL_DEMO_STATE:-$ROOT/.local/demo}"
export WAYBILL_WP_STATE="$STATE/wp"
# shellcheck source=../tests/e2e/wp/lib.sh
source "$ROOT/tests/e2e/wp/lib.sh"   # free_port, wait_for, stop_group

WORKERD="$ROOT/wasm-pkg/node_modules/.bin/workerd"
EDGE_CONFIG="$ROOT/wasm-pkg/worker/workerd.capnp"
EDGE_PACKAGE="$ROOT/wasm-pkg/dist/waybill-edge"
AUTOMATION_DIR="$ROOT/examples/automation"
DEMO_ENV="$STATE/env.sh"
# How long a service gets to answer after it is started, in seconds.
START_TIMEOUT=30

say() { printf '[demo] %s\n' "$*" >&2; }
fail() { printf '[demo] error: %s\n' "$*" >&2; exit 1; }

# --- What must be installed or built ----------------------------------------------------

ensure_installed() {
  if [ "${WAYBILL_DEMO_SKIP_INSTALL:-0}" = 1 ]; then
    return
  fi
  local tool missing=()
  for tool in php mariadbd mariadb-install-db mariadb-admin python3 curl setsid; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  [ -d /usr/share/wordpress ] || missing+=("wordpress")
  if [ "${#missing[@]}" -gt 0 ]; then
    say "missing: ${missing[*]}; running scripts/install-deps.sh (apt-get, needs root)"
    bash "$ROOT/scripts/install-deps.sh"
  fi
  command -v node >/dev/null && command -v npm >/dev/null \
    || fail "Node.js 18 or later (node and npm) is needed; install it, then run this again"
  command -v cargo >/dev/null || fail "Rust (rustup, cargo) is needed; install it from rustup.rs"

  if [ ! -x "$WORKERD" ] || [ ! -f "$EDGE_PACKAGE/waybill_bg.wasm" ]; then
    say "installing the edge tools (wasm-pkg/install-tools.sh)"
    bash "$ROOT/wasm-pkg/install-tools.sh"
  fi
  if [ ! -f "$EDGE_PACKAGE/waybill_bg.wasm" ]; then
    say "building the waybill-edge package (wasm-pkg/build.sh)"
    bash "$ROOT/wasm-pkg/build.sh"
  fi
  if ! php -m 2>/dev/null | grep -x waybill >/dev/null; then
    say "building and installing the PHP extension (make -C php-ext install)"
    make -C "$ROOT/php-ext" install
  fi
}

# The automation imports waybill-edge by name: link the built package beside it.
link_edge_package() {
  mkdir -p "$AUTOMATION_DIR/node_modules"
  ln -sfn "$EDGE_PACKAGE" "$AUTOMATION_DIR/node_modules/waybill-edge"
}

# --- Ports and secrets of this demo, kept between runs ----------------------------------

load_settings() {
  mkdir -p "$STATE"/{logs,run}
  chmod 755 "$STATE"   # MariaDB runs as the mysql user and must reach its data dir below
  if [ -f "$DEMO_ENV" ]; then
    # shellcheck disable=SC1090
    source "$DEMO_ENV"
  fi
  WAYBILL_EDGE_PORT="${WAYBILL_EDGE_PORT:-$(free_port)}"
  WAYBILL_AUTOMATION_PORT="${WAYBILL_AUTOMATION_PORT:-$(free_port)}"
  WAYBILL_FORWARD_SECRET="${WAYBILL_FORWARD_SECRET:-$(python3 -c 'import base64, os; print("whsec_" + base64.b64encode(os.urandom(32)).decode())')}"
  WAYBILL_EDGE_URL="http://127.0.0.1:$WAYBILL_EDGE_PORT/"
  WAYBILL_AUTOMATION_URL="http://127.0.0.1:$WAYBILL_AUTOMATION_PORT"
  cat >"$DEMO_ENV" <<ENV
export WAYBILL_DEMO_STATE='$STATE'
export WAYBILL_EDGE_PORT='$WAYBILL_EDGE_PORT'
export WAYBILL_EDGE_URL='$WAYBILL_EDGE_URL'
export WAYBILL_AUTOMATION_PORT='$WAYBILL_AUTOMATION_PORT'
export WAYBILL_AUTOMATION_URL='$WAYBILL_AUTOMATION_URL'
export WAYBILL_FORWARD_SECRET='$WAYBILL_FORWARD_SECRET'
export WAYBILL_EDGE_LOG='$STATE/logs/edge.log'
export WAYBILL_AUTOMATION_LOG='$STATE/logs/automation.log'
ENV
  chmod 600 "$DEMO_ENV"
  # shellcheck disable=SC1090
  source "$DEMO_ENV"
}

# --- Services -----------------------------------------------------------------------------

# Whether the process group in a pid file is alive.
alive() {
  local pid
  [ -f "$1" ] && pid="$(cat "$1")" && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# Whether something answers HTTP on a port (any status).
answers() {
  local code
  code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" 2>/dev/null)" || true
  [ -n "$code" ] && [ "$code" != 000 ]
}

# Starts `name` with the command that follows unless it already runs with the same settings.
# The settings' fingerprint is kept beside the pid file: changed settings restart the service.
start_service() {
  local name="$1" url="$2" fingerprint="$3"
  shift 3
  local group="$STATE/run/$name.group" stamp="$STATE/run/$name.settings"
  if alive "$group" && [ "$(cat "$stamp" 2>/dev/null)" = "$fingerprint" ] && answers "$url"; then
    say "$name already running on $url"
    return
  fi
  stop_group "$group"
  answers "$url" && fail "something else answers on $url; stop it or delete $DEMO_ENV for new ports"
  say "starting $name on $url"
  setsid "$@" </dev/null >>"$STATE/logs/$name.log" 2>&1 &
  echo $! >"$group"
  printf '%s' "$fingerprint" >"$stamp"
  wait_for "$START_TIMEOUT" answers "$url" || fail "$name did not start; see $STATE/logs/$name.log"
}

fingerprint() {
  printf '%s\n' "$@" | sha256sum | cut -c1-16
}

start_wordpress() {
  local out
  say "WordPress and MariaDB (tests/e2e/wp/up.sh)"
  out="$(WAYBILL_ENDPOINT_URL="$WAYBILL_EDGE_URL" bash "$ROOT/tests/e2e/wp/up.sh" 2>"$STATE/logs/up.log")" \
    || { cat "$STATE/logs/up.log" >&2; fail "WordPress did not come up"; }
  grep '^\[wp-e2e\]' "$STATE/logs/up.log" | sed 's/^\[wp-e2e\]/[demo]   /' >&2 || true
  eval "$out"
}

start_automation() {
  local writeback="$WAYBILL_WP_URL/wp-json/waybill/v1/writeback"
  start_service automation "$WAYBILL_AUTOMATION_URL/health" \
    "$(fingerprint "$WAYBILL_FORWARD_SECRET" "$writeback" "$WAYBILL_INBOUND_SECRET")" \
    env -i PATH="$PATH" \
      AUTOMATION_PORT="$WAYBILL_AUTOMATION_PORT" \
      AUTOMATION_VERIFY_KEYS="$WAYBILL_FORWARD_SECRET" \
      AUTOMATION_WRITEBACK_URL="$writeback" \
      AUTOMATION_WRITEBACK_SECRET="$WAYBILL_INBOUND_SECRET" \
      node "$AUTOMATION_DIR/server.mjs"
}

start_edge() {
  local forward="$WAYBILL_AUTOMATION_URL/webhook/waybill"
  start_service edge "$WAYBILL_EDGE_URL" \
    "$(fingerprint "$WAYBILL_ENDPOINT_SECRET" "$forward" "$WAYBILL_FORWARD_SECRET")" \
    env -i PATH="$PATH" \
      WAYBILL_VERIFY_KEYS="$WAYBILL_ENDPOINT_SECRET" \
      WAYBILL_FORWARD_URL="$forward" \
      WAYBILL_FORWARD_SECRET="$WAYBILL_FORWARD_SECRET" \
      "$WORKERD" serve "$EDGE_CONFIG" --socket-addr "http=127.0.0.1:$WAYBILL_EDGE_PORT"
}

up() {
  ensure_installed
  link_edge_package
  load_settings
  start_wordpress
  start_automation
  start_edge
}

# --- The lead and its trail ----------------------------------------------------------------

send_lead() {
  WAYBILL_DB_SOCKET="$WAYBILL_DB_SOCKET" WAYBILL_DB_PASSWORD="$WAYBILL_DB_PASSWORD" \
    node "$AUTOMATION_DIR/trail.mjs" "$@"
}

print_env() {
  cat "$WAYBILL_WP_ENV" "$DEMO_ENV"
}

print_summary() {
  cat <<TEXT

Everything is running on 127.0.0.1:
  site, lead form     $WAYBILL_WP_FORM_URL
  wp-admin            $WAYBILL_WP_URL/wp-admin/   user: admin   password: $WAYBILL_WP_ADMIN_PASSWORD
  events list         $WAYBILL_WP_URL/wp-admin/admin.php?page=waybill
  leads               $WAYBILL_WP_URL/wp-admin/admin.php?page=waybill-leads
  edge worker         $WAYBILL_EDGE_URL  (workerd)
  automation          $WAYBILL_AUTOMATION_URL/webhook/waybill  (events seen: $WAYBILL_AUTOMATION_URL/events)
  logs                $STATE/logs/ and $WAYBILL_WP_STATE/logs/

Send another lead:    scripts/demo.sh lead
Stop it all:          make demo-stop   (or scripts/demo.sh stop; scripts/demo.sh reset also deletes the data)
TEXT
}

# --- Stopping ------------------------------------------------------------------------------

stop_all() {
  stop_group "$STATE/run/edge.group"
  stop_group "$STATE/run/automation.group"
  bash "$ROOT/tests/e2e/wp/down.sh" 2>/dev/null || true
  say "stopped (data kept in $STATE)"
}

main() {
  local command="${1:-run}"
  case "$command" in
    run)
      up
      say "sending a lead through the form"
      send_lead
      print_summary
      ;;
    up)
      up
      print_env
      ;;
    lead)
      [ -f "$DEMO_ENV" ] && [ -f "$WAYBILL_WP_ENV" ] || fail "nothing is set up; run scripts/demo.sh first"
      # shellcheck disable=SC1090
      source "$WAYBILL_WP_ENV"
      # shellcheck disable=SC1090
      source "$DEMO_ENV"
      shift
      send_lead "$@"
      ;;
    stop)
      case "${2:-all}" in
        all) stop_all ;;
        edge | automation) stop_group "$STATE/run/$2.group" && say "stopped $2" ;;
        *) fail "stop what? all, edge or automation" ;;
      esac
      ;;
    reset)
      stop_all
      rm -rf "$STATE"
      say "removed $STATE"
      ;;
    *)
      fail "usage: scripts/demo.sh [run|up|lead|stop [edge|automation]|reset]"
      ;;
  esac
}

main "$@"
