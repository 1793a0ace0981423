"""Prints the comparison table for bench/run.sh.

usage: python3 report.py <work dir>

Reads <work dir>/runs/<scenario>.<plugin>[.<rep>]/result (key=value lines,
written by bench/plugins/cdpy_bench.py or by run.sh) and prints, per metric,
the median over repetitions for the C plugin and ours and the ratio ours/C.
Also writes <work dir>/results.tsv.
"""

import os
import statistics
import sys

PLUGINS = ('c', 'ours')


def load(work):
    """{(scenario, plugin): [result dict, ...]}"""
    runs = {}
    root = os.path.join(work, 'runs')
    for name in sorted(os.listdir(root)):
        parts = name.split('.')
        if len(parts) < 2 or parts[1] not in PLUGINS:
            continue
        path = os.path.join(root, name, 'result')
        if not os.path.isfile(path):
            continue
        res = {}
        with open(path) as f:
            for line in f:
                k, sep, v = line.strip().partition('=')
                if sep:
                    res[k] = v
        runs.setdefault((parts[0], parts[1]), []).append(res)
    return runs


def value(runs, scenario, plugin, key):
    """Median of a numeric key (key may be a callable over a result dict)."""
    xs = []
    for res in runs.get((scenario, plugin), []):
        try:
            xs.append(key(res) if callable(key) else float(res[key]))
        except (KeyError, ValueError, ZeroDivisionError):
            pass
    return (statistics.median(xs), len(xs)) if xs else (None, 0)


def per(num, den):
    return lambda r: float(r[num]) / float(r[den])


def above(r):
    """calls mode: (API loop - baseline loop) / iterations"""
    return (float(r['api']) - float(r['base'])) / float(r['cg_calls'])


# (label, scenario, key, format, better)
METRICS = [
    ('empty read cb: CPU us/call (process)', 'empty', 'cpu_us_per_call', 'us', 'lower'),
    ('empty read cb: calls/s (20 cb @ 1 ms)', 'empty', 'calls_per_s', 'rate', 'info'),
    ('empty read cb: instructions/call [cg]', 'cgempty', per('instr', 'cg_calls'), 'int', 'lower'),
    ('dispatch, no writer: values/s (loop)', 'disp', 'dispatch_values_per_s', 'rate', 'higher'),
    ('dispatch, no writer: CPU us/value (read thr)', 'disp', 'dispatch_cpu_us_per_value', 'us', 'lower'),
    ('dispatch, no writer: CPU us/value (process)', 'disp', 'cpu_us_per_value', 'us', 'lower'),
    ('dispatch, no writer: instructions/value [cg]', 'cgdisp', per('instr', 'cg_values'), 'int', 'lower'),
    ('dispatch+meta4, no writer: values/s (loop)', 'dispmeta', 'dispatch_values_per_s', 'rate', 'higher'),
    ('dispatch+meta4, no writer: CPU us/value (read thr)', 'dispmeta', 'dispatch_cpu_us_per_value', 'us', 'lower'),
    ('dispatch+meta4, no writer: CPU us/value (process)', 'dispmeta', 'cpu_us_per_value', 'us', 'lower'),
    ('dispatch+meta4, no writer: instructions/value [cg]', 'cgdispmeta', per('instr', 'cg_values'), 'int', 'lower'),
    ('py dispatch -> py write: received values/s', 'dispw', 'received_values_per_s', 'rate', 'higher'),
    ('py dispatch -> py write: CPU us/value (process)', 'dispw', 'cpu_us_per_value', 'us', 'lower'),
    ('py dispatch -> py write: instructions/value [cg]', 'cgdispw', per('instr', 'cg_values'), 'int', 'lower'),
    ('  write path alone: CPU us/value (derived, noisy)', None,
     ('dispw', 'cpu_us_per_value', 'disp', 'cpu_us_per_value'), 'us', 'lower'),
    ('  write path alone: instructions/value [cg] (derived)', None,
     ('cgdispw', per('instr', 'cg_values'), 'cgdisp', per('instr', 'cg_values')), 'int', 'lower'),
    ('py dispatch+meta4 -> py write: received values/s', 'dispwmeta', 'received_values_per_s', 'rate', 'higher'),
    ('py dispatch+meta4 -> py write: CPU us/value (process)', 'dispwmeta', 'cpu_us_per_value', 'us', 'lower'),
    ('Values.dispatch, gauge: instr/call above a bare call [cg]', 'cgcall_gauge', above, 'int', 'lower'),
    ('Values.dispatch, 2-DS derive: instr/call above a bare call [cg]', 'cgcall_multids', above, 'int', 'lower'),
    ('Values.dispatch, 4-entry meta: instr/call above a bare call [cg]', 'cgcall_meta4', above, 'int', 'lower'),
    ('Notification.dispatch: instr/call above a bare call [cg]', 'cgcall_notif', above, 'int', 'lower'),
    ('collectd.info: instr/call above a bare call [cg]', 'cgcall_info', above, 'int', 'lower'),
    ('peak RSS, trivial script: VmHWM KiB', 'idle', 'vmhwm_kib', 'int', 'lower'),
    ('peak RSS, dispatch -> py write (incl. queue): VmHWM KiB', 'dispw', 'vmhwm_kib', 'int', 'lower'),
    ('python.so stripped size (this build): bytes', 'size', 'bytes', 'int', 'lower'),
    ('python.so stripped size (ci/release.sh, as shipped): bytes', 'sizelean', 'bytes', 'int', 'lower'),
]


def fmt(x, kind):
    if x is None:
        return 'n/a'
    if kind == 'us':
        return '%.3f' % x
    if kind == 'rate':
        return '%.1fk' % (x / 1e3) if x < 1e6 else '%.2fM' % (x / 1e6)
    return '%d' % round(x)


def main():
    work = sys.argv[1]
    runs = load(work)
    rows = []
    for label, scenario, key, kind, better in METRICS:
        vals = {}
        for p in PLUGINS:
            if scenario is None:  # difference of two medians
                a, _ = value(runs, key[0], p, key[1])
                b, _ = value(runs, key[2], p, key[3])
                vals[p] = a - b if a is not None and b is not None else None
            else:
                vals[p] = value(runs, scenario, p, key)[0]
        c, o = vals['c'], vals['ours']
        ratio = '%.2f' % (o / c) if c and o is not None else 'n/a'
        rows.append((label, fmt(c, kind), fmt(o, kind), ratio, better, c, o))
    reps = max((len(v) for (s, _), v in runs.items() if s == 'empty'), default=0)
    w = max(len(r[0]) for r in rows)
    head = ('%-*s %12s %12s %8s  %s' % (w, 'metric', 'C plugin', 'ours', 'ours/C', 'better'))
    print(head)
    print('-' * len(head))
    for label, c, o, ratio, better, _, _ in rows:
        print('%-*s %12s %12s %8s  %s' % (w, label, c, o, ratio, better))
    cg_reps = max((len(v) for (s, _), v in runs.items() if s.startswith('cgcall_')), default=0)
    print('(timed figures: median of %d run(s) per plugin; [cg] = callgrind '
          'instruction count, user space only, all threads; per-call rows: median '
          'of %d run(s))' % (reps, cg_reps))
    with open(os.path.join(work, 'results.tsv'), 'w') as f:
        f.write('metric\tc\tours\tratio\tbetter\n')
        for label, _, _, ratio, better, c, o in rows:
            f.write('%s\t%s\t%s\t%s\t%s\n' % (label.strip(), c, o, ratio, better))


if __name__ == '__main__':
    main()
