"""PluginData / Values conformance probes (B-PD-*, B-VAL-*).

All probes run in an init callback; each records one line in obs.txt (see
api_probe.py).  Values.write() is synchronous (B-VAL-21), so what the write
callback `python.apiw` sees is recorded right after the probe that wrote it
(as `  seen ...` lines).  Values dispatched asynchronously reach the write
callback in write threads and are ignored there.
"""

import os

import collectd
from api_probe import probe, record, is_main

Values = collectd.Values
PluginData = collectd.Values.__base__  # not exported (B-INIT-07)


def show_values(v):
    return ('%s host=%r plugin=%r plugin_instance=%r type=%r type_instance=%r '
            'time=%r interval=%r values=%r vtypes=%r meta=%r' % (
                type(v).__name__, v.host, v.plugin, v.plugin_instance, v.type,
                v.type_instance, v.time, v.interval, v.values,
                [type(x).__name__ for x in v.values], v.meta))


def write_cb(v, data=None):
    if not is_main():
        return
    record('  seen %s data=%r' % (show_values(v), data))
    record('  seen repr %r' % (v,))


class MyV(Values):
    pass


class MyPD(PluginData):
    pass


class MyList(list):
    pass


def fields(o):
    return (o.host, o.plugin, o.plugin_instance, o.type, o.type_instance, o.time)


def setter(obj, name, value):
    def f():
        setattr(obj, name, value)
        return getattr(obj, name)
    return f


def deleter(obj, name):
    def f():
        delattr(obj, name)
        return getattr(obj, name)
    return f


