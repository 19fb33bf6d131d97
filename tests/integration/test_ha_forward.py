"""virtual_server forwarding over loopback: a virtual_server on
127.0.0.1:PORT is a listener served by the workers, and its connections
reach the real servers as lb_algo says (rr equal, wrr by weight, sh by
client address, lc by open connections), persistence_timeout keeps a
client on one real server, a real server that TCP_CHECK takes out gets
no connection until it is back, a refused one is skipped, sorry_server
answers when every real server is down, UDP virtual servers forward
datagrams, and none of it depends on where (or whether) stream { } is
written; a reload keeps the socket and closes a removed one.

The real servers are the stream tests' backends, which greet each
connection (or answer each datagram) with their own name.
"""

import collections
import signal
import socket
import time

import pytest

from conftest import free_port
from test_stream_proxy import TcpBackend, UdpBackend, backends  # noqa: F401


BASE = """
worker_processes 2;
error_log logs/error.log info;

events {
    worker_connections 256;
}

%(before)s

ha {
%(body)s
}

%(after)s
"""


@pytest.fixture
def fwd(hanx):
    hanx.require("ha", "stream")
    return hanx


def config(body, before="", after=""):
    return BASE % {"body": body, "before": before, "after": after}


def vs(port, servers, algo="rr", extra="", check="", weights=None,
       protocol="TCP"):
    """A virtual_server block on 127.0.0.1:port over servers."""
    rs = []
    for i, b in enumerate(servers):
        w = weights[i] if weights else 1
        ck = "TCP_CHECK { %s }" % check if check else ""
        rs.append("        real_server 127.0.0.1 %d { weight %d; %s }"
                  % (b.port, w, ck))
    return """
    virtual_server 127.0.0.1 %d {
        delay_loop 1;
        lb_algo %s;
        lb_kind NAT;
        protocol %s;
        %s
%s
    }
""" % (port, algo, protocol, extra, "\n".join(rs))


def read_greeting(s):
    """What a real server sends first: its name, up to the colon."""
    got = b""
    while not got.endswith(b":"):
        d = s.recv(64)
        if not d:
            break
        got += d
    return got.rstrip(b":").decode()


def greet(port, source="127.0.0.1", timeout=5):
    """Connects (from source) and returns the name the real server sends
    first; the connection is closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        return read_greeting(s)


def held(port):
    """A connection kept open after the greeting: (socket, name)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    name = read_greeting(s)
    assert name, "connection closed before the greeting"
    return s, name


def counts(port, n, **kwargs):
    return collections.Counter(greet(port, **kwargs) for _ in range(n))


def start(hanx, text, port):
    hanx.write_config(text)
    hanx.start(wait_ports=[port])
    return hanx


def test_rr_spreads_equally(fwd, backends):
    rs = [backends(TcpBackend, n) for n in "abc"]
    port = fwd.port(6201)
    start(fwd, config(vs(port, rs)), port)

    assert counts(port, 30) == {"a": 10, "b": 10, "c": 10}


def test_wrr_follows_the_weights(fwd, backends):
    rs = [backends(TcpBackend, n) for n in "abc"]
    port = fwd.port(6201)
    start(fwd, config(vs(port, rs, algo="wrr", weights=[3, 2, 1])), port)

    assert counts(port, 60) == {"a": 30, "b": 20, "c": 10}


def test_sh_keeps_each_client_address_on_one_server(fwd, backends):
    rs = [backends(TcpBackend, n) for n in "abc"]
    port = fwd.port(6201)
    start(fwd, config(vs(port, rs, algo="sh")), port)

    chosen = {}
    for i in range(1, 25):
        source = "127.0.0.%d" % i
        got = counts(port, 4, source=source)
        assert len(got) == 1, (source, got)
        chosen[source] = next(iter(got))

    # the table spreads addresses over the servers
    assert len(set(chosen.values())) >= 2

    for source, name in chosen.items():
        assert greet(port, source=source) == name


def test_dh_sends_one_destination_to_one_server(fwd, backends):
    rs = [backends(TcpBackend, n) for n in "abc"]
    port = fwd.port(6201)
    start(fwd, config(vs(port, rs, algo="dh")), port)

    # the destination is always the virtual server's address
    got = collections.Counter()
    for i in range(1, 9):
        got += counts(port, 2, source="127.0.0.%d" % i)
    assert len(got) == 1, got


