"""Imports C extension modules from lib-dynload, which resolve Py* symbols
through the globally visible libpython (B-ABI-02: collectd loads python.so
with RTLD_GLOBAL even when "Globals false")."""

import collectd
from cdpy_obs import record

for name in ('_ctypes', '_decimal', '_json', 'math', '_ssl'):
    try:
        __import__(name)
        record('import %s ok' % name)
    except Exception as e:  # recorded, compared between plugins
        record('import %s failed: %s: %s' % (name, type(e).__name__, e))

try:
    import ctypes
    record('ctypes sizeof(c_long)=%d' % ctypes.sizeof(ctypes.c_long))
except ImportError as e:  # a Python built without libffi (OpenWrt's python3-light)
    record('ctypes failed: %s' % type(e).__name__)
record('decimal %s' % (__import__('decimal').Decimal('1.10') + 1,))
