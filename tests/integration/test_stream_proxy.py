"""The stream proxy end to end: TCP and UDP through each balancer with
the choices counted, fail-over when a peer refuses or times out,
next-upstream limits, half-close, rate limits, back-pressure against a
slow client (the worker's memory must stay flat while the upstream has
far more to send), PROXY protocol in both directions, and the
$upstream_* variables in the access log.

The backends are small threads in this process: TcpBackend answers
"NAME:" and echoes, UdpBackend answers each datagram the same way.  The
other stream test files import them from here.
"""

import os
import re
import shutil
import socket
import struct
import tempfile
import threading
import time

import pytest


BASE = """
%(user)s
worker_processes %(workers)d;
error_log logs/error.log info;

events {
    worker_connections 1024;
}

stream {
%(body)s
}
"""


def config(body, workers=1):
    # as root, workers that stay root can reach the test's unix sockets
    user = "user root;" if os.geteuid() == 0 else ""
    return BASE % {"body": body, "workers": workers, "user": user}


class TcpBackend:
    """A TCP server on a free loopback port.  Each connection gets
    "NAME:" followed by an echo of what it sends (mode "echo"), or
    another behaviour by mode: "proxy" answers with the PROXY protocol
    line it read, "close" closes at once, "eof" answers only once the
    client has closed its side (half-close), "bulk" sends `size` bytes
    and closes.  It counts the connections it accepted."""

    def __init__(self, name, mode="echo", size=0, port=0):
        self.name = name
        self.mode = mode
        self.size = size
        self.accepted = 0
        self.sent = 0
        self.lines = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.stopped = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopped:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._handle, args=(c,),
                             daemon=True).start()

    def _handle(self, c):
        try:
            with c:
                getattr(self, "_" + self.mode)(c)
        except OSError:
            pass

    def _echo(self, c):
        c.sendall(self.name.encode() + b":")
        while True:
            d = c.recv(65536)
            if not d:
                return
            c.sendall(d)

    def _proxy(self, c):
        line = b""
        while not line.endswith(b"\r\n"):
            d = c.recv(1)
            if not d:
                break
            line += d
        self.lines.append(line)
        c.sendall(line)
        while c.recv(65536):
            pass

    def _close(self, c):
        pass

    def _eof(self, c):
        got = b""
        while True:
            d = c.recv(65536)
            if not d:
                break
            got += d
        c.sendall(b"got " + str(len(got)).encode())

    def _bulk(self, c):
        chunk = b"x" * 65536
        left = self.size
        while left > 0:
            n = c.send(chunk[:min(left, len(chunk))])
            left -= n
            self.sent += n

    def stop(self):
        self.stopped = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class UdpBackend:
    """A UDP server answering each datagram with "NAME:" + the datagram
    (reply=False: no answer).  It counts datagrams and clients."""

    def __init__(self, name, reply=True, port=0):
        self.name = name
        self.reply = reply
        self.datagrams = 0
        self.clients = set()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.port = self.sock.getsockname()[1]
        self.stopped = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopped:
            try:
                d, a = self.sock.recvfrom(65536)
            except OSError:
                return
            self.datagrams += 1
            self.clients.add(a)
            if self.reply:
                try:
                    self.sock.sendto(self.name.encode() + b":" + d, a)
                except OSError:
                    return

    def stop(self):
        self.stopped = True
        self.sock.close()


@pytest.fixture
def backends():
    """Backends made by a test are stopped after it."""
    made = []

    def make(cls, *args, **kwargs):
        b = cls(*args, **kwargs)
        made.append(b)
        return b

    yield make

    for b in made:
        b.stop()


@pytest.fixture
def stream(hanx):
    hanx.require("stream")
    return hanx


def ask(hanx, port=None, data=b"hi", timeout=5):
    """One TCP session: sends data and reads until the reply ends with
    it (an echo came back) or the session closes; returns the reply."""
    got = b""
    with hanx.connect(port, timeout) as s:
        s.sendall(data)
        while not got.endswith(data):
            try:
                d = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not d:
                break
            got += d
    return got


def who(hanx, port=None):
    """The name of the backend that answered one TCP session."""
    return ask(hanx, port).split(b":")[0].decode()


def udp_ask(port, data=b"hi", timeout=3):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(data, ("127.0.0.1", port))
        return s.recv(65536)


