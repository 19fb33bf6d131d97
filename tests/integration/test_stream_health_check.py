"""Active health checks of stream upstreams: a dead peer leaves the
rotation within interval x fails and comes back after passes, in every
worker at once (the verdict is in the upstream's zone), the checks run
once in the master and not once per worker, match blocks with send and
expect (string and regex), UDP checks, the configuration errors, and a
reload that keeps checking.
"""

import os
import re
import signal
import socket
import time

import pytest

from test_stream_proxy import TcpBackend, UdpBackend, backends, config, \
    servers, udp_ask, who   # noqa: F401 (backends is a fixture)


@pytest.fixture
def stream(hanx):
    hanx.require("stream", "stream_upstream_zone")
    return hanx


def spread(hanx, n=20):
    """Which backends answer n sessions, as {name: count}."""
    seen = {}
    for _ in range(n):
        name = who(hanx)
        seen[name] = seen.get(name, 0) + 1
    return seen


def wait_until(predicate, timeout, step=0.05):
    """Polls predicate until it holds; returns the time it took, or
    fails the test after timeout seconds."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            pytest.fail("condition not met after %.1fs" % timeout)
        time.sleep(step)
    return time.monotonic() - start


def test_a_dead_peer_leaves_and_comes_back(stream, backends):
    a = backends(TcpBackend, "a")
    b = backends(TcpBackend, "b")
    b_port = b.port

    stream.write_config(config("""
    upstream u {
        zone u 64k;
%s
    }
    server {
        listen 127.0.0.1:%%%%PORT_8080%%%%;
        proxy_pass u;
        health_check interval=200ms fails=2 passes=2;
        health_check_timeout 150ms;
    }
""" % servers(a, b), workers=2))
    stream.start()

    assert spread(stream) == {"a": 10, "b": 10}

    b.stop()
    gone = time.monotonic()

    stream.wait_for_log(r'upstream server 127\.0\.0\.1:%d of "u" is down'
                        % b_port, timeout=3)
    took = time.monotonic() - gone

    # two failed probes 200 ms apart, with the timer's slack
    assert took < 2 * 0.2 + 0.5, took

    # every worker sees it at once: nothing reaches the dead peer
    assert spread(stream) == {"a": 20}
    assert "connect() failed" not in "\n".join(
        line for line in stream.error_log().splitlines()
        if "while connecting to upstream" in line)

    b2 = backends(TcpBackend, "b", port=b_port)
    back = time.monotonic()

    stream.wait_for_log(r'upstream server 127\.0\.0\.1:%d of "u" is up'
                        % b_port, timeout=3)
    assert time.monotonic() - back < 2 * 0.2 + 0.5

    assert spread(stream) == {"a": 10, "b": 10}
    assert b2.accepted >= 10


def test_checks_run_once_not_per_worker(stream, backends):
    a = backends(TcpBackend, "a")

    stream.write_config(config("""
    upstream u {
        zone u 64k;
        server 127.0.0.1:%d;
    }
    server {
        listen 127.0.0.1:%%%%PORT_8080%%%%;
        proxy_pass u;
        health_check interval=100ms;
    }
""" % a.port, workers=4))
    stream.start()

    time.sleep(0.3)
    first = a.accepted
    time.sleep(1.0)
    probes = a.accepted - first

    # ten probes a second from the master; four workers would make forty
    assert 6 <= probes <= 14, probes


def test_match_send_and_expect(stream, backends):
    good = backends(TcpBackend, "good")
    bad = backends(TcpBackend, "bad")

    stream.write_config(config("""
    match echo_good {
        send "ping";
        expect ~ "^good:ping";
    }
    match literal {
        send "x";
        expect "od:x";
    }
    upstream u {
        zone u 64k;
%s
    }
    server {
        listen 127.0.0.1:%%%%PORT_8080%%%%;
        proxy_pass u;
        health_check interval=100ms match=echo_good;
        health_check_timeout 300ms;
    }
    server {
        listen 127.0.0.1:%%%%PORT_8081%%%%;
        proxy_pass u;
        health_check interval=100ms match=literal;
        health_check_timeout 300ms;
    }
