"""Type-level conformance probes: B-TYPE-01..06 (names, MRO, flags, no
__dict__/weakref, pickling, GC, descriptors, subclassing, docstrings) and
B-CONF-01..04 (collectd.Config).

API_GROUPS selects groups (types, conf, docs, help); probes run in an init
callback.  Docstrings go to docs.txt, pydoc renderings to help.txt.
"""

import copy
import gc
import inspect
import os
import pickle
import pydoc
import weakref

import collectd
from api_probe import probe, record

WANTED = [g for g in os.environ.get('API_GROUPS', '').split(',') if g]

PluginData = collectd.Values.__base__
TYPES = [('Config', collectd.Config), ('PluginData', PluginData),
         ('Values', collectd.Values), ('Notification', collectd.Notification),
         ('Signed', collectd.Signed), ('Unsigned', collectd.Unsigned),
         ('CollectdError', collectd.CollectdError)]

FLAGS = [('HEAPTYPE', 1 << 9), ('BASETYPE', 1 << 10), ('HAVE_GC', 1 << 14),
         ('IMMUTABLETYPE', 1 << 8), ('DISALLOW_INSTANTIATION', 1 << 7),
         ('MANAGED_DICT', 1 << 4)]


FACTORIES = [('Config', lambda: collectd.Config('k')), ('PluginData', PluginData),
             ('Values', collectd.Values), ('Notification', collectd.Notification)]


def where_defined(t, attr):
    for k in t.__mro__:
        if attr in k.__dict__:
            return '%s.%s' % (k.__name__, type(k.__dict__[attr]).__name__)
    return None


