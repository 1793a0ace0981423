# shellcheck shell=bash
# apt-get with a private per-architecture and per-suite state under
# $CDPY_CACHE/apt/<debarch>[-<suite>]: own sources, lists, archive cache and an empty
# dpkg status. The host's dpkg database and apt state are never read or written, and no
# `dpkg --add-architecture` is needed. Source after ci/lib.sh.
#
# Sources: $CDPY_APT_SOURCES (a deb822 .sources or one-line .list file) or, by default,
# the host's own Debian entry (/etc/apt/sources.list.d/debian.sources, else
# /etc/apt/sources.list), so the sysroot comes from the same mirror as the host. For
# another suite than the host's (CDPY_SUITE=trixie|sid) the same mirrors are used with
# that suite's names (sid has no -updates and no -security suite).
# Signatures are checked; Valid-Until is not: sid's and -security's Release files expire
# within days, and a mirror that lags (seen: sid 27 days past it) would stop every run,
# for a root that is only a test fixture.

apt_default_sources() {
    local f
    for f in "${CDPY_APT_SOURCES:-}" /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
        if [ -n "$f" ] && [ -s "$f" ]; then echo "$f"; return 0; fi
    done
    die "no apt sources found: set CDPY_APT_SOURCES to a Debian 12 sources file"
}

# apt_suite_sources FILE SUITE: prints FILE (deb822 or one-line format) rewritten from
# the host's suite to SUITE: "<host>", "<host>-updates", "<host>-security" become
# "SUITE", "SUITE-updates", "SUITE-security"; for sid only the main suite remains.
apt_suite_sources() {
    python3 - "$1" "$2" <<'PY'
import re, sys
path, suite = sys.argv[1], sys.argv[2]
text = open(path).read()
host = None
for line in open("/etc/os-release"):
    if line.startswith("VERSION_CODENAME="):
        host = line.split("=", 1)[1].strip().strip('"')
if not host:
    sys.exit("apt.sh: /etc/os-release names no VERSION_CODENAME")
def mapped(name):
    if name == host:
        return suite
    if name.startswith(host + "-"):
        return None if suite == "sid" else suite + name[len(host):]
    return None  # another suite (backports, ...): not carried over
if path.endswith(".sources"):
    out = []
    for stanza in re.split(r"\n\s*\n", text):
        lines = stanza.strip().splitlines()
        keep, suites = [], None
        for ln in lines:
            if ln.startswith("Suites:"):
                suites = [m for m in map(mapped, ln.split()[1:]) if m]
                ln = "Suites: " + " ".join(suites)
            keep.append(ln)
        if suites:
            out.append("\n".join(keep))
    print("\n\n".join(out))
else:
    for ln in text.splitlines():
        f = ln.split()
        if len(f) >= 3 and f[0] in ("deb", "deb-src"):
            i = 2 if not f[1].startswith("[") else next(
                k for k, w in enumerate(f) if w.endswith("]")) + 2
            m = mapped(f[i])
            if m:
                f[i] = m
                print(" ".join(f))
PY
}

# apt_setup DEBARCH: creates the private state for DEBARCH and CDPY_SUITE (idempotent)
# and sets APT_DIR.
apt_setup() {
    local arch=$1 src dst want
    APT_DIR=$CDPY_CACHE/apt/$arch$(suite_suffix "$CDPY_SUITE")
    src=$(apt_default_sources)
    case $src in *.sources) dst=debian.sources ;; *) dst=debian.list ;; esac
    mkdir -p "$APT_DIR"/etc/apt.conf.d "$APT_DIR"/etc/preferences.d "$APT_DIR"/etc/sources.list.d \
        "$APT_DIR"/state/lists/partial "$APT_DIR"/cache/archives/partial
    [ -e "$APT_DIR/state/status" ] || : >"$APT_DIR/state/status"
    want=$APT_DIR/sources.want
    if [ -n "${CDPY_APT_SOURCES:-}" ] || [ "$CDPY_SUITE" = bookworm ]; then
        cp "$src" "$want" # given sources are taken as they are; bookworm is the host's
    else
        apt_suite_sources "$src" "$CDPY_SUITE" >"$want" || die "cannot derive $CDPY_SUITE sources from $src"
        [ -s "$want" ] || die "no Debian entry in $src to derive $CDPY_SUITE sources from: set CDPY_APT_SOURCES"
    fi
    if ! cmp -s "$want" "$APT_DIR/etc/sources.list.d/$dst"; then
        rm -f "$APT_DIR"/etc/sources.list.d/*
        cp "$want" "$APT_DIR/etc/sources.list.d/$dst"
    fi
    {
        printf 'APT::Architecture "%s";\nAPT::Architectures { "%s"; };\n' "$arch" "$arch"
        apt_private_conf "$APT_DIR"
    } >"$APT_DIR/apt.conf.new"
    mv "$APT_DIR/apt.conf.new" "$APT_DIR/apt.conf"
}

# apt_private_conf DIR: the apt.conf lines of a private state in DIR (etc/, state/,
# cache/ below it; the host's trusted keys), shared by every private state.
apt_private_conf() {
    cat <<EOF
Dir::Etc "$1/etc/";
Dir::Etc::main "$1/apt.conf";
Dir::Etc::Trusted "/etc/apt/trusted.gpg";
Dir::Etc::TrustedParts "/etc/apt/trusted.gpg.d/";
Dir::State "$1/state/";
Dir::State::status "$1/state/status";
Dir::Cache "$1/cache/";
Dir::Log "$1/";
APT::Install-Recommends "false";
APT::Get::AllowUnauthenticated "false";
Acquire::Retries "3";
Acquire::Check-Valid-Until "false";
Acquire::GzipIndexes "true";
Dir::Cache::srcpkgcache "";
Debug::NoLocking "true";
EOF
}

# apt_target DEBARCH ARGS...: apt-get ARGS with the private state of DEBARCH.
apt_target() {
    local arch=$1
    shift
    [ "${APT_DIR:-}" = "$CDPY_CACHE/apt/$arch$(suite_suffix "$CDPY_SUITE")" ] || apt_setup "$arch"
    APT_CONFIG=$APT_DIR/apt.conf apt-get "$@"
}

# apt_has_lists DEBARCH: true once an update has fetched package lists.
apt_has_lists() {
    [ "${APT_DIR:-}" = "$CDPY_CACHE/apt/$1$(suite_suffix "$CDPY_SUITE")" ] || apt_setup "$1"
    compgen -G "$APT_DIR/state/lists/*_Packages*" >/dev/null
}

# apt_lists_fresh DEBARCH: true if an update fetched lists less than an hour ago.
apt_lists_fresh() {
    [ "${APT_DIR:-}" = "$CDPY_CACHE/apt/$1$(suite_suffix "$CDPY_SUITE")" ] || apt_setup "$1"
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
    local arch=$1 out mode=${CDPY_APT_PARTIAL_OK:-security} failed dir
    dir=$CDPY_CACHE/apt/$arch$(suite_suffix "$CDPY_SUITE")
    out=$dir/update.log
    mkdir -p "$dir"
    log "apt-get update ($arch $CDPY_SUITE, private state $dir)"
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
