"""keepalived's HTTP_GET, SSL_GET and MISC_CHECK run by the master, and
what their verdicts do: notify_up / notify_down scripts, quorum with
hysteresis running quorum_up / quorum_down, alpha, omega, ha_suspend.

The real servers are small HTTP servers in threads of the test (plain,
or TLS with a self-signed certificate made by the openssl command), or
scripts the test writes.  The virtual server's listener is not used:
the tests read the error log, which says what the checks decided in
keepalived's words.
"""

import hashlib
import http.server
import os
import shutil
import ssl
import subprocess
import threading
import time

import pytest

from conftest import free_port


BASE = """
worker_processes 1;
error_log logs/error.log info;

events {
    worker_connections 64;
}

ha {
%s
}
"""


class HttpBackend:
    """An HTTP/1.0 server on 127.0.0.1 whose status and body the test
    changes while it runs; with tls, it speaks HTTPS."""

    def __init__(self, status=200, body=b"ok\n", tls=None):
        self.status = status
        self.body = body
        self.paths = []
        backend = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                backend.paths.append((self.path, self.headers.get("Host")))
                self.send_response(backend.status)
                self.send_header("Content-Length", str(len(backend.body)))
                self.end_headers()
                self.wfile.write(backend.body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      Handler)
        if tls:
            self.server.socket = tls.wrap_socket(self.server.socket,
                                                 server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def ha(hanx):
    hanx.require("ha")
    return hanx


@pytest.fixture
def http_backends():
    made = []

    def make(*args, **kwargs):
        b = HttpBackend(*args, **kwargs)
        made.append(b)
        return b

    yield make

    for b in made:
        b.stop()


@pytest.fixture(scope="module")
def tls_context(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command")

    d = tmp_path_factory.mktemp("tls")
    key, crt = str(d / "key.pem"), str(d / "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", crt, "-days", "1",
                    "-subj", "/CN=real.server.test"],
                   check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    return ctx


def name(port):
    return r"\[127\.0\.0\.1\]:tcp:%d" % port


VS_PORT = free_port()


def vs(real_servers, extra=""):
    return """
    virtual_server 127.0.0.1 %(port)d {
        delay_loop 0.2;
        lb_algo rr;
        lb_kind NAT;
        protocol TCP;
                %(extra)s
%(rs)s
    }
""" % {"port": VS_PORT, "extra": extra, "rs": real_servers}


def http_rs(port, check="HTTP_GET", urls="url { path /health; }",
            extra="", opts="connect_timeout 0.5; retry 0;"):
    return """
        real_server 127.0.0.1 %d {
            weight 1;
            %s
            %s { %s %s }
        }""" % (port, extra, check, opts, urls)


def start(ha, body, checkers):
    ha.write_config(BASE % body)
    ha.start(wait_ports=[])
    ha.wait_for_log(r"real server checks started: %d checkers" % checkers)


def wait_file(path, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return open(path).read()
        time.sleep(0.05)
    raise AssertionError("%s was not written" % path)


def script(ha, name, text):
    path = ha.path(name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + text)
    os.chmod(path, 0o755)
    return path


# ---- HTTP_GET ----


def test_http_status_takes_a_server_out_and_back(ha, http_backends):
    b = http_backends()

    start(ha, vs(http_rs(b.port)), 1)
    time.sleep(0.5)
    assert ("/health", "127.0.0.1:%d" % b.port) in b.paths

    b.status = 500
    ha.wait_for_log(r"HTTP status code error to server %s\."
                    % name(b.port), timeout=3)
    ha.wait_for_log(r"HTTP_GET url\(/health\) of %s: .*status_code \[500\]"
                    % name(b.port))
    ha.wait_for_log(r"Check on service %s failed after 0 retries\."
                    % name(b.port))
    ha.wait_for_log(r"Removing service %s from VS %s"
                    % (name(b.port), name(VS_PORT)))

    b.status = 200
    ha.wait_for_log(r"HTTP status code success to %s url\(/health\)$"
                    % name(b.port), timeout=3)
    ha.wait_for_log(r"Adding service %s to VS %s"
                    % (name(b.port), name(VS_PORT)))


def test_status_code_list_accepts_other_codes(ha, http_backends):
    b = http_backends(status=302)

    start(ha, vs(http_rs(b.port, urls="url { path /; status_code 200 "
                                      "301-302; }")), 1)
    time.sleep(0.8)
    assert "Removing service" not in ha.error_log()

    b.status = 404
    ha.wait_for_log(r"status_code \[404\]", timeout=3)


def test_a_wrong_digest_takes_the_server_out(ha, http_backends):
    b = http_backends(body=b"hello\n")
    good = hashlib.md5(b"hello\n").hexdigest()

    start(ha, vs(http_rs(b.port, urls="url { path /; digest %s; }" % good)),
          1)
    time.sleep(0.6)
    assert "Removing service" not in ha.error_log()

    b.body = b"changed\n"
    ha.wait_for_log(r"MD5 digest error to server %s\." % name(b.port),
                    timeout=3)
    ha.wait_for_log(r"MD5SUM \[%s\]" % hashlib.md5(b"changed\n").hexdigest())
    ha.wait_for_log(r"Removing service %s" % name(b.port))


def test_every_url_must_pass(ha, http_backends):
    b = http_backends()

    start(ha, vs(http_rs(b.port, urls="url { path /a; } url { path /b; "
                                      "status_code 404; }")), 2)

    # /b answers 200, which its url does not accept
    ha.wait_for_log(r"status_code \[200\]", timeout=3)
    ha.wait_for_log(r"Removing service %s" % name(b.port))
    assert any(p == "/a" for p, _ in b.paths)


def test_virtualhost_is_the_host_header(ha, http_backends):
    b = http_backends()

    # the real server's virtualhost wins over the virtual server's; a url's
    # over both; without any, the virtual server's
    body = vs(http_rs(b.port, extra="virtualhost rs.example;")
              + http_rs(b.port + 0, urls="url { path /u; virtualhost "
                        "url.example; }").replace("real_server 127.0.0.1",
                                                  "real_server 127.0.0.2"),
              extra="virtualhost vs.example;")
    body += vs(http_rs(b.port, urls="url { path /v; }"),
               extra="virtualhost other.example;").replace(str(VS_PORT), str(free_port()))
    ha.write_config(BASE % body)
    ha.start(wait_ports=[])
    ha.wait_for_log(r"real server checks started: 3 checkers")
    time.sleep(0.6)
    hosts = dict(b.paths)
    assert hosts["/health"] == "rs.example"
    assert hosts["/v"] == "other.example"


def test_a_dead_http_server_is_an_error_connecting(ha, http_backends):
    b = http_backends()
    port = b.port

    start(ha, vs(http_rs(port)), 1)
    b.stop()
    ha.wait_for_log(r"Error connecting server %s" % name(port), timeout=3)
    ha.wait_for_log(r"Removing service %s" % name(port))


# ---- SSL_GET ----


def test_ssl_get_checks_over_tls(ha, http_backends, tls_context):
    b = http_backends(tls=tls_context)

    start(ha, vs(http_rs(b.port, check="SSL_GET")), 1)
    time.sleep(0.6)
    assert ("/health", "127.0.0.1:%d" % b.port) in b.paths
    assert "Removing service" not in ha.error_log()

    b.status = 503
    ha.wait_for_log(r"HTTP status code error to server %s\."
                    % name(b.port), timeout=3)
    ha.wait_for_log(r"SSL_GET url\(/health\) of %s: .*status_code \[503\]"
                    % name(b.port))
    ha.wait_for_log(r"Removing service %s" % name(b.port))

    b.status = 200
    ha.wait_for_log(r"Adding service %s" % name(b.port), timeout=3)


def test_ssl_get_against_a_plain_server_fails(ha, http_backends):
    b = http_backends()

    start(ha, vs(http_rs(b.port, check="SSL_GET")), 1)
    ha.wait_for_log(r"Removing service %s" % name(b.port), timeout=3)


# ---- MISC_CHECK ----


def misc_rs(port, path, opts="", extra=""):
    return """
        real_server 127.0.0.1 %d {
            weight 1;
            %s
            MISC_CHECK { misc_path "%s"; %s }
        }""" % (port, extra, path, opts)


def test_misc_check_exit_codes(ha):
    state = ha.path("state")
    with open(state, "w") as f:
        f.write("0")
    path = script(ha, "check.sh", 'exit $(cat "%s")\n' % state)

    start(ha, vs(misc_rs(7001, path)), 1)
    time.sleep(0.6)
    assert "Removing service" not in ha.error_log()

    with open(state, "w") as f:
        f.write("1")
    ha.wait_for_log(r"Misc check for \[%s\] failed\." % path, timeout=3)
    ha.wait_for_log(r"Removing service %s" % name(7001))

    with open(state, "w") as f:
        f.write("0")
    ha.wait_for_log(r"Misc check for \[%s\] succeeded\." % path, timeout=3)
    ha.wait_for_log(r"Adding service %s" % name(7001))


def test_misc_path_takes_arguments(ha):
    marker = ha.path("args")
    path = script(ha, "args.sh", 'echo "$@" > "%s"\n' % marker)

    start(ha, vs(misc_rs(7001, "%s one two" % path)), 1)
    assert wait_file(marker).strip() == "one two"


def test_misc_dynamic_sets_the_weight(ha):
    path = script(ha, "dyn.sh", "exit 7\n")

    start(ha, vs(misc_rs(7001, path, opts="misc_dynamic;")), 1)
    ha.wait_for_log(r"Changing weight from 1 to 5 for active service %s "
                    r"of VS %s" % (name(7001), name(VS_PORT)),
                    timeout=3)
    assert "Removing service" not in ha.error_log()


def test_without_misc_dynamic_a_code_above_one_fails(ha):
    path = script(ha, "dyn.sh", "exit 7\n")

    start(ha, vs(misc_rs(7001, path)), 1)
    ha.wait_for_log(r"Removing service %s" % name(7001), timeout=3)


def test_a_script_that_overruns_misc_timeout_is_killed(ha):
    path = script(ha, "slow.sh", "sleep 30\n")

    start(ha, vs(misc_rs(7001, path, opts="misc_timeout 0.3;")), 1)
    ha.wait_for_log(r'script ".*" \(pid \d+\) timed out', timeout=3)
    ha.wait_for_log(r"Misc check for \[%s\] timed out\." % path, timeout=5)
    ha.wait_for_log(r"Removing service %s" % name(7001))


# ---- notify, quorum, alpha, omega, ha_suspend ----


def test_notify_up_and_down_run_on_transitions(ha):
    state = ha.path("state")
    with open(state, "w") as f:
        f.write("0")
    path = script(ha, "check.sh", 'exit $(cat "%s")\n' % state)
    up = script(ha, "up.sh", 'touch "%s"\n' % ha.path("up.marker"))
    down = script(ha, "down.sh", 'touch "%s"\n' % ha.path("down.marker"))

    start(ha, vs(misc_rs(7001, path, extra='notify_up "%s"; '
                         'notify_down "%s";' % (up, down))), 1)

    with open(state, "w") as f:
        f.write("1")
    ha.wait_for_log(r"Executing \[%s\] for service %s in VS "
                    r"%s" % (down, name(7001), name(VS_PORT)),
                    timeout=3)
    wait_file(ha.path("down.marker"))
    assert not os.path.exists(ha.path("up.marker"))

    with open(state, "w") as f:
        f.write("0")
    wait_file(ha.path("up.marker"))


def test_quorum_down_and_up_with_hysteresis(ha):
    states = []
    rss = ""
    for i in range(3):
        st = ha.path("state%d" % i)
        with open(st, "w") as f:
            f.write("0")
        states.append(st)
        rss += misc_rs(7001 + i, script(ha, "c%d.sh" % i,
                                        'exit $(cat "%s")\n' % st))

    qup = script(ha, "qup.sh", 'touch "%s"\n' % ha.path("qup.marker"))
    qdown = script(ha, "qdown.sh", 'touch "%s"\n' % ha.path("qdown.marker"))

    # weights 1+1+1; quorum 2, hysteresis 1: lost below 1, gained at 3
    start(ha, vs(rss, extra='quorum 2; hysteresis 1; quorum_up "%s"; '
                 'quorum_down "%s";' % (qup, qdown)), 3)

    for st in states[:2]:
        with open(st, "w") as f:
            f.write("1")
    ha.wait_for_log(r"Removing service %s" % name(7002), timeout=3)
    ha.wait_for_log(r"Removing service %s" % name(7001), timeout=3)
    time.sleep(0.4)
    # 1 live of weight 1 is not below quorum - hysteresis = 1
    assert "Lost quorum" not in ha.error_log()

    with open(states[2], "w") as f:
        f.write("1")
    ha.wait_for_log(r"Lost quorum 2-1=1 > 0 for VS %s" % name(VS_PORT),
                    timeout=3)
    wait_file(ha.path("qdown.marker"))

    with open(states[0], "w") as f:
        f.write("0")
    with open(states[1], "w") as f:
        f.write("0")
    ha.wait_for_log(r"Adding service %s" % name(7002), timeout=3)
    time.sleep(0.4)
    # 2 is not yet quorum + hysteresis = 3
    assert "Gained quorum" not in ha.error_log()
    assert not os.path.exists(ha.path("qup.marker"))

    with open(states[2], "w") as f:
        f.write("0")
    ha.wait_for_log(r"Gained quorum 2\+1=3 <= 3 for VS "
                    r"%s" % name(VS_PORT), timeout=3)
    wait_file(ha.path("qup.marker"))


def test_alpha_starts_servers_down_until_they_pass(ha):
    path = script(ha, "ok.sh", "exit 0\n")

    start(ha, vs(misc_rs(7001, path), extra="alpha;"), 1)
    # down from the start: weight 0 < quorum 1
    ha.wait_for_log(r"Lost quorum 1-0=1 > 0 for VS", timeout=3)
    ha.wait_for_log(r"Adding service %s" % name(7001), timeout=3)
    ha.wait_for_log(r"Gained quorum 1\+0=1 <= 1", timeout=3)


def test_omega_runs_notify_down_and_quorum_down_on_stop(ha):
    path = script(ha, "ok.sh", "exit 0\n")
    down = script(ha, "down.sh", 'touch "%s"\n' % ha.path("down.marker"))
    qdown = script(ha, "qdown.sh", 'touch "%s"\n' % ha.path("qdown.marker"))

    start(ha, vs(misc_rs(7001, path, extra='notify_down "%s";' % down),
                 extra='omega; quorum_down "%s";' % qdown), 1)
    time.sleep(0.5)
    assert not os.path.exists(ha.path("down.marker"))

    ha.stop()
    wait_file(ha.path("down.marker"))
    wait_file(ha.path("qdown.marker"))


def test_without_omega_stop_runs_nothing(ha):
    path = script(ha, "ok.sh", "exit 0\n")
    down = script(ha, "down.sh", 'touch "%s"\n' % ha.path("down.marker"))

    start(ha, vs(misc_rs(7001, path, extra='notify_down "%s";' % down)), 1)
    time.sleep(0.5)
    ha.stop()
    time.sleep(0.5)
    assert not os.path.exists(ha.path("down.marker"))


def test_ha_suspend_pauses_checks_while_the_vip_is_not_held(ha):
    marker = ha.path("ran")
    path = script(ha, "ran.sh", 'touch "%s"\n' % marker)

    start(ha, vs(misc_rs(7001, path), extra="ha_suspend;"), 1)
    ha.wait_for_log(r"checks of VS %s suspended" % name(VS_PORT))
    time.sleep(0.6)
    assert not os.path.exists(marker)


# ---- keepalived's samples with these checkers ----


FIXTURES = os.path.join(os.environ.get("HANX_SHARED_DIR", "/work/shared"),
                        "fixtures", "keepalived")


@pytest.mark.parametrize("sample", [
    "keepalived.conf.HTTP_GET.port", "keepalived.conf.SSL_GET",
    "keepalived.conf.misc_check", "keepalived.conf.misc_check_arg",
    "keepalived.conf.quorum", "keepalived.conf.status_code",
    "keepalived.conf.virtualhost", "keepalived.conf.inhibit",
    "keepalived.conf.sample"])
def test_keepalived_samples_with_these_checkers_are_accepted(ha, sample):
    path = os.path.join(FIXTURES, sample)
    if not os.path.exists(path):
        pytest.skip("no keepalived fixtures at %s" % FIXTURES)

    ha.write_config("error_log logs/error.log;\nevents {}\n"
                    "ha { keepalived_config %s; }\n" % path)
    r = ha.test_config()
    assert r.returncode == 0, r


# ---- what the workers do with it (the virtual server forwards) ----


def forwarding_vs(port, rss, extra=""):
    return """
    virtual_server 127.0.0.1 %d {
        delay_loop 0.2;
        lb_algo wrr;
        lb_kind NAT;
        protocol TCP;
        %s
%s
    }
""" % (port, extra, rss)


def test_lost_quorum_hands_the_traffic_to_the_sorry_server(ha, hanx):
    from test_ha_forward import counts
    from test_stream_proxy import TcpBackend

    hanx.require("stream")
    made = [TcpBackend(n) for n in ("a", "b", "sorry")]
    a, b, sorry = made
    b_port = b.port
    port = ha.port(6201)
    try:
        rss = "".join("""
        real_server 127.0.0.1 %d {
            weight 1;
            TCP_CHECK { connect_timeout 0.3; retry 0; }
        }""" % x.port for x in (a, b))
        ha.write_config(BASE % forwarding_vs(
            port, rss, extra="quorum 2; sorry_server 127.0.0.1 %d;"
            % sorry.port))
        ha.start(wait_ports=[port])
        ha.wait_for_log(r"real server checks started: 2 checkers")
        assert set(counts(port, 4)) == {"a", "b"}

        # b out: 1 < quorum 2, so a (still alive) leaves the pool too
        b.stop()
        ha.wait_for_log(r"Lost quorum 2-0=2 > 1 for VS %s" % name(port),
                        timeout=3)
        ha.wait_for_log(r"Removing the live servers from the pool")
        assert counts(port, 4) == {"sorry": 4}

        made.append(TcpBackend("b", port=b_port))
        ha.wait_for_log(r"Gained quorum 2\+0=2 <= 2 for VS %s" % name(port),
                        timeout=3)
        assert set(counts(port, 4)) == {"a", "b"}
    finally:
        for x in made:
            x.stop()


def test_misc_dynamic_weights_steer_wrr(ha, hanx):
    from test_ha_forward import counts
    from test_stream_proxy import TcpBackend

    hanx.require("stream")
    made = [TcpBackend(n) for n in ("a", "b")]
    port = ha.port(6201)
    try:
        # exit 5: weight 3; exit 3: weight 1
        rss = "".join("""
        real_server 127.0.0.1 %d {
            weight 1;
            MISC_CHECK { misc_path "%s"; misc_dynamic; }
        }""" % (x.port, script(ha, "w%d.sh" % i, "exit %d\n" % code))
            for i, (x, code) in enumerate(zip(made, (5, 3))))
        ha.write_config(BASE % forwarding_vs(port, rss))
        ha.start(wait_ports=[port])
        ha.wait_for_log(r"Changing weight from 1 to 3 for active service %s"
                        % name(made[0].port), timeout=3)
        time.sleep(0.3)

        assert counts(port, 8) == {"a": 6, "b": 2}
    finally:
        for x in made:
            x.stop()
