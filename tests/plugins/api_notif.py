"""Notification conformance probes (B-NOTIF-*, B-CB-06, B-META-02/11).

Probes run in an init callback (API_GROUPS selects groups).  Notification
dispatch is synchronous (B-NOTIF-11): what the Python notification callbacks
see is recorded as `  seen ...` lines before the probe's own result line.
"""

import os

import collectd
from api_probe import probe, record, meta_view, is_main

Notification = collectd.Notification


def show_notif(n):
    return ('%s host=%r plugin=%r plugin_instance=%r type=%r type_instance=%r '
            'severity=%r message=%r time_is_float=%r meta=%s' % (
                type(n).__name__, n.host, n.plugin, n.plugin_instance, n.type,
                n.type_instance, n.severity, n.message,
                type(n.time) is float, meta_view(n.meta)))


def notif_cb(n, data=None):
    if os.environ.get('API_NOTIF_QUIET'):
        return
    t = n.time
    # time=0 is replaced by "now" at dispatch (B-NOTIF-10)
    tdesc = 'now' if t > 1e9 else repr(t)
    record('  seen %s time=%s main=%r data=%r' % (show_notif(n), tdesc, is_main(), data))


def notif_cb_raises(n):
    if n.type_instance == 'raise':
        raise ValueError('notification cb failed')


class MyN(Notification):
    pass


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


def fields(n):
    return (n.host, n.plugin, n.plugin_instance, n.type, n.type_instance,
            n.time, n.severity, n.message, n.meta)


def object_probes():
    # B-NOTIF-01/02/05
    probe('n default', lambda: fields(Notification()))
    probe('n default repr', lambda: repr(Notification()))
    probe('n full repr', lambda: repr(Notification(
        type='gauge', type_instance='ti', plugin='pl', plugin_instance='pi',
        host='h', time=1.0, severity=2, message='m', meta={'a': True})))
    probe('n positional 9', lambda: repr(Notification(
        'gauge', 'msg', 'pi', 'ti', 'pl', 'h', 3.0, 4, {'k': 'v'})))
    probe('n positional 10', lambda: Notification(
        'gauge', 'msg', 'pi', 'ti', 'pl', 'h', 3.0, 4, {}, 1))
    probe('n interval kw', lambda: Notification(interval=1))
    probe('n values kw', lambda: Notification(values=[1]))
    probe('n type unknown', lambda: Notification(type='nope'))
    probe('n type empty', lambda: Notification(type=''))
    probe('n type None', lambda: Notification(type=None))
    probe('n message None', lambda: Notification(message=None))
    probe('n message NUL', lambda: Notification(message='a\0b'))
    probe('n message 300', lambda: len(Notification(message='m' * 300).message))
    probe('n message split utf8', lambda: Notification(message='m' * 254 + '\xe9').message)
    probe('n message 255 fits', lambda: len(Notification(message='m' * 253 + '\xe9').message))
    probe('n severity str', lambda: Notification(severity='x'))
    probe('n severity float', lambda: Notification(severity=1.5))
    probe('n severity huge', lambda: Notification(severity=2 ** 40))
    probe('n severity negative', lambda: Notification(severity=-3).severity)
    probe('n meta None', lambda: repr(Notification(meta=None)))
    probe('n meta list', lambda: repr(Notification(meta=[1])))
    probe('n meta empty', lambda: repr(Notification(meta={})))
    probe('n time str', lambda: Notification(time='x'))
    probe('n subclass repr', lambda: repr(MyN(type='gauge', severity=4, message='x')))
    probe('n repr bytes message', lambda: repr(Notification(message=b'\xff')))
    probe('n repr severity only', lambda: repr(Notification(severity=1)))
    probe('n fresh meta', lambda: Notification().meta is Notification().meta)
    # B-NOTIF-03 severity member
    n = Notification(type='gauge')
    probe('n set severity int', setter(n, 'severity', 4))
    probe('n set severity float', setter(n, 'severity', 1.5))
    probe('n set severity str', setter(n, 'severity', 'x'))
    probe('n set severity None', setter(n, 'severity', None))
    probe('n set severity 2**40', setter(n, 'severity', 2 ** 40))
    probe('n set severity 2**31', setter(n, 'severity', 2 ** 31))
    probe('n set severity -2**31-1', setter(n, 'severity', -2 ** 31 - 1))
    probe('n set severity 2**80', setter(n, 'severity', 2 ** 80))
    probe('n set severity bool', setter(n, 'severity', True))
    probe('n del severity', deleter(n, 'severity'))
    # B-NOTIF-04 message setter
    probe('n set message', setter(n, 'message', 'hello'))
    probe('n set message bytes', setter(n, 'message', b'by'))
    probe('n set message int', setter(n, 'message', 5))
    probe('n set message None', setter(n, 'message', None))
    probe('n set message bytearray', setter(n, 'message', bytearray(b'x')))
    probe('n set message NUL', setter(n, 'message', 'a\0b'))
    probe('n set message 400', lambda: len(setter(n, 'message', 'z' * 400)()))
    probe('n set message split', setter(n, 'message', 'z' * 254 + '\u20ac'))
    probe('n set message surrogate', setter(n, 'message', '\ud800'))
    probe('n del message', deleter(n, 'message'))
    probe('n set meta any', setter(n, 'meta', 'str'))
    probe('n del meta', deleter(n, 'meta'))
    probe('n del meta again', deleter(n, 'meta'))
    probe('n repr no meta', lambda: repr(n))
    probe('n set time', setter(n, 'time', 5))
    probe('n del time', deleter(n, 'time'))
    probe('n set type unknown', setter(n, 'type', 'bad'))
    probe('n set host', setter(n, 'host', 'x' * 200))
    probe('n repr final', lambda: repr(n))
    probe('n no interval attr', lambda: n.interval)


