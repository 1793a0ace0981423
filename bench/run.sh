#!/usr/bin/env bash
# Usage: bench/run.sh [--quick] [--reps N] [--no-callgrind] [--no-build] [--keep]
# Benchmarks our python.so against collectd's C python plugin, both measured in
# the same run with the same script (bench/plugins/cdpy_bench.py) and config,
# and prints a table: metric, C plugin, ours, ours/C.  Prints figures only;
# never fails on timing.  See bench/README.md.
#   --quick         1 repetition, no callgrind (~30 s)
#   --reps N        timed repetitions per plugin (default 3; median is shown)
#   --no-callgrind  skip the valgrind/callgrind instruction counts
#   --calls-only    only the callgrind per-call rows (API call above a bare call;
#                   BENCH_CALLS="gauge multids meta4 notif info" picks some)
#   --no-build      use the existing target/release/libcollectd_python.so
#   --keep          keep the work dir (always kept when a run failed)
# Environment: CDPY_COLLECTD (daemon, default /usr/sbin/collectd),
#   BENCH_C_PLUGIN (default /usr/lib/collectd/python.so; logfile.so and
#   csv.so are taken from the same dir), BENCH_TYPES_DB, BENCH_NICE (nice
#   level for the build and the daemons, default 10), CARGO_TARGET_DIR,
#   BENCH_OURS (our .so to measure instead of the release build; implies
#   nothing about building, combine with --no-build), BENCH_CG_REPS (runs per
#   per-call row, default 3; the median is shown).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
COLLECTD=${CDPY_COLLECTD:-/usr/sbin/collectd}
C_PLUGIN=${BENCH_C_PLUGIN:-/usr/lib/collectd/python.so}
PLUGIN_SRC_DIR=$(dirname "$C_PLUGIN")
TYPES_DB=${BENCH_TYPES_DB:-/usr/share/collectd/types.db}
PYTHON=/usr/bin/python3.11
NICE=(nice -n "${BENCH_NICE:-10}")
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
OURS=${BENCH_OURS:-$TARGET_DIR/release/libcollectd_python.so}

reps=3 window=2 callgrind=1 build=1 keep=0 calls_only=0
while [ $# -gt 0 ]; do
    case $1 in
        --quick) reps=1 callgrind=0 ;;
        --reps) reps=$2; shift ;;
        --no-callgrind) callgrind=0 ;;
        --calls-only) calls_only=1 reps=0 ;;
        --no-build) build=0 ;;
        --keep) keep=1 ;;
        -h|--help) sed -n '2,18s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
    shift
done

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- dependencies ----------------------------------------------------------
apt_updated=0
apt_install() { # idempotent: installs only the packages that are missing
    local missing=() p st
    for p in "$@"; do
        st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
        [ "$st" = installed ] || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { log "not root and no sudo: cannot install ${missing[*]}"; return 1; }
        sudo=(sudo)
    fi
    log "installing ${missing[*]}"
    if [ $apt_updated = 0 ]; then
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -qq || true
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}"
}

if [ ! -x "$COLLECTD" ] || [ ! -f "$C_PLUGIN" ]; then
    apt_install collectd-core || die "collectd-core (daemon + C python plugin) is required"
fi
[ -x "$COLLECTD" ] || die "no collectd daemon at $COLLECTD"
[ -f "$C_PLUGIN" ] || die "no C python plugin at $C_PLUGIN"
for p in logfile.so csv.so network.so; do
    [ -f "$PLUGIN_SRC_DIR/$p" ] || die "missing $PLUGIN_SRC_DIR/$p"
done
[ -f "$TYPES_DB" ] || die "no types.db at $TYPES_DB"
[ -x "$PYTHON" ] || apt_install python3.11 || die "python3.11 is required"
command -v strip >/dev/null || apt_install binutils || die "strip (binutils) is required"
if [ $callgrind = 1 ] && ! command -v valgrind >/dev/null; then
    apt_install valgrind || { log "valgrind unavailable: skipping callgrind figures"; callgrind=0; }
fi

# --- build -----------------------------------------------------------------
if [ $build = 1 ]; then
    command -v cargo >/dev/null || die "cargo is required (or pass --no-build)"
    log "building release (nice ${NICE[*]:1})"
    (cd "$ROOT" && PYO3_PYTHON=$PYTHON "${NICE[@]}" cargo build --release --quiet)
fi
[ -f "$OURS" ] || die "our plugin not found at $OURS"

