#!/bin/bash
# Usage: ci/release.sh [--python 3.11|3.13|3.14]
#   -> target/dist/x86_64[-<suite>]/python.so (stripped) + size report
# The size-optimised build: Debian's rustc-web 1.96 rebuilds std from
# rust-web-src without its default features (no backtrace symbolizer: -200 KB)
# while keeping panic=unwind, so every FFI shim still catches panics.
# --python (or CDPY_PYTHON) picks the CPython to build for: 3.11 is this machine's
# (Debian 12); 3.13 and 3.14 link the libpython of a Debian trixie / sid root
# (sysroot/build.sh amd64 --suite ...), whose C python.so is the size reference.
# Cross targets and boards: ci/xbuild.sh <board> release (a board names its Python).
set -euo pipefail
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$CDPY_ROOT"
while [ $# -gt 0 ]; do
    case $1 in
        --python) CDPY_SUITE=$(python_suite "${2:?--python needs a version}"); shift ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown argument '$1' (usage: ci/release.sh [--python 3.X])" ;;
    esac
    shift
done
load_target amd64
bash ci/native-deps.sh
apt_ensure release rustc-web cargo-web rust-web-src
envs=(RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1)
if [ "$SUITE" = bookworm ]; then
    envs+=(PYO3_PYTHON=/usr/bin/python3.11)
    c_plugin=/usr/lib/collectd/python.so
else
    "$CDPY_ROOT/sysroot/build.sh" amd64 --suite "$SUITE" >/dev/null
    cfg=$CDPY_CACHE/pyo3/amd64-$SUITE.cfg
    pyo3_config "$cfg" "$PY_VERSION" "$SYSROOT/usr/lib/pylink" 64
    envs+=(PYO3_CONFIG_FILE="$cfg"
        RUSTFLAGS="$(root_rustflags)")
    c_plugin=$SYSROOT/usr/lib/collectd/python.so
fi
name=x86_64$(suite_suffix "$SUITE")
env "${envs[@]}" /usr/bin/cargo build --release --target x86_64-unknown-linux-gnu \
    -Zbuild-std=std,panic_unwind -Zbuild-std-features= --target-dir "target/dist-build/$name"
out=target/dist/$name
mkdir -p "$out"
cp "target/dist-build/$name/x86_64-unknown-linux-gnu/release/libcollectd_python.so" "$out/python.so"
strip --strip-unneeded "$out/python.so"
cp "$c_plugin" "$out/c-python.so"
strip --strip-unneeded "$out/c-python.so"
ours=$(stat -c %s "$out/python.so")
c=$(stat -c %s "$out/c-python.so")
printf 'x86_64 stripped python.so for Python %s (%s): ours %d bytes, C plugin %d bytes, ratio %s\n' \
    "$PY_VERSION" "$SUITE" "$ours" "$c" "$(awk -v a="$ours" -v b="$c" 'BEGIN{printf "%.2f", a/b}')"
