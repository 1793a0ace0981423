#!/bin/bash
# Usage: ci/run-collectd.sh <triple|board|debarch> [--plugin c|rust|PATH] [--seconds N] [--board-conf]
# Smoke test: runs the target's own collectd from the sysroot under qemu-user with a
# generated config (logfile to stdout, csv, `LoadPlugin python`, a one-line script that
# calls collectd.info() and a read callback that dispatches a gauge) and checks that
# the script's line and a CSV row appear. --plugin picks python.so: c = the C plugin
# from the sysroot (default), rust = our cross-built one (ci/xbuild.sh), or a path.
# --board-conf also checks the board's collectd.conf with `collectd -T` (see below). A board
# runs qemu with its qemu_cpu model (QEMU_CPU).
# Prints the log and the start-up time; exit 0 only if the line and the row appeared and
# collectd exited 0 on SIGTERM (and, with --board-conf, the board's config passed).
set -euo pipefail
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"

arg='' plugin=c secs=${CDPY_SMOKE_SECONDS:-20} board_conf=0
while [ $# -gt 0 ]; do
    case $1 in
        --plugin) plugin=$2; shift ;;
        --seconds) secs=$2; shift ;;
        --board-conf) board_conf=1 ;;
        -h|--help) usage; exit 0 ;;
        *) arg=$1 ;;
    esac
    shift
done
[ -n "$arg" ] || die "usage: ci/run-collectd.sh <triple|board|debarch> [--plugin c|rust|PATH]"
load_target "$arg"
S=$SYSROOT
[ -x "$S/usr/sbin/collectd" ] || die "no sysroot for $DEB_ARCH: run sysroot/build.sh $DEB_ARCH"
command -v "$QEMU" >/dev/null || die "$QEMU not found: run ci/host-deps.sh $RUST_TRIPLE"
case $plugin in
    c) so=$S/usr/lib/collectd/python.so ;;
    rust) so=$CDPY_TARGET_DIR/out/$BUILD_NAME/python.so ;;
    *) so=$plugin ;;
esac
[ -f "$so" ] || die "plugin $so not found${plugin:+ (for --plugin rust run ci/xbuild.sh $arg release first)}"

# not under .cache: collectd's csv plugin refuses to create paths with a dot-directory
R=${CDPY_RUN_DIR:-${TMPDIR:-/tmp}/cdpy-run}/$BUILD_NAME-$(basename "$plugin" .so)
rm -rf "$R"
mkdir -p "$R/plugins" "$R/csv" "$R/py"
# collectd lstat()s plugins and refuses symlinks: copy real files
for p in logfile csv; do cp "$S/usr/lib/collectd/$p.so" "$R/plugins/"; done
cp "$so" "$R/plugins/python.so"
cat >"$R/py/cdpy_smoke.py" <<'EOF'
import sys, platform, collectd
collectd.info("cdpy-smoke: python %s on %s" % (sys.version.split()[0], platform.machine()))
collectd.register_read(lambda: collectd.Values(type="gauge", plugin="cdpy_smoke", values=[42]).dispatch())
EOF
cat >"$R/collectd.conf" <<EOF
Hostname "cdpy"
FQDNLookup false
BaseDir "$R"
PIDFile "$R/collectd.pid"
PluginDir "$R/plugins"
TypesDB "$S/usr/share/collectd/types.db"
Interval 1
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File STDOUT
</Plugin>
LoadPlugin csv
<Plugin csv>
  DataDir "$R/csv"
</Plugin>
<LoadPlugin python>
  Globals true
</LoadPlugin>
<Plugin python>
  ModulePath "$R/py"
  LogTraces true
  Import "cdpy_smoke"
</Plugin>
EOF

# a board's CPU model (QEMU_CPU) unless the caller chose one
qemu_cpu=${QEMU_CPU:-$BOARD_QEMU_CPU}
# the target collectd, clean environment, embedded Python pointed at the sysroot; an
# array, not a function, so that `&` makes qemu itself the background job ($! = qemu)
run_target=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin PYTHONHOME="$S/usr" PYTHONDONTWRITEBYTECODE=1 ${qemu_cpu:+QEMU_CPU="$qemu_cpu"}
    "$QEMU" -L "$S" "$S/usr/sbin/collectd")

