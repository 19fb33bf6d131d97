"""proxy_pass against backends this test runs: the URI and header rules,
the errors nginx answers (502, 504), responses a backend frames badly,
chunked and unbuffered bodies, keep-alive connections to backends, the
temp file under a slow client, interim responses, fail-over with the
$upstream_* variables, and WebSocket tunnelling.
"""

import hashlib
import os
import socket
import time

import pytest

from proxy_backends import Backend, RawBackend, answer, backend_of
from test_http_client import Connection, get, http_config
from test_http_client import raw as raw_request


CONF = """
    log_format up '$uri $status "$upstream_addr" "$upstream_status" '
                  '$upstream_response_length';

    log_format trailers '$uri "$upstream_trailer_x_trailer" '
                        '"$upstream_trailer_x_secret"';

    proxy_set_header X-From-Http yes;

    upstream pool {
        server 127.0.0.1:%%PORT_8081%%;
        server 127.0.0.1:%%PORT_8082%%;
        keepalive 8;
    }

    upstream failing {
        server 127.0.0.1:%%PORT_8083%%;
        server 127.0.0.1:%%PORT_8081%%;
    }

    upstream raw {
        server 127.0.0.1:%%PORT_8084%%;
        keepalive 4;
    }

    server {
        listen 127.0.0.1:%%PORT_8080%%;
        server_name localhost;

        access_log logs/up.log up;
        proxy_read_timeout 2s;

        location / {
            proxy_pass http://pool;
        }

        location /prefix/ {
            proxy_pass http://127.0.0.1:%%PORT_8081%%/other/;
        }

        location ~ ^/re/(.*)$ {
            proxy_pass http://127.0.0.1:%%PORT_8081%%/captured/$1$is_args$args;
        }

        location /own-headers/ {
            proxy_pass http://127.0.0.1:%%PORT_8081%%;
            proxy_set_header X-Own 1;
            proxy_set_header User-Agent "";
            proxy_set_header Host backend.example;
        }

        location /nobody/ {
            proxy_pass http://127.0.0.1:%%PORT_8085%%;
        }

        location /failover/ {
            proxy_pass http://failing;
        }

        location /raw/ {
            proxy_pass http://raw;
        }

        location /raw-unbuffered/ {
            proxy_buffering off;
            proxy_pass http://raw;
        }

        location /raw-noretry/ {
            proxy_next_upstream off;
            proxy_pass http://raw;
        }

        location /trailers/ {
            proxy_pass_trailers on;
            proxy_hide_header X-Secret;
            access_log logs/trailers.log trailers;
            proxy_pass http://raw;
        }

        location /trailers-unbuffered/ {
            proxy_pass_trailers on;
            proxy_hide_header X-Secret;
            proxy_buffering off;
            access_log logs/trailers.log trailers;
            proxy_pass http://raw;
        }

        location /trailers-small/ {
            proxy_pass_trailers on;
            proxy_buffer_size 1k;
            proxy_pass http://raw;
        }

        location /small-buffers/ {
            proxy_buffer_size 1k;
            proxy_buffers 4 1k;
            proxy_busy_buffers_size 2k;
            proxy_temp_file_write_size 2k;
            proxy_temp_path %%PREFIX%%/proxy_tmp 1;
            proxy_pass http://raw;
        }

        location /tried/ {
            try_files $uri /fallback-nouri;
        }

        location /fallback-nouri {
            proxy_pass http://127.0.0.1:%%PORT_8081%%;
        }

        location /ws/ {
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_pass http://raw;
        }
    }
"""


def raw_handler(conn, head):
    """What the raw backend does, by the request's path."""
    path = head.split(b" ")[1].decode()

    if path.startswith("/raw/dup-length"):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                     b"Content-Length: 6\r\n\r\nhello!")
        return False

    if path.startswith("/raw/length-and-chunked"):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n"
                     b"5\r\nhello\r\n0\r\n\r\n"
                     b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled")
        return False

    if path.split("/")[-1] == "chunked":
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n"
                     b"0\r\nX-Trailer: t\r\n\r\n")
        return True

    if path.startswith("/trailers"):
        return trailers_handler(conn, path.split("/")[-1])

    if path.startswith("/raw/bad-chunk"):
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"5\r\nhello\r\nzz\r\n")
        return False

    if path.startswith("/raw/interim"):
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n"
                     b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                     b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                     b"X-Final: yes\r\n\r\nfinal")
        return True

    if path.startswith("/raw/keepalive"):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        return True

    if path.startswith("/raw/extra"):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA")
        return True

    if path.startswith("/raw/hang") or path.startswith("/raw-noretry/hang"):
        time.sleep(4)
        return False

    if path.startswith("/raw-unbuffered/slow"):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nfirst")
        time.sleep(1.5)
        conn.sendall(b"later")
        return False

    if path.startswith("/small-buffers/big"):
        body = bytes(range(256)) * 4096 * 16     # 16 MB
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n"
                     % len(body) + body)
        return False

    if path.startswith("/ws/"):
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\n"
                     b"Upgrade: websocket\r\nConnection: upgrade\r\n\r\n")
        data = conn.recv(65536)
        conn.sendall(b"echo:" + data)
        return False

    conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    return True


