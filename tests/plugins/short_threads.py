"""Notification and flush callbacks that collectd runs on short-lived threads
(unixsock starts one per connection): they count their calls and, to make a
kept thread state visible, touch threading.local data the way scripts do."""
import ctypes
import threading

import collectd

# Counting the interpreter's thread states tells a leak apart under qemu-user too,
# where the emulator's own RSS grows with every guest thread.
_api = ctypes.pythonapi
_api.PyInterpreterState_Head.restype = ctypes.c_void_p
_api.PyInterpreterState_ThreadHead.restype = ctypes.c_void_p
_api.PyInterpreterState_ThreadHead.argtypes = [ctypes.c_void_p]
_api.PyThreadState_Next.restype = ctypes.c_void_p
_api.PyThreadState_Next.argtypes = [ctypes.c_void_p]


def thread_states():
    n = 0
    t = _api.PyInterpreterState_ThreadHead(_api.PyInterpreterState_Head())
    while t:
        n += 1
        t = _api.PyThreadState_Next(t)
    return n

counts = {'notif': 0, 'flush': 0}
local = threading.local()


def notified(n):
    counts['notif'] += 1
    local.last = n.message
    if n.message == 'count':
        collectd.info('short_threads: %d thread states' % thread_states())


def flushed(timeout=-1, identifier=None):
    counts['flush'] += 1
    local.last = identifier


def shutdown():
    collectd.info('short_threads: %d notifications, %d flushes'
                  % (counts['notif'], counts['flush']))


collectd.register_notification(notified)
collectd.register_flush(flushed)
collectd.register_shutdown(shutdown)
