"""The process model (issue 3): master and workers, signals, reload,
respawn, binary upgrade, privilege drop, graceful and fast stops.

Traffic comes from the stream module's ``return``: a connection gets the
text and is closed.  A "slow" client is one that sets a tiny receive
buffer and does not read a large text, so that the worker must wait for
it with the connection open; that stands for an in-flight request.

The upgrade tests run hanx as a daemon: a master in the foreground
ignores USR2 (as nginx does), since its new binary would outlive the
supervisor that started it.
"""

import os
import pwd
import re
import signal
import socket
import subprocess
import time

import pytest


IS_ROOT = os.geteuid() == 0

BIG = 300000      # bytes of "return" text a slow client leaves unread


def conf(workers=2, text="hello", port="%%PORT_8001%%", main="",
         events="worker_connections 64;", servers=None, daemon=None):
    """A configuration with one stream server returning text."""
    if servers is None:
        servers = ('    server { listen 127.0.0.1:%s sndbuf=8k; '
                   'return "%s"; }\n' % (port, text))
    lines = ["worker_processes %d;" % workers,
             "error_log logs/error.log notice;"]
    if daemon is not None:
        lines.append("daemon %s;" % daemon)
    lines.append(main)
    lines.append("events { %s }" % events)
    lines.append("stream {\n%s}" % servers)
    return "\n".join(lines) + "\n"


def wait_for(what, check, timeout=10, interval=0.02):
    """Polls check() until it returns something true; returns that."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail("timed out waiting for %s" % what)
        time.sleep(interval)


def pid_exists(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (OSError, IndexError):
        return False


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def proc_ids(pid, field):
    """The Uid: or Gid: line of /proc/pid/status as four ints."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return [int(v) for v in line.split()[1:5]]
    return None


def workers_of(h, pid=None):
    """The worker processes of a master (its children titled so)."""
    return [p for p in h.children(pid) if "worker process" in cmdline(p)]


def wait_workers(h, n, pid=None, exclude=(), timeout=10):
    """Waits until the master has exactly n workers, none of them in
    exclude; returns their pids."""
    found = []

    def check():
        w = workers_of(h, pid)
        if len(w) == n and not set(w) & set(exclude):
            found[:] = w
            return True
        return False

    wait_for("%d workers" % n, check, timeout)
    return found


def ask(h, port=None):
    return h.tcp_request(b"", port=port or h.port(8001))