def pd_probes():
    # B-PD-01 defaults
    probe('pd default fields', lambda: fields(PluginData()))
    probe('pd default repr', lambda: repr(PluginData()))
    probe('pd repr type+host', lambda: repr(PluginData(type='gauge', host='h')))
    probe('pd repr all', lambda: repr(PluginData(
        type='gauge', plugin_instance='pi', type_instance='ti', plugin='pl',
        host='h', time=1.5)))
    probe('pd positional', lambda: fields(PluginData('gauge', 'pi', 'ti', 'pl', 'h', 2)))
    # B-PD-02 constructor errors
    probe('pd 7 args', lambda: PluginData('gauge', 'a', 'b', 'c', 'd', 1.0, 7))
    probe('pd bad kw', lambda: PluginData(foo=1))
    probe('pd type unknown', lambda: PluginData(type='nope'))
    probe('pd type empty', lambda: PluginData(type=''))
    probe('pd type None', lambda: PluginData(type=None))
    probe('pd type int', lambda: PluginData(type=5))
    probe('pd type bytes', lambda: PluginData(type=b'gauge').type)
    probe('pd type bytearray', lambda: PluginData(type=bytearray(b'gauge')).type)
    probe('pd host NUL', lambda: PluginData(host='a\0b'))
    probe('pd plugin None', lambda: PluginData(plugin=None))
    probe('pd host surrogate', lambda: PluginData(host='\ud800'))
    probe('pd time str', lambda: PluginData(time='x'))
    probe('pd time None', lambda: PluginData(time=None))
    probe('pd time int', lambda: PluginData(time=7).time)
    probe('pd time huge int', lambda: PluginData(time=2 ** 2000))
    probe('pd time kw str type', lambda: PluginData(type='gauge', time='1.5'))
    # truncation to 127 bytes, bytes when the cut splits a UTF-8 sequence
    probe('pd host 200', lambda: len(PluginData(host='x' * 200).host))
    probe('pd host split utf8', lambda: PluginData(host='a' * 126 + '\xe9').host)
    probe('pd host 127 utf8 fits', lambda: PluginData(host='a' * 125 + '\xe9').host)
    probe('pd host bytes non-utf8', lambda: PluginData(host=b'\xff\xfe').host)
    # __init__ again resets omitted fields
    def reinit():
        p = PluginData(type='gauge', host='h', time=3.0)
        p.__init__(plugin='x')
        return fields(p)
    probe('pd reinit resets', reinit)

    # B-PD-04 setters
    p = PluginData()
    for name in ('host', 'plugin', 'plugin_instance', 'type_instance'):
        probe('pd set %s str' % name, setter(p, name, 'v-' + name))
        probe('pd set %s bytes' % name, setter(p, name, b'b-' + name.encode()))
        probe('pd set %s bytearray' % name, setter(p, name, bytearray(b'ba')))
        probe('pd set %s None' % name, setter(p, name, None))
        probe('pd set %s int' % name, setter(p, name, 5))
        probe('pd set %s surrogate' % name, setter(p, name, '\ud800'))
        probe('pd set %s NUL' % name, setter(p, name, 'a\0b'))
        probe('pd set %s 300' % name, lambda: len(setter(p, name, 'y' * 300)()))
        probe('pd set %s split utf8' % name, setter(p, name, 'a' * 126 + '\u20ac'))
        probe('pd set %s non-utf8 bytes' % name, setter(p, name, b'\xc3'))
        probe('pd del %s' % name, deleter(p, name))
        probe('pd after del %s' % name, lambda: getattr(p, name))
    # B-PD-05 type setter
    q = PluginData(type='gauge')
    probe('pd set type ok', setter(q, 'type', 'load'))
    probe('pd set type unknown', setter(q, 'type', 'nope'))
    probe('pd type unchanged', lambda: q.type)
    probe('pd set type empty', setter(q, 'type', ''))
    probe('pd set type NUL', setter(q, 'type', 'gauge\0junk'))
    probe('pd set type long', setter(q, 'type', 'z' * 200))
    probe('pd set type bytes', setter(q, 'type', b'derive'))
    probe('pd set type int', setter(q, 'type', 5))
    probe('pd set type None', setter(q, 'type', None))
    probe('pd set type surrogate', setter(q, 'type', '\udcff'))
    probe('pd del type', deleter(q, 'type'))
    # B-PD-06 time member
    probe('pd set time int', setter(q, 'time', 7))
    probe('pd set time str', setter(q, 'time', 'x'))
    probe('pd set time None', setter(q, 'time', None))
    probe('pd set time neg', setter(q, 'time', -1.25))
    probe('pd set time nan', lambda: repr(setter(q, 'time', float('nan'))()))
    probe('pd set time huge', setter(q, 'time', 2 ** 2000))
    probe('pd set time bool', setter(q, 'time', True))
    probe('pd del time', deleter(q, 'time'))
    # B-PD-07 repr of subclasses
    probe('pd subclass repr', lambda: repr(MyPD(type='gauge', time=2.0)))
    probe('pd repr bytes field', lambda: repr(PluginData(type='gauge', plugin=b'\xff')))


