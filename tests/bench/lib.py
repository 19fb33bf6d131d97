"""tests/bench/lib.py - what the benchmarks share.

The benchmarks start hanx and Debian's nginx with the same configuration
(conf/http.conf or conf/stream.conf, picked by MODE), each in its own
temporary prefix on a free loopback port, drive them with wrk and print
the figures side by side.  This module holds the pieces every benchmark
needs: the tool check (exit 77 with the apt-get line), the scratch
directory and the clean-up that runs however the script ends, the time
bound, one Server class that starts, reloads, inspects and stops either
binary, a small HTTP probe that learns which worker answered, wrk's
command line and the parsing of its report, and medians and tables.

Python, standard library only: the worker-kill benchmark needs a 5 ms
probe loop with many sockets in flight and precise clocks, which shell
cannot give, and one language for all benchmarks keeps them alike.
"""

import atexit
import os
import re
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time


BENCH = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(BENCH))
APT = "apt-get install wrk nginx-light libnginx-mod-stream"
SKIP = 77

REQUEST = b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"

BAD_LOG_RE = re.compile(r"^.*\[(alert|crit|emerg)\].*$", re.M)


def env_int(name, default):
    """$name as an int, default when unset or empty."""
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def env_float(name, default):
    """$name as a float, default when unset or empty."""
    value = os.environ.get(name, "")
    return float(value) if value.strip() else default


def say(*args):
    print(*args, flush=True)


def skip(why):
    """A tool is missing: says which and how to get it, exits 77."""
    say("bench: %s" % why)
    sys.exit(SKIP)


# ---- tools -----------------------------------------------------------


class Tools:
    """The binaries a run needs: hanx, nginx, wrk, and how nginx gets its
    stream module."""

    def __init__(self):
        hanx = os.environ.get("HANX_BINARY") or os.path.join(TOP, "objs",
                                                             "hanx")
        self.hanx = os.path.abspath(hanx)
        self.nginx = (os.environ.get("NGINX_BINARY") or shutil.which("nginx")
                      or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx",
                                                         os.X_OK) else None))
        self.wrk = os.environ.get("WRK_BINARY") or shutil.which("wrk")
        self.nginx_stream = None        # load_module line, or ""

        missing = []
        if not self.wrk:
            missing.append("wrk")
        if not self.nginx:
            missing.append("nginx")
        if missing:
            skip("%s not found: %s" % (" and ".join(missing), APT))
        if not os.access(self.hanx, os.X_OK):
            skip("%s not found: build it first (./configure && make), or set"
                 " HANX_BINARY" % self.hanx)

    def nginx_stream_line(self):
        """The line nginx's configuration needs for the stream module:
        "" when it is built in, a load_module line when Debian ships it
        as a dynamic module; exits 77 when it is not installed."""
        if self.nginx_stream is not None:
            return self.nginx_stream
        p = subprocess.run([self.nginx, "-V"], capture_output=True,
                           text=True, timeout=10)
        v = p.stdout + p.stderr
        if re.search(r"--with-stream(\s|$)", v):
            self.nginx_stream = ""
            return ""
        m = re.search(r"--modules-path=(\S+)", v)
        where = m.group(1) if m else "/usr/lib/nginx/modules"
        so = os.path.join(where, "ngx_stream_module.so")
        if not os.path.exists(so):
            skip("nginx has no stream module (%s missing): %s" % (so, APT))
        self.nginx_stream = "load_module %s;" % so
        return self.nginx_stream


# ---- the scratch directory, clean-up and the time bound -----------------


