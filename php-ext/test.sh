#!/usr/bin/env bash
# Builds and installs the waybill PHP extension, then runs every PHP test:
# the conformance vectors, the PHP surface, the stubs, memory, and hostile
# input under a php-fpm pool started for the purpose. Exits non-zero on any
# failure.
#
#   php-ext/test.sh                         # php-config from PATH
#   PHP_CONFIG=php-config8.3 php-ext/test.sh
set -euo pipefail

cd "$(dirname "$0")"
PHP_CONFIG="${PHP_CONFIG:-php-config}"
PHP="$("$PHP_CONFIG" --php-binary)"

make install PHP_CONFIG="$PHP_CONFIG"

if ! "$PHP" -m | grep -x waybill >/dev/null; then
	echo "waybill is not enabled for $PHP after install" >&2
	exit 1
fi

# The generated arginfo is typed: php --re shows `string $body`, not `$body`.
# grep reads to the end (no -q): an early exit would close the pipe on php,
# which then exits 255 on the failed write and pipefail fails the script.
if ! "$PHP" --re waybill | grep -F 'Parameter #0 [ <required> string $body ]' >/dev/null; then
	echo "php --re waybill does not show typed arginfo (string \$body)" >&2
	exit 1
fi

"$PHP" "$(command -v phpunit)" -c tests/phpunit.xml "$@"