def type_probes():
    for name, t in TYPES:
        probe('%s repr' % name, lambda: repr(t))
        probe('%s names' % name, lambda: (t.__name__, t.__qualname__, t.__module__))
        probe('%s mro' % name, lambda: [k.__name__ for k in t.__mro__])
        probe('%s bases' % name, lambda: [k.__name__ for k in t.__bases__])
        probe('%s flags' % name, lambda: [f for f, bit in FLAGS
                                          if t.__flags__ & bit and f != 'HEAPTYPE'])
        # static (C) vs heap type: only visible in __flags__, not compared
        probe('%s heaptype' % name, lambda: bool(t.__flags__ & (1 << 9)), 'nodiff.txt')
        probe('%s dictoffset/weakrefoffset' % name,
              lambda: (t.__dictoffset__ != 0, t.__weakrefoffset__ != 0))
        probe('%s own attrs' % name, lambda: sorted(
            k for k in t.__dict__ if k not in ('__doc__', '__module__')))
        probe('%s setattr on type' % name, lambda: setattr(t, 'zz_new', 1))
        probe('%s delattr on type' % name, lambda: delattr(t, 'zz_new'))
        probe('%s exported' % name, lambda: getattr(collectd, name, None) is t)
    for name, make in FACTORIES:
        o = make()
        probe('%s set unknown attr' % name, lambda: setattr(o, 'foo', 1))
        probe('%s get unknown attr' % name, lambda: o.foo)
        probe('%s has __dict__' % name, lambda: hasattr(o, '__dict__'))
        probe('%s weakref' % name, lambda: weakref.ref(o))
        probe('%s pickle' % name, lambda: pickle.dumps(o))
        probe('%s pickle proto 0' % name, lambda: pickle.dumps(o, 0))
        probe('%s copy' % name, lambda: copy.copy(o))
        probe('%s deepcopy' % name, lambda: copy.deepcopy(o))
        probe('%s reduce_ex' % name, lambda: o.__reduce_ex__(2))
        probe('%s gc tracked' % name, lambda: gc.is_tracked(o))
        probe('%s eq self / other' % name, lambda: (o == o, o == make(), o != make()))
        probe('%s hash is identity' % name, lambda: hash(o) == object.__hash__(o))
        probe('%s lt' % name, lambda: o < o)
        probe('%s str is repr' % name, lambda: str(o) == repr(o))
        probe('%s bool' % name, lambda: bool(o))
        probe('%s dir' % name, lambda: [a for a in dir(o) if not a.startswith('__')])
    # descriptor kinds (B-TYPE-05)
    for attr in ('host', 'plugin', 'plugin_instance', 'type', 'type_instance', 'time',
                 'interval', 'values', 'meta', 'dispatch', 'write'):
        probe('Values.%s defined' % attr, lambda: where_defined(collectd.Values, attr))
    for attr in ('severity', 'message', 'meta', 'dispatch', 'time'):
        probe('Notification.%s defined' % attr,
              lambda: where_defined(collectd.Notification, attr))
    for attr in ('parent', 'key', 'values', 'children'):
        probe('Config.%s defined' % attr, lambda: where_defined(collectd.Config, attr))
    probe('Values.dispatch is Notification.dispatch',
          lambda: collectd.Values.dispatch is collectd.Notification.dispatch)
    probe('method repr', lambda: repr(collectd.Values.dispatch).split(' of ')[0])
    probe('bound method repr', lambda: repr(collectd.Values().write).split(' of ')[0])
    probe('function repr', lambda: repr(collectd.register_read))
    probe('function types', lambda: sorted(set(
        type(getattr(collectd, n)).__name__ for n in dir(collectd)
        if callable(getattr(collectd, n)) and not isinstance(getattr(collectd, n), type))))
    probe('function self', lambda: repr(collectd.info.__self__))
    probe('function module', lambda: collectd.info.__module__)
    probe('module repr', lambda: repr(collectd))
    probe('module spec', lambda: (collectd.__spec__.origin, type(collectd.__spec__.loader).__name__
                                  if not isinstance(collectd.__spec__.loader, type)
                                  else collectd.__spec__.loader.__name__))
    probe('module dict keys', lambda: sorted(k for k in vars(collectd)))
    # subclassing (B-TYPE-02/03)
    for name, t in TYPES:
        def sub():
            S = type('Sub' + name, (t,), {'extra': 1})
            args = ('k',) if name == 'Config' else ()
            o = S(*args)
            o.foo = 5
            return (type(o).__name__, o.foo, hasattr(o, '__dict__'),
                    weakref.ref(o)() is o, isinstance(o, t), gc.is_tracked(o))
        probe('subclass %s' % name, sub)
    probe('subclass Values repr', lambda: repr(type('V2', (collectd.Values,), {})(
        type='gauge', values=[1])))
    probe('subclass Notification repr', lambda: repr(type('N2', (collectd.Notification,), {})(
        type='gauge', message='m')))
    probe('subclass Config repr', lambda: repr(type('C2', (collectd.Config,), {})('k')))
    probe('subclass init override', lambda: repr(type('V3', (collectd.Values,), {
        '__init__': lambda self, **kw: collectd.Values.__init__(self, type='load', **kw)})(
            plugin='p')))
    probe('subclass new only', lambda: repr(collectd.Values.__new__(collectd.Values)))
    probe('new with args', lambda: repr(collectd.Values.__new__(collectd.Values, type='nope')))
    probe('Signed', lambda: (collectd.Signed('ff', 16), repr(collectd.Signed(5)),
                             type(collectd.Signed(5) + 1).__name__,
                             collectd.Unsigned(-5), collectd.Unsigned(2 ** 70)))
    probe('Signed pickle', lambda: (lambda x: (type(x).__name__, x))(
        pickle.loads(pickle.dumps(collectd.Signed(7)))))
    probe('Unsigned pickle', lambda: (lambda x: (type(x).__name__, x))(
        pickle.loads(pickle.dumps(collectd.Unsigned(8)))))
    probe('Signed has dict', lambda: hasattr(collectd.Signed(1), '__dict__'))
    probe('CollectdError', lambda: (repr(collectd.CollectdError('a', 1)),
                                    collectd.CollectdError.__doc__ is not None))
    probe('gc cycle through Values', _gc_cycle)


def _gc_cycle():
    v = collectd.Values()
    v.values = [v]
    v.meta = {'self': v}
    r = weakref.ref(type('W', (collectd.Values,), {})())
    del v
    return (gc.collect() >= 1, r() is None)


