#!/usr/bin/env bash
# Brings up MariaDB, WordPress (with the Waybill plugin) and the mock receiver,
# all on 127.0.0.1, and prints the environment to use them:
#
#   eval "$(tests/e2e/wp/up.sh)"      # exports WAYBILL_WP_URL, WAYBILL_RECEIVER_URL, …
#
# State lives in $WAYBILL_WP_STATE (default .local/e2e-wp). A second run reuses
# what is already there and running. Stop everything with tests/e2e/wp/down.sh.
#
# Knobs (environment):
#   WAYBILL_WP_STATE        state directory
#   WAYBILL_WP_PORT         WordPress port (default: a free one, then kept)
#   WAYBILL_ENDPOINT_URL    where the plugin's "receiver" endpoint points
#                           (default: the mock receiver started here)
#   WAYBILL_WP_WORKERS      php -S workers (default 4)
#   WAYBILL_TEST_SHIM=1     use the development stand-in instead of the extension
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for tool in mariadb-install-db mariadbd mariadb-admin mariadb php python3 setsid; do
  command -v "$tool" >/dev/null || die "$tool is missing (run scripts/install-deps.sh)"
done
[ -d /usr/share/wordpress ] || die "Debian's wordpress package is not installed"

mkdir -p "$WAYBILL_WP_STATE"/{logs,run}
STATE="$WAYBILL_WP_STATE"
# Values from an earlier run are reused (ports, secrets, password); what the
# caller sets now wins for the endpoint URL and the stand-in switch.
caller_shim="${WAYBILL_TEST_SHIM:-}"
caller_endpoint="${WAYBILL_ENDPOINT_URL:-}"
[ -f "$WAYBILL_WP_ENV" ] && source "$WAYBILL_WP_ENV"
WAYBILL_TEST_SHIM="${caller_shim:-0}"
WAYBILL_ENDPOINT_URL="${caller_endpoint}"

WAYBILL_WP_PORT="${WAYBILL_WP_PORT:-$(free_port)}"
WAYBILL_RECEIVER_PORT="${WAYBILL_RECEIVER_PORT:-$(free_port)}"
WAYBILL_WP_URL="http://127.0.0.1:$WAYBILL_WP_PORT"
WAYBILL_RECEIVER_URL="http://127.0.0.1:$WAYBILL_RECEIVER_PORT"
WAYBILL_DB_SOCKET="$STATE/run/mysqld.sock"
WAYBILL_WP_ROOT="$STATE/wordpress"
WAYBILL_WP_ADMIN_PASSWORD="${WAYBILL_WP_ADMIN_PASSWORD:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')}"
new_secret() { python3 -c 'import base64, os; print("whsec_" + base64.b64encode(os.urandom(32)).decode())'; }
WAYBILL_ENDPOINT_SECRET="${WAYBILL_ENDPOINT_SECRET:-$(new_secret)}"
WAYBILL_INBOUND_SECRET="${WAYBILL_INBOUND_SECRET:-$(new_secret)}"
WAYBILL_ENDPOINT_URL="${WAYBILL_ENDPOINT_URL:-$WAYBILL_RECEIVER_URL/hook}"
WAYBILL_PHP="$(php_cmd)"
DB_PASSWORD="${WAYBILL_DB_PASSWORD:-$(python3 -c 'import secrets; print(secrets.token_hex(12))')}"

# --- MariaDB: own data dir, unix socket only ---------------------------------
if [ ! -d "$STATE/mysql/mysql" ]; then
  log "initialising MariaDB in $STATE/mysql"
  mkdir -p "$STATE/mysql"
  chown -R mysql:mysql "$STATE/mysql" "$STATE/run"
  mariadb-install-db --no-defaults --user=mysql --datadir="$STATE/mysql" \
    --auth-root-authentication-method=socket --skip-test-db \
    --innodb-log-file-size=8M >"$STATE/logs/mariadb-install.log" 2>&1 \
    || die "mariadb-install-db failed, see $STATE/logs/mariadb-install.log"