# --- runs --------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cdpy-bench.XXXXXX")
mkdir -p "$WORK/runs"
failed=0
cleanup() {
    if [ $keep = 1 ] || [ $failed != 0 ]; then
        log "work dir kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

alive() { # pid is running (not a zombie)
    local st
    st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
    [ "${st%% *}" != Z ]
}

WRAP=()
EXTRA_CONF=''
# LOG_LEVEL: logfile's LogLevel; "none" loads no log plugin (collectd then
# prints its own messages to stderr), for runs that must not pay for logfile
# writing every notification
LOG_LEVEL=info
log_conf() {
    [ "$LOG_LEVEL" = none ] && return 0
    printf 'LoadPlugin logfile\n<Plugin logfile>\n  LogLevel %s\n  File "%s/collectd.log"\n  Timestamp false\n  PrintSeverity true\n</Plugin>\n' \
        "$LOG_LEVEL" "$1"
}
# Discard value lists after the cache update: without any write plugin the
# built-in "write" target would log an info message for every value.
DISCARD_CONF='PostCacheChain "Discard"
<Chain "Discard">
  Target "stop"
</Chain>'
# run_case <scenario> <c|ours> <timeout s> [VAR=value...]
# Runs collectd in the foreground with the plugin in a private PluginDir; the
# benchmark module writes <dir>/result and SIGTERMs the daemon when done.
run_case() {
    local scenario=$1 which=$2 tmo=$3 name
    shift 3
    name=$scenario.$which${REP:+.$REP}
    local dir=$WORK/runs/$name src
    case $which in c) src=$C_PLUGIN ;; ours) src=$OURS ;; esac
    mkdir -p "$dir/plugins"
    # copy, never symlink: collectd refuses to load symlinked plugins
    cp "$src" "$dir/plugins/python.so"
    cp "$PLUGIN_SRC_DIR/logfile.so" "$PLUGIN_SRC_DIR/csv.so" "$PLUGIN_SRC_DIR/network.so" "$dir/plugins/"
    cat >"$dir/collectd.conf" <<EOF
Hostname "benchhost"
FQDNLookup false
BaseDir "$dir"
PIDFile "$dir/collectd.pid"
PluginDir "$dir/plugins"
TypesDB "$TYPES_DB"
Interval 1
ReadThreads 1
WriteThreads 1

$(log_conf "$dir")

<LoadPlugin python>
  Globals true
</LoadPlugin>
<Plugin python>
  ModulePath "$BENCH/plugins"
  Import "cdpy_bench"
</Plugin>

$EXTRA_CONF
EOF
    env -u PYTHONPATH -u PYTHONHOME -u PYTHONSTARTUP PYTHONDONTWRITEBYTECODE=1 \
        BENCH_OUT="$dir/result" "$@" \
        "${NICE[@]}" "${WRAP[@]}" "$COLLECTD" -f -C "$dir/collectd.conf" \
        </dev/null >"$dir/stdout.txt" 2>"$dir/stderr.txt" &
    local pid=$! start=$SECONDS termed=0
    while alive $pid; do
        if [ $termed = 0 ] && [ $((SECONDS - start)) -ge "$tmo" ]; then
            kill -TERM $pid 2>/dev/null || true; termed=1
        elif [ $termed = 1 ] && [ $((SECONDS - start)) -ge $((tmo + 10)) ]; then
            kill -KILL $pid 2>/dev/null || true; termed=2
        fi
        sleep 0.05
    done
    wait $pid || true
    if [ ! -f "$dir/result" ]; then
        log "FAILED: $name (no result; timeout=$([ $termed = 0 ] && echo no || echo yes)); log:"
        tail -n 15 "$dir/collectd.log" "$dir/stderr.txt" >&2 || true
        return 1
    fi
}

# run_pair <scenario> <timeout> [VAR=value...]: C, then ours (sequential)
run_pair() {
    local p
    for p in c ours; do
        run_case "$1" $p "$2" "${@:3}" || failed=1
    done
}

# cg_pair <scenario> [VAR=value...]: callgrind runs of both plugins, concurrently
# (instruction counts do not depend on load); totals of the first dump.
cg_pair() {
    local scenario=$1 p pids=() rc
    shift
    WRAP=(valgrind -q --tool=callgrind --zero-before='*getppid' --dump-before='*getpgrp')
    for p in c ours; do
        ( WRAP+=(--callgrind-out-file="$WORK/runs/$scenario.$p/cg.out")
          run_case "$scenario" $p 240 BENCH_CG=1 "$@" ) &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || failed=1; done
    WRAP=()
    for p in c ours; do
        local d=$WORK/runs/$scenario.$p
        rc=$(sed -n 's/^totals: //p' "$d/cg.out.1" 2>/dev/null || true)
        if [ -n "$rc" ] && [ -f "$d/result" ]; then
            echo "instr=$rc" >>"$d/result"
        else
            log "FAILED: callgrind $scenario.$p (no dump)"; failed=1
            rm -f "$d/result"
        fi
    done
}

