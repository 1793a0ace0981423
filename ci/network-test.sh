#!/bin/bash
# Usage: ci/network-test.sh <triple|board> [--plugin c|rust|PATH] [--seconds N]
# Byte order across the wire: the target's collectd under qemu-user (with a Python
# script that dispatches known values through python.so) sends them with the `network`
# plugin to this machine's native collectd (Debian's, /usr/sbin/collectd), which
# listens on 127.0.0.1 only and writes csv. Passes when every value the script
# dispatched arrives with the same number: gauges (doubles, whose wire layout is the
# one --with-fp-layout=endianflip fixes on big-endian MIPS), derive, counter and
# absolute (64-bit integers in network byte order). The target also writes its own
# csv, and the two files must agree row by row. Needs the host's collectd-core.
set -euo pipefail
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"

arg='' plugin=rust secs=${CDPY_NET_SECONDS:-60}
while [ $# -gt 0 ]; do
    case $1 in
        --plugin) plugin=$2; shift ;;
        --seconds) secs=$2; shift ;;
        -h | --help) usage; exit 0 ;;
        *) arg=$1 ;;
    esac
    shift
done
[ -n "$arg" ] || die "usage: ci/network-test.sh <triple|board> [--plugin c|rust|PATH]"
load_target "$arg"
S=$SYSROOT
[ -x "$S/usr/sbin/collectd" ] || die "no sysroot for $RUST_TRIPLE: run sysroot/build.sh $RUST_TRIPLE"
[ -f "$S/usr/lib/collectd/network.so" ] || die "the target collectd has no network plugin ($S)"
[ -x /usr/sbin/collectd ] && [ -f /usr/lib/collectd/network.so ] ||
    die "no native collectd with the network plugin: apt-get install collectd-core"
case $plugin in
    c) so=$S/usr/lib/collectd/python.so ;;
    rust) so=$CDPY_TARGET_DIR/out/$BUILD_NAME/python.so ;;
    *) so=$plugin ;;
esac
[ -f "$so" ] || die "plugin $so not found (for --plugin rust run ci/xbuild.sh $arg release first)"

R=${CDPY_RUN_DIR:-${TMPDIR:-/tmp}/cdpy-run}/net-$BUILD_NAME-$(basename "$plugin" .so)
rm -rf "$R"
mkdir -p "$R"/native/plugins "$R"/native/csv "$R"/target/plugins "$R"/target/csv "$R"/py
port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# The values: doubles whose bytes all differ (a swapped one prints as another number), the
# extremes of the integer types, and a sign per type; each with its own type instance.
cat >"$R/py/cdpy_net.py" <<'EOF'
import collectd, os
OUT = os.environ["CDPY_NET_OUT"]
VALUES = [
    ("gauge", "g-pi", 3.141592653589793),
    ("gauge", "g-neg", -1234567.890625),
    ("gauge", "g-milli", 0.001),
    ("gauge", "g-half", 255.5),
    ("gauge", "g-huge", 6.02214076e+23),
    ("gauge", "g-third", 1.0 / 3.0),
    ("derive", "d-big", 2**62 + 12345),
    ("derive", "d-neg", -(2**40) - 7),
    ("counter", "c-big", 2**63 + 99),
    ("absolute", "a-mid", 0x0102030405060708),
]
with open(OUT, "w") as f:
    for t, ti, v in VALUES:
        f.write("%s-%s %s\n" % (t, ti, ("%f" % v) if t == "gauge" else str(v)))
def read():
    for t, ti, v in VALUES:
        collectd.Values(plugin="cdpy_net", type=t, type_instance=ti, values=[v]).dispatch()
collectd.register_read(read)
EOF

cat >"$R/native.conf" <<EOF
Hostname "native"
FQDNLookup false
BaseDir "$R/native"
PIDFile "$R/native/collectd.pid"
PluginDir "$R/native/plugins"
TypesDB "/usr/share/collectd/types.db"
Interval 1
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File STDOUT
</Plugin>
LoadPlugin network
<Plugin network>
  Listen "127.0.0.1" "$port"