def trailers_handler(conn, name):
    """Chunked answers with trailer sections, some cut across writes."""
    head = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
            b"Trailer: X-Trailer, X-Secret, X-Other\r\n\r\n"
            b"5\r\nhello\r\n6\r\n world\r\n")

    if name == "split":
        # the trailer section comes in pieces, cut inside lines
        for part in (head + b"0\r\nX-Tra", b"iler: t\r\nX-Secret: s\r",
                     b"\nX-Other:  o \r\n", b"\r\n"):
            conn.sendall(part)
            time.sleep(0.1)
        return True

    if name == "one":
        conn.sendall(head + b"0\r\nX-Trailer: t\r\nX-Secret: s\r\n"
                            b"X-Other: o\r\n\r\n")
        return True

    if name == "none":
        conn.sendall(head + b"0\r\n\r\n")
        return True

    if name == "bad":
        conn.sendall(head + b"0\r\nX Trailer: t\r\n\r\n")
        return False

    if name == "big":
        conn.sendall(head + b"0\r\nX-Trailer: " + b"x" * 2048
                     + b"\r\n\r\n")
        return False

    conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    return True


@pytest.fixture
def proxy(hanx):
    backends = {
        "b1": Backend("b1", hanx.port(8081)),
        "b2": Backend("b2", hanx.port(8082)),
    }
    raw = RawBackend(hanx.port(8084), raw_handler)
    hanx.port(8083)
    hanx.port(8085)

    hanx.write_config(http_config(CONF))
    hanx.start(wait_ports=[hanx.port(8080)])

    yield hanx, backends, raw

    raw.stop()
    for b in backends.values():
        b.kill()


def req11(c, uri, extra=""):
    return c.request("GET %s HTTP/1.1\r\nHost: localhost\r\n%s\r\n"
                     % (uri, extra))


# ---- what is sent

def test_uri_without_uri_part_passes_the_client_uri(proxy):
    hanx, backends, raw = proxy

    r = get(hanx.port(), "/some/%7Epath?a=b&c")
    assert answer(r.body)["path"] == "/some/%7Epath?a=b&c"


def test_uri_part_replaces_the_location_prefix(proxy):
    hanx, backends, raw = proxy

    r = get(hanx.port(), "/prefix/x/y?q=1")
    assert answer(r.body)["path"] == "/other/x/y?q=1"


def test_uri_with_variables_is_sent_as_evaluated(proxy):
    hanx, backends, raw = proxy

    r = get(hanx.port(), "/re/one/two?z=9")
    assert answer(r.body)["path"] == "/captured/one/two?z=9"


def test_try_files_fallback_to_proxy_without_uri_part(proxy):
    # the fallback is an internal redirect: the backend sees the new URI
    # (this once read a NULL location prefix: UBSan stopped the worker)
    hanx, backends, raw = proxy

    r = get(hanx.port(), "/tried/notfound")
    assert r.status == 200
    assert answer(r.body)["path"] == "/fallback-nouri"


def test_default_headers(proxy):
    hanx, backends, raw = proxy

    r = get(hanx.port(), "/h", host="example.com",
            headers={"X-Client": "c", "Connection": "keep-alive",
                     "Keep-Alive": "300", "TE": "trailers"})
    h = answer(r.body)["headers"]

    assert h["Host"] in ("pool", "127.0.0.1:%d" % hanx.port(8081))
    assert h["X-Client"] == "c"
    assert h["X-From-Http"] == "yes"
    for hop in ("Connection", "Keep-Alive", "TE"):
        assert hop not in h


def test_location_headers_replace_inherited_ones(proxy):
    hanx, backends, raw = proxy

    r = get(hanx.port(), "/own-headers/", headers={"User-Agent": "ua"})
    h = answer(r.body)["headers"]

    assert h["X-Own"] == "1"
    assert h["Host"] == "backend.example"
    assert "X-From-Http" not in h
    assert "User-Agent" not in h


def test_request_sent_as_http11(proxy):
    hanx, backends, raw = proxy

    get(hanx.port(), "/raw/keepalive")
    assert raw.requests[-1].startswith(b"GET /raw/keepalive HTTP/1.1\r\n")


# ---- errors

