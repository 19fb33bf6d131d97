"""The stream {} block end to end: "return" with variables over TCP and
UDP, many clients at once against several workers, the wildcard address
standing in for specific ones, the server's own error_log, a reload that
changes the text, and the configuration errors nginx reports for stream.
"""

import re
import selectors
import socket
import time

import pytest


BASE = """
worker_processes %(workers)d;
error_log logs/error.log info;

events {
    worker_connections 1024;
}

stream {
%(servers)s
}
"""


def config(servers, workers=1):
    return BASE % {"servers": servers, "workers": workers}


def udp_request(port, data=b".", addr="127.0.0.1", timeout=5):
    """Sends one datagram; returns (reply, address it came from)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(data, (addr, port))
        return s.recvfrom(65536)


@pytest.fixture
def stream(hanx):
    hanx.require("stream", "stream_return")
    return hanx


def test_return_sends_the_text_and_closes(stream):
    stream.write_config(config("""
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        return "hello, stream\\n";
    }
"""))
    stream.start()

    assert stream.tcp_request(b"") == b"hello, stream\n"


def test_return_evaluates_the_connection_variables(stream):
    stream.write_config(config("""
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        return "$remote_addr:$remote_port $server_addr:$server_port
$protocol $status $bytes_sent $bytes_received $nginx_version
$hostname $pid $connection";
    }
"""))
    stream.start()

    with stream.connect() as s:
        local_port = s.getsockname()[1]
        data = b""
        while True:
            b = s.recv(4096)
            if not b:
                break
            data += b

    lines = data.decode().split("\n")

    assert lines[0] == "127.0.0.1:%d 127.0.0.1:%d" % (local_port,
                                                      stream.port())
    assert lines[1] == "TCP 000 0 0 1.30.0"

    hostname, pid, number = lines[2].split(" ")
    assert hostname == socket.gethostname().lower()
    assert int(pid) in stream.worker_pids()
    assert int(number) >= 1


def test_time_variables_have_nginx_formats(stream):
    stream.write_config(config("""
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        return "$msec!$time_local!$time_iso8601!$session_time";
    }
"""))
    stream.start()

    msec, local, iso, session = stream.tcp_request(b"").decode().split("!")

    assert abs(float(msec) - time.time()) < 60
    assert re.match(r"^\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [-+]\d{4}$",
                    local), local
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$",
                    iso), iso
    assert re.match(r"^\d+\.\d{3}$", session), session


def test_connections_are_numbered_across_workers(stream):
    stream.write_config(config("""
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        return $connection;
    }
""", workers=2))
    stream.start()

    numbers = [int(stream.tcp_request(b"")) for _ in range(20)]

    assert len(set(numbers)) == 20, "each connection has its own number"


def test_many_clients_at_once_each_get_the_text(stream):
    stream.write_config(config("""
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        return "text for $remote_port\\n";
    }
""", workers=2))
    stream.start()

    sel = selectors.DefaultSelector()
    clients = {}

    for _ in range(300):
        s = socket.create_connection(("127.0.0.1", stream.port()),
                                     timeout=5)
        s.setblocking(False)
        clients[s] = b""
        sel.register(s, selectors.EVENT_READ)

    done = 0
    deadline = time.monotonic() + 20

    while done < len(clients) and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1):
            s = key.fileobj
            b = s.recv(4096)
            if b:
                clients[s] += b
                continue
            sel.unregister(s)
            done += 1

    assert done == len(clients), "every client was answered and closed"

    for s, data in clients.items():
        assert data == b"text for %d\n" % s.getsockname()[1]
        s.close()


def test_udp_return_answers_each_datagram(stream):
    stream.write_config(config("""
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        return tcp;
    }

    server {
        listen 127.0.0.1:%%PORT_8081%% udp;
        return "$protocol $bytes_received $server_port";
    }
