"""Example plugin: a config callback, a read callback that dispatches a gauge
and a derive, and a write callback that prints every value list it receives."""
import os

import collectd

greeting = "hello"
counter = 0


def configure(conf):
    global greeting
    for node in conf.children:
        if node.key.lower() == "greeting":
            greeting = node.values[0]


def init():
    collectd.info("hello: %s (pid %d)" % (greeting, os.getpid()))


def read():
    global counter
    counter += 1
    load1, _, _ = os.getloadavg()
    collectd.Values(plugin="hello", type="gauge", type_instance="load1").dispatch(values=[load1])
    collectd.Values(plugin="hello", type="derive", type_instance="reads",
                    meta={"greeting": greeting}).dispatch(values=[counter])


def write(vl):
    collectd.info("hello: dispatched %s/%s-%s %s = %r meta=%r"
                  % (vl.host, vl.plugin, vl.type, vl.type_instance, vl.values, vl.meta))


collectd.register_config(configure)
collectd.register_init(init)
collectd.register_read(read)
collectd.register_write(write)
