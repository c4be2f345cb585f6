#!/usr/bin/env bash
# Installs everything Waybill's build and tests need on a fresh Debian machine.
# Safe to run again: each step checks before it installs.
set -euo pipefail

APT_PACKAGES=(
  php8.2-cli php8.2-dev php8.2-fpm php8.2-mysql php8.2-mbstring php8.2-xml php8.2-curl
  phpunit wordpress nginx mariadb-server mariadb-client
  libclang1-14 libclang-common-14-dev clang-14
  jq curl python3 libfcgi-bin
)

need_apt=0
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || need_apt=1
done
if [ "$need_apt" = 1 ]; then
  # Never let a package start a service on install (nginx would bind port 80 on every interface).
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${APT_PACKAGES[@]}"
fi
# Stop anything an install may have started anyway.
service nginx stop >/dev/null 2>&1 || true
service php8.2-fpm stop >/dev/null 2>&1 || true
service mariadb stop >/dev/null 2>&1 || true

rustup target add wasm32-unknown-unknown wasm32-wasip2 >/dev/null
rustup component add clippy rustfmt >/dev/null 2>&1 || true
