"""A shared memory zone that a reload kept and a later reload dropped is
unmapped in the master, as one dropped at its first reload is: reloads
must not pile up mappings.
"""

import time

from test_stream_proxy import config
from test_stream_upstream_zone_reload import reload_and_wait


# an odd size no other mapping of the master has
SIZE_K = 1332

BODY = """
    upstream u {
        %s
        server 127.0.0.1:9;
    }
    server {
        listen 127.0.0.1:%%%%PORT_8080%%%%;
        proxy_pass u;
    }
    # %s
"""


def conf(zone, generation):
    return config(BODY % (zone, generation))


def zone_mappings(hanx):
    """How many mappings of the zone's size the master has."""
    n = 0
    with open("/proc/%d/maps" % hanx.master_pid) as f:
        for line in f:
            lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
            n += hi - lo == SIZE_K * 1024
    return n


def test_a_zone_kept_then_dropped_is_unmapped(hanx):
    hanx.require("stream", "stream_upstream_zone")
    zone = "zone u %dk;" % SIZE_K

    hanx.write_config(conf(zone, 1))
    hanx.start(wait_ports=[hanx.port(8080)])
    assert zone_mappings(hanx) == 1

    reload_and_wait(hanx, conf(zone, 2))      # the zone is kept
    assert zone_mappings(hanx) == 1

    reload_and_wait(hanx, conf("", 3))        # and now dropped
    deadline = time.monotonic() + 3
    while zone_mappings(hanx) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert zone_mappings(hanx) == 0
