"""-t's lint for virtual servers (DESIGN.md "Warnings that -t gives"): a
virtual_server (or a member of its group) on an address that no
vrrp_instance carries as a VIP is warned about with file:line and what
to do; one on a VIP, or any virtual_server in a file without VRRP
instances, is not.
"""

import pytest


BASE = """
error_log logs/error.log;
events {
    worker_connections 64;
}

ha {
    vrrp_instance VI_1 {
        state BACKUP;
        interface lo;
        virtual_router_id 77;
        priority 100;
        virtual_ipaddress {
            10.9.9.1/32;
        }
        virtual_ipaddress_excluded {
            10.9.9.2/32;
        }
    }
%s
}
"""

NO_VIP = "is on an address that is no VIP of any vrrp_instance"


@pytest.fixture
def ha(hanx):
    hanx.require("ha")
    return hanx


def vs(addr):
    return """
    virtual_server %s 6201 {
        real_server 127.0.0.1 6202 { weight 1; }
    }
""" % addr


def test_a_virtual_server_off_the_vips_is_warned_about_at_its_line(ha):
    ha.write_config(BASE % vs("10.9.9.3"))
    r = ha.test_config()
    assert r.returncode == 0, r.stderr
    assert ("virtual_server [10.9.9.3]:tcp:6201 %s" % NO_VIP) in r.stderr
    assert "virtual_ipaddress" in r.stderr
    assert "hanx.conf:21" in r.stderr, r.stderr


def test_virtual_servers_on_vips_are_not_warned_about(ha):
    ha.write_config(BASE % (vs("10.9.9.1") + vs("10.9.9.2")))
    r = ha.test_config()
    assert r.returncode == 0, r.stderr
    assert NO_VIP not in r.stderr


def test_each_group_member_off_the_vips_is_named(ha):
    ha.write_config(BASE % """
    virtual_server_group G {
        10.9.9.1-3 6201;
    }
    virtual_server group G {
        real_server 127.0.0.1 6202 { weight 1; }
    }
""")
    r = ha.test_config()
    assert r.returncode == 0, r.stderr
    assert r.stderr.count(NO_VIP) == 1
    assert "[10.9.9.3]:tcp:6201 %s" % NO_VIP in r.stderr


def test_without_vrrp_instances_nothing_is_said(ha):
    ha.write_config("""
error_log logs/error.log;
events {
    worker_connections 64;
}
ha {
%s
}
""" % vs("10.9.9.3"))
    r = ha.test_config()
    assert r.returncode == 0, r.stderr
    assert NO_VIP not in r.stderr


def test_keepalived_keywords_that_do_nothing_are_warned_about(ha):
    # mail alerts and SNMP are read so that a real keepalived.conf loads,
    # but -t must say that they have no effect
    ha.write_config(BASE.replace("ha {\n", """ha {
    global_defs {
        notification_email {
            ops@example.com;
        }
        smtp_alert;
        enable_snmp_vrrp;
    }
""", 1) % "")
    r = ha.test_config()
    assert r.returncode == 0, r.stderr
    for word, line in (("notification_email", 9), ("smtp_alert", 12),
                       ("enable_snmp_vrrp", 13)):
        assert ('[warn] "%s" is a keepalived keyword hanx ignores: it has '
                'no effect in' % word) in r.stderr, r.stderr
        assert "hanx.conf:%d" % line in r.stderr, r.stderr