# cg_calls <call> [VAR=value...]: callgrind per-call cost of one API call
# (BENCH_MODE=calls): dump 1 is the baseline loop, dump 2 the API loop; the
# result gets base=/api= totals. No consumer is configured (Discard chain, logfile
# at LogLevel warning, or none for notifications): what is left is the plugin's
# work plus collectd's own dispatch floor, the same for both plugins.
cg_calls() {
    local call=$1 scenario=cgcall_$1 p pids=() b a
    shift
    WRAP=(valgrind -q --tool=callgrind --zero-before='*getppid' --dump-before='*getpgrp')
    for p in c ours; do
        ( WRAP+=(--callgrind-out-file="$WORK/runs/$scenario.$p${REP:+.$REP}/cg.out")
          run_case "$scenario" $p 300 BENCH_CG=1 BENCH_MODE=calls BENCH_CALL="$call" "$@" ) &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || failed=1; done
    WRAP=()
    for p in c ours; do
        local d=$WORK/runs/$scenario.$p${REP:+.$REP}
        b=$(sed -n 's/^totals: //p' "$d/cg.out.1" 2>/dev/null || true)
        a=$(sed -n 's/^totals: //p' "$d/cg.out.2" 2>/dev/null || true)
        if [ -n "$b" ] && [ -n "$a" ] && [ -f "$d/result" ]; then
            printf 'base=%s\napi=%s\n' "$b" "$a" >>"$d/result"
        else
            log "FAILED: callgrind $scenario.$p (missing dump)"; failed=1
            rm -f "$d/result"
        fi
    done
}

t0=$SECONDS
log "C plugin: $C_PLUGIN"
log "ours:     $OURS"
log "work dir: $WORK"

# python.so size, both stripped the same way
for p in c ours; do
    d=$WORK/runs/size.$p
    mkdir -p "$d"
    case $p in c) src=$C_PLUGIN ;; ours) src=$OURS ;; esac
    strip --strip-unneeded -o "$d/python.so" "$src"
    echo "bytes=$(stat -c %s "$d/python.so")" >"$d/result"
done
# the size that ships (ci/release.sh: std rebuilt without its backtrace symbolizer), if
# built after the last change to the sources
lean=$ROOT/target/dist/x86_64/python.so
if [ -f "$lean" ] && [ -z "$(find "$ROOT/src" "$ROOT/Cargo.toml" -newer "$lean" -print -quit)" ]; then
    mkdir -p "$WORK/runs/sizelean.c" "$WORK/runs/sizelean.ours"
    cp "$WORK/runs/size.c/result" "$WORK/runs/sizelean.c/result"
    echo "bytes=$(stat -c %s "$lean")" >"$WORK/runs/sizelean.ours/result"
fi

for ((rep = 1; rep <= reps; rep++)); do
    REP=$rep
    log "timed runs, repetition $rep/$reps"
    run_pair idle 30 BENCH_MODE=idle
    run_pair empty 30 BENCH_MODE=empty BENCH_SECONDS="$window" BENCH_NCB=20
    EXTRA_CONF=$DISCARD_CONF
    run_pair disp 60 BENCH_MODE=dispatch BENCH_BATCHES=10
    run_pair dispmeta 60 BENCH_MODE=dispatch BENCH_BATCHES=10 BENCH_META=1
    EXTRA_CONF=
    run_pair dispw 90 BENCH_MODE=dispatch BENCH_BATCHES=10 BENCH_WRITER=1
    run_pair dispwmeta 90 BENCH_MODE=dispatch BENCH_BATCHES=10 BENCH_WRITER=1 BENCH_META=1
done
REP=

if [ $callgrind = 1 ]; then
  if [ $calls_only = 0 ]; then
    log "callgrind runs"
    cg_pair cgempty BENCH_MODE=empty BENCH_NCB=20 BENCH_CG_CALLS=2000
    EXTRA_CONF=$DISCARD_CONF
    cg_pair cgdisp BENCH_MODE=dispatch BENCH_BATCH=5000 BENCH_BATCHES=1
    cg_pair cgdispmeta BENCH_MODE=dispatch BENCH_BATCH=5000 BENCH_BATCHES=1 BENCH_META=1
    EXTRA_CONF=
    cg_pair cgdispw BENCH_MODE=dispatch BENCH_BATCH=5000 BENCH_BATCHES=1 BENCH_WRITER=1
  fi
    log "callgrind per-call runs"
    for call in ${BENCH_CALLS:-gauge multids meta4 notif info}; do
        if [ "$call" = notif ]; then
            # collectd refuses a notification nobody receives; logfile would
            # fopen and format for each, so the cheapest real consumer gets
            # them: the network plugin, sending to a local port nobody uses
            LOG_LEVEL=none EXTRA_CONF='LoadPlugin network
<Plugin network>
  Server "127.0.0.1" "25899"
</Plugin>'
        else
            LOG_LEVEL=warning EXTRA_CONF=$DISCARD_CONF
        fi
        # the read and write threads share malloc's arenas, so how collectd's
        # own allocations interleave varies from run to run (a few per cent):
        # BENCH_CG_REPS runs each, the table shows the median
        for ((rep = 1; rep <= ${BENCH_CG_REPS:-3}; rep++)); do
            REP=$rep cg_calls "$call" BENCH_CG_CALLS=5000
        done
    done
    EXTRA_CONF= LOG_LEVEL=info
fi

log "done in $((SECONDS - t0)) s"
echo
"$PYTHON" "$BENCH/report.py" "$WORK"
[ $failed = 0 ] || { log "some runs failed (see above)"; exit 1; }
