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

if ! "$PHP" -m | grep -qx waybill; then
	echo "waybill is not enabled for $PHP after install" >&2
	exit 1
fi

# The generated arginfo is typed: php --re shows `string $body`, not `$body`.
"$PHP" --re waybill | grep -q 'Parameter #0 \[ <required> string \$body \]'

"$PHP" "$(command -v phpunit)" -c tests/phpunit.xml "$@"