def count(names):
    c = {}
    for n in names:
        c[n] = c.get(n, 0) + 1
    return c


def servers(*bs, params=None):
    params = params or {}
    return "\n".join("        server 127.0.0.1:%d %s;"
                     % (b.port, params.get(b.name, "")) for b in bs)


# ---- balancers ----------------------------------------------------------


def test_round_robin_follows_weights(stream, backends):
    a = backends(TcpBackend, "a")
    b = backends(TcpBackend, "b")

    stream.write_config(config("""
    upstream u {
%s
    }
    server { listen 127.0.0.1:%%%%PORT_8080%%%%; proxy_pass u; }
""" % servers(a, b, params={"b": "weight=2"})))
    stream.start()

    assert count(who(stream) for _ in range(30)) == {"a": 10, "b": 20}


def test_least_conn_avoids_the_busy_peer(stream, backends):
    a = backends(TcpBackend, "a")
    b = backends(TcpBackend, "b")

    stream.write_config(config("""
    upstream u {
        least_conn;
%s
    }
    server { listen 127.0.0.1:%%%%PORT_8080%%%%; proxy_pass u; }
""" % servers(a, b)))
    stream.start()

    # one long session holds a peer; the short ones go to the other
    held = stream.connect()
    held.sendall(b"x")
    busy = held.recv(100).split(b":")[0].decode()

    others = []
    for _ in range(6):
        others.append(who(stream))

        # the session must have ended in the worker, not only here
        time.sleep(0.1)

    held.close()

    assert busy not in others, others


def test_hash_keeps_a_client_on_one_peer(stream, backends):
    bs = [backends(TcpBackend, n) for n in "abcd"]

    stream.write_config(config("""
    upstream same {
        hash $remote_addr consistent;
%s
    }
    upstream spread {
        hash $remote_port;
%s
    }
    server { listen 127.0.0.1:%%%%PORT_8080%%%%; proxy_pass same; }
    server { listen 127.0.0.1:%%%%PORT_8081%%%%; proxy_pass spread; }
""" % (servers(*bs), servers(*bs))))
    stream.start()

    assert len(set(who(stream) for _ in range(12))) == 1

    spread = count(who(stream, stream.port(8081)) for _ in range(40))
    assert len(spread) >= 3, spread


def test_random_uses_every_peer(stream, backends):
    a = backends(TcpBackend, "a")
    b = backends(TcpBackend, "b")

    stream.write_config(config("""
    upstream u {
        random two least_conn;
%s
    }
    server { listen 127.0.0.1:%%%%PORT_8080%%%%; proxy_pass u; }
""" % servers(a, b)))
    stream.start()

    seen = count(who(stream) for _ in range(40))
    assert seen.get("a", 0) >= 5 and seen.get("b", 0) >= 5, seen


def test_udp_sessions_are_balanced(stream, backends):
    a = backends(UdpBackend, "a")
    b = backends(UdpBackend, "b")

    stream.write_config(config("""
    upstream u {
%s
    }
    server {
        listen 127.0.0.1:%%%%PORT_8080%%%% udp;
        proxy_pass u;
        proxy_responses 1;
    }
""" % servers(a, b)))
    stream.start(wait_ports=[])
    time.sleep(0.3)

    replies = [udp_ask(stream.port()) for _ in range(20)]

    assert all(r.endswith(b":hi") for r in replies)
    assert count(r.split(b":")[0] for r in replies) == {b"a": 10, b"b": 10}


def test_udp_requests_end_a_session_and_start_another(stream, backends):
    a = backends(UdpBackend, "a")

    stream.write_config(config("""
    server {
        listen 127.0.0.1:%%%%PORT_8080%%%% udp;
        proxy_pass 127.0.0.1:%d;
        proxy_requests 2;
        proxy_responses 1;
    }
""" % a.port))
    stream.start(wait_ports=[])
    time.sleep(0.3)

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(3)
        for i in range(6):
            s.sendto(b"%d" % i, ("127.0.0.1", stream.port()))
            assert s.recv(100) == b"a:%d" % i

    # two datagrams per session: three upstream sockets for one client
    assert len(a.clients) == 3

    stream.stop()
    assert stream.error_log().count("udp done") == 3


