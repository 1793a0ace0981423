"""Module function conformance probes: get_dataset (B-DS), flush (B-FLUSH,
B-CB-09/12), register_* (B-FN preamble, B-REG-10..14), unregister_*
(B-UNREG-01..04) and the log functions (B-LOG-01..03).

API_GROUPS selects groups (ds, flush, reg, unreg, log).  Registration and
unregistration probes run at import time (so that their effect on the init,
read, shutdown, ... phases can be observed), the others in an init callback.
Observations whose text legitimately differs between the plugins (garbled
C messages, B-BUG-02/03) go to nodiff.txt instead of obs.txt.
"""

import os
import threading

import collectd
from api_probe import probe, record, is_main
from cdpy_obs import mask

WANTED = [g for g in os.environ.get('API_GROUPS', '').split(',') if g]

# On 32-bit ABIs the C plugin's flush handler crashes collectd (B-CB-12: it reads
# the 64-bit cdtime as an int), so outside the flush group every flush callback is
# unregistered again before collectd's shutdown flush. Registered first, this init
# callback runs last (LIFO, B-CB-02).
FLUSH_SAFE = os.environ.get('CDPY_POINTER_WIDTH') != '32'
if not FLUSH_SAFE and WANTED != ['flush']:
    _flush_ids = []
    _register_flush = collectd.register_flush

    def _tracking_register_flush(*args, **kwargs):
        ident = _register_flush(*args, **kwargs)
        _flush_ids.append(ident)
        return ident

    def _drop_flush_callbacks():
        for ident in _flush_ids:
            try:
                collectd.unregister_flush(ident)
            except RuntimeError:
                pass

    collectd.register_flush = _tracking_register_flush
    collectd.register_init(_drop_flush_callbacks)


def wanted(group):
    return not WANTED or group in WANTED


def tname():
    return 'main' if is_main() else threading.current_thread().name


def make(label, kind='obs.txt'):
    """A callback that records its positional arguments."""
    def cb(*args):
        shown = tuple('<Config %r>' % (a.key,) if isinstance(a, collectd.Config) else a
                      for a in args)
        record(mask('  called %s args=%r' % (label, shown)), kind)
    cb.__module__ = 'mod_' + label.replace(' ', '_')
    return cb


class CallableObj:
    def __call__(self, *args):
        record('  called instance args=%r' % (args,))


# ---------------------------------------------------------------------------
# get_dataset (B-DS-01..03)

def ds_probes():
    for name in ('gauge', 'if_octets', 'load', 'percent', 'bitrate',
                 'frequency_offset', 'signal_noise', 'absolute', 'counter',
                 'derive', 'df_complex', 'humidity'):
        probe('ds %s' % name, lambda: collectd.get_dataset(name))
    probe('ds bytes', lambda: collectd.get_dataset(b'gauge'))
    probe('ds bytearray', lambda: collectd.get_dataset(bytearray(b'load')))
    probe('ds result types', lambda: [
        (type(n).__name__, type(t).__name__, type(lo).__name__, type(hi).__name__)
        for n, t, lo, hi in collectd.get_dataset('if_octets')])
    probe('ds fresh list', lambda: collectd.get_dataset('gauge') is collectd.get_dataset('gauge'))
    probe('ds no args', lambda: collectd.get_dataset())
    probe('ds two args', lambda: collectd.get_dataset('gauge', 'load'))
    probe('ds keyword', lambda: collectd.get_dataset(name='gauge'))
    probe('ds int', lambda: collectd.get_dataset(5))
    probe('ds None', lambda: collectd.get_dataset(None))
    probe('ds NUL', lambda: collectd.get_dataset('gau\0ge'))
    probe('ds surrogate', lambda: collectd.get_dataset('\ud800'))
    # B-BUG-02: the C plugin's message for unknown names is garbled
    for label, name in (('unknown', 'nope'), ('empty', ''), ('long', 'x' * 200)):
        probe('ds %s' % label, lambda: collectd.get_dataset(name), 'nodiff.txt')
        probe('ds %s type' % label, lambda: type(_exc(lambda: collectd.get_dataset(name))).__name__)


def _exc(fn):
    try:
        fn()
    except BaseException as e:
        return e
    return None


# ---------------------------------------------------------------------------
# flush (B-FLUSH-01/02, B-CB-09/12, shutdown flush of B-SHUT-01)

def flush_cb(timeout, identifier, *data):
    record('  flush fa timeout=%r identifier=%r data=%r thread=%s' % (
        timeout, identifier, data, tname()))


