"""The rewrite module and error_page: return with codes, text and URLs,
rewrite with last / break / redirect / permanent and captures, if with
its conditions, set, redirect loops, error_page to URIs, named locations
and other codes, and the core variables seen through return.
"""

import pytest

from test_http_client import http_config, get, raw


CONF = """
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        server_name localhost;
        root %%PREFIX%%/html;

        location /ret/code { return 204; }
        location /ret/text { return 201 "created $uri"; }
        location /ret/url { return http://example.com/$arg_to; }
        location /ret/local { return 302 /elsewhere; }

        location /rw/ {
            rewrite ^/rw/last/(.*)$ /show/$1 last;
            rewrite ^/rw/break/(.*)$ /show/$1 break;
            rewrite ^/rw/temp/(.*)$ /to/$1 redirect;
            rewrite ^/rw/perm/(.*)$ /to/$1? permanent;
            rewrite ^/rw/args/(.*)$ /show/x?a=$1 last;
            rewrite ^/rw/goon/(.*)$ /show/$1;
            return 200 "not rewritten $uri";
        }

        location /show/ { return 200 "show $uri args=$args"; }

        location /loop { rewrite ^ /loop last; }

        location /if/ {
            if ($arg_a = "1") { return 200 "eq"; }
            if ($arg_a != "") { return 200 "ne"; }
            if ($http_x_test ~* ^foo(\\d+)$) { return 200 "re $1"; }
            if (!-f $request_filename) { return 200 "no file"; }
            return 200 "file";
        }

        location /set/ {
            set $greeting "hi $arg_name";
            return 200 "$greeting";
        }

        location /ep/ {
            error_page 404 /show/from404;
            error_page 403 =200 @named;
            error_page 500 http://example.com/err;
            location /ep/403 { return 403; }
            location /ep/500 { return 500; }
        }
        location @named { return 200 "named $uri"; }

        location /vars/ {
            return 200 "$request_method|$request_uri|$uri|$args|$is_args|$host|$server_port|$remote_addr|$scheme|$server_protocol|$arg_x|$cookie_c|$http_user_agent|$content_length";
        }
    }
"""


@pytest.fixture
def rw(hanx):
    hanx.write_config(http_config(CONF))
    hanx.write_file("html/if/there", "x")
    hanx.start()
    return hanx


def test_return_code_without_body(rw):
    r = get(rw.port(), "/ret/code")

    assert r.status == 204
    assert r.header("Content-Length") is None


def test_return_text(rw):
    r = get(rw.port(), "/ret/text")

    assert r.status == 201
    assert r.body == b"created /ret/text"


def test_return_url_is_a_302(rw):
    r = get(rw.port(), "/ret/url?to=x")

    assert r.status == 302
    assert r.header("Location") == "http://example.com/x"


def test_local_redirect_is_made_absolute(rw):
    r = get(rw.port(), "/ret/local")

    assert r.header("Location") == "http://localhost:%d/elsewhere" \
        % rw.port()


def test_rewrite_last_searches_again(rw):
    assert get(rw.port(), "/rw/last/abc?q=1").body == b"show /show/abc args=q=1"


def test_rewrite_break_stops_the_module_and_stays(rw):
    rw.write_file("html/show/abc", "a file")

    assert get(rw.port(), "/rw/break/abc").body == b"a file"


def test_rewrite_redirect_and_permanent(rw):
    r = get(rw.port(), "/rw/temp/x?q=1")
    assert r.status == 302
    assert r.header("Location") == "http://localhost:%d/to/x?q=1" % rw.port()

    r = get(rw.port(), "/rw/perm/x?q=1")
    assert r.status == 301
    assert r.header("Location") == "http://localhost:%d/to/x" % rw.port()


def test_rewrite_without_flag_goes_on(rw):
    assert get(rw.port(), "/rw/goon/y").body == b"not rewritten /show/y"


def test_rewrite_with_args(rw):
    assert get(rw.port(), "/rw/args/v?orig=1").body == \
        b"show /show/x args=a=v&orig=1"


def test_rewrite_loop_is_500(rw):
    assert get(rw.port(), "/loop").status == 500
    rw.wait_for_log(r"rewrite or internal redirection cycle")


@pytest.mark.parametrize("uri, headers, body", [
    ("/if/x?a=1", {}, "eq"),
    ("/if/x?a=2", {}, "ne"),
    ("/if/x", {"X-Test": "FOO42"}, "re 42"),
    ("/if/x", {}, "no file"),
    ("/if/there", {}, "file"),
])
def test_if_conditions(rw, uri, headers, body):
    assert get(rw.port(), uri, headers=headers).body == body.encode()


def test_set(rw):
    assert get(rw.port(), "/set/?name=bob").body == b"hi bob"


def test_error_page_to_uri_keeps_the_status(rw):
    r = get(rw.port(), "/ep/nothing")

    assert r.status == 404
    assert r.body == b"show /show/from404 args="


def test_error_page_with_new_code_to_named_location(rw):
    r = get(rw.port(), "/ep/403")

    assert r.status == 200
    assert r.body == b"named /ep/403"


def test_error_page_to_url_redirects(rw):
    r = get(rw.port(), "/ep/500")

    assert r.status == 302
    assert r.header("Location") == "http://example.com/err"


def test_core_variables(rw):
    r = raw(rw.port(), "POST /vars/a%20b?x=1 HTTP/1.0\r\nHost: h.example\r\n"
                       "Cookie: c=cv; d=dv\r\nUser-Agent: ua/1\r\n"
                       "Content-Length: 2\r\n\r\nok")
    body = r.split(b"\r\n\r\n", 1)[1].decode()

    assert body == ("POST|/vars/a%%20b?x=1|/vars/a b|x=1|?|h.example|%d|"
                    "127.0.0.1|http|HTTP/1.0|1|cv|ua/1|2" % rw.port())
