#!/bin/bash
# Usage: sysroot/rust-std.sh <triple|board|debarch> [--refresh]
# Provides the Rust standard library for a target, for Debian's rustc-web (/usr/bin/rustc):
#   STD_SOURCE=debian:    libstd-rust-web-dev:<debarch> at exactly the host rustc-web
#                         version, fetched with the private apt state (sysroot/apt.sh) and
#                         unpacked with dpkg -x into $CDPY_CACHE/rust-std/<debarch>; used with
#                         `rustc --sysroot`. If the mirror does not offer that version (e.g.
#                         its security index for the arch is broken), falls back to build-std.
#   STD_SOURCE=build-std: std is compiled by cargo -Zbuild-std from rust-web-src.
# Writes $CDPY_CACHE/rust-std/<triple>.env (STD_MODE, STD_SYSROOT, STD_REASON) for
# ci/xbuild.sh and prints STD_MODE. Cached: a second run is a no-op; a fall-back is
# remembered until --refresh.
set -euo pipefail
H=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=ci/lib.sh
. "$H/../ci/lib.sh"
# shellcheck source=sysroot/apt.sh
. "$H/apt.sh"

refresh=${CDPY_REFRESH:-0} arg=''
for a in "$@"; do
    case $a in
        --refresh) refresh=1 ;;
        -h|--help) usage; exit 0 ;;
        *) arg=$a ;;
    esac
done
[ -n "$arg" ] || die "usage: sysroot/rust-std.sh <triple|board|debarch> [--refresh]"
load_target "$arg"
# the std matches the host's rustc-web, a Debian 12 package whatever the target's suite
CDPY_SUITE=bookworm

ver=$(dpkg-query -W -f='${Version}' rustc-web 2>/dev/null) ||
    die "rustc-web is not installed: run ci/host-deps.sh $RUST_TRIPLE"
[ "$("$CDPY_RUSTC" -vV | sed -n 's/^release: //p')" = "${ver%%+*}" ] ||
    die "$CDPY_RUSTC is not Debian's rustc-web $ver: the Debian std and rust-web-src must match it"
D=$CDPY_CACHE/rust-std/$DEB_ARCH
OUT=$CDPY_CACHE/rust-std/$RUST_TRIPLE.env
mkdir -p "$CDPY_CACHE/rust-std"
exec 9>"$CDPY_CACHE/rust-std/$DEB_ARCH.lock"
flock 9

write_env() { # mode sysroot reason
    printf 'STD_MODE=%s\nSTD_SYSROOT=%s\nSTD_REASON=%q\nSTD_VERSION=%s\n' "$1" "$2" "$3" "$ver" >"$OUT"
    log "$RUST_TRIPLE std: $1${3:+ ($3)}"
    echo "$1"
}

build_std() { # reason
    local src=/usr/lib/rustlib/src/rust/library
    local sver
    sver=$(dpkg-query -W -f='${Version}' rust-web-src 2>/dev/null) ||
        die "rust-web-src is not installed (needed for -Zbuild-std): run ci/host-deps.sh $RUST_TRIPLE"
    [ "$sver" = "$ver" ] || die "rust-web-src $sver does not match rustc-web $ver: upgrade both"
    [ -d "$src/std" ] || die "rust-web-src installed but $src/std is missing"
    write_env build-std '' "$1"
}

if [ "$STD_SOURCE" = build-std ]; then
    build_std "tier 3 target: no prebuilt std"
    exit 0
fi

rlib_dir=$D/usr/lib/rustlib/$RUST_TRIPLE/lib
if [ "$refresh" != 1 ] && [ -f "$OUT" ]; then
    # shellcheck source=/dev/null
    . "$OUT"
    if [ "${STD_VERSION:-}" = "$ver" ]; then
        if [ "$STD_MODE" = debian ] && compgen -G "$rlib_dir/libstd-*.rlib" >/dev/null; then
            # rewritten: the cache may have moved since (STD_SYSROOT is absolute)
            write_env debian "$D/usr" "" >/dev/null
            log "$RUST_TRIPLE std: Debian libstd-rust-web-dev $ver (cached)"
            echo debian
            exit 0
        fi
        if [ "$STD_MODE" = build-std ]; then
            log "$RUST_TRIPLE std: build-std (cached decision: $STD_REASON; --refresh to re-check)"
            echo build-std
            exit 0
        fi
    fi
fi

apt_setup "$DEB_ARCH"
if [ "$refresh" = 1 ] || ! apt_has_lists "$DEB_ARCH"; then apt_update "$DEB_ARCH"; fi
offered() { apt_target "$DEB_ARCH" -q -s install "libstd-rust-web-dev=$ver" >/dev/null 2>&1; }
if ! offered && [ "$refresh" != 1 ] && ! apt_lists_fresh "$DEB_ARCH"; then
    apt_update "$DEB_ARCH" # the lists may predate the host's rustc-web
fi
if ! offered; then
    have=$(APT_CONFIG=$APT_DIR/apt.conf apt-cache policy libstd-rust-web-dev 2>/dev/null | sed -n 's/^ *Candidate: //p')
    warn "the mirror offers libstd-rust-web-dev:$DEB_ARCH ${have:-(none)}, not $ver (host rustc-web);" \
        "building std from rust-web-src instead"
    build_std "libstd-rust-web-dev:$DEB_ARCH $ver not on the mirror (it has ${have:-none})"
    exit 0
fi

deb_dir=$CDPY_CACHE/debs/$DEB_ARCH
mkdir -p "$deb_dir"
fetch() { (cd "$deb_dir" && apt_capture "$APT_DIR/std-download.log" apt_target "$DEB_ARCH" download -q "libstd-rust-web-dev=$ver"); }
retry fetch || {
    echo "${0##*/}: error: downloading libstd-rust-web-dev:$DEB_ARCH=$ver failed $CDPY_RETRIES times:" >&2
    apt_errors "$APT_DIR/std-download.log" >&2
    exit 1
}
rm -rf "$D.new"
dpkg -x "$deb_dir/libstd-rust-web-dev_${ver//:/%3a}_$DEB_ARCH.deb" "$D.new"
compgen -G "$D.new/usr/lib/rustlib/$RUST_TRIPLE/lib/libstd-*.rlib" >/dev/null ||
    die "libstd-rust-web-dev:$DEB_ARCH has no rlibs for $RUST_TRIPLE"
rm -rf "$D"
mv "$D.new" "$D"
write_env debian "$D/usr" ""
