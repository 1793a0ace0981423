#!/bin/bash
# Usage: ci/run.sh [seconds]   (the README's run command)
# Builds python.so (release) and runs collectd in the foreground with it and the
# example script ci/example/hello.py, printing what the script dispatches
# (collectd's log goes to stdout). Stops after `seconds` (default 10; 0 = until
# Ctrl+C).
# CDPY_PYTHON=3.13 (Debian 13's collectd and CPython) or 3.14 (sid's) runs that
# release's own collectd instead, from a root assembled by sysroot/build.sh and
# started through the root's ld.so; default 3.11, this machine's Debian 12.
set -euo pipefail
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$CDPY_ROOT"
secs=${1:-10}

bash ci/native-deps.sh >&2
load_target amd64
if [ "$SUITE" = bookworm ]; then
    export PYO3_PYTHON=/usr/bin/python3.11
    target=target
    root=/
    collectd=(/usr/sbin/collectd)
else
    "$CDPY_ROOT/sysroot/build.sh" amd64 --suite "$SUITE" >&2
    cfg=$CDPY_CACHE/pyo3/amd64-$SUITE.cfg
    pyo3_config "$cfg" "$PY_VERSION" "$SYSROOT/usr/lib/pylink" 64
    export PYO3_CONFIG_FILE=$cfg PYTHONHOME=$SYSROOT/usr
    export RUSTFLAGS="$(root_rustflags)"
    target=target/py$PY_VERSION
    root=$SYSROOT/
    loader=$(find "$MULTIARCH_LIB" -maxdepth 1 -name 'ld-linux*.so*' | head -1)
    collectd=("$loader" --library-path "$SYSROOT/lib/$GNU_TRIPLE:$MULTIARCH_LIB" "$SYSROOT/usr/sbin/collectd")
fi
cargo build --release --target-dir "$target" >&2
run=$(mktemp -d /tmp/collectd-python-run.XXXXXX)
mkdir -p "$run/plugins"
# collectd refuses symlinked plugins: copy.
cp "$target/release/libcollectd_python.so" "$run/plugins/python.so"
cp "${root}usr/lib/collectd/logfile.so" "$run/plugins/"
cat > "$run/collectd.conf" <<EOC
Hostname "example"
FQDNLookup false
BaseDir "$run"
PIDFile "$run/collectd.pid"
PluginDir "$run/plugins"
TypesDB "${root}usr/share/collectd/types.db"
Interval 1

LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File STDOUT
  Timestamp true
</Plugin>

LoadPlugin python
<Plugin python>
  ModulePath "$CDPY_ROOT/ci/example"
  LogTraces true
  Import "hello"
  <Module hello>
    Greeting "hello from collectd-python"
  </Module>
</Plugin>
EOC
echo "== ${collectd[*]} -f -C $run/collectd.conf (Python $PY_VERSION, python.so = $(stat -c %s "$run/plugins/python.so") bytes)" >&2
if [ "$secs" = 0 ]; then
    exec "${collectd[@]}" -f -C "$run/collectd.conf"
fi
"${collectd[@]}" -f -C "$run/collectd.conf" &
pid=$!
sleep "$secs"
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" || true
rm -rf "$run"
