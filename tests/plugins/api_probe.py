"""Probe helpers for the api_* conformance scripts.

A probe evaluates one expression and appends one line to $CDPY_OUT/<fname>:

    <label> = <repr(result)>            on success
    <label> !! <TypeName>: <str(exc)>    on an exception

Warnings raised during the probe are appended as ` [warn <Category>: <msg>]`.
Files are written as UTF-8 with backslash escapes for anything unencodable
(exception texts of the C plugin may contain garbage bytes, B-BUG-02/03).
"""

import os
import threading
import warnings

OUT = os.environ.get('CDPY_OUT', '.')


def record(line, fname='obs.txt'):
    with open(os.path.join(OUT, fname), 'a', encoding='utf-8',
              errors='backslashreplace') as f:
        f.write(line + '\n')


def exc_text(e):
    try:
        s = str(e)
    except Exception:  # pragma: no cover - recorded as such
        s = '<str failed>'
    return '%s: %s' % (type(e).__name__, s)


def probe(label, fn, fname='obs.txt', show=repr):
    """Run fn() and record its result or exception under label."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        try:
            line = '%s = %s' % (label, show(fn()))
        except BaseException as e:  # every outcome is an observation
            line = '%s !! %s' % (label, exc_text(e))
    for w in caught:
        line += ' [warn %s: %s]' % (w.category.__name__, w.message)
    record(line, fname)


def typed(obj):
    """`Type:repr` (module-qualified unless builtins)."""
    t = type(obj)
    mod = '' if t.__module__ == 'builtins' else t.__module__ + '.'
    return '%s%s:%r' % (mod, t.__qualname__, obj)


def meta_view(meta):
    """Meta dict as a list of (key, Type:value) in dict order."""
    if not isinstance(meta, dict):
        return typed(meta)
    return '[' + ', '.join('%r=%s' % (k, typed(v)) for k, v in meta.items()) + ']'


def is_main():
    return threading.current_thread() is threading.main_thread()
