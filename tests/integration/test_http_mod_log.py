"""The access log through a running hanx: the default combined format,
log_format with its escape modes, if=, several logs in one location,
buffered logs flushed by the timer and at a graceful stop, gzip=, file
names with variables, and USR1 reopening the logs.
"""

import gzip
import os
import re
import signal
import time

from test_http_client import http_config, get, raw


def start(hanx, body):
    hanx.write_config(http_config(body))
    hanx.write_file("html/index.html", "hello\n")
    hanx.start()


def wait_for_file(hanx, name, pattern=None, timeout=5):
    """Waits until the file exists (and matches pattern); its text."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            text = hanx.read_file(name)
            if pattern is None or re.search(pattern, text, re.M):
                return text
        except FileNotFoundError:
            text = None
        assert time.monotonic() < deadline, \
            "%s: %r after %ss" % (name, text, timeout)
        time.sleep(0.05)


def test_combined_is_the_default_format(hanx):
    start(hanx, """
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        root %%PREFIX%%/html;
        location / { access_log %%PREFIX%%/logs/combined.log; }
    }""")

    r = get(hanx.port(), "/index.html",
            headers={"Referer": "http://ref/", "User-Agent": "tester/1"})
    assert r.status == 200

    hanx.stop()

    line = hanx.read_file("logs/combined.log")
    assert re.match(r'^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d '
                    r'[+-]\d{4}\] "GET /index\.html HTTP/1\.0" 200 6 '
                    r'"http://ref/" "tester/1"\n$', line), line


def test_formats_escaping_and_filters(hanx):
    start(hanx, """
    log_format def   escape=default  $uri:$arg_a:$status;
    log_format json  escape=json     "{\\"u\\":\\"$uri\\",\\"a\\":\\"$arg_a\\"}";
    log_format none  escape=none     $uri;
    log_format sizes "$request_length $bytes_sent $body_bytes_sent";

    server {
        listen 127.0.0.1:%%PORT_8080%%;
        root %%PREFIX%%/html;

        location / {
            access_log %%PREFIX%%/logs/def.log def;
            access_log %%PREFIX%%/logs/json.log json;
            access_log %%PREFIX%%/logs/none.log none;
            access_log %%PREFIX%%/logs/if.log def if=$arg_log;
        }

        location = /index.html {
            access_log %%PREFIX%%/logs/sizes.log sizes;
        }
    }""")

    get(hanx.port(), "/q%22uote%5Cx?a=%1B")
    get(hanx.port(), "/logged?log=1")
    get(hanx.port(), "/not-logged?log=0")
    r = get(hanx.port(), "/index.html")

    hanx.stop()

    assert hanx.read_file("logs/def.log") == (
        '/q\\x22uote\\x5Cx:%1B:404\n/logged:-:404\n/not-logged:-:404\n')
    assert hanx.read_file("logs/json.log").splitlines()[0] == \
        '{"u":"/q\\"uote\\\\x","a":"%1B"}'
    assert hanx.read_file("logs/none.log").splitlines()[0] == '/q"uote\\x'
    assert hanx.read_file("logs/if.log") == "/logged:-:404\n"

    request_length, bytes_sent, body = \
        hanx.read_file("logs/sizes.log").split()
    assert int(bytes_sent) == len(r.raw_header) + len(r.body)
    assert int(body) == 6
    assert int(request_length) > len("GET /index.html HTTP/1.0\r\n")


def test_a_buffer_is_flushed_by_its_timer_and_at_stop(hanx):
    start(hanx, """
    log_format u $uri;
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        root %%PREFIX%%/html;
        location /timer { access_log %%PREFIX%%/logs/t.log u
                                     buffer=64k flush=200ms; }
        location /stop { access_log %%PREFIX%%/logs/s.log u buffer=64k; }
    }""")

    get(hanx.port(), "/timer")
    get(hanx.port(), "/stop/1")
    get(hanx.port(), "/stop/2")

    # nothing yet: the lines wait in the buffer
    time.sleep(0.05)
    assert not os.path.getsize(hanx.path("logs/s.log"))

    assert wait_for_file(hanx, "logs/t.log", "^/timer$") == "/timer\n"

    hanx.stop()

    assert hanx.read_file("logs/s.log") == "/stop/1\n/stop/2\n"


def test_gzip_logs_read_back_with_zcat(hanx):
    start(hanx, """
    log_format u $uri;
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        location / { access_log %%PREFIX%%/logs/z.log.gz u gzip=6
                                flush=100ms; return 200 OK; }
    }""")

    for i in range(3):
        get(hanx.port(), "/z%d" % i)

    hanx.stop()

    with gzip.open(hanx.path("logs/z.log.gz"), "rt") as f:
        assert f.read() == "/z0\n/z1\n/z2\n"


def test_names_with_variables(hanx):
    start(hanx, """
    log_format u $uri;
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        root %%PREFIX%%/html;
        location / { access_log %%PREFIX%%/logs/var_$arg_n.log u; }
    }""")

    get(hanx.port(), "/a?n=x")
    get(hanx.port(), "/b?n=y")
    get(hanx.port(), "/c?n=x")

    assert wait_for_file(hanx, "logs/var_x.log", "/c") == "/a\n/c\n"
    assert hanx.read_file("logs/var_y.log") == "/b\n"


def test_usr1_reopens_the_log(hanx):
    start(hanx, """
    log_format u $uri;
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        access_log %%PREFIX%%/logs/r.log u;
        location / { return 204; }
    }""")

    get(hanx.port(), "/before")
    os.rename(hanx.path("logs/r.log"), hanx.path("logs/r.log.1"))

    # still written to the renamed file until the reopen
    get(hanx.port(), "/renamed")

    hanx.send_signal(signal.SIGUSR1)
    wait_for_file(hanx, "logs/r.log")

    # the workers reopen after the master: retry until they have
    deadline = time.monotonic() + 5
    while True:
        get(hanx.port(), "/after")
        if "/after" in hanx.read_file("logs/r.log"):
            break
        assert time.monotonic() < deadline, "no reopen"
        time.sleep(0.1)

    assert hanx.read_file("logs/r.log.1").startswith("/before\n/renamed\n")


def test_broken_directives_are_refused(hanx):
    hanx.write_config(http_config("""
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        access_log %%PREFIX%%/logs/x.log nosuchformat;
    }"""))

    r = hanx.test_config()
    assert r.returncode == 1
    assert re.search(r'\[emerg\] unknown log format "nosuchformat" in '
                     r'\S+hanx\.conf:\d+', r.stderr), r.stderr