# ---- failing over -------------------------------------------------------


def refused_port():
    """A port where connect() is refused."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def blackhole():
    """A listening socket whose accept queue is full, so that further
    SYNs are dropped and a connect() to it times out.  Returns the socket
    and its fillers (keep them open)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(0)
    port = s.getsockname()[1]
    fillers = []
    for _ in range(3):
        f = socket.socket()
        f.setblocking(False)
        try:
            f.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(f)
    time.sleep(0.1)
    return port, [s] + fillers


def test_a_refusing_peer_is_skipped(stream, backends):
    a = backends(TcpBackend, "a")
    dead = refused_port()

    stream.write_config(config("""
    log_format up "$upstream_addr|$status";
    upstream u {
        server 127.0.0.1:%d;
        server 127.0.0.1:%d;
    }
    server {
        listen 127.0.0.1:%%%%PORT_8080%%%%;
        proxy_pass u;
        access_log logs/up.log up;
    }
""" % (dead, a.port)))
    stream.start()

    assert [who(stream) for _ in range(4)] == ["a"] * 4

    stream.stop()
    log = stream.read_file("logs/up.log")
    assert "127.0.0.1:%d, 127.0.0.1:%d|200" % (dead, a.port) in log
    assert "connect() failed" in stream.error_log()


def test_a_silent_peer_times_out_and_the_next_one_serves(stream, backends):
    a = backends(TcpBackend, "a")
    port, keep = blackhole()

    stream.write_config(config("""
    upstream u {
        server 127.0.0.1:%d;
        server 127.0.0.1:%d;
    }
    server {
        listen 127.0.0.1:%%%%PORT_8080%%%%;
        proxy_pass u;
        proxy_connect_timeout 300ms;
    }
""" % (port, a.port)))
    stream.start()

    start = time.monotonic()
    assert who(stream) == "a"
    assert time.monotonic() - start >= 0.25

    stream.stop()
    assert "upstream timed out" in stream.error_log()

    for s in keep:
        s.close()


def test_next_upstream_off_and_tries_give_up(stream, backends):
    a = backends(TcpBackend, "a")
    dead = refused_port()

    peers = """
        server 127.0.0.1:%d max_fails=0;
        server 127.0.0.1:%d max_fails=0;
        server 127.0.0.1:%d;
""" % (dead, dead, a.port)

    stream.write_config(config("""
    log_format st "$status $upstream_addr";
    upstream off { %s }
    upstream tries { %s }
    server {
        listen 127.0.0.1:%%%%PORT_8080%%%%;
        proxy_pass off;
        proxy_next_upstream off;
        access_log logs/off.log st;
    }
    server {
        listen 127.0.0.1:%%%%PORT_8081%%%%;
        proxy_pass tries;
        proxy_next_upstream_tries 2;
        access_log logs/tries.log st;
    }
""" % (peers, peers)))
    stream.start()

    # the first session meets the dead peer and gives up at once
    assert ask(stream) == b""

    # two tries: dead, dead, no third
    assert ask(stream, stream.port(8081)) == b""

    stream.stop()
    assert stream.read_file("logs/off.log").startswith("502 ")
    tries = stream.read_file("logs/tries.log").splitlines()[0]
    assert tries == "502 127.0.0.1:%d, 127.0.0.1:%d" % (dead, dead)


def test_no_live_upstreams_is_502(stream, backends):
    stream.write_config(config("""
    log_format st "$status";
    upstream u {
        server 127.0.0.1:%d down;
    }
    server {
        listen 127.0.0.1:%%%%PORT_8080%%%%;
        proxy_pass u;
        access_log logs/st.log st;
    }
""" % refused_port()))
    stream.start()

    assert ask(stream) == b""
    stream.stop()

    assert stream.read_file("logs/st.log") == "502\n"
    assert "no live upstreams" in stream.error_log()


# ---- the relay ----------------------------------------------------------


