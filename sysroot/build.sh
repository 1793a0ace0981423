#!/bin/bash
# Usage: sysroot/build.sh <debarch|triple|board|amd64> [--suite bookworm|trixie|sid] [--refresh]
# Assembles a Debian target root in $CDPY_CACHE/sysroot/<debarch>[-<suite>] (default
# cache: ~/.cache/collectd-python) and prints its path: the target's libc, the suite's libpython3.X
# with its stdlib (bookworm 3.11, trixie 3.13, sid 3.14), python3.X-minimal, the suite's
# real collectd-core (daemon + C python.so), and the headers bindgen needs (libc6-dev,
# collectd-dev). Nothing is installed on the host: apt runs with a private state
# (sysroot/apt.sh) and the .debs are unpacked with dpkg -x. `amd64` builds a root for
# this machine, whose collectd runs through the root's own ld.so (see ci/lib.sh).
# The suite defaults to CDPY_SUITE, the suite of CDPY_PYTHON, a board's `python`, or bookworm.
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

FORMAT=4 # bump when the layout of the result changes
refresh=${CDPY_REFRESH:-0}
arg=''
while [ $# -gt 0 ]; do
    case $1 in
        --refresh) refresh=1 ;;
        --suite) CDPY_SUITE=${2:?--suite needs a value}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) [ -z "$arg" ] || die "one target at a time"; arg=$1 ;;
    esac
    shift
done
[ -n "$arg" ] || die "usage: sysroot/build.sh <debarch|triple|board|amd64> [--suite S] [--refresh]"
load_target "$arg"
# musl targets have no Debian root: built from source
[ "$LIBC" = musl ] && exec "$H/musl.sh" "$arg" ${refresh:+$([ "$refresh" = 1 ] && echo --rebuild)}
CDPY_SUITE=$SUITE
N=$(basename "$SYSROOT") # <debarch>[-<suite>]
A=$DEB_ARCH S=$SYSROOT D=$CDPY_CACHE/debs/$N STAMP=$CDPY_CACHE/sysroot/$N.stamp
ADIR=$CDPY_CACHE/apt/$N
PV=$PY_VERSION

# Runtime: what the target collectd + python plugin load. Dev: headers for bindgen
# (--sysroot) and the collectd plugin API (COLLECTD_INCLUDE_DIR=$S/usr/include).
WANT="libc6 libpython$PV libpython$PV-stdlib libpython$PV-minimal python$PV-minimal collectd-core"
WANT_DEV="libc6-dev linux-libc-dev collectd-dev"
# Pulled in only through Pre-Depends or maintainer scripts, or by modules neither
# collectd's python plugin nor the tests load: left out to keep the tree small
# (names of bookworm and of the t64 transition in trixie/sid).
EXCL='^(dpkg|tar|debconf|lsb-base|sysvinit-utils|readline-common|libselinux1|libacl1|libmd0|libpcre2-8-0|libbz2-1.0|perl-base|libkrb5-3|libkrb5support0|libk5crypto3|libgssapi-krb5-2|libkeyutils1|libcom-err2|libdb5.3(t64)?|gcc-[0-9]+-base|libc-dev-bin|rpcsvc-proto|base-files|mawk|debianutils|coreutils|libcrypt-dev)$'
PKGS="$WANT $WANT_DEV ${CDPY_SYSROOT_EXTRA:-}"
read -r -a PKG_LIST <<<"$PKGS"

# one run per root at a time (parallel builds of two boards of the same arch)
mkdir -p "$CDPY_CACHE/sysroot"
exec 9>"$CDPY_CACHE/sysroot/$N.lock"
flock 9

key=$({
    echo "format=$FORMAT arch=$A suite=$SUITE"
    echo "pkgs=$PKGS"
    echo "excl=$EXCL"
    cat "$(apt_default_sources)"
} | sha256sum | cut -c1-16)

if [ "$refresh" != 1 ] && [ -d "$S/usr/sbin" ] && [ "$(head -1 "$STAMP" 2>/dev/null)" = "key=$key" ]; then
    log "sysroot $N up to date ($(sed -n 2p "$STAMP"))"
    echo "$S"
    exit 0
