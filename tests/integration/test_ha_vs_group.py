"""virtual_server_group over loopback: "virtual_server group NAME" listens
on every member of the group (single addresses and IP-LAST ranges), all
of them reaching the same real servers through one upstream (rr goes on
across the members), and a group member is one check set; fwmark members
and unknown or overlapping groups are refused at -t with the file and
line.
"""

import collections
import signal
import socket

import pytest

from test_stream_proxy import TcpBackend, UdpBackend, backends  # noqa


BASE = """
worker_processes 2;
error_log logs/error.log info;

events {
    worker_connections 256;
}

ha {
%s
}
"""


@pytest.fixture
def fwd(hanx):
    hanx.require("ha", "stream")
    return hanx


def group_vs(members, servers, name="G1", extra=""):
    rs = "\n".join("        real_server 127.0.0.1 %d { weight 1; }"
                   % b.port for b in servers)
    return BASE % """
    virtual_server_group %s {
        %s
    }
%s
    virtual_server group %s {
        delay_loop 1;
        lb_algo rr;
        protocol TCP;
%s
    }
""" % (name, "\n        ".join(m + ";" for m in members), extra, name, rs)


def greet(addr, port):
    with socket.create_connection((addr, port), timeout=5) as s:
        got = b""
        while not got.endswith(b":"):
            d = s.recv(64)
            if not d:
                break
            got += d
        return got.rstrip(b":").decode()


def test_every_member_of_the_group_reaches_the_real_servers(fwd, backends):
    rs = [backends(TcpBackend, n) for n in "ab"]
    p1 = fwd.port(6201)
    p2 = fwd.port(6202)

    fwd.write_config(group_vs(["127.0.0.1 %d" % p1,
                               "127.0.0.2-4 %d" % p2], rs))
    fwd.start(wait_ports=[p1])

    seen = collections.Counter()
    for addr, port in [("127.0.0.1", p1), ("127.0.0.2", p2),
                       ("127.0.0.3", p2), ("127.0.0.4", p2)]:
        for _ in range(2):
            seen[greet(addr, port)] += 1

    # one upstream: round robin goes on across the listeners
    assert seen == {"a": 4, "b": 4}

    # the range ends at .4
    with pytest.raises(OSError):
        greet("127.0.0.5", p2)


def test_fwmark_members_are_refused_at_their_line(fwd, backends):
    rs = [backends(TcpBackend, "a")]
    fwd.write_config(group_vs(["127.0.0.1 %d" % fwd.port(6201),
                               "fwmark 1"], rs))
    r = fwd.test_config()
    assert r.returncode != 0
    assert "fwmark" in r.stderr and "IPVS" in r.stderr
    assert "hanx.conf:13" in r.stderr, r.stderr


def test_an_unknown_group_is_refused(fwd, backends):
    rs = [backends(TcpBackend, "a")]
    text = group_vs(["127.0.0.1 %d" % fwd.port(6201)], rs)
    fwd.write_config(text.replace("virtual_server group G1",
                                  "virtual_server group G2"))
    r = fwd.test_config()
    assert r.returncode != 0
    assert 'unknown virtual_server_group "G2"' in r.stderr


def test_a_member_taken_by_another_virtual_server_is_refused(fwd,
                                                             backends):
    rs = [backends(TcpBackend, "a")]
    port = fwd.port(6201)
    other = """
    virtual_server 127.0.0.2 %d {
        real_server 127.0.0.1 %d { weight 1; }
    }
""" % (port, rs[0].port)
    fwd.write_config(group_vs(["127.0.0.1-3 %d" % port], rs, extra=other))
    r = fwd.test_config()
    assert r.returncode != 0
    assert "already has [127.0.0.2]:tcp:%d" % port in r.stderr


def test_a_range_must_count_up(fwd, backends):
    rs = [backends(TcpBackend, "a")]
    fwd.write_config(group_vs(["127.0.0.9-3 %d" % fwd.port(6201)], rs))
    r = fwd.test_config()
    assert r.returncode != 0
    assert "invalid range" in r.stderr


def test_a_udp_group_forwards_datagrams_on_every_member(fwd, backends):
    rs = [backends(UdpBackend, "u")]
    port = fwd.port(6201)

    fwd.write_config(group_vs(["127.0.0.1-2 %d" % port], rs)
                     .replace("protocol TCP;", "protocol UDP;"))
    fwd.start(wait_ports=[])

    for addr in ("127.0.0.1", "127.0.0.2"):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(3)
            got = None
            for _ in range(20):
                s.sendto(b"hi", (addr, port))
                try:
                    got = s.recv(64)
                    break
                except socket.timeout:
                    continue
            assert got == b"u:hi", (addr, got)

    # the sessions wait out IPVS's 300 s UDP timeout: no graceful stop
    fwd.stop(signal.SIGTERM)
