"""virtual_server on the VIP between real hosts (issue 8, "Done when"):
a hanx node is VRRP MASTER for the VIP and forwards VIP:6201 to three
real servers in another namespace; a client namespace connects many
times and the counts follow lb_algo.  The BACKUP node holds VIP:6201
(IP_FREEBIND) before it has the VIP, and once the master is killed the
client reaches the real servers through it.

Hosts: 0 and 1 run hanx, 2 runs the real servers (one address each,
10.77.0.21-23), 3 is the client (extra addresses for sh).
"""

import collections
import json
import subprocess
import sys
import time

import pytest

from conftest import (VIP, Segment, instance, need_root, run, wait_for,
                      _lines)


PORT = 6201
REAL = ["10.77.0.21", "10.77.0.22", "10.77.0.23"]
SORRY = "10.77.0.24"
CLIENTS = ["10.77.0.%d" % i for i in range(51, 71)]

SERVER = r"""
import socket, sys, threading
socks = []
for spec in sys.argv[1:]:
    addr, port, name = spec.split(",")
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(128)
    socks.append((s, name.encode()))
def serve(s, name):
    while True:
        c, _ = s.accept()
        try:
            c.sendall(name + b":")
        finally:
            c.close()
for s, name in socks:
    threading.Thread(target=serve, args=(s, name), daemon=True).start()
print("ready", flush=True)
sys.stdin.read()
"""

CLIENT = r"""
import json, socket, sys
target, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
out = []
for src in sys.argv[4:]:
    for _ in range(n):
        s = socket.socket()
        s.settimeout(3)
        try:
            s.bind((src, 0))
            s.connect((target, port))
            got = b""
            while not got.endswith(b":"):
                d = s.recv(64)
                if not d:
                    break
                got += d
            out.append([src, got.rstrip(b":").decode()])
        except OSError as e:
            out.append([src, "error:" + e.__class__.__name__])
        finally:
            s.close()
print(json.dumps(out))
"""


@pytest.fixture
def segment():
    """Four hosts instead of the harness's three; its nodes fixture
    builds on this one."""
    need_root()
    s = Segment(hosts=4)
    yield s
    s.close()


@pytest.fixture
def seg(segment):
    return segment


