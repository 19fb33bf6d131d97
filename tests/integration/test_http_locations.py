"""Location matching in nginx's order: "=" ends the search, the longest
prefix wins, "^~" keeps regexes out, regexes are tried in file order and
beat prefixes, nested locations refine their parent, named locations are
reached only internally, and "internal" ones are not reachable from
outside.
"""

import pytest

from test_http_client import http_config, get


CONF = """
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        server_name localhost;

        location / { return 200 "root"; }
        location = / { return 200 "exact root"; }
        location /a { return 200 "prefix a"; }
        location /a/b { return 200 "prefix a/b"; }
        location = /a/b { return 200 "exact a/b"; }
        location ^~ /static/ { return 200 "noregex static"; }
        location /images/ {
            return 200 "prefix images";

            location ~ \\.gif$ { return 200 "nested gif"; }
        }
        location ~ \\.(jpg|gif)$ { return 200 "regex image"; }
        location ~* \\.PNG$ { return 200 "caseless png"; }
        location ~ ^/order { return 200 "first regex"; }
        location ~ ^/ord { return 200 "second regex"; }
        location /captures/ {
            location ~ ^/captures/(?<name>\\w+)/(\\d+)$ {
                return 200 "name=$name num=$2";
            }
        }
        location /hidden/ {
            internal;
            return 200 "hidden";
        }
        location /to-hidden {
            error_page 404 /hidden/x;
            return 404;
        }
        location /to-named {
            error_page 404 = @fallback;
            return 404;
        }
        location @fallback { return 200 "named via $uri"; }
        location /dir/ { return 200 "dir"; }
    }
"""


@pytest.fixture
def loc(hanx):
    hanx.write_config(http_config(CONF))
    hanx.start()
    return hanx


@pytest.mark.parametrize("uri, body", [
    ("/", "exact root"),
    ("/x", "root"),
    ("/a", "prefix a"),
    ("/abc", "prefix a"),
    ("/a/b", "exact a/b"),
    ("/a/bc", "prefix a/b"),
    ("/a/b/c", "prefix a/b"),
    ("/static/x.gif", "noregex static"),
    ("/images/x.gif", "nested gif"),
    ("/images/x.jpg", "regex image"),
    ("/images/x.txt", "prefix images"),
    ("/other/x.gif", "regex image"),
    ("/x.png", "caseless png"),
    ("/ordering", "first regex"),
    ("/captures/abc/42", "name=abc num=42"),
])
def test_the_nginx_search_order(loc, uri, body):
    r = get(loc.port(), uri)

    assert r.status == 200, r
    assert r.body == body.encode()


def test_internal_location_is_404_from_outside(loc):
    assert get(loc.port(), "/hidden/x").status == 404


def test_internal_location_is_reached_by_error_page(loc):
    r = get(loc.port(), "/to-hidden")

    assert r.status == 404
    assert r.body == b"hidden"


def test_named_location_by_error_page_keeps_the_uri(loc):
    r = get(loc.port(), "/to-named")

    assert r.status == 200
    assert r.body == b"named via /to-named"


def test_named_location_is_not_a_uri(loc):
    assert get(loc.port(), "/@fallback").body == b"root"


def test_duplicate_location_is_a_config_error(hanx):
    hanx.write_config(http_config("""
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        location /x { }
        location /x { }
    }
"""))
    res = hanx.test_config()

    assert res.returncode == 1
    assert 'duplicate location "/x"' in res.stderr


def test_location_outside_its_parent_is_a_config_error(hanx):
    hanx.write_config(http_config("""
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        location /a/ {
            location /b/ { }
        }
    }
"""))
    res = hanx.test_config()

    assert res.returncode == 1
    assert 'location "/b/" is outside location "/a/"' in res.stderr
