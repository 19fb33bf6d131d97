"""The ha harness: hosts made of network namespaces on one bridge.

A :class:`Segment` is a bridge in a namespace of its own and a few host
namespaces, each with an ``eth0`` veth port on the bridge (addresses
10.77.0.11, .12, ...; fixed MACs 02:77:00:00:00:0N; no IPv6 DAD, so
link-local addresses are usable at once) and an observer host (.250)
that watches the segment with tests/ha/hxnetmon.py.  Nothing touches the
host's own interfaces: every link lives in a namespace this harness
creates and deletes.

On a host runs a :class:`HanxNode` (objs/hanx with a generated
configuration in a temporary prefix, foreground, master + one worker) or
a :class:`KeepalivedNode` (Debian's keepalived, --vrrp only, its
configuration, pid files and log in a temporary directory).  Both take
the same instance description, :func:`instance`, and render it in their
own syntax, so a test reads the same against either peer.

At teardown a hanx node fails the test when its error log has an
``[alert]`` or ``[crit]`` line or its stderr a sanitizer report.
"""

import importlib.util
import itertools
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import pytest


TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NETMON = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "hxnetmon.py")

VIP = "10.77.0.100"
BAD_LOG_RE = re.compile(r"^.*\[(alert|crit)\].*$", re.M)


def _integration():
    """tests/integration/conftest.py, for the binary and sanitizer rules."""
    path = os.path.join(TOP, "tests", "integration", "conftest.py")
    if not os.path.exists(path):
        return None
    spec = importlib.util.spec_from_file_location("hx_integration_harness",
                                                  path)
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except Exception:
        return None
    return mod


_INTEG = _integration()


def hanx_binary():
    if _INTEG is not None:
        return _INTEG.hanx_binary()
    path = os.environ.get("HANX_BINARY") or os.path.join(TOP, "objs", "hanx")
    return os.path.abspath(path)


def sanitizer_reports(text):
    if _INTEG is not None:
        return _INTEG.split_sanitizer(text)[1]
    m = re.search(r"^(==\d+==ERROR: |.*: runtime error: )", text, re.M)
    return text[m.start():] if m else ""


def run(*args, check=True):
    return subprocess.run(args, check=check, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)


def wait_for(pred, timeout, interval=0.01):
    """Polls pred() until it is true; returns the time it became true
    (time.monotonic()) or None on timeout."""
    end = time.monotonic() + timeout
    while True:
        now = time.monotonic()
        if pred():
            return now
        if now > end:
            return None
        time.sleep(interval)


_SEQ = itertools.count()


class Segment:
    """A bridge and hosts, each a network namespace."""

    def __init__(self, hosts=2):
        self.tag = "hxt%d_%d" % (os.getpid() % 10000, next(_SEQ))
        self.br = self.tag + "b"
        self.hosts = []
        self.monitors = []
        run("ip", "netns", "add", self.br)
        try:
            run("ip", "-n", self.br, "link", "add", "br0", "type", "bridge")
            # VRRP's group is flooded anyway; snooping off keeps it simple
            run("ip", "-n", self.br, "link", "set", "br0", "type", "bridge",
                "mcast_snooping", "0")
            run("ip", "-n", self.br, "link", "set", "br0", "up")
            for i in range(1, hosts + 1):
                self.hosts.append(self._host(i, "10.77.0.%d" % (10 + i)))
            self.observer = self._host(9, "10.77.0.250")
        except BaseException:
            self.close()
            raise

    def _host(self, i, addr):
        ns = "%sh%d" % (self.tag, i)
        port = "p%d" % i
        run("ip", "netns", "add", ns)
        for key in ("all", "default"):
            run("ip", "netns", "exec", ns, "sysctl", "-q", "-w",
                "net.ipv6.conf.%s.accept_dad=0" % key)
        run("ip", "link", "add", "eth0", "netns", ns, "type", "veth",
            "peer", "name", port, "netns", self.br)
        run("ip", "-n", ns, "link", "set", "eth0", "address",
            "02:77:00:00:00:%02x" % i)
        run("ip", "-n", self.br, "link", "set", port, "master", "br0")
        run("ip", "-n", self.br, "link", "set", port, "up")
        run("ip", "-n", ns, "link", "set", "lo", "up")
        run("ip", "-n", ns, "addr", "add", addr + "/24", "dev", "eth0")
        run("ip", "-n", ns, "link", "set", "eth0", "up")
        return Host(self, ns, addr, port, i)

    def monitor(self, mode, host=None):
        m = Monitor(host or self.observer, mode)
        self.monitors.append(m)
        return m

    def close(self):
        for m in self.monitors:
            m.stop()
        for h in self.hosts + [getattr(self, "observer", None)]:
            if h is not None:
                run("ip", "netns", "del", h.ns, check=False)
        run("ip", "netns", "del", self.br, check=False)


