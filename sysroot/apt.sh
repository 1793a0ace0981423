# shellcheck shell=bash
# apt-get with a private per-architecture state under $CDPY_CACHE/apt/<debarch>:
# own sources copy, lists, archive cache and an empty dpkg status. The host's dpkg
# database and apt state are never read or written, and no `dpkg --add-architecture`
# is needed. Source after ci/lib.sh.
#
# Sources: $CDPY_APT_SOURCES (a deb822 .sources or one-line .list file) or, by default,
# the host's own Debian entry (/etc/apt/sources.list.d/debian.sources, else
# /etc/apt/sources.list), so the sysroot comes from the same release and mirror as the
# host (Debian 12: collectd 5.12, Python 3.11).

apt_default_sources() {
    local f
    for f in "${CDPY_APT_SOURCES:-}" /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
        if [ -n "$f" ] && [ -s "$f" ]; then echo "$f"; return 0; fi
    done
    die "no apt sources found: set CDPY_APT_SOURCES to a Debian 12 sources file"
}

# apt_setup DEBARCH: creates the private state (idempotent) and sets APT_DIR.
apt_setup() {
    local arch=$1 src dst
    APT_DIR=$CDPY_CACHE/apt/$arch
    src=$(apt_default_sources)
    case $src in *.sources) dst=debian.sources ;; *) dst=debian.list ;; esac
    mkdir -p "$APT_DIR"/etc/apt.conf.d "$APT_DIR"/etc/preferences.d "$APT_DIR"/etc/sources.list.d \
        "$APT_DIR"/state/lists/partial "$APT_DIR"/cache/archives/partial
    [ -e "$APT_DIR/state/status" ] || : >"$APT_DIR/state/status"
    if ! cmp -s "$src" "$APT_DIR/etc/sources.list.d/$dst"; then
        rm -f "$APT_DIR"/etc/sources.list.d/*
        cp "$src" "$APT_DIR/etc/sources.list.d/$dst"
    fi
    cat >"$APT_DIR/apt.conf.new" <<EOF
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
Dir::Etc "$APT_DIR/etc/";
Dir::Etc::main "$APT_DIR/apt.conf";
Dir::Etc::Trusted "/etc/apt/trusted.gpg";
Dir::Etc::TrustedParts "/etc/apt/trusted.gpg.d/";
Dir::State "$APT_DIR/state/";
Dir::State::status "$APT_DIR/state/status";
Dir::Cache "$APT_DIR/cache/";
Dir::Log "$APT_DIR/";
APT::Install-Recommends "false";
APT::Get::AllowUnauthenticated "false";
Acquire::Retries "3";
Acquire::GzipIndexes "true";
Dir::Cache::srcpkgcache "";
Debug::NoLocking "true";
EOF
    mv "$APT_DIR/apt.conf.new" "$APT_DIR/apt.conf"
}

# apt_target DEBARCH ARGS...: apt-get ARGS with the private state of DEBARCH.
apt_target() {
    local arch=$1
    shift
    [ "${APT_DIR:-}" = "$CDPY_CACHE/apt/$arch" ] || apt_setup "$arch"
    APT_CONFIG=$APT_DIR/apt.conf apt-get "$@"
}

# apt_has_lists DEBARCH: true once an update has fetched package lists.
apt_has_lists() {
    [ "${APT_DIR:-}" = "$CDPY_CACHE/apt/$1" ] || apt_setup "$1"
    compgen -G "$APT_DIR/state/lists/*_Packages*" >/dev/null
}

# apt_lists_fresh DEBARCH: true if an update fetched lists less than an hour ago.
apt_lists_fresh() {
    [ "${APT_DIR:-}" = "$CDPY_CACHE/apt/$1" ] || apt_setup "$1"
    [ -n "$(find "$APT_DIR/state/lists" -maxdepth 1 -name '*_Packages*' -mmin -60 -print -quit)" ]
}

# apt_update DEBARCH: apt-get update with retries. When it still fails (a mirror that
# is mid-sync: 'File has unexpected size', 'Hash Sum mismatch'; or unreachable), what
# happens depends on CDPY_APT_PARTIAL_OK:
#   security (default): go on, with a warning, if only *-security indexes failed: the
#                       sysroot is a test fixture, main + updates make a consistent set;
#   1: go on whatever failed, if some lists are there;  0: always stop.
# Stopping names the failing index and the mirror's message.
apt_update() {
    local arch=$1 out mode=${CDPY_APT_PARTIAL_OK:-security} failed
    out=$CDPY_CACHE/apt/$arch/update.log
    mkdir -p "${out%/*}"
    log "apt-get update ($arch, private state $CDPY_CACHE/apt/$arch)"
    if retry apt_capture "$out" apt_target "$arch" update -q; then
        return 0
    fi
    failed=$(sed -n 's/^E: Failed to fetch \([^ ]*\).*/\1/p' "$out")
    if apt_has_lists "$arch" && { [ "$mode" = 1 ] ||
        { [ "$mode" = security ] && [ -n "$failed" ] && ! grep -qv -- '-security/' <<<"$failed"; }; }; then
        warn "apt-get update for $arch failed $CDPY_RETRIES times; going on without these indexes" \
            "(CDPY_APT_PARTIAL_OK=$mode):"
        awk '{ print "    " $0 }' <<<"$failed" >&2
        return 0
    fi
    {
        echo "${0##*/}: error: apt-get update for $arch failed $CDPY_RETRIES times. The mirror said:"
        apt_errors "$out"
        echo "Sources used: $(apt_default_sources) (override with CDPY_APT_SOURCES)."
        echo "'File has unexpected size' / 'Hash Sum mismatch' means the mirror is mid-sync: retry later,"
        echo "or set CDPY_APT_PARTIAL_OK=1 to go on with the indexes that did update."
    } >&2
    exit 1
}

# apt_capture LOG CMD...: run CMD with output to LOG (and stderr shown on failure).
apt_capture() {
    local logf=$1 rc=0
    shift
    "$@" >"$logf" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then apt_errors "$logf" >&2; fi
    return "$rc"
}

apt_errors() {
    grep -E '^(E|W|Err):|Failed to fetch|unexpected size|Hash Sum|Unable to locate|404' "$1" |
        sed 's/^/    /' | head -20 || true
}
