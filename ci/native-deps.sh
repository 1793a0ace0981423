#!/bin/bash
# Usage: ci/native-deps.sh
# Installs (idempotently) what the native build and test suite need on Debian 12:
# collectd 5.12 (daemon + C python.so reference + headers), libclang for bindgen,
# Debian's Python 3.11 with its shared library. Installs a Rust toolchain
# (Debian's rustc-web/cargo-web) only when no cargo is on PATH.
set -euo pipefail
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"

pkgs=(collectd-core collectd-dev clang libclang-dev python3.11 libpython3.11 libpython3.11-dev gcc)
command -v cargo >/dev/null 2>&1 || pkgs+=(rustc-web cargo-web)
missing=()
for p in "${pkgs[@]}"; do
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$st" = installed ] || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
    log "native packages: all ${#pkgs[@]} present"
    exit 0
fi
[ "$(id -u)" = 0 ] || die "need root to install: ${missing[*]}"
log "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
retry apt-get update -q || die "apt-get update failed (mirror unreachable or mid-sync?)"
# collectd-core recommends a lot (rrdtool, snmp...); none is needed here.
retry apt-get install -y -q --no-install-recommends "${missing[@]}" ||
    die "apt-get install failed for: ${missing[*]} (a mirror mid-sync? try again later)"