</Plugin>
LoadPlugin csv
<Plugin csv>
  DataDir "$R/native/csv"
</Plugin>
EOF
for p in logfile network csv; do cp "/usr/lib/collectd/$p.so" "$R/native/plugins/"; done

cat >"$R/target.conf" <<EOF
Hostname "target"
FQDNLookup false
BaseDir "$R/target"
PIDFile "$R/target/collectd.pid"
PluginDir "$R/target/plugins"
TypesDB "$S/usr/share/collectd/types.db"
Interval 1
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File STDOUT
</Plugin>
LoadPlugin network
<Plugin network>
  Server "127.0.0.1" "$port"
</Plugin>
LoadPlugin csv
<Plugin csv>
  DataDir "$R/target/csv"
</Plugin>
<LoadPlugin python>
  Globals true
</LoadPlugin>
<Plugin python>
  ModulePath "$R/py"
  Import "cdpy_net"
</Plugin>
EOF
for p in logfile network csv; do cp "$S/usr/lib/collectd/$p.so" "$R/target/plugins/"; done
cp "$so" "$R/target/plugins/python.so"

pids=()
cleanup() { local p; for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
/usr/sbin/collectd -f -C "$R/native.conf" >"$R/native.log" 2>&1 &
pids+=($!)
qemu_cpu=${QEMU_CPU:-$BOARD_QEMU_CPU}
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin PYTHONHOME="$S/usr" PYTHONDONTWRITEBYTECODE=1 CDPY_NET_OUT="$R/expected.txt" \
    ${qemu_cpu:+QEMU_CPU="$qemu_cpu"} "$QEMU" -L "$S" "$S/usr/sbin/collectd" -f -C "$R/target.conf" >"$R/target.log" 2>&1 &
pids+=($!)

# value column of every row of <dir>/<host>/cdpy_net/<type>-<ti>-*.csv, one file per value
values_of() { # dir host name -> "ts value" rows
    cat "$1/$2"/cdpy_net/"$3"-* 2>/dev/null | grep -v '^epoch' || true
}
ok=0 t0=$(now_ms)
while [ $(($(now_ms) - t0)) -lt $((secs * 1000)) ]; do
    sleep 1
    [ -s "$R/expected.txt" ] || continue
    all=1
    while read -r name want; do
        # two rows in the native csv: the first interval may have been partial
        [ "$(values_of "$R/native/csv" target "$name" | wc -l)" -ge 2 ] || { all=0; break; }
    done <"$R/expected.txt"
    [ "$all" = 1 ] && { ok=1; break; }
done
cleanup
trap - EXIT
pids=()
[ "$ok" = 1 ] || {
    echo "== target log:"; tail -20 "$R/target.log"; echo "== native log:"; tail -20 "$R/native.log"
    die "$BUILD_NAME: not every value reached the native collectd within ${secs}s ($R)"
}

fail=0 n=0
while read -r name want; do
    # csv columns: epoch,value (gauges with "%lf" as collectd's csv.c prints them, as
    # Python's "%f" does; integers in full)
    got=$(values_of "$R/native/csv" target "$name" | cut -d, -f2 | sort -u)
    mine=$(values_of "$R/target/csv" target "$name" | cut -d, -f2 | sort -u)
    if [ "$got" != "$want" ]; then
        echo "MISMATCH $name: sent $want, the native collectd wrote $(echo "$got" | tr '\n' ' ')"
        fail=1
    fi
    if [ -n "$mine" ] && [ "$mine" != "$want" ]; then
        echo "MISMATCH $name: sent $want, the target's own csv has $(echo "$mine" | tr '\n' ' ')"
        fail=1
    fi
    n=$((n + 1))
    printf '    %-22s sent %-22s native csv %s\n' "$name" "$want" "$got"
done <"$R/expected.txt"
[ "$fail" = 0 ] || die "$BUILD_NAME ($ENDIAN-endian): values changed on the way to the native collectd ($R)"
echo "== $BUILD_NAME ($ENDIAN-endian, python.so=$plugin): $n values sent over the network plugin to the native collectd on 127.0.0.1:$port arrived unchanged"
