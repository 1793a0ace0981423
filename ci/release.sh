#!/bin/bash
# Usage: ci/release.sh   -> target/dist/x86_64/python.so (stripped) + size report
# The size-optimised build: Debian's rustc-web 1.96 rebuilds std from
# rust-web-src without its default features (no backtrace symbolizer: -200 KB)
# while keeping panic=unwind, so every FFI shim still catches panics.
set -euo pipefail
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$CDPY_ROOT"
bash ci/native-deps.sh
apt_ensure release rustc-web cargo-web rust-web-src
export PYO3_PYTHON=/usr/bin/python3.11 RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
/usr/bin/cargo build --release --target x86_64-unknown-linux-gnu \
    -Zbuild-std=std,panic_unwind -Zbuild-std-features= --target-dir target/dist-build
mkdir -p target/dist/x86_64
cp target/dist-build/x86_64-unknown-linux-gnu/release/libcollectd_python.so target/dist/x86_64/python.so
strip --strip-unneeded target/dist/x86_64/python.so
cp /usr/lib/collectd/python.so target/dist/x86_64/c-python.so
strip --strip-unneeded target/dist/x86_64/c-python.so
ours=$(stat -c %s target/dist/x86_64/python.so)
c=$(stat -c %s target/dist/x86_64/c-python.so)
printf 'x86_64 stripped python.so: ours %d bytes, C plugin %d bytes, ratio %s\n' \
    "$ours" "$c" "$(awk -v a="$ours" -v b="$c" 'BEGIN{printf "%.2f", a/b}')"
