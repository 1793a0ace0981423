#!/bin/bash
# Usage: ci/distro-test.sh <suite ...|all> [-- cargo test args]     suites: bookworm trixie sid
# The plugin against another Debian release's own collectd and CPython, natively on
# x86_64 and without a chroot: trixie (Debian 13: collectd-core 5.12.0-26, Python 3.13)
# and sid (collectd-core 5.12.0-28, Python 3.14). For each suite: its root
# (sysroot/build.sh amd64 --suite S: collectd, the C python.so, libpython3.X, glibc),
# a pyo3 config for that libpython, clippy -D warnings, the plugin built for it, the
# unit tests, then the whole integration suite (differential tests included, with that
# root's C python.so as the reference). The root's collectd runs through the root's own
# ld.so (tests/common/mod.rs); so do the unit tests, which link libpython3.X.
# bookworm is the host itself: ci/test.sh covers it.
set -euo pipefail
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"

suites=() test_args=()
while [ $# -gt 0 ]; do
    case $1 in
        all) suites+=(trixie sid) ;;
        --) shift; test_args=("$@"); break ;;
        -h|--help) usage; exit 0 ;;
        *) suite_python "$1" >/dev/null; suites+=("$1") ;;
    esac
    shift
done
[ "${#suites[@]}" -gt 0 ] || die "usage: ci/distro-test.sh <trixie|sid|all> [-- cargo test args]"
cd "$CDPY_CRATE"

failed=()
for s in "${suites[@]}"; do
    CDPY_SUITE=$s load_target amd64
    pv=$PY_VERSION
    step "$s: root (collectd, Python $pv)" "$CDPY_ROOT/sysroot/build.sh" amd64 --suite "$s" >/dev/null ||
        { failed+=("$s"); continue; }
    cfg=$CDPY_CACHE/pyo3/amd64-$s.cfg
    pyo3_config "$cfg" "$pv" "$SYSROOT/usr/lib/pylink" 64
    libs=$SYSROOT/lib/$GNU_TRIPLE:$MULTIARCH_LIB
    loader=$(find "$MULTIARCH_LIB" -maxdepth 1 -name 'ld-linux*.so*' | head -1)
    [ -n "$loader" ] || die "$SYSROOT has no ld-linux in $MULTIARCH_LIB"
    # the unit-test executable links libpython3.X (see root_rustflags in ci/lib.sh)
    envs=(PYO3_CONFIG_FILE="$cfg" CARGO_TARGET_DIR="$CDPY_CRATE/target/py$pv"
        RUSTFLAGS="$(root_rustflags)")
    step "$s: cargo clippy -D warnings (Python $pv)" \
        env "${envs[@]}" cargo clippy --all-targets -- -D warnings || failed+=("$s")
    step "$s: cargo build (Python $pv)" env "${envs[@]}" cargo build || { failed+=("$s"); continue; }
    step "$s: unit tests (Python $pv, the root's ld.so)" env "${envs[@]}" \
        CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER="env PYTHONHOME=$SYSROOT/usr $loader --library-path $libs" \
        cargo test --lib || failed+=("$s")
    step "$s: integration suite (collectd $(sed -n 's/^collectd-core \([^ ]*\) .*/\1/p' "$CDPY_CACHE/sysroot/amd64-$s.stamp"), Python $pv)" \
        env "${envs[@]}" CDPY_SYSROOT="$SYSROOT" CDPY_PYTHON_VERSION="$pv" \
        CDPY_PLUGIN="$CDPY_CRATE/target/py$pv/debug/libcollectd_python.so" \
        cargo test --no-fail-fast --test '*' "${test_args[@]}" || failed+=("$s")
done
print_steps
if [ "${#failed[@]}" -gt 0 ]; then
    mapfile -t failed < <(printf '%s\n' "${failed[@]}" | sort -u)
    die "failed: ${failed[*]}"
fi
