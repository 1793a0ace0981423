"""Values meta data conversion probes (B-META-01/02/10).

Each probe writes a value list synchronously (Values.write, B-VAL-21) to the
Python write callback `python.apimeta`, which records the meta dict it
received as `  seen [key=Type:value, ...]`; conversion problems are logged
by the plugin (`Unhandled python exception in building meta data: ...`).
A second group dispatches the same dicts asynchronously; the write callback
then records them from a write thread (compared sorted by label).
"""

import decimal
import fractions
import os
import threading

import collectd
from api_probe import probe, record, meta_view, is_main

S, U = collectd.Signed, collectd.Unsigned


class Idx:
    def __index__(self):
        return 42


class IntOnly:
    def __int__(self):
        return 43


class FloatOnly:
    def __float__(self):
        return 4.5


class BadStr:
    def __str__(self):
        raise ValueError('no str')


class MyStr(str):
    pass


class MyFloat(float):
    pass


class MyInt(int):
    pass


METAS = [
    ('empty', {}),
    ('basic types', {'t': True, 'f': False, 'x': 1.5, 's': S(-5), 'u': U(5),
                     'i': 7, 'str': 'v', 'neg': -7}),
    ('case replace', {'s': 1, 'S': S(7)}),
    ('case replace 2', {'A': 1, 'a': 2}),
    ('case replace keeps position', {'first': 1, 'k': 'x', 'last': 3, 'K': 'y'}),
    ('int ranges', {'i63': 2 ** 63 - 1, 'u63': 2 ** 63, 'u64max': 2 ** 64 - 1,
                    'over': 2 ** 64, 'min': -2 ** 63, 'under': -2 ** 63 - 1,
                    'after': 'kept'}),
    ('signed ranges', {'smax': S(2 ** 63 - 1), 'sover': S(2 ** 63),
                       'smin': S(-2 ** 63), 'sunder': S(-2 ** 63 - 1)}),
    ('unsigned ranges', {'uneg': U(-1), 'umax': U(2 ** 64 - 1), 'uover': U(2 ** 64),
                         'uzero': U(0)}),
    ('float specials', {'nan': float('nan'), 'inf': float('inf'), 'negz': -0.0}),
    ('numbers', {'dec': decimal.Decimal('1.7'), 'decneg': decimal.Decimal('-2.9'),
                 'frac': fractions.Fraction(7, 2), 'idx': Idx(), 'intonly': IntOnly()}),
    ('decimal huge', {'dbig': decimal.Decimal('1e30'), 'after': 1}),
    ('decimal nan', {'dnan': decimal.Decimal('nan'), 'after': 1}),
    ('complex', {'c': 1 + 2j, 'after': 1}),
    ('float only', {'fo': FloatOnly(), 'after': 1}),
    ('subclasses', {'mystr': MyStr('ms'), 'myfloat': MyFloat(2.5), 'myint': MyInt(3),
                    'bool_int': int(True)}),
    ('non-str keys', {1: 'a', None: 'b', 2.5: 'c', 'ok': 'd', (1, 2): 'e',
                      '\ud800': 'f', b'bkey': 'g'}),
    ('NUL key', {'a\0b': 1}),
    ('long key', {'k' * 300: 1}),
    ('stringified', {'none': None, 'list': [1, 2], 'tuple': (1,), 'dict': {'x': 1},
                     'bytes': b'xy', 'bytearray': bytearray(b'ba'), 'type': int}),
    ('bytes non-utf8', {'nb': b'\xff\xfe', 'after': 1}),
    ('str surrogate', {'sur': '\ud800', 'after': 1}),
    # ('bad str', {'bs': BadStr(), ...}): str() raising crashes the C plugin
    ('NUL value', {'nv': 'a\0b'}),
    ('long value', {'lv': 'v' * 2000}),
    ('meta None', None),
    # no limit the C plugin lacks: past our fixed pool (32 entries, 4 KiB)
    ('hundred keys', {'k%03d' % i: i for i in range(100)}),
    ('10 KiB string', {'big': 'x' * 10240, 'after': 1}),
    ('nested', {'nest': {'a': [1, {'b': (2, None)}]}, 'fs': frozenset([3]),
                'after': True}),
]


def write_cb(v):
    label = v.type_instance
    where = 'main' if is_main() else 'thread'
    record('  seen %s %s %s' % (where, label, meta_view(v.meta)),
           'obs.txt' if is_main() else 'async.txt')


def sync_probes():
    for label, meta in METAS:
        probe('meta write ' + label, lambda: collectd.Values(
            type='gauge', values=[1], plugin='apimeta', type_instance=label,
            meta=meta).write('python.apimeta'))
    # Overrides: meta passed to write() replaces the object's meta
    v = collectd.Values(type='gauge', values=[1], plugin='apimeta',
                        type_instance='override', meta={'obj': 1})
    probe('meta write override', lambda: v.write('python.apimeta', meta={'call': 2}))
    probe('meta write override None', lambda: v.write('python.apimeta', meta=None))
    probe('meta object unchanged', lambda: v.meta)


_expected = 0
_seen = threading.Semaphore(0)


def async_write_cb(v):
    write_cb(v)
    if not is_main():
        _seen.release()


def async_probes():
    n = 0
    for label, meta in METAS:
        probe('meta dispatch ' + label, lambda: collectd.Values(
            type='gauge', values=[1], plugin='apimeta', type_instance=label,
            meta=meta).dispatch())
        n += 1
    record('dispatched %d' % n)
    return n


def badstr_probes():
    # str() raising for a meta value crashes the C plugin; ours must survive
    # and skip the item (ours only).
    probe('meta write bad str', lambda: collectd.Values(
        type='gauge', values=[1], plugin='apimeta', type_instance='bad str',
        meta={'bs': BadStr(), 'after': 1}).write('python.apimeta'))
    probe('meta notification bad str', lambda: collectd.Notification(
        type='gauge', message='bad str', meta={'bs': BadStr(), 'after': 1}).dispatch())


def init():
    wanted = os.environ.get('API_GROUPS', '')
    if not wanted or 'sync_probes' in wanted.split(','):
        record('# sync_probes')
        sync_probes()
    if 'badstr_probes' in wanted.split(','):
        record('# badstr_probes')
        badstr_probes()


def read():
    # -T mode: write threads run now; wait until they delivered everything
    wanted = os.environ.get('API_GROUPS', '')
    if not wanted or 'async_probes' in wanted.split(','):
        record('# async_probes')
        n = async_probes()
        got = 0
        for _ in range(n):
            if _seen.acquire(timeout=10):
                got += 1
        record('async received %d' % got)


collectd.register_write(async_write_cb, name='apimeta')
collectd.register_init(init)
collectd.register_read(read)