t0=$(now_ms)
"${run_target[@]}" -f -C "$R/collectd.conf" >"$R/log" 2>&1 &
pid=$!
t_info='' t_csv=''
while kill -0 "$pid" 2>/dev/null && [ $(($(now_ms) - t0)) -lt $((secs * 1000)) ]; do
    [ -z "$t_info" ] && grep -qs 'cdpy-smoke:' "$R/log" && t_info=$(($(now_ms) - t0))
    [ -z "$t_csv" ] && [ -n "$(find "$R/csv" -name 'gauge*' -size +40c 2>/dev/null)" ] && t_csv=$(($(now_ms) - t0))
    [ -n "$t_info" ] && [ -n "$t_csv" ] && break
    sleep 0.1
done
kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -KILL "$pid" 2>/dev/null || true
rc=0
wait "$pid" || rc=$?
sed 's/^\[[^]]*\] //' "$R/log" | grep -vE 'successfully loaded|Exiting normally|Stopping|csv plugin: ' | head -40
ok=1
echo "== $BUILD_NAME ($DEB_ARCH${qemu_cpu:+, qemu cpu $qemu_cpu}) python.so=$plugin: collectd exit $rc;" \
    "collectd.info after $([ -n "$t_info" ] && fmt_ms "$t_info" || echo never)," \
    "first CSV row after $([ -n "$t_csv" ] && fmt_ms "$t_csv" || echo never)"
# the script ran, a value reached csv, and collectd shut down cleanly on SIGTERM
[ -n "$t_info" ] && [ -n "$t_csv" ] && [ "$rc" -eq 0 ] || ok=0

if [ "$board_conf" = 1 ] && [ -n "$BOARD_FILE" ]; then
    # The board's collectd.conf under `collectd -T` (load plugins, configure, init, one
    # read round, exit; non-zero on any config error), with the sysroot's plugins, this
    # run's python.so and the board's scripts from boards/python. Output hosts become
    # 127.0.0.1 and no name is looked up, so nothing leaves the machine.
    mkdir -p "$R/board-plugins"
    cp "$S"/usr/lib/collectd/*.so "$R/board-plugins/"
    cp "$so" "$R/board-plugins/python.so"
    {
        printf 'Hostname "cdpy-%s"\nFQDNLookup false\nBaseDir "%s"\nPIDFile "%s/board.pid"\n' "$BOARD_NAME" "$R" "$R"
        printf 'PluginDir "%s/board-plugins"\nTypesDB "%s/usr/share/collectd/types.db"\n' "$R" "$S"
        printf 'LoadPlugin logfile\n<Plugin logfile>\n  LogLevel info\n  File STDOUT\n</Plugin>\n'
        board_conf "$BOARD_FILE" |
            sed -E -e '/^[[:space:]]*(Hostname|FQDNLookup|BaseDir|PIDFile|PluginDir|TypesDB)[[:space:]]/d' \
                -e "s|^([[:space:]]*ModulePath[[:space:]]+).*|\\1\"$CDPY_ROOT/boards/python\"|" \
                -e 's|^([[:space:]]*Host[[:space:]]+).*|\1"127.0.0.1"|' \
                -e 's|^([[:space:]]*Server[[:space:]]+)"[^"]*"|\1"127.0.0.1"|' \
                -e "s|^([[:space:]]*SocketFile[[:space:]]+).*|\\1\"$R/board.sock\"|"
    } >"$R/board.conf"
    if "${run_target[@]}" -T -C "$R/board.conf" >"$R/board.log" 2>&1; then
        echo "== board $BOARD_NAME: its collectd.conf passes the target's \`collectd -T\`"
        grep -iE 'error|fail|unknown|not found|exception' "$R/board.log" | sed 's/^/    note: /' || true
    else
        echo "== board $BOARD_NAME: the target's \`collectd -T\` rejected its collectd.conf:"
        grep -v 'successfully loaded' "$R/board.log" | sed 's/^/    /'
        ok=0
    fi
fi
[ "$ok" = 1 ]
