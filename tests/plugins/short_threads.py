"""Notification and flush callbacks that collectd runs on short-lived threads
(unixsock starts one per connection): they count their calls and, to make a
kept thread state visible, touch threading.local data the way scripts do."""
import threading

import collectd

counts = {'notif': 0, 'flush': 0}
local = threading.local()


def notified(n):
    counts['notif'] += 1
    local.last = n.message


def flushed(timeout=-1, identifier=None):
    counts['flush'] += 1
    local.last = identifier


def shutdown():
    collectd.info('short_threads: %d notifications, %d flushes'
                  % (counts['notif'], counts['flush']))


collectd.register_notification(notified)
collectd.register_flush(flushed)
collectd.register_shutdown(shutdown)