def values_probes():
    # B-VAL-01/02 defaults and constructor
    v = Values()
    probe('val default', lambda: (fields(v), v.interval, v.values, v.meta))
    probe('val default repr', lambda: repr(v))
    probe('val fresh list', lambda: Values().values is Values().values)
    probe('val fresh dict', lambda: Values().meta is Values().meta)
    probe('val full repr', lambda: repr(Values(
        type='gauge', type_instance='ti', plugin='pl', plugin_instance='pi',
        host='h', time=1.5, interval=10, values=[1], meta={'a': 1})))
    probe('val positional 9', lambda: repr(Values(
        'gauge', [1.0], 'pi', 'ti', 'pl', 'h', 1.0, 2.0, {'m': 'x'})))
    probe('val positional 10', lambda: Values(
        'gauge', [1.0], 'pi', 'ti', 'pl', 'h', 1.0, 2.0, {}, 0))
    probe('val bad kw', lambda: Values(severity=1))
    probe('val type unknown', lambda: Values(type='nope'))
    probe('val type None', lambda: Values(type=None))
    probe('val values=5', lambda: repr(Values(values=5)))
    probe('val meta=None', lambda: repr(Values(meta=None)))
    probe('val meta=[]', lambda: repr(Values(meta=[])))
    probe('val values=()', lambda: repr(Values(values=())))
    probe('val values=[] meta={}', lambda: repr(Values(values=[], meta={})))
    probe('val interval str', lambda: Values(interval='x'))
    probe('val interval int', lambda: Values(interval=3).interval)
    probe('val interval huge', lambda: Values(interval=2 ** 2000))
    probe('val time None', lambda: Values(time=None))
    probe('val values str', lambda: repr(Values(type='gauge', values='abc')))
    probe('val host bytes repr', lambda: repr(Values(host=b'h\xff', values=[1])))
    probe('val subclass repr', lambda: repr(MyV(type='gauge', values=[1], interval=2)))
    probe('val subclass repr empty', lambda: repr(MyV()))
    probe('val long fields', lambda: [len(x) for x in fields(Values(
        plugin='p' * 300, plugin_instance='q' * 128, type_instance='r' * 127,
        host='s' * 129))[:5]])
    probe('val NUL ctor', lambda: Values(plugin_instance='x\0'))
    # members
    w = Values(type='gauge', values=[1], meta={'k': 'v'})
    probe('val set values any', setter(w, 'values', 'anything'))
    probe('val set meta any', setter(w, 'meta', 42))
    probe('val del values', deleter(w, 'values'))
    probe('val repr no values', lambda: repr(w))
    probe('val del meta', deleter(w, 'meta'))
    probe('val repr no meta', lambda: repr(w))
    probe('val del values again', deleter(w, 'values'))
    probe('val del interval', deleter(w, 'interval'))
    probe('val set interval huge', setter(w, 'interval', 2 ** 2000))
    probe('val set interval str', setter(w, 'interval', 'x'))
    probe('val set interval int', setter(w, 'interval', 4))
    probe('val set interval neg', setter(w, 'interval', -2.5))
    probe('val set time huge', setter(w, 'time', 10 ** 400))
    probe('val set type unknown', setter(w, 'type', 'nope'))
    probe('val repr final', lambda: repr(w))


