"""Shared helpers for the test plugin scripts.

Everything a script observes is appended to files in the directory named by
the CDPY_OUT environment variable (set by the Rust test harness to
<run dir>/out).  The helpers mask values that legitimately differ between two
runs (wall-clock times, numbered dummy thread names) so that observations can
be compared between the C reference plugin and ours.
"""

import os
import re
import threading

OUT = os.environ.get('CDPY_OUT', '.')

_TIME_RE = re.compile(r'time=[0-9.e+-]+')
_DUMMY_RE = re.compile(r'Dummy-[0-9]+')


def mask(text):
    """Mask wall-clock times and Dummy-N thread numbers."""
    text = _TIME_RE.sub('time=<T>', text)
    return _DUMMY_RE.sub('Dummy-<N>', text)


def thread_name():
    return mask(threading.current_thread().name)


def record(line, fname='obs.txt'):
    """Append one line to $CDPY_OUT/<fname> (opened and closed each time)."""
    with open(os.path.join(OUT, fname), 'a') as f:
        f.write(line + '\n')


def conf_tree(node, depth=0):
    """Flatten a collectd.Config tree into readable lines."""
    vals = ', '.join('%s:%r' % (type(v).__name__, v) for v in node.values)
    parent = 'None' if node.parent is None else repr(node.parent.key)
    lines = ['%s%r [%s] parent=%s children=%s' % (
        '  ' * depth, node.key, vals, parent, type(node.children).__name__)]
    for child in node.children:
        lines.extend(conf_tree(child, depth + 1))
    return lines