""" % servers(good, bad)))
    stream.start()

    # the backend keeps the connection open: no match before the timeout
    stream.wait_for_log(r'upstream server 127\.0\.0\.1:%d of "u" is down '
                        r'\(health check: timed out' % bad.port, timeout=3)

    assert spread(stream) == {"good": 20}


def test_mandatory_checks_start_with_peers_down(stream, backends):
    a = backends(TcpBackend, "a")
    b = backends(TcpBackend, "b")

    stream.write_config(config("""
    upstream u {
        zone u 64k;
%s
    }
    server {
        listen 127.0.0.1:%%%%PORT_8080%%%%;
        proxy_pass u;
        health_check interval=1s passes=2 mandatory;
    }
""" % servers(a, b)))
    stream.start()

    # the first probe passed but two are needed: no peer yet
    time.sleep(0.3)
    assert who(stream) == ""

    # each peer has its own timer: wait for both verdicts, not the first
    deadline = time.monotonic() + 4
    while len(re.findall(r'of "u" is up', stream.error_log())) < 2:
        assert time.monotonic() < deadline, stream.error_log()
        time.sleep(0.1)
    assert set(spread(stream, 10)) == {"a", "b"}


def test_udp_checks(stream, backends):
    a = backends(UdpBackend, "a")
    b = backends(UdpBackend, "b", reply=False)

    stream.write_config(config("""
    match dns_like {
        send "probe";
        expect "a:probe";
    }
    upstream u {
        zone u 64k;
%s
    }
    server {
        listen 127.0.0.1:%%%%PORT_8080%%%% udp;
        proxy_pass u;
        proxy_responses 1;
        proxy_timeout 1s;
        health_check interval=100ms udp match=dns_like;
        health_check_timeout 100ms;
    }
""" % servers(a, b)))
    stream.start(wait_ports=[])

    stream.wait_for_log(r'upstream server 127\.0\.0\.1:%d of "u" is down'
                        % b.port, timeout=3)

    replies = [udp_ask(stream.port()) for _ in range(6)]
    assert replies == [b"a:hi"] * 6


def test_a_refused_udp_probe_fails_without_a_match(stream, backends):
    a = backends(UdpBackend, "a")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    dead = s.getsockname()[1]
    s.close()

    stream.write_config(config("""
    upstream u {
        zone u 64k;
        server 127.0.0.1:%d;
        server 127.0.0.1:%d;
    }
    server {
        listen 127.0.0.1:%%%%PORT_8080%%%% udp;
        proxy_pass u;
        proxy_responses 1;
        health_check interval=100ms udp;
        health_check_timeout 200ms;
    }
""" % (a.port, dead)))
    stream.start(wait_ports=[])

    stream.wait_for_log(r'127\.0\.0\.1:%d of "u" is down \(health check: '
                        r'refused' % dead, timeout=3)
    assert 'of "u" is down' not in stream.error_log().replace(
        "127.0.0.1:%d of" % dead, "")


def test_configuration_errors(stream, backends):
    stream.write_config(config("""
    upstream u { server 127.0.0.1:1; }
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        proxy_pass u;
        health_check;
    }
"""))
    r = stream.test_config()
    assert r.returncode == 1
    assert 'needs upstream "u" to have a "zone"' in r.stderr

    stream.write_config(config("""
    upstream u { zone u 64k; server 127.0.0.1:1; }
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        proxy_pass u;
        health_check match=nope;
    }
"""))
    r = stream.test_config()
    assert r.returncode == 1
    assert 'match "nope" not found' in r.stderr

    stream.write_config(config("""
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        proxy_pass 127.0.0.1:1;
        health_check interval=0;
    }
"""))
    r = stream.test_config()
    assert r.returncode == 1
    assert 'invalid parameter "interval=0"' in r.stderr


def test_checks_go_on_after_a_reload(stream, backends):
    a = backends(TcpBackend, "a")
    b = backends(TcpBackend, "b")

    conf = """
    upstream u {
        zone u 64k;
%s
    }
    server {
        listen 127.0.0.1:%%%%PORT_8080%%%%;
        proxy_pass u;
        health_check interval=100ms;
    }
""" % servers(a, b)

    stream.write_config(config(conf))
    stream.start()
    time.sleep(0.3)

    stream.write_config(config(conf + "# reloaded\n"))
    stream.reload()
    stream.wait_for_log(r"stream health checks started.*\n"
                        r"(.*\n)*.*stream health checks started", timeout=5)

    b_port = b.port
    b.stop()

    stream.wait_for_log(r'upstream server 127\.0\.0\.1:%d of "u" is down'
                        % b_port, timeout=3)
    time.sleep(0.3)

    assert spread(stream, 10) == {"a": 10}
