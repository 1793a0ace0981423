"""Registers every callback kind and records what the callbacks observe.

Observations (see cdpy_obs.py):
  obs.txt     config/init/read/shutdown events, in call order
  writes.txt  one block per Values object seen by a write callback
              (order depends on write threads: compare sorted)
  logcb.txt   messages seen by the Python log callbacks that start with
              "basic:" (order depends on threads: compare sorted)
"""

import threading

import collectd
from cdpy_obs import record, conf_tree, thread_name, mask

MARK = 'basic:'

# The read callback dispatches 5 value lists, each seen by 2 write callbacks.
# In -T mode collectd drops value lists still queued when it stops the write
# threads (B-SHUT-01), so the first read waits (releasing the GIL) until the
# write callbacks have seen all of them.
EXPECTED_WRITES = 5 * 2
_writes_seen = 0
_writes_lock = threading.Lock()
_writes_done = threading.Event()


def cfg(conf):
    record('config python.basic %s' % thread_name())
    record('config repr %s' % repr(conf))
    for line in conf_tree(conf):
        record('config tree ' + line)
    collectd.info(MARK + ' config callback')


def cfg_named(conf, data):
    record('config named %s data=%r' % (thread_name(), data))
    for line in conf_tree(conf):
        record('config named tree ' + line)


def init():
    record('init plain %s' % thread_name())
    collectd.info(MARK + ' init')


def init_data(data):
    record('init data=%r %s' % (data, thread_name()))


def read():
    record('read plain %s' % thread_name())
    collectd.Values(type='gauge', plugin='basic', type_instance='x',
                    values=[42.5]).dispatch()
    collectd.Values(type='if_octets', plugin='basic', plugin_instance='eth0',
                    values=[1000, 2000],
                    meta={'a': 1, 'b': 'str', 'c': 1.5, 'd': True,
                          's': collectd.Signed(-3),
                          'u': collectd.Unsigned(7)}).dispatch()
    v = collectd.Values(plugin='basic')
    v.dispatch(type='load', type_instance='l', values=[0.5, 1, '1.5'])
    v.dispatch(type='counter', type_instance='c', values=[12.9])
    v.dispatch(type='derive', type_instance='d', values=[-5])
    collectd.error(MARK + ' level error')
    collectd.warning(MARK + ' level warning')
    collectd.notice(MARK + ' level notice')
    collectd.info(MARK + ' level info')
    collectd.debug(MARK + ' level debug')
    collectd.info(MARK + ' literal %s %d')
    if not _writes_done.wait(30):
        record('read: timed out waiting for the write callbacks')


def read_named(data):
    record('read named data=%r %s' % (data, thread_name()))


def write(v):
    _write('plain', v)


def write_named(v, data):
    _write('named data=%r' % (data,), v)


def _write(which, v):
    lines = ['write %s %s' % (which, thread_name()),
             '  class=%s.%s' % (type(v).__module__, type(v).__name__),
             '  repr=%s' % mask(repr(v)),
             '  host=%r plugin=%r plugin_instance=%r type=%r type_instance=%r'
             % (v.host, v.plugin, v.plugin_instance, v.type, v.type_instance),
             '  time_type=%s interval=%r' % (type(v.time).__name__, v.interval),
             '  values=%r types=%r' % (v.values,
                                       [type(x).__name__ for x in v.values]),
             '  meta=%r' % (v.meta,),
             '  meta_types=%r' % ([(k, type(x).__module__ + '.' + type(x).__name__)
                                   for k, x in v.meta.items()],)]
    record('\n'.join(lines), 'writes.txt')
    global _writes_seen
    with _writes_lock:
        _writes_seen += 1
        if _writes_seen >= EXPECTED_WRITES:
            _writes_done.set()


def log(severity, message):
    if message.startswith(MARK):
        record('log plain %d %s %s' % (severity, type(message).__name__,
                                       message), 'logcb.txt')


def log_named(severity, message, data):
    if message.startswith(MARK):
        record('log named data=%r %d %s' % (data, severity, message),
               'logcb.txt')


def shutdown():
    record('shutdown plain %s' % thread_name())


def shutdown_data(data):
    record('shutdown data=%r %s' % (data, thread_name()))


ids = [
    collectd.register_config(cfg),
    collectd.register_config(cfg_named, data={'k': 1}, name='basic_named'),
    collectd.register_init(init),
    collectd.register_init(init_data, data='idata'),
    collectd.register_read(read),
    collectd.register_read(read_named, data=None, name='basic_read_named'),
    collectd.register_write(write),
    collectd.register_write(write_named, data=['wdata'], name='basic_w2'),
    collectd.register_log(log),
    collectd.register_log(log_named, 'ldata', 'basic_log_named'),
    collectd.register_shutdown(shutdown),
    collectd.register_shutdown(shutdown_data, data=('sdata',)),
]
record('import ids=%r' % (ids,))
