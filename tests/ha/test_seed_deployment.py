"""The seed's deployment end to end (issue 8, "Done when"): the two hanx
nodes of conf/examples/node1.conf and node2.conf, with their addresses
renamed to this segment's, three backend hosts with small HTTP servers,
and a client host:

    client --> VIP:6201 --> the master node's virtual_server
           --> its http server (6101 or 6102) --> upstream tomcat
           --> backends :6001, :6002, :6003

  - through node 1 (the corrected MASTER, priority 150) requests spread
    round robin over the three backends;
  - node 1 killed (processes SIGKILLed and its link cut: the machine is
    gone): node 2 takes the VIP over and the client's requests succeed
    again through it within VRRP's take-over time (3 x advert_int + skew
    for priority 100), and no request fails except those in flight or
    sent during the take-over.

Hosts: 0 node 1, 1 node 2, 2-4 the backends, 5 the client.  Each backend
answers with its name and the X-Real-IP header it got, which is the
address of the node whose http server proxied the request.
"""

import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import pytest

from conftest import VIP, HanxNode, Segment, need_root, wait_for


TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLES = os.path.join(TOP, "conf", "examples")
MIME = os.path.join(TOP, "conf", "mime.types")

SEED_VIP = "192.168.99.151"
SEED_HOST = "192.168.99.104"
PORT = 6201
ADVERT_INT = 1.0
BACKUP_PRIORITY = 100

BACKEND = r"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

addr, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = ("%s %s\n" % (name, self.headers.get("X-Real-IP"))).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer((addr, port), Handler)
server.daemon_threads = True
print("ready", flush=True)
server.serve_forever()
"""

# one request per connection, each with a 1 s timeout, for a while
CLIENT = r"""
import json, socket, sys, time

target, port, duration = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
out = []
end = time.monotonic() + duration
while time.monotonic() < end:
    start = time.monotonic()
    result = None
    try:
        s = socket.create_connection((target, port), timeout=1)
        try:
            s.sendall(b"GET / HTTP/1.1\r\nHost: vip\r\nConnection: close"
                      b"\r\n\r\n")
            got = b""
            while True:
                d = s.recv(4096)
                if not d:
                    break
                got += d
        finally:
            s.close()
        head, _, body = got.partition(b"\r\n\r\n")
        if head.startswith(b"HTTP/1.1 200 "):
            result = body.decode().strip()
        else:
            result = "error:" + head.split(b"\r\n")[0].decode()
    except OSError as e:
        result = "error:" + e.__class__.__name__
    out.append([start, time.monotonic(), result])
    time.sleep(0.05)
