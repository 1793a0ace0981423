"""Netfilter connection-tracking usage (entries and table size), for the octeon3 board."""
import collectd

ZONES = []


def config(node):
    for child in node.children:
        if child.key == "Zones":
            ZONES[:] = [int(v) for v in child.values]


def _value(name):
    try:
        with open("/proc/sys/net/netfilter/" + name) as f:
            return int(f.read())
    except (OSError, ValueError):
        return None


def read():
    count, limit = _value("nf_conntrack_count"), _value("nf_conntrack_max")
    if count is not None:
        collectd.Values(plugin="conntrack", type="conntrack", values=[count]).dispatch()
    if count is not None and limit:
        collectd.Values(plugin="conntrack", type="percent", type_instance="used",
                        values=[100.0 * count / limit]).dispatch()


collectd.register_config(config)
collectd.register_read(read)
