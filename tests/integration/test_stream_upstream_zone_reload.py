"""An upstream zone kept across a reload: a server that a health check
took out stays out in the new workers (no session tried on it, no new
"is down" verdict needed) until its check passes again, and a reload
that changes the zone's size starts from fresh state.
"""

import re
import time

import pytest

from test_stream_proxy import TcpBackend, backends, config, \
    servers, who   # noqa: F401 (backends is a fixture)


CONF = """
    upstream u {
        zone u %(size)s;
%(servers)s
    }
    server {
        listen 127.0.0.1:%%%%PORT_8080%%%%;
        proxy_pass u;
        proxy_next_upstream off;
        health_check interval=%(interval)s fails=3 passes=1;
        health_check_timeout 100ms;
    }
    # %(generation)s
"""


@pytest.fixture
def stream(hanx):
    hanx.require("stream", "stream_upstream_zone")
    return hanx


def wait_until(predicate, timeout, step=0.05):
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            pytest.fail("condition not met after %.1fs" % timeout)
        time.sleep(step)


def reload_and_wait(hanx, text):
    """Reloads with text and waits until only new workers serve."""
    old = set(hanx.worker_pids())
    hanx.write_config(text)
    hanx.reload()
    wait_until(lambda: hanx.worker_pids()
               and not old & set(hanx.worker_pids()), 5)


def spread(hanx, n):
    seen = {}
    for _ in range(n):
        name = who(hanx)
        seen[name] = seen.get(name, 0) + 1
    return seen


def down_verdicts(hanx, port):
    return len(re.findall(r'upstream server 127\.0\.0\.1:%d of "u" is down'
                          % port, hanx.error_log()))


def connect_failures(hanx):
    return [line for line in hanx.error_log().splitlines()
            if "while connecting to upstream" in line]


def take_b_down(stream, backends, size):
    a = backends(TcpBackend, "a")
    b = backends(TcpBackend, "b")
    text = dict(size=size, servers=servers(a, b), interval="100ms",
                generation=0)
    stream.write_config(config(CONF % text, workers=2))
    stream.start()
    assert spread(stream, 10) == {"a": 5, "b": 5}

    b_port = b.port
    b.stop()
    stream.wait_for_log(r'upstream server 127\.0\.0\.1:%d of "u" is down'
                        % b_port, timeout=3)
    return a, b_port, text


def test_a_dead_server_stays_out_across_a_reload(stream, backends):
    a, b_port, text = take_b_down(stream, backends, "64k")

    # the new checks would need 3 x 2 s to find b dead on their own
    text.update(interval="2s", generation=1)
    reload_and_wait(stream, config(CONF % text, workers=2))

    assert spread(stream, 20) == {"a": 20}
    assert down_verdicts(stream, b_port) == 1
    assert not connect_failures(stream)

    # and it comes back once its check passes
    b2 = backends(TcpBackend, "b", port=b_port)
    stream.wait_for_log(r'upstream server 127\.0\.0\.1:%d of "u" is up'
                        % b_port, timeout=5)
    assert spread(stream, 10) == {"a": 5, "b": 5}
    assert b2.accepted >= 5


def test_a_new_zone_size_starts_afresh(stream, backends):
    a, b_port, text = take_b_down(stream, backends, "64k")
    stream.allow_log(r"connect\(\) failed")

    text.update(size="128k", interval="2s", generation=1)
    reload_and_wait(stream, config(CONF % text, workers=2))

    # a fresh zone knows nothing of b: a session tries it and fails
    seen = spread(stream, 10)
    assert seen.get("", 0) >= 1, seen
    assert connect_failures(stream)