def test_no_backend_listening_is_502(proxy):
    hanx, backends, raw = proxy

    r = get(hanx.port(), "/nobody/")

    assert r.status == 502
    hanx.wait_for_log(r"connect\(\) failed \(111: Connection refused\) "
                      r"while connecting to upstream")


def test_read_timeout_is_504(proxy):
    hanx, backends, raw = proxy

    with Connection(hanx.port(), timeout=10) as c:
        start = time.monotonic()
        r = c.request("GET /raw-noretry/hang HTTP/1.0\r\n\r\n")

    assert r.status == 504
    assert 1.5 < time.monotonic() - start < 4
    hanx.wait_for_log(r"upstream timed out")


@pytest.mark.parametrize("path", ["/raw/dup-length",
                                  "/raw/length-and-chunked"])
def test_ambiguous_length_is_502_and_nothing_smuggled(proxy, path):
    hanx, backends, raw = proxy

    with Connection(hanx.port()) as c:
        r = req11(c, path)
        assert r.status == 502
        r = req11(c, "/h")
        assert r.status == 200
        assert b"smuggled" not in r.body
        assert answer(r.body)["path"] == "/h"


def test_invalid_chunked_response_cuts_the_client_connection(proxy):
    hanx, backends, raw = proxy

    with Connection(hanx.port()) as c:
        c.send("GET /raw/bad-chunk HTTP/1.1\r\nHost: x\r\n\r\n")
        assert c.wait_closed()

    hanx.wait_for_log(r"upstream sent invalid chunked response")


# ---- bodies

def test_chunked_response_is_decoded_and_reframed(proxy):
    hanx, backends, raw = proxy

    with Connection(hanx.port()) as c:
        r = req11(c, "/raw/chunked")

    assert r.status == 200
    assert r.body == b"hello world"
    assert r.header("Transfer-Encoding") == "chunked"


@pytest.mark.parametrize("path", ["/raw/chunked",
                                  "/raw-unbuffered/chunked"])
def test_backend_trailers_are_not_passed_on_by_default(proxy, path):
    # as nginx: without proxy_pass_trailers the chunked body ends bare
    hanx, backends, raw_backend = proxy

    out = raw_request(hanx.port(), "GET %s HTTP/1.1\r\nHost: localhost\r\n"
                                   "Connection: close\r\n\r\n" % path)

    assert out.startswith(b"HTTP/1.1 200 ")
    assert b"X-Trailer" not in out
    assert out.endswith(b"\r\n0\r\n\r\n")


@pytest.mark.parametrize("path", ["/trailers/split", "/trailers/one",
                                  "/trailers-unbuffered/split",
                                  "/trailers-unbuffered/one"])
def test_backend_trailers_are_passed_with_proxy_pass_trailers(proxy, path):
    # after the last chunk, less the proxy_hide_header'd field
    hanx, backends, raw_backend = proxy

    out = raw_request(hanx.port(), "GET %s HTTP/1.1\r\nHost: localhost\r\n"
                                   "Connection: close\r\n\r\n" % path)

    head, _, body = out.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"Transfer-Encoding: chunked" in head
    assert b"Content-Length" not in head
    assert body.replace(b"\r\n", b"|").endswith(
        b"|0|X-Trailer: t|X-Other: o||")
    assert b"hello" in body and b"world" in body
    assert b"X-Secret" not in body


def test_passed_trailers_keep_the_backend_connection(proxy):
    hanx, backends, raw_backend = proxy

    with Connection(hanx.port()) as c:
        for _ in range(3):
            r = req11(c, "/trailers/split")
            assert r.status == 200
            assert r.body == b"hello world"

    assert raw_backend.connections == 1


def test_no_trailer_fields_end_the_body_bare(proxy):
    hanx, backends, raw_backend = proxy

    out = raw_request(hanx.port(), "GET /trailers/none HTTP/1.1\r\n"
                                   "Host: x\r\nConnection: close\r\n\r\n")

    assert out.endswith(b"\r\n0\r\n\r\n")


@pytest.mark.parametrize("path", ["/trailers/split",
                                  "/trailers-unbuffered/one"])
def test_http10_client_gets_the_body_without_trailers(proxy, path):
    hanx, backends, raw_backend = proxy

    out = raw_request(hanx.port(), "GET %s HTTP/1.0\r\n\r\n" % path)

    head, _, body = out.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"Transfer-Encoding" not in head
    assert body == b"hello world"


def test_upstream_trailer_variables_are_logged(proxy):
    hanx, backends, raw_backend = proxy

    get(hanx.port(), "/trailers/split")
    get(hanx.port(), "/trailers-unbuffered/one")

    hanx.stop()
    log = hanx.read_file("logs/trailers.log")
    # hidden from the client, still seen by $upstream_trailer_*
    assert '/trailers/split "t" "s"' in log
    assert '/trailers-unbuffered/one "t" "s"' in log


