#!/bin/bash
# Usage: ci/py-check.sh [3.X ...]        (default: 3.10 3.12)
# Build checks for the CPython versions that no Debian release with collectd ships
# (3.10: Ubuntu 22.04; 3.12: Ubuntu 24.04, Yocto scarthgap), so there is no daemon to
# run against here: `cargo clippy --all-targets -D warnings` with a PYO3_CONFIG_FILE
# for each (no interpreter or libpython needed; nothing is linked). Also checks that a
# free-threaded CPython (3.14t) is refused at build time with our message (pyo3-ffi
# itself refuses 3.13t).
# 3.11, 3.13 and 3.14 are built, linted and run by ci/test.sh and ci/distro-test.sh.
set -euo pipefail
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$CDPY_CRATE"
versions=("$@")
[ "${#versions[@]}" -gt 0 ] || versions=(3.10 3.12)

for v in "${versions[@]}"; do
    cfg=$CDPY_CACHE/pyo3/check-$v.cfg
    pyo3_config "$cfg" "$v" /nonexistent 64
    step "Python $v: cargo clippy --all-targets -D warnings" \
        env PYO3_CONFIG_FILE="$cfg" CARGO_TARGET_DIR="$CDPY_CRATE/target/py$v" \
        cargo clippy --all-targets -- -D warnings
done

refused() {
    local cfg=$CDPY_CACHE/pyo3/check-3.14t.cfg out
    pyo3_config "$cfg" 3.14 /nonexistent 64
    sed -i 's/^build_flags=$/build_flags=Py_GIL_DISABLED/' "$cfg"
    if out=$(env PYO3_CONFIG_FILE="$cfg" CARGO_TARGET_DIR="$CDPY_CRATE/target/py3.14t" \
        cargo check --lib 2>&1); then
        echo "a free-threaded 3.14t build was accepted" >&2
        return 1
    fi
    grep -F "cannot be built for a free-threaded CPython" <<<"$out" >&2 || {
        printf 'the 3.14t build failed without our message:\n%s\n' "$out" >&2
        return 1
    }
}
step "Python 3.14t (free-threaded): refused at build time" refused
print_steps