def conf_probes():
    C = collectd.Config
    probe('conf minimal', lambda: (repr(C('k')), C('k').parent, C('k').values, C('k').children))
    probe('conf no key', lambda: C())
    probe('conf key int', lambda: C(5))
    probe('conf key None', lambda: C(None))
    probe('conf key bytes', lambda: (repr(C(b'bk')), C(b'bk').key))
    probe('conf key bytearray', lambda: C(bytearray(b'x')))
    probe('conf key str subclass', lambda: repr(C(type('S', (str,), {})('sk'))))
    probe('conf bad kw', lambda: C('k', foo=1))
    probe('conf 5 args', lambda: C('k', None, (), (), 5))
    probe('conf positional', lambda: (lambda c: (repr(c), c.parent, c.values, c.children))(
        C('k', None, (1, 'a'), [])))
    root = C('Module', values=('m',))
    child = C('a', root, (1.0,))
    probe('conf child repr', lambda: repr(child))
    probe('conf child parent', lambda: child.parent is root)
    probe('conf parent None repr', lambda: repr(C('x', None)))
    probe('conf parent any', lambda: (repr(C('x', 5)), C('x', 5).parent))
    probe('conf values any', lambda: C('x', values=5).values)
    probe('conf children any', lambda: C('x', children='abc').children)
    probe('conf kw all', lambda: (lambda c: (c.key, c.parent, c.values, c.children))(
        C(key='k', parent='p', values=[1], children=(2,))))
    c = C('k', values=(1,))
    probe('conf set key int', lambda: (setattr(c, 'key', 5), c.key, repr(c))[1:])
    probe('conf set values', lambda: (setattr(c, 'values', 'v'), c.values)[1])
    probe('conf set children', lambda: (setattr(c, 'children', None), c.children)[1])
    probe('conf set parent', lambda: (setattr(c, 'parent', root), repr(c))[1])
    probe('conf del parent', lambda: (delattr(c, 'parent'), c.parent, repr(c))[1:])
    probe('conf del parent again', lambda: delattr(c, 'parent'))
    probe('conf del key', lambda: delattr(c, 'key'))
    probe('conf get deleted key', lambda: c.key)
    probe('conf repr deleted key', lambda: repr(c))
    probe('conf del key again', lambda: delattr(c, 'key'))
    probe('conf del values', lambda: (delattr(c, 'values'), c.values))
    probe('conf del children', lambda: (delattr(c, 'children'), c.children))
    probe('conf set foo', lambda: setattr(c, 'foo', 1))
    probe('conf reinit', lambda: (lambda d: (d.__init__('new'), repr(d), d.values, d.children,
                                             d.parent))(C('old', root, (1,), (2,)))[1:])
    probe('conf key repr quoting', lambda: repr(C("it's")))
    probe('conf key unicode', lambda: repr(C('\xe9')))
    probe('conf key float repr', lambda: (lambda d: (setattr(d, 'key', 1.5), repr(d))[1])(C('k')))
    probe('conf key list repr', lambda: (lambda d: (setattr(d, 'key', [1]), repr(d))[1])(C('k')))


def doc_of(obj):
    d = getattr(obj, '__doc__', None)
    return repr(d)


def docs_probes():
    targets = [('module', collectd)]
    for n in sorted(dir(collectd)):
        if n.startswith('__'):
            continue
        o = getattr(collectd, n)
        if callable(o):
            targets.append((n, o))
    targets.append(('PluginData', PluginData))
    for cls_name, cls in (('PluginData', PluginData), ('Values', collectd.Values),
                          ('Notification', collectd.Notification),
                          ('Config', collectd.Config)):
        for a in sorted(cls.__dict__):
            if a in ('__doc__', '__module__', '__dict__', '__weakref__'):
                continue
            targets.append(('%s.%s' % (cls_name, a), cls.__dict__[a]))
    for label, o in targets:
        d = getattr(o, '__doc__', None)
        first = d.split('\n', 1)[0] if isinstance(d, str) else d
        probe('doc1 %s' % label, lambda: first)
        probe('doc %s' % label, lambda: getattr(o, '__doc__', None), 'docs.txt')
        probe('sig %s' % label, lambda: getattr(o, '__text_signature__', '<none>'))
        if callable(o) and not isinstance(o, type):
            probe('inspect %s' % label, lambda: str(inspect.signature(o)))


def help_probes():
    for label, o in (('module', collectd), ('Values', collectd.Values),
                     ('Notification', collectd.Notification), ('Config', collectd.Config),
                     ('Signed', collectd.Signed), ('register_read', collectd.register_read),
                     ('CollectdError', collectd.CollectdError)):
        try:
            text = pydoc.render_doc(o, renderer=pydoc.plaintext)
        except BaseException as e:
            text = 'render failed: %s: %s' % (type(e).__name__, e)
        record('=== help %s' % label, 'help.txt')
        for line in text.splitlines():
            record(line.rstrip(), 'help.txt')


def init():
    for g, fn in (('types', type_probes), ('conf', conf_probes),
                  ('docs', docs_probes), ('help', help_probes)):
        if not WANTED or g in WANTED:
            record('# ' + g)
            fn()


collectd.register_init(init)
