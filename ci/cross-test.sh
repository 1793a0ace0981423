#!/bin/bash
# Usage: ci/cross-test.sh <triple|board|debarch|all> [--smoke-only] [-- cargo test args]
# For each target (all = every targets/*.env): host packages, sysroot, Rust std,
# cross-build (ci/xbuild.sh), a smoke run of the target collectd under qemu with the C
# plugin and with ours (ci/run-collectd.sh; for a board also its collectd.conf), the
# crate's unit tests under qemu (ci/xbuild.sh <t> test), then the integration suite:
# `cargo test --test '*'` runs natively (rustup's cargo) and its harness starts the
# target daemon under qemu through CDPY_SYSROOT, CDPY_QEMU and CDPY_PLUGIN (see
# tests/common/mod.rs). A board sets QEMU_CPU to its qemu_cpu (a target its
# TARGET_QEMU_CPU). A musl target (LIBC=musl: sysroot built from source by
# sysroot/musl.sh) also runs ci/network-test.sh. --smoke-only stops
# after the smoke runs. Prints the wall time of every step; exits non-zero if any failed.
set -euo pipefail
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"

smoke_only=0 names=() test_args=()
while [ $# -gt 0 ]; do
    case $1 in
        --smoke-only) smoke_only=1 ;;
        all) mapfile -t -O "${#names[@]}" names < <(all_targets) ;;
        --) shift; test_args=("$@"); break ;;
        -h|--help) usage; exit 0 ;;
        *) names+=("$1") ;;
    esac
    shift
done
[ "${#names[@]}" -gt 0 ] || die "usage: ci/cross-test.sh <triple|board|debarch|all> [--smoke-only] [-- cargo test args]"

# The native half: rustup's cargo/rustc (not the Debian toolchain used for the .so),
# pyo3 pointed at the host's Python 3.11 for the native build of the test crate.
native_test() {
    local envs=(-u RUSTC -u RUSTC_BOOTSTRAP -u CARGO_BUILD_TARGET
        PYO3_PYTHON="${PYO3_PYTHON:-/usr/bin/python3.11}"
        CDPY_SYSROOT="$SYSROOT" CDPY_QEMU="$(command -v "$QEMU")" CDPY_PLUGIN="$1"
        CDPY_PYTHON_VERSION="$PY_VERSION"
        # informational, for tests whose expectations depend on the target (e.g. the C
        # plugin's flush handler crashes on 32-bit ABIs, see ci/README.md)
        CDPY_TARGET="$RUST_TRIPLE" CDPY_POINTER_WIDTH="$POINTER_WIDTH" CDPY_ENDIAN="$ENDIAN" CDPY_LIBC="$LIBC")
    [ -n "$BOARD_QEMU_CPU" ] && envs+=(QEMU_CPU="$BOARD_QEMU_CPU")
    # the extension modules a musl root's CPython has no library for (sysroot/musl.sh)
    if [ "$LIBC" = musl ]; then
        local m absent=()
        for m in _ctypes _ssl; do
            compgen -G "$SYSROOT/usr/lib/python$PY_VERSION/lib-dynload/$m.*.so" >/dev/null || absent+=("$m")
        done
        envs+=(CDPY_ABSENT_MODULES="${absent[*]}")
    fi
    # headers for the native build: the host's collectd-dev, else the sysroot's (arch: all)
    [ -e /usr/include/collectd/core/daemon/plugin.h ] || envs+=(COLLECTD_INCLUDE_DIR="$SYSROOT/usr/include")
    # every integration test but tests/traps.rs, whose panic probe only debug builds
    # have (the release .so is what ships; the unit tests check unwinding per target)
    local t tests=()
    for t in "$CDPY_CRATE"/tests/*.rs; do
        t=$(basename "$t" .rs)
        [ "$t" = traps ] || tests+=(--test "$t")
    done
    (cd "$CDPY_CRATE" && nice -n 19 env "${envs[@]}" cargo test -j "$CDPY_JOBS" --no-fail-fast "${tests[@]}" "${test_args[@]}")
}

failed=()
for n in "${names[@]}"; do
    load_target "$n"
    name=$BUILD_NAME
    step "$name: host packages" "$CDPY_ROOT/ci/host-deps.sh" "$RUST_TRIPLE" || { failed+=("$name"); continue; }
    step "$name: sysroot $DEB_ARCH ($SUITE, Python $PY_VERSION)" "$CDPY_ROOT/sysroot/build.sh" "$DEB_ARCH" --suite "$SUITE" >/dev/null || { failed+=("$name"); continue; }
    step "$name: rust std" "$CDPY_ROOT/sysroot/rust-std.sh" "$RUST_TRIPLE" >/dev/null || { failed+=("$name"); continue; }
    step "$name: cross-build (release)" "$CDPY_ROOT/ci/xbuild.sh" "$n" release >/dev/null || { failed+=("$name"); continue; }
    so=$CDPY_TARGET_DIR/out/$name/python.so
    step "$name: smoke, C python.so" "$CDPY_ROOT/ci/run-collectd.sh" "$n" --plugin c || failed+=("$name")
    board=()
    [ -n "$BOARD_FILE" ] && board=(--board-conf)
    step "$name: smoke, our python.so" "$CDPY_ROOT/ci/run-collectd.sh" "$n" --plugin rust "${board[@]}" || failed+=("$name")
    if [ "$LIBC" = musl ]; then
        # the wire format between this target and a native collectd (byte order)
        step "$name: network plugin to a native collectd ($ENDIAN-endian), ours" \
            "$CDPY_ROOT/ci/network-test.sh" "$n" --plugin rust || failed+=("$name")
    fi
    if [ "$smoke_only" = 0 ]; then
        step "$name: unit tests under qemu (cargo test --lib)" "$CDPY_ROOT/ci/xbuild.sh" "$n" test || failed+=("$name")
        step "$name: integration tests under qemu" native_test "$so" || failed+=("$name")
    fi
done
print_steps
if [ "${#failed[@]}" -gt 0 ]; then
    mapfile -t failed < <(printf '%s\n' "${failed[@]}" | sort -u)
    die "failed: ${failed[*]}"
fi
