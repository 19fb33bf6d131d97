"""keepalived's real_server TCP_CHECK run by the master: a real server
that stops answering is taken out within delay_loop + connect_timeout
and logged in keepalived's words, it comes back when it answers again,
inhibit_on_failure disables instead of removing, every checker of a
real server must pass, the checks run once (in the master, not per
worker), and the same virtual_server read from an unmodified
keepalived.conf behaves the same.

The real servers are the stream tests' TcpBackend threads.  The virtual
server's own listener is not exercised here: only the checks.
"""

import re
import time

import pytest

from test_stream_proxy import TcpBackend, backends   # noqa: F401


BASE = """
worker_processes %(workers)d;
error_log logs/error.log info;

events {
    worker_connections 256;
}

ha {
%(body)s
}
"""


def config(body, workers=1):
    return BASE % {"body": body, "workers": workers}


def vs_block(servers, check="connect_timeout 0.3; retry 0;",
             extra="", delay="0.2"):
    rs = "\n".join(
        "        real_server 127.0.0.1 %d { weight 1; %s TCP_CHECK { %s } }"
        % (b.port, extra, check) for b in servers)
    return """
    virtual_server 127.0.0.1 6201 {
        delay_loop %s;
        lb_algo rr;
        lb_kind NAT;
        protocol TCP;
%s
    }
""" % (delay, rs)


@pytest.fixture
def ha(hanx):
    hanx.require("ha")
    return hanx


def name(b):
    return r"\[127\.0\.0\.1\]:tcp:%d" % b.port


def test_a_dead_real_server_is_removed_and_comes_back(ha, backends):
    a = backends(TcpBackend, "a")
    b = backends(TcpBackend, "b")
    c = backends(TcpBackend, "c")
    b_port = b.port

    ha.write_config(config(vs_block([a, b, c])))
    ha.start(wait_ports=[])
    ha.wait_for_log(r"real server checks started: 3 checkers")

    b.stop()
    gone = time.monotonic()

    ha.wait_for_log(r"TCP connection to %s failed\." % name(b), timeout=3)
    ha.wait_for_log(r"Removing service %s from VS "
                    r"\[127\.0\.0\.1\]:tcp:6201" % name(b), timeout=3)

    # delay_loop 0.2 + connect_timeout 0.3, with the timer's slack
    assert time.monotonic() - gone < 0.2 + 0.3 + 0.5

    log = ha.error_log()
    assert not re.search(r"Removing service %s" % name(a), log)
    assert not re.search(r"Removing service %s" % name(c), log)

    backends(TcpBackend, "b", port=b_port)

    ha.wait_for_log(r"TCP connection to %s success\." % name(b), timeout=3)
    ha.wait_for_log(r"Adding service %s to VS \[127\.0\.0\.1\]:tcp:6201"
                    % name(b), timeout=3)


def test_retries_come_after_delay_before_retry(ha, backends):
    a = backends(TcpBackend, "a")

    ha.write_config(config(vs_block([a], check="connect_timeout 0.2;"
                                    " retry 2; delay_before_retry 0.6;")))
    ha.start(wait_ports=[])
    ha.wait_for_log(r"real server checks started: 1 checkers")

    a.stop()
    gone = time.monotonic()

    ha.wait_for_log(r"Removing service %s" % name(a), timeout=5)
    took = time.monotonic() - gone

    # the first failure within a delay_loop (0.2), then two retries each
    # delay_before_retry (0.6) later, not one delay_loop later
    assert took >= 2 * 0.6 - 0.05
    assert took < 2 * 0.6 + 0.2 + 0.6


def test_a_down_server_is_probed_every_delay_loop_again(ha, backends):
    a = backends(TcpBackend, "a")
    a_port = a.port

    ha.write_config(config(vs_block([a], check="connect_timeout 0.2;"
                                    " retry 0; delay_before_retry 5;")))
    ha.start(wait_ports=[])
    ha.wait_for_log(r"real server checks started: 1 checkers")

    a.stop()
    ha.wait_for_log(r"Removing service %s" % name(a), timeout=3)

    # once it is out, the next probes come every delay_loop (0.2 s), so a
    # restarted server is back well before delay_before_retry (5 s)
    back = backends(TcpBackend, "a2", port=a_port)
    assert back.port == a_port
    started = time.monotonic()
    ha.wait_for_log(r"Adding service %s" % name(a), timeout=3)
    assert time.monotonic() - started < 1.5


def test_inhibit_on_failure_disables_instead(ha, backends):
    a = backends(TcpBackend, "a")
    a_port = a.port

    ha.write_config(config(vs_block([a], extra="inhibit_on_failure;")))
    ha.start(wait_ports=[])
    ha.wait_for_log(r"real server checks started")

    a.stop()
    ha.wait_for_log(r"Disabling service %s from VS" % name(a), timeout=3)

    backends(TcpBackend, "a", port=a_port)
    ha.wait_for_log(r"Enabling service %s to VS" % name(a), timeout=3)


def test_every_checker_must_pass(ha, backends):
    a = backends(TcpBackend, "a")
    other = backends(TcpBackend, "other")
    other_port = other.port

    ha.write_config(config("""
    virtual_server 127.0.0.1 6201 {
        delay_loop 0.2;
        real_server 127.0.0.1 %d {
            TCP_CHECK { connect_timeout 0.3; retry 0; }
            TCP_CHECK { connect_port %d; connect_timeout 0.3; retry 0; }
        }
    }
""" % (a.port, other_port)))
    ha.start(wait_ports=[])
    ha.wait_for_log(r"real server checks started: 2 checkers")

    other.stop()

    ha.wait_for_log(r"TCP connection to \[127\.0\.0\.1\]:tcp:%d failed\."
                    % other_port, timeout=3)
    ha.wait_for_log(r"Removing service %s" % name(a), timeout=3)


def test_checks_run_once_in_the_master(ha, backends):
    a = backends(TcpBackend, "a")

    ha.write_config(config(vs_block([a], delay="0.1"), workers=4))
    ha.start(wait_ports=[])
    ha.wait_for_log(r"real server checks started")

    time.sleep(0.3)
    first = a.accepted
    time.sleep(1.0)
    probes = a.accepted - first

    # ten probes a second from the master; four workers would make forty
    assert 6 <= probes <= 14, probes


def test_keepalived_conf_spelling_checks_the_same(ha, backends):
    a = backends(TcpBackend, "a")
    a_port = a.port

    ha.write_config("""
virtual_server 127.0.0.1 6201 {
    delay_loop 0.2
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 127.0.0.1 %d {
        weight 1
        TCP_CHECK {
            connect_timeout 0.3
            retry 0
        }
    }
}
""" % a_port, name="conf/keepalived.conf")
    ha.write_config(config("    keepalived_config keepalived.conf;"))
    ha.start(wait_ports=[])
    ha.wait_for_log(r"real server checks started: 1 checkers")

    a.stop()
    ha.wait_for_log(r"Removing service %s from VS" % name(a), timeout=3)

    backends(TcpBackend, "a", port=a_port)
    ha.wait_for_log(r"Adding service %s to VS" % name(a), timeout=3)
