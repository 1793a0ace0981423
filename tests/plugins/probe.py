"""Records interpreter/module facts at import time (B-INIT-*, B-NAME-*)."""

import sys
import functools
import threading
import collectd
from cdpy_obs import record

record('builtin %r' % ('collectd' in sys.builtin_module_names))
record('file %r' % (getattr(collectd, '__file__', None),))
record('doc %r' % (collectd.__doc__,))
record('dir %r' % ([n for n in dir(collectd) if not n.startswith('__')],))
record('argv %r' % (sys.argv,))
record('path0 %r' % (sys.path[0],))
record('path_has_empty %r' % ('' in sys.path,))
record('thread %s main=%r' % (threading.current_thread().name,
                              threading.current_thread() is threading.main_thread()))
record('consts %r' % ([(n, getattr(collectd, n)) for n in (
    'LOG_DEBUG', 'LOG_INFO', 'LOG_NOTICE', 'LOG_WARNING', 'LOG_ERROR',
    'NOTIF_FAILURE', 'NOTIF_WARNING', 'NOTIF_OKAY', 'DS_TYPE_COUNTER',
    'DS_TYPE_GAUGE', 'DS_TYPE_DERIVE', 'DS_TYPE_ABSOLUTE')],))
record('CollectdError %r %r' % (collectd.CollectdError.__module__,
                                [c.__name__ for c in collectd.CollectdError.__mro__]))
record('mro %r' % ([c.__name__ for c in collectd.Values.__mro__],))


def plain():
    pass


class Callable:
    def __call__(self):
        pass


ns = {}
exec('f = lambda: None', ns)
record('id plain %r' % (collectd.register_init(plain),))
record('id named %r' % (collectd.register_init(plain, name='n1'),))
record('id instance %r' % (collectd.register_init(Callable()),))
record('id partial %r' % (collectd.register_init(functools.partial(plain)),))
record('id builtin %r' % (collectd.register_shutdown(len),))
anon = collectd.register_init(ns['f'])
record('id anon prefix %r' % (anon[:9],))
