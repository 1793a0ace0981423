#!/bin/bash
# Usage: ci/run.sh [seconds]   (the README's run command)
# Builds python.so (release) and runs collectd in the foreground with it and the
# example script ci/example/hello.py, printing what the script dispatches
# (collectd's log goes to stdout). Stops after `seconds` (default 10; 0 = until
# Ctrl+C).
set -euo pipefail
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$CDPY_ROOT"
secs=${1:-10}

bash ci/native-deps.sh >&2
export PYO3_PYTHON=/usr/bin/python3.11
cargo build --release >&2
run=$(mktemp -d /tmp/collectd-python-run.XXXXXX)
mkdir -p "$run/plugins"
# collectd refuses symlinked plugins: copy.
cp target/release/libcollectd_python.so "$run/plugins/python.so"
cp /usr/lib/collectd/logfile.so "$run/plugins/"
cat > "$run/collectd.conf" <<EOC
Hostname "example"
FQDNLookup false
BaseDir "$run"
PIDFile "$run/collectd.pid"
PluginDir "$run/plugins"
TypesDB "/usr/share/collectd/types.db"
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
echo "== collectd -f -C $run/collectd.conf (python.so = $(stat -c %s "$run/plugins/python.so") bytes)" >&2
if [ "$secs" = 0 ]; then
    exec /usr/sbin/collectd -f -C "$run/collectd.conf"
fi
/usr/sbin/collectd -f -C "$run/collectd.conf" &
pid=$!
sleep "$secs"
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" || true
rm -rf "$run"