fi

# resolve: prints "name version arch" for the closure, exclusions dropped.
resolve() {
    apt_target "$A" install -s -q --no-install-recommends "${PKG_LIST[@]}" 2>"$ADIR/resolve.err" |
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
        echo "${0##*/}: error: cannot resolve '$PKGS' for $A ($SUITE). apt said:"
        sed 's/^/    /' "$ADIR/resolve.err"
    } >&2
    exit 1
fi
resolved_sum=$(echo "$closure" | sha256sum | cut -c1-16)
npk=$(echo "$closure" | wc -l)
if [ "$refresh" = 1 ] && [ -d "$S/usr/sbin" ] && [ "$(sed -n 3p "$STAMP" 2>/dev/null)" = "resolved=$resolved_sum" ]; then
    sed -i "1s/.*/key=$key/" "$STAMP"
    log "sysroot $N: mirror unchanged ($npk packages)"
    echo "$S"
    exit 0
fi

# download what the deb cache does not have yet (file names as apt-get download makes them)
need=()
while read -r name ver arch; do
    f="${name}_${ver//:/%3a}_${arch}.deb"
    [ -s "$D/$f" ] || need+=("$name=$ver")
done <<<"$closure"
fetch() { (cd "$D" && apt_capture "$ADIR/download.log" apt_target "$A" download -q "${need[@]}"); }
if [ "${#need[@]}" -gt 0 ]; then
    log "downloading ${#need[@]} of $npk packages for $A ($SUITE)"
    if ! retry fetch; then
        {
            echo "${0##*/}: error: downloading for $A failed $CDPY_RETRIES times: ${need[*]}"
            echo "The mirror said:"
            apt_errors "$ADIR/download.log"
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
# merged /usr (trixie, sid): the packages ship only usr/lib etc. and base-files (left out)
# makes the top-level links, where the ELF interpreter (/lib/ld-linux-*) is looked up
for d in bin sbin lib lib32 lib64 libx32; do
    if [ -d "$S.new/usr/$d" ] && [ ! -e "$S.new/$d" ]; then ln -s "usr/$d" "$S.new/$d"; fi
done
# not needed to run or link against: docs, translations, iconv modules, static libs
rm -rf "$S.new"/usr/share/doc "$S.new"/usr/share/man "$S.new"/usr/share/locale "$S.new/usr/lib/$GNU_TRIPLE/gconv"
find "$S.new"/usr/lib -name '*.a' -delete
# link-time name for libpython (instead of libpython3.11-dev with its 20 MB static lib).
# pyo3's lib_dir is usr/lib/pylink, which holds only that link: the multiarch dir also
# has libc6-dev's libc.so, a linker script with absolute paths that would take the
# place of the cross toolchain's own libc when it is on the linker's -L path.
ln -sfn "libpython$PV.so.1.0" "$S.new/usr/lib/$GNU_TRIPLE/libpython$PV.so"
mkdir -p "$S.new/usr/lib/pylink"
ln -sfn "../$GNU_TRIPLE/libpython$PV.so.1.0" "$S.new/usr/lib/pylink/libpython$PV.so"
[ -x "$S.new/usr/sbin/collectd" ] || die "collectd-core for $A has no usr/sbin/collectd"
[ -e "$S.new/usr/lib/collectd/python.so" ] || die "collectd-core for $A has no C python.so"
[ -e "$S.new/usr/include/collectd/core/daemon/plugin.h" ] || die "collectd-dev headers missing"
rm -rf "$S"
mv "$S.new" "$S"
printf 'key=%s\n%s packages, %s\nresolved=%s\n%s\n' "$key" "$npk" "$(du -sh "$S" | cut -f1)" \
    "$resolved_sum" "$closure" >"$STAMP"
log "sysroot $N: $npk packages, $(du -sh "$S" | cut -f1) ($(du -sh "$D" | cut -f1) of .debs cached)"
echo "$S"
