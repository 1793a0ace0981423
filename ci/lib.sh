# shellcheck shell=bash
# Shared helpers for sysroot/ and ci/: repo and cache paths, logging, retries with
# backoff, step timing, and loading a target (targets/*.env) or board (boards/*.toml).
# Source it; it defines functions and variables only.

CDPY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Sysroots, .debs, apt lists and built toolchains: keyed by their inputs, so one cache
# outside the checkout serves every clone on this machine (CI's fresh clone included).
if [ -z "${CDPY_CACHE:-}" ]; then
    if [ -n "${XDG_CACHE_HOME:-}" ] || [ -n "${HOME:-}" ]; then
        CDPY_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/collectd-python
    else
        CDPY_CACHE=$CDPY_ROOT/.cache
    fi
fi
# The crate to build and test (another checkout can be built with this infrastructure).
CDPY_CRATE=${CDPY_CRATE:-$CDPY_ROOT}
# Cross builds get their own target dir so they neither fight the native build for
# cargo's lock nor mix Debian rustc 1.96 artifacts with rustup's.
CDPY_TARGET_DIR=${CDPY_TARGET_DIR:-$CDPY_CRATE/target/cross}
CDPY_JOBS=${CDPY_JOBS:-1}
CDPY_RETRIES=${CDPY_RETRIES:-3}
CDPY_RETRY_DELAY=${CDPY_RETRY_DELAY:-5}
# The Debian toolchain that has target std packages (rustc-web / cargo-web).
CDPY_RUSTC=${CDPY_RUSTC:-/usr/bin/rustc}
CDPY_CARGO=${CDPY_CARGO:-/usr/bin/cargo}
export CDPY_ROOT CDPY_CACHE

die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }
warn() { printf '%s: warning: %s\n' "${0##*/}" "$*" >&2; }
log() { printf '==> %s\n' "$*" >&2; }

# retry CMD...: run CMD up to CDPY_RETRIES times, doubling the pause each time.
retry() {
    local n=1 delay=$CDPY_RETRY_DELAY rc
    while :; do
        rc=0
        "$@" || rc=$?
        [ "$rc" -eq 0 ] && return 0
        if [ "$n" -ge "$CDPY_RETRIES" ]; then
            return "$rc"
        fi
        warn "attempt $n/$CDPY_RETRIES failed (exit $rc): $*; retrying in ${delay}s"
        sleep "$delay"
        delay=$((delay * 2))
        n=$((n + 1))
    done
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
fmt_ms() { printf '%d.%01ds' $(($1 / 1000)) $((($1 % 1000) / 100)); }

# step LABEL CMD...: run CMD, record its wall time under LABEL (see print_steps).
CDPY_STEPS=()
step() {
    local label=$1 t0 rc=0
    shift
    log "$label"
    t0=$(now_ms)
    "$@" || rc=$?
    CDPY_STEPS+=("$(printf '%-56s %8s  %s' "$label" "$(fmt_ms $(($(now_ms) - t0)))" \
        "$([ "$rc" -eq 0 ] && echo ok || echo "FAILED ($rc)")")")
    return "$rc"
}
print_steps() {
    [ "${#CDPY_STEPS[@]}" -gt 0 ] || return 0
    printf '\n%-56s %8s  %s\n' "step" "wall" "result"
    printf '%s\n' "${CDPY_STEPS[@]}"
}

# Debian suites with collectd 5.12, and the CPython their collectd-core's python plugin
# links: bookworm (Debian 12, the host) 3.11, trixie (13) 3.13, sid 3.14. The suite of
# a sysroot is CDPY_SUITE, or the one of CDPY_PYTHON (3.11, 3.13, 3.14), or a board's
# `python` key; default bookworm.
CDPY_SUITES="bookworm trixie sid"
python_suite() {
    case $1 in
        3.11) echo bookworm ;;
        3.13) echo trixie ;;
        3.14) echo sid ;;
        *) die "no Debian suite with collectd ships CPython '$1' (3.11: bookworm, 3.13: trixie, 3.14: sid)" ;;
    esac
}
if [ -z "${CDPY_SUITE:-}" ]; then
    if [ -n "${CDPY_PYTHON:-}" ]; then CDPY_SUITE=$(python_suite "$CDPY_PYTHON"); else CDPY_SUITE=bookworm; fi
fi
suite_python() {
    case $1 in
        bookworm) echo 3.11 ;;
        trixie) echo 3.13 ;;
        sid) echo 3.14 ;;
        *) die "unknown Debian suite '$1' (one of: $CDPY_SUITES)" ;;
    esac
}
# suite_suffix SUITE: "" for bookworm (the cache names of the first release), else -SUITE.
suite_suffix() { [ "$1" = bookworm ] || printf -- '-%s' "$1"; }

