"""A config callback that raises."""

import collectd


def cfg(conf):
    raise ValueError('cfg fail')


collectd.register_config(cfg)