class RealServers:
    """The three real servers on host 2, a process each so that one can
    be killed."""

    def __init__(self, host):
        self.host = host
        self.procs = {}
        for a in REAL + [SORRY]:
            host.ip("addr", "add", a + "/24", "dev", "eth0")

    def start(self, name):
        addr = (REAL + [SORRY])["abcs".index(name)]
        p = subprocess.Popen(["ip", "netns", "exec", self.host.ns,
                              sys.executable, "-c", SERVER,
                              "%s,%d,%s" % (addr, PORT, name)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
        assert p.stdout.readline().strip() == "ready"
        self.procs[name] = p

    def kill(self, name):
        p = self.procs.pop(name)
        p.kill()
        p.wait(5)

    def close(self):
        for name in list(self.procs):
            self.kill(name)


@pytest.fixture
def real_servers(seg):
    rs = RealServers(seg.hosts[2])
    try:
        for name in "abc":
            rs.start(name)
        yield rs
    finally:
        rs.close()


@pytest.fixture
def client(seg):
    host = seg.hosts[3]
    for a in CLIENTS:
        host.ip("addr", "add", a + "/24", "dev", "eth0")

    def ask(n, sources=(None,)):
        srcs = [s or host.addr for s in sources]
        r = run("ip", "netns", "exec", host.ns, sys.executable, "-c",
                CLIENT, VIP, str(PORT), str(n), *srcs)
        return json.loads(r.stdout)

    return ask


def ha_block(inst, algo, weights=(1, 1, 1), extra=""):
    rs = "\n".join("        real_server %s %d { weight %d; "
                   "TCP_CHECK { connect_timeout 1; } }" % (a, PORT, w)
                   for a, w in zip(REAL, weights))
    body = ["    " + l for l in _lines(inst, ";")]
    return "\n".join(["ha {"] + body + ["""
    virtual_server %s %d {
        delay_loop 1;
        lb_algo %s;
        lb_kind NAT;
        protocol TCP;
        %s
%s
    }
}
""" % (VIP, PORT, algo, extra, rs)])


def node(nodes, index, inst, algo, weights=(1, 1, 1), extra=""):
    n = nodes.add("hanx", index, [inst],
                  raw_ha=ha_block(inst, algo, weights, extra))
    return n


def master_up(nodes, algo, weights=(1, 1, 1), extra=""):
    m = node(nodes, 0, instance(state="MASTER", priority=150, version=3,
                                advert_int=0.5), algo, weights, extra)
    m.start()
    assert wait_for(m.has_vip, 8), m.log()
    return m


def names(results):
    bad = [r for r in results if r[1].startswith("error")]
    assert not bad, bad
    return collections.Counter(r[1] for r in results)


@pytest.mark.parametrize("algo,weights,expect", [
    ("rr", (1, 1, 1), {"a": 10, "b": 10, "c": 10}),
    ("wrr", (3, 2, 1), {"a": 15, "b": 10, "c": 5}),
], ids=["rr", "wrr"])
def test_counts_follow_lb_algo(nodes, real_servers, client, algo, weights,
                               expect):
    m = master_up(nodes, algo, weights)
    assert wait_for(lambda: "checks started" in m.log(), 5)

    assert names(client(30)) == expect


def test_sh_is_stable_per_client_address(nodes, real_servers, client):
    master_up(nodes, "sh")

    got = client(3, CLIENTS)
    per = collections.defaultdict(set)
    for src, name in got:
        assert not name.startswith("error"), got
        per[src].add(name)
    assert all(len(v) == 1 for v in per.values()), per
    assert len(set().union(*per.values())) >= 2


def listens(host, addr, port):
    out = run("ip", "netns", "exec", host.ns, "ss", "-Hltn").stdout
    return any(l.split()[3] == "%s:%d" % (addr, port)
               for l in out.splitlines() if len(l.split()) > 3)


def test_backup_holds_the_socket_and_takes_over(nodes, seg, real_servers,
                                                client):
    m = master_up(nodes, "rr")
    b = node(nodes, 1, instance(state="BACKUP", priority=100, version=3,
                                advert_int=0.5), "rr")
    b.start()

    # bound before the VIP is there: IP_FREEBIND
    assert wait_for(lambda: listens(seg.hosts[1], VIP, PORT), 5), b.log()
    assert not b.has_vip()

    assert set(names(client(6))) == {"a", "b", "c"}

    m.kill()
    assert wait_for(b.has_vip, 5), b.log()

    ok = wait_for(lambda: not any(r[1].startswith("error")
                                  for r in client(1)), 5)
    assert ok, b.log()
    assert set(names(client(6))) == {"a", "b", "c"}


def test_a_killed_real_server_gets_nothing_until_back(nodes, real_servers,
                                                      client):
    m = master_up(nodes, "rr")
    assert wait_for(lambda: "checks started" in m.log(), 5)

    real_servers.kill("b")
    gone = time.monotonic()
    assert wait_for(lambda: "Removing service [%s]:tcp:%d" % (REAL[1], PORT)
                    in m.log(), 5), m.log()
    # delay_loop 1 + connect_timeout 1, with the timer's slack
    assert time.monotonic() - gone < 1 + 1 + 0.5

    assert names(client(12)) == {"a": 6, "c": 6}

    real_servers.start("b")
    assert wait_for(lambda: "Adding service [%s]:tcp:%d" % (REAL[1], PORT)
                    in m.log(), 5), m.log()
    assert names(client(12)) == {"a": 4, "b": 4, "c": 4}


def test_persistence_keeps_each_client_on_one_server(nodes, real_servers,
                                                    client):
    master_up(nodes, "rr", extra="persistence_timeout 30;")

    got = client(6, CLIENTS[:6])
    per = collections.defaultdict(set)
    for src, name in got:
        assert not name.startswith("error"), got
        per[src].add(name)
    # without persistence rr would give every client all three
    assert all(len(v) == 1 for v in per.values()), per
    assert len(set().union(*per.values())) >= 2


def test_sorry_server_answers_when_every_real_server_is_down(
        nodes, real_servers, client):
    m = master_up(nodes, "rr", extra="sorry_server %s %d;" % (SORRY, PORT))
    real_servers.start("s")
    assert wait_for(lambda: "checks started" in m.log(), 5)
    assert set(names(client(6))) == {"a", "b", "c"}

    for name in "abc":
        real_servers.kill(name)
    assert wait_for(lambda: m.log().count("Removing service") >= 3, 6), \
        m.log()
    assert names(client(4)) == {"s": 4}

    real_servers.start("a")
    assert wait_for(lambda: "Adding service [%s]:tcp:%d" % (REAL[0], PORT)
                    in m.log(), 5), m.log()
    assert names(client(4)) == {"a": 4}
