#!/bin/bash
# Usage: sysroot/sources.sh <source package> [<version glob>] [--refresh]
# Fetches a Debian source package (`apt-get source --download-only`) into
# $CDPY_CACHE/src/<package>/ and prints the path of its .orig tarball. The musl
# sysroots (sysroot/musl.sh) are built from these: musl, python3.X, collectd.
# apt runs with a private state ($CDPY_CACHE/apt/deb-src) whose only sources are deb-src
# lines for bookworm, trixie and sid on the host's own Debian mirror (read from
# /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list, or CDPY_APT_SOURCES):
# no mirror name is written anywhere in the project. The newest version any of the
# three suites offers is taken; when its files are gone from the mirror (a 404: the
# index is older than the pool), each older version is tried in turn.
# Cached: once a package's files are there, a second run is a no-op without network
# (the choice is in $CDPY_CACHE/src/<package>/selected); --refresh looks again.
# A version glob (e.g. '3.4.*') limits the choice to the Debian versions it matches.
set -euo pipefail
H=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=ci/lib.sh
. "$H/../ci/lib.sh"
# shellcheck source=sysroot/apt.sh
. "$H/apt.sh"

refresh=${CDPY_REFRESH:-0} pkg='' want='*'
for a in "$@"; do
    case $a in
        --refresh) refresh=1 ;;
        -h|--help) usage; exit 0 ;;
        *) if [ -z "$pkg" ]; then pkg=$a; else want=$a; fi ;;
    esac
done
[ -n "$pkg" ] || die "usage: sysroot/sources.sh <source package> [--refresh]"

OUT=$CDPY_CACHE/src/$pkg
SEL=$OUT/selected
mkdir -p "$OUT"
exec 9>"$OUT.lock"
flock 9

# selected: "version orig-tarball" of the last successful fetch
if [ "$refresh" != 1 ] && [ -s "$SEL" ]; then
    read -r ver orig <"$SEL"
    # shellcheck disable=SC2053  # $want is a glob
    if [ -s "$OUT/$orig" ] && [[ $ver == $want ]]; then
        log "$pkg $ver: cached ($OUT/$orig)"
        echo "$OUT/$orig"
        exit 0
    fi
fi

SD=$CDPY_CACHE/apt/deb-src
mkdir -p "$SD"/etc/apt.conf.d "$SD"/etc/preferences.d "$SD"/etc/sources.list.d \
    "$SD"/state/lists/partial "$SD"/cache/archives/partial
[ -e "$SD/state/status" ] || : >"$SD/state/status"

# the host's Debian mirror: the first URI that is not a -security one
mirror() {
    local f
    f=$(apt_default_sources)
    case $f in
        *.sources) awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f" ;;
        *) awk '$1 == "deb" { u = ($2 ~ /^\[/) ? $3 : $2; if (u !~ /security/) { print u; exit } }' "$f" ;;
    esac
}
M=$(mirror)
[ -n "$M" ] || die "no Debian mirror URI in $(apt_default_sources): set CDPY_APT_SOURCES to a sources file"
{
    for s in bookworm trixie sid; do
        echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $M $s main"
    done
} >"$SD/sources.want"
cmp -s "$SD/sources.want" "$SD/etc/sources.list.d/deb-src.list" || cp "$SD/sources.want" "$SD/etc/sources.list.d/deb-src.list"
apt_private_conf "$SD" >"$SD/apt.conf"
aptsrc() { APT_CONFIG=$SD/apt.conf apt-get "$@"; }
have_lists() { compgen -G "$SD/state/lists/*_Sources*" >/dev/null; }
fresh_lists() { [ -n "$(find "$SD/state/lists" -maxdepth 1 -name '*_Sources*' -mmin -60 -print -quit)" ]; }
update() {
    log "apt-get update (deb-src: bookworm trixie sid, private state $SD)"
    retry apt_capture "$SD/update.log" aptsrc update -q || {
        echo "${0##*/}: error: apt-get update of the deb-src lists failed $CDPY_RETRIES times. The mirror said:" >&2
        apt_errors "$SD/update.log" >&2
        exit 1
    }
}
if [ "$refresh" = 1 ] || ! have_lists; then update; fi

# every version the lists know, newest first
versions() {
    local v
    APT_CONFIG=$SD/apt.conf apt-cache showsrc "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | sort -urV |
        while read -r v; do
            # shellcheck disable=SC2053  # $want is a glob
            [[ $v == $want ]] && echo "$v"
        done
    return 0
}
mapfile -t vers < <(versions)
if [ "${#vers[@]}" -eq 0 ] && ! fresh_lists; then
    update
    mapfile -t vers < <(versions)
fi
[ "${#vers[@]}" -gt 0 ] || die "source package '$pkg' (version $want) is in none of bookworm, trixie, sid on $M"

# The .orig tarball is what the build needs: apt checks it against the Sources index
# (Checksums-Sha256), so it is taken even when the mirror lacks the version's .dsc or
# .debian.tar.xz (seen: a pool that has some files of a version and not others).
# A 404 is not retried (the next older version is tried instead); other errors are.
orig_of() { # version -> the orig tarball's file name, if it is in tmp/
    local up=${1#*:}
    up=${up%-*}
    (cd "$OUT/tmp" && ls -- "${pkg}_$up".orig.tar.* 2>/dev/null | grep -v '\.asc$' | head -1) || true
}
mkdir -p "$OUT/tmp"
tried=()
for v in "${vers[@]}"; do
    n=1
    while :; do
        log "fetching source $pkg $v${n:+ (attempt $n/$CDPY_RETRIES)}"
        rc=0
        (cd "$OUT/tmp" && aptsrc source -q --download-only "$pkg=$v") >"$OUT/fetch.log" 2>&1 || rc=$?
        orig=$(orig_of "$v")
        if [ -n "$orig" ]; then
            [ "$rc" -eq 0 ] || warn "$pkg $v: the .orig tarball came, not every other file of the version (see $OUT/fetch.log)"
            mv "$OUT"/tmp/* "$OUT"/
            echo "$v $orig" >"$SEL"
            log "$pkg $v: $OUT/$orig"
            echo "$OUT/$orig"
            exit 0
        fi
        if grep -q '404' "$OUT/fetch.log" || [ "$n" -ge "$CDPY_RETRIES" ]; then break; fi
        warn "fetching $pkg $v failed (exit $rc); retrying in $((CDPY_RETRY_DELAY << (n - 1)))s"
        sleep $((CDPY_RETRY_DELAY << (n - 1)))
        n=$((n + 1))
    done
    tried+=("$v")
    grep -q '404' "$OUT/fetch.log" || break # not a stale index: older versions would fail alike
done
{
    echo "${0##*/}: error: cannot fetch the .orig tarball of $pkg from $M (tried: ${tried[*]}). The mirror said:"
    apt_errors "$OUT/fetch.log"
    echo "A 404 for every version means the mirror's pool no longer has those files: try --refresh later,"
    echo "or another Python version (CDPY_PYTHON=3.11|3.13|3.14)."
} >&2
exit 1