# Sets TARGET_FILE and the variables it defines (RUST_TRIPLE, DEB_ARCH, LIBC, ...), SUITE
# and PY_VERSION (the suite's CPython), SYSROOT (per arch and suite; per arch and Python
# for LIBC=musl) and STRIP.
# Accepts a Rust triple, a Debian arch (armhf, ...) or a board name; `amd64` (or
# x86_64-unknown-linux-gnu) is this machine: a root of that suite run natively through
# the root's own dynamic loader instead of qemu (QEMU empty).
# For a board also sets BOARD_NAME, BOARD_TARGET_CPU, BOARD_TARGET_FEATURES, BOARD_QEMU_CPU,
# BOARD_BUILD_STD_FEATURES,
# BOARD_MAX_PLUGIN_BYTES, BOARD_FLASH_BYTES, BOARD_RAM_BYTES, BOARD_FILE.
# shellcheck disable=SC2034  # the variables are used by the scripts that source this
load_target() {
    local arg=$1 f
    BOARD_NAME='' BOARD_FILE='' BOARD_TARGET_CPU='' BOARD_TARGET_FEATURES='' BOARD_QEMU_CPU=''
    BOARD_BUILD_STD_FEATURES=''
    BOARD_MAX_PLUGIN_BYTES='' BOARD_FLASH_BYTES='' BOARD_RAM_BYTES='' BOARD_PYTHON=''
    SUITE=$CDPY_SUITE
    if [ -f "$CDPY_ROOT/boards/$arg.toml" ]; then
        BOARD_FILE=$CDPY_ROOT/boards/$arg.toml
        eval "$(board_field "$BOARD_FILE" shell)"
        arg=$BOARD_TARGET
        # the board's Python picks the suite unless one was asked for explicitly
        if [ -n "$BOARD_PYTHON" ] && [ -z "${CDPY_PYTHON:-}" ] && [ "$CDPY_SUITE" = bookworm ]; then
            SUITE=$(python_suite "$BOARD_PYTHON")
        fi
    fi
    PY_VERSION=$(suite_python "$SUITE")
    if [ "$arg" = amd64 ] || [ "$arg" = x86_64-unknown-linux-gnu ]; then
        TARGET_FILE='' LIBC=gnu STRIP=strip RUST_TRIPLE=x86_64-unknown-linux-gnu DEB_ARCH=amd64
        GNU_TRIPLE=x86_64-linux-gnu STD_SOURCE=host QEMU='' POINTER_WIDTH=64
        SYSROOT=$CDPY_CACHE/sysroot/$DEB_ARCH$(suite_suffix "$SUITE")
        MULTIARCH_LIB=$SYSROOT/usr/lib/$GNU_TRIPLE
        BUILD_NAME=${BOARD_NAME:-$RUST_TRIPLE}$(suite_suffix "$SUITE")
        return 0
    fi
    if [ -f "$CDPY_ROOT/targets/$arg.env" ]; then
        TARGET_FILE=$CDPY_ROOT/targets/$arg.env
    else
        TARGET_FILE=''
        for f in "$CDPY_ROOT"/targets/*.env; do
            if grep -qx "DEB_ARCH=$arg" "$f"; then TARGET_FILE=$f; break; fi
        done
        [ -n "$TARGET_FILE" ] || die "unknown target or board '$arg' (see targets/*.env, boards/*.toml)"
    fi
    LIBC=gnu ZIG_TARGET='' ZIG_CPU='' FLOAT_ABI='' ENDIAN=little TARGET_QEMU_CPU=''
    RUSTFLAGS_TARGET=""
    # shellcheck source=/dev/null
    . "$TARGET_FILE"
    : "${RUST_TRIPLE:?}" "${DEB_ARCH:?}" "${GNU_TRIPLE:?}" "${STD_SOURCE:?}" "${QEMU:?}" "${POINTER_WIDTH:?}"
    # the target's own qemu CPU model (a board's qemu_cpu wins)
    [ -n "$BOARD_QEMU_CPU" ] || BOARD_QEMU_CPU=$TARGET_QEMU_CPU
    STRIP=$GNU_TRIPLE-strip
    if [ "$LIBC" = musl ]; then
        # built from source (sysroot/musl.sh): CPython 3.13 unless CDPY_PYTHON or the
        # board's `python` says otherwise; SUITE is the Debian suite of that Python's
        # source package. Flat usr/lib, no multiarch dir; LLVM's strip (no binutils for it).
        PY_VERSION=${CDPY_PYTHON:-${BOARD_PYTHON:-3.13}}
        SUITE=$(python_suite "$PY_VERSION")
        SYSROOT=$CDPY_CACHE/sysroot/$DEB_ARCH-py$PY_VERSION
        MULTIARCH_LIB=$SYSROOT/usr/lib
        BUILD_NAME=${BOARD_NAME:-$RUST_TRIPLE}$([ "$PY_VERSION" = 3.13 ] || printf -- '-py%s' "$PY_VERSION")
        STRIP=llvm-strip
        return 0
    fi
    SYSROOT=$CDPY_CACHE/sysroot/$DEB_ARCH$(suite_suffix "$SUITE")
    MULTIARCH_LIB=$SYSROOT/usr/lib/$GNU_TRIPLE
    # per suite: out/<board|triple>[-<suite>]/python.so
    BUILD_NAME=${BOARD_NAME:-$RUST_TRIPLE}$(suite_suffix "$SUITE")
}

# board_field FILE shell: prints shell assignments for a board file (needs python3 >= 3.11).
board_field() {
    python3 - "$1" <<'PY'
import shlex, sys, tomllib
with open(sys.argv[1], "rb") as f:
    b = tomllib.load(f)
budget = b.get("budget", {})
vals = {
    "BOARD_NAME": b["name"],
    "BOARD_TARGET": b["target"],
    "BOARD_TARGET_CPU": b.get("target_cpu", ""),
    "BOARD_TARGET_FEATURES": b.get("target_features", ""),
    "BOARD_QEMU_CPU": b.get("qemu_cpu", ""),
    "BOARD_BUILD_STD_FEATURES": b.get("build_std_features", ""),
    "BOARD_MAX_PLUGIN_BYTES": budget.get("max_plugin_bytes", ""),
    "BOARD_FLASH_BYTES": budget.get("flash_bytes", ""),
    "BOARD_RAM_BYTES": budget.get("ram_bytes", ""),
    "BOARD_PYTHON": b.get("python", ""),
}
for k, v in vals.items():
    print(f"{k}={shlex.quote(str(v))}")
PY
}

# board_conf FILE: prints the board's collectd.conf snippet.
board_conf() {
    python3 -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["collectd_conf"])' "$1"
}

# all_targets: every Rust triple with a targets/*.env file.
all_targets() {
    local f
    for f in "$CDPY_ROOT"/targets/*.env; do basename "$f" .env; done
}

# all_boards: every board name with a boards/*.toml file.
all_boards() {
    local f
    for f in "$CDPY_ROOT"/boards/*.toml; do basename "$f" .toml; done
}

# usage: prints the calling script's header comment (its help text).
usage() { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; }

# apt_ensure LABEL PKG...: installs (idempotently) the packages dpkg-query does not
# report as installed; apt-get update at most once, each step retried.
apt_ensure() {
    local label=$1 p st missing=() sudo=()
    shift
    for p in "$@"; do
        st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
        [ "$st" = installed ] || missing+=("$p")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        log "$label packages: all $# present"
        return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "not root and no sudo: install ${missing[*]} by hand"
        sudo=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    log "$label packages missing: ${missing[*]}"
    retry "${sudo[@]}" apt-get update -q ||
        die "apt-get update failed $CDPY_RETRIES times: check the mirrors in /etc/apt/sources.list.d (see output above)"
    retry "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" ||
        die "apt-get install failed $CDPY_RETRIES times for: ${missing[*]} (a mirror mid-sync? see apt's error above)"
    log "$label packages: installed ${#missing[@]}"
}

# write_if_changed FILE: writes stdin to FILE only when it differs, so cargo sees no
# change to rebuild for.
write_if_changed() {
    local t
    t=$(cat)
    mkdir -p "$(dirname "$1")"
    [ "$t" = "$(cat "$1" 2>/dev/null)" ] || printf '%s\n' "$t" >"$1"
}

# root_rustflags: RUSTFLAGS for linking against the libpython of a native root (after
# load_target amd64): libpython's own dependencies resolve from the root, and the
# newer glibc symbols they use are left to the root's libc at run time.
root_rustflags() {
    echo "-Clink-arg=-Wl,-rpath-link,$SYSROOT/lib/$GNU_TRIPLE:$MULTIARCH_LIB -Clink-arg=-Wl,--allow-shlib-undefined"
}

# pyo3_config OUT VERSION LIBDIR POINTER_WIDTH: a PYO3_CONFIG_FILE for a shared CPython
# 3.X (the GIL build) whose libpython3.X.so link is in LIBDIR; no interpreter is run.
pyo3_config() {
    write_if_changed "$1" <<EOF
implementation=CPython
version=$2
shared=true
abi3=false
lib_name=python$2
lib_dir=$3
pointer_width=$4
build_flags=
suppress_build_script_link_lines=false
EOF
}
