"""A log callback that raises SystemExit(7) (B-CB-07, B-BUG-18)."""

import sys
import collectd


def log(severity, message):
    if message == 'sysexit: please exit':
        sys.exit(7)


def init():
    collectd.info('sysexit: please exit')


collectd.register_log(log)
collectd.register_init(init)
