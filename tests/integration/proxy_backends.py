"""Small HTTP backends for the proxy tests, run in threads of the test.

Each Backend listens on a loopback port and answers every request with
its name, the request line and the headers it saw, so a test can count
where requests went and check what the proxy sent.  A POST body is read
whole (Content-Length or chunked) and answered with its length and
SHA-256, so large bodies can be checked end to end.

A backend can be killed (listener and every open connection closed, as a
crashed server would leave them), revived on the same port, or told to
hang: accept the request and never answer.

No tests here; the test_http_proxy*.py files import it.
"""

import hashlib
import http.server
import json
import socket
import threading


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class Backend:
    """One backend server on 127.0.0.1:port."""

    def __init__(self, name, port):
        self.name = name
        self.port = port
        self.hits = 0
        self.hang = False
        self.seen = []                  # (method, path, headers dict)
        self.peers = set()              # client ports of connections
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.server = None
        self.sockets = set()
        self.start()

    # ---- life cycle

    def start(self):
        backend = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                with backend.lock:
                    backend.sockets.add(self.connection)

            def finish(self):
                try:
                    super().finish()
                finally:
                    with backend.lock:
                        backend.sockets.discard(self.connection)

            def _count(self):
                with backend.lock:
                    backend.hits += 1
                    backend.seen.append((self.command, self.path,
                                         dict(self.headers.items())))
                    backend.peers.add(self.client_address[1])

            def _read_body(self):
                te = self.headers.get("Transfer-Encoding", "")
                if "chunked" in te.lower():
                    data = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n",
                                                                b"\n", b""):
                                pass
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n) if n else b""

            def _answer(self, body, status=200):
                if backend.hang:
                    backend.release.wait(60)
                    return
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-Backend", backend.name)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def do_GET(self):
                self._count()
                info = {"backend": backend.name, "path": self.path,
                        "headers": dict(self.headers.items())}
                self._answer(json.dumps(info).encode() + b"\n")

            do_HEAD = do_GET

            def do_POST(self):
                self._count()
                data = self._read_body()
                info = {"backend": backend.name, "path": self.path,
                        "length": len(data),
                        "sha256": hashlib.sha256(data).hexdigest()}
                self._answer(json.dumps(info).encode() + b"\n")

        self.server = _Server(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def kill(self):
        """Stops listening and cuts every connection, as a crash would."""
        self.server.shutdown()
        self.server.server_close()
        with self.lock:
            socks = list(self.sockets)
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass
        self.release.set()

    def revive(self):
        self.release.clear()
        self.start()

    def reset(self):
        with self.lock:
            self.hits = 0
            self.seen = []
            self.peers = set()


def backend_of(response_body):
    """The name of the backend that produced a JSON answer."""
    return json.loads(response_body.decode().splitlines()[0])["backend"]


def answer(response_body):
    return json.loads(response_body.decode().splitlines()[0])


class RawBackend:
    """A backend that answers with exactly the bytes a test scripts: the
    handler gets each accepted socket (after the request header was
    read, which it also gets) and does what it likes with it."""

    def __init__(self, port, handler):
        self.port = port
        self.handler = handler
        self.requests = []
        self.connections = 0
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(64)
        self.stopped = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,),
                             daemon=True).start()

    def _serve(self, conn):
        conn.settimeout(10)
        try:
            while True:
                head = read_head(conn)
                if head is None:
                    return
                with self.lock:
                    self.requests.append(head)
                if not self.handler(conn, head):
                    return
        except OSError:
            return
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def stop(self):
        self.stopped = True
        try:
            self.sock.close()
        except OSError:
            pass


def read_head(conn):
    """The request header (bytes up to the empty line), or None at EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    return data
