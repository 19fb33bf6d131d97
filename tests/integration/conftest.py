"""The integration harness: objs/hanx as a real process over real sockets.

Shaped like nginx-tests' lib/Test/Nginx.pm.  Each test gets a ``hanx``
fixture, a :class:`Hanx` bound to a fresh temporary prefix with conf/,
logs/ and html/.  The test writes a configuration (``%%PORT_8080%%`` and
the like are replaced by free loopback ports, ``%%PREFIX%%`` by the
prefix), then either runs the binary for its output (``-t``, ``-T``,
``-V``) or starts it in the foreground and talks to it.

At teardown the fixture stops a running hanx (QUIT, then TERM, then
KILL) and fails the test when the error log holds an ``[alert]`` or
``[crit]`` line, when a process "exited on signal" that the test did not
send, when the master died from a signal, or when a sanitizer reported
anything on the binary's standard error.

The binary is $HANX_BINARY, or objs/hanx under the top of the tree.
"""

import os
import re
import signal
import socket
import subprocess
import time

import pytest


TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# what a sanitizer prints when it finds something
SANITIZER_RE = re.compile(
    r"^(==\d+==ERROR: (AddressSanitizer|LeakSanitizer)"
    r"|SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer)"
    r"|.*: runtime error: )", re.M)

# the line that opens a sanitizer report, and everything after it
SANITIZER_START_RE = re.compile(
    r"^(=================================================================\n"
    r"==\d+==ERROR: |.*:\d+:\d+: runtime error: )", re.M)

BAD_LOG_RE = re.compile(r"^.*\[(alert|crit)\].*$", re.M)
SANITIZER_IN_LOG_RE = re.compile(
    r"^.*(?:runtime error: |ERROR: AddressSanitizer|ERROR: LeakSanitizer)"
    r".*$", re.M)
EXITED_ON_SIGNAL_RE = re.compile(
    r"process (\d+) exited on signal (\d+)")


def hanx_binary():
    """The binary under test, as an absolute path."""
    path = os.environ.get("HANX_BINARY") or os.path.join(TOP, "objs", "hanx")
    return os.path.abspath(path)


def build_dir():
    """Where configure wrote hx_auto_config.h for the binary under test:
    $HANX_BUILDDIR, else the binary's directory when it has one, else
    objs/."""
    if os.environ.get("HANX_BUILDDIR"):
        return os.environ["HANX_BUILDDIR"]
    d = os.path.dirname(hanx_binary())
    if os.path.exists(os.path.join(d, "hx_auto_config.h")):
        return d
    return os.path.join(TOP, "objs")


def auto_config():
    """The #defines of objs/hx_auto_config.h as a dict of strings."""
    defines = {}
    path = os.path.join(build_dir(), "hx_auto_config.h")
    try:
        with open(path) as f:
            for line in f:
                m = re.match(r'#define\s+(\w+)\s+(.*)$', line.strip())
                if m:
                    value = m.group(2)
                    if value.startswith('"') and value.endswith('"'):
                        value = value[1:-1]
                    defines[m.group(1)] = value
    except OSError:
        pass
    return defines


def built_modules():
    """Module names listed in objs/hx_modules.c."""
    path = os.path.join(build_dir(), "hx_modules.c")
    try:
        with open(path) as f:
            return set(re.findall(r"&(hx_\w+_module)", f.read()))
    except OSError:
        return set()


def split_sanitizer(text):
    """(text without sanitizer reports, the reports)."""
    m = SANITIZER_START_RE.search(text)
    if not m:
        return text, ""
    return text[:m.start()], text[m.start():]


def free_port(kind=socket.SOCK_STREAM):
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_ports():
    """Local TCP ports in LISTEN state, from /proc/net/tcp{,6}."""
    ports = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] == "0A":
                        ports.add(int(fields[1].rsplit(":", 1)[1], 16))
        except OSError:
            pass
    return ports


class Result:
    """What a run of the binary gave: exit status and output."""

    def __init__(self, args, returncode, stdout, stderr):
        self.args = args
        self.returncode = returncode
        self.stdout = stdout
        self.stderr, self.sanitizer = split_sanitizer(stderr)

    @property
    def stderr_lines(self):
        return self.stderr.splitlines()

    def __repr__(self):
        return ("<hanx %s: exit %s\nstdout: %r\nstderr: %r>"
                % (" ".join(self.args), self.returncode,
                   self.stdout[-2000:], self.stderr[-2000:]))