"""))
    stream.start(wait_ports=[stream.port(8080)])

    udp_port = stream.port(8081)

    for payload in (b".", b"hello"):
        reply, source = udp_request(udp_port, payload)

        assert reply == b"UDP %d %d" % (len(payload), udp_port)
        assert source == ("127.0.0.1", udp_port)

    stream.wait_for_log(r"udp client 127\.0\.0\.1:\d+ connected to "
                        r"127\.0\.0\.1:%d" % udp_port)


def test_udp_wildcard_replies_from_the_address_the_client_used(stream):
    stream.write_config(config("""
    server {
        listen %%PORT_8081%% udp;
        return $server_addr;
    }
""", workers=2))
    stream.start(wait_ports=[])
    time.sleep(0.3)

    port = stream.port(8081)

    for addr in ("127.0.0.1", "127.0.0.2"):
        reply, source = udp_request(port, addr=addr)
        assert reply == addr.encode()
        assert source == (addr, port)


def test_the_wildcard_serves_the_addresses_its_port_has_no_socket_for(
        stream):
    stream.write_config(config("""
    server {
        listen %%PORT_8080%%;
        return wildcard;
    }

    server {
        listen 127.0.0.1:%%PORT_8080%%;
        return loopback;
    }
"""))
    stream.start()

    assert stream.tcp_request(b"") == b"loopback"

    with socket.create_connection(("127.0.0.2", stream.port()),
                                  timeout=5) as s:
        assert s.recv(100) == b"wildcard"


def test_a_server_error_log_gets_its_sessions(stream):
    stream.write_config(config("""
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        error_log logs/stream.log info;
        return x;
    }
"""))
    stream.start()

    assert stream.tcp_request(b"") == b"x"

    stream.wait_for_log(r"\[info\] \d+#\d+: \*\d+ client 127\.0\.0\.1:\d+ "
                        r"connected to 127\.0\.0\.1:%d$" % stream.port(),
                        name="logs/stream.log")


def test_reload_changes_the_text(stream):
    stream.write_config(config("""
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        return before;
    }
"""))
    stream.start()

    assert stream.tcp_request(b"") == b"before"

    stream.write_config(config("""
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        return after;
    }
"""))
    stream.reload()

    deadline = time.monotonic() + 10
    while stream.tcp_request(b"") != b"after":
        assert time.monotonic() < deadline, "the reload took effect"
        time.sleep(0.1)


@pytest.mark.parametrize("servers, message", [
    ("server { listen 127.0.0.1:%%PORT_8080%%; return a; }\n"
     "server { listen 127.0.0.1:%%PORT_8080%%; return b; }",
     r'duplicate "127\.0\.0\.1:\d+" address and port pair in '
     r'\S+hanx\.conf:\d+'),
    ("server { listen 127.0.0.1:%%PORT_8080%% ssl; return a; }",
     r'the "ssl" parameter requires ngx_stream_ssl_module in '),
    ("server { listen 127.0.0.1:%%PORT_8080%% udp backlog=5; return a; }",
     r'"listen" directive "backlog" parameter is incompatible with "udp"'),
    ("server { listen 127.0.0.1:%%PORT_8080%%; return $no_such_var; }",
     r'unknown "no_such_var" variable'),
    ("server { return a; }",
     r'no "listen" is defined for server in \S+hanx\.conf:\d+'),
    ("server { listen 127.0.0.1:%%PORT_8080%%; return '${remote_addr'; }",
     r'the closing bracket in "remote_addr" variable is missing'),
    ("server { listen 127.0.0.1:%%PORT_8080%% bogus; return a; }",
     r'invalid parameter "bogus" in '),
])
def test_configuration_errors_are_nginx_messages(stream, servers, message):
    stream.write_config(config(servers))

    r = stream.test_config()

    assert r.returncode == 1, r
    assert re.search(r"\[emerg\] " + message, r.stderr), r


def test_a_good_stream_configuration_passes_t(stream):
    stream.write_config(config("""
    tcp_nodelay off;
    preread_timeout 10s;

    server {
        listen 127.0.0.1:%%PORT_8080%% so_keepalive=1m:10:3 backlog=64;
        listen 127.0.0.1:%%PORT_8081%% udp reuseport;
        return "$remote_addr";
    }
"""))

    r = stream.test_config()

    assert r.returncode == 0, r
    assert "test is successful" in r.stderr
