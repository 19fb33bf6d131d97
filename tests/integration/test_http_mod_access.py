"""Who the client is and what it may do, through a running hanx: allow
and deny, realip from X-Real-IP and X-Forwarded-For (and the access
rules seeing the real address), variables from map, geo and
split_clients, limit_req and limit_conn, and stub_status.

"return" answers in the rewrite phase, before preaccess and access run,
as in nginx; the tests that need those phases serve a file and show the
variables in headers.
"""

import re
import socket
import time

from test_http_client import http_config, get, Connection


def start(hanx, body):
    hanx.write_config(http_config(body))
    hanx.write_file("html/index.html", "hello\n")
    hanx.start()


def test_allow_and_deny(hanx):
    start(hanx, """
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        root %%PREFIX%%/html;

        location /open/ { alias %%PREFIX%%/html/; }
        location /closed/ { alias %%PREFIX%%/html/; deny all; }
        location /mine/ { alias %%PREFIX%%/html/; allow 127.0.0.1; deny all; }
        location /others/ { alias %%PREFIX%%/html/; deny 127.0.0.1; }

        # "return" comes before the access phase
        location /return { deny all; return 200 ok; }
    }""")

    assert get(hanx.port(), "/open/index.html").status == 200
    assert get(hanx.port(), "/closed/index.html").status == 403
    assert get(hanx.port(), "/mine/index.html").status == 200
    assert get(hanx.port(), "/others/index.html").status == 403
    assert get(hanx.port(), "/return").status == 200

    hanx.wait_for_log(r"\[error\] .* access forbidden by rule, client: "
                      r"127\.0\.0\.1")


def test_realip_replaces_the_client_address(hanx):
    start(hanx, """
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        root %%PREFIX%%/html;
        set_real_ip_from 127.0.0.1;
        add_header X-Addr "$remote_addr $realip_remote_addr";

        location / { }
        location /xff/ {
            alias %%PREFIX%%/html/;
            real_ip_header X-Forwarded-For;
            real_ip_recursive on;
            set_real_ip_from 127.0.0.1;
            set_real_ip_from 10.0.0.0/8;
        }
        location /deny/ {
            alias %%PREFIX%%/html/;
            real_ip_header X-Forwarded-For;
            deny 192.0.2.1;
        }
    }""")

    r = get(hanx.port(), "/index.html", headers={"X-Real-IP": "192.0.2.7"})
    assert r.header("X-Addr") == "192.0.2.7 127.0.0.1"

    r = get(hanx.port(), "/index.html")
    assert r.header("X-Addr") == "127.0.0.1 127.0.0.1"

    r = get(hanx.port(), "/xff/index.html",
            headers={"X-Forwarded-For": "192.0.2.9, 10.1.1.1, 10.2.2.2"})
    assert r.header("X-Addr") == "192.0.2.9 127.0.0.1"

    # the access phase sees the real address
    r = get(hanx.port(), "/deny/index.html",
            headers={"X-Forwarded-For": "192.0.2.1"})
    assert r.status == 403
    r = get(hanx.port(), "/deny/index.html",
            headers={"X-Forwarded-For": "192.0.2.2"})
    assert r.status == 200


