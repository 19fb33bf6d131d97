"""The charset filter: "; charset=" added to the types of charset_types,
recoding between single-byte charsets (charset_map) and to and from
UTF-8, override_charset, and "charset off".
"""

import pytest

from test_http_client import http_config, get


CONF = """
    charset_map koi8-r utf-8 {
        C1 D0B0;   # a
        C2 D0B1;   # be
    }

    charset_map koi8-r windows-1251 {
        C1 E0;
        C2 E1;
    }

    server {
        listen 127.0.0.1:%%PORT_8080%%;

        location /plain/ {
            alias %%PREFIX%%/html/;
            charset utf-8;
        }
        location /koi/ {
            alias %%PREFIX%%/html/;
            source_charset koi8-r;
            charset utf-8;
        }
        location /win/ {
            alias %%PREFIX%%/html/;
            source_charset koi8-r;
            charset windows-1251;
        }
        location /back/ {
            alias %%PREFIX%%/html/;
            source_charset utf-8;
            charset koi8-r;
        }
        location /off/ {
            alias %%PREFIX%%/html/;
            charset off;
        }
        location /bin/ {
            alias %%PREFIX%%/html/;
            default_type application/octet-stream;
            charset utf-8;
        }
    }
"""


@pytest.fixture
def cs(hanx):
    hanx.write_config(http_config(CONF))
    hanx.write_file("html/koi.html", b"\xc1\xc2!", mode="wb", render=False)
    hanx.write_file("html/utf.html", "\u0430\u0431!".encode(), mode="wb",
                    render=False)
    hanx.write_file("html/x.bin", b"\xc1\xc2", mode="wb", render=False)
    hanx.start()
    return hanx


def test_charset_is_added_to_the_type(cs):
    r = get(cs.port(), "/plain/utf.html")

    assert r.header("Content-Type") == "text/html; charset=utf-8"
    assert r.body == "\u0430\u0431!".encode()


def test_single_byte_to_utf8(cs):
    r = get(cs.port(), "/koi/koi.html")

    assert r.header("Content-Type") == "text/html; charset=utf-8"
    assert r.body == "\u0430\u0431!".encode()
    # the length changes, so it is not sent
    assert r.header("Content-Length") is None


def test_single_byte_to_single_byte(cs):
    r = get(cs.port(), "/win/koi.html")

    assert r.header("Content-Type") == "text/html; charset=windows-1251"
    assert r.body == b"\xe0\xe1!"


def test_utf8_to_single_byte(cs):
    r = get(cs.port(), "/back/utf.html")

    assert r.header("Content-Type") == "text/html; charset=koi8-r"
    assert r.body == b"\xc1\xc2!"


def test_charset_off(cs):
    assert get(cs.port(), "/off/utf.html").header("Content-Type") \
        == "text/html"


def test_types_outside_charset_types_are_left_alone(cs):
    r = get(cs.port(), "/bin/x.bin")

    assert r.header("Content-Type") == "application/octet-stream"
    assert r.body == b"\xc1\xc2"
