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

# shipped_stdlib DIR [light]: bytes of the stdlib as an image would carry it (as
# OpenWrt's python3 packages: byte code only, no .py; config-3.X/ belongs to
# python3-dev): every __pycache__/*.pyc plus the stripped lib-dynload modules. With
# `light`, without what OpenWrt splits off python3-light into packages of their own
# (python3-asyncio, -email, -xml, -multiprocessing, -unittest, -decimal, -codecs,
# -unicodedata, -logging, -pydoc, -urllib, -ctypes, ...): the tests import some of
# them, so the root has them all.
LIGHT_OUT='asyncio email xml multiprocessing unittest decimal _pydecimal _decimal _codecs_ unicodedata
 logging pydoc _pyrepl urllib http xmlrpc ctypes _ctypes pyexpat _elementtree concurrent json _json
 zoneinfo tomllib wsgiref html'
light_excl() { # DIR [light] -> find arguments that prune what python3-light leaves out
    local f
    [ "${2:-}" = light ] || return 0
    for f in $LIGHT_OUT; do printf '%s\0' -o -path "$1/$f*" -o -path "$1/__pycache__/$f*" -o -path "$1/lib-dynload/$f*"; done
}
shipped_stdlib() {
    local pyc dyn=0 f excl=()
    mapfile -d '' -t excl < <(light_excl "$@")
    pyc=$(find "$1" \( -path "$1/config-*" "${excl[@]}" \) -prune -o -name '*.pyc' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
    while IFS= read -r f; do dyn=$((dyn + $(stripped_size "$f"))); done < <(
        find "$1/lib-dynload" \( -path "$1/config-*" "${excl[@]}" \) -prune -o -name '*.so' -print)
    echo $((pyc + dyn))
}

# light_xz DIR LIBPYTHON -> bytes of stripped libpython + the python3-light stdlib as one
# xz -6 stream: roughly what they take in an image's squashfs (xz, per-block, so a bit more)
light_xz() {
    local tmp f excl=()
    mapfile -d '' -t excl < <(light_excl "$1" light)
    tmp=$(mktemp -d)
    mkdir "$tmp/dyn"
    "$STRIP" -o "$tmp/libpython.so" "$2"
    while IFS= read -r f; do "$STRIP" -o "$tmp/dyn/$(basename "$f")" "$f"; done < <(
        find "$1/lib-dynload" \( -path "$1/config-*" "${excl[@]}" \) -prune -o -name '*.so' -print)
    find "$1" \( -path "$1/config-*" "${excl[@]}" \) -prune -o -name '*.pyc' -printf '%P\n' >"$tmp/pyc.list"
    tar -cf - -C "$tmp" libpython.so dyn -C "$1" -T "$tmp/pyc.list" | xz -6 -T2 | wc -c
    rm -rf "$tmp"
}

# loaded_size file -> bytes the loader maps (LOAD segments' memory sizes): the file
# without the zero-filled gap a 64 KiB segment alignment leaves between code and data
loaded_size() {
    local type _off _va _pa _fs ms _rest s=0
    while read -r type _off _va _pa _fs ms _rest; do
        [ "$type" = LOAD ] && s=$((s + ms))
    done < <(readelf -lW "$1")
    echo "$s"
}

printf '%-34s %12s %12s %7s %12s %12s %7s %12s %14s\n' "target/board" "ours" "C plugin" "ratio" \
    "ours loaded" "C loaded" "ratio" "libpython" "budget"
rc=0 foot=()
for n in "${names[@]}"; do
    load_target "$n"
    if [ "$build" = 1 ]; then "$CDPY_ROOT/ci/xbuild.sh" "$n" release >/dev/null || rc=1; fi
    ours=$CDPY_TARGET_DIR/out/$BUILD_NAME/python.so
    c=$SYSROOT/usr/lib/collectd/python.so
    o='-' cs='-' ratio='-' lp='-' budget='-' ol='-' cl='-' lratio='-'
    [ -f "$ours" ] && o=$(stripped_size "$ours") && ol=$(loaded_size "$ours")
    if [ -f "$c" ]; then
        cs=$(stripped_size "$c")
        cl=$(loaded_size "$c")
        lp=$(stripped_size "$MULTIARCH_LIB/libpython$PY_VERSION.so.1.0")
    fi
    [ "$o" != - ] && [ "$cs" != - ] && ratio=$(awk -v a="$o" -v b="$cs" 'BEGIN { printf "%.2fx", a / b }')
    [ "$ol" != - ] && [ "$cl" != - ] && lratio=$(awk -v a="$ol" -v b="$cl" 'BEGIN { printf "%.2fx", a / b }')
    if [ -n "$BOARD_MAX_PLUGIN_BYTES" ]; then
        budget=$BOARD_MAX_PLUGIN_BYTES
        if [ "$o" != - ] && [ "$o" -gt "$BOARD_MAX_PLUGIN_BYTES" ]; then budget="$budget OVER"; rc=1; fi
    fi
    printf '%-34s %12s %12s %7s %12s %12s %7s %12s %14s\n' "$BUILD_NAME" "$o" "$cs" "$ratio" \
        "$ol" "$cl" "$lratio" "$lp" "$budget"
    if [ "$LIBC" = musl ] && [ -f "$c" ]; then
        # what an OpenWrt image would carry for Python: libpython + the trimmed stdlib
        # (sysroot/musl.sh) as byte code, against the board's flash (uncompressed: the
        # squashfs of a real image is smaller)
        std=$(shipped_stdlib "$SYSROOT/usr/lib/python$PY_VERSION")
        light=$(shipped_stdlib "$SYSROOT/usr/lib/python$PY_VERSION" light)
        share() { [ -n "$BOARD_FLASH_BYTES" ] && awk -v a="$1" -v b="$BOARD_FLASH_BYTES" 'BEGIN { printf "%.0f%%", 100 * a / b }' || echo -; }
        xz=$(light_xz "$SYSROOT/usr/lib/python$PY_VERSION" "$MULTIARCH_LIB/libpython$PY_VERSION.so.1.0")
        foot+=("$(printf '%-34s %12s %12s %12s %6s %12s %6s %12s %6s %14s' "$BUILD_NAME" "$lp" "$std" $((lp + std)) \
            "$(share $((lp + std)))" $((lp + light)) "$(share $((lp + light)))" "$xz" "$(share "$xz")" \
            "${BOARD_FLASH_BYTES:--}")")
    fi
done
if [ "${#foot[@]}" -gt 0 ]; then
    printf '\nmusl runtime footprint of Python, bytes: stripped libpython + the stdlib as .pyc and stripped\nlib-dynload, as tested and as python3-light alone (see shipped_stdlib), and the light part xz-compressed:\n'
    printf '%-34s %12s %12s %12s %6s %12s %6s %12s %6s %14s\n' "target/board" "libpython" "stdlib" "as tested" "flash" \
        "light" "flash" "light, xz" "flash" "flash bytes"
    printf '%s\n' "${foot[@]}"
fi
exit "$rc"
