"""Connections across requests: keep-alive by default for HTTP/1.1 and on
request for 1.0, "Connection: close", keepalive_requests, keepalive_timeout
(and its header), pipelined requests in one packet, request bodies that
are discarded so the next request can be read, 413 and chunked bodies,
and "Expect: 100-continue".
"""

import signal
import socket
import time

import pytest

from test_http_client import http_config, get, raw, Connection


CONF = """
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        server_name localhost;

        keepalive_requests 3;
        client_max_body_size 100;

        location / { return 200 "$request_method $uri $connection_requests"; }
        location /file { }
    }

    server {
        listen 127.0.0.1:%%PORT_8081%%;
        server_name localhost;

        keepalive_timeout 1s 7;

        location / { return 200 "short"; }
    }

    server {
        listen 127.0.0.1:%%PORT_8082%%;
        server_name localhost;

        keepalive_timeout 0;

        location / { return 200 "none"; }
    }
"""


@pytest.fixture
def ka(hanx):
    hanx.write_config(http_config(CONF))
    hanx.write_file("html/file", "static\n")
    hanx.start()
    return hanx


def req(uri="/", extra="", method="GET", version="1.1"):
    return "%s %s HTTP/%s\r\nHost: localhost\r\n%s\r\n" % (method, uri,
                                                          version, extra)


def test_http11_keeps_the_connection(ka):
    with Connection(ka.port()) as c:
        r1 = c.request(req("/one"))
        r2 = c.request(req("/two"))

    assert r1.header("Connection") == "keep-alive"
    assert r1.body == b"GET /one 1"
    assert r2.body == b"GET /two 2"


def test_http10_closes_unless_asked(ka):
    r = raw(ka.port(), req(version="1.0"))
    assert b"Connection: close" in r

    with Connection(ka.port()) as c:
        r = c.request(req(version="1.0", extra="Connection: keep-alive\r\n"))
        assert r.header("Connection") == "keep-alive"
        assert c.request(req(version="1.0")).body == b"GET / 2"


def test_connection_close_is_honoured(ka):
    with Connection(ka.port()) as c:
        r = c.request(req(extra="Connection: close\r\n"))

        assert r.header("Connection") == "close"
        assert c.wait_closed()


def test_keepalive_requests_limits_the_connection(ka):
    with Connection(ka.port()) as c:
        assert c.request(req()).header("Connection") == "keep-alive"
        assert c.request(req()).header("Connection") == "keep-alive"
        r = c.request(req())

        assert r.header("Connection") == "close"
        assert r.body == b"GET / 3"
        assert c.wait_closed()


def test_keepalive_timeout_and_its_header(ka):
    with Connection(ka.port(8081)) as c:
        r = c.request(req())

        assert r.header("Keep-Alive") == "timeout=7"
        start = time.time()
        assert c.wait_closed(timeout=5)
        assert 0.5 < time.time() - start < 4


def test_keepalive_timeout_zero_closes(ka):
    with Connection(ka.port(8082)) as c:
        assert c.request(req()).header("Connection") == "close"
        assert c.wait_closed()


def test_pipelined_requests_in_one_packet(ka):
    with Connection(ka.port()) as c:
        c.send(req("/a") + req("/file", method="HEAD") + req("/c"))
        r1 = c.read_response()
        r2 = c.read_response(head=True)
        r3 = c.read_response()

    assert r1.body == b"GET /a 1"
    assert r2.status == 200 and r2.header("Content-Length") == "7"
    assert r3.body == b"GET /c 3"


def test_discarded_body_then_next_request(ka):
    with Connection(ka.port()) as c:
        c.send(req("/p", extra="Content-Length: 5\r\n", method="POST")
               + "hello" + req("/q"))

        assert c.read_response().body == b"POST /p 1"
        assert c.read_response().body == b"GET /q 2"


def test_discarded_chunked_body_then_next_request(ka):
    with Connection(ka.port()) as c:
        c.send(req("/p", extra="Transfer-Encoding: chunked\r\n",
                   method="POST")
               + "5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\nTrailer: x\r\n\r\n"
               + req("/q"))

        assert c.read_response().body == b"POST /p 1"
        assert c.read_response().body == b"GET /q 2"


def test_body_arriving_slowly_is_discarded(ka):
    with Connection(ka.port()) as c:
        c.send(req("/p", extra="Content-Length: 10\r\n", method="POST"))
        r = c.read_response()
        c.send("01234")
        time.sleep(0.2)
        c.send("56789" + req("/after"))

        assert r.body == b"POST /p 1"
        assert c.read_response().body == b"GET /after 2"


def test_too_large_body_is_413(ka):
    r = raw(ka.port(), req("/p", extra="Content-Length: 101\r\n",
                           method="POST") + "x" * 101)

    assert r.startswith(b"HTTP/1.1 413 ")
    assert b"Connection: close" in r


def test_invalid_chunked_body_is_400(ka):
    r = raw(ka.port(), req("/p", extra="Transfer-Encoding: chunked\r\n",
                           method="POST") + "zz\r\nhello\r\n0\r\n\r\n")

    assert r.startswith(b"HTTP/1.1 200 ") or r.startswith(b"HTTP/1.1 400 ")
    assert b"GET" not in r.split(b"\r\n\r\n", 1)[-1]


def test_expect_100_continue(ka):
    with Connection(ka.port()) as c:
        c.send(req("/p", extra="Content-Length: 4\r\n"
                               "Expect: 100-continue\r\n", method="POST"))
        first = c.read_response()

        assert first.status == 100
        c.send("body")
        assert c.read_response().body == b"POST /p 1"


def test_idle_connections_survive_many_requests(ka):
    socks = []
    for _ in range(50):
        s = socket.create_connection(("127.0.0.1", ka.port()), timeout=5)
        socks.append(s)

    try:
        assert get(ka.port()).status == 200
    finally:
        for s in socks:
            s.close()


def test_keepalive_min_timeout_outlives_a_graceful_shutdown(hanx):
    hanx.write_config(http_config("""
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        keepalive_timeout 30s;
        keepalive_min_timeout 2s;
        location / { return 200 "min"; }
    }

    server {
        listen 127.0.0.1:%%PORT_8081%%;
        keepalive_timeout 30s;
        location / { return 200 "plain"; }
    }
"""))
    hanx.start()

    with Connection(hanx.port()) as racing, \
            Connection(hanx.port()) as quiet, \
            Connection(hanx.port(8081)) as idle:
        assert racing.request(req()).body == b"min"
        assert quiet.request(req()).body == b"min"
        assert idle.request(req()).body == b"plain"

        start = time.time()
        hanx.send_signal(signal.SIGQUIT)

        # an ordinary idle connection is closed by the shutdown at once
        assert idle.wait_closed(timeout=1.5)

        # one within keepalive_min_timeout still serves a request (the
        # last on it, as with any request while shutting down) ...
        r = racing.request(req("/again"))
        assert r.body == b"min"
        assert r.header("Connection") == "close"

        # ... and one left alone is closed when that much time has passed
        assert quiet.wait_closed(timeout=5)
        assert time.time() - start > 1.0

    assert hanx.wait_exit(5) is not None
