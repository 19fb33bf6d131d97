"""Broken configurations: `hanx -t` names the file, the line and the
problem exactly as nginx does, and exits with status 1.

Each case is a configuration and the one [emerg] line expected from it.
The messages are nginx's own; where Debian's nginx is installed, the same
files are also given to it and the two outputs compared word for word
(with "nginx:" read as "hanx:"), so a drift from nginx shows even where
this table would not.
"""

import os
import shutil
import subprocess

import pytest


NGINX = shutil.which("nginx") or (
    "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)

IS_ROOT = os.geteuid() == 0


def twelve_lines_then(text):
    """Eleven harmless lines, then text on line 12."""
    head = "events {\n}\n" + "".join("worker_processes 1;\n" if i == 0
                                     else "# line %d\n" % (i + 3)
                                     for i in range(9))
    assert head.count("\n") == 11
    return head + text


# (id, configuration, line or None, message); nginx says the same
CASES = [
    ("unknown-directive-line-12",
     twelve_lines_then("foo bar;\n"), 12,
     'unknown directive "foo"'),
    ("duplicate",
     "events {}\nworker_processes 1;\nworker_processes 2;\n", 3,
     '"worker_processes" directive is duplicate'),
    ("duplicate-block",
     "events {}\n\nevents {}\n", 3,
     '"events" directive is duplicate'),
    ("duplicate-inside-block",
     "events {\n    worker_connections 1;\n    worker_connections 2;\n}\n",
     3, '"worker_connections" directive is duplicate'),
    ("arguments-none",
     "events {}\nworker_processes;\n", 2,
     'invalid number of arguments in "worker_processes" directive'),
    ("arguments-too-many",
     "events {}\npid a b;\n", 2,
     'invalid number of arguments in "pid" directive'),
    ("arguments-flag",
     "events {}\ndaemon on off;\n", 2,
     'invalid number of arguments in "daemon" directive'),
    ("arguments-env",
     "events {}\nenv;\n", 2,
     'invalid number of arguments in "env" directive'),
    ("arguments-block",
     "events x {}\n", 1,
     'invalid number of arguments in "events" directive'),
    ("unexpected-close",
     "events {}\n}\n", 2,
     'unexpected "}"'),
    ("unexpected-close-after-words",
     "events {\n    worker_connections 1 }\n", 2,
     'unexpected "}"'),
    ("eof-in-block",
     "events {\n    worker_connections 1;\n", 3,
     'unexpected end of file, expecting "}"'),
    ("eof-in-directive",
     "events {}\nworker_processes 1", 2,
     'unexpected end of file, expecting ";" or "}"'),
    ("eof-in-quotes",
     "events {}\npid \"logs/x.pid;\n\n", 4,
     'unexpected end of file, expecting ";" or "}"'),
    ("not-allowed-here",
     "worker_connections 10;\nevents {}\n", 1,
     '"worker_connections" directive is not allowed here'),
    ("not-allowed-in-block",
     "events {\n    daemon off;\n}\n", 2,
     '"daemon" directive is not allowed here'),
    ("not-terminated",
     "events {}\ndaemon on {\n}\n", 2,
     'directive "daemon" is not terminated by ";"'),
    ("no-opening-brace",
     "events;\n", 1,
     'directive "events" has no opening "{"'),
    ("unexpected-open",
     "events {}\n{\n}\n", 2,
     'unexpected "{"'),
    ("unexpected-semicolon",
     "events {};\n", 1,
     'unexpected ";"'),
    ("text-after-quote",
     "events {}\ndaemon \"off\"x;\n", 2,
     'unexpected "x"'),
    ("flag-value",
     "events {}\ndaemon maybe;\n", 2,
     'invalid value "maybe" in "daemon" directive, '
     'it must be "on" or "off"'),
    ("flag-value-master-process",
     "events {}\n\n\nmaster_process 1;\n", 4,
     'invalid value "1" in "master_process" directive, '
     'it must be "on" or "off"'),
    ("worker-processes-value",
     "events {}\nworker_processes abc;\n", 2,
     '"worker_processes" directive invalid value'),
    ("msec-value",
     "events {}\ntimer_resolution 10x;\n", 2,
     '"timer_resolution" directive invalid value'),
    ("msec-value-shutdown",
     "events {}\nworker_shutdown_timeout 5q;\n", 2,
     '"worker_shutdown_timeout" directive invalid value'),
    ("number-value",
     "events {}\nworker_rlimit_nofile x;\n", 2,
     '"worker_rlimit_nofile" directive invalid number'),
    ("offset-value",
     "events {}\nworker_rlimit_core 1t;\n", 2,
     '"worker_rlimit_core" directive invalid value'),
    ("enum-value",
     "events {}\ndebug_points maybe;\n", 2,
     'invalid value "maybe"'),
    ("log-level",
     "events {}\nerror_log logs/e.log loud;\n", 2,
     'invalid log level "loud"'),
    ("log-level-twice",
     "events {}\nerror_log logs/e.log warn error;\n", 2,
     'duplicate log level "error"'),
    ("event-type",
     "events {\n    use kqueue;\n}\n", 2,
     'invalid event type "kqueue"'),
    ("connections-value",
     "events {\n    worker_connections many;\n}\n", 2,
     'invalid number "many"'),
    ("quoted-newlines-count",
     "events {}\npid \"a\nb\nc\";\nfoo;\n", 5,
     'unknown directive "foo"'),
    ("comments-ignore-syntax",
     "events {} # } { ; \"\n# unknown;\n'foo';\n", 3,
     'unknown directive "foo"'),
    ("escaped-name",
     "events {}\nfo\\o;\n", 2,
     'unknown directive "fo\\o"'),
    ("no-events",
     "worker_processes 1;\n", None,
     'no "events" section in configuration'),
]

# only with root: user and group lookups
ROOT_CASES = [
    ("user-missing",
     "events {}\nuser hanx-no-such-user;\n", 2,
     'getpwnam("hanx-no-such-user") failed'),
    ("group-missing",
     "events {}\nuser root hanx-no-such-group;\n", 2,
     'getgrnam("hanx-no-such-group") failed'),
]

# hanx's own messages: no nginx to compare with
HANX_CASES = [
    ("not-supported",
     "events {}\n\nproxy_cache one;\n", 3,
     '"proxy_cache" directive is not supported by hanx'),
    ("not-supported-block",
     "events {}\nmail {\n    server_name x;\n}\n", 2,
     '"mail" directive is not supported by hanx'),
    ("syslog-without-server",
     "events {}\nerror_log syslog:tag=x;\n", 2,
     'no syslog server specified'),
]


def emerg_line(h, line, message, conf=None):
    conf = conf or h.conf_path
    if line is None:
        return "hanx: [emerg] %s" % message
    return "hanx: [emerg] %s in %s:%d" % (message, conf, line)


def failed_line(h):
    return "hanx: configuration file %s test failed" % h.conf_path


def check_case(hanx, text, line, message):
    hanx.write_config(text)

    r = hanx.test_config()

    expect = [emerg_line(hanx, line, message), failed_line(hanx)]
    if line is None:
        # found after parsing, when the checks of the finished conf run
        expect.insert(0, "hanx: the configuration file %s syntax is ok"
                      % hanx.conf_path)

    assert r.returncode == 1, r
    assert r.stdout == "", r
    assert r.stderr_lines == expect, r

    # the error log (-e) has the same line, in the long form
    log = hanx.error_log()
    tail = message if line is None else "%s in %s:%d" % (message,
                                                        hanx.conf_path, line)
    assert "[emerg] " in log and log.rstrip("\n").endswith(tail), log


@pytest.mark.parametrize("text,line,message",
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_error_message(hanx, text, line, message):
    check_case(hanx, text, line, message)


@pytest.mark.skipif(not IS_ROOT, reason="user lookups need root")
@pytest.mark.parametrize("text,line,message",
                         [c[1:] for c in ROOT_CASES],
                         ids=[c[0] for c in ROOT_CASES])
def test_error_message_as_root(hanx, text, line, message):
    check_case(hanx, text, line, message)


@pytest.mark.parametrize("text,line,message",
                         [c[1:] for c in HANX_CASES],
                         ids=[c[0] for c in HANX_CASES])
def test_hanx_message(hanx, text, line, message):
    check_case(hanx, text, line, message)


def nginx_test(hanx):
    """nginx -t on hanx's prefix and configuration, "nginx:" read as
    "hanx:"; returns (status, stderr lines)."""
    p = subprocess.run([NGINX, "-p", hanx.prefix + "/", "-c", hanx.CONF,
                        "-e", "logs/nginx-error.log", "-t"],
                       capture_output=True, errors="replace", timeout=30)
    lines = [("hanx: " + line[len("nginx: "):])
             if line.startswith("nginx: ") else line
             for line in p.stderr.splitlines()]
    return p.returncode, lines


ORACLE_CASES = CASES + (ROOT_CASES if IS_ROOT else [])


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed")
@pytest.mark.parametrize("text", [c[1] for c in ORACLE_CASES],
                         ids=[c[0] for c in ORACLE_CASES])
def test_same_output_as_nginx(hanx, text):
    hanx.write_config(text)

    status, expect = nginx_test(hanx)
    r = hanx.test_config()

    assert (r.returncode, r.stderr_lines) == (status, expect), r


# ---- files


def test_missing_configuration_file(hanx):
    r = hanx.test_config(conf="conf/none.conf")

    conf = hanx.path("conf/none.conf")
    assert r.returncode == 1, r
    assert r.stderr_lines == [
        'hanx: [emerg] open() "%s" failed (2: No such file or directory)'
        % conf,
        "hanx: configuration file %s test failed" % conf,
    ], r


def test_configuration_file_is_a_directory(hanx):
    os.makedirs(hanx.path("conf/dir.conf"))

    r = hanx.test_config(conf="conf/dir.conf")

    assert r.returncode == 1, r
    assert r.stderr_lines[-1] == ("hanx: configuration file %s test failed"
                                  % hanx.path("conf/dir.conf")), r
    assert hanx.path("conf/dir.conf") in r.stderr_lines[0], r


def test_missing_include(hanx):
    hanx.write_config("events {}\n\ninclude extra.conf;\n")

    r = hanx.test_config()

    assert r.returncode == 1, r
    assert r.stderr_lines[0] == (
        'hanx: [emerg] open() "%s" failed (2: No such file or directory) '
        'in %s:3' % (hanx.path("conf/extra.conf"), hanx.conf_path)), r


def test_error_in_included_file_names_that_file(hanx):
    hanx.write_file("conf/extra.conf", "worker_processes 1;\n\nfoo;\n")
    hanx.write_config("events {}\ninclude extra.conf;\n")

    r = hanx.test_config()

    assert r.returncode == 1, r
    assert r.stderr_lines == [
        'hanx: [emerg] unknown directive "foo" in %s:3'
        % hanx.path("conf/extra.conf"),
        failed_line(hanx),
    ], r


def test_error_after_include_names_the_main_file(hanx):
    hanx.write_file("conf/extra.conf", "env A;\n" * 5)
    hanx.write_config("events {}\ninclude extra.conf;\nfoo;\n")

    r = hanx.test_config()

    assert r.stderr_lines[0] == emerg_line(hanx, 3,
                                           'unknown directive "foo"'), r


def test_included_glob_error_names_the_file(hanx):
    hanx.write_file("conf/conf.d/a.conf", "worker_processes 1;\n")
    hanx.write_file("conf/conf.d/b.conf", "\n\nworker_processes 2;\n")
    hanx.write_config("events {}\ninclude conf.d/*.conf;\n")

    r = hanx.test_config()

    assert r.stderr_lines[0] == (
        'hanx: [emerg] "worker_processes" directive is duplicate in %s:3'
        % hanx.path("conf/conf.d/b.conf")), r


def test_include_glob_matching_nothing_is_accepted(hanx):
    hanx.write_config("events {}\ninclude conf.d/*.conf;\n")

    r = hanx.test_config()

    assert r.returncode == 0, r


def test_unopenable_error_log(hanx):
    hanx.write_config("events {}\nerror_log /nonexistent/dir/e.log;\n")

    r = hanx.test_config()

    assert r.returncode == 1, r
    assert r.stderr_lines[-2:] == [
        'hanx: [emerg] open() "/nonexistent/dir/e.log" failed '
        '(2: No such file or directory)',
        failed_line(hanx),
    ], r


# ---- -g


@pytest.mark.parametrize("param,message", [
    ("foo;", 'unknown directive "foo" in command line'),
    ("daemon off", 'unexpected end of parameter, expecting ";" '
                   'in command line'),
    ("events { }", "block directives are not supported in -g option "
                   "in command line"),
    ("daemon maybe;", 'invalid value "maybe" in "daemon" directive, '
                      'it must be "on" or "off" in command line'),
    ("worker_connections 1;", '"worker_connections" directive is not '
                              'allowed here in command line'),
], ids=["unknown", "unterminated", "block", "value", "context"])
def test_param_errors(hanx, param, message):
    hanx.write_config("events {}\n")

    r = hanx.test_config("-g", param)

    assert r.returncode == 1, r
    assert r.stderr_lines == ["hanx: [emerg] " + message,
                              failed_line(hanx)], r


def test_param_and_file_duplicate(hanx):
    hanx.write_config("events {}\ndaemon on;\n")

    r = hanx.test_config("-g", "daemon off;")

    assert r.returncode == 1, r
    assert r.stderr_lines[0] == emerg_line(
        hanx, 2, '"daemon" directive is duplicate'), r


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed")
@pytest.mark.parametrize("param", [
    "foo;", "daemon off", "events { }", "daemon maybe;",
    "worker_connections 1;"])
def test_param_errors_as_nginx(hanx, param):
    hanx.write_config("events {}\n")

    p = subprocess.run([NGINX, "-p", hanx.prefix + "/", "-c", hanx.CONF,
                        "-e", "logs/nginx-error.log", "-t", "-g", param],
                       capture_output=True, errors="replace", timeout=30)
    r = hanx.test_config("-g", param)

    assert r.stderr.replace("hanx: ", "nginx: ") == p.stderr, r


# ---- warnings and notices do not fail -t


def test_load_module_is_accepted_with_a_notice(hanx):
    hanx.write_config("load_module modules/ngx_stream_module.so;\n"
                      "events {}\n")

    r = hanx.test_config()

    notice = ('load_module "modules/ngx_stream_module.so" ignored: '
              'hanx builds its modules in in %s:1' % hanx.conf_path)

    assert r.returncode == 0, r
    assert notice not in r.stderr, "a notice stays off the terminal"
    assert any("[notice]" in line and line.endswith(notice)
               for line in hanx.error_log().splitlines()), hanx.error_log()


def test_init_conf_warning_is_shown_and_does_not_fail(hanx):
    hanx.write_config("events {}\nworker_processes 2;\n"
                      "worker_cpu_affinity 01 10 11;\n")

    r = hanx.test_config()

    assert r.returncode == 0, r
    assert r.stderr_lines == [
        "hanx: the configuration file %s syntax is ok" % hanx.conf_path,
        'hanx: [warn] the number of "worker_processes" is not equal to the '
        'number of "worker_cpu_affinity" masks, using last mask for '
        'remaining worker processes',
        "hanx: configuration file %s test is successful" % hanx.conf_path,
    ], r
