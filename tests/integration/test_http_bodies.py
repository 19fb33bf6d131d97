"""Request bodies as a content handler (here proxy_pass) reads them:
Content-Length and chunked, in memory up to client_body_buffer_size and
in a temporary file beyond it (client_body_temp_path), client_body_in_file_
only and client_body_in_single_buffer, client_max_body_size (413, also for
a chunked body that grows past it), and bodies sent in pieces.
"""

import os
import socket
import time

import pytest

from test_http_client import http_config, Connection


CONF = """
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        client_body_buffer_size 1k;
        client_max_body_size 64k;

        add_header X-Body "$request_body";
        add_header X-Body-File "$request_body_file";
        add_header X-Length "$content_length";

        location / {
            proxy_pass http://127.0.0.1:%%PORT_8081%%;
        }
        location /file {
            client_body_in_file_only clean;
            proxy_pass http://127.0.0.1:%%PORT_8081%%;
        }
        location /single {
            client_body_buffer_size 64k;
            client_body_in_single_buffer on;
            proxy_pass http://127.0.0.1:%%PORT_8081%%;
        }
        location /small {
            client_max_body_size 10;
            proxy_pass http://127.0.0.1:%%PORT_8081%%;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_8081%%;
        location / {
            return 200 "got $content_length $http_transfer_encoding";
        }
    }
"""


@pytest.fixture
def bodies(hanx):
    hanx.write_config(http_config(CONF))
    hanx.start()
    return hanx


def post(uri, body, chunked=False, pieces=1):
    head = "POST %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" % uri
    if chunked:
        data = b""
        step = max(1, len(body) // pieces)
        for i in range(0, len(body), step):
            part = body[i:i + step]
            data += b"%x\r\n" % len(part) + part + b"\r\n"
        data += b"0\r\n\r\n"
        head += "Transfer-Encoding: chunked\r\n\r\n"
    else:
        data = body
        head += "Content-Length: %d\r\n\r\n" % len(body)
    return head.encode(), data


def send(port, uri, body, chunked=False, pieces=1):
    head, data = post(uri, body, chunked, pieces)
    with Connection(port) as c:
        if pieces == 1:
            return c.request(head + data)
        c.send(head)
        step = max(1, len(data) // pieces)
        for i in range(0, len(data), step):
            time.sleep(0.05)
            c.send(data[i:i + step])
        return c.read_response()


@pytest.mark.parametrize("chunked", [False, True])
def test_small_body_in_memory(bodies, chunked):
    r = send(bodies.port(), "/", b"0123456789", chunked)

    assert r.status == 200
    assert r.header("X-Body") == "0123456789"
    assert r.header("X-Body-File") is None
    # the backend gets a Content-Length either way
    assert r.body.startswith(b"got 10")


@pytest.mark.parametrize("chunked", [False, True])
def test_body_beyond_the_buffer_goes_to_a_file(bodies, chunked):
    r = send(bodies.port(), "/", b"x" * 5000, chunked, pieces=5)

    assert r.status == 200
    assert r.header("X-Body") is None
    assert r.header("X-Body-File", "").startswith(
        bodies.path("client_body_temp"))
    assert r.body.startswith(b"got 5000")


def test_client_body_in_file_only_clean_removes_the_file(bodies):
    r = send(bodies.port(), "/file", b"abc")

    path = r.header("X-Body-File")
    assert path and path.startswith(bodies.path("client_body_temp"))
    assert r.body.startswith(b"got 3")
    time.sleep(0.2)
    assert not os.path.exists(path)


def test_single_buffer_holds_a_body_sent_in_pieces(bodies):
    r = send(bodies.port(), "/single", b"y" * 3000, pieces=6)

    assert r.header("X-Body") == "y" * 3000


@pytest.mark.parametrize("chunked", [False, True])
def test_too_large_body_is_413(bodies, chunked):
    r = send(bodies.port(), "/small", b"z" * 11, chunked)

    assert r.status == 413


def test_chunked_body_growing_past_the_limit_is_413(bodies):
    r = send(bodies.port(), "/small", b"z" * 40, chunked=True, pieces=4)

    assert r.status == 413


def test_empty_chunked_body(bodies):
    r = send(bodies.port(), "/", b"", chunked=True)

    assert r.status == 200
    assert r.body.startswith(b"got 0")
