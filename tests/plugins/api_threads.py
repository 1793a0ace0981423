"""Threading observations (B-THR-03, B-THR-07, B-CB-04/06/09 thread of
invocation).

API_GROUPS:
  thr07  (-T mode) a Python-created thread calls into collectd: dispatch
         with interval 0, register_read/register_write (duplicate), logging,
         notification dispatch, Values.write and flush; callbacks record the
         thread they run in.  The same is done from the main thread (init).
  local  (normal mode, ReadThreads 1) a read callback with a short interval
         records, per invocation, its thread and whether threading.local()
         data from the previous invocation survived; after 4 calls it
         creates out/done.
"""

import os
import threading

import collectd
from api_probe import probe, record
from cdpy_obs import mask, thread_name

WANTED = [g for g in os.environ.get('API_GROUPS', '').split(',') if g]
# The C plugin's flush handler crashes collectd on 32-bit ABIs (B-CB-12).
FLUSH = os.environ.get('CDPY_POINTER_WIDTH') != '32'


def where():
    t = threading.current_thread()
    return '%s main=%r dummy=%r' % (thread_name(), t is threading.main_thread(),
                                     isinstance(t, threading._DummyThread))


def write_cb(v):
    if v.plugin == 'thr':
        record('  write cb %s in %s' % (v.type_instance, where()))


def write_cb2(v):
    if v.plugin == 'thr':
        record('  write cb2 %s in %s' % (v.type_instance, where()))


def notif_cb(n):
    record('  notification cb %s in %s' % (n.message, where()))


def flush_cb(timeout, ident):
    record('  flush cb %r %r in %s' % (timeout, ident, where()))


def read_noop():
    record('  read noop in %s' % where())


def calls(tag):
    record('%s: in %s' % (tag, where()))
    # (plugin 'thrd': the asynchronous write of this one is not recorded)
    probe('%s dispatch interval 0' % tag, lambda: collectd.Values(
        type='gauge', values=[1], plugin='thrd', type_instance=tag).dispatch())
    probe('%s write' % tag, lambda: collectd.Values(
        type='gauge', values=[1], plugin='thr', type_instance=tag).write('python.thrw'))
    probe('%s register_write dup' % tag, lambda: collectd.register_write(write_cb2, name='thrw'))
    probe('%s register_read' % tag, lambda: collectd.register_read(read_noop, name='rd_' + tag))
    probe('%s notification' % tag, lambda: collectd.Notification(
        type='gauge', message=tag, plugin='thr').dispatch())
    if FLUSH:
        probe('%s flush' % tag, lambda: collectd.flush(plugin='python.thrf', identifier=tag))
    probe('%s info' % tag, lambda: collectd.info('thr info from ' + tag))
    probe('%s unregister_read unknown' % tag, lambda: collectd.unregister_read('python.nope_' + tag))


def thr07_init():
    calls('main')
    t = threading.Thread(target=calls, args=('pythread',), name='pythread')
    t.start()
    t.join()
    record('thread joined')


# ---------------------------------------------------------------------------

_tl = threading.local()
_n = [0]
_idents = []


def local_read():
    _n[0] += 1
    n = _n[0]
    if n > 4:
        return
    _idents.append(threading.get_ident())
    prev = getattr(_tl, 'n', None)
    _tl.n = n
    record('local call %d in %s same_ident=%r name=%s' % (
        n, where(), len(set(_idents)) == 1, thread_name()), 'local.txt')
    # threading.local survival differs by design (ours keeps it): own file
    record('local call %d previous=%r' % (n, prev), 'tl.txt')
    if n == 4:
        open(os.path.join(os.environ['CDPY_OUT'], 'done'), 'w').close()


if not WANTED or 'thr07' in WANTED:
    collectd.register_write(write_cb, name='thrw')
    collectd.register_notification(notif_cb)
    if FLUSH:
        collectd.register_flush(flush_cb, name='thrf')
    collectd.register_init(thr07_init)
if 'local' in WANTED:
    collectd.register_read(local_read, interval=0.05)
