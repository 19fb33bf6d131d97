"""Request parsing as the server applies it: the status nginx answers for
each kind of bad request, header limits (client_header_buffer_size,
large_client_header_buffers, max_headers), invalid and underscored header
names, and the request smuggling guards.
"""

import pytest

from test_http_client import http_config, get, raw, Connection


CONF = """
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        server_name localhost;

        client_header_buffer_size 1k;
        large_client_header_buffers 2 2k;

        location / {
            return 200 "uri=$uri args=$args x=$http_x_test u=$http_x_under";
        }
    }

    server {
        listen 127.0.0.1:%%PORT_8081%%;
        server_name localhost;

        underscores_in_headers on;
        ignore_invalid_headers off;
        max_headers 5;

        location / { return 200 "u=$http_x_under"; }
    }
"""


@pytest.fixture
def srv(hanx):
    hanx.write_config(http_config(CONF))
    hanx.start()
    return hanx


def status_of(port, request):
    r = raw(port, request)
    return int(r.split(b" ", 2)[1])


@pytest.mark.parametrize("request_, status", [
    ("GET / HTTP/1.0\r\n\r\n", 200),
    ("GET /\r\n", None),                            # HTTP/0.9: no header
    ("get / HTTP/1.0\r\n\r\n", 400),
    ("GET / HTTP/2.0\r\n\r\n", 505),
    ("GET / XTTP/1.0\r\n\r\n", 400),
    ("GET x HTTP/1.0\r\n\r\n", 400),
    ("GET /%zz HTTP/1.0\r\n\r\n", 400),
    ("GET /a%00b HTTP/1.0\r\n\r\n", 400),
    ("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    ("TRACE / HTTP/1.1\r\nHost: a\r\n\r\n", 405),
    ("CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", 405),
    ("GET / HTTP/1.0\r\nContent-Length: x\r\n\r\n", 400),
    ("GET / HTTP/1.0\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
     400),
    ("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    ("GET / HTTP/1.0\r\nBad Header: x\r\n\r\n", 400),
    ("GET / HTTP/1.0\r\n: novalue\r\n\r\n", 400),
])
def test_status_for_request(srv, request_, status):
    r = raw(srv.port(), request_)

    if status is None:
        assert r == b"uri=/ args= x= u="
    else:
        assert int(r.split(b" ", 2)[1]) == status, r


def test_content_length_with_chunked_is_refused(srv):
    r = raw(srv.port(), "POST / HTTP/1.1\r\nHost: a\r\n"
                        "Content-Length: 5\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n"
                        "0\r\n\r\n")

    assert r.startswith(b"HTTP/1.1 400 ")
    assert b"Connection: close" in r


def test_long_uri_uses_a_large_buffer(srv):
    uri = "/" + "a" * 1500

    assert get(srv.port(), uri).body.startswith(b"uri=" + uri.encode())


def test_too_long_uri_is_414(srv):
    assert status_of(srv.port(), "GET /%s HTTP/1.0\r\n\r\n" % ("a" * 3000)) \
        == 414


def test_too_long_header_is_400_header_too_large(srv):
    r = raw(srv.port(), "GET / HTTP/1.0\r\nX-Test: %s\r\n\r\n" % ("b" * 3000))

    assert r.startswith(b"HTTP/1.1 400 ")
    assert b"Request Header Or Cookie Too Large" in r


def test_many_headers_fill_several_buffers(srv):
    headers = "".join("X-H%d: %s\r\n" % (i, "v" * 900) for i in range(2))
    r = raw(srv.port(), "GET / HTTP/1.0\r\n" + headers
            + "X-Test: found\r\n\r\n")

    assert r.endswith(b"x=found u=")


def test_header_split_over_packets(srv):
    with Connection(srv.port()) as c:
        for piece in ["GE", "T /sp", "lit HTTP/1.0\r", "\nX-Te", "st: v",
                      "al\r\n", "\r\n"]:
            c.send(piece)
        r = c.read_response()

    assert r.body == b"uri=/split args= x=val u="


def test_underscore_headers_are_ignored_by_default(srv):
    r = get(srv.port(), headers={"X_Under": "1"})

    assert r.body.endswith(b"u=")


def test_underscore_headers_when_allowed(srv):
    r = get(srv.port(8081), headers={"X_Under": "1"})

    assert r.body == b"u=1"


def test_max_headers(srv):
    few = "".join("X-%d: v\r\n" % i for i in range(5))
    many = "".join("X-%d: v\r\n" % i for i in range(6))

    assert status_of(srv.port(8081), "GET / HTTP/1.0\r\n%s\r\n" % few) == 200
    assert status_of(srv.port(8081), "GET / HTTP/1.0\r\n%s\r\n" % many) \
        == 400


def test_args_and_decoding(srv):
    r = get(srv.port(), "/a%20b/./c/../d?x=%20y")

    assert r.body.startswith(b"uri=/a b/d args=x=%20y")


def test_merge_slashes(srv):
    assert get(srv.port(), "//a///b").body.startswith(b"uri=/a/b ")
