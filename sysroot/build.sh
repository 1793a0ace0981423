#!/bin/bash
# Usage: sysroot/build.sh <debarch|triple|board> [--refresh]
# Assembles a Debian 12 target sysroot in $CDPY_CACHE/sysroot/<debarch> (default cache:
# <repo>/.cache) and prints its path: the target's libc, libpython3.11 with its stdlib,
# python3.11-minimal, the target's real collectd-core (daemon + C python.so), and the
# headers bindgen needs (libc6-dev, collectd-dev). Nothing is installed on the host:
# apt runs with a private state (sysroot/apt.sh) and the .debs are unpacked with dpkg -x.
#
# Cached: a stamp keyed on the package list, sources and this script's format makes a
# second run a no-op without network. --refresh (or CDPY_REFRESH=1) re-reads the
# mirror and rebuilds only if a resolved version changed.
# Env: CDPY_SYSROOT_EXTRA="pkg ..." adds packages; CDPY_APT_SOURCES, CDPY_APT_PARTIAL_OK,
# CDPY_RETRIES, CDPY_RETRY_DELAY: see sysroot/README.md.
set -euo pipefail
H=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=ci/lib.sh
. "$H/../ci/lib.sh"
# shellcheck source=sysroot/apt.sh
. "$H/apt.sh"

FORMAT=3 # bump when the layout of the result changes
refresh=${CDPY_REFRESH:-0}
arg=''
for a in "$@"; do
    case $a in
        --refresh) refresh=1 ;;
        -h|--help) usage; exit 0 ;;
        *) [ -z "$arg" ] || die "one target at a time"; arg=$a ;;
    esac
done
[ -n "$arg" ] || die "usage: sysroot/build.sh <debarch|triple|board> [--refresh]"
load_target "$arg"
A=$DEB_ARCH S=$SYSROOT D=$CDPY_CACHE/debs/$A STAMP=$CDPY_CACHE/sysroot/$A.stamp

# Runtime: what the target collectd + python plugin load. Dev: headers for bindgen
# (--sysroot) and the collectd plugin API (COLLECTD_INCLUDE_DIR=$S/usr/include).
WANT="libc6 libpython3.11 libpython3.11-stdlib libpython3.11-minimal python3.11-minimal collectd-core"
WANT_DEV="libc6-dev linux-libc-dev collectd-dev"
# Pulled in only through Pre-Depends or maintainer scripts, or by modules neither
# collectd's python plugin nor the tests load: left out to keep the tree small.
EXCL='^(dpkg|tar|debconf|lsb-base|sysvinit-utils|readline-common|libselinux1|libacl1|libmd0|libpcre2-8-0|libzstd1|libbz2-1.0|perl-base|libkrb5-3|libkrb5support0|libk5crypto3|libgssapi-krb5-2|libkeyutils1|libcom-err2|libdb5.3|gcc-12-base|libc-dev-bin|rpcsvc-proto)$'
PKGS="$WANT $WANT_DEV ${CDPY_SYSROOT_EXTRA:-}"
read -r -a PKG_LIST <<<"$PKGS"

# one run per arch at a time (parallel builds of two boards of the same arch)
mkdir -p "$CDPY_CACHE/sysroot"
exec 9>"$CDPY_CACHE/sysroot/$A.lock"
flock 9

key=$({
    echo "format=$FORMAT arch=$A"
    echo "pkgs=$PKGS"
    echo "excl=$EXCL"
    cat "$(apt_default_sources)"
} | sha256sum | cut -c1-16)

if [ "$refresh" != 1 ] && [ -d "$S/usr/sbin" ] && [ "$(head -1 "$STAMP" 2>/dev/null)" = "key=$key" ]; then
    log "sysroot $A up to date ($(sed -n 2p "$STAMP"))"
    echo "$S"
    exit 0
fi

# resolve: prints "name version arch" for the closure, exclusions dropped.
resolve() {
    apt_target "$A" install -s -q --no-install-recommends "${PKG_LIST[@]}" 2>"$CDPY_CACHE/apt/$A/resolve.err" |
        awk -v ex="$EXCL" '/^Inst / && $2 !~ ex {
            v = $3; sub(/^\(/, "", v); match($0, /\[[a-z0-9]+\]/)
            print $2, v, substr($0, RSTART + 1, RLENGTH - 2) }'
}

