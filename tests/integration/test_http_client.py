"""A small HTTP/1.x client for the http tests: raw requests over one
connection, responses parsed by Content-Length, chunked coding or the
close, so tests can see exactly what the server sent (status line, header
order and case, body bytes) and drive keep-alive and pipelining.

No tests here; the test_http_*.py files import it.
"""

import os
import socket
import time


HTTP_BASE = """
@USER@
worker_processes 1;
error_log logs/error.log info;

events {
    worker_connections 256;
}

http {
    access_log off;
    client_body_temp_path %%PREFIX%%/client_body_temp;
@HTTP@
}
"""


def http_config(body):
    """A whole configuration with body inside http { }.  As root the
    workers stay root, so they can read the test's private prefix."""
    user = "user root;" if os.geteuid() == 0 else ""
    return HTTP_BASE.replace("@USER@", user).replace("@HTTP@", body)


class Response:
    """One parsed response."""

    def __init__(self, status_line, headers, body, raw_header):
        self.status_line = status_line
        self.status = int(status_line.split()[1])
        self.headers = headers              # [(name, value)] in order
        self.body = body
        self.raw_header = raw_header

    def header(self, name, default=None):
        """The first value of name (case-insensitive)."""
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def __repr__(self):
        return "<%s %r %r>" % (self.status_line, self.headers,
                               self.body[:200])


class Connection:
    """One client connection: send raw bytes, read whole responses."""

    def __init__(self, port, timeout=5):
        self.sock = socket.create_connection(("127.0.0.1", port),
                                             timeout=timeout)
        self.buf = b""
        self.closed = False

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self):
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise AssertionError("timed out waiting for the server; have %r"
                                 % self.buf[:500])
        if not chunk:
            self.closed = True
            return False
        self.buf += chunk
        return True

    def _read_until(self, marker):
        while marker not in self.buf:
            if not self._fill():
                raise AssertionError("connection closed; have %r"
                                     % self.buf[:500])
        i = self.buf.index(marker) + len(marker)
        data, self.buf = self.buf[:i], self.buf[i:]
        return data

    def _read_exact(self, n):
        while len(self.buf) < n:
            if not self._fill():
                raise AssertionError("closed after %d of %d body bytes"
                                     % (len(self.buf), n))
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def _read_to_close(self):
        while self._fill():
            pass
        data, self.buf = self.buf, b""
        return data

    def read_response(self, head=False):
        """Reads one response (no body for HEAD, 1xx, 204, 304)."""
        raw = self._read_until(b"\r\n\r\n")
        lines = raw[:-4].decode("latin-1").split("\r\n")
        status_line = lines[0]
        headers = []
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers.append((k, v.strip()))

        resp = Response(status_line, headers, b"", raw)

        if head or resp.status < 200 or resp.status in (204, 304):
            return resp

        te = resp.header("Transfer-Encoding")
        cl = resp.header("Content-Length")

        if te and "chunked" in te.lower():
            body = b""
            while True:
                size_line = self._read_until(b"\r\n")
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    # trailers end with an empty line
                    while self._read_until(b"\r\n") != b"\r\n":
                        pass
                    break
                body += self._read_exact(size)
                self._read_exact(2)
            resp.body = body

        elif cl is not None:
            resp.body = self._read_exact(int(cl))

        else:
            resp.body = self._read_to_close()

        return resp

    def request(self, raw, head=False):
        self.send(raw)
        return self.read_response(head=head)

    def wait_closed(self, timeout=5):
        """True when the server closes the connection within timeout."""
        end = time.time() + timeout
        self.sock.settimeout(0.2)
        while time.time() < end:
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                return True
            if not chunk:
                return True
            self.buf += chunk
        return False


def get(port, uri="/", host="localhost", headers=None, method="GET",
        version="1.0", body=None):
    """One request on its own connection; the parsed response."""
    lines = ["%s %s HTTP/%s" % (method, uri, version)]
    if host is not None:
        lines.append("Host: %s" % host)
    for k, v in (headers or {}).items():
        lines.append("%s: %s" % (k, v))
    if version == "1.1" and not any(k.lower() == "connection"
                                    for k in (headers or {})):
        lines.append("Connection: close")
    raw = "\r\n".join(lines) + "\r\n\r\n"
    if body is not None:
        raw = raw.encode() + (body if isinstance(body, bytes)
                              else body.encode())
    with Connection(port) as c:
        return c.request(raw, head=(method == "HEAD"))


def raw(port, data, timeout=5):
    """Sends data and returns everything until the server closes."""
    if isinstance(data, str):
        data = data.encode()
    with socket.create_connection(("127.0.0.1", port),
                                  timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            out += chunk
        return out
