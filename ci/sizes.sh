#!/bin/bash
# Usage: ci/sizes.sh [--build] [all | <triple|board|debarch>...]
# Prints, per target or board, the stripped size of our python.so (from ci/xbuild.sh)
# next to the C plugin's (the sysroot's usr/lib/collectd/python.so, a stripped copy) and
# libpython3.X (what either plugin pulls in), plus the board's budget where there is one.
# Default: every target and board. --build runs ci/xbuild.sh <x> release first.
set -euo pipefail
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"

build=0 names=()
for a in "$@"; do
    case $a in
        --build) build=1 ;;
        all) ;;
        -h|--help) usage; exit 0 ;;
        *) names+=("$a") ;;
    esac
done
if [ "${#names[@]}" -eq 0 ]; then
    mapfile -t names < <(all_targets; all_boards)
fi

stripped_size() { # file -> bytes after strip (of a copy)
    local tmp
    tmp=$(mktemp)
    "$STRIP" -o "$tmp" "$1"
    stat -c %s "$tmp"
    rm -f "$tmp"
}

printf '%-34s %12s %12s %7s %12s %14s\n' "target/board" "ours" "C plugin" "ratio" "libpython" "budget"
rc=0 foot=()
for n in "${names[@]}"; do
    load_target "$n"
    if [ "$build" = 1 ]; then "$CDPY_ROOT/ci/xbuild.sh" "$n" release >/dev/null || rc=1; fi
    ours=$CDPY_TARGET_DIR/out/$BUILD_NAME/python.so
    c=$SYSROOT/usr/lib/collectd/python.so
    o='-' cs='-' ratio='-' lp='-' budget='-'
    [ -f "$ours" ] && o=$(stripped_size "$ours")
    if [ -f "$c" ]; then
        cs=$(stripped_size "$c")
        lp=$(stripped_size "$MULTIARCH_LIB/libpython$PY_VERSION.so.1.0")
    fi
    [ "$o" != - ] && [ "$cs" != - ] && ratio=$(awk -v a="$o" -v b="$cs" 'BEGIN { printf "%.1fx", a / b }')
    if [ -n "$BOARD_MAX_PLUGIN_BYTES" ]; then
        budget=$BOARD_MAX_PLUGIN_BYTES
        if [ "$o" != - ] && [ "$o" -gt "$BOARD_MAX_PLUGIN_BYTES" ]; then budget="$budget OVER"; rc=1; fi
    fi
    printf '%-34s %12s %12s %7s %12s %14s\n' "$BUILD_NAME" "$o" "$cs" "$ratio" "$lp" "$budget"
    if [ "$LIBC" = musl ] && [ -f "$c" ]; then
        # what an OpenWrt image would carry for Python: libpython + the trimmed stdlib
        # (sysroot/musl.sh), against the board's flash
        std=$(du -sb "$SYSROOT/usr/lib/python$PY_VERSION" | cut -f1)
        foot+=("$(printf '%-34s %12s %12s %12s %14s %6s' "$BUILD_NAME" "$lp" "$std" $((lp + std)) \
            "${BOARD_FLASH_BYTES:--}" "$([ -n "$BOARD_FLASH_BYTES" ] && awk -v a=$((lp + std)) -v b="$BOARD_FLASH_BYTES" 'BEGIN { printf "%.0f%%", 100 * a / b }' || echo -)")")
    fi
done
if [ "${#foot[@]}" -gt 0 ]; then
    printf '\nmusl runtime footprint of Python (stripped libpython + trimmed stdlib, bytes):\n'
    printf '%-34s %12s %12s %12s %14s %6s\n' "target/board" "libpython" "stdlib" "total" "flash" "share"
    printf '%s\n' "${foot[@]}"
fi
exit "$rc"
