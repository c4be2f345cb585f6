#!/usr/bin/env bash
# Stops what up.sh started (PHP server, receiver, MariaDB). With --purge, also
# deletes the state directory.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
STATE="$WAYBILL_WP_STATE"
[ -d "$STATE" ] || exit 0

stop_group "$STATE/run/php-server.group"
stop_group "$STATE/run/receiver.group"
if [ -S "$STATE/run/mysqld.sock" ]; then
  mariadb-admin --no-defaults -S "$STATE/run/mysqld.sock" -u root shutdown >/dev/null 2>&1 || true
fi
stop_group "$STATE/run/mariadb.group"
log "stopped"
if [ "${1:-}" = "--purge" ]; then
  rm -rf "$STATE"
  log "removed $STATE"
fi
