#!/bin/bash
# Usage: ci/test.sh            (the README's test command; CI runs it via .ci/run)
# From a fresh Debian 12 machine: installs what it needs, checks formatting and
# lints, builds the plugin, runs the unit tests and the integration suite
# against the real collectd daemon (ours and Debian's C python.so side by side);
# build checks for Python 3.10 and 3.12; the same suite against Debian 13's
# (Python 3.13) and sid's (3.14) own collectd and C plugin (ci/distro-test.sh;
# CDPY_DISTROS=0 skips it); then does the same for armv7, aarch64, mipsel and
# mips64el: cross-build, and the integration suite against each target's own
# collectd under qemu-user (CDPY_CROSS=0 skips the cross part); then the OpenWrt-class
# musl boards (sysroots built from source, see targets/README.md; CDPY_MUSL=0 skips
# them). Ends with the size table per target.
set -euo pipefail
# Both cores for the cross builds (ci/lib.sh defaults to 1 for interactive use).
export CDPY_JOBS=${CDPY_JOBS:-2}
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$CDPY_ROOT"

step "native dependencies (apt)" bash ci/native-deps.sh
export PYO3_PYTHON=/usr/bin/python3.11
if cargo fmt --version >/dev/null 2>&1; then
    step "cargo fmt --check" cargo fmt --all -- --check
fi
if cargo clippy --version >/dev/null 2>&1; then
    step "cargo clippy -D warnings" cargo clippy --all-targets -- -D warnings
fi
step "layers: no import cycle in src/ (ci/layers.py)" python3 ci/layers.py
step "cargo build" cargo build
step "cargo check with pre-generated bindings (no libclang path)" \
    env COLLECTD_PYTHON_PREGENERATED=1 cargo check --target-dir target/pregenerated
step "cargo test (unit + integration, x86_64, Debian 12: Python 3.11)" cargo test --no-fail-fast
step "Python 3.10 and 3.12: clippy build checks; 3.14t refused" bash ci/py-check.sh
if [ "${CDPY_DISTROS:-1}" != 0 ]; then
    step "Debian 13 (3.13) and sid (3.14): build + suite vs their collectd" \
        bash ci/distro-test.sh trixie sid
fi
if [ "${CDPY_CROSS:-1}" != 0 ]; then
    targets=(armv7-unknown-linux-gnueabihf aarch64-unknown-linux-gnu
        mipsel-unknown-linux-gnu mips64el-unknown-linux-gnuabi64)
    step "cross: host packages" bash ci/host-deps.sh "${targets[@]}"
    step "cross: build + integration suite under qemu (4 targets)" \
        bash ci/cross-test.sh "${targets[@]}"
    step "cross: sizes" bash ci/sizes.sh "${targets[@]}"
fi
if [ "${CDPY_MUSL:-1}" != 0 ]; then
    # OpenWrt-class boards: musl, libffi, CPython 3.13 and collectd built from Debian's
    # source packages with zig cc (sysroot/musl.sh, cached by content). The full suite
    # (+ the network test) on all four: the two MIPS boards (no FPU, one of each byte
    # order), ipq40xx (armv7, Thumb-2) and mediatek-filogic (aarch64).
    # CDPY_MUSL_FULL / CDPY_MUSL_SMOKE (smoke runs + network test only) change the split.
    read -r -a musl_full <<<"${CDPY_MUSL_FULL-ath79 ramips-mt7621 ipq40xx mediatek-filogic}"
    read -r -a musl_smoke <<<"${CDPY_MUSL_SMOKE-}"
    step "musl: host packages" bash ci/host-deps.sh "${musl_full[@]}" "${musl_smoke[@]}"
    # Not run there: the C plugin's half of one thread-leak test, because the C plugin
    # (not ours) dies with SIGSEGV at shutdown after 11,000 short-lived unixsock threads
    # on the musl roots (seen on ramips-mt7621; targets/README.md)
    [ "${#musl_full[@]}" -eq 0 ] ||
        step "musl: build + integration suite under qemu (${musl_full[*]})" bash ci/cross-test.sh "${musl_full[@]}" \
            -- -- --skip 'b_thr_03_thread_states_end_with_short_lived_threads_notifications::c'

    [ "${#musl_smoke[@]}" -eq 0 ] ||
        step "musl: build + smoke + network test (${musl_smoke[*]})" bash ci/cross-test.sh --smoke-only "${musl_smoke[@]}"
    step "musl: sizes" bash ci/sizes.sh "${musl_full[@]}" "${musl_smoke[@]}"
fi
print_steps
