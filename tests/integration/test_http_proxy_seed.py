"""The seed deployment (shared/seed/node1-nginx.conf): nginx in front of
three Tomcat-like backends.  The file is used as it is, except that its
addresses move to loopback (the backends are threads of this test),
its log and pid paths to the test's prefix, and the worker user to the
test's own:

  - 300 requests land 100/100/100 (round robin, equal weights);
  - a backend killed: no client request fails (proxy_next_upstream
    error), and the dead backend gets no traffic until fail_timeout
    (10s, max_fails=1) has passed, then gets some again;
  - a backend that hangs: the client gets its answer from another one
    after proxy_read_timeout (5s);
  - client_max_body_size 10m: 413 for 11 MB, a 9 MB body reaches the
    backend intact (SHA-256 compared).
"""

import hashlib
import os
import re
import time

import pytest

from proxy_backends import Backend, backend_of, answer
from test_http_client import Connection, get


SEED = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared",
                    "seed", "node1-nginx.conf")
MIME = os.path.join(os.path.dirname(__file__), "..", "..", "conf",
                    "mime.types")


def seed_text():
    for path in (SEED, "/work/shared/seed/node1-nginx.conf"):
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                return f.read()
    pytest.skip("shared/seed/node1-nginx.conf is not available")


def loopback_seed(text):
    """node1-nginx.conf moved onto this test's prefix and ports."""
    user = "user  root;" if os.geteuid() == 0 else ""
    text = re.sub(r"^user\s+nginx;", user, text, flags=re.M)
    text = text.replace("/var/log/nginx/", "logs/")
    text = text.replace("/var/run/nginx.pid", "logs/hanx.pid")
    text = text.replace("/etc/nginx/mime.types", "mime.types")
    for n in (1, 2, 3):
        text = text.replace("192.168.99.104:600%d" % n,
                            "127.0.0.1:%%%%PORT_600%d%%%%" % n)
    text = re.sub(r"listen\s+6101;", "listen 127.0.0.1:%%PORT_6101%%;",
                  text)
    assert "192.168.99" not in text.replace("server_name  192.168.99.104",
                                            "")
    return text


@pytest.fixture
def seed(hanx):
    backends = {}
    for n in (1, 2, 3):
        name = "tomcat%d" % n
        backends[name] = Backend(name, hanx.port(6000 + n))

    with open(MIME) as f:
        hanx.write_file("conf/mime.types", f.read(), render=False)

    hanx.write_config(loopback_seed(seed_text()))
    hanx.start()

    yield hanx, backends

    for b in backends.values():
        b.kill()


def where(hanx, n, uri="/"):
    """n requests, each on its own connection; the backends' names."""
    names = []
    for _ in range(n):
        r = get(hanx.port(6101), uri, host="192.168.99.104")
        assert r.status == 200, r
        names.append(backend_of(r.body))
    return names


def test_seed_config_passes_t_unchanged(hanx):
    """hanx -t on the file exactly as the seed ships it (needs the nginx
    user and /etc/nginx/mime.types, as nginx -t does)."""
    try:
        import pwd
        pwd.getpwnam("nginx")
    except KeyError:
        pytest.skip("no \"nginx\" user on this machine")
    if not os.path.exists("/etc/nginx/mime.types"):
        pytest.skip("no /etc/nginx/mime.types on this machine")

    path = hanx.write_file("conf/seed.conf", seed_text(), render=False)
    r = hanx.run("-p", hanx.prefix + "/", "-t", "-c", path)
    assert r.returncode == 0, r
    assert "test is successful" in r.stderr


def test_300_requests_land_100_each(seed):
    hanx, backends = seed

    names = where(hanx, 300)

    assert {n: names.count(n) for n in backends} == {
        "tomcat1": 100, "tomcat2": 100, "tomcat3": 100}


def test_headers_the_seed_sets(seed):
    hanx, backends = seed

    r = get(hanx.port(6101), "/app?x=1", host="192.168.99.104",
            headers={"X-Forwarded-For": "10.1.1.1"})
    seen = answer(r.body)

    assert seen["path"] == "/app?x=1"
    assert seen["headers"]["Host"] == "192.168.99.104"
    assert seen["headers"]["X-Real-IP"] == "127.0.0.1"
    assert seen["headers"]["X-Forwarded-For"] == "10.1.1.1, 127.0.0.1"
    assert "Connection" not in seen["headers"]


def test_killed_backend_fails_over_and_waits_fail_timeout(seed):
    hanx, backends = seed

    dead = backends["tomcat2"]
    dead.kill()
    killed_at = time.monotonic()

    # nobody notices: every request is answered by the two others
    names = where(hanx, 30)
    assert set(names) == {"tomcat1", "tomcat3"}

    # back on its feet at once, but marked failed for fail_timeout (10s)
    dead.revive()
    dead.reset()

    while time.monotonic() - killed_at < 8:
        where(hanx, 3)
        time.sleep(0.2)

    assert dead.hits == 0

    # once fail_timeout has passed (counted in whole seconds, as nginx
    # counts it) it is tried again, and serves
    while time.monotonic() - killed_at < 12.2:
        time.sleep(0.1)

    names = where(hanx, 9)
    assert "tomcat2" in names
    assert dead.hits >= 1


def test_hanging_backend_answered_by_another(seed):
    hanx, backends = seed

    backends["tomcat3"].hang = True

    slow = []
    for _ in range(3):
        start = time.monotonic()
        with Connection(hanx.port(6101), timeout=15) as c:
            r = c.request("GET / HTTP/1.0\r\nHost: 192.168.99.104\r\n\r\n")
        elapsed = time.monotonic() - start

        assert r.status == 200
        assert backend_of(r.body) in ("tomcat1", "tomcat2")

        if elapsed > 1:
            slow.append(elapsed)

    # the request that met the hanging backend waited proxy_read_timeout
    assert len(slow) == 1
    assert 4.5 < slow[0] < 7

    hanx.wait_for_log(r"upstream timed out .* while reading response "
                      r"header from upstream")

    backends["tomcat3"].hang = False
    backends["tomcat3"].release.set()


def post(port, body, timeout=30):
    head = ("POST /upload HTTP/1.1\r\nHost: 192.168.99.104\r\n"
            "Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body))
    with Connection(port, timeout=timeout) as c:
        c.send(head.encode())
        try:
            c.send(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return c.read_response()


def test_body_over_client_max_body_size_is_413(seed):
    hanx, backends = seed

    r = post(hanx.port(6101), b"x" * (11 * 1024 * 1024))

    assert r.status == 413
    assert sum(b.hits for b in backends.values()) == 0


def test_9mb_body_reaches_the_backend_intact(seed):
    hanx, backends = seed

    body = os.urandom(9 * 1024 * 1024)

    r = post(hanx.port(6101), body)

    assert r.status == 200
    got = answer(r.body)
    assert got["length"] == len(body)
    assert got["sha256"] == hashlib.sha256(body).hexdigest()
