"""A unix-domain listener: served while running, its socket file removed
when the master stops (nginx does the same)."""

import os
import socket
import time


def test_unix_socket_served_and_removed_at_exit(hanx):
    hanx.require("stream")
    path = hanx.path("logs/hanx.sock")
    hanx.write_config("""
events { worker_connections 64; }
user root;
stream {
    server { listen unix:%s; return "unix"; }
}
""" % path)

    hanx.start(wait_ports=[])

    deadline = time.monotonic() + 10
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)

    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    assert s.recv(100) == b"unix"
    s.close()

    assert hanx.stop() == 0
    assert not os.path.exists(path)