def flush_cb_data(timeout, identifier, *data):
    record('  flush fb timeout=%r identifier=%r data=%r thread=%s' % (
        timeout, identifier, data, tname()))


def flush_cb_raises(timeout, identifier):
    record('  flush fr timeout=%r' % (timeout,))
    raise ValueError('flush failed %r' % (timeout,))


def flush_probes():
    f = collectd.flush
    probe('flush all', lambda: f())
    probe('flush timeout=5', lambda: f(timeout=5))
    probe('flush timeout=-5', lambda: f(timeout=-5))
    probe('flush timeout=0', lambda: f(timeout=0))
    probe('flush timeout=2**31-1', lambda: f(timeout=2 ** 31 - 1))
    probe('flush timeout=-2**31', lambda: f(timeout=-2 ** 31))
    probe('flush timeout=2**40', lambda: f(timeout=2 ** 40))
    probe('flush timeout=str', lambda: f(timeout='x'))
    probe('flush timeout=1.5', lambda: f(timeout=1.5))
    probe('flush timeout=None', lambda: f(timeout=None))
    probe('flush timeout=True', lambda: f(timeout=True))
    probe('flush plugin=python.fa', lambda: f(plugin='python.fa'))
    probe('flush plugin=python.FA', lambda: f(plugin='python.FA'))
    probe('flush plugin=fa', lambda: f(plugin='fa'))
    probe('flush plugin bytes', lambda: f(plugin=b'python.fb'))
    probe('flush plugin unknown', lambda: f(plugin='nosuch'))
    probe('flush identifier', lambda: f(identifier='testhost/x/y'))
    probe('flush identifier bytes', lambda: f(identifier=b'\xffid'))
    probe('flush positional', lambda: f('python.fb', 7, 'id'))
    probe('flush 4 args', lambda: f('python.fb', 7, 'id', 1))
    probe('flush plugin=None', lambda: f(plugin=None))
    probe('flush identifier=None', lambda: f(identifier=None))
    probe('flush plugin=int', lambda: f(plugin=5))
    probe('flush plugin NUL', lambda: f(plugin='python.fa\0x'))
    probe('flush bad kw', lambda: f(foo=1))


def flush_read():
    record('# read done')


# ---------------------------------------------------------------------------
# register_* (B-FN, B-REG-10..14)

KINDS = ('config', 'init', 'shutdown', 'read', 'write', 'log', 'notification', 'flush')


def reg_probes():
    reg = {k: getattr(collectd, 'register_' + k) for k in KINDS}
    f = make('f')
    for k in KINDS:
        r = reg[k]
        probe('reg %s no args' % k, lambda: r())
        probe('reg %s non-callable' % k, lambda: r(5))
        probe('reg %s None' % k, lambda: r(None))
        probe('reg %s name=None' % k, lambda: r(f, name=None))
        probe('reg %s name=int' % k, lambda: r(f, name=5))
        probe('reg %s name NUL' % k, lambda: r(f, name='a\0b'))
        probe('reg %s bad kw' % k, lambda: r(f, foo=1))
        probe('reg %s callback kw + non-callable' % k, lambda: r(callback='x'))
    # argument counts
    probe('reg init 4 args', lambda: reg['init'](f, 1, 'n', 4))
    probe('reg read 5 args', lambda: reg['read'](f, 1, 2, 'n', 5))
    probe('reg write 4 args', lambda: reg['write'](f, 1, 'n', 4))
    # read interval parsing (B-REG-11)
    probe('reg read interval str', lambda: reg['read'](f, interval='x'))
    probe('reg read interval None', lambda: reg['read'](f, interval=None))
    probe('reg read data as interval', lambda: reg['read'](f, ['data']))
    probe('reg read interval huge', lambda: reg['read'](f, interval=2 ** 2000))
    probe('reg read interval complex', lambda: reg['read'](f, interval=1j))
    # successful registrations: identifiers (B-REG-13) and data passing (B-REG-10)
    probe('reg init plain', lambda: reg['init'](make('init plain')))
    probe('reg init data None', lambda: reg['init'](make('init data None'), data=None))
    probe('reg init data pos', lambda: reg['init'](make('init data pos'), 'pos'))
    probe('reg init named', lambda: reg['init'](make('init named'), name='named'))
    probe('reg init named bytes', lambda: reg['init'](make('init named bytes'), name=b'bname'))
    probe('reg init named bytearray', lambda: reg['init'](make('init named ba'),
                                                          name=bytearray(b'baname')))
    probe('reg init named empty', lambda: reg['init'](make('init named empty'), name=''))
    probe('reg init named utf8', lambda: reg['init'](make('init named utf8'), name='\xe9t\xe9'))
    probe('reg init named long', lambda: len(reg['init'](make('init named long'), name='L' * 600)))
    probe('reg init instance', lambda: reg['init'](CallableObj()))
    probe('reg init kw all', lambda: reg['init'](callback=make('init kw'), data={'d': 1},
                                                 name='kw'))
    probe('reg shutdown data', lambda: reg['shutdown'](make('shutdown data'), data=('s',)))
    probe('reg shutdown plain', lambda: reg['shutdown'](make('shutdown plain')))
    probe('reg config named', lambda: reg['config'](make('config named'), 'cdata', 'cfgname'))
    probe('reg read plain', lambda: reg['read'](make('read plain')))
    probe('reg read data None', lambda: reg['read'](make('read data None'), data=None,
                                                    name='rnone'))
    probe('reg read all positional', lambda: reg['read'](make('read pos'), 0.5, 'rdata', 'rpos'))
    probe('reg read interval int', lambda: reg['read'](make('read int iv'), 2, name='riv'))
    probe('reg write dup first', lambda: reg['write'](make('write dup first'), name='wdup'))
    probe('reg write dup second', lambda: reg['write'](make('write dup second'), name='wdup'))
    probe('reg log named', lambda: reg['log'](make('log named', 'log.txt'), name='lg'))
    probe('reg notification named', lambda: reg['notification'](make('notif named'), 'nd', 'nt'))
    probe('reg flush kw', lambda: reg['flush'](callback=make('flush kw'), name='fk'))