class Hanx:
    """One hanx under test, in its own prefix."""

    CONF = "conf/hanx.conf"
    ERROR_LOG = "logs/error.log"

    def __init__(self, prefix, binary=None):
        self.binary = binary or hanx_binary()
        self.prefix = str(prefix)
        self.ports = {}
        self.process = None
        self.sent_signals = []          # (pid, signo) the test sent
        self.expected_log = []          # regexes allowed despite alert/crit
        self.sanitizer_reports = []
        self._stderr_path = os.path.join(self.prefix, "logs", "stderr")
        self._stdout_path = os.path.join(self.prefix, "logs", "stdout")

        for d in ("conf", "logs", "html"):
            os.makedirs(os.path.join(self.prefix, d), exist_ok=True)

    # ---- paths and files

    def path(self, name):
        """name made absolute under the prefix."""
        return os.path.join(self.prefix, name)

    @property
    def conf_path(self):
        return self.path(self.CONF)

    def port(self, key=8080):
        """A free port, the same one for the same key within a test."""
        if key not in self.ports:
            taken = set(self.ports.values())
            while True:
                p = free_port()
                if p not in taken:
                    break
            self.ports[key] = p
        return self.ports[key]

    def render(self, text):
        """Replaces %%PORT_n%%, %%PREFIX%% and %%TESTDIR%% in text."""
        text = re.sub(r"%%PORT_(\d+)%%",
                      lambda m: str(self.port(int(m.group(1)))), text)
        text = text.replace("%%PREFIX%%", self.prefix.rstrip("/"))
        text = text.replace("%%TESTDIR%%", self.prefix.rstrip("/"))
        return text

    def write_file(self, name, text, render=True, mode="w"):
        """Writes a file under the prefix (directories created); returns
        its absolute path."""
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if render and isinstance(text, str):
            text = self.render(text)
        with open(path, mode) as f:
            f.write(text)
        return path

    def write_config(self, text, name=None):
        """Writes the main configuration file (conf/hanx.conf)."""
        return self.write_file(name or self.CONF, text)

    def read_file(self, name):
        with open(self.path(name), errors="replace") as f:
            return f.read()

    def error_log(self):
        """The error log's text ("" when there is none yet)."""
        try:
            return self.read_file(self.ERROR_LOG)
        except FileNotFoundError:
            return ""

    # ---- running the binary for its output

    def base_args(self, conf=None, error_log=True):
        args = ["-p", self.prefix + "/", "-c", conf or self.CONF]
        if error_log:
            args += ["-e", self.ERROR_LOG]
        return args

    def run(self, *args, timeout=30, env=None):
        """Runs the binary with exactly args; returns a Result."""
        cmd = [self.binary] + [str(a) for a in args]
        p = subprocess.run(cmd, cwd=self.prefix, capture_output=True,
                           timeout=timeout, env=env, errors="replace")
        r = Result(cmd[1:], p.returncode, p.stdout, p.stderr)
        if r.sanitizer:
            self.sanitizer_reports.append(
                "%s\n%s" % (" ".join(cmd), r.sanitizer))
        return r

    def test_config(self, *extra, conf=None, error_log=True):
        """hanx -t with this prefix, conf and error log, plus extra."""
        return self.run(*(self.base_args(conf, error_log) + ["-t"]
                          + list(extra)))

    # ---- a running hanx

    def start(self, *extra, wait_ports=None, globals_=True, timeout=10):
        """Starts hanx in the foreground (daemon off via -g unless the
        configuration sets daemon itself, or globals_ is false) and waits
        until every port in wait_ports (default: all ports handed out by
        port()) listens.  Returns self."""
        assert self.process is None, "already started"

        args = self.base_args()
        conf_text = ""
        try:
            conf_text = self.read_file(self.CONF)
        except OSError:
            pass
        if globals_ and not re.search(r"^\s*daemon\s", conf_text, re.M):
            args += ["-g", "daemon off;"]
        args += [str(a) for a in extra]

        self._out = open(self._stdout_path, "ab")
        self._err = open(self._stderr_path, "ab")
        self.process = subprocess.Popen([self.binary] + args,
                                        cwd=self.prefix,
                                        stdout=self._out, stderr=self._err,
                                        stdin=subprocess.DEVNULL)

        ports = (list(self.ports.values()) if wait_ports is None
                 else list(wait_ports))
        self.wait_listening(ports, timeout=timeout)
        return self

    def wait_listening(self, ports, timeout=10):
        """Waits until each port is in LISTEN state; fails if hanx exits
        first or the time runs out."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                pytest.fail("hanx exited with %s while starting\n%s"
                            % (self.process.returncode, self.diagnostics()))
            missing = set(ports) - listening_ports()
            if not missing:
                return
            if time.monotonic() > deadline:
                pytest.fail("ports %s not listening after %ss\n%s"
                            % (sorted(missing), timeout, self.diagnostics()))
            time.sleep(0.05)

    @property
    def master_pid(self):
        return self.process.pid if self.process else None

    def pid_from_file(self, name="logs/hanx.pid"):
        return int(self.read_file(name).strip())

    def children(self, pid=None):
        """Pids whose parent is pid (the master by default)."""
        pid = pid or self.master_pid
        kids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % entry) as f:
                    stat = f.read()
            except OSError:
                continue
            # the command may hold spaces and parentheses: split after it
            fields = stat[stat.rfind(")") + 2:].split()
            if int(fields[1]) == pid:
                kids.append(int(entry))
        return sorted(kids)

    def worker_pids(self):
        return self.children()

    def send_signal(self, signo, pid=None):
        """Sends signo to the master (or pid) and remembers it was ours."""
        pid = pid or self.master_pid
        self.sent_signals.append((pid, int(signo)))
        os.kill(pid, signo)

    def reload(self):
        self.send_signal(signal.SIGHUP)

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def wait_exit(self, timeout=10):
        """Waits for the master to exit; returns its status or None."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, signo=signal.SIGQUIT, timeout=10):
        """Stops the master with signo (graceful QUIT by default), then
        TERM and KILL if it lingers; fails the test if it had to be
        forced.  Returns the master's exit status."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.send_signal(signo)
            status = self.wait_exit(timeout)
            if status is None:
                self.send_signal(signal.SIGTERM)
                status = self.wait_exit(5)
                if status is None:
                    self.send_signal(signal.SIGKILL)
                    self.process.wait()
                self._close_output()
                pytest.fail("hanx did not exit within %ss of signal %d\n%s"
                            % (timeout, signo, self.diagnostics()))
        self._close_output()
        return self.process.returncode

    def _close_output(self):
        for f in (getattr(self, "_out", None), getattr(self, "_err", None)):
            if f and not f.closed:
                f.close()

    def stderr(self):
        """What the running (or stopped) hanx wrote on its stderr, without
        sanitizer reports."""
        try:
            with open(self._stderr_path, errors="replace") as f:
                return split_sanitizer(f.read())[0]
        except FileNotFoundError:
            return ""

    def wait_for_log(self, pattern, timeout=5, name=None):
        """Waits until the error log (or name) matches pattern; returns
        the match."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern, re.M)
        while True:
            text = self.read_file(name) if name else self.error_log()
            m = rx.search(text)
            if m:
                return m
            if time.monotonic() > deadline:
                pytest.fail("no /%s/ in %s after %ss\n%s"
                            % (pattern, name or self.ERROR_LOG, timeout,
                               text[-3000:]))
            time.sleep(0.05)

    def allow_log(self, pattern):
        """Lets an [alert]/[crit] line matching pattern pass teardown."""
        self.expected_log.append(re.compile(pattern))

    # ---- clients

    def connect(self, port=None, timeout=5):
        port = port or self.port()
        return socket.create_connection(("127.0.0.1", port), timeout=timeout)

    def tcp_request(self, data, port=None, timeout=5, shutdown=False):
        """Sends data and reads until the peer closes (or timeout);
        returns the bytes read."""
        if isinstance(data, str):
            data = data.encode()
        with self.connect(port, timeout) as s:
            s.sendall(data)
            if shutdown:
                s.shutdown(socket.SHUT_WR)
            chunks = []
            while True:
                try:
                    b = s.recv(65536)
                except socket.timeout:
                    break
                if not b:
                    break
                chunks.append(b)
            return b"".join(chunks)

    def http_get(self, uri="/", port=None, host="localhost", headers=None,
                 timeout=5):
        """An HTTP/1.0 GET; returns the raw response bytes."""
        lines = ["GET %s HTTP/1.0" % uri, "Host: %s" % host]
        for k, v in (headers or {}).items():
            lines.append("%s: %s" % (k, v))
        return self.tcp_request("\r\n".join(lines) + "\r\n\r\n", port,
                                timeout)

    # ---- checks

    def problems(self):
        """What teardown objects to, as a list of strings."""
        found = []

        log = self.error_log()
        sent = {(pid, sig) for pid, sig in self.sent_signals}

        for m in BAD_LOG_RE.finditer(log):
            line = m.group(0)
            if any(rx.search(line) for rx in self.expected_log):
                continue
            killed = EXITED_ON_SIGNAL_RE.search(line)
            if killed and (int(killed.group(1)),
                           int(killed.group(2))) in sent:
                continue        # the test killed it: the alert is due
            found.append("error log: " + line)

        # a process killed by a signal: fine when the test sent it to that
        # process, or sent it to the master which passed it on (notice);
        # anything else is a crash or a stray kill
        to_master = {sig for pid, sig in self.sent_signals
                     if pid == self.master_pid}
        for line in log.splitlines():
            m = EXITED_ON_SIGNAL_RE.search(line)
            if not m:
                continue
            pid, sig = int(m.group(1)), int(m.group(2))
            if (pid, sig) in sent:
                continue
            if sig in to_master and "[notice]" in line:
                continue
            if "[alert]" in line or "[crit]" in line:
                continue        # reported above already
            found.append("error log: %s (not sent by the test)" % line)

        if self.process is not None and self.process.returncode is not None:
            rc = self.process.returncode
            if rc < 0 and (self.master_pid, -rc) not in sent:
                found.append("master died from signal %d" % -rc)

        try:
            with open(self._stderr_path, errors="replace") as f:
                report = split_sanitizer(f.read())[1]
            if report:
                self.sanitizer_reports.append(report)
        except FileNotFoundError:
            pass

        # a worker's stderr is the error log (it is dup'ed there after
        # start), so its sanitizer reports land in the log, not in stderr
        for m in SANITIZER_IN_LOG_RE.finditer(log):
            found.append("sanitizer in error log: " + m.group(0))

        for report in self.sanitizer_reports:
            found.append("sanitizer: " + report[:4000])

        return found

    def diagnostics(self):
        return ("--- stderr:\n%s\n--- error log:\n%s"
                % (self.stderr()[-3000:], self.error_log()[-3000:]))

    # ---- what the build has

    def configure_arguments(self):
        """The words of -V's "configure arguments:" line."""
        for line in self.run("-V").stderr_lines:
            if line.startswith("configure arguments:"):
                return line[len("configure arguments:"):].split()
        return []

    # nginx modules that are off unless configure says --with-...
    NON_DEFAULT = {
        "stream", "http_ssl", "http_v2", "http_v3", "http_realip",
        "http_stub_status", "http_gzip_static", "http_gunzip", "http_sub",
        "http_addition", "http_dav", "http_flv", "http_mp4",
        "http_random_index", "http_secure_link", "http_slice",
        "http_auth_request", "http_degradation", "stream_ssl",
        "stream_realip", "stream_ssl_preread",
    }

    def has_module(self, *names):
        """True when every nginx-style name ("http", "stream", "http_ssl",
        "http_rewrite", ...) is built, judged from -V as nginx-tests'
        has() does: a default module is there unless --without-NAME_module
        says otherwise, a non-default one only with --with-NAME_module."""
        args = set(self.configure_arguments())
        for name in names:
            if name in ("http", "stream", "ha"):
                flag = name
            else:
                flag = name + "_module"
            if name in self.NON_DEFAULT:
                if "--with-" + flag not in args:
                    return False
            elif "--without-" + flag in args:
                return False
        return True

    def require(self, *names):
        """Skips the test unless every module in names is built."""
        if not self.has_module(*names):
            pytest.skip("hanx built without %s" % ", ".join(names))


@pytest.fixture(scope="session")
def binary():
    path = hanx_binary()
    if not os.access(path, os.X_OK):
        pytest.fail("no hanx binary at %s: build it (make) or set "
                    "HANX_BINARY" % path)
    return path


@pytest.fixture
def hanx(tmp_path, binary):
    """A Hanx in a fresh prefix; stopped and checked at teardown."""
    h = Hanx(tmp_path / "prefix", binary)
    yield h

    if h.alive():
        h.stop()
    else:
        h._close_output()

    found = h.problems()
    if found:
        pytest.fail("\n".join(found), pytrace=False)