fi
if ! mariadb-admin --no-defaults -S "$WAYBILL_DB_SOCKET" -u root ping >/dev/null 2>&1; then
  log "starting MariaDB (socket $WAYBILL_DB_SOCKET, no TCP)"
  chown mysql:mysql "$STATE/run"
  setsid mariadbd --no-defaults --user=mysql --datadir="$STATE/mysql" \
    --socket="$WAYBILL_DB_SOCKET" --pid-file="$STATE/run/mariadbd.pid" --skip-networking \
    --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 --innodb-log-file-size=256M \
    --max-connections=300 --log-error="$STATE/logs/mariadb.err" </dev/null >/dev/null 2>&1 &
  echo $! >"$STATE/run/mariadb.group"
  wait_for 60 mariadb-admin --no-defaults -S "$WAYBILL_DB_SOCKET" -u root ping \
    || die "MariaDB did not start, see $STATE/logs/mariadb.err"
fi
mariadb --no-defaults -S "$WAYBILL_DB_SOCKET" -u root <<SQL
CREATE DATABASE IF NOT EXISTS wordpress CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'wordpress'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
ALTER USER 'wordpress'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON wordpress.* TO 'wordpress'@'localhost';
SQL

# --- WordPress files ---------------------------------------------------------
if [ ! -f "$WAYBILL_WP_ROOT/wp-load.php" ]; then
  log "copying Debian's WordPress to $WAYBILL_WP_ROOT"
  cp -aL /usr/share/wordpress "$WAYBILL_WP_ROOT"
  rm -f "$WAYBILL_WP_ROOT/.htaccess"
  mkdir -p "$WAYBILL_WP_ROOT/wp-content/uploads" "$WAYBILL_WP_ROOT/wp-content/plugins"
fi
ln -sfn "$WAYBILL_ROOT/wordpress-plugin/waybill" "$WAYBILL_WP_ROOT/wp-content/plugins/waybill"
mkdir -p "$WAYBILL_WP_ROOT/wp-content/themes"
ln -sfn "$E2E_WP_DIR/theme/waybill-e2e" "$WAYBILL_WP_ROOT/wp-content/themes/waybill-e2e"

salt() { python3 -c 'import secrets; print(secrets.token_urlsafe(48))'; }
if [ ! -f "$STATE/salts.php" ]; then
  {
    echo '<?php'
    for k in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
      echo "define( '$k', '$(salt)' );"
    done
  } >"$STATE/salts.php"
fi
cat >"$WAYBILL_WP_ROOT/wp-config.php" <<PHP
<?php
// Written by tests/e2e/wp/up.sh; rewritten on every run.
define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'wordpress' );
define( 'DB_PASSWORD', '$DB_PASSWORD' );
define( 'DB_HOST', 'localhost:$WAYBILL_DB_SOCKET' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
\$table_prefix = 'wp_';
require __DIR__ . '/../salts.php';
define( 'WP_HOME', '$WAYBILL_WP_URL' );
define( 'WP_SITEURL', '$WAYBILL_WP_URL' );
// Nothing runs on a timer by itself: tests and the CLI runner trigger work.
define( 'DISABLE_WP_CRON', true );
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_DISPLAY', false );
define( 'WP_DEBUG_LOG', '$STATE/logs/wp-debug.log' );
@ini_set( 'display_errors', '0' );
// Offline: no update checks, no outbound requests except to this machine.
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'DISALLOW_FILE_EDIT', true );
define( 'FS_METHOD', 'direct' );
if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';
PHP

