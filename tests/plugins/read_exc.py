"""Read callbacks that fail: a plain exception and a CollectdError."""

import collectd
from cdpy_obs import record


def read_fail():
    record('read_fail called')
    raise ValueError('boom in read')


def read_cderr():
    record('read_cderr called')
    raise collectd.CollectdError('cd err in read')


collectd.register_read(read_fail)
collectd.register_read(read_cderr, name='read_exc_cderr')
