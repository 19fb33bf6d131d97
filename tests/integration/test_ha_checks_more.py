"""keepalived's UDP_CHECK, PING_CHECK and SMTP_CHECK run by the master
over loopback: a UDP echo server (with require_reply, the reply must
come and contain the expected bytes; without it, only a refusal fails),
an ICMP echo to 127.0.0.1, and a tiny SMTP responder (220, HELO -> 250,
QUIT -> 221), whose host { } blocks must all answer.

Verdicts are logged when they change: a virtual server with "alpha"
starts its real servers out of service, so "Adding service" proves a
check passed; without alpha they start in service and "Removing service"
proves one failed.
"""

import os
import re
import socket
import threading

import pytest

from test_stream_proxy import UdpBackend, backends, refused_port  # noqa
from test_ha_convert import FIXTURES


BASE = """
worker_processes 1;
error_log logs/error.log info;

events {
    worker_connections 256;
}

ha {
%s
}
"""


def vs(port, check, proto="TCP", alpha=True):
    return BASE % """
    virtual_server 127.0.0.1 6201 {
        delay_loop 0.2;
        lb_algo rr;
        protocol %s;
        %s
        real_server 127.0.0.1 %d { weight 1; %s }
    }
""" % (proto, "alpha;" if alpha else "", port, check)


@pytest.fixture
def ha(hanx):
    hanx.require("ha")
    return hanx


