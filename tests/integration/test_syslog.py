"""error_log to syslog: datagrams in the RFC 3164 form nginx sends, the
severity taken from each message's level, beside the default file log."""

import os
import re
import socket

import pytest


CONF = """
error_log syslog:server=127.0.0.1:%(port)d,tag=hanxtest,severity=alert info;
events { worker_connections 64; }
stream {
    server { listen 127.0.0.1:%%%%PORT_8000%%%%; return "ok"; }
}
"""


@pytest.fixture
def receiver():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(5)
    yield s
    s.close()


def test_error_log_lines_reach_syslog(hanx, receiver):
    hanx.require("stream")
    port = receiver.getsockname()[1]
    hanx.write_config(CONF % {"port": port})

    hanx.start()

    lines = []
    while True:
        data = receiver.recv(4096).decode()
        lines.append(data)
        if "start worker process" in data:
            break

    line = [l for l in lines if "start worker process" in l][0]

    # <PRI>Mmm dd hh:mm:ss host tag: the whole hanx line
    m = re.match(r"^<(\d+)>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ "
                 r"hanxtest: \d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[notice\] ",
                 line)
    assert m, line

    # local7 (23), and "notice" (5) from the level: severity= is for
    # access logs only, as in nginx
    assert int(m.group(1)) == 23 * 8 + 5
    assert not line.endswith("\n")

    # a syslog-only error_log keeps the default file log beside it (at
    # "error", as nginx does), so the file exists
    assert os.path.exists(hanx.path(hanx.ERROR_LOG))

    assert hanx.stop() == 0
