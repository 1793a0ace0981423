"""A read callback that dispatches one value with a BIG_META_KEYS-key meta dict, a
write callback that receives it, and a ticker read callback every 0.1 s that
records when it runs: the big dict must not keep the ticker from its interval."""
import os
import time

import collectd

KEYS = int(os.environ.get('BIG_META_KEYS', '20000'))
ticks = []
state = {'sent': None, 'received': None, 'keys': 0, 'done': False}


def big():
    if state['sent'] is not None:
        return
    meta = {'key%05d' % i: i for i in range(KEYS)}
    t0 = time.monotonic()
    collectd.Values(type='gauge', plugin='bigmeta', values=[1]).dispatch(meta=meta)
    state['sent'] = (t0, time.monotonic())


def tick():
    ticks.append(time.monotonic())
    if state['received'] is not None and not state['done']:
        state['done'] = True
        t0, t1 = state['sent'][0], state['received']
        inside = [t for t in ticks if t0 <= t <= t1]
        gaps = [b - a for a, b in zip(ticks, ticks[1:]) if t0 - 0.2 <= a <= t1]
        collectd.info('big_meta: %d keys received; dispatch to write %.2f s, %d ticks '
                      'meanwhile, longest gap %.2f s'
                      % (state['keys'], t1 - t0, len(inside), max(gaps or [0])))


def write(v):
    if v.plugin == 'bigmeta':
        state['keys'] = len(v.meta)
        state['received'] = time.monotonic()


collectd.register_read(big, 1.0, name='big')
collectd.register_read(tick, 0.1, name='tick')
collectd.register_write(write)
