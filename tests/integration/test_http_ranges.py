"""Byte ranges and conditional requests on static files: single and
multipart ranges, 416, max_ranges, If-Range, and If-Modified-Since /
If-Unmodified-Since / If-None-Match / If-Match with if_modified_since's
modes.
"""

import email.utils
import os
import re

import pytest

from test_http_client import http_config, get


CONF = """
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        server_name localhost;

        location / { }
        location /one/ { max_ranges 1; alias %%PREFIX%%/html/; }
        location /none/ { max_ranges 0; alias %%PREFIX%%/html/; }
        location /before/ {
            if_modified_since before;
            alias %%PREFIX%%/html/;
        }
        location /ims_off/ {
            if_modified_since off;
            alias %%PREFIX%%/html/;
        }
        location /noetag/ { etag off; alias %%PREFIX%%/html/; }
    }
"""

DATA = b"".join(b"X%03dXXXXXX\n" % i for i in range(100))


@pytest.fixture
def files(hanx):
    hanx.write_config(http_config(CONF))
    hanx.write_file("html/t.txt", DATA, render=False, mode="wb")
    os.utime(hanx.path("html/t.txt"), (1000000000, 1000000000))
    hanx.start()
    return hanx


LM = email.utils.formatdate(1000000000, usegmt=True)


def test_full_response_offers_ranges(files):
    r = get(files.port(), "/t.txt")

    assert r.header("Accept-Ranges") == "bytes"
    assert r.header("Last-Modified") == LM
    assert r.body == DATA


@pytest.mark.parametrize("spec, part", [
    ("bytes=0-9", (0, 9)),
    ("bytes=10-19", (10, 19)),
    ("bytes=-10", (1090, 1099)),
    ("bytes=1090-", (1090, 1099)),
    ("bytes=1095-5000", (1095, 1099)),
])
def test_single_range(files, spec, part):
    r = get(files.port(), "/t.txt", headers={"Range": spec})

    assert r.status == 206
    assert r.header("Content-Range") == "bytes %d-%d/1100" % part
    assert r.body == DATA[part[0]:part[1] + 1]


def test_multipart_ranges(files):
    r = get(files.port(), "/t.txt", headers={"Range": "bytes=0-9,-10"})

    assert r.status == 206
    m = re.match(r"multipart/byteranges; boundary=(\d+)$",
                 r.header("Content-Type"))
    assert m
    boundary = m.group(1).encode()
    assert r.body == (b"\r\n--" + boundary + b"\r\n"
                      b"Content-Type: text/plain\r\n"
                      b"Content-Range: bytes 0-9/1100\r\n\r\n"
                      + DATA[0:10]
                      + b"\r\n--" + boundary + b"\r\n"
                      b"Content-Type: text/plain\r\n"
                      b"Content-Range: bytes 1090-1099/1100\r\n\r\n"
                      + DATA[1090:]
                      + b"\r\n--" + boundary + b"--\r\n")
    assert int(r.header("Content-Length")) == len(r.body)


def test_unsatisfiable_range_is_416(files):
    r = get(files.port(), "/t.txt", headers={"Range": "bytes=2000-3000"})

    assert r.status == 416
    assert r.header("Content-Range") == "bytes */1100"


def test_backwards_range_is_416_and_junk_is_ignored(files):
    r = get(files.port(), "/t.txt", headers={"Range": "bytes=5-1"})
    assert r.status == 416

    r = get(files.port(), "/t.txt", headers={"Range": "items=0-1"})
    assert r.status == 200 and r.body == DATA


def test_max_ranges(files):
    r = get(files.port(), "/one/t.txt", headers={"Range": "bytes=0-1,5-6"})
    assert r.status == 200 and r.body == DATA

    r = get(files.port(), "/none/t.txt", headers={"Range": "bytes=0-1"})
    assert r.status == 200 and r.header("Accept-Ranges") is None


def test_if_range(files):
    etag = get(files.port(), "/t.txt").header("ETag")

    r = get(files.port(), "/t.txt", headers={"Range": "bytes=0-1",
                                             "If-Range": etag})
    assert r.status == 206

    r = get(files.port(), "/t.txt", headers={"Range": "bytes=0-1",
                                             "If-Range": '"other"'})
    assert r.status == 200

    r = get(files.port(), "/t.txt", headers={"Range": "bytes=0-1",
                                             "If-Range": LM})
    assert r.status == 206


def test_if_modified_since(files):
    r = get(files.port(), "/t.txt", headers={"If-Modified-Since": LM})
    assert r.status == 304
    assert r.body == b"" and r.header("Content-Length") is None

    older = email.utils.formatdate(999999999, usegmt=True)
    assert get(files.port(), "/t.txt",
               headers={"If-Modified-Since": older}).status == 200

    newer = email.utils.formatdate(1000000001, usegmt=True)
    assert get(files.port(), "/t.txt",
               headers={"If-Modified-Since": newer}).status == 200
    assert get(files.port(), "/before/t.txt",
               headers={"If-Modified-Since": newer}).status == 304
    assert get(files.port(), "/ims_off/t.txt",
               headers={"If-Modified-Since": LM}).status == 200


def test_if_none_match(files):
    etag = get(files.port(), "/t.txt").header("ETag")

    assert get(files.port(), "/t.txt",
               headers={"If-None-Match": etag}).status == 304
    assert get(files.port(), "/t.txt",
               headers={"If-None-Match": '"a", ' + etag}).status == 304
    assert get(files.port(), "/t.txt",
               headers={"If-None-Match": "W/" + etag}).status == 304
    assert get(files.port(), "/t.txt",
               headers={"If-None-Match": "*"}).status == 304
    assert get(files.port(), "/t.txt",
               headers={"If-None-Match": '"other"'}).status == 200


def test_if_match_and_if_unmodified_since_fail_with_412(files):
    etag = get(files.port(), "/t.txt").header("ETag")

    assert get(files.port(), "/t.txt",
               headers={"If-Match": etag}).status == 200
    assert get(files.port(), "/t.txt",
               headers={"If-Match": '"other"'}).status == 412
    assert get(files.port(), "/t.txt",
               headers={"If-Match": "W/" + etag}).status == 412

    older = email.utils.formatdate(999999999, usegmt=True)
    assert get(files.port(), "/t.txt",
               headers={"If-Unmodified-Since": older}).status == 412
    assert get(files.port(), "/t.txt",
               headers={"If-Unmodified-Since": LM}).status == 200


def test_etag_off(files):
    r = get(files.port(), "/noetag/t.txt")

    assert r.header("ETag") is None
    assert r.header("Last-Modified") == LM