def dispatch_probes():
    # B-VAL-10 error order; every call is on a fresh object
    def d(label, make, **kw):
        probe('dispatch ' + label, lambda: make().dispatch(**kw))

    d('type not set', lambda: Values(values=[1]))
    # (an empty type together with string overrides double-frees in the C
    # plugin, B-BUG-06: not probed here, see api_values.rs for ours)
    d('type not set before values', lambda: Values(values=5, meta=5))
    d('type override unknown', lambda: Values(type='gauge', values=[1]), type='nope')
    d('type unknown before values', lambda: Values(values=5), type='nope')

    def no_values():
        v = Values(type='gauge')
        del v.values
        return v
    d('values deleted', no_values)
    d('values int', lambda: Values(type='gauge', values=5))
    d('values str', lambda: Values(type='gauge', values='1'))
    d('values dict', lambda: Values(type='gauge', values={1: 1}))
    d('values override bad', lambda: Values(type='gauge', values=[1]), values=None)
    d('values before meta', lambda: Values(type='gauge', values=5, meta=5))
    d('meta int', lambda: Values(type='gauge', values=[1], meta=5))
    d('meta list', lambda: Values(type='gauge', values=[1], meta=[]))
    d('meta override bad', lambda: Values(type='gauge', values=[1]), meta='x')
    d('meta before count', lambda: Values(type='gauge', values=[1, 2], meta=5))
    d('count 2 for gauge', lambda: Values(type='gauge', values=[1, 2]))
    d('count 0 for load', lambda: Values(type='load', values=[]))
    d('count before elements', lambda: Values(type='load', values=[None]))

    def no_meta():
        v = Values(type='gauge', values=[1], plugin='apival', type_instance='nometa')
        del v.meta
        return v
    d('meta deleted ok', no_meta)
    d('meta None ok', lambda: Values(type='gauge', values=[1], meta=None,
                                     plugin='apival', type_instance='nonemeta'))
    d('tuple ok', lambda: Values(type='gauge', values=(1,), plugin='apival',
                                 type_instance='tuple'))
    d('list subclass ok', lambda: Values(type='gauge', values=MyList([2]),
                                         plugin='apival', type_instance='mylist'))
    # B-VAL-11 element conversion errors, per DS type
    elems = [
        ('gauge', None), ('gauge', 'x'), ('gauge', 2 ** 2000), ('gauge', []),
        ('gauge', b'1.5'), ('gauge', 1j),
        ('counter', -1), ('counter', 2 ** 64), ('counter', float('nan')),
        ('counter', float('inf')), ('counter', 'x'), ('counter', '1.5'),
        ('counter', None), ('counter', -0.5), ('counter', 2.0 ** 64),
        ('derive', 2 ** 63), ('derive', -2 ** 63 - 1), ('derive', float('-inf')),
        ('derive', float('nan')), ('derive', 'abc'), ('derive', None),
        ('absolute', -1), ('absolute', 2 ** 64), ('absolute', float('nan')),
        ('absolute', '-3'),
    ]
    for ty, x in elems:
        d('elem %s %r' % (ty, x), lambda ty=ty: Values(type=ty, plugin='apival'),
          values=[x])
    d('first bad element wins', lambda: Values(type='load', plugin='apival'),
      values=[1, None, 'x'])
    d('args bad kw', lambda: Values(type='gauge', values=[1]), foo=1)
    d('args interval str', lambda: Values(type='gauge', values=[1]), interval='x')
    d('args time None', lambda: Values(type='gauge', values=[1]), time=None)
    d('args host None', lambda: Values(type='gauge', values=[1]), host=None)
    d('args host NUL', lambda: Values(type='gauge', values=[1]), host='a\0')
    probe('dispatch args 10 positional', lambda: Values().dispatch(
        'gauge', [1], 'a', 'b', 'c', 'd', 1.0, 1.0, {}, 1))
    probe('dispatch returns', lambda: Values(
        type='gauge', values=[1], plugin='apival', type_instance='ret').dispatch())

    # per-call overrides do not modify the object
    v = Values(type='gauge', values=[1], plugin='apival', type_instance='keep',
               meta={'a': 1})
    probe('dispatch override', lambda: v.dispatch(
        type='load', values=[1, 2, 3], plugin_instance='pi', type_instance='ov',
        plugin='apival2', host='otherhost', time=5.0, interval=2.0, meta={'b': 2}))
    probe('dispatch object unchanged', lambda: repr(v))


