"""Bulk TCP sessions through the stream proxy, which splices a direction
through a kernel pipe once a read fills its buffer: the bytes arrive
intact both ways and are counted in the variables, the pipe exists while
the session does and is closed with it, and a half-close is passed on
only after what is still in the pipe has been delivered.
"""

import hashlib
import os
import socket
import threading
import time

from test_stream_proxy import TcpBackend, backends, config, \
    stream  # noqa: F401 (fixtures)


MIB = 1024 * 1024


def pattern(n):
    """n bytes that are not all the same (a lost or doubled piece shows)."""
    block = hashlib.sha256(b"hanx").digest() * 2048        # 64 KiB
    return (block * (n // len(block) + 1))[:n]


def pipes(pid):
    """The pipes process pid holds, as {inode: descriptors}."""
    found = {}
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            name = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if name.startswith("pipe:"):
            found[name] = found.get(name, 0) + 1
    return found


def new_pipes(pid, before):
    return {k: v for k, v in pipes(pid).items() if k not in before}


def read_to_end(s):
    """Everything s receives until the other side closes."""
    got = bytearray()
    while True:
        d = s.recv(1 << 20)
        if not d:
            return bytes(got)
        got += d


def proxy_conf(port, extra=""):
    return config("""
    log_format n "$bytes_received $bytes_sent $upstream_bytes_sent "
                 "$upstream_bytes_received";
    server {
        listen 127.0.0.1:%%%%PORT_8080%%%%;
        proxy_pass 127.0.0.1:%d;
        access_log logs/n.log n;
        %s
    }
""" % (port, extra))


def test_bulk_both_ways_arrives_intact_and_is_counted(stream, backends):
    a = backends(TcpBackend, "a")                       # echoes
    # half-close: our end of writing must not end the echo coming back
    stream.write_config(proxy_conf(a.port, "proxy_half_close on;"))
    stream.start()

    total = 24 * MIB
    data = pattern(total)
    s = stream.connect(timeout=20)

    def write():
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)

    t = threading.Thread(target=write, daemon=True)
    t.start()

    got = read_to_end(s)
    t.join(10)
    s.close()

    assert len(got) == total + 2
    assert got[:2] == b"a:"
    assert hashlib.sha256(got[2:]).digest() == hashlib.sha256(data).digest()

    stream.stop()
    fields = stream.read_file("logs/n.log").split()
    assert fields == [str(total), str(total + 2), str(total),
                      str(total + 2)], fields


def test_the_pipe_lives_as_long_as_the_session(stream, backends):
    b = backends(TcpBackend, "b", mode="bulk", size=64 * MIB)
    stream.write_config(proxy_conf(b.port))
    stream.start()

    worker = stream.worker_pids()[0]
    before = pipes(worker)

    s = stream.connect(timeout=10)
    got = 0
    for _ in range(20):
        got += len(s.recv(65536))
        time.sleep(0.01)

    # the download direction splices: one pipe, both ends
    spliced = new_pipes(worker, before)
    assert list(spliced.values()) == [2], spliced

    got += len(read_to_end(s))
    s.close()
    assert got == 64 * MIB

    deadline = time.monotonic() + 5
    while (set(spliced) & set(pipes(worker))
           and time.monotonic() < deadline):
        time.sleep(0.05)
    assert not set(spliced) & set(pipes(worker))


def test_short_sessions_make_no_pipes(stream, backends):
    a = backends(TcpBackend, "a")
    stream.write_config(proxy_conf(a.port, "proxy_half_close on;"))
    stream.start()

    worker = stream.worker_pids()[0]
    before = pipes(worker)

    for _ in range(20):
        with socket.create_connection(("127.0.0.1", stream.port())) as c:
            c.sendall(b"x" * 1000)
            c.shutdown(socket.SHUT_WR)
            assert read_to_end(c) == b"a:" + b"x" * 1000
        assert not new_pipes(worker, before)


def test_a_half_close_waits_for_the_pipe(stream, backends):
    e = backends(TcpBackend, "e", mode="eof")   # answers once we closed
    stream.write_config(proxy_conf(e.port, "proxy_half_close on;"))
    stream.start()

    total = 16 * MIB
    s = stream.connect(timeout=20)
    s.sendall(pattern(total))
    s.shutdown(socket.SHUT_WR)
    got = read_to_end(s)
    s.close()

    assert got == b"got %d" % total
