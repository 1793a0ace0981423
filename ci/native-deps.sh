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
apt_ensure native "${pkgs[@]}"
