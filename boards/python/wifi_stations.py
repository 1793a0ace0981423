"""Associated Wi-Fi stations per interface, from mac80211's debugfs, for the mt7621
board (OpenWrt-style /sys/kernel/debug/ieee80211/phyN/netdev:IF/stations/)."""
import glob
import os

import collectd


def read():
    for netdev in glob.glob("/sys/kernel/debug/ieee80211/phy*/netdev:*"):
        iface = netdev.rsplit("netdev:", 1)[1]
        try:
            n = len(os.listdir(os.path.join(netdev, "stations")))
        except OSError:
            continue
        collectd.Values(plugin="wifi", plugin_instance=iface, type="count",
                        type_instance="stations", values=[n]).dispatch()


collectd.register_read(read)