# --- Mock receiver -----------------------------------------------------------
if [ "$WAYBILL_ENDPOINT_URL" = "$WAYBILL_RECEIVER_URL/hook" ] \
   && ! curl -fsS "$WAYBILL_RECEIVER_URL/_control/health" >/dev/null 2>&1; then
  log "starting the mock receiver on $WAYBILL_RECEIVER_URL"
  WAYBILL_RECEIVER_SECRETS="$WAYBILL_ENDPOINT_SECRET" setsid python3 "$E2E_WP_DIR/receiver.py" --port "$WAYBILL_RECEIVER_PORT" \
    </dev/null >>"$STATE/logs/receiver.log" 2>&1 &
  echo $! >"$STATE/run/receiver.group"
  wait_for 20 curl -fsS "$WAYBILL_RECEIVER_URL/_control/health" || die "the receiver did not start"
fi

# --- PHP built-in server -----------------------------------------------------
if ! curl -fsS -o /dev/null "$WAYBILL_WP_URL/wp-includes/images/blank.gif" 2>/dev/null; then
  log "starting php -S on $WAYBILL_WP_URL"
  # shellcheck disable=SC2086
  PHP_CLI_SERVER_WORKERS="${WAYBILL_WP_WORKERS:-4}" setsid $WAYBILL_PHP -d display_errors=0 -d log_errors=1 \
    -d error_log="$STATE/logs/php-server-errors.log" \
    -S "127.0.0.1:$WAYBILL_WP_PORT" -t "$WAYBILL_WP_ROOT" "$E2E_WP_DIR/router.php" \
    </dev/null >>"$STATE/logs/php-server.log" 2>&1 &
  echo $! >"$STATE/run/php-server.group"
  wait_for 20 curl -fsS -o /dev/null "$WAYBILL_WP_URL/wp-includes/images/blank.gif" || die "php -S did not start"
fi

# --- Install and configure ---------------------------------------------------
export WAYBILL_WP_URL WAYBILL_WP_ADMIN_PASSWORD WAYBILL_ENDPOINT_URL WAYBILL_ENDPOINT_SECRET WAYBILL_INBOUND_SECRET
# shellcheck disable=SC2086
$WAYBILL_PHP -d display_errors=stderr "$E2E_WP_DIR/install-wp.php" "$WAYBILL_WP_ROOT" >"$STATE/install.json" 2>"$STATE/logs/install.log" \
  || die "WordPress install failed, see $STATE/logs/install.log"

cat >"$WAYBILL_WP_ENV" <<ENV
export WAYBILL_WP_STATE='$STATE'
export WAYBILL_WP_ROOT='$WAYBILL_WP_ROOT'
export WAYBILL_WP_PORT='$WAYBILL_WP_PORT'
export WAYBILL_WP_URL='$WAYBILL_WP_URL'
export WAYBILL_WP_ADMIN_USER='admin'
export WAYBILL_WP_ADMIN_PASSWORD='$WAYBILL_WP_ADMIN_PASSWORD'
export WAYBILL_WP_FORM_URL='$WAYBILL_WP_URL/contact/'
export WAYBILL_RECEIVER_PORT='$WAYBILL_RECEIVER_PORT'
export WAYBILL_RECEIVER_URL='$WAYBILL_RECEIVER_URL'
export WAYBILL_ENDPOINT_URL='$WAYBILL_ENDPOINT_URL'
export WAYBILL_ENDPOINT_SECRET='$WAYBILL_ENDPOINT_SECRET'
export WAYBILL_INBOUND_SECRET='$WAYBILL_INBOUND_SECRET'
export WAYBILL_DB_SOCKET='$WAYBILL_DB_SOCKET'
export WAYBILL_DB_PASSWORD='$DB_PASSWORD'
export WAYBILL_PHP='$WAYBILL_PHP'
export WAYBILL_TEST_SHIM='${WAYBILL_TEST_SHIM:-0}'
ENV
chmod 600 "$WAYBILL_WP_ENV"
log "WordPress is up: $WAYBILL_WP_URL (admin / see WAYBILL_WP_ADMIN_PASSWORD)"
cat "$WAYBILL_WP_ENV"
