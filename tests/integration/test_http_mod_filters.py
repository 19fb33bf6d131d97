"""Response filters and content modules through a running hanx: gzip
(a body that decompresses to the file, chunked instead of a length, a
weak ETag, Vary, what is left alone), add_header / expires / add_trailer,
and autoindex in its formats.
"""

import gzip
import json
import re

from test_http_client import http_config, get, Connection


BIG = "".join("line %05d of a compressible page\n" % i for i in range(3000))


def start(hanx, body):
    hanx.write_config(http_config(body))
    hanx.write_file("html/index.html", "hello\n")
    hanx.write_file("html/big.html", BIG)
    hanx.write_file("html/style.css", "body { color: red; }\n" * 50)
    hanx.start()


GZIP_CONF = """
    types { text/html html; text/css css; }

    server {
        listen 127.0.0.1:%%PORT_8080%%;
        root %%PREFIX%%/html;
        gzip on;
        gzip_vary on;
        gzip_min_length 100;
        gzip_http_version 1.0;

        location / { }
        location /css/ { alias %%PREFIX%%/html/; gzip_types text/css; }
        location /ret { default_type text/html; return 200 "$arg_text"; }
    }"""


def test_gzip_compresses_a_static_file(hanx):
    start(hanx, GZIP_CONF)

    r = get(hanx.port(), "/big.html", version="1.1",
            headers={"Accept-Encoding": "gzip, deflate"})

    assert r.status == 200
    assert r.header("Content-Encoding") == "gzip"
    assert r.header("Content-Length") is None
    assert r.header("Transfer-Encoding") == "chunked"
    assert r.header("Vary") == "Accept-Encoding"
    assert r.header("ETag", "").startswith("W/")
    assert r.header("Accept-Ranges") is None
    assert len(r.body) < len(BIG) / 4
    assert gzip.decompress(r.body).decode() == BIG


def test_gzip_leaves_some_responses_alone(hanx):
    start(hanx, GZIP_CONF)

    # the client does not ask for it, but learns that it may
    r = get(hanx.port(), "/big.html")
    assert r.header("Content-Encoding") is None
    assert r.header("Vary") == "Accept-Encoding"
    assert r.body.decode() == BIG

    # shorter than gzip_min_length
    r = get(hanx.port(), "/index.html", headers={"Accept-Encoding": "gzip"})
    assert r.header("Content-Encoding") is None
    assert r.body == b"hello\n"

    # a type not in gzip_types (text/html only by default)
    r = get(hanx.port(), "/style.css", headers={"Accept-Encoding": "gzip"})
    assert r.header("Content-Encoding") is None

    # q=0 refuses it
    r = get(hanx.port(), "/big.html",
            headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert r.header("Content-Encoding") is None


def test_gzip_types_and_unknown_lengths(hanx):
    start(hanx, GZIP_CONF)

    r = get(hanx.port(), "/css/style.css", headers={"Accept-Encoding": "gzip"})
    assert r.header("Content-Encoding") == "gzip"
    assert gzip.decompress(r.body) == b"body { color: red; }\n" * 50

    # an HTTP/1.0 client gets the compressed body until the close
    text = "x" * 300
    r = get(hanx.port(), "/ret?text=" + text,
            headers={"Accept-Encoding": "gzip"})
    assert r.header("Content-Encoding") == "gzip"
    assert gzip.decompress(r.body).decode() == text


def test_gzip_keeps_keepalive_responses_apart(hanx):
    start(hanx, GZIP_CONF)

    with Connection(hanx.port()) as c:
        for _ in range(3):
            r = c.request("GET /big.html HTTP/1.1\r\nHost: x\r\n"
                          "Accept-Encoding: gzip\r\n\r\n")
            assert gzip.decompress(r.body).decode() == BIG


HEADERS_CONF = """
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        root %%PREFIX%%/html;

        add_header X-URI $uri;
        add_header X-Always yes always;

        location / { expires 1h; }
        location /epoch { alias %%PREFIX%%/html/; expires epoch; }
        location /neg { alias %%PREFIX%%/html/; expires -1; }
        location /own { alias %%PREFIX%%/html/; add_header X-Own own; }
        location /trailer {
            add_trailer X-Trailer "$uri done";
            return 200 "body";
        }
    }"""


def test_add_header_and_expires(hanx):
    start(hanx, HEADERS_CONF)

    r = get(hanx.port(), "/index.html")
    assert r.header("X-URI") == "/index.html"
    assert r.header("X-Always") == "yes"
    assert r.header("Cache-Control") == "max-age=3600"
    assert re.match(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$",
                    r.header("Expires"))

    r = get(hanx.port(), "/nothing-here")
    assert r.status == 404
    assert r.header("X-URI") is None
    assert r.header("X-Always") == "yes"
    assert r.header("Expires") is None

    r = get(hanx.port(), "/epoch/index.html")
    assert r.header("Expires") == "Thu, 01 Jan 1970 00:00:01 GMT"
    assert r.header("Cache-Control") == "no-cache"

    r = get(hanx.port(), "/neg/index.html")
    assert r.header("Cache-Control") == "no-cache"

    # a level with its own add_header inherits none from above
    r = get(hanx.port(), "/own/index.html")
    assert r.header("X-Own") == "own"
    assert r.header("X-URI") is None


def test_add_trailer_on_a_chunked_response(hanx):
    start(hanx, HEADERS_CONF)

    with Connection(hanx.port()) as c:
        c.send("GET /trailer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while c._fill():
            pass
        data = c.buf

    head, _, body = data.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head
    assert body.endswith(b"0\r\nX-Trailer: /trailer done\r\n\r\n"), body


AUTOINDEX_CONF = """
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        root %%PREFIX%%/html;
        autoindex on;

        location /json/ { alias %%PREFIX%%/html/; autoindex_format json; }
        location /xml/ { alias %%PREFIX%%/html/; autoindex_format xml; }
        location /off/ { alias %%PREFIX%%/html/; autoindex off; }
    }"""


def test_autoindex_formats(hanx):
    hanx.write_file("html/list/sub/x", "")
    hanx.write_file("html/list/a file", "12345")
    hanx.write_file("html/list/<b>", "")
    start(hanx, AUTOINDEX_CONF)

    r = get(hanx.port(), "/list/")
    assert r.status == 200
    assert r.header("Content-Type") == "text/html"
    page = r.body.decode()
    assert "<title>Index of /list/</title>" in page
    assert page.index('href="sub/"') < page.index('href="a%20file"')
    assert '>&lt;b&gt;</a>' in page

    r = get(hanx.port(), "/json/list/")
    assert r.header("Content-Type") == "application/json"
    entries = json.loads(r.body)
    assert [e["name"] for e in entries] == ["sub", "<b>", "a file"]
    assert entries[0]["type"] == "directory"
    assert entries[2]["size"] == 5

    r = get(hanx.port(), "/xml/list/")
    assert r.header("Content-Type") == "text/xml; charset=utf-8"
    assert b'size="5">a file</file>' in r.body

    r = get(hanx.port(), "/off/list/")
    assert r.status == 403