class SmtpResponder:
    """A one-thread SMTP server: a greeting, then a reply per command
    line ("HELO" gets helo_code, as a two-line reply; "QUIT" gets 221 and
    the connection is closed).  It keeps the HELO lines it saw."""

    def __init__(self, helo_code=250, greeting=220):
        self.helo_code = helo_code
        self.greeting = greeting
        self.helos = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            try:
                self._talk(c)
            except OSError:
                pass
            c.close()

    def _talk(self, c):
        c.sendall(b"%d test.example ESMTP\r\n" % self.greeting)
        f = c.makefile("rb")
        for line in f:
            if line.upper().startswith(b"HELO"):
                self.helos.append(line.strip())
                c.sendall(b"%d-test.example hello\r\n%d ok\r\n"
                          % (self.helo_code, self.helo_code))
            elif line.upper().startswith(b"QUIT"):
                c.sendall(b"221 bye\r\n")
                return
            else:
                c.sendall(b"500 what\r\n")

    def stop(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def udp(port):
    return r"\[127\.0\.0\.1\]:udp:%d" % port


def tcp(port):
    return r"\[127\.0\.0\.1\]:tcp:%d" % port


# ---- UDP_CHECK ----------------------------------------------------------


def test_udp_check_with_require_reply_needs_the_expected_reply(ha, backends):
    a = backends(UdpBackend, "pong")

    # the reply is "pong:" + the payload "ping"; "706f6e67" is "pong"
    ha.write_config(vs(a.port, "UDP_CHECK { connect_timeout 0.3; retry 0;"
                               " payload 70696e67;"
                               " require_reply 706f6e67; }", "UDP"))
    ha.start(wait_ports=[])

    ha.wait_for_log(r"UDP_CHECK to %s success\." % udp(a.port))
    ha.wait_for_log(r"Adding service %s" % udp(a.port))
    assert a.datagrams >= 1

    a.reply = False
    ha.wait_for_log(r"UDP_CHECK to %s failed: timed out\." % udp(a.port))
    ha.wait_for_log(r"Removing service %s" % udp(a.port))


def test_udp_check_reply_must_contain_the_required_bytes(ha, backends):
    a = backends(UdpBackend, "nope")

    ha.write_config(vs(a.port, "UDP_CHECK { connect_timeout 0.3; retry 0;"
                               " require_reply 706f6e67; }", "UDP",
                       alpha=False))
    ha.start(wait_ports=[])

    ha.wait_for_log(r"UDP_CHECK to %s failed: the reply does not match\."
                    % udp(a.port))
    ha.wait_for_log(r"Removing service %s" % udp(a.port))


def test_udp_check_without_require_reply_fails_only_on_a_refusal(ha,
                                                                 backends):
    quiet = backends(UdpBackend, "q", reply=False)

    ha.write_config(vs(quiet.port, "UDP_CHECK { connect_timeout 0.2;"
                                   " retry 0; }", "UDP"))
    ha.start(wait_ports=[])
    ha.wait_for_log(r"Adding service %s" % udp(quiet.port))
    assert "failed" not in ha.error_log()

    # nothing listens any more: ICMP port unreachable refuses the probe
    quiet.stop()
    ha.wait_for_log(r"UDP_CHECK to %s failed: refused\." % udp(quiet.port))
    ha.wait_for_log(r"Removing service %s" % udp(quiet.port))


def test_udp_check_payload_must_be_hex(ha):
    ha.write_config(vs(5000, "UDP_CHECK { payload 7g; }", "UDP"))
    r = ha.test_config()
    assert r.returncode != 0
    assert "payload" in r.stderr and "hex" in r.stderr


# ---- PING_CHECK ---------------------------------------------------------


def test_ping_check_passes_on_an_echo_reply(ha):
    ha.write_config(vs(80, "PING_CHECK { connect_timeout 0.5; retry 0; }"))
    ha.start(wait_ports=[])

    ha.wait_for_log(r"PING_CHECK to %s success\." % tcp(80))
    ha.wait_for_log(r"Adding service %s" % tcp(80))


def test_ping_check_fails_without_an_echo_reply(ha):
    # TEST-NET-2: nothing answers (no route, or dropped)
    ha.write_config(vs(80, "PING_CHECK { connect_ip 198.51.100.1;"
                           " connect_timeout 0.3; retry 0; }",
                       alpha=False))
    ha.start(wait_ports=[])

    ha.wait_for_log(r"PING_CHECK to \[198\.51\.100\.1\]:tcp:80 failed",
                    timeout=5)
    ha.wait_for_log(r"Removing service %s" % tcp(80))


# ---- SMTP_CHECK ---------------------------------------------------------


def test_smtp_check_talks_helo_and_quit(ha):
    s = SmtpResponder()
    try:
        ha.write_config(vs(s.port, "SMTP_CHECK { connect_timeout 0.5;"
                                   " retry 0; helo_name probe.example; }"))
        ha.start(wait_ports=[])

        ha.wait_for_log(r"SMTP_CHECK to %s success\." % tcp(s.port))
        ha.wait_for_log(r"Adding service %s" % tcp(s.port))
        assert s.helos[0] == b"HELO probe.example"
    finally:
        s.stop()


def test_smtp_check_refuses_a_rejected_helo(ha):
    s = SmtpResponder(helo_code=554)
    try:
        ha.write_config(vs(s.port, "SMTP_CHECK { connect_timeout 0.5;"
                                   " retry 0; }", alpha=False))
        ha.start(wait_ports=[])

        ha.wait_for_log(r"SMTP_CHECK to %s failed: SMTP reply not "
                        r"accepted\." % tcp(s.port))
        ha.wait_for_log(r"Removing service %s" % tcp(s.port))
        # keepalived's default helo_name
        assert s.helos[0] == b"HELO smtpchecker.keepalived.org"
    finally:
        s.stop()


def test_smtp_check_hosts_must_all_answer(ha):
    s = SmtpResponder()
    t = SmtpResponder()
    dead = refused_port()
    try:
        ha.write_config(vs(s.port, """SMTP_CHECK {
                connect_timeout 0.5; retry 0;
                host { connect_ip 127.0.0.1; connect_port %d; }
                host { connect_ip 127.0.0.1; connect_port %d; }
            }""" % (t.port, dead), alpha=False))
        ha.start(wait_ports=[])

        # one host down takes the real server out
        ha.wait_for_log(r"SMTP_CHECK to %s failed" % tcp(dead))
        ha.wait_for_log(r"Removing service %s" % tcp(s.port))

        # the real server's own port is not checked: only the hosts
        assert t.helos
        assert s.helos == []
        assert not re.search(r"SMTP_CHECK to %s failed" % tcp(t.port),
                             ha.error_log())
    finally:
        s.stop()
        t.stop()


def test_the_keepalived_samples_of_these_checks_are_accepted(ha):
    for name in ("UDP_CHECK", "PING_CHECK", "SMTP_CHECK"):
        path = os.path.join(FIXTURES, "keepalived.conf." + name)
        if not os.path.exists(path):
            pytest.skip("no keepalived fixtures")
        ha.write_config(BASE % ("keepalived_config %s;" % path))
        r = ha.test_config()
        assert r.returncode == 0, (name, r.stderr)
