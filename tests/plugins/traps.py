"""Drives one trampoline (TRAP_CASE) while CDPY_PANIC_IN makes it panic: records
what the script saw, then keeps working (a read callback dispatches a value).
The cases trap other entry points than the ones that canary uses."""
import gc
import os

import collectd
from cdpy_obs import record

CASES = {
    'module_function': lambda: collectd.info('not logged'),
    'kw_module_function': lambda: collectd.register_flush(lambda t, i: None, name='never'),
    'o_module_function': lambda: collectd.unregister_read('nothing'),
    'get_dataset': lambda: collectd.get_dataset('gauge'),
    'method': lambda: collectd.Notification(type='gauge', message='m').dispatch(),
    'tp_new': lambda: collectd.Notification(),
    'tp_init': lambda: collectd.Notification(type='gauge'),
    'tp_repr': lambda: repr(collectd.Notification()),
    'getter': lambda: collectd.Values().host,
    'setter': lambda: setattr(collectd.Values(), 'host', 'h'),
    'traverse': lambda: (collectd.Values(), gc.collect()),
    'dealloc': lambda: collectd.Config('k'),
}


def init():
    case = os.environ['TRAP_CASE']
    try:
        CASES[case]()
        record('%s: no exception' % case)
    except Exception as e:
        record('%s: %s: %s' % (case, type(e).__name__, e))
    # the module still works afterwards
    record('after: %r' % collectd.Values(type='gauge', plugin='traps', values=[2]))


def read():
    collectd.Values(type='gauge', plugin='traps', type_instance='alive', values=[1]).dispatch()


collectd.register_init(init)
collectd.register_read(read)