mkdir -p "$D" "$CDPY_CACHE/sysroot"
apt_setup "$A"
if [ "$refresh" = 1 ] || ! apt_has_lists "$A"; then apt_update "$A"; fi
closure=$(resolve)
if [ -z "$closure" ]; then
    # lists may predate a package's arrival or an old version may be gone: re-read once
    apt_update "$A"
    closure=$(resolve)
fi
if [ -z "$closure" ]; then
    {
        echo "${0##*/}: error: cannot resolve '$PKGS' for $A. apt said:"
        sed 's/^/    /' "$CDPY_CACHE/apt/$A/resolve.err"
    } >&2
    exit 1
fi
resolved_sum=$(echo "$closure" | sha256sum | cut -c1-16)
npk=$(echo "$closure" | wc -l)
if [ "$refresh" = 1 ] && [ -d "$S/usr/sbin" ] && [ "$(sed -n 3p "$STAMP" 2>/dev/null)" = "resolved=$resolved_sum" ]; then
    sed -i "1s/.*/key=$key/" "$STAMP"
    log "sysroot $A: mirror unchanged ($npk packages)"
    echo "$S"
    exit 0
fi

# download what the deb cache does not have yet (file names as apt-get download makes them)
need=()
while read -r name ver arch; do
    f="${name}_${ver//:/%3a}_${arch}.deb"
    [ -s "$D/$f" ] || need+=("$name=$ver")
done <<<"$closure"
fetch() { (cd "$D" && apt_capture "$CDPY_CACHE/apt/$A/download.log" apt_target "$A" download -q "${need[@]}"); }
if [ "${#need[@]}" -gt 0 ]; then
    log "downloading ${#need[@]} of $npk packages for $A"
    if ! retry fetch; then
        {
            echo "${0##*/}: error: downloading for $A failed $CDPY_RETRIES times: ${need[*]}"
            echo "The mirror said:"
            apt_errors "$CDPY_CACHE/apt/$A/download.log"
            echo "A 404 means the lists are older than the mirror: run again with --refresh."
        } >&2
        exit 1
    fi
fi

# unpack into a fresh tree and swap it in, so an interrupted run leaves no half sysroot
log "unpacking $npk packages into $S"
rm -rf "$S.new"
mkdir -p "$S.new"
while read -r name ver arch; do
    dpkg -x "$D/${name}_${ver//:/%3a}_${arch}.deb" "$S.new"
done <<<"$closure"
# absolute symlinks would point into the host under qemu -L / ld / clang --sysroot
find "$S.new" -type l -lname '/*' -print0 | while IFS= read -r -d '' l; do
    t=$(readlink "$l")
    ln -sfn "$(realpath -m --relative-to="$(dirname "$l")" "$S.new$t")" "$l"
done
# not needed to run or link against: docs, translations, iconv modules, static libs
rm -rf "$S.new"/usr/share/doc "$S.new"/usr/share/man "$S.new"/usr/share/locale "$S.new/usr/lib/$GNU_TRIPLE/gconv"
find "$S.new"/usr/lib -name '*.a' -delete
# link-time name for libpython (instead of libpython3.11-dev with its 20 MB static lib).
# pyo3's lib_dir is usr/lib/pylink, which holds only that link: the multiarch dir also
# has libc6-dev's libc.so, a linker script with absolute paths that would take the
# place of the cross toolchain's own libc when it is on the linker's -L path.
ln -sfn libpython3.11.so.1.0 "$S.new/usr/lib/$GNU_TRIPLE/libpython3.11.so"
mkdir -p "$S.new/usr/lib/pylink"
ln -sfn "../$GNU_TRIPLE/libpython3.11.so.1.0" "$S.new/usr/lib/pylink/libpython3.11.so"
[ -x "$S.new/usr/sbin/collectd" ] || die "collectd-core for $A has no usr/sbin/collectd"
[ -e "$S.new/usr/lib/collectd/python.so" ] || die "collectd-core for $A has no C python.so"
[ -e "$S.new/usr/include/collectd/core/daemon/plugin.h" ] || die "collectd-dev headers missing"
rm -rf "$S"
mv "$S.new" "$S"
printf 'key=%s\n%s packages, %s\nresolved=%s\n%s\n' "$key" "$npk" "$(du -sh "$S" | cut -f1)" \
    "$resolved_sum" "$closure" >"$STAMP"
log "sysroot $A: $npk packages, $(du -sh "$S" | cut -f1) ($(du -sh "$D" | cut -f1) of .debs cached)"
echo "$S"
