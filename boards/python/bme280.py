"""BME280/BMP280 temperature, pressure and humidity through the kernel's IIO driver
(dtoverlay=i2c-sensor,bme280 on a Raspberry Pi), for the rpi2 board."""
import glob
import os

import collectd

CONF = {"Bus": 1, "Address": 0x76}


def config(node):
    for child in node.children:
        if child.key in CONF and child.values:
            CONF[child.key] = int(child.values[0])


def _device():
    for dev in glob.glob("/sys/bus/iio/devices/iio:device*"):
        try:
            with open(os.path.join(dev, "name")) as f:
                if f.read().strip() in ("bme280", "bmp280"):
                    return dev
        except OSError:
            pass
    return None


def _read(dev, name, scale):
    try:
        with open(os.path.join(dev, name)) as f:
            return float(f.read()) * scale
    except OSError:
        return None


def read():
    dev = _device()
    if dev is None:
        return
    for name, vtype, scale in (("in_temp_input", "temperature", 0.001),
                               ("in_pressure_input", "pressure", 10.0),  # kPa -> hPa
                               ("in_humidityrelative_input", "humidity", 0.001)):
        v = _read(dev, name, scale)
        if v is not None:
            collectd.Values(plugin="bme280", plugin_instance="i2c-%d-%x" % (CONF["Bus"], CONF["Address"]),
                            type=vtype, values=[v]).dispatch()


collectd.register_config(config)
collectd.register_read(read)