class Host:

    def __init__(self, seg, ns, addr, port, index):
        self.seg = seg
        self.ns = ns
        self.addr = addr
        self.port = port
        self.index = index
        self.mac = "02:77:00:00:00:%02x" % index

    def addrs(self, family="-4"):
        out = run("ip", "-n", self.ns, family, "-o", "addr", "show",
                  "dev", "eth0").stdout
        return re.findall(r"inet6? (\S+)/", out)

    def has(self, addr, dev="eth0"):
        family = "-6" if ":" in addr else "-4"
        out = run("ip", "-n", self.ns, family, "-o", "addr", "show",
                  "dev", dev, check=False).stdout
        return addr in re.findall(r"inet6? (\S+)/", out)

    def link(self, up):
        run("ip", "-n", self.seg.br, "link", "set", self.port,
            "up" if up else "down")

    def ip(self, *args):
        return run("ip", "-n", self.ns, *args)


class Monitor:
    """hxnetmon.py in a namespace; its lines parsed as they come."""

    def __init__(self, host, mode):
        self.events = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", host.ns, "python3", NETMON, mode,
             "eth0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        assert wait_for(lambda: self.find("ready"), 5), \
            "hxnetmon %s did not start" % mode

    def _read(self):
        for line in self.proc.stdout:
            words = line.split()
            if not words:
                continue
            with self.lock:
                self.events.append((float(words[0]), words[1:]))

    def find(self, kind, after=0.0, pred=None):
        with self.lock:
            return [(t, w) for t, w in self.events
                    if w and w[0] == kind and t >= after
                    and (pred is None or pred(w))]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def instance(name="VI_1", state="BACKUP", vrid=51, priority=100,
             advert_int=1, version=None, auth=None, vips=(VIP,),
             nopreempt=False, preempt_delay=None, unicast_src=None,
             peers=None, extra=(), iface="eth0"):
    """A vrrp_instance description both node kinds render."""
    return dict(name=name, state=state, vrid=vrid, priority=priority,
                iface=iface,
                advert_int=advert_int, version=version, auth=auth,
                vips=list(vips), nopreempt=nopreempt,
                preempt_delay=preempt_delay, unicast_src=unicast_src,
                peers=peers, extra=list(extra))


def _lines(inst, end):
    out = ["vrrp_instance %s {" % inst["name"],
           "    state %s%s" % (inst["state"], end),
           "    interface %s%s" % (inst["iface"], end),
           "    virtual_router_id %d%s" % (inst["vrid"], end),
           "    priority %d%s" % (inst["priority"], end),
           "    advert_int %s%s" % (inst["advert_int"], end)]
    if inst["version"]:
        out.append("    version %d%s" % (inst["version"], end))
    if inst["auth"]:
        kind, password = inst["auth"]
        out += ["    authentication {",
                "        auth_type %s%s" % (kind, end),
                "        auth_pass %s%s" % (password, end),
                "    }"]
    if inst["nopreempt"]:
        out.append("    nopreempt%s" % end)
    if inst["preempt_delay"] is not None:
        out.append("    preempt_delay %s%s" % (inst["preempt_delay"], end))
    if inst["unicast_src"]:
        out.append("    unicast_src_ip %s%s" % (inst["unicast_src"], end))
    if inst["peers"]:
        out.append("    unicast_peer {")
        out += ["        %s%s" % (p, end) for p in inst["peers"]]
        out.append("    }")
    out.append("    virtual_ipaddress {")
    out += ["        %s%s" % (v, end) for v in inst["vips"]]
    out.append("    }")
    out += ["    %s%s" % (x, "" if x.endswith("}") else end)
            for x in inst["extra"]]
    out.append("}")
    return out


