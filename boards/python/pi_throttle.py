"""Raspberry Pi firmware throttling flags (under-voltage, frequency capping, thermal
throttling), for the cortex-a53 board."""
import collectd

PATH = "/sys/devices/platform/soc/soc:firmware/get_throttled"
BITS = {"under_voltage": 0, "freq_capped": 1, "throttled": 2, "soft_temp_limit": 3}


def config(node):
    global PATH
    for child in node.children:
        if child.key == "Path" and child.values:
            PATH = str(child.values[0])


def read():
    try:
        with open(PATH) as f:
            flags = int(f.read().strip(), 16)
    except (OSError, ValueError):
        return
    for name, bit in BITS.items():
        collectd.Values(plugin="pi_throttle", type="gauge", type_instance=name,
                        values=[(flags >> bit) & 1]).dispatch()


collectd.register_config(config)
collectd.register_read(read)
