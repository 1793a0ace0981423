#!/bin/bash
# Usage: ci/host-deps.sh [all | <triple|board|debarch>...] [--lint]
# Installs the host (amd64) Debian packages needed to cross-build and cross-test the
# given targets (default: all). Idempotent: only packages that dpkg-query does not
# report as installed are installed; apt-get update runs at most once, with retries.
# --lint adds shellcheck. Needs root (or sudo).
set -euo pipefail
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"

targets=() lint=0
for a in "$@"; do
    case $a in
        --lint) lint=1 ;;
        all) mapfile -t -O "${#targets[@]}" targets < <(all_targets) ;;
        -h|--help) usage; exit 0 ;;
        *) targets+=("$a") ;;
    esac
done
[ "${#targets[@]}" -gt 0 ] || mapfile -t targets < <(all_targets)

# Debian's rustc-web/cargo-web 1.96 is the toolchain with per-arch std packages
# (libstd-rust-web-dev) and the std source for -Zbuild-std (rust-web-src).
# clang/libclang-dev: bindgen. python3.11 + libpython3.11-dev: pyo3 for the native
# build that `cargo test` makes of the crate next to the test programs.
pkgs=(rustc-web cargo-web rust-web-src qemu-user-static clang libclang-dev python3.11 libpython3.11-dev binutils dpkg-dev)
for t in "${targets[@]}"; do
    load_target "$t"
    if [ "$LIBC" = musl ]; then
        # built from source with zig (PyPI, in a venv: python3-venv): collectd's git
        # snapshot needs the autotools, flex and bison; llvm for llvm-strip/readelf
        pkgs+=(python3-venv autoconf automake libtool libltdl-dev flex bison pkg-config llvm patch xz-utils make)
    else
        pkgs+=("gcc-$GNU_TRIPLE" "binutils-$GNU_TRIPLE" "libc6-dev-$DEB_ARCH-cross")
    fi
done
[ "$lint" = 1 ] && pkgs+=(shellcheck)
mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | sort -u)

apt_ensure host "${pkgs[@]}"
