"""Benchmark workload for collectd's python plugin (C reference and ours).

The very same module runs under both plugins; bench/run.sh selects the
workload through environment variables and reads the result file back.

  BENCH_MODE     idle | empty | dispatch | calls
  BENCH_OUT      file the result is written to (key=value lines)
  BENCH_SECONDS  measured window (empty mode), default 3
  BENCH_WARMUP   seconds before the window starts (empty mode), default 0.5
  BENCH_NCB      number of empty read callbacks (empty mode), default 20
  BENCH_BATCH    values per batch (dispatch mode), default 10000
  BENCH_BATCHES  measured batches after one warm-up batch, default 10
  BENCH_META     1: every value list carries a 4-entry meta dict
  BENCH_WRITER   1: register a Python write callback that counts values
  BENCH_CG       1: callgrind mode (see below)

Timing is taken inside the daemon: time.process_time() is the CPU time of the
whole collectd process (CLOCK_PROCESS_CPUTIME_ID, all threads),
time.thread_time() the CPU time of the calling read thread, perf_counter() is
wall time.  Start-up (interpreter init, imports) is therefore excluded.  The
result also carries VmHWM/VmRSS from /proc/self/status.  When the result file
is written the module SIGTERMs its own daemon, so run.sh only waits for exit.

Callgrind mode (BENCH_CG=1): the script calls os.getppid() when the measured
part starts and os.getpgrp() when it ends; run.sh runs valgrind with
--zero-before=getppid --dump-before=getpgrp, so the dumped instruction count
covers exactly the measured callbacks (all threads of the process).
"""

import os
import signal
import threading
import time

import collectd

ENV = os.environ
MODE = ENV.get('BENCH_MODE', 'idle')
OUT = ENV.get('BENCH_OUT', '/dev/null')
SECONDS = float(ENV.get('BENCH_SECONDS', '3'))
WARMUP = float(ENV.get('BENCH_WARMUP', '0.5'))
NCB = int(ENV.get('BENCH_NCB', '20'))
BATCH = int(ENV.get('BENCH_BATCH', '10000'))
BATCHES = int(ENV.get('BENCH_BATCHES', '10'))
META = ENV.get('BENCH_META') == '1'
WRITER = ENV.get('BENCH_WRITER') == '1'
CG = ENV.get('BENCH_CG') == '1'
# callgrind: number of empty callbacks in the measured part
CG_CALLS = int(ENV.get('BENCH_CG_CALLS', '2000'))

_done = False


def _status():
    res = {}
    with open('/proc/self/status') as f:
        for line in f:
            k, _, v = line.partition(':')
            if k in ('VmHWM', 'VmRSS'):
                res[k.lower() + '_kib'] = int(v.split()[0])
    return res


def _finish(res):
    """Write the result file (atomically) and stop the daemon."""
    global _done
    if _done:
        return
    _done = True
    res.update(_status())
    res['mode'] = MODE
    tmp = OUT + '.tmp'
    with open(tmp, 'w') as f:
        for k in sorted(res):
            f.write('%s=%s\n' % (k, res[k]))
    os.rename(tmp, OUT)
    os.kill(os.getpid(), signal.SIGTERM)


# --------------------------------------------------------------------------
# idle: one trivial read callback at the default interval; finish after a
# few calls (peak RSS of a daemon running a trivial script).

_idle_calls = 0


def idle_read():
    global _idle_calls
    _idle_calls += 1
    if _idle_calls >= 2:
        _finish({'calls': _idle_calls})


# --------------------------------------------------------------------------
# empty: NCB read callbacks that do nothing but count, each at interval
# 1 ms, plus a controller at 50 ms that opens and closes the window.

_calls = 0


def empty_read():
    global _calls
    _calls += 1


_ctl = {}


def controller():
    now = time.perf_counter()
    if 'start' not in _ctl:
        _ctl['start'] = now
        return
    if 't0' not in _ctl:
        if now - _ctl['start'] >= WARMUP:
            _ctl.update(t0=now, c0=time.process_time(), n0=_calls)
        return
    if now - _ctl['t0'] >= SECONDS:
        c1, n1 = time.process_time(), _calls
        n = n1 - _ctl['n0']
        wall = now - _ctl['t0']
        cpu = c1 - _ctl['c0']
        _finish({'calls': n, 'wall_s': '%.6f' % wall, 'cpu_s': '%.6f' % cpu,
                 'calls_per_s': '%.1f' % (n / wall),
                 'cpu_us_per_call': '%.4f' % (cpu * 1e6 / n)})


