"""Static files: bodies, HEAD, types, validators, index files, directory
redirects, alias, try_files, errors in nginx's page format, and paths
that try to leave the root.
"""

import os
import re

import pytest

from test_http_client import http_config, get, raw


CONF = """
    include @MIME@;
    default_type application/octet-stream;

    server {
        listen 127.0.0.1:%%PORT_8080%%;
        server_name localhost;
        root %%PREFIX%%/html;

        location / { }

        location /alias/ {
            alias %%PREFIX%%/other/;
        }

        location /tf/ {
            try_files $uri $uri/ /index.html;
        }

        location /tfcode/ {
            try_files $uri =418;
        }

        location /idx/ {
            index first.html second.html;
        }

        location /off/ {
            server_tokens off;
        }

        location /sf/ {
            sendfile on;
            alias %%PREFIX%%/html/;
        }
    }
"""


@pytest.fixture
def static(hanx):
    mime = os.path.join(os.path.dirname(__file__), "..", "..", "conf",
                        "mime.types")
    hanx.write_config(http_config(CONF.replace("@MIME@", os.path.abspath(mime))))
    hanx.write_file("html/index.html", "the index\n")
    hanx.write_file("html/file.txt", "text file\n")
    hanx.write_file("html/pic.PNG", "png?")
    hanx.write_file("html/dir/inner.css", "p {}")
    hanx.write_file("html/idx/second.html", "second\n")
    hanx.write_file("html/big.bin", os.urandom(300000), render=False,
                    mode="wb")
    hanx.write_file("other/aliased.txt", "from alias\n")
    hanx.start()
    return hanx


def test_file_body_length_type_and_validators(static):
    r = get(static.port(), "/file.txt")

    assert r.status == 200
    assert r.body == b"text file\n"
    assert r.header("Content-Length") == "10"
    assert r.header("Content-Type") == "text/plain"
    assert re.match(r'^"[0-9a-f]+-a"$', r.header("ETag"))
    assert r.header("Last-Modified").endswith(" GMT")
    assert r.header("Server").startswith("nginx/")


def test_extension_is_matched_case_insensitively(static):
    assert get(static.port(), "/pic.PNG").header("Content-Type") \
        == "image/png"


def test_unknown_extension_gets_default_type(static):
    static.write_file("html/x.unknownext", "?")
    assert get(static.port(), "/x.unknownext").header("Content-Type") \
        == "application/octet-stream"


def test_head_has_the_headers_but_no_body(static):
    r = get(static.port(), "/file.txt", method="HEAD")

    assert r.status == 200
    assert r.header("Content-Length") == "10"
    assert r.body == b""


def test_large_file_arrives_intact_with_and_without_sendfile(static):
    data = open(static.path("html/big.bin"), "rb").read()

    assert get(static.port(), "/big.bin").body == data
    assert get(static.port(), "/sf/big.bin").body == data


def test_index_file_serves_the_slash(static):
    r = get(static.port(), "/")

    assert r.status == 200
    assert r.body == b"the index\n"


def test_index_takes_the_first_that_exists(static):
    assert get(static.port(), "/idx/").body == b"second\n"


def test_directory_without_slash_redirects(static):
    r = get(static.port(), "/dir?a=1")

    assert r.status == 301
    assert r.header("Location") == \
        "http://localhost:%d/dir/?a=1" % static.port()
    assert b"<center><h1>301 Moved Permanently</h1></center>" in r.body


def test_directory_without_index_is_forbidden(static):
    assert get(static.port(), "/dir/").status == 403


def test_missing_file_is_404_in_nginx_form(static):
    r = get(static.port(), "/nope.html")

    assert r.status == 404
    assert r.header("Content-Type") == "text/html"
    assert r.body == (b"<html>\r\n<head><title>404 Not Found</title></head>"
                      b"\r\n<body>\r\n<center><h1>404 Not Found</h1>"
                      b"</center>\r\n<hr><center>nginx/1.30.0</center>\r\n"
                      b"</body>\r\n</html>\r\n")


def test_server_tokens_off_hides_the_version(static):
    r = get(static.port(), "/off/nope")

    assert r.header("Server") == "nginx"
    assert b"<hr><center>nginx</center>" in r.body


def test_unreadable_file_is_403(static):
    path = static.write_file("html/secret.txt", "no")
    os.chmod(path, 0)
    if os.access(path, os.R_OK):
        pytest.skip("running with permissions that ignore the mode")

    assert get(static.port(), "/secret.txt").status == 403


def test_methods_static_files_do_not_take(static):
    assert get(static.port(), "/file.txt", method="DELETE").status == 405
    assert get(static.port(), "/file.txt", method="POST").status == 405


def test_alias_maps_the_location_prefix(static):
    assert get(static.port(), "/alias/aliased.txt").body == b"from alias\n"


def test_try_files_takes_the_file_or_falls_back(static):
    static.write_file("html/tf/real.txt", "real\n")

    assert get(static.port(), "/tf/real.txt").body == b"real\n"
    assert get(static.port(), "/tf/nothing").body == b"the index\n"


def test_try_files_code(static):
    assert get(static.port(), "/tfcode/none").status == 418


@pytest.mark.parametrize("uri", [
    "/../conf/hanx.conf",
    "/%2e%2e/conf/hanx.conf",
    "/dir/../../conf/hanx.conf",
    "/dir/%2E%2E/%2e%2e/conf/hanx.conf",
    "/..%2fconf/hanx.conf",
])
def test_paths_cannot_leave_the_root(static, uri):
    r = raw(static.port(), "GET %s HTTP/1.0\r\n\r\n" % uri)

    assert b"worker_processes" not in r
    assert r.startswith(b"HTTP/1.1 400") or r.startswith(b"HTTP/1.1 404")


def test_dot_segments_inside_the_root_are_resolved(static):
    assert get(static.port(), "/dir/../file.txt").body == b"text file\n"
    assert get(static.port(), "/./dir/./inner.css").body == b"p {}"
    assert get(static.port(), "//file.txt").body == b"text file\n"