def write_probes():
    # B-VAL-20/21
    base = dict(type='gauge', values=[1.5], plugin='apiw', type_instance='t')

    def wr(label, make, *args, **kw):
        probe('write ' + label, lambda: make().write(*args, **kw))

    mk = lambda **extra: (lambda: Values(**dict(base, **extra)))
    wr('no destination', mk())
    wr('destination None', mk(), None)
    wr('destination int', mk(), 5)
    wr('ok', mk(), 'python.apiw')
    wr('ok kw', mk(), destination='python.apiw')
    wr('case insensitive', mk(), 'PYTHON.APIW')
    wr('unknown destination', mk(), 'python.nosuch')
    wr('csv destination', mk(type_instance='tocsv', plugin='apival'), 'csv')
    wr('interval int', mk(), 'python.apiw', interval=5)
    wr('interval float', mk(), 'python.apiw', interval=1.5)
    wr('interval huge', mk(), 'python.apiw', interval=2 ** 40)
    wr('interval splice', mk(interval=10.0), 'python.apiw', interval=5)
    wr('interval splice 1.5', mk(interval=1.5), 'python.apiw', interval=-1)
    wr('interval only int', mk(), 'python.apiw', interval=7)
    wr('object interval', mk(interval=2.5), 'python.apiw')
    wr('meta non-dict', mk(meta=5), 'python.apiw')
    wr('meta list', mk(meta=['a']), 'python.apiw')
    wr('meta None', mk(meta=None), 'python.apiw')
    wr('type not set', lambda: Values(values=[1]), 'python.apiw')
    wr('type unknown', mk(), 'python.apiw', type='nope')
    wr('values not list', mk(values=5), 'python.apiw')
    wr('wrong count', mk(values=[1, 2]), 'python.apiw')
    wr('elem error', mk(type='counter', values=[-1]), 'python.apiw')
    wr('strings accepted', mk(type='load', values=['1.5', 2, True]), 'python.apiw')
    wr('int types', mk(type='if_octets', values=['12', 3.9]), 'python.apiw')
    wr('counter/absolute', mk(type='counter', values=[2 ** 64 - 1]), 'python.apiw')
    wr('absolute', mk(type='absolute', values=['7']), 'python.apiw')
    wr('derive min', mk(type='derive', values=[-2 ** 63]), 'python.apiw')
    wr('gauge specials', mk(type='load', values=[float('nan'), float('inf'), -0.0]),
       'python.apiw')
    wr('time kept', mk(time=3.5), 'python.apiw')
    wr('bad kw', mk(), 'python.apiw', foo=1)
    wr('11 positional', mk(), 'python.apiw', 'gauge', [1], 'a', 'b', 'c', 'd', 1.0, 1, {}, 0)
    v = Values(type='gauge', values=[1], plugin='apiw', type_instance='keep', meta={'a': 1})
    probe('write override', lambda: v.write(
        'python.apiw', type='load', values=[1, 2, 3], plugin_instance='pi',
        type_instance='ov', plugin='P2', host='H2', time=5.0, interval=3,
        meta={'b': 2}))
    probe('write object unchanged', lambda: repr(v))
    probe('write defaults', lambda: Values(type='gauge', values=[1]).write('python.apiw'))
    probe('write subclass', lambda: MyV(type='gauge', values=[2]).write('python.apiw'))


def bug06_probes():
    # B-BUG-06: an empty effective type together with string overrides
    # double-frees in the C plugin; the drop-in must just raise (ours only).
    probe('bug06 type override empty', lambda: Values(type='gauge', values=[1]).dispatch(
        type='', plugin='p', host='h'))
    probe('bug06 unset type + overrides', lambda: Values(values=[1]).dispatch(
        plugin_instance='pi', type_instance='ti', plugin='p', host='h'))
    probe('bug06 write', lambda: Values(values=[1]).write('python.apiw', plugin='p'))
    for i in range(20):
        try:
            Values(values=[1]).dispatch(plugin='p' * 100, host='h' * 100)
        except RuntimeError:
            pass
    probe('bug06 later dispatch', lambda: Values(type='gauge', values=[1], plugin='apival',
                                                 type_instance='after').dispatch())


class S(str):
    pass


class I(int):
    def __int__(self):
        return 99


class F(float):
    pass


class Fl:
    def __float__(self):
        return 4.25


class Mutating:
    """str() empties the meta dict it is a value of."""
    def __init__(self):
        self.d = None

    def __str__(self):
        if self.d is not None:
            self.d.clear()
        return 'mutated'