class Scratch:
    """One temporary directory per run (mkdtemp), removed at exit unless
    KEEP=1; servers register here so that an exit of any kind (end,
    exception, SIGINT, SIGTERM, the time bound) stops them."""

    def __init__(self, limit):
        self.dir = tempfile.mkdtemp(prefix="hanx-bench.")
        self.servers = []
        self.procs = []
        self.keep = os.environ.get("KEEP", "") not in ("", "0")
        atexit.register(self.cleanup)
        for signo in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signo, self._on_signal)
        signal.signal(signal.SIGALRM, self._on_alarm)
        signal.alarm(int(limit))

    def _on_signal(self, signo, frame):
        say("bench: signal %d, stopping" % signo)
        sys.exit(1)

    def _on_alarm(self, signo, frame):
        say("bench: time limit reached, stopping")
        sys.exit(1)

    def cleanup(self):
        signal.alarm(0)
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for s in self.servers:
            s.stop()
        if self.keep:
            say("bench: kept %s" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def free_port():
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- the probe ---------------------------------------------------------


def parse_response(data):
    """(status, worker pid or None) from a whole response, or None when
    data is not one (no status line, headers or body cut short)."""
    m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    head, sep, body = data.partition(b"\r\n\r\n")
    if not m or not sep:
        return None
    n = re.search(rb"\r\nContent-Length: *(\d+)", head, re.I)
    if n and len(body) < int(n.group(1)):
        return None
    w = re.search(rb"\r\nX-Worker: *(\d+)\r\n", data, re.I)
    return int(m.group(1)), (int(w.group(1)) if w else None)


def ask(port, timeout=1.0):
    """One request on a fresh connection: (status, worker pid), or None
    when the connection fails or the answer is not HTTP."""
    data = b""
    try:
        with socket.create_connection(("127.0.0.1", port),
                                      timeout=timeout) as s:
            s.sendall(REQUEST)
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
    except OSError:
        # a stream return closes without reading the request, so the
        # kernel may answer it with a reset after the whole response
        pass
    return parse_response(data)


class Prober:
    """Fresh connections started every `every` seconds, all in flight at
    once, each sending REQUEST and reading to EOF; poll() drives them
    and returns the (time, worker pid) of the answers that completed."""

    def __init__(self, port, every):
        self.port = port
        self.every = every
        self.sel = selectors.DefaultSelector()
        self.next = 0.0
        self.sent = 0
        self.failed = 0

    def _start(self, now):
        s = socket.socket()
        s.setblocking(False)
        rc = s.connect_ex(("127.0.0.1", self.port))
        if rc not in (0, 115):                  # EINPROGRESS
            s.close()
            self.failed += 1
            return
        self.sel.register(s, selectors.EVENT_WRITE, [b"", False])
        self.sent += 1

    def poll(self, until):
        """Runs until `until` (monotonic); returns the answers seen."""
        answers = []
        while True:
            now = time.monotonic()
            if now >= self.next:
                self._start(now)
                self.next = now + self.every
            wait = min(self.next, until) - time.monotonic()
            for key, mask in self.sel.select(max(wait, 0)):
                self._event(key, answers)
            if time.monotonic() >= until:
                return answers

    def _event(self, key, answers):
        s, state = key.fileobj, key.data
        try:
            if not state[1]:
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    raise OSError("connect")
                s.send(REQUEST)
                state[1] = True
                self.sel.modify(s, selectors.EVENT_READ, state)
                return
            chunk = s.recv(4096)
        except OSError:
            chunk = b""         # a reset after the response: see ask()
        if chunk:
            state[0] += chunk
            return
        self._close(s)
        r = parse_response(state[0])
        if r and r[0] == 200:
            answers.append((time.monotonic(), r[1]))
        else:
            self.failed += 1

    def _close(self, s):
        self.sel.unregister(s)
        s.close()

    def close(self):
        for key in list(self.sel.get_map().values()):
            self._close(key.fileobj)
        self.sel.close()


# ---- servers -----------------------------------------------------------


class Server:
    """hanx or nginx in its own prefix under the scratch directory, with
    conf/<MODE>.conf rendered for it, started in the foreground (daemon
    off) so that the master is our child."""

    CONF = "conf/bench.conf"

    def __init__(self, scratch, tools, kind, mode, workers):
        self.kind = kind
        self.mode = mode
        self.workers_wanted = workers
        self.binary = tools.hanx if kind == "hanx" else tools.nginx
        self.modules = ""
        if kind == "nginx" and mode == "stream":
            self.modules = tools.nginx_stream_line()
        self.prefix = tempfile.mkdtemp(prefix=kind + ".", dir=scratch.dir)
        for d in ("conf", "logs"):
            os.mkdir(os.path.join(self.prefix, d))
        self.port = free_port()
        self.generation = 0
        self.proc = None
        self.known = set()              # every worker pid seen
        scratch.servers.append(self)

    def path(self, name):
        return os.path.join(self.prefix, name)

    def args(self):
        return ["-p", self.prefix + "/", "-c", self.CONF]

    def write_conf(self):
        with open(os.path.join(BENCH, "conf", self.mode + ".conf")) as f:
            text = f.read()
        for k, v in (("MODULES", self.modules),
                     ("WORKERS", str(self.workers_wanted)),
                     ("PORT", str(self.port)),
                     ("GENERATION", str(self.generation))):
            text = text.replace("%%" + k + "%%", v)
        with open(self.path(self.CONF), "w") as f:
            f.write(text)

    def test_conf(self):
        """Runs `-t` on the configuration: (exit status, output)."""
        self.write_conf()
        p = subprocess.run([self.binary] + self.args() + ["-t"],
                           capture_output=True, text=True, timeout=20,
                           cwd=self.prefix)
        return p.returncode, p.stdout + p.stderr

    def start(self, timeout=10):
        """Starts the master and waits until the expected number of
        workers is up and one request is answered with 200; raises
        RuntimeError with the log otherwise."""
        self.write_conf()
        out = open(self.path("logs/stderr"), "ab")
        self.proc = subprocess.Popen([self.binary] + self.args(),
                                     cwd=self.prefix, stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=out,
                                     start_new_session=True)
        out.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if (len(self.workers()) >= self.workers_wanted
                    and self.ask() == 200):
                return self
            time.sleep(0.02)
        raise RuntimeError("%s did not start serving on port %d:\n%s"
                           % (self.kind, self.port, self.log_tail()))

    def ask(self):
        r = ask(self.port)
        return r[0] if r else None

    def workers(self):
        """The master's children (its workers), sorted."""
        if not self.proc or self.proc.poll() is not None:
            return []
        pid = self.proc.pid
        try:
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                found = sorted(int(x) for x in f.read().split())
        except OSError:
            return []
        self.known.update(found)
        return found

    def reload(self):
        """`<binary> -s reload` after rewriting the configuration with a
        new generation number: (exit status, seconds taken, output)."""
        self.generation += 1
        self.write_conf()
        started = time.monotonic()
        try:
            p = subprocess.run([self.binary] + self.args() + ["-s", "reload"],
                               capture_output=True, text=True, timeout=15,
                               cwd=self.prefix)
            rc, out = p.returncode, p.stdout + p.stderr
        except subprocess.TimeoutExpired:
            rc, out = -1, "timed out"
        return rc, time.monotonic() - started, out

    def log(self):
        try:
            with open(self.path("logs/error.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, n=20):
        text = self.log()
        try:
            with open(self.path("logs/stderr"), errors="replace") as f:
                text += f.read()
        except OSError:
            pass
        return "\n".join(text.splitlines()[-n:])

    def bad_log_lines(self, allowed=()):
        """[alert], [crit] and [emerg] lines not matching any of allowed."""
        return [m.group(0) for m in BAD_LOG_RE.finditer(self.log())
                if not any(re.search(a, m.group(0)) for a in allowed)]

    def stop(self):
        """Fast stop (TERM), then KILL for the master and every worker it
        ever had that is still there; safe to call twice."""
        if not self.proc:
            return
        self.workers()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for pid in self.known:
            try:
                with open("/proc/%d/stat" % pid) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid in (1, self.proc.pid):       # orphaned worker of ours
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        self.proc = None


def wait_stopped(pid, timeout=0.2):
    """Waits until process pid is stopped (state T in /proc), at most
    timeout seconds; True when it is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open("/proc/%d/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] in ("T", "t"):
                    return True
        except (OSError, IndexError):
            return False
        time.sleep(0.0002)
    return False


def socket_fds(pid):
    """How many sockets process pid holds open, or None."""
    n = 0
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                if os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith(
                        "socket:"):
                    n += 1
            except OSError:
                pass
    except OSError:
        return None
    return n


# ---- the mode: http when hanx serves it, else stream ---------------------


def pick_mode(scratch, tools):
    """MODE=http or MODE=stream as asked; MODE=auto (the default) takes
    http when `hanx -t` accepts conf/http.conf and a hanx started with it
    answers 200, stream otherwise.  Returns (mode, why)."""
    asked = os.environ.get("MODE", "auto") or "auto"
    if asked in ("http", "stream"):
        return asked, "MODE=%s" % asked
    if asked != "auto":
        skip("MODE must be auto, http or stream, not %r" % asked)
    probe = Server(scratch, tools, "hanx", "http", 1)
    rc, out = probe.test_conf()
    if rc != 0:
        return "stream", "hanx -t refuses http: %s" % out.strip()[-200:]
    try:
        probe.start()
    except RuntimeError as e:
        return "stream", "hanx does not serve http yet (%s)" % \
            str(e).splitlines()[0]
    finally:
        probe.stop()
    return "http", "hanx serves http"


# ---- wrk ---------------------------------------------------------------


class Wrk:
    """One wrk run in the background against a server's port."""

    def __init__(self, scratch, tools, port, seconds, connections, threads,
                 keepalive):
        args = [tools.wrk, "-t", str(threads), "-c", str(connections),
                "-d", "%ds" % seconds, "--timeout", "2s"]
        if not keepalive:
            args += ["-H", "Connection: close"]
        args.append("http://127.0.0.1:%d/" % port)
        self.args = args
        self.seconds = seconds
        self.started = time.monotonic()
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        scratch.procs.append(self.proc)

    def result(self):
        """Waits for wrk and parses its report into a dict: requests,
        connect, read, write, timeout, non2xx, failed, and text."""
        out, _ = self.proc.communicate(timeout=self.seconds + 30)
        return parse_wrk(out)


def parse_wrk(text):
    r = {"text": text, "requests": None, "connect": 0, "read": 0,
         "write": 0, "timeout": 0, "non2xx": 0}
    m = re.search(r"(\d+) requests in ", text)
    if m:
        r["requests"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+),"
                  r" timeout (\d+)", text)
    if m:
        for k, v in zip(("connect", "read", "write", "timeout"), m.groups()):
            r[k] = int(v)
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        r["non2xx"] = int(m.group(1))
    r["failed"] = (r["connect"] + r["read"] + r["write"] + r["timeout"]
                   + r["non2xx"])
    return r


def errors_text(r):
    return ("connect %d, read %d, write %d, timeout %d, non-2xx %d"
            % (r["connect"], r["read"], r["write"], r["timeout"],
               r["non2xx"]))


# ---- figures -----------------------------------------------------------


def order(round_no):
    """Which server goes first in a round: alternates, so that neither
    always runs on a machine warmed (or tired) by the other."""
    return ("hanx", "nginx") if round_no % 2 == 0 else ("nginx", "hanx")


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=0):
    if v is None:
        return "-"
    if isinstance(v, float) and digits:
        return "%.*f" % (digits, v)
    return "%d" % round(v)


def table(header, rows):
    """Prints rows (lists of strings) under header, columns aligned."""
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    for row in [header] + rows:
        say("  ".join(str(x).rjust(w) if i else str(x).ljust(w)
                      for i, (x, w) in enumerate(zip(row, widths))))


def ratio(a, b):
    if a is None or not b:
        return "-"
    return "%.2f" % (a / b)