print(json.dumps(out))
"""


def deployment(n, node_addr, backends):
    """conf/examples/nodeN.conf on this segment: the seed's addresses
    renamed to the test's, the interface to eth0, the log at info (the
    harness waits for the "start worker process" notice)."""
    with open(os.path.join(EXAMPLES, "node%d.conf" % n)) as f:
        text = f.read()

    for i, b in enumerate(backends, 1):
        text = text.replace("%s:600%d" % (SEED_HOST, i),
                            "%s:600%d" % (b, i))
    text = text.replace(SEED_HOST, node_addr)
    text = text.replace(SEED_VIP, VIP)
    text = re.sub(r"\binterface\s+ens33;", "interface eth0;", text)
    text = re.sub(r"^error_log\s+logs/error\.log\s+warn;",
                  "error_log logs/error.log info;", text, flags=re.M)

    assert "192.168.99." not in re.sub(r"#.*", "", text)
    return text


class SeedNode(HanxNode):
    """A hanx host running one of the shipped example files."""

    def __init__(self, host, tmp, text):
        self.text = text
        super().__init__(host, tmp, [])

    def write(self, instances, ha_extra=(), raw_ha=None):
        with open(MIME) as f:
            mime = f.read()
        with open(os.path.join(self.dir, "conf", "mime.types"), "w") as f:
            f.write(mime)
        with open(self.conf, "w") as f:
            f.write("daemon off;\n" + self.text)


@pytest.fixture
def seg():
    need_root()
    s = Segment(hosts=6)
    yield s
    s.close()


@pytest.fixture
def backends(seg):
    procs = []
    for i, host in enumerate(seg.hosts[2:5], 1):
        p = subprocess.Popen(["ip", "netns", "exec", host.ns, sys.executable,
                              "-c", BACKEND, host.addr, str(6000 + i),
                              "tomcat%d" % i],
                             stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                             text=True)
        procs.append(p)
        assert p.stdout.readline().strip() == "ready"
    yield [h.addr for h in seg.hosts[2:5]]
    for p in procs:
        p.kill()
        p.wait(5)


@pytest.fixture
def nodes(seg, backends):
    made = []

    def make(n):
        host = seg.hosts[n - 1]
        node = SeedNode(host, tempfile.mkdtemp(prefix="hxseed."),
                        deployment(n, host.addr, backends))
        made.append(node)
        return node

    yield make

    errors = []
    for node in made:
        try:
            node.stop()
            node.check()
        except AssertionError as e:
            errors.append(str(e))
        if getattr(node, "err", None):
            node.err.close()
        if not os.environ.get("HX_HA_KEEP"):
            subprocess.run(["rm", "-rf", node.dir])
    assert not errors, "\n".join(errors)


def client(seg, duration):
    """The client host asking VIP:6201 for duration seconds, started."""
    return subprocess.Popen(["ip", "netns", "exec", seg.hosts[5].ns,
                             sys.executable, "-c", CLIENT, VIP, str(PORT),
                             str(duration)],
                            stdout=subprocess.PIPE, text=True)


def results(proc):
    out, _ = proc.communicate(timeout=120)
    return json.loads(out)


def test_the_seed_fails_over_from_node1_to_node2(seg, nodes):
    n1 = nodes(1).start()
    assert wait_for(n1.has_vip, 10), n1.log()

    n2 = nodes(2).start()
    assert wait_for(lambda: n2.state() == "BACKUP", 10), n2.log()
    assert not n2.has_vip()

    node1_addr = seg.hosts[0].addr
    node2_addr = seg.hosts[1].addr

    # through node 1: round robin over the three backends
    before = results(client(seg, 1.5))
    assert before and all(not r[2].startswith("error") for r in before), \
        before
    via = collections.Counter(r[2].split()[1] for r in before)
    assert set(via) == {node1_addr}, before
    names = collections.Counter(r[2].split()[0] for r in before)
    assert set(names) == {"tomcat1", "tomcat2", "tomcat3"}, names
    assert max(names.values()) - min(names.values()) <= 1, names

    # the master machine dies while the client keeps asking
    asking = client(seg, 12)
    time.sleep(2)
    killed = time.monotonic()
    n1.kill()
    seg.hosts[0].link(False)

    got = results(asking)

    took_over = wait_for(n2.has_vip, 0)
    assert took_over, n2.log()
    assert "Entering MASTER STATE" in n2.log() or n2.state() == "MASTER", \
        n2.log()

    # every request sent before the kill that was not in flight succeeded
    for start, end, result in got:
        if end < killed:
            assert not result.startswith("error"), (start, end, result)

    recovered = [r for r in got
                 if r[0] > killed and not r[2].startswith("error")]
    assert recovered, got
    first = recovered[0]

    # within VRRP's take-over time (RFC 3768 6.1: 3 x advert + skew),
    # plus the client's one-second timeout and its pause
    skew = (256 - BACKUP_PRIORITY) * ADVERT_INT / 256
    lost = [r for r in got if r[2].startswith("error")]
    print("requests answered again %.2f s after the kill; %d of %d failed"
          % (first[1] - killed, len(lost), len(got)))
    assert first[1] - killed <= 3 * ADVERT_INT + skew + 1.5, \
        (first, killed, got)

    # from then on nothing fails, and all of it goes through node 2
    after = [r for r in got if r[0] >= first[0]]
    bad = [r for r in after if r[2].startswith("error")]
    assert not bad, bad
    assert {r[2].split()[1] for r in after} == {node2_addr}, after
    assert {r[2].split()[0] for r in after} == {"tomcat1", "tomcat2",
                                                "tomcat3"}, after