def render_ha(instances, ha_extra=()):
    body = ["    " + l for inst in instances for l in _lines(inst, ";")]
    return "\n".join(["ha {"]
                     + ["    %s%s" % (x, "" if x.endswith("}") else ";")
                        for x in ha_extra]
                     + body + ["}"]) + "\n"


def render_keepalived(instances):
    return "\n".join(l for inst in instances for l in _lines(inst, "")) \
        + "\n"


class PidProc:
    """A process we did not start (a daemon): poll() and wait() by pid."""

    def __init__(self, pid):
        self.pid = pid

    def poll(self):
        try:
            with open("/proc/%d/stat" % self.pid) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return 0
        return 0 if state in ("Z", "X") else None

    def wait(self, timeout=None):
        if not wait_for(lambda: self.poll() is not None, timeout or 3600):
            raise subprocess.TimeoutExpired("pid %d" % self.pid, timeout)
        return 0

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Node:
    """What both node kinds offer the tests."""

    kind = None

    def __init__(self, host, tmp):
        self.host = host
        self.dir = tmp
        self.proc = None
        self.errfile = os.path.join(tmp, "stderr")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def send(self, sig):
        if self.alive():
            os.kill(self.proc.pid, sig)

    def kill(self):
        """SIGKILL to the whole process group: the host is gone, children
        (workers, keepalived's VRRP process) with it."""
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(5)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if not self.alive():
            return
        os.kill(self.proc.pid, sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise AssertionError("%s did not stop on %s"
                                 % (self.kind, signal.Signals(sig).name))

    def has_vip(self, addr=VIP):
        return self.host.has(addr)


class HanxNode(Node):

    kind = "hanx"

    def __init__(self, host, tmp, instances, ha_extra=(), raw_ha=None,
                 daemon=False):
        super().__init__(host, tmp)
        self.daemon = daemon
        self.prefix = tmp + "/"
        for d in ("conf", "logs"):
            os.makedirs(os.path.join(tmp, d), exist_ok=True)
        self.conf = os.path.join(tmp, "conf", "hanx.conf")
        self.write(instances, ha_extra, raw_ha)

    def write(self, instances, ha_extra=(), raw_ha=None):
        ha = raw_ha if raw_ha is not None else render_ha(instances, ha_extra)
        with open(self.conf, "w") as f:
            f.write("daemon %s;\n" % ("on" if self.daemon else "off")
                    + "worker_processes 1;\n"
                    "error_log logs/error.log info;\n"
                    "pid logs/hanx.pid;\n"
                    "events { }\n" + ha)

    def start(self):
        self.err = open(self.errfile, "a")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.host.ns, hanx_binary(), "-p",
             self.prefix], stdout=self.err, stderr=self.err,
            stdin=subprocess.DEVNULL, start_new_session=True)
        if self.daemon:
            # the foreground process exits once the daemon has forked
            self.proc.wait(10)
            assert self.proc.returncode == 0, self.stderr()
            assert wait_for(lambda: self.pid() is not None, 5)
            self.proc = PidProc(self.pid())
        assert wait_for(lambda: "start worker process" in self.log()
                        or not self.alive(), 10), "hanx did not start"
        assert self.alive(), "hanx exited:\n" + self.stderr()
        return self

    def test_config(self):
        """hanx -t in the node's namespace: (exit status, output)."""
        r = run("ip", "netns", "exec", self.host.ns, hanx_binary(), "-p",
                self.prefix, "-t", check=False)
        return r.returncode, r.stdout + r.stderr

    def reload(self):
        r = run(hanx_binary(), "-p", self.prefix, "-s", "reload",
                check=False)
        assert r.returncode == 0, r.stdout + r.stderr
        return r

    def pid(self):
        """The master in the pid file (a new binary after an upgrade)."""
        try:
            with open(os.path.join(self.dir, "logs", "hanx.pid")) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self, sig=signal.SIGTERM, timeout=10):
        super().stop(sig, timeout)

        # a master started by an upgrade is not our child: find it
        pid = self.pid()
        if pid is None or (self.proc and pid == self.proc.pid):
            return
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        if not wait_for(lambda: not os.path.exists("/proc/%d" % pid),
                        timeout):
            os.kill(pid, signal.SIGKILL)

    def log(self):
        try:
            with open(os.path.join(self.dir, "logs", "error.log"),
                      errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stderr(self):
        try:
            with open(self.errfile) as f:
                return f.read()
        except OSError:
            return ""

    def state(self, name="VI_1"):
        try:
            with open(os.path.join(self.dir, "logs", "vrrp.state")) as f:
                for line in f:
                    w = line.split()
                    if w and w[0] == name:
                        return w[1]
        except OSError:
            pass
        return None

    def check(self):
        bad = BAD_LOG_RE.findall(self.log())
        assert not bad, "hanx logged:\n" + "\n".join(bad)
        reports = sanitizer_reports(self.stderr())
        assert not reports, "sanitizer:\n" + reports


class KeepalivedNode(Node):

    kind = "keepalived"

    def __init__(self, host, tmp, instances, ha_extra=(), raw_ha=None):
        super().__init__(host, tmp)
        self.conf = os.path.join(tmp, "keepalived.conf")
        self.write(instances, raw=raw_ha)

    def write(self, instances, ha_extra=(), raw=None):
        with open(self.conf, "w") as f:
            f.write(raw if raw is not None else render_keepalived(instances))

    def start(self):
        self.err = open(self.errfile, "a")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.host.ns, "keepalived",
             "--dont-fork", "--log-console", "--log-detail", "--vrrp",
             "-f", self.conf,
             "-p", os.path.join(self.dir, "keepalived.pid"),
             "-r", os.path.join(self.dir, "vrrp.pid")],
            stdout=self.err, stderr=self.err, stdin=subprocess.DEVNULL,
            start_new_session=True)
        assert wait_for(lambda: "Entering" in self.log()
                        or not self.alive(), 10), "keepalived did not start"
        assert self.alive(), "keepalived exited:\n" + self.log()
        return self

    def reload(self):
        self.send(signal.SIGHUP)

    def log(self):
        try:
            with open(self.errfile) as f:
                return f.read()
        except OSError:
            return ""

    def stderr(self):
        return ""

    def state(self, name="VI_1"):
        states = re.findall(r"\(%s\) Entering (\w+) STATE" % name,
                            self.log())
        return states[-1] if states else None

    def check(self):
        pass