def regdup_probes():
    # B-REG-02 / B-BUG-13: a duplicate read identifier is rejected by collectd
    # (WARNING logged), yet register_read returns the identifier.
    reg = collectd.register_read
    probe('reg read dup first', lambda: reg(make('read dup first'), name='rdup'))
    probe('reg read dup second', lambda: reg(make('read dup second'), name='rdup'))
    probe('reg read dup by module', lambda: (reg(make('read mod')), reg(make('read mod'))))
    probe('reg read dup third', lambda: reg(make('read dup third'), 3.0, 'd3', 'rdup'))


def reg_init():
    # exercise the write/notification/flush registrations made above
    probe('reg write to wdup', lambda: collectd.Values(
        type='gauge', values=[1], plugin='apireg').write('python.wdup'))
    probe('reg notification dispatch', lambda: collectd.Notification(
        type='gauge', message='regnotif', plugin='apireg').dispatch())
    if FLUSH_SAFE:
        probe('reg flush fk', lambda: collectd.flush(plugin='python.fk', identifier='i'))


# ---------------------------------------------------------------------------
# unregister_* (B-UNREG-01..04)

def unreg_probes():
    un = {k: getattr(collectd, 'unregister_' + k) for k in KINDS}
    reg = {k: getattr(collectd, 'register_' + k) for k in KINDS}
    for k in KINDS:
        u = un[k]
        probe('unreg %s no args' % k, lambda: u())
        probe('unreg %s two args' % k, lambda: u('a', 'b'))
        probe('unreg %s keyword' % k, lambda: u(name='python.x'))
        probe('unreg %s int' % k, lambda: u(5))
        probe('unreg %s None' % k, lambda: u(None))
        probe('unreg %s bytearray' % k, lambda: u(bytearray(b'python.x')))
        # not registered, by callable (identifier recomputed: python.mod_nothere)
        probe('unreg %s callable unknown' % k, lambda: u(make('nothere')))
        # not registered, by str: garbled in C for config/init/shutdown (B-BUG-03)
        fname = 'nodiff.txt' if k in ('config', 'init', 'shutdown') else 'obs.txt'
        probe('unreg %s str unknown' % k, lambda: u('python.nothere'), fname)
        probe('unreg %s str unknown type' % k,
              lambda: type(_exc(lambda: u('python.nothere'))).__name__)
        probe('unreg %s str short' % k, lambda: u('nothere'), fname)
    # successful unregistration by str, bytes and callable; the callbacks
    # must then not be called (see the `called` lines of later phases)
    for k in ('init', 'shutdown', 'read', 'write', 'log', 'notification', 'flush'):
        probe('unreg %s by str' % k, lambda: (
            reg[k](make('%s gone str' % k), name='gone_s'),
            un[k]('python.gone_s')))
        probe('unreg %s by bytes' % k, lambda: (
            reg[k](make('%s gone bytes' % k), name='gone_b'),
            un[k](b'python.gone_b')))
        cb = make('%s gone callable' % k)
        probe('unreg %s by callable' % k, lambda: (reg[k](cb), un[k](cb)))
        cb2 = make('%s kept named' % k)
        probe('unreg %s named by callable' % k, lambda: (reg[k](cb2, name='kept_n'), un[k](cb2)))
        probe('unreg %s twice' % k, lambda: (
            reg[k](make('%s gone twice' % k), name='gone_t'),
            un[k]('python.gone_t'),
            _exc(lambda: un[k]('python.gone_t')).__class__.__name__))
    probe('unreg config by str', lambda: (
        reg['config'](make('config gone'), name='cfgname'),
        un['config']('python.cfgname')))
    # duplicates in the internal lists: the newest matching entry goes
    h = make('init dup')
    probe('unreg init dup newest', lambda: (
        reg['init'](h, 'old'), reg['init'](h, 'new'), un['init'](h)))
    probe('unreg init case sensitive', lambda: (
        reg['init'](make('init case'), name='Case'),
        type(_exc(lambda: un['init']('python.case'))).__name__))
    probe('unreg read case', lambda: (
        reg['read'](make('read case'), name='RCase'),
        _exc(lambda: un['read']('python.rcase'))))


