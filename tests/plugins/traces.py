"""Exceptions raised a few frames deep, for LogTraces tracebacks."""

import collectd


def helper(x):
    raise ValueError('deep %d' % x)


def read_deep():
    helper(1)


def read_chained():
    try:
        {}['missing']
    except KeyError:
        raise RuntimeError('while handling')


collectd.register_read(read_deep)
collectd.register_read(read_chained, name='traces_chained')