def fastpath_probes():
    # The vectorcall fast path of dispatch/write/Notification.dispatch and the
    # log functions must be invisible: every call it declines is parsed again
    # by PyArg with the C plugin's results and messages.
    base = dict(type='gauge', values=[1.5], plugin='apiw', type_instance='t')
    v = Values(**base)
    kw = lambda name: ''.join(list(name))   # a keyword name that is not interned
    fp = lambda label, fn: probe('fast ' + label, fn)
    fp('write non-interned kw', lambda: v.write(**{kw('destination'): 'python.apiw'}))
    fp('write non-interned plugin', lambda: v.write('python.apiw', **{kw('plugin'): 'ni'}))
    fp('write dup dest', lambda: v.write('python.apiw', destination='python.apiw'))
    fp('write dup type', lambda: v.write('python.apiw', 'gauge', type='gauge'))
    fp('write all positional', lambda: v.write('python.apiw', 'gauge', [2], 'pi', 'ti', 'pl',
                                               'ho', 1.0, 3, {'m': 1}))
    fp('write str subclass', lambda: v.write(S('python.apiw'), plugin=S('sub')))
    fp('write bytes', lambda: v.write(b'python.apiw', plugin=b'byt', host=b'\xff\xfe'))
    fp('write bytearray', lambda: v.write('python.apiw', plugin=bytearray(b'ba')))
    fp('write NUL dest', lambda: v.write('python.apiw\0x'))
    fp('write NUL plugin', lambda: v.write('python.apiw', plugin='a\0b'))
    fp('write surrogate', lambda: v.write('python.apiw', plugin='\ud800'))
    fp('write long plugin', lambda: v.write('python.apiw', plugin='p' * 300))
    fp('write utf8 plugin', lambda: v.write('python.apiw', plugin='h\u00e9\u4e2d'))
    fp('write time bool', lambda: v.write('python.apiw', time=True))
    fp('write time int', lambda: v.write('python.apiw', time=7))
    fp('write time huge int', lambda: v.write('python.apiw', time=2 ** 2000))
    fp('write time __float__', lambda: v.write('python.apiw', time=Fl()))
    fp('write time float subclass', lambda: v.write('python.apiw', time=F(2.5)))
    fp('write time str', lambda: v.write('python.apiw', time='1'))
    fp('write interval bool', lambda: v.write('python.apiw', interval=True))
    fp('write interval int subclass', lambda: v.write('python.apiw', interval=I(3)))
    fp('write interval neg huge', lambda: v.write('python.apiw', interval=-2 ** 40))
    fp('write values huge gauge', lambda: v.write('python.apiw', values=[2 ** 1100]))
    fp('write values int subclass', lambda: v.write('python.apiw', type='derive', values=[I(5)]))
    fp('write values float subclass', lambda: v.write('python.apiw', values=[F(0.5)]))
    fp('write values bool counter', lambda: v.write('python.apiw', type='counter', values=[True]))
    fp('write values derive overflow', lambda: v.write('python.apiw', type='derive',
                                                       values=[2 ** 63]))
    fp('write values counter neg', lambda: v.write('python.apiw', type='counter', values=[-1]))
    fp('write values tuple', lambda: v.write('python.apiw', type='if_octets', values=(1, 2.9)))
    fp('write meta plain', lambda: v.write('python.apiw', meta={
        's': 'x', 'b': b'y', 'i': -3, 'big': 2 ** 64 - 1, 'f': 0.25, 't': True,
        'sg': collectd.Signed(-1), 'us': collectd.Unsigned(2)}))
    fp('write meta subclasses', lambda: v.write('python.apiw', meta={
        'S': S('sub'), 'I': I(5), 'F': F(1.5)}))
    fp('write meta nested', lambda: v.write('python.apiw', meta={
        'd': {'a': [1]}, 'n': None, 'l': [1, 2], 'o': Fl()}))
    fp('write meta overflow', lambda: v.write('python.apiw', meta={'o': 2 ** 70, 'k': 1}))
    fp('write meta keys', lambda: v.write('python.apiw', meta={1: 'int key', b'bk': 1,
                                                              S('sk'): 2}))
    m = Mutating()
    md = {'a': 1, 'm': m, 'z': 2}
    m.d = md
    fp('write meta mutating', lambda: v.write('python.apiw', meta=md))
    fp('write meta subclass dict', lambda: v.write('python.apiw', meta=type('D', (dict,), {})(
        a=1)))
    # one value list each: two dispatches of one list in the same cdtime tick
    # make collectd's cache log "Value too old", timing dependent
    ds = iter(range(100))
    d = lambda: Values(type='gauge', values=[1], plugin='apival',
                       type_instance='fast%d' % next(ds))
    fp('dispatch no args', lambda: d().dispatch())
    fp('dispatch non-interned kw', lambda: d().dispatch(**{kw('values'): [2]}))
    fp('dispatch dup', lambda: d().dispatch('gauge', type='gauge'))
    fp('dispatch unknown kw', lambda: d().dispatch(valuez=[1]))
    fp('dispatch 10 positional', lambda: d().dispatch('gauge', [1], 'a', 'b', 'c', 'd', 1.0,
                                                      1.0, {}, 0))
    fp('dispatch NUL type', lambda: d().dispatch(type='gau\0ge'))
    fp('dispatch interval str', lambda: d().dispatch(interval='1'))
    fp('dispatch meta list', lambda: d().dispatch(meta=[1]))
    fp('dispatch meta None', lambda: d().dispatch(meta=None))
    n = collectd.Notification(type='gauge', plugin='apin', message='fast')
    fp('notif no args', lambda: n.dispatch())
    fp('notif non-interned kw', lambda: n.dispatch(**{kw('message'): 'ni'}))
    fp('notif dup', lambda: n.dispatch('gauge', type='gauge'))
    fp('notif unknown kw', lambda: n.dispatch(interval=1))
    fp('notif severity bool', lambda: n.dispatch(severity=True, message='sev bool'))
    fp('notif severity huge', lambda: n.dispatch(severity=2 ** 40))
    fp('notif severity float', lambda: n.dispatch(severity=1.5))
    fp('notif time int', lambda: n.dispatch(time=3, message='time int'))
    fp('notif message long', lambda: n.dispatch(message='m' * 400))
    fp('notif message NUL', lambda: n.dispatch(message='a\0b'))
    fp('notif message bytes', lambda: n.dispatch(message=b'\xffbytes'))
    fp('notif message subclass', lambda: n.dispatch(message=S('subclass msg')))
    fp('notif meta', lambda: n.dispatch(message='with meta', meta={'a': 1, 'b': 'x'}))
    fp('notif meta list', lambda: n.dispatch(meta=[1]))
    fp('notif positional', lambda: n.dispatch('gauge', 'positional', 'pi', 'ti', 'pl', 'ho',
                                              1.0, 2, {}))
    fp('notif 10 positional', lambda: n.dispatch('gauge', 'm', 'pi', 'ti', 'pl', 'ho', 1.0, 2,
                                                 {}, 0))
    for name in ('info', 'warning'):
        f = getattr(collectd, name)
        fp(name + ' str', lambda: f('fast %s str' % name))
        fp(name + ' bytes', lambda: f(b'fast bytes \xff'))
        fp(name + ' subclass', lambda: f(S('fast subclass')))
        fp(name + ' bytearray', lambda: f(bytearray(b'fast bytearray')))
        fp(name + ' none', lambda: f(None))
        fp(name + ' no args', lambda: f())
        fp(name + ' two args', lambda: f('a', 'b'))
        fp(name + ' kw', lambda: f(msg='x'))
        fp(name + ' empty kw', lambda: f('fast empty kw', **{}))
        fp(name + ' NUL', lambda: f('a\0b'))
        fp(name + ' surrogate', lambda: f('\udc80'))
        fp(name + ' long', lambda: f('L' * 2000))


GROUPS = (pd_probes, values_probes, dispatch_probes, write_probes, bug06_probes,
          fastpath_probes)


def init():
    wanted = os.environ.get('API_GROUPS', '')
    for group in GROUPS:
        if not wanted or group.__name__ in wanted.split(','):
            record('# ' + group.__name__)
            group()


collectd.register_write(write_cb, name='apiw')
collectd.register_init(init)