def slow_client(port):
    """A connection whose owner reads nothing yet."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    return s


def read_all(s):
    chunks = []
    while True:
        b = s.recv(65536)
        if not b:
            break
        chunks.append(b)
    s.close()
    return b"".join(chunks)


def count(pattern, text):
    return len(re.findall(pattern, text, re.M))


# ---- start, serve, stop ------------------------------------------------


def test_master_forks_the_workers_and_they_serve(hanx):
    hanx.write_config(conf(workers=3))
    hanx.start()

    workers = wait_workers(hanx, 3)

    assert "hanx: master process" in cmdline(hanx.master_pid)
    for w in workers:
        assert cmdline(w).startswith("hanx: worker process")

    assert ask(hanx) == b"hello"
    assert hanx.pid_from_file() == hanx.master_pid

    log = hanx.error_log()
    assert "start worker processes" in log
    for w in workers:
        assert "start worker process %d" % w in log


def test_quit_stops_gracefully_and_removes_the_pid_file(hanx):
    hanx.write_config(conf())
    hanx.start()
    workers = wait_workers(hanx, 2)

    assert hanx.stop(signal.SIGQUIT) == 0

    assert not os.path.exists(hanx.path("logs/hanx.pid"))
    assert not any(pid_exists(w) for w in workers)

    log = hanx.error_log()
    assert re.search(r"signal 3 \(SIGQUIT\) received from \d+, "
                     r"shutting down", log)
    assert "gracefully shutting down" in log
    for w in workers:
        assert "worker process %d exited with code 0" % w in log
    assert log.rstrip().endswith("exit")


@pytest.mark.parametrize("signo", [signal.SIGTERM, signal.SIGINT])
def test_term_and_int_stop_at_once(hanx, signo):
    hanx.write_config(conf())
    hanx.start()
    workers = wait_workers(hanx, 2)

    started = time.monotonic()
    assert hanx.stop(signo) == 0
    assert time.monotonic() - started < 3

    assert not any(pid_exists(w) for w in workers)
    assert not os.path.exists(hanx.path("logs/hanx.pid"))
    assert re.search(r"signal %d \(SIG(TERM|INT)\) received from \d+, "
                     r"exiting" % signo, hanx.error_log())


def test_s_stop_and_s_quit_use_the_pid_file(hanx):
    hanx.write_config(conf())
    hanx.start()
    wait_workers(hanx, 2)

    r = hanx.run(*hanx.base_args(), "-s", "stop")
    assert r.returncode == 0, r
    assert hanx.wait_exit(5) == 0
    assert "signal 15 (SIGTERM)" in hanx.error_log()


def test_s_without_a_running_master_names_the_pid_file(hanx):
    hanx.write_config(conf())

    r = hanx.run(*hanx.base_args(), "-s", "quit")

    assert r.returncode == 1
    assert re.search(r'hanx: \[error\] open\(\) ".*/logs/hanx.pid" failed '
                     r'\(2: No such file or directory\)', r.stderr), r


def test_s_with_a_bad_pid_file_says_so(hanx):
    hanx.write_config(conf())
    hanx.write_file("logs/hanx.pid", "nonsense\n")

    r = hanx.run(*hanx.base_args(), "-s", "reopen")

    assert r.returncode == 1
    assert re.search(r'invalid PID number "nonsense" in ".*/logs/hanx.pid"',
                     r.stderr), r


def test_graceful_stop_lets_a_slow_connection_finish(hanx):
    big = "x" * BIG
    hanx.write_config(conf(workers=1, text=big))
    hanx.start()
    worker, = wait_workers(hanx, 1)

    client = slow_client(hanx.port(8001))
    time.sleep(0.3)

    hanx.send_signal(signal.SIGQUIT)
    hanx.wait_for_log(r"%d#0: gracefully shutting down" % worker)

    # the worker waits for the client; so does the master
    time.sleep(1)
    assert pid_exists(worker)
    assert hanx.alive()

    # new connections are refused: the listener is closed everywhere
    with pytest.raises(OSError):
        hanx.connect(timeout=1).recv(1)

    assert read_all(client) == big.encode()

    assert hanx.wait_exit(5) == 0
    assert "worker process %d exited with code 0" % worker \
        in hanx.error_log()


def test_worker_shutdown_timeout_bounds_a_graceful_stop(hanx):
    hanx.write_config(conf(workers=1, text="x" * BIG,
                           main="worker_shutdown_timeout 1s;"))
    hanx.start()
    wait_workers(hanx, 1)

    client = slow_client(hanx.port(8001))
    time.sleep(0.3)

    started = time.monotonic()
    hanx.send_signal(signal.SIGQUIT)

    assert hanx.wait_exit(4) == 0
    assert 0.8 < time.monotonic() - started < 4

    data = b""
    try:
        data = read_all(client)
    except OSError:
        pass
    assert len(data) < BIG


# ---- workers dying -----------------------------------------------------


def test_a_killed_worker_is_replaced_and_service_goes_on(hanx):
    hanx.write_config(conf(workers=2))
    hanx.start()
    workers = wait_workers(hanx, 2)
    victim = workers[0]

    hanx.allow_log(r"worker process %d exited on signal 9" % victim)
    hanx.send_signal(signal.SIGKILL, pid=victim)

    now = wait_workers(hanx, 2, exclude=[victim])
    assert workers[1] in now

    for _ in range(20):
        assert ask(hanx) == b"hello"

    log = hanx.error_log()
    assert re.search(r"\[alert\] \d+#0: worker process %d exited on "
                     r"signal 9$" % victim, log, re.M)
    new, = set(now) - set(workers)
    assert "start worker process %d" % new in log


def test_workers_exit_when_the_master_is_killed(hanx):
    """Each worker sees its channel close and leaves: no orphan keeps the
    listening sockets.  The first worker is the case that once failed (it
    kept the master's end of its own channel open)."""
    hanx.write_config(conf(workers=2))
    hanx.start()
    workers = wait_workers(hanx, 2)

    hanx.allow_log(r"the master process is gone, shutting down")
    hanx.send_signal(signal.SIGKILL)

    def running(pid):
        # an exited orphan may linger as a zombie if nothing reaps it
        try:
            with open("/proc/%d/stat" % pid) as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            return False

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not any(running(w) for w in workers):
            break
        time.sleep(0.05)

    assert not any(running(w) for w in workers)


def test_a_worker_told_to_quit_by_a_signal_is_respawned(hanx):
    hanx.write_config(conf(workers=1))
    hanx.start()
    worker, = wait_workers(hanx, 1)

    hanx.send_signal(signal.SIGQUIT, pid=worker)

    wait_workers(hanx, 1, exclude=[worker])
    log = hanx.error_log()
    assert re.search(r"%d#0: signal 3 \(SIGQUIT\) received from \d+, "
                     r"shutting down" % worker, log)
    assert "worker process %d exited with code 0" % worker in log
    assert ask(hanx) == b"hello"


def test_a_worker_dying_at_start_again_and_again_is_backed_off(hanx):
    hanx.write_config(conf(workers=1))
    hanx.start()
    hanx.allow_log(r"worker process \d+ exited on signal 9")

    worker, = wait_workers(hanx, 1)
    time.sleep(1.2)     # the first worker lived: its death is not counted

    gaps = []
    seen = [worker]
    for _ in range(4):
        hanx.send_signal(signal.SIGKILL, pid=seen[-1])
        killed = time.monotonic()
        new, = wait_workers(hanx, 1, exclude=seen, timeout=5)
        gaps.append(time.monotonic() - killed)
        seen.append(new)

    # deaths 2, 3 and 4 happened within a second of the start: each is
    # counted; the waits are 0, 100 ms, 200 ms (the first death is free)
    log = hanx.error_log()
    assert re.search(r"\[warn\] .*worker process %d died 2 times in a row "
                     r"within 1000 ms of starting, respawning it in 100 ms"
                     % seen[2], log), log
    assert re.search(r"worker process %d died 3 times in a row .* "
                     r"respawning it in 200 ms" % seen[3], log), log
    assert gaps[2] >= 0.09
    assert gaps[3] >= 0.19

    # the master is still fine and the last worker serves
    assert ask(hanx) == b"hello"


def test_a_worker_that_cannot_start_is_not_respawned(hanx):
    hanx.write_config(conf(workers=1,
                           main="working_directory /nonexistent/dir;"))
    hanx.allow_log(r'chdir\("/nonexistent/dir"\) failed')
    hanx.allow_log(r"exited with fatal code 2 and cannot be respawned")
    hanx.start(wait_ports=[])

    hanx.wait_for_log(r"worker process \d+ exited with fatal code 2 and "
                      r"cannot be respawned")
    time.sleep(0.3)
    assert workers_of(hanx) == []
    assert hanx.alive()


# ---- reload ------------------------------------------------------------


def test_sighup_reloads_with_new_workers(hanx):
    hanx.write_config(conf(text="one"))
    hanx.start()
    old = wait_workers(hanx, 2)
    assert ask(hanx) == b"one"

    hanx.write_config(conf(text="two", workers=3))
    hanx.reload()

    new = wait_workers(hanx, 3, exclude=old)
    assert ask(hanx) == b"two"

    log = hanx.error_log()
    assert re.search(r"signal 1 \(SIGHUP\) received from \d+, "
                     r"reconfiguring", log)
    assert re.search(r"\[notice\] %d#0: reconfiguring$" % hanx.master_pid,
                     log, re.M)
    for w in old:
        hanx.wait_for_log(r"worker process %d exited with code 0" % w)
    for w in new:
        assert "start worker process %d" % w in log


def test_s_reload_waits_for_the_master_and_succeeds(hanx):
    hanx.write_config(conf(text="one"))
    hanx.start()
    old = wait_workers(hanx, 2)

    hanx.write_config(conf(text="two"))
    r = hanx.run(*hanx.base_args(), "-s", "reload")

    assert r.returncode == 0, r

    # the verdict comes once the new workers run and the old ones are
    # told to stop; an old one may take one more connection meanwhile
    wait_for("the new text", lambda: ask(hanx) == b"two", timeout=2)
    wait_workers(hanx, 2, exclude=old)
    assert ask(hanx) == b"two"


def test_reload_with_a_broken_file_changes_nothing(hanx):
    hanx.write_config(conf(text="one"))
    hanx.start()
    workers = wait_workers(hanx, 2)

    hanx.write_config(conf(text="two") + "bogus_directive;\n")
    hanx.reload()

    hanx.wait_for_log(r'\[emerg\] \d+#0: unknown directive "bogus_directive" '
                      r'in .*hanx.conf:\d+')
    time.sleep(0.3)

    assert sorted(workers_of(hanx)) == sorted(workers)
    assert ask(hanx) == b"one"


def test_s_reload_fails_with_the_masters_error(hanx):
    """The signaller can't see every error: a port another process holds
    is found only when the master binds.  -s reload must report it."""
    hanx.write_config(conf(text="one"))
    hanx.start()
    workers = wait_workers(hanx, 2)

    taken = hanx.port(8002)
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", taken))
    blocker.listen()

    try:
        servers = ('    server { listen 127.0.0.1:%d; return "one"; }\n'
                   '    server { listen 127.0.0.1:%d; return "two"; }\n'
                   % (hanx.port(8001), taken))
        hanx.write_config(conf(servers=servers))

        r = hanx.run(*hanx.base_args(), "-s", "reload", timeout=20)
    finally:
        blocker.close()

    assert r.returncode == 1, r
    assert re.search(r"hanx: \[emerg\] bind\(\) to 127.0.0.1:%d failed "
                     r"\(98: Address already in use\)" % taken, r.stderr), r
    assert "reload of master process %d failed" % hanx.master_pid \
        in r.stderr

    # the master never sleeps between bind() retries on reload: its loop
    # also carries the VRRP adverts
    assert "try again to bind()" not in r.stderr, r

    assert sorted(workers_of(hanx)) == sorted(workers)
    assert ask(hanx) == b"one"


def test_s_reload_of_a_broken_file_fails(hanx):
    hanx.write_config(conf(text="one"))
    hanx.start()
    workers = wait_workers(hanx, 2)

    hanx.write_config(conf(text="two") + "bogus_directive;\n")
    r = hanx.run(*hanx.base_args(), "-s", "reload")

    assert r.returncode == 1, r
    assert 'unknown directive "bogus_directive"' in r.stderr
    assert sorted(workers_of(hanx)) == sorted(workers)
    assert ask(hanx) == b"one"


def test_reload_moves_a_listener(hanx):
    first, second = hanx.port(8001), hanx.port(8002)
    hanx.write_config(conf(port=first))
    hanx.start(wait_ports=[first])
    old = wait_workers(hanx, 2)

    hanx.write_config(conf(port=second, text="moved"))
    r = hanx.run(*hanx.base_args(), "-s", "reload")
    assert r.returncode == 0, r

    hanx.wait_listening([second])
    assert ask(hanx, port=second) == b"moved"

    wait_workers(hanx, 2, exclude=old)
    wait_for("the old port to close", lambda: not _listens(first))

    with pytest.raises(OSError):
        hanx.connect(port=first, timeout=1).recv(1)


def _listens(port):
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if (fields[3] == "0A"
                    and int(fields[1].rsplit(":", 1)[1], 16) == port):
                return True
    return False


def test_reload_keeps_an_unchanged_listener_open(hanx):
    port = hanx.port(8001)
    hanx.write_config(conf(text="a"))
    hanx.start()
    wait_workers(hanx, 2)

    def inode():
        for name in ("/proc/net/tcp",):
            with open(name) as f:
                for line in f:
                    fields = line.split()
                    if (fields[3] == "0A"
                            and int(fields[1].rsplit(":", 1)[1], 16) == port):
                        return fields[9]
        return None

    before = inode()
    hanx.write_config(conf(text="b"))
    assert hanx.run(*hanx.base_args(), "-s", "reload").returncode == 0
    wait_for("the new text", lambda: ask(hanx) == b"b", timeout=2)
    assert inode() == before


# ---- logs --------------------------------------------------------------


def let_workers_reach(path):
    """pytest's temporary directories are private to root; a worker
    running as nobody must be able to walk down to the logs."""
    path = os.path.abspath(path)
    while path not in ("/", "/tmp"):
        mode = os.stat(path).st_mode
        os.chmod(path, mode | 0o011)
        path = os.path.dirname(path)


def test_usr1_reopens_the_logs_as_logrotate_expects(hanx):
    let_workers_reach(hanx.path("logs"))
    hanx.write_config(conf(workers=1))
    hanx.start()
    worker, = wait_workers(hanx, 1)

    os.rename(hanx.path("logs/error.log"), hanx.path("logs/error.log.1"))

    r = hanx.run(*hanx.base_args(), "-s", "reopen")
    assert r.returncode == 0, r

    hanx.wait_for_log(r"%d#0: reopening logs" % worker,
                      name="logs/error.log.1")
    rotated = hanx.read_file("logs/error.log.1")
    assert re.search(r"signal 10 \(SIGUSR1\) received from \d+, reopening",
                     rotated)
    assert "%d#0: reopening logs" % hanx.master_pid in rotated

    assert os.path.exists(hanx.path("logs/error.log"))
    if IS_ROOT:
        # created by the root master for the workers, who write it too
        st = os.stat(hanx.path("logs/error.log"))
        assert st.st_uid == proc_ids(worker, "Uid")[0]

    # the worker writes to the new file now
    hanx.send_signal(signal.SIGQUIT, pid=worker)
    hanx.wait_for_log(r"%d#0: gracefully shutting down" % worker)
    wait_workers(hanx, 1, exclude=[worker])


# ---- privileges --------------------------------------------------------


@pytest.mark.skipif(not IS_ROOT, reason="needs root to change users")
def test_user_drops_the_workers_privileges(hanx):
    nobody = pwd.getpwnam("nobody")
    hanx.write_config(conf(main="user nobody nogroup;"))
    hanx.start()
    workers = wait_workers(hanx, 2)

    for w in workers:
        assert proc_ids(w, "Uid") == [nobody.pw_uid] * 4
        gid = proc_ids(w, "Gid")
        assert gid[0] == gid[1] != 0

    assert proc_ids(hanx.master_pid, "Uid")[0] == 0
    assert ask(hanx) == b"hello"


@pytest.mark.skipif(not IS_ROOT, reason="needs root to change users")
def test_a_root_master_runs_workers_as_nobody_by_default(hanx):
    hanx.write_config(conf(workers=1))
    hanx.start()
    worker, = wait_workers(hanx, 1)

    assert proc_ids(worker, "Uid")[0] == pwd.getpwnam("nobody").pw_uid


# ---- resources ---------------------------------------------------------


def test_running_out_of_worker_connections_is_survived(hanx):
    hanx.write_config(conf(workers=1, text="x" * BIG,
                           events="worker_connections 8;"))
    hanx.allow_log(r"worker_connections are not enough")
    hanx.start()
    worker, = wait_workers(hanx, 1)

    clients = [slow_client(hanx.port(8001)) for _ in range(12)]
    hanx.wait_for_log(r"worker_connections are not enough")

    # every client, the ones queued in the backlog too, gets it all
    for c in clients:
        assert len(read_all(c)) == BIG

    assert pid_exists(worker)
    assert len(ask(hanx)) == BIG


# ---- master_process off ------------------------------------------------


def test_single_process_mode_serves_and_reloads(hanx):
    hanx.write_config(conf(text="one", main="master_process off;"))
    hanx.start()

    assert workers_of(hanx) == []
    assert ask(hanx) == b"one"

    hanx.write_config(conf(text="two", main="master_process off;"))
    r = hanx.run(*hanx.base_args(), "-s", "reload")
    assert r.returncode == 0, r
    assert ask(hanx) == b"two"

    assert hanx.stop() == 0
    assert not os.path.exists(hanx.path("logs/hanx.pid"))


# ---- binary upgrade ----------------------------------------------------


class Daemon:
    """hanx started as a daemon in the hanx fixture's prefix."""

    def __init__(self, h):
        self.h = h

    def start(self):
        h = self.h
        with open(h.path("logs/stderr"), "ab") as err:
            p = subprocess.run([h.binary] + h.base_args(), cwd=h.prefix,
                               stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=err,
                               timeout=10)
        assert p.returncode == 0
        self.wait_pid(lambda pid: True)
        h.wait_listening(list(h.ports.values()))
        return self.pid()

    def pid(self, name="logs/hanx.pid"):
        try:
            return self.h.pid_from_file(name)
        except (OSError, ValueError):
            return None

    def wait_pid(self, accept, name="logs/hanx.pid"):
        return wait_for("pid file %s" % name,
                        lambda: (self.pid(name) if self.pid(name)
                                 and accept(self.pid(name)) else None))

    def signal(self, pid, signo):
        self.h.sent_signals.append((pid, int(signo)))
        os.kill(pid, signo)

    def stop(self, pid):
        if pid and pid_exists(pid):
            self.signal(pid, signal.SIGQUIT)
            wait_for("master %d to exit" % pid, lambda: not pid_exists(pid))


@pytest.fixture
def daemon(hanx):
    d = Daemon(hanx)
    yield d

    # a failed test may leave an old and a new master; stopping one can
    # move the other's pid file, so read both names before stopping any
    pids = {d.pid(name) for name in ("logs/hanx.pid",
                                     "logs/hanx.pid.oldbin")}
    for pid in pids:
        d.stop(pid)
    d.stop(d.pid())


def test_usr2_starts_a_new_binary_on_the_same_sockets(hanx, daemon):
    hanx.write_config(conf(daemon="on"))
    old = daemon.start()
    old_workers = wait_workers(hanx, 2, pid=old)

    daemon.signal(old, signal.SIGUSR2)

    new = daemon.wait_pid(lambda pid: pid != old)
    assert daemon.pid("logs/hanx.pid.oldbin") == old
    wait_workers(hanx, 2, pid=new)
    assert "hanx: master process" in cmdline(new)

    hanx.wait_for_log(r"%d#0: using inherited sockets from \"\d+;\"" % new)
    assert ask(hanx) == b"hello"

    # WINCH: the old workers leave, the old master stays for a rollback
    daemon.signal(old, signal.SIGWINCH)
    wait_for("old workers to exit",
             lambda: not any(pid_exists(w) for w in old_workers))
    assert pid_exists(old)
    for _ in range(10):
        assert ask(hanx) == b"hello"

    # QUIT the old master: the upgrade is done
    daemon.stop(old)
    assert daemon.pid() == new
    assert not os.path.exists(hanx.path("logs/hanx.pid.oldbin"))
    assert ask(hanx) == b"hello"

    log = hanx.error_log()
    assert re.search(r"%d#0: signal 12 \(SIGUSR2\) received from \d+, "
                     r"changing binary" % old, log)
    assert "start new binary process %d" % new in log


def test_upgrade_rollback_brings_the_old_workers_back(hanx, daemon):
    hanx.write_config(conf(daemon="on"))
    old = daemon.start()
    wait_workers(hanx, 2, pid=old)

    daemon.signal(old, signal.SIGUSR2)
    new = daemon.wait_pid(lambda pid: pid != old)
    wait_workers(hanx, 2, pid=new)

    daemon.signal(old, signal.SIGWINCH)
    wait_workers(hanx, 0, pid=old)

    # HUP the old master: workers again, with its configuration
    daemon.signal(old, signal.SIGHUP)
    wait_workers(hanx, 2, pid=old)

    # QUIT the new one: the old pid file name comes back
    daemon.signal(new, signal.SIGQUIT)
    wait_for("the new master to exit", lambda: not pid_exists(new))
    wait_for("the pid file to be restored", lambda: daemon.pid() == old)
    assert not os.path.exists(hanx.path("logs/hanx.pid.oldbin"))

    assert ask(hanx) == b"hello"
    assert "new binary process %d exited with code 0" % new \
        in hanx.error_log()


def test_a_new_binary_that_fails_leaves_the_old_master_in_charge(hanx,
                                                                 daemon):
    hanx.write_config(conf(daemon="on"))
    old = daemon.start()
    workers = wait_workers(hanx, 2, pid=old)

    hanx.write_config(conf(daemon="on") + "bogus_directive;\n")
    daemon.signal(old, signal.SIGUSR2)

    hanx.wait_for_log(r"new binary process \d+ exited with code 1")
    wait_for("the pid file to be restored", lambda: daemon.pid() == old)
    assert not os.path.exists(hanx.path("logs/hanx.pid.oldbin"))

    assert sorted(workers_of(hanx, old)) == sorted(workers)
    assert ask(hanx) == b"hello"

    hanx.write_config(conf(daemon="on"))


def test_usr2_is_ignored_in_the_foreground(hanx):
    hanx.write_config(conf())
    hanx.start()
    workers = wait_workers(hanx, 2)

    hanx.send_signal(signal.SIGUSR2)
    hanx.wait_for_log(r"signal 12 \(SIGUSR2\) received from \d+, ignoring")

    assert not os.path.exists(hanx.path("logs/hanx.pid.oldbin"))
    assert sorted(workers_of(hanx)) == sorted(workers)


def test_winch_is_ignored_in_the_foreground(hanx):
    hanx.write_config(conf())
    hanx.start()
    workers = wait_workers(hanx, 2)

    hanx.send_signal(signal.SIGWINCH)
    hanx.wait_for_log(r"signal 28 \(SIGWINCH\) received from \d+, ignoring")
    time.sleep(0.2)

    assert sorted(workers_of(hanx)) == sorted(workers)
