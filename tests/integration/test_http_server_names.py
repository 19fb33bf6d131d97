"""Virtual servers: the address decides the candidates, then the Host
name picks among them by nginx's rules (exact, longest leading
wildcard, longest trailing wildcard, first regex), falling back to the
address's default server.
"""

import socket

import pytest

from test_http_client import http_config, get, raw


CONF = """
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        server_name first;
        return 200 "first";
    }

    server {
        listen 127.0.0.1:%%PORT_8080%% default_server;
        server_name default;
        return 200 "default";
    }

    server {
        listen 127.0.0.1:%%PORT_8080%%;
        server_name www.example.com example.com;
        return 200 "exact";
    }

    server {
        listen 127.0.0.1:%%PORT_8080%%;
        server_name *.example.com;
        return 200 "head";
    }

    server {
        listen 127.0.0.1:%%PORT_8080%%;
        server_name *.sub.example.com;
        return 200 "longer head";
    }

    server {
        listen 127.0.0.1:%%PORT_8080%%;
        server_name www.example.*;
        return 200 "tail";
    }

    server {
        listen 127.0.0.1:%%PORT_8080%%;
        server_name ~^(?<user>[a-z]+)\\.users\\.(org|net)$;
        return 200 "regex $user $2";
    }

    server {
        listen 127.0.0.1:%%PORT_8080%%;
        server_name "";
        return 200 "no host";
    }

    server {
        listen 127.0.0.1:%%PORT_8081%%;
        server_name example.com;
        return 200 "other port";
    }
"""


@pytest.fixture
def names(hanx):
    hanx.write_config(http_config(CONF))
    hanx.start()
    return hanx


@pytest.mark.parametrize("host, body", [
    ("example.com", "exact"),
    ("EXAMPLE.com", "exact"),
    ("example.com.", "exact"),
    ("example.com:1234", "exact"),
    ("www.example.com", "exact"),
    ("a.example.com", "head"),
    ("a.b.example.com", "head"),
    ("x.sub.example.com", "longer head"),
    ("www.example.org", "tail"),
    ("alice.users.org", "regex alice org"),
    ("nobody.invalid", "default"),
])
def test_host_selects_the_server(names, host, body):
    assert get(names.port(), host=host).body == body.encode()


def test_request_without_host_gets_the_empty_name(names):
    assert get(names.port(), host=None).body == b"no host"


def test_absolute_uri_wins_over_host(names):
    r = raw(names.port(), "GET http://a.example.com/ HTTP/1.0\r\n"
                          "Host: example.com\r\n\r\n")

    assert r.endswith(b"head")


def test_other_port_has_its_own_servers(names):
    assert get(names.port(8081), host="example.com").body == b"other port"
    assert get(names.port(8081), host="first").body == b"other port"


@pytest.mark.parametrize("host", [
    "exa mple.com", "example..com", "[::1", "a/b", "a\\b", "host:99999",
])
def test_invalid_host_is_400(names, host):
    assert get(names.port(), host=host).status == 400


def test_http11_without_host_is_400(names):
    r = raw(names.port(), "GET / HTTP/1.1\r\n\r\n")

    assert r.startswith(b"HTTP/1.1 400 ")


def test_two_hosts_are_400(names):
    r = raw(names.port(), "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n")

    assert r.startswith(b"HTTP/1.1 400 ")


def test_duplicate_default_server_is_a_config_error(hanx):
    hanx.write_config(http_config("""
    server { listen 127.0.0.1:%%PORT_8080%% default_server; }
    server { listen 127.0.0.1:%%PORT_8080%% default_server; }
"""))
    res = hanx.test_config()

    assert res.returncode == 1
    assert "a duplicate default server for 127.0.0.1:" in res.stderr


def two_free_ports():
    """p and p + 1, both free on loopback."""
    for _ in range(100):
        with socket.socket() as a, socket.socket() as b:
            try:
                a.bind(("127.0.0.1", 0))
                p = a.getsockname()[1]
                b.bind(("127.0.0.1", p + 1))
            except OSError:
                continue
        return p
    pytest.skip("no two consecutive free ports")


def test_listen_port_range_listens_on_each_port(hanx):
    p = two_free_ports()
    hanx.write_config(http_config("""
    server {
        listen 127.0.0.1:%d-%d;
        return 200 "port $server_port";
    }
""" % (p, p + 1)))
    hanx.start(wait_ports=[p, p + 1])

    assert get(p).body == b"port %d" % p
    assert get(p + 1).body == b"port %d" % (p + 1)