def dispatch_probes():
    # B-NOTIF-10/11, B-CB-06
    def d(label, make, *args, **kw):
        probe('ndispatch ' + label, lambda: make().dispatch(*args, **kw))

    d('type not set', lambda: Notification(message='m'))
    d('type not set meta bad', lambda: Notification(message='m', meta=5))
    d('type unknown', lambda: Notification(message='m'), type='bad')
    d('type unknown before meta', lambda: Notification(message='m', meta=5), type='bad')
    d('meta int', lambda: Notification(type='gauge', meta=5))
    d('meta list', lambda: Notification(type='gauge', meta=[]))
    d('meta override bad', lambda: Notification(type='gauge'), meta='x')
    d('bad kw', lambda: Notification(type='gauge'), interval=1)
    d('severity float', lambda: Notification(type='gauge'), severity=1.5)
    d('message None', lambda: Notification(type='gauge'), message=None)
    d('10 positional', lambda: Notification(), 'gauge', 'm', 'a', 'b', 'c', 'd', 1.0, 1, {}, 0)
    d('minimal', lambda: Notification(type='gauge'))
    d('full', lambda: Notification(
        type='gauge', type_instance='ti', plugin='pl', plugin_instance='pi',
        host='h', time=7.5, severity=collectd.NOTIF_WARNING, message='full message'))
    d('severity 0', lambda: Notification(type='gauge', message='sev0', plugin='apin'))
    d('severity okay', lambda: Notification(type='gauge', message='ok', severity=4))
    d('severity 17', lambda: Notification(type='gauge', message='odd', severity=17))
    d('meta None', lambda: Notification(type='gauge', meta=None, message='mn'))

    def no_meta():
        n = Notification(type='gauge', message='nometa')
        del n.meta
        return n
    d('meta deleted', no_meta)
    d('long message', lambda: Notification(type='gauge', message='L' * 300))
    d('callback raises', lambda: Notification(type='gauge', type_instance='raise',
                                               message='r'))
    d('subclass', lambda: MyN(type='gauge', message='sub'))
    n = Notification(type='gauge', message='orig', severity=1, plugin='po', meta={'a': 1})
    probe('ndispatch override', lambda: n.dispatch(
        type='load', message='over', severity=2, plugin='px', plugin_instance='pi',
        type_instance='tx', host='hx', time=9.0, meta={'b': 2}))
    probe('ndispatch object unchanged', lambda: repr(n))
    probe('ndispatch object unchanged fields', lambda: fields(n))
    d('bytes fields', lambda: Notification(type='gauge', plugin=b'\xffp', message=b'\xfem'))


def meta_probes():
    # B-META-01 on the notification sink and B-META-11 back: duplicates kept
    # in C (later wins in the received dict), names cut to 127 bytes.
    S, U = collectd.Signed, collectd.Unsigned
    metas = [
        ('types', {'k': 'v', 'n': S(3), 'u': U(2 ** 63), 'f': 0.5, 'b': False,
                   'i': 5, 'big': 2 ** 63, 't': True}),
        ('case', {'A': 1, 'a': 2}),
        ('dup str/bytes', {'k': 1, b'k': 'second'}),
        ('dup after NUL', {'x\0one': 1, 'x\0two': 2, 'y': 3}),
        ('long key', {'K' * 200: 1}),
        ('non-str keys', {1: 'a', None: 'b', 'ok': 'c', '\ud800': 'd', (1,): 'e'}),
        ('bytes key', {b'bk': b'bv'}),
        ('stringified', {'none': None, 'list': [1, 2], 'bytes': b'xy', 'obj': object}),
        ('ranges', {'s_over': S(2 ** 63), 'u_neg': U(-1), 'u_over': U(2 ** 64),
                    'i_over': 2 ** 64, 'i_under': -2 ** 63 - 1, 'i_min': -2 ** 63}),
        ('complex', {'c': 1j, 'after': 1}),
        ('surrogate value', {'sv': '\ud800', 'after': 2}),
    ]
    for label, meta in metas:
        probe('nmeta ' + label, lambda meta=meta: Notification(
            type='gauge', message=label, plugin='apin').dispatch(meta=meta))


def nocb_probes():
    # B-NOTIF-11: runs without the logfile plugin.  If no notification
    # callback was ever registered (API_NO_NOTIF_CB) dispatch fails; after
    # unregistering all of them collectd's list exists but is empty.
    for name in ('python.api_notif', 'python.named', 'python.raiser'):
        probe('unregister ' + name, lambda: collectd.unregister_notification(name))
    probe('unregister again', lambda: collectd.unregister_notification('python.named'))
    probe('ndispatch no consumer', lambda: Notification(type='gauge', message='x').dispatch())
    probe('ndispatch no consumer errors first', lambda: Notification(message='x').dispatch())


GROUPS = (object_probes, dispatch_probes, meta_probes, nocb_probes)


def init():
    wanted = os.environ.get('API_GROUPS', '')
    for group in GROUPS:
        if not wanted or group.__name__ in wanted.split(','):
            record('# ' + group.__name__)
            group()


if not os.environ.get('API_NO_NOTIF_CB'):
    collectd.register_notification(notif_cb)
    collectd.register_notification(notif_cb, data='ndata', name='named')
    collectd.register_notification(notif_cb_raises, name='raiser')
collectd.register_init(init)