def test_mh_keeps_each_client_address_on_one_server(fwd, backends):
    rs = [backends(TcpBackend, n) for n in "abc"]
    port = fwd.port(6201)
    start(fwd, config(vs(port, rs, algo="mh")), port)

    chosen = set()
    for i in range(1, 17):
        got = counts(port, 3, source="127.0.0.%d" % i)
        assert len(got) == 1, got
        chosen |= set(got)
    assert len(chosen) >= 2


def test_lc_goes_to_the_fewest_open_connections(fwd, backends):
    rs = [backends(TcpBackend, n) for n in "abc"]
    port = fwd.port(6201)
    start(fwd, config(vs(port, rs, algo="lc")), port)

    socks = []
    try:
        names = []
        for _ in range(6):
            s, name = held(port)
            socks.append(s)
            names.append(name)
        assert collections.Counter(names) == {"a": 2, "b": 2, "c": 2}

        # a closes both: the next two go there
        for s, name in list(zip(socks, names)):
            if name == "a":
                s.close()
                socks.remove(s)
        time.sleep(0.3)
        for _ in range(2):
            s, name = held(port)
            socks.append(s)
            assert name == "a"
    finally:
        for s in socks:
            s.close()


def test_persistence_keeps_a_client_on_one_server(fwd, backends):
    rs = [backends(TcpBackend, n) for n in "abc"]
    port = fwd.port(6201)
    start(fwd, config(vs(port, rs, extra="persistence_timeout 50;")), port)

    for i in (1, 2, 3, 4):
        got = counts(port, 6, source="127.0.0.%d" % i)
        assert len(got) == 1, got


def test_a_checked_down_server_gets_nothing_until_back(fwd, backends):
    rs = [backends(TcpBackend, n) for n in "abc"]
    b_port = rs[1].port
    port = fwd.port(6201)
    start(fwd, config(vs(port, rs, check="connect_timeout 1; retry 0;")),
          port)
    fwd.wait_for_log(r"real server checks started")

    rs[1].stop()
    gone = time.monotonic()
    fwd.wait_for_log(r"Removing service \[127\.0\.0\.1\]:tcp:%d" % b_port,
                     timeout=5)
    # delay_loop 1 + connect_timeout 1 (a refused connect is quicker)
    assert time.monotonic() - gone < 1 + 1 + 0.5

    accepted = rs[0].accepted + rs[2].accepted
    got = counts(port, 20)
    assert got == {"a": 10, "c": 10}
    assert rs[0].accepted + rs[2].accepted == accepted + 20

    backends(TcpBackend, "b", port=b_port)
    fwd.wait_for_log(r"Adding service \[127\.0\.0\.1\]:tcp:%d" % b_port,
                     timeout=5)

    assert counts(port, 30) == {"a": 10, "b": 10, "c": 10}


def test_a_refused_connection_goes_to_the_next_server(fwd, backends):
    rs = [backends(TcpBackend, n) for n in "abc"]
    port = fwd.port(6201)
    start(fwd, config(vs(port, rs)), port)

    rs[1].stop()

    got = counts(port, 30)
    assert set(got) == {"a", "c"}
    assert sum(got.values()) == 30


def test_sorry_server_answers_when_every_server_is_down(fwd, backends):
    rs = [backends(TcpBackend, n) for n in "ab"]
    sorry = backends(TcpBackend, "sorry")
    port = fwd.port(6201)
    start(fwd, config(vs(port, rs, check="connect_timeout 1; retry 0;",
                         extra="sorry_server 127.0.0.1 %d;" % sorry.port)),
          port)
    fwd.wait_for_log(r"real server checks started")

    assert set(counts(port, 4)) == {"a", "b"}
    assert sorry.accepted == 0

    for b in rs:
        b.stop()
    for b in rs:
        fwd.wait_for_log(r"Removing service \[127\.0\.0\.1\]:tcp:%d"
                         % b.port, timeout=5)

    assert counts(port, 5) == {"sorry": 5}


def udp_ask(port, data=b"ping", timeout=2):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(data, ("127.0.0.1", port))
        d, _ = s.recvfrom(65536)
        return d


