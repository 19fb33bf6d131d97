"""The harness itself: that it renders configurations, notices what it
must refuse at teardown (alert and crit lines, processes killed by
signals the test did not send, sanitizer reports), waits for ports, and
runs a real hanx from start to graceful stop.
"""

import signal
import socket
import subprocess

import pytest

from conftest import Hanx, listening_ports, split_sanitizer


@pytest.fixture
def bare(tmp_path):
    """A Hanx that is never started: for checking the harness's logic."""
    return Hanx(tmp_path / "bare", binary="/bin/false")


def test_prefix_has_conf_logs_html(bare):
    for d in ("conf", "logs", "html"):
        assert (bare.path(d) + "/").startswith(bare.prefix)


def test_ports_are_free_distinct_and_stable(bare):
    a = bare.port(8080)
    b = bare.port(8081)

    assert a != b
    assert bare.port(8080) == a
    assert bare.render("listen 127.0.0.1:%%PORT_8080%%; %%PORT_8081%%") == \
        "listen 127.0.0.1:%d; %d" % (a, b)


def test_render_prefix(bare):
    assert bare.render("pid %%PREFIX%%/logs/x.pid;") == \
        "pid %s/logs/x.pid;" % bare.prefix


def test_write_config_renders(bare):
    bare.write_config("listen %%PORT_9000%%;\n")

    assert bare.read_file("conf/hanx.conf") == "listen %d;\n" % bare.port(9000)


def test_alert_and_crit_lines_are_problems(bare):
    bare.write_file("logs/error.log",
                    "2026/01/01 00:00:00 [error] 1#0: fine\n"
                    "2026/01/01 00:00:00 [emerg] 1#0: fine too\n"
                    "2026/01/01 00:00:00 [alert] 1#0: a bug\n"
                    "2026/01/01 00:00:00 [crit] 1#0: a broken system\n")

    found = bare.problems()

    assert len(found) == 2, found
    assert "a bug" in found[0] and "a broken system" in found[1]


def test_expected_alert_can_be_allowed(bare):
    bare.write_file("logs/error.log",
                    "2026/01/01 00:00:00 [alert] 1#0: expected one\n")
    bare.allow_log(r"expected one")

    assert bare.problems() == []


def test_worker_killed_by_a_signal_is_a_problem(bare):
    bare.write_file("logs/error.log",
                    "2026/01/01 00:00:00 [notice] 1#0: worker process 4242 "
                    "exited on signal 11 (core dumped)\n")

    found = bare.problems()

    assert len(found) == 1 and "signal 11" in found[0], found


def test_signal_the_test_sent_is_not_a_problem(bare):
    bare.write_file("logs/error.log",
                    "2026/01/01 00:00:00 [notice] 1#0: worker process 4242 "
                    "exited on signal 9\n")
    bare.sent_signals.append((4242, signal.SIGKILL))

    assert bare.problems() == []


def test_alert_for_a_worker_the_test_killed_is_not_a_problem(bare):
    bare.write_file("logs/error.log",
                    "2026/01/01 00:00:00 [alert] 1#0: worker process 4242 "
                    "exited on signal 9\n")
    bare.sent_signals.append((4242, signal.SIGKILL))

    assert bare.problems() == []


def test_signal_relayed_by_the_master_is_not_a_problem(bare):
    class Master:
        pid = 100
        returncode = 0

    bare.process = Master()
    bare.sent_signals.append((100, signal.SIGTERM))
    bare.write_file("logs/error.log",
                    "2026/01/01 00:00:00 [notice] 100#0: worker process 4242 "
                    "exited on signal 15\n"
                    "2026/01/01 00:00:00 [notice] 100#0: worker process 4243 "
                    "exited on signal 6\n")

    found = bare.problems()

    assert len(found) == 1 and "signal 6" in found[0], found


def test_master_killed_by_a_signal_is_a_problem(bare):
    class Master:
        pid = 100
        returncode = -11

    bare.process = Master()

    assert any("master died from signal 11" in p for p in bare.problems())


def test_sanitizer_report_is_split_off():
    text = ("hanx: configuration file x test failed\n"
            "\n" + "=" * 65 + "\n"
            "==123==ERROR: LeakSanitizer: detected memory leaks\n"
            "SUMMARY: AddressSanitizer: 1024 byte(s) leaked\n")

    out, report = split_sanitizer(text)

    assert out == "hanx: configuration file x test failed\n\n"
    assert report.startswith("====")
    assert "LeakSanitizer" in report


def test_ubsan_report_is_split_off():
    out, report = split_sanitizer(
        "ok\ncore/hx_x.c:10:5: runtime error: signed integer overflow\n")

    assert out == "ok\n"
    assert "runtime error" in report


def test_sanitizer_report_of_a_run_is_a_problem(bare):
    bare.sanitizer_reports.append("==1==ERROR: AddressSanitizer: boom")

    assert any("AddressSanitizer" in p for p in bare.problems())


def test_listening_ports_sees_a_listener():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]

        assert port in listening_ports()

    assert port not in listening_ports()


def test_wait_listening_fails_when_the_process_exits(bare):
    bare.process = subprocess.Popen(["true"])

    with pytest.raises(pytest.fail.Exception, match="exited"):
        bare.wait_listening([bare.port()], timeout=5)


def test_wait_listening_times_out(bare):
    bare.process = subprocess.Popen(["sleep", "5"])

    try:
        with pytest.raises(pytest.fail.Exception, match="not listening"):
            bare.wait_listening([bare.port()], timeout=0.3)
    finally:
        bare.process.kill()
        bare.process.wait()


# ---- a real hanx, from start to stop


STREAM_RETURN = """
worker_processes 1;

events {
    worker_connections 64;
}

stream {
    server {
        listen 127.0.0.1:%%PORT_8080%%;
        return "hello\\n";
    }
}
"""


def test_start_talk_and_stop(hanx):
    hanx.require("stream")
    hanx.write_config(STREAM_RETURN)

    hanx.start()

    assert hanx.alive()
    assert hanx.worker_pids(), "a worker runs under the master"
    assert hanx.tcp_request(b"") == b"hello\n"

    assert hanx.stop() == 0
    assert hanx.port() not in listening_ports()


def test_killing_a_worker_is_allowed_when_the_test_does_it(hanx):
    hanx.require("stream")
    hanx.write_config(STREAM_RETURN)
    hanx.start()

    worker = hanx.worker_pids()[0]
    hanx.send_signal(signal.SIGKILL, worker)

    hanx.wait_for_log(r"process %d exited on signal 9" % worker)
    assert hanx.alive()


def test_start_fails_cleanly_on_a_broken_file(hanx):
    hanx.write_config("events {}\nfoo;\n")

    with pytest.raises(pytest.fail.Exception, match="exited with 1"):
        hanx.start(wait_ports=[hanx.port()])

    assert 'unknown directive "foo"' in hanx.stderr()
