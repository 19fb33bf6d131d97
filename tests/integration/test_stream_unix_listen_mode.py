"""A unix-domain stream listener's socket file as nginx leaves it: mode
0666 whatever the umask hanx was started with, owned by the master's
user, so that an unprivileged client can connect; and the same file (same
inode, same mode) after a reload that keeps the listener.

nginx 1.22 checked by hand under `umask 077`: `listen unix:/x/s.sock` in
stream gives "666 root" from `stat -c '%a %U'`, set in the master right
after bind().
"""

import os
import socket
import stat
import subprocess
import sys
import tempfile
import time

import pytest


CONF = """
events { worker_connections 64; }
stream {
    server { listen unix:%s; return "unix %s"; }
}
"""


@pytest.fixture
def sock_dir():
    """A directory everyone may walk into, outside pytest's private tree
    (a worker or client running as nobody must reach the socket)."""
    d = tempfile.mkdtemp(prefix="hx-unix-mode-")
    os.chmod(d, 0o755)
    yield d
    for name in os.listdir(d):
        os.unlink(os.path.join(d, name))
    os.rmdir(d)


def wait_for_file(path, timeout=10):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            pytest.fail("%s never appeared" % path)
        time.sleep(0.05)


def start_under_umask_077(hanx, path, text):
    """Starts hanx with a unix listener on path under umask 077 and waits
    for the socket file; returns its stat."""
    hanx.write_config(CONF % (path, text))
    old = os.umask(0o077)
    try:
        hanx.start(wait_ports=[])
    finally:
        os.umask(old)
    wait_for_file(path)
    return os.stat(path)


def connect_as_nobody(path):
    """What an unprivileged client reads from the socket ("" on
    failure); connecting needs write permission on the file."""
    code = ("import socket,sys\n"
            "s=socket.socket(socket.AF_UNIX)\n"
            "s.settimeout(5)\n"
            "try:\n"
            "    s.connect(sys.argv[1]); print(s.recv(100).decode())\n"
            "except OSError as e:\n"
            "    print('error', e.errno)\n")
    p = subprocess.run([sys.executable, "-c", code, path],
                       capture_output=True, text=True, timeout=20,
                       user="nobody", group="nogroup")
    return p.stdout.strip()


def test_socket_is_0666_and_reachable_by_anyone(hanx, sock_dir):
    hanx.require("stream")
    if os.geteuid() != 0:
        pytest.skip("needs root to start hanx as root and a client as"
                    " nobody")

    path = os.path.join(sock_dir, "s.sock")
    st = start_under_umask_077(hanx, path, "a")
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o666, oct(st.st_mode)
    assert st.st_uid == 0

    # the worker runs as nobody (the default user under root)
    assert connect_as_nobody(path) == "unix a"

    # a reload keeps the listener: the same file, the same mode
    hanx.write_config(CONF % (path, "b"))
    hanx.reload()
    deadline = time.monotonic() + 10
    while connect_as_nobody(path) != "unix b":
        if time.monotonic() > deadline:
            pytest.fail("the reloaded configuration never answered")
        time.sleep(0.1)

    st2 = os.stat(path)
    assert st2.st_ino == st.st_ino
    assert stat.S_IMODE(st2.st_mode) == 0o666

    assert hanx.stop() == 0
    assert not os.path.exists(path)


def test_unix_listener_as_an_unprivileged_master(hanx, sock_dir):
    """Started by a user who cannot chown: the file is the user's, still
    0666."""
    hanx.require("stream")
    if os.geteuid() == 0:
        pytest.skip("runs hanx as a non-root user; covered above as root")

    path = os.path.join(sock_dir, "s.sock")
    st = start_under_umask_077(hanx, path, "a")
    assert stat.S_IMODE(st.st_mode) == 0o666
    assert st.st_uid == os.geteuid()
