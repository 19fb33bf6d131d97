"""static_ipaddress, static_routes and static_rules (issue 8): the master
adds them through netlink when it starts and removes them when it stops;
a reload leaves unchanged ones alone and applies the difference.  An
instance's virtual_routes and virtual_rules follow its VIPs: added when
it becomes MASTER, removed when it stops.
"""

from conftest import instance, wait_for


STATIC = [
    "static_ipaddress { 10.88.0.5/24 dev eth0; }",
    "static_routes { 10.89.0.0/24 via 10.77.0.1 dev eth0; "
    "blackhole 10.90.0.0/16; "
    "10.95.0.0/24 via 10.77.0.1 or 10.77.0.2 dev eth0; }",
    "static_rules { from 10.91.0.0/24 table 100 priority 1000; }",
]


def routes(host, *args):
    return host.ip("-4", "route", "show", *args).stdout


def rules(host):
    return host.ip("-4", "rule", "show").stdout


def test_static_blocks_live_as_long_as_the_master(nodes):
    node = nodes.add("hanx", 0, [instance()], ha_extra=STATIC)
    host = node.host
    node.start()

    assert wait_for(lambda: host.has("10.88.0.5"), 5), node.log()
    assert "10.89.0.0/24 via 10.77.0.1" in routes(host)
    assert "blackhole 10.90.0.0/16" in routes(host)
    # "or": one multipath route
    multi = routes(host, "10.95.0.0/24")
    assert "nexthop via 10.77.0.1" in multi, multi
    assert "nexthop via 10.77.0.2" in multi, multi
    assert "from 10.91.0.0/24 lookup 100" in rules(host)
    assert "1000:" in rules(host)

    node.stop()

    assert not host.has("10.88.0.5")
    assert "10.89.0.0/24" not in routes(host)
    assert "10.90.0.0/16" not in routes(host)
    assert "10.95.0.0/24" not in routes(host)
    assert "10.91.0.0/24" not in rules(host)


def test_a_reload_applies_only_the_difference(nodes):
    node = nodes.add("hanx", 0, [instance()], ha_extra=STATIC)
    host = node.host
    node.start()
    assert wait_for(lambda: host.has("10.88.0.5"), 5), node.log()

    changed = [STATIC[0],
               "static_routes { 10.92.0.0/24 via 10.77.0.1 dev eth0; "
               "blackhole 10.90.0.0/16; }"]
    node.write([instance()], ha_extra=changed)
    node.reload()

    assert wait_for(lambda: "10.92.0.0/24" in routes(host), 5), node.log()
    assert "10.89.0.0/24" not in routes(host)
    assert "10.91.0.0/24" not in rules(host)
    assert host.has("10.88.0.5")

    # the unchanged ones were not removed and added again
    log = node.log()
    assert "removed address 10.88.0.5" not in log
    assert "removed route 10.90.0.0/16" not in log
    assert "removed route 10.89.0.0/24" in log


def test_virtual_routes_follow_the_vips(nodes):
    inst = instance(extra=[
        "virtual_routes { 10.93.0.0/24 via 10.77.0.1 dev eth0; }",
        "virtual_rules { to 10.94.0.0/24 table 101; }"])
    node = nodes.add("hanx", 0, [inst])
    host = node.host
    node.start()

    # BACKUP first: not there
    assert "10.93.0.0/24" not in routes(host)

    # alone, it becomes MASTER after the down interval
    assert wait_for(node.has_vip, 8), node.log()
    assert wait_for(lambda: "10.93.0.0/24" in routes(host), 3), node.log()
    assert "to 10.94.0.0/24 lookup 101" in rules(host)

    node.stop()
    assert "10.93.0.0/24" not in routes(host)
    assert "10.94.0.0/24" not in rules(host)
