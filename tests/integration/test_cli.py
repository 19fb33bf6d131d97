"""The command line: -h -v -V -t -T -q -p -c -e -g -s, nginx's meanings,
output and exit statuses, and the seed document's nginx.conf files.

-V is compared with what configure recorded in objs/hx_auto_config.h and
objs/hx_modules.c, so these tests follow the build rather than a fixed
list.  Where Debian's nginx is installed, option errors are compared with
its output too.
"""

import os
import pwd
import re
import shutil
import subprocess

import pytest

from conftest import TOP, auto_config, built_modules


NGINX = shutil.which("nginx") or (
    "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)

SEED = os.environ.get("HANX_SEED_DIR", "/work/shared/seed")

IS_ROOT = os.geteuid() == 0


def hanx_version():
    with open(os.path.join(TOP, "core", "hx_version.h")) as f:
        text = f.read()
    return re.search(r'#define HANX_VERSION\s+"([^"]+)"', text).group(1)


def user_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


MINIMAL = "events {\n}\n"


# ---- -v, -V, -h


def test_v_prints_the_version(hanx):
    r = hanx.run("-v")

    assert r.returncode == 0, r
    assert r.stdout == "", r
    assert r.stderr == "hanx version: hanx/%s\n" % hanx_version(), r


def test_V_lines(hanx):
    r = hanx.run("-V")
    lines = r.stderr_lines
    conf = auto_config()

    assert r.returncode == 0, r
    assert r.stdout == "", r
    assert len(lines) == 6, r
    assert lines[0] == "hanx version: hanx/%s" % hanx_version()
    assert lines[1] == "nginx version: nginx/1.30.0"
    assert lines[2] == "built by %s" % conf.get("HX_COMPILER", lines[2][9:])
    assert lines[3].startswith("built with OpenSSL "), lines[3]
    assert lines[4] == "TLS SNI support enabled"
    assert lines[5].startswith("configure arguments:"), lines[5]


def test_V_openssl_line_as_nginx_prints_it(hanx):
    line = hanx.run("-V").stderr_lines[3]

    # "built with OpenSSL 3.0.11 19 Sep 2023", and only when the library
    # found at run time differs: " (running with OpenSSL ...)"
    m = re.match(r"^built with (OpenSSL [^(]+?)"
                 r"(?: \(running with (OpenSSL .+)\))?$", line)
    assert m, line
    if m.group(2) is not None:
        assert m.group(1) != m.group(2), \
            "nginx says \"running with\" only when the versions differ"


def test_V_configure_arguments_as_configure_recorded_them(hanx):
    line = hanx.run("-V").stderr_lines[5]
    recorded = auto_config().get("HX_CONFIGURE")

    if recorded is None:
        pytest.skip("no objs/hx_auto_config.h to compare with")

    words = recorded.split()
    if words:
        # nginx: "configure arguments: --with-..." (one space)
        assert line == "configure arguments: " + " ".join(words), line
    else:
        assert line == "configure arguments:", line


# nginx's --with switch for each of its non-default modules hanx has
WITH_SWITCHES = {
    "hx_stream_module": "--with-stream",
    "hx_stream_ssl_module": "--with-stream_ssl_module",
    "hx_stream_realip_module": "--with-stream_realip_module",
    "hx_http_ssl_module": "--with-http_ssl_module",
    "hx_http_realip_module": "--with-http_realip_module",
    "hx_http_stub_status_module": "--with-http_stub_status_module",
}


def test_V_names_built_modules_in_nginx_spelling(hanx):
    """nginx-tests and monitoring agents decide what to expect from these
    switches, so each built module must be announced in nginx's words."""
    args = hanx.configure_arguments()
    modules = built_modules()

    assert all(a.startswith("--") for a in args), args

    for module, switch in sorted(WITH_SWITCHES.items()):
        if module in modules:
            assert switch in args, (module, switch, args)


@pytest.mark.parametrize("opt", ["-h", "-?"])
def test_h_prints_usage(hanx, opt):
    conf = auto_config()
    prefix = conf.get("HX_PREFIX", "/usr/local/hanx/")
    error_log = conf.get("HX_ERROR_LOG_PATH", "logs/error.log")
    conf_path = conf.get("HX_CONF_PATH", "conf/hanx.conf")

    r = hanx.run(opt)

    assert r.returncode == 0, r
    assert r.stdout == "", r
    assert r.stderr == (
        "hanx version: hanx/%s\n"
        "Usage: hanx [-?hvVtTq] [-s signal] [-p prefix]\n"
        "            [-e filename] [-c filename] [-g directives]\n"
        "\n"
        "Options:\n"
        "  -?,-h         : this help\n"
        "  -v            : show version and exit\n"
        "  -V            : show version and configure options then exit\n"
        "  -t            : test configuration and exit\n"
        "  -T            : test configuration, dump it and exit\n"
        "  -q            : suppress non-error messages during configuration "
        "testing\n"
        "  -s signal     : send signal to a master process: stop, quit, "
        "reopen, reload\n"
        "  -p prefix     : set prefix path (default: %s)\n"
        "  -e filename   : set error log file (default: %s)\n"
        "  -c filename   : set configuration file (default: %s)\n"
        "  -g directives : set global directives out of configuration file\n"
        "\n" % (hanx_version(), prefix, error_log, conf_path)), r


def test_version_then_test(hanx):
    hanx.write_config(MINIMAL)

    r = hanx.run(*(hanx.base_args() + ["-v", "-t"]))

    assert r.returncode == 0, r
    assert r.stderr_lines == [
        "hanx version: hanx/%s" % hanx_version(),
        "hanx: the configuration file %s syntax is ok" % hanx.conf_path,
        "hanx: configuration file %s test is successful" % hanx.conf_path,
    ], r


# ---- bad options


@pytest.mark.parametrize("args,message", [
    (["-x"], 'invalid option: "x"'),
    (["-tx"], 'invalid option: "x"'),
    (["foo"], 'invalid option: "foo"'),
    (["-s", "restart"], 'invalid option: "-s restart"'),
    (["-p"], 'option "-p" requires directory name'),
    (["-e"], 'option "-e" requires file name'),
    (["-c"], 'option "-c" requires file name'),
    (["-g"], 'option "-g" requires parameter'),
    (["-s"], 'option "-s" requires parameter'),
], ids=["unknown", "unknown-combined", "no-dash", "signal", "p", "e", "c",
        "g", "s"])
def test_invalid_options(hanx, args, message):
    r = hanx.run(*args)

    assert r.returncode == 1, r
    assert r.stdout == "", r
    assert r.stderr == "hanx: %s\n" % message, r


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed")
@pytest.mark.parametrize("args", [["-x"], ["-tx"], ["foo"],
                                  ["-s", "restart"], ["-p"], ["-e"], ["-c"],
                                  ["-g"], ["-s"]])
def test_invalid_options_as_nginx(hanx, args):
    p = subprocess.run([NGINX] + args, capture_output=True,
                       errors="replace", timeout=30)
    r = hanx.run(*args)

    assert (r.returncode, r.stderr) == (
        p.returncode, p.stderr.replace("nginx: ", "hanx: ")), r


# ---- -t and -q


def test_t_success(hanx):
    hanx.write_config(MINIMAL)

    r = hanx.test_config()

    assert r.returncode == 0, r
    assert r.stdout == "", r
    assert r.stderr_lines == [
        "hanx: the configuration file %s syntax is ok" % hanx.conf_path,
        "hanx: configuration file %s test is successful" % hanx.conf_path,
    ], r


def test_t_failure(hanx):
    hanx.write_config(MINIMAL + "foo;\n")

    r = hanx.test_config()

    assert r.returncode == 1, r
    assert r.stderr_lines == [
        'hanx: [emerg] unknown directive "foo" in %s:3' % hanx.conf_path,
        "hanx: configuration file %s test failed" % hanx.conf_path,
    ], r


def test_tq_is_silent_on_success(hanx):
    hanx.write_config(MINIMAL)

    r = hanx.run(*(hanx.base_args() + ["-tq"]))

    assert r.returncode == 0, r
    assert r.stdout == "" and r.stderr == "", r


def test_q_still_reports_failure(hanx):
    hanx.write_config("foo;\n" + MINIMAL)

    r = hanx.run(*(hanx.base_args() + ["-q", "-t"]))

    assert r.returncode == 1, r
    assert r.stderr_lines == [
        'hanx: [emerg] unknown directive "foo" in %s:1' % hanx.conf_path,
        "hanx: configuration file %s test failed" % hanx.conf_path,
    ], r


def test_t_writes_the_error_to_the_error_log_too(hanx):
    hanx.write_config("foo;\n" + MINIMAL)

    hanx.test_config()

    lines = hanx.error_log().splitlines()
    assert len(lines) == 1, lines
    assert re.match(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[emerg\] \d+#0: "
                    r'unknown directive "foo" in %s:1$'
                    % re.escape(hanx.conf_path), lines[0]), lines


def test_e_stderr_shows_the_long_form_once(hanx):
    hanx.write_config("foo;\n" + MINIMAL)

    r = hanx.run(*(hanx.base_args(error_log=False)
                   + ["-e", "stderr", "-t"]))

    assert r.returncode == 1, r
    emerg = [line for line in r.stderr_lines if "[emerg]" in line]
    assert len(emerg) == 1, r
    assert re.match(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[emerg\] \d+#0: "
                    r'unknown directive "foo"', emerg[0]), r


def test_e_names_the_error_log_relative_to_the_prefix(hanx):
    hanx.write_config("foo;\n" + MINIMAL)

    hanx.run(*(hanx.base_args(error_log=False)
               + ["-e", "logs/other.log", "-t"]))

    with open(hanx.path("logs/other.log")) as f:
        assert 'unknown directive "foo"' in f.read()


def test_c_absolute_path_outside_the_prefix(hanx, tmp_path):
    conf = tmp_path / "elsewhere" / "my.conf"
    conf.parent.mkdir()
    conf.write_text(MINIMAL + "foo;\n")

    r = hanx.run("-p", hanx.prefix, "-c", str(conf), "-e",
                 "logs/error.log", "-t")

    assert r.stderr_lines[0] == ('hanx: [emerg] unknown directive "foo" '
                                 'in %s:3' % conf), r


def test_c_attached_argument_and_combined_flags(hanx):
    hanx.write_config(MINIMAL)

    r = hanx.run("-p%s" % hanx.prefix, "-c" + hanx.CONF,
                 "-elogs/error.log", "-qt")

    assert r.returncode == 0, r
    assert r.stderr == "", r


def test_p_without_trailing_slash(hanx):
    hanx.write_config(MINIMAL)

    r = hanx.run("-p", hanx.prefix.rstrip("/"), "-c", hanx.CONF,
                 "-e", "logs/error.log", "-t")

    assert r.returncode == 0, r
    assert hanx.conf_path in r.stderr_lines[0], r
    assert "//" not in r.stderr, r


def test_default_configuration_path_is_under_the_prefix(hanx):
    conf_path = auto_config().get("HX_CONF_PATH", "conf/hanx.conf")
    if conf_path.startswith("/"):
        pytest.skip("built with an absolute --conf-path")

    hanx.write_config(MINIMAL, name=conf_path)

    r = hanx.run("-p", hanx.prefix, "-e", "logs/error.log", "-t")

    assert r.returncode == 0, r
    assert r.stderr_lines[0] == ("hanx: the configuration file %s syntax "
                                 "is ok" % hanx.path(conf_path)), r


def test_include_is_relative_to_the_configuration_directory(hanx, tmp_path):
    # nginx's rule: the directory of -c, not the prefix or the cwd
    other = tmp_path / "etc"
    (other / "conf.d").mkdir(parents=True)
    (other / "hanx.conf").write_text("include conf.d/*.conf;\n")
    (other / "conf.d" / "events.conf").write_text(MINIMAL)

    r = hanx.run("-p", hanx.prefix, "-c", str(other / "hanx.conf"),
                 "-e", "logs/error.log", "-t")

    assert r.returncode == 0, r


# ---- -g


def test_g_adds_directives(hanx):
    hanx.write_config(MINIMAL)

    r = hanx.test_config("-g", "worker_processes 2; daemon off;")

    assert r.returncode == 0, r


def test_g_directive_conflicting_with_the_file(hanx):
    hanx.write_config(MINIMAL + "worker_processes 4;\n")

    r = hanx.test_config("-g", "worker_processes 2;")

    assert r.returncode == 1, r
    assert r.stderr_lines[0] == (
        'hanx: [emerg] "worker_processes" directive is duplicate in %s:3'
        % hanx.conf_path), r


# ---- -T


def test_T_dumps_every_file_read(hanx):
    main = ("# the main file\n"
            "include conf.d/*.conf;\n"
            "events {\n"
            "    include events.conf;\n"
            "}\n")
    a = "worker_processes 1;\n"
    b = "env TZ;  # a comment stays\n"
    ev = "worker_connections 64;"            # no final newline

    hanx.write_config(main)
    hanx.write_file("conf/conf.d/b.conf", b)
    hanx.write_file("conf/conf.d/a.conf", a)
    hanx.write_file("conf/events.conf", ev)

    r = hanx.run(*(hanx.base_args() + ["-T"]))

    assert r.returncode == 0, r
    assert r.stderr_lines == [
        "hanx: the configuration file %s syntax is ok" % hanx.conf_path,
        "hanx: configuration file %s test is successful" % hanx.conf_path,
    ], r
    assert r.stdout == (
        "# configuration file %s:\n%s\n"
        "# configuration file %s:\n%s\n"
        "# configuration file %s:\n%s\n"
        "# configuration file %s:\n%s\n"
        % (hanx.conf_path, main,
           hanx.path("conf/conf.d/a.conf"), a,
           hanx.path("conf/conf.d/b.conf"), b,
           hanx.path("conf/events.conf"), ev)), r


def test_T_dumps_a_file_included_twice_once(hanx):
    hanx.write_config("include common.conf;\ninclude common.conf;\n"
                      + MINIMAL)
    hanx.write_file("conf/common.conf", "env A;\n")

    r = hanx.run(*(hanx.base_args() + ["-T"]))

    assert r.returncode == 0, r
    assert r.stdout.count("# configuration file ") == 2, r
    assert r.stdout.count("env A;") == 1, r


def test_T_on_a_broken_file_dumps_nothing(hanx):
    hanx.write_config(MINIMAL + "foo;\n")

    r = hanx.run(*(hanx.base_args() + ["-T"]))

    assert r.returncode == 1, r
    assert r.stdout == "", r
    assert r.stderr_lines[-1] == ("hanx: configuration file %s test failed"
                                  % hanx.conf_path), r


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed")
def test_T_output_as_nginx(hanx):
    hanx.write_config("include conf.d/*.conf;\nevents {\n"
                      "    worker_connections 64;\n}\n")
    hanx.write_file("conf/conf.d/a.conf", "worker_processes 1;\n")

    p = subprocess.run([NGINX, "-p", hanx.prefix + "/", "-c", hanx.CONF,
                        "-e", "logs/nginx-error.log", "-T"],
                       capture_output=True, errors="replace", timeout=30)
    r = hanx.run(*(hanx.base_args() + ["-T"]))

    assert r.stdout == p.stdout, r
    assert r.stderr == p.stderr.replace("nginx: ", "hanx: "), r


# ---- -s without a running master


def test_s_without_a_pid_file(hanx):
    hanx.write_config(MINIMAL)

    r = hanx.run(*(hanx.base_args() + ["-s", "reload"]))

    assert r.returncode == 1, r
    assert r.stderr_lines[-1:] == [
        'hanx: [error] open() "%s" failed (2: No such file or directory)'
        % hanx.path("logs/hanx.pid")], r


# ---- user


@pytest.mark.skipif(not IS_ROOT, reason="user lookups need root")
def test_user_that_does_not_exist(hanx):
    hanx.write_config("user hanx-test-nobody;\n" + MINIMAL)

    r = hanx.test_config()

    assert r.returncode == 1, r
    assert r.stderr_lines == [
        'hanx: [emerg] getpwnam("hanx-test-nobody") failed in %s:1'
        % hanx.conf_path,
        "hanx: configuration file %s test failed" % hanx.conf_path,
    ], r


@pytest.mark.skipif(not IS_ROOT, reason="user lookups need root")
def test_user_with_its_own_group(hanx):
    hanx.write_config("user daemon;\n" + MINIMAL)

    r = hanx.test_config()

    assert r.returncode == 0, r


@pytest.mark.skipif(IS_ROOT, reason="the warning is for non-root masters")
def test_user_without_root_is_ignored_with_a_warning(hanx):
    hanx.write_config("user nobody;\n" + MINIMAL)

    r = hanx.test_config()

    assert r.returncode == 0, r
    assert ('hanx: [warn] the "user" directive makes sense only if the '
            'master process runs with super-user privileges, ignored in '
            '%s:1' % hanx.conf_path) in r.stderr_lines, r


# ---- the seed document's nginx.conf files


SEEDS = ["node1-nginx.conf", "node2-nginx.conf"]


def seed_text(name):
    path = os.path.join(SEED, name)
    if not os.path.exists(path):
        pytest.skip("no seed at %s" % path)
    with open(path, "rb") as f:
        return f.read()


def strip_block(text, name):
    """text without the top-level block "name { ... }"."""
    m = re.search(r"^%s\s*\{" % name, text, re.M)
    assert m, "no %s block" % name
    depth = 0
    for i in range(m.end() - 1, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[:m.start()] + text[i + 1:]
    raise AssertionError("unbalanced %s block" % name)


@pytest.mark.xfail(reason="http module (issue 4/5)", strict=False)
@pytest.mark.parametrize("name", SEEDS)
def test_seed_nginx_conf_passes_unchanged(hanx, name):
    if not user_exists("nginx") or not IS_ROOT:
        pytest.skip("needs root and an \"nginx\" user")
    if not os.path.exists("/etc/nginx/mime.types"):
        pytest.skip("needs /etc/nginx/mime.types")
    if not os.path.isdir("/var/log/nginx"):
        pytest.skip("needs /var/log/nginx")

    hanx.write_file(hanx.CONF, seed_text(name), render=False, mode="wb")

    r = hanx.test_config()

    assert r.returncode == 0, r
    assert r.stderr_lines[-1] == ("hanx: configuration file %s test is "
                                  "successful" % hanx.conf_path), r


@pytest.mark.skipif(not IS_ROOT, reason="user lookups need root")
@pytest.mark.parametrize("name", SEEDS)
def test_seed_nginx_conf_without_nginx_user(hanx, name):
    if user_exists("nginx"):
        pytest.skip("this machine has an \"nginx\" user")

    hanx.write_file(hanx.CONF, seed_text(name), render=False, mode="wb")

    r = hanx.test_config()

    assert r.returncode == 1, r
    assert r.stderr_lines == [
        'hanx: [emerg] getpwnam("nginx") failed in %s:1' % hanx.conf_path,
        "hanx: configuration file %s test failed" % hanx.conf_path,
    ], r


@pytest.mark.parametrize("name", SEEDS)
def test_seed_main_part(hanx, name):
    """The seed without its http block: user, worker_processes, error_log,
    pid and events are hanx's already.  Where this machine lacks what the
    file names (the nginx user, /var/log/nginx), those lines point at what
    exists instead, keeping their shape."""
    text = seed_text(name).decode()
    text = strip_block(text, "http")

    if not IS_ROOT or not user_exists("nginx"):
        text = re.sub(r"^user\s+nginx;", "user  daemon;", text, flags=re.M)
    if not os.access("/var/log/nginx", os.W_OK):
        text = text.replace("/var/log/nginx/", hanx.path("logs") + "/")

    hanx.write_config(text)

    r = hanx.test_config()

    expect = [
        "hanx: the configuration file %s syntax is ok" % hanx.conf_path,
        "hanx: configuration file %s test is successful" % hanx.conf_path,
    ]
    if not IS_ROOT:
        expect.insert(0, 'hanx: [warn] the "user" directive makes sense '
                      'only if the master process runs with super-user '
                      'privileges, ignored in %s:1' % hanx.conf_path)

    assert r.returncode == 0, r
    assert r.stderr_lines == expect, r


@pytest.mark.parametrize("name", SEEDS)
def test_seed_main_part_dump(hanx, name):
    text = strip_block(seed_text(name).decode(), "http")
    text = re.sub(r"^user\s+nginx;", "user  daemon;", text, flags=re.M)
    text = text.replace("/var/log/nginx/", hanx.path("logs") + "/")
    hanx.write_config(text)

    r = hanx.run(*(hanx.base_args() + ["-T"]))

    assert r.returncode == 0, r
    assert r.stdout == "# configuration file %s:\n%s\n" % (hanx.conf_path,
                                                           text), r


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed")
@pytest.mark.parametrize("name", SEEDS)
def test_seed_unchanged_as_nginx(hanx, name):
    """Whatever this machine lets nginx say about the seed, hanx says too
    (the user line fails first on a machine without the nginx user)."""
    if user_exists("nginx"):
        pytest.skip("with an nginx user, the http block decides (issue 4/5)")

    hanx.write_file(hanx.CONF, seed_text(name), render=False, mode="wb")

    p = subprocess.run([NGINX, "-p", hanx.prefix + "/", "-c", hanx.CONF,
                        "-e", "logs/nginx-error.log", "-t"],
                       capture_output=True, errors="replace", timeout=30)
    r = hanx.test_config()

    assert (r.returncode, r.stderr) == (
        p.returncode, p.stderr.replace("nginx: ", "hanx: ")), r