def empty_read_cg():
    global _calls
    _calls += 1
    if _calls == 200:
        os.getppid()            # callgrind: zero counters
    elif _calls == 200 + CG_CALLS:
        os.getpgrp()            # callgrind: dump counters
        _finish({'cg_calls': CG_CALLS})


# --------------------------------------------------------------------------
# dispatch: a single read call dispatches 1 warm-up batch and BATCHES measured
# batches of BATCH gauge values (v.dispatch(values=[i]) in a loop).  With
# BENCH_WRITER=1 a Python write callback counts what it receives and the
# window closes when every value has been received; without, the window
# closes when the other threads of the daemon (i.e. the write thread draining
# the queue, with no writer to call) have stopped using CPU.

_received = 0
_recv_lock = threading.Lock()
_dispatched = 0
_ran = False

META_DICT = {'str': 'value', 'int': 12345, 'float': 2.5, 'bool': True}


def write_cb(vl):
    global _received
    with _recv_lock:
        _received += 1


def _values():
    kw = dict(type='gauge', plugin='bench', type_instance='g', host='benchhost')
    if META:
        kw['meta'] = META_DICT
    return collectd.Values(**kw)


def _batch(v):
    global _dispatched
    d = v.dispatch
    for i in range(BATCH):
        d(values=[i])
    _dispatched += BATCH


def _others_ticks():
    """utime+stime (clock ticks) of all threads of this process but the caller."""
    me = str(threading.get_native_id())
    total = 0
    for tid in os.listdir('/proc/self/task'):
        if tid == me:
            continue
        try:
            with open('/proc/self/task/%s/stat' % tid) as f:
                fields = f.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total


def _settle(timeout=60.0):
    """Wait until the other threads have used no CPU for 5 polls of 20 ms."""
    end = time.perf_counter() + timeout
    last, quiet = _others_ticks(), 0
    while quiet < 5:
        if time.perf_counter() > end:
            return False
        time.sleep(0.02)
        cur = _others_ticks()
        quiet = quiet + 1 if cur == last else 0
        last = cur
    return True


def _drain(timeout=60.0):
    """Wait (GIL released) until the dispatched values have been processed:
    seen by the Python writer, or (no writer) until the daemon is quiet."""
    if not WRITER:
        return _settle(timeout)
    end = time.perf_counter() + timeout
    while _received < _dispatched:
        if time.perf_counter() > end:
            return False
        time.sleep(0.0005)
    return True


def dispatch_read():
    global _ran
    if _ran:
        return
    _ran = True
    v = _values()
    _batch(v)                   # warm-up
    _drain()
    if CG:
        os.getppid()            # callgrind: zero counters
        for _ in range(BATCHES):
            _batch(v)
        ok = _drain()
        os.getpgrp()            # callgrind: dump counters
        _finish({'cg_values': BATCHES * BATCH, 'drained': int(ok)})
        return
    r0 = _received
    t0, c0 = time.perf_counter(), time.process_time()
    loop_wall = loop_cpu = 0.0
    for _ in range(BATCHES):
        a, b = time.perf_counter(), time.thread_time()
        _batch(v)
        loop_wall += time.perf_counter() - a
        loop_cpu += time.thread_time() - b
    ok = _drain()
    t1, c1 = time.perf_counter(), time.process_time()
    n = BATCHES * BATCH
    res = {
        'values': n,
        'drained': int(ok),
        'received': _received - r0,
        'loop_wall_s': '%.6f' % loop_wall,
        'loop_cpu_s': '%.6f' % loop_cpu,
        'wall_s': '%.6f' % (t1 - t0),
        'cpu_s': '%.6f' % (c1 - c0),
        # dispatch side: what Values.dispatch costs the calling thread
        'dispatch_values_per_s': '%.1f' % (n / loop_wall),
        'dispatch_cpu_us_per_value': '%.4f' % (loop_cpu * 1e6 / n),
        # whole process, until the writer has received everything
        'cpu_us_per_value': '%.4f' % ((c1 - c0) * 1e6 / n),
    }
    if WRITER:
        res['received_values_per_s'] = '%.1f' % ((_received - r0) / (t1 - t0))
    _finish(res)


