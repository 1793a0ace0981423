"""Records the head of sys.path at import time (B-CFG-07, B-INIT-03)."""

import sys
from cdpy_obs import record

record('path %r' % (sys.path[:2],))