KINDS = {"hanx": HanxNode, "keepalived": KeepalivedNode}


def need_root():
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root (CAP_NET_ADMIN)")


@pytest.fixture
def segment():
    need_root()
    seg = Segment(hosts=3)
    yield seg
    seg.close()


@pytest.fixture
def nodes(segment):
    """nodes.add(kind, host_index, instances) -> a started-later node;
    every node is stopped and checked at teardown."""
    made = []
    tmps = []

    class Factory:
        def add(self, kind, index, instances, **kw):
            if kind == "keepalived" and shutil.which("keepalived") is None:
                pytest.skip("keepalived is not installed "
                            "(apt-get install keepalived)")
            tmp = tempfile.mkdtemp(prefix="hxha.")
            tmps.append(tmp)
            node = KINDS[kind](segment.hosts[index], tmp, instances, **kw)
            made.append(node)
            return node

    yield Factory()

    errors = []
    for node in made:
        try:
            node.stop()
        except AssertionError as e:
            errors.append(str(e))
        try:
            node.check()
        except AssertionError as e:
            errors.append(str(e))
        if node.proc is not None and getattr(node, "err", None):
            node.err.close()
    keep = os.environ.get("HX_HA_KEEP")
    for tmp in tmps:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    assert not errors, "\n".join(errors)