# --------------------------------------------------------------------------
# calls (callgrind only): the cost of one API call above a bare Python call.
# One read call runs BENCH_CG_CALLS iterations of a loop that calls a Python
# no-op with the same arguments (dump 1, the baseline), then the same loop with
# the API call (dump 2).  Each loop is followed by the same wait for the other
# threads (collectd's write thread drains the queue inside the window).
#   BENCH_CALL  gauge | multids | meta4 | notif | info

CALL = ENV.get('BENCH_CALL', 'gauge')


def _nop_values(values=None):
    pass


def _nop_msg(msg):
    pass


def _nop():
    pass


def _settle_cg():
    """_settle with polls far apart: their cost is spread over many calls."""
    end = time.perf_counter() + 120
    last, quiet = _others_ticks(), 0
    while quiet < 3 and time.perf_counter() < end:
        time.sleep(0.25)
        cur = _others_ticks()
        quiet = quiet + 1 if cur == last else 0
        last = cur


def _call_loops():
    """(baseline loop, API loop) for CALL, both taking the iteration count."""
    if CALL in ('gauge', 'meta4', 'multids'):
        kw = dict(plugin='bench', type_instance='g', host='benchhost')
        if CALL == 'multids':
            kw['type'] = 'if_octets'
        else:
            kw['type'] = 'gauge'
        if CALL == 'meta4':
            kw['meta'] = META_DICT
        d = collectd.Values(**kw).dispatch
        nop = _nop_values
        if CALL == 'multids':
            def base(n):
                for i in range(n):
                    nop(values=[i, i])

            def api(n):
                for i in range(n):
                    d(values=[i, i])
        else:
            def base(n):
                for i in range(n):
                    nop(values=[i])

            def api(n):
                for i in range(n):
                    d(values=[i])
        return base, api
    if CALL == 'notif':
        d = collectd.Notification(plugin='bench', type='gauge', host='benchhost',
                                  severity=collectd.NOTIF_OKAY,
                                  message='bench notification').dispatch
        nop = _nop

        def base(n):
            for _ in range(n):
                nop()

        def api(n):
            for _ in range(n):
                d()
        return base, api
    if CALL == 'info':
        info, nop = collectd.info, _nop_msg

        def base(n):
            for _ in range(n):
                nop('bench message')

        def api(n):
            for _ in range(n):
                info('bench message')
        return base, api
    raise ValueError('unknown BENCH_CALL %r' % CALL)


def calls_read():
    global _ran
    if _ran:
        return
    _ran = True
    base, api = _call_loops()
    base(200)
    api(200)                    # warm-up (caches, first-call paths)
    _settle_cg()
    os.getppid()                # callgrind: zero counters
    base(CG_CALLS)
    _settle_cg()
    os.getpgrp()                # callgrind: dump 1 (baseline), counters zeroed
    api(CG_CALLS)
    _settle_cg()
    os.getpgrp()                # callgrind: dump 2 (API)
    _finish({'cg_calls': CG_CALLS, 'call': CALL})


# --------------------------------------------------------------------------

if MODE == 'calls':
    collectd.register_read(calls_read, interval=0.05, name='bench_calls')
elif MODE == 'idle':
    collectd.register_read(idle_read)
elif MODE == 'empty':
    cb = empty_read_cg if CG else empty_read
    for i in range(NCB):
        collectd.register_read(cb, interval=0.001, name='bench_empty_%d' % i)
    if not CG:
        collectd.register_read(controller, interval=0.05, name='bench_ctl')
elif MODE == 'dispatch':
    collectd.register_read(dispatch_read, interval=0.05, name='bench_dispatch')
    if WRITER:
        collectd.register_write(write_cb, name='bench_write')
else:
    raise ValueError('unknown BENCH_MODE %r' % MODE)
