"""listen ... proxy_protocol: the PROXY protocol header (versions 1 and 2)
before the first request, whole or in pieces, its addresses in
$proxy_protocol_*, and a broken header closing the connection unanswered.
"""

import socket
import struct
import time

import pytest

from test_http_client import http_config, raw


CONF = """
    server {
        listen 127.0.0.1:%%PORT_8080%% proxy_protocol;
        client_header_timeout 2s;

        location / {
            return 200 "$proxy_protocol_addr:$proxy_protocol_port $proxy_protocol_server_addr:$proxy_protocol_server_port $remote_addr";
        }
        location /tlv {
            return 200 "[$proxy_protocol_tlv_0xe0][$proxy_protocol_tlv_authority]";
        }
    }

    server {
        listen 127.0.0.1:%%PORT_8081%%;
        location / { return 200 "[$proxy_protocol_addr]"; }
    }
"""

REQ = b"GET / HTTP/1.0\r\n\r\n"
V1 = b"PROXY TCP4 192.0.2.1 198.51.100.2 1111 80\r\n"
V2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"


@pytest.fixture
def pp(hanx):
    hanx.write_config(http_config(CONF))
    hanx.start()
    return hanx


def body(response):
    return response.split(b"\r\n\r\n", 1)[1]


def v2(tlvs=b""):
    addrs = socket.inet_aton("192.0.2.1") + socket.inet_aton("198.51.100.2") \
        + struct.pack("!HH", 1111, 80)
    payload = addrs + tlvs
    return V2_SIG + b"\x21\x11" + struct.pack("!H", len(payload)) + payload


def test_version_1(pp):
    r = raw(pp.port(), V1 + REQ)

    assert body(r) == b"192.0.2.1:1111 198.51.100.2:80 127.0.0.1"


def test_version_2_with_tlvs(pp):
    tlvs = b"\xe0\x00\x03abc" + b"\x02\x00\x04host"
    r = raw(pp.port(), v2(tlvs) + b"GET /tlv HTTP/1.0\r\n\r\n")

    assert body(r) == b"[abc][host]"


@pytest.mark.parametrize("header", [V1, v2()])
def test_header_in_pieces_then_request(pp, header):
    with socket.create_connection(("127.0.0.1", pp.port()), timeout=5) as s:
        s.sendall(header[:10])
        time.sleep(0.2)
        s.sendall(header[10:])
        time.sleep(0.2)
        s.sendall(REQ)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk

    assert body(out).startswith(b"192.0.2.1:1111 ")


def test_broken_header_closes_without_an_answer(pp):
    pp.allow_log(r"broken header")

    assert raw(pp.port(), b"GET / HTTP/1.0\r\n\r\n") == b""


def test_without_proxy_protocol_the_variables_are_empty(pp):
    assert body(raw(pp.port(8081), REQ)) == b"[]"
