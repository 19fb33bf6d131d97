"""The stream modules around the proxy, end to end: allow/deny,
limit_conn (with dry run and its status variable), map, geo,
split_clients and set feeding "return", and the access log with its
buffer, flush, gzip and if= options.
"""

import gzip
import os
import socket
import time

import pytest

from test_stream_proxy import TcpBackend, backends, config  # noqa: F401


@pytest.fixture
def stream(hanx):
    hanx.require("stream")
    return hanx


def test_allow_and_deny_in_order(stream):
    stream.require("stream_access")
    stream.write_config(config("""
    log_format st $status;
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        allow 127.0.0.1;
        deny all;
        return ok;
        access_log logs/a.log st;
    }
    server {
        listen 127.0.0.1:%%PORT_8081%%;
        deny 127.0.0.0/8;
        allow all;
        return ok;
        access_log logs/b.log st;
    }
"""))
    stream.start()

    assert stream.tcp_request(b"") == b"ok"
    assert stream.tcp_request(b"", stream.port(8081)) == b""

    stream.stop()
    assert stream.read_file("logs/a.log") == "200\n"
    assert stream.read_file("logs/b.log") == "403\n"
    assert "access forbidden by rule" in stream.error_log()


def test_limit_conn_counts_sessions_across_workers(stream, backends):
    stream.require("stream_limit_conn")
    b = backends(TcpBackend, "b")

    stream.write_config(config("""
    log_format st "$status $limit_conn_status";
    limit_conn_zone $binary_remote_addr zone=one:1m;
    server {
        listen 127.0.0.1:%%%%PORT_8080%%%%;
        limit_conn one 2;
        proxy_pass 127.0.0.1:%d;
        access_log logs/l.log st;
    }
    server {
        listen 127.0.0.1:%%%%PORT_8081%%%%;
        limit_conn one 1;
        limit_conn_dry_run on;
        limit_conn_log_level warn;
        proxy_pass 127.0.0.1:%d;
        access_log logs/d.log st;
    }
""" % (b.port, b.port), workers=2))
    stream.start()

    held = []
    for _ in range(2):
        s = stream.connect()
        s.sendall(b"x")
        assert s.recv(10).startswith(b"b:")
        held.append(s)

    # the third at once is refused, whichever worker takes it
    refused = stream.connect()
    assert refused.recv(10) == b""
    refused.close()

    # dry run: over the limit, yet let through
    s = stream.connect(stream.port(8081))
    s.sendall(b"y")
    assert s.recv(10).startswith(b"b:")
    s.close()

    for s in held:
        s.close()
    time.sleep(0.2)

    # the counts were given back
    s = stream.connect()
    s.sendall(b"z")
    assert s.recv(10).startswith(b"b:")
    s.close()

    stream.stop()
    assert "503 REJECTED" in stream.read_file("logs/l.log")
    assert "200 REJECTED_DRY_RUN" in stream.read_file("logs/d.log")
    assert "[warn]" in stream.error_log()
    assert "limiting connections, dry run by zone \"one\"" \
        in stream.error_log()


def test_map_geo_split_clients_and_set(stream):
    stream.require("stream_map", "stream_geo", "stream_split_clients")
    stream.write_config(config("""
    map $server_port $port_name {
        %%PORT_8080%%   first;
        ~^(\\d)\\d*$    "regex-$1";
    }
    map $remote_addr $host_kind {
        hostnames;
        default     other;
        127.0.0.1   loopback;
    }
    geo $where {
        default      world;
        127.0.0.0/8  here;
        10.0.0.0/8   lan;
    }
    geo $remote_addr $range {
        ranges;
        default               none;
        127.0.0.0-127.0.0.255 low;
    }
    split_clients "$remote_addr" $half {
        50%  a;
        *    b;
    }
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        listen 127.0.0.1:%%PORT_8081%%;
        set $greeting "hi-$where";
        return "$port_name $host_kind $where $range $half $greeting";
    }
"""))
    stream.start()

    first = stream.tcp_request(b"").decode().split()
    second = stream.tcp_request(b"", stream.port(8081)).decode().split()

    assert first[0] == "first"
    assert second[0] == "regex-%s" % str(stream.port(8081))[0]
    assert first[1:4] == ["loopback", "here", "low"]
    assert first[4] in ("a", "b")
    assert first[5] == "hi-here"


def test_access_log_buffer_gzip_flush_and_if(stream):
    stream.write_config(config("""
    log_format plain "$remote_addr $status";
    map $server_port $loggable {
        %%PORT_8081%%  0;
        default        1;
    }
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        listen 127.0.0.1:%%PORT_8081%%;
        return x;
        access_log logs/if.log plain if=$loggable;
        access_log logs/gz.log.gz plain gzip buffer=64k flush=200ms;
        access_log logs/big.log plain buffer=64k;
    }
"""))
    stream.start()

    for _ in range(3):
        assert stream.tcp_request(b"") == b"x"
    assert stream.tcp_request(b"", stream.port(8081)) == b"x"

    # flush=: the compressed buffer reaches the file without a stop
    time.sleep(0.6)
    with gzip.open(stream.path("logs/gz.log.gz")) as f:
        assert f.read().decode().count("127.0.0.1 200") == 4

    # no flush=: still in the buffer
    assert os.path.getsize(stream.path("logs/big.log")) == 0

    stream.stop()

    # written out when the worker exits
    assert stream.read_file("logs/big.log").count("127.0.0.1 200") == 4
    assert stream.read_file("logs/if.log").count("\n") == 3


def test_log_escaping(stream):
    stream.write_config(config("""
    map $server_port $odd {
        default "a\\"b\\\\c";
    }
    log_format dflt "$odd|$upstream_addr";
    log_format json escape=json "$odd|$upstream_addr";
    log_format none escape=none "$odd|$upstream_addr";
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        return x;
        access_log logs/d.log dflt;
        access_log logs/j.log json;
        access_log logs/n.log none;
    }
"""))
    stream.start()

    stream.tcp_request(b"")
    stream.stop()

    assert stream.read_file("logs/d.log") == 'a\\x22b\\x5Cc|-\n'
    assert stream.read_file("logs/j.log") == 'a\\"b\\\\c|\n'
    assert stream.read_file("logs/n.log") == 'a"b\\c|\n'


def test_pass_hands_the_connection_to_another_listener(stream):
    stream.require("stream_pass")
    stream.write_config(config("""
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        pass 127.0.0.1:%%PORT_8081%%;
    }
    server {
        listen 127.0.0.1:%%PORT_8081%%;
        return "$server_port $remote_addr";
    }
    map $server_port $next {
        %%PORT_8082%%  127.0.0.1:%%PORT_8083%%;
        default        127.0.0.1:%%PORT_8082%%;
    }
    server {
        listen 127.0.0.1:%%PORT_8082%%;
        listen 127.0.0.1:%%PORT_8083%%;
        pass $next;
    }
"""))
    stream.start()

    assert stream.tcp_request(b"") == (
        "%d 127.0.0.1" % stream.port(8081)).encode()

    # 8082 passes to 8083, which passes to 8082, ...: cut, not a loop
    assert stream.tcp_request(b"", stream.port(8082)) == b""
    stream.stop()
    assert "stream pass cycle" in stream.error_log()