def unreg_init():
    record('# init phase done')
    probe('unreg write to gone', lambda: collectd.Values(
        type='gauge', values=[1], plugin='apiunreg').write('python.gone_s'))
    probe('unreg notification dispatch', lambda: collectd.Notification(
        type='gauge', message='unregnotif', plugin='apiunreg').dispatch())
    if FLUSH_SAFE:
        probe('unreg flush all', lambda: collectd.flush())
    collectd.info('apilog unreg marker')


# ---------------------------------------------------------------------------
# log functions (B-LOG-01..03)

def log_cb(severity, message, *data):
    if isinstance(message, bytes) or message.startswith('apilog'):
        record('  log %r %r %r' % (severity, message, data), 'log.txt')


def log_probes():
    for name in ('error', 'warning', 'notice', 'info', 'debug'):
        fn = getattr(collectd, name)
        probe('%s no args' % name, lambda: fn())
        probe('%s two args' % name, lambda: fn('a', 'b'))
        probe('%s keyword' % name, lambda: fn(msg='apilog kw'))
        probe('%s int' % name, lambda: fn(5))
        probe('%s None' % name, lambda: fn(None))
        probe('%s NUL' % name, lambda: fn('apilog a\0b'))
        probe('%s surrogate' % name, lambda: fn('apilog \ud800'))
        probe('%s str' % name, lambda: fn('apilog %s via %s %%d' % (name, name)))
        probe('%s bytes' % name, lambda: fn(b'apilog bytes ' + name.encode()))
        probe('%s bytearray' % name, lambda: fn(bytearray(b'apilog bytearray ' + name.encode())))
    probe('info non-utf8 bytes', lambda: collectd.info(b'apilog \xff\xfe'))
    probe('info long', lambda: collectd.info('apilog long ' + 'x' * 2000))
    probe('info multi-line', lambda: collectd.info('apilog line1\nline2'))
    probe('info empty', lambda: collectd.info(''))
    probe('info unicode', lambda: collectd.info('apilog \u20ac \xe9'))


# ---------------------------------------------------------------------------

if wanted('ds'):
    collectd.register_init(lambda: (record('# ds'), ds_probes()))
if wanted('flush'):
    collectd.register_flush(flush_cb, name='fa')
    collectd.register_flush(flush_cb_data, 'bd', 'fb')
    collectd.register_flush(flush_cb_raises, name='fr')
    collectd.register_init(lambda: (record('# flush'), flush_probes()))
    collectd.register_read(flush_read)
if wanted('reg'):
    record('# reg')
    reg_probes()
    collectd.register_init(reg_init)
if wanted('regdup'):
    record('# regdup')
    regdup_probes()
if wanted('unreg'):
    record('# unreg')
    unreg_probes()
    collectd.register_init(unreg_init)
if wanted('log'):
    collectd.register_log(log_cb)
    collectd.register_log(log_cb, 'ldata', 'named')
    collectd.register_init(lambda: (record('# log'), log_probes()))