def test_udp_virtual_server_forwards_datagrams(fwd, backends):
    rs = [backends(UdpBackend, n) for n in "abc"]
    port = free_port(socket.SOCK_DGRAM)
    fwd.write_config(config(vs(port, rs, protocol="UDP")))
    fwd.start(wait_ports=[])

    deadline = time.monotonic() + 5
    while True:
        try:
            first = udp_ask(port, timeout=0.3)
            break
        except OSError:
            assert time.monotonic() < deadline, fwd.diagnostics()

    assert first.endswith(b":ping")

    # every datagram from a new client address is a new IPVS connection
    names = collections.Counter(udp_ask(port).split(b":")[0]
                                for _ in range(30))
    assert set(names) == {b"a", b"b", b"c"}
    assert sum(names.values()) == 30

    # the sessions wait out IPVS's 300 s UDP timeout: no graceful stop
    fwd.stop(signal.SIGTERM)


STREAM = """
stream {
    server {
        listen 127.0.0.1:%d;
        return "stream\\n";
    }
}
"""


@pytest.mark.parametrize("where", ["before", "after", "none"])
def test_stream_block_before_after_or_none(fwd, backends, where):
    rs = [backends(TcpBackend, n) for n in "ab"]
    port = fwd.port(6201)
    sport = fwd.port(6202)
    stream = STREAM % sport
    parts = {"before": stream if where == "before" else "",
             "after": stream if where == "after" else ""}
    wait = [port] + ([sport] if where != "none" else [])
    fwd.write_config(config(vs(port, rs), **parts))
    fwd.start(wait_ports=wait)

    assert counts(port, 4) == {"a": 2, "b": 2}

    if where != "none":
        with socket.create_connection(("127.0.0.1", sport), timeout=5) as s:
            assert s.recv(64) == b"stream\n"


def test_a_stream_listen_on_the_same_address_is_refused(fwd, backends):
    rs = [backends(TcpBackend, "a")]
    port = fwd.port(6201)
    fwd.write_config(config(vs(port, rs), after=STREAM % port))

    r = fwd.test_config()
    assert r.returncode == 1
    assert "is already a listening address" in r.stderr


def test_reload_keeps_serving_and_closes_a_removed_one(fwd, backends):
    rs = [backends(TcpBackend, n) for n in "abc"]
    port = fwd.port(6201)
    port2 = fwd.port(6202)
    both = vs(port, rs) + vs(port2, rs[:1])
    start(fwd, config(both), port)
    fwd.wait_listening([port2])

    # a connection open across the reload stays up
    s, _ = held(port)

    fwd.write_config(config(both))
    fwd.reload()
    fwd.wait_for_log(r"reconfiguring")

    for _ in range(20):
        assert greet(port) in ("a", "b", "c")
        time.sleep(0.02)

    s.sendall(b"still")
    assert s.recv(64) == b"still"
    s.close()

    fwd.write_config(config(vs(port, rs)))
    fwd.reload()

    deadline = time.monotonic() + 5
    while True:
        with socket.socket() as c:
            c.settimeout(1)
            if c.connect_ex(("127.0.0.1", port2)) != 0:
                break
        assert time.monotonic() < deadline, "removed virtual_server listens"
        time.sleep(0.1)

    assert set(counts(port, 6)) == {"a", "b", "c"}


def test_without_stream_a_virtual_server_is_refused(hanx, backends):
    hanx.require("ha")
    if hanx.has_module("stream"):
        pytest.skip("hanx built with stream")

    rs = [backends(TcpBackend, "a")]
    hanx.write_config(config(vs(6201, rs)))

    r = hanx.test_config()
    assert r.returncode == 1
    assert "virtual_server needs the stream module" in r.stderr
    assert "nginx.conf:" in r.stderr or "hanx.conf:" in r.stderr


def test_an_ipv6_virtual_server_forwards(fwd, backends):
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    rs = [backends(TcpBackend, n) for n in "ab"]
    port = fwd.port(6201)
    fwd.write_config(config(vs(port, rs).replace("127.0.0.1 %d {" % port,
                                                 "::1 %d {" % port)))
    fwd.start(wait_ports=[port])

    got = collections.Counter()
    for _ in range(4):
        with socket.create_connection(("::1", port), timeout=5) as s:
            got[read_greeting(s)] += 1
    assert got == {"a": 2, "b": 2}
    assert "IP_FREEBIND" not in fwd.error_log()


def test_an_address_not_on_this_host_is_bound_all_the_same(fwd, backends):
    # IP_FREEBIND: a BACKUP node listens on the VIP before VRRP adds it
    rs = [backends(TcpBackend, "a")]
    port = fwd.port(6201)
    fwd.write_config(config(vs(port, rs).replace(
        "127.0.0.1 %d {" % port, "192.0.2.55 %d {" % port)))
    fwd.start(wait_ports=[port])

    assert "failed" not in fwd.error_log()