def test_realip_is_per_request_on_a_keepalive_connection(hanx):
    start(hanx, """
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        set_real_ip_from 127.0.0.1;
        location / { return 200 "$remote_addr"; }
    }""")

    with Connection(hanx.port()) as c:
        r = c.request("GET / HTTP/1.1\r\nHost: x\r\n"
                      "X-Real-IP: 192.0.2.1\r\n\r\n")
        assert r.body == b"192.0.2.1"
        r = c.request("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert r.body == b"127.0.0.1"


def test_map_geo_and_split_clients(hanx):
    start(hanx, """
    map $http_host $site {
        hostnames;
        default          other;
        example.com      main;
        *.example.com    sub;
        ~^(?<name>\\w+)\\.test$  test-$name;
    }

    geo $arg_ip $net {
        default          world;
        10.0.0.0/8       internal;
        10.1.0.0/16      lab;
    }

    split_clients "$arg_id" $half {
        50%   a;
        *     b;
    }

    server {
        listen 127.0.0.1:%%PORT_8080%%;
        location / { return 200 "$site $net $half"; }
    }""")

    def vals(host, args):
        return get(hanx.port(), "/?" + args, host=host).body.decode().split()

    assert vals("example.com", "ip=10.1.2.3&id=1")[:2] == ["main", "lab"]
    assert vals("www.example.com", "ip=10.9.9.9")[:2] == ["sub", "internal"]
    assert vals("foo.test", "ip=8.8.8.8")[:2] == ["test-foo", "world"]
    assert vals("nowhere.org", "")[0] == "other"

    # split_clients: stable per key, and both halves used
    seen = set()
    for i in range(40):
        first = vals("x", "id=%d" % i)[2]
        assert vals("x", "id=%d" % i)[2] == first
        seen.add(first)
    assert seen == {"a", "b"}


def test_limit_req_refuses_above_the_burst(hanx):
    start(hanx, """
    limit_req_zone $binary_remote_addr zone=one:1m rate=1r/m;

    server {
        listen 127.0.0.1:%%PORT_8080%%;
        root %%PREFIX%%/html;
        location / {
            limit_req zone=one burst=2 nodelay;
            limit_req_status 429;
            add_header X-Status $limit_req_status always;
        }
    }""")

    rs = [get(hanx.port(), "/index.html") for _ in range(5)]
    assert [r.header("X-Status") for r in rs] == \
        ["PASSED"] * 3 + ["REJECTED"] * 2
    codes = [r.status for r in rs]
    assert codes == [200, 200, 200, 429, 429]

    hanx.wait_for_log(r'\[error\] .* limiting requests, excess: 3\.000 by '
                      r'zone "one"')


def test_limit_req_delays_within_the_burst(hanx):
    start(hanx, """
    limit_req_zone $binary_remote_addr zone=one:1m rate=5r/s;

    server {
        listen 127.0.0.1:%%PORT_8080%%;
        root %%PREFIX%%/html;
        location / { limit_req zone=one burst=5; }
    }""")

    t0 = time.monotonic()
    for _ in range(3):
        assert get(hanx.port(), "/index.html").status == 200
    elapsed = time.monotonic() - t0

    # the 2nd and 3rd wait 200 ms each at 5 r/s
    assert 0.3 < elapsed < 2, elapsed


def test_limit_conn_counts_requests_in_progress(hanx):
    hanx.write_file("html/slow.bin", "x" * 200000)
    start(hanx, """
    limit_conn_zone $binary_remote_addr zone=addr:1m;

    server {
        listen 127.0.0.1:%%PORT_8080%%;
        root %%PREFIX%%/html;
        location /slow.bin { limit_conn addr 1; limit_rate 50k; }
        location / { limit_conn addr 1; }
    }""")

    # a slow download holds the one slot
    s = socket.create_connection(("127.0.0.1", hanx.port()))
    s.sendall(b"GET /slow.bin HTTP/1.0\r\nHost: x\r\n\r\n")
    assert s.recv(100).startswith(b"HTTP/1.1 200")

    assert get(hanx.port(), "/index.html").status == 503
    hanx.wait_for_log(r'limiting connections by zone "addr"')

    s.close()

    # the slot comes back when that request ends
    deadline = time.monotonic() + 5
    while get(hanx.port(), "/index.html").status != 200:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_stub_status_page(hanx):
    start(hanx, """
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        location /status { stub_status; }
    }""")

    r = get(hanx.port(), "/status")
    assert r.status == 200
    assert r.header("Content-Type") == "text/plain"
    assert re.match(rb"Active connections: \d+ \n"
                    rb"server accepts handled requests\n"
                    rb" \d+ \d+ \d+ \n"
                    rb"Reading: \d+ Writing: \d+ Waiting: \d+ \n$", r.body), \
        r.body

    assert get(hanx.port(), "/status", method="POST").status == 405