def test_half_close_passes_the_end_of_the_request_on(stream, backends):
    b = backends(TcpBackend, "b", mode="eof")

    stream.write_config(config("""
    server {
        listen 127.0.0.1:%%%%PORT_8080%%%%;
        proxy_pass 127.0.0.1:%d;
        proxy_half_close on;
    }
    server {
        listen 127.0.0.1:%%%%PORT_8081%%%%;
        proxy_pass 127.0.0.1:%d;
    }
""" % (b.port, b.port)))
    stream.start()

    # the backend answers once it sees the client's end of stream
    assert stream.tcp_request(b"12345", shutdown=True) == b"got 5"

    # without half-close the client's end closes the whole session
    assert stream.tcp_request(b"12345", stream.port(8081),
                              shutdown=True) == b""


def test_download_rate_is_applied(stream, backends):
    b = backends(TcpBackend, "b", mode="bulk", size=30000)

    stream.write_config(config("""
    server {
        listen 127.0.0.1:%%%%PORT_8080%%%%;
        proxy_pass 127.0.0.1:%d;
        proxy_download_rate 10k;
    }
""" % b.port))
    stream.start()

    start = time.monotonic()
    data = stream.tcp_request(b"", timeout=10)
    took = time.monotonic() - start

    assert len(data) == 30000
    assert took >= 1.5, took


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_a_slow_client_does_not_make_the_worker_buffer(stream, backends):
    """The upstream has 256 MiB to send; the client first reads 64 KiB
    every 50 ms.  Reading from the upstream must stop as soon as the
    proxy's buffers and the sockets are full: the backend gets little
    out, the worker's memory stays where it was.  Then everything is
    read at full speed and must arrive intact."""
    total = 256 * 1024 * 1024
    b = backends(TcpBackend, "b", mode="bulk", size=total)

    stream.write_config(config("""
    server {
        listen 127.0.0.1:%%%%PORT_8080%%%%;
        proxy_pass 127.0.0.1:%d;
        proxy_buffer_size 16k;
    }
""" % b.port))
    stream.start()

    worker = stream.worker_pids()[0]
    before = rss_kb(worker)

    s = stream.connect(timeout=10)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    got = 0

    for _ in range(40):
        got += len(s.recv(65536))
        time.sleep(0.05)

    slow_sent = b.sent
    during = rss_kb(worker)

    # what the backend got out: what the client read, plus two socket
    # buffers each way and the proxy's 16k -- far from 256 MiB
    assert slow_sent - got < 32 * 1024 * 1024, (slow_sent, got)
    assert during - before < 8 * 1024, (before, during)

    while True:
        d = s.recv(1 << 20)
        if not d:
            break
        got += len(d)
    s.close()

    assert got == total
    assert rss_kb(worker) - before < 8 * 1024


# ---- PROXY protocol -----------------------------------------------------


def test_proxy_protocol_is_sent_to_the_upstream(stream, backends):
    b = backends(TcpBackend, "b", mode="proxy")

    stream.write_config(config("""
    server {
        listen 127.0.0.1:%%%%PORT_8080%%%%;
        proxy_pass 127.0.0.1:%d;
        proxy_protocol on;
    }
""" % b.port))
    stream.start()

    with stream.connect() as s:
        cport = s.getsockname()[1]
        line = s.recv(200)

    assert line == ("PROXY TCP4 127.0.0.1 127.0.0.1 %d %d\r\n"
                    % (cport, stream.port())).encode()


def v2_header(src, dst, sport, dport, tlvs=b""):
    body = (socket.inet_aton(src) + socket.inet_aton(dst)
            + struct.pack("!HH", sport, dport) + tlvs)
    return (b"\r\n\r\n\x00\r\nQUIT\n" + b"\x21\x11"
            + struct.pack("!H", len(body)) + body)