@pytest.mark.parametrize("path,message", [
    ("/trailers/bad", "upstream sent invalid trailer"),
    ("/trailers-unbuffered/bad", "upstream sent invalid trailer"),
    ("/trailers-small/big", "upstream sent too big trailers")])
def test_invalid_trailers_cut_the_client_response(proxy, path, message):
    hanx, backends, raw_backend = proxy

    out = raw_request(hanx.port(), "GET %s HTTP/1.1\r\nHost: x\r\n"
                                   "Connection: close\r\n\r\n" % path)

    # the header may not even have left: nothing is flushed before the end
    assert out == b"" or out.startswith(b"HTTP/1.1 200 ")
    assert not out.endswith(b"\r\n0\r\n\r\n")
    assert b"X-Trailer" not in out.partition(b"\r\n\r\n")[2]
    hanx.wait_for_log(message)


def test_chunked_response_to_http10_client_until_close(proxy):
    hanx, backends, raw = proxy

    r = get(hanx.port(), "/raw/chunked")
    assert r.body == b"hello world"
    assert r.header("Transfer-Encoding") is None


def test_interim_responses_are_dropped(proxy):
    hanx, backends, raw = proxy

    with Connection(hanx.port()) as c:
        r = req11(c, "/raw/interim")

    assert r.status == 200
    assert r.header("X-Final") == "yes"
    assert r.body == b"final"


def test_unbuffered_body_arrives_as_the_backend_sends_it(proxy):
    hanx, backends, raw = proxy

    with Connection(hanx.port(), timeout=5) as c:
        c.send("GET /raw-unbuffered/slow HTTP/1.0\r\n\r\n")
        start = time.monotonic()
        while b"first" not in c.buf:
            assert c._fill()
        first = time.monotonic() - start
        while b"later" not in c.buf:
            assert c._fill()

    assert first < 1


def test_large_response_through_temp_file_to_slow_client(proxy):
    hanx, backends, raw = proxy

    body = bytes(range(256)) * 4096 * 16

    # a small window, so that the kernel cannot take it all for the client
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect(("127.0.0.1", hanx.port()))
    s.sendall(b"GET /small-buffers/big HTTP/1.0\r\n\r\n")

    time.sleep(1)           # the backend is done long before the client

    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()

    head, _, got = data.partition(b"\r\n\r\n")
    assert b" 200 " in head.split(b"\r\n")[0]
    assert hashlib.sha256(got).digest() == hashlib.sha256(body).digest()
    hanx.wait_for_log(r"an upstream response is buffered to a temporary "
                      r"file")


def test_head_request_has_no_body(proxy):
    hanx, backends, raw = proxy

    with Connection(hanx.port()) as c:
        r = c.request("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", head=True)
        assert r.status == 200
        r = req11(c, "/after-head")
        assert answer(r.body)["path"] == "/after-head"


# ---- connections to backends

def test_backend_connections_are_kept_alive(proxy):
    hanx, backends, raw = proxy

    for _ in range(5):
        assert get(hanx.port(), "/raw/keepalive").body == b"ok"

    assert raw.connections == 1


def test_extra_bytes_after_the_body_close_the_backend_connection(proxy):
    hanx, backends, raw = proxy

    assert get(hanx.port(), "/raw/extra").body == b"ok"
    assert get(hanx.port(), "/raw/keepalive").body == b"ok"

    assert raw.connections == 2
    hanx.wait_for_log(r"upstream sent more data than specified")


def test_round_robin_and_upstream_variables(proxy):
    hanx, backends, raw = proxy

    names = [backend_of(get(hanx.port(), "/rr").body) for _ in range(4)]
    assert names.count("b1") == 2 and names.count("b2") == 2


def test_failover_logs_both_attempts(proxy):
    hanx, backends, raw = proxy

    r = get(hanx.port(), "/failover/x")
    assert r.status == 200
    assert backend_of(r.body) == "b1"

    hanx.stop()
    log = hanx.read_file("logs/up.log")
    assert ('/failover/x 200 "127.0.0.1:%d, 127.0.0.1:%d" "502, 200"'
            % (hanx.port(8083), hanx.port(8081))) in log


# ---- tunnels

def test_websocket_upgrade_tunnels_both_ways(proxy):
    hanx, backends, raw = proxy

    with Connection(hanx.port()) as c:
        c.send("GET /ws/chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\n\r\n")
        head = c._read_until(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101 ")
        assert b"Upgrade: websocket" in head
        c.send(b"frame-bytes")
        while b"echo:frame-bytes" not in c.buf:
            assert c._fill()

    req = raw.requests[-1]
    assert b"Upgrade: websocket\r\n" in req
    assert b"Connection: upgrade\r\n" in req
