"""Init callbacks that raise CollectdError (and a subclass) and a plain error.

Meant to be used with and without "LogTraces true": CollectdError never gets a
traceback (B-EXC-02), ValueError does when LogTraces is on (B-EXC-03).
"""

import collectd
from cdpy_obs import record


class Sub(collectd.CollectdError):
    pass


def init_cderr():
    record('init_cderr called')
    raise collectd.CollectdError('init cd err')


def init_sub():
    record('init_sub called')
    raise Sub('sub err')


def init_noargs():
    record('init_noargs called')
    raise collectd.CollectdError()


def init_value():
    record('init_value called')
    raise ValueError('init value err')


def init_last():
    # registered first, so called last (LIFO): proves the other failures did
    # not stop the remaining init callbacks.
    record('init_last called')
    collectd.info('init_err: all init callbacks ran')


collectd.register_init(init_last)
collectd.register_init(init_value)
collectd.register_init(init_noargs)
collectd.register_init(init_sub)
collectd.register_init(init_cderr)