def test_proxy_protocol_is_read_from_trusted_clients(stream):
    stream.write_config(config("""
    server {
        listen 127.0.0.1:%%PORT_8080%% proxy_protocol;
        set_real_ip_from 127.0.0.1;
        return "$remote_addr:$remote_port $proxy_protocol_addr
$proxy_protocol_server_addr:$proxy_protocol_server_port
$realip_remote_addr $proxy_protocol_tlv_authority";
    }
    server {
        listen 127.0.0.1:%%PORT_8081%% proxy_protocol;
        set_real_ip_from 10.0.0.0/8;
        return "$remote_addr $proxy_protocol_addr";
    }
"""))
    stream.start()

    v1 = b"PROXY TCP4 192.0.2.1 192.0.2.2 1234 5678\r\n"
    assert stream.tcp_request(v1) == (
        b"192.0.2.1:1234 192.0.2.1\n192.0.2.2:5678\n127.0.0.1 ")

    # split over two segments, with the client's own bytes after it
    with stream.connect() as s:
        s.sendall(v1[:10])
        time.sleep(0.2)
        s.sendall(v1[10:] + b"payload")
        reply = s.recv(4096)
    assert reply.startswith(b"192.0.2.1:1234")

    v2 = v2_header("198.51.100.7", "203.0.113.9", 40000, 443,
                   tlvs=b"\x02\x00\x0bexample.com")
    assert stream.tcp_request(v2) == (
        b"198.51.100.7:40000 198.51.100.7\n203.0.113.9:443\n"
        b"127.0.0.1 example.com")

    # an untrusted sender keeps its own address
    assert stream.tcp_request(v1, stream.port(8081)) == (
        b"127.0.0.1 192.0.2.1")

    # garbage instead of a header ends the session with 400
    with stream.connect() as s:
        s.sendall(b"PROXY INVALID\r\n")
        try:
            assert s.recv(100) == b""
        except ConnectionResetError:
            pass

    stream.stop()
    assert "broken header" in stream.error_log()


# ---- variables and the log ----------------------------------------------


def test_upstream_variables_in_the_access_log(stream, backends):
    a = backends(TcpBackend, "a")

    stream.write_config(config("""
    log_format v "$upstream_addr $upstream_bytes_sent "
                 "$upstream_bytes_received $upstream_connect_time "
                 "$upstream_first_byte_time $upstream_session_time "
                 "$bytes_received $bytes_sent $status";
    server {
        listen 127.0.0.1:%%%%PORT_8080%%%%;
        proxy_pass 127.0.0.1:%d;
        access_log logs/v.log v;
    }
""" % a.port))
    stream.start()

    assert ask(stream, data=b"hello") == b"a:hello"
    stream.stop()

    fields = stream.read_file("logs/v.log").split()
    assert fields[0] == "127.0.0.1:%d" % a.port
    assert fields[1:3] == ["5", "7"]
    for t in fields[3:6]:
        assert re.match(r"^\d+\.\d{3}$", t), fields
    assert fields[6:] == ["5", "7", "200"]


def test_proxy_pass_with_variables_and_unix_sockets(stream, backends):
    a = backends(TcpBackend, "a")

    # a directory the workers can reach when the suite runs as root
    d = tempfile.mkdtemp(prefix="hx-stream-unix-")
    os.chmod(d, 0o755)
    sock = os.path.join(d, "s.sock")

    stream.write_config(config("""
    map $server_port $target {
        %%%%PORT_8080%%%%  u;
        default            127.0.0.1:%d;
    }
    upstream u { server 127.0.0.1:%d; }
    server { listen 127.0.0.1:%%%%PORT_8080%%%%; proxy_pass $target; }
    server { listen 127.0.0.1:%%%%PORT_8081%%%%; proxy_pass $target; }
    server { listen unix:%s; return unix; }
    server { listen 127.0.0.1:%%%%PORT_8082%%%%; proxy_pass unix:%s; }
""" % (a.port, a.port, sock, sock)))
    stream.start()

    try:
        assert who(stream) == "a"
        assert who(stream, stream.port(8081)) == "a"
        assert stream.tcp_request(b"", stream.port(8082)) == b"unix"
    finally:
        stream.stop()
        shutil.rmtree(d, ignore_errors=True)


def test_broken_proxy_protocol_headers_are_logged_at_a_rate(stream):
    stream.write_config(config("""
    server {
        listen 127.0.0.1:%%PORT_8080%% proxy_protocol;
        return x;
    }
"""))
    stream.start()

    for _ in range(30):
        with stream.connect() as s:
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            try:
                s.recv(10)
            except ConnectionResetError:
                pass

    time.sleep(1.1)

    # a new second: the first line of it tells what went unlogged
    with stream.connect() as s:
        s.sendall(b"JUNK\r\n")
        try:
            s.recv(10)
        except ConnectionResetError:
            pass

    stream.stop()
    log = stream.error_log()

    assert 10 <= log.count('broken header: "GET / HTTP/1.0"') < 30
    assert re.search(r"\d+ broken PROXY protocol headers were not logged",
                     log)
