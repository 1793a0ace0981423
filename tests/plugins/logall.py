"""A log callback recording every message it receives (B-SHUT-02, B-CB-07)."""

import collectd
from cdpy_obs import record, thread_name


def log(severity, message):
    record('%d %s' % (severity, message), 'logall.txt')


collectd.register_log(log)
