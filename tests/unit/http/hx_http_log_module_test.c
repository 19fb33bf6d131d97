/*
 * Tests for http/modules/hx_http_log_module.c: log_format and access_log
 * parsed by the real dispatcher, and lines written by running the log
 * phase on made-up requests -- the three escape modes, the fields the
 * module computes itself, the default "combined" format, if=, buffers
 * flushed when the worker exits, gzip members, names with variables, and
 * the descriptor cache's LRU, min_uses and "the file moved" behaviour;
 * plus nginx's messages for broken directives.
 */

#include "hx_http_modules_fixture.h"

#include <zlib.h>


extern hx_module_t  hx_http_log_module;


TestSuite(http_log, .init = hxh_init);


/* opens the files named by the configuration, as the cycle would */
static void
hxh_open_files(void)
{
    hx_open_file_t  *file;
    hx_list_iter_t   it;

    hx_list_iter_init(&it, &hxh_cycle.open_files);

    while ((file = hx_list_iter_next(&it)) != NULL) {
        if (file->name.len == 0) {
            continue;
        }

        file->fd = hx_open_file(file->name.data, HX_FILE_APPEND,
                                HX_FILE_CREATE_OR_OPEN,
                                HX_FILE_DEFAULT_ACCESS);
        cr_assert_neq(file->fd, HX_INVALID_FILE, "%s", file->name.data);
    }
}


static void
hxh_log_parse_ok(const char *text)
{
    hxh_parse_ok(text);
    hxh_open_files();
}


/* runs the log phase for a request to uri?args with the given status */
static hx_http_request_t *
hxh_log_request(const char *uri, const char *args, hx_uint_t status)
{
    hx_http_request_t  *r;

    r = hxh_request("127.0.0.1:4321", uri, args);
    r->headers_out.status = status;

    hx_http_log_request(r);

    return r;
}


#define HXH_SERVER_START  "server { listen 127.0.0.1:9000;\n"


Test(http_log, a_format_writes_its_fields_and_text)
{
    hxh_log_parse_ok("http {\n"
                     "log_format t \"$uri:$status $remote_addr [$pipe]\";\n"
                     HXH_SERVER_START
                     "access_log %s/t.log t;\n"
                     "location / { } } }\n");

    hxh_log_request("/a", NULL, 200);
    hxh_log_request("/b", NULL, 404);

    cr_assert_str_eq(hxh_read("t.log"),
                     "/a:200 127.0.0.1 [.]\n/b:404 127.0.0.1 [.]\n");
}


Test(http_log, words_of_a_format_are_joined)
{
    hxh_log_parse_ok("http {\n"
                     "log_format t $uri ' ' ${status}x;\n"
                     HXH_SERVER_START
                     "access_log %s/t.log t;\n"
                     "location / { } } }\n");

    hxh_log_request("/a", NULL, 200);

    cr_assert_str_eq(hxh_read("t.log"), "/a 200x\n");
}


Test(http_log, default_escaping_uses_hex_and_a_dash_for_missing)
{
    hxh_log_parse_ok("http {\n"
                     "log_format t escape=default $uri$arg_b$arg_c;\n"
                     HXH_SERVER_START
                     "access_log %s/t.log t;\n"
                     "location / { } } }\n");

    hxh_log_request("/e/\"1 \x1b\x1c \"", "c=2", 200);

    cr_assert_str_eq(hxh_read("t.log"),
                     "/e/\\x221 \\x1B\\x1C \\x22-2\n");
}


Test(http_log, json_escaping_and_nothing_for_missing)
{
    hxh_log_parse_ok("http {\n"
                     "log_format t escape=json $uri$arg_b$arg_c;\n"
                     HXH_SERVER_START
                     "access_log %s/t.log t;\n"
                     "location / { } } }\n");

    hxh_log_request("/e/\"1 \x1b\x1c \"", "c=2", 200);

    cr_assert_str_eq(hxh_read("t.log"),
                     "/e/\\\"1 \\u001B\\u001C \\\"2\n");
}


Test(http_log, no_escaping)
{
    hxh_log_parse_ok("http {\n"
                     "log_format t escape=none $uri$arg_b$arg_c;\n"
                     HXH_SERVER_START
                     "access_log %s/t.log t;\n"
                     "location / { } } }\n");

    hxh_log_request("/e/\"1 \x1b\x1c \"", "c=2", 200);

    cr_assert_str_eq(hxh_read("t.log"), "/e/\"1 \x1b\x1c \"2\n");
}


Test(http_log, the_default_format_is_combined)
{
    char  *line;

    hxh_log_parse_ok("http {\n" HXH_SERVER_START
                     "access_log %s/c.log;\n"
                     "location / { } } }\n");

    hxh_log_request("/combined", NULL, 200);

    line = hxh_read("c.log");

    cr_assert(strncmp(line, "127.0.0.1 - - [", 15) == 0, "%s", line);
    cr_assert(strstr(line, "] \"") != NULL, "%s", line);
    cr_assert(strstr(line, "\" 200 0 \"-\" \"-\"\n") != NULL, "%s", line);
}


Test(http_log, off_and_inheritance)
{
    hxh_log_parse_ok("http {\n"
                     "log_format t $uri;\n"
                     "access_log %s/main.log t;\n"
                     HXH_SERVER_START
                     "location / { }\n"
                     "location /off { access_log off; }\n"
                     "location /own { access_log %s/own.log t; }\n"
                     "} }\n");

    hxh_log_request("/x", NULL, 200);
    hxh_log_request("/off/y", NULL, 200);
    hxh_log_request("/own/z", NULL, 200);

    cr_assert_str_eq(hxh_read("main.log"), "/x\n");
    cr_assert_str_eq(hxh_read("own.log"), "/own/z\n");
}


Test(http_log, if_skips_empty_and_zero)
{
    hxh_log_parse_ok("http {\n"
                     "log_format t $uri;\n"
                     HXH_SERVER_START
                     "access_log %s/f.log t if=$arg_logme;\n"
                     "location / { } } }\n");

    hxh_log_request("/none", NULL, 200);
    hxh_log_request("/empty", "logme=", 200);
    hxh_log_request("/zero", "logme=0", 200);
    hxh_log_request("/one", "logme=1", 200);
    hxh_log_request("/yes", "logme=yes", 200);

    cr_assert_str_eq(hxh_read("f.log"), "/one\n/yes\n");
}


Test(http_log, buffered_lines_wait_for_the_flush_at_exit)
{
    hxh_log_parse_ok("http {\n"
                     "log_format t $uri;\n"
                     HXH_SERVER_START
                     "access_log %s/b.log t buffer=4k;\n"
                     "location / { } } }\n");

    hxh_log_request("/1", NULL, 200);
    hxh_log_request("/2", NULL, 200);

    cr_assert_str_eq(hxh_read("b.log"), "");

    hx_http_log_module.exit_process(&hxh_cycle);

    cr_assert_str_eq(hxh_read("b.log"), "/1\n/2\n");
}


Test(http_log, a_full_buffer_is_written_before_the_next_line)
{
    hxh_log_parse_ok("http {\n"
                     "log_format t $uri;\n"
                     HXH_SERVER_START
                     "access_log %s/b.log t buffer=8;\n"
                     "location / { } } }\n");

    hxh_log_request("/aaa", NULL, 200);      /* 5 bytes: fits */
    hxh_log_request("/bbb", NULL, 200);      /* does not fit: the first goes */

    cr_assert_str_eq(hxh_read("b.log"), "/aaa\n");

    hxh_log_request("/a-line-longer-than-the-buffer", NULL, 200);

    cr_assert_str_eq(hxh_read("b.log"),
                     "/aaa\n/bbb\n/a-line-longer-than-the-buffer\n");
}


Test(http_log, gzip_writes_members_zlib_reads_back)
{
    char       *path, out[256];
    FILE       *f;
    gzFile      gz;
    int         n;

    hxh_log_parse_ok("http {\n"
                     "log_format t $uri;\n"
                     HXH_SERVER_START
                     "access_log %s/g.log t gzip=9 buffer=1k;\n"
                     "location / { } } }\n");

    hxh_log_request("/one", NULL, 200);
    hx_http_log_module.exit_process(&hxh_cycle);
    hxh_log_request("/two", NULL, 200);
    hx_http_log_module.exit_process(&hxh_cycle);

    path = (char *) hx_pnalloc(hxh_cycle.pool, 256);
    snprintf(path, 256, "%s/g.log", hxh_dir);

    f = fopen(path, "r");
    cr_assert_not_null(f);
    cr_assert_eq(fgetc(f), 0x1f);
    cr_assert_eq(fgetc(f), 0x8b);
    fclose(f);

    gz = gzopen(path, "rb");
    cr_assert_not_null(gz);
    n = gzread(gz, out, sizeof(out) - 1);
    gzclose(gz);

    cr_assert_eq(n, 10);
    out[n] = '\0';
    cr_assert_str_eq(out, "/one\n/two\n");
}


Test(http_log, a_name_with_variables_is_opened_per_request)
{
    hxh_log_parse_ok("http {\n"
                     "log_format t $uri;\n"
                     HXH_SERVER_START
                     "root %s;\n"
                     "access_log %s/var_$arg_n t;\n"
                     "location / { } } }\n");

    hxh_log_request("/a", "n=x", 200);
    hxh_log_request("/b", "n=y", 200);
    hxh_log_request("/c", "n=x", 200);

    cr_assert_str_eq(hxh_read("var_x"), "/a\n/c\n");
    cr_assert_str_eq(hxh_read("var_y"), "/b\n");
}


Test(http_log, no_log_is_created_when_the_root_is_missing)
{
    hxh_log_parse_ok("http {\n"
                     "log_format t $uri;\n"
                     HXH_SERVER_START
                     "root %s/no-such-root;\n"
                     "access_log %s/var_$arg_n t;\n"
                     "location / { } } }\n");

    hxh_log_request("/a", "n=x", 200);

    cr_assert_str_eq(hxh_read("var_x"), "");
    cr_assert(hxh_logged_has("existence failed"), "%s", hxh_logged);
}


/*
 * The sequence access_log.t runs: max=3 min_uses=2 keeps "first" and
 * "second" open (their lines reach the moved directory), evicts "lru"
 * and never kept "once".
 */
Test(http_log, the_descriptor_cache_keeps_the_frequent_files_open)
{
    char  moved[256], dir[256];

    snprintf(dir, sizeof(dir), "%s/dir", hxh_dir);
    snprintf(moved, sizeof(moved), "%s/dir_moved", hxh_dir);
    cr_assert_eq(mkdir(dir, 0755), 0);

    hxh_log_parse_ok("http {\n"
                     "log_format t $uri;\n"
                     HXH_SERVER_START
                     "root %s;\n"
                     "open_log_file_cache max=3 inactive=20s valid=1m "
                     "min_uses=2;\n"
                     "access_log %s/dir/cache_$arg_n t;\n"
                     "location / { } } }\n");

    hxh_log_request("/", "n=lru", 200);
    hxh_log_request("/", "n=lru", 200);
    hxh_log_request("/", "n=once", 200);
    hxh_log_request("/", "n=first", 200);
    hxh_log_request("/", "n=first", 200);
    hxh_log_request("/", "n=second", 200);
    hxh_log_request("/", "n=second", 200);

    cr_assert_eq(rename(dir, moved), 0);

    hxh_log_request("/", "n=lru", 200);
    hxh_log_request("/", "n=once", 200);
    hxh_log_request("/", "n=first", 200);
    hxh_log_request("/", "n=second", 200);

    cr_assert_eq(rename(moved, dir), 0);

    cr_assert_str_eq(hxh_read("dir/cache_lru"), "/\n/\n");
    cr_assert_str_eq(hxh_read("dir/cache_once"), "/\n");
    cr_assert_str_eq(hxh_read("dir/cache_first"), "/\n/\n/\n");
    cr_assert_str_eq(hxh_read("dir/cache_second"), "/\n/\n/\n");
}


Test(http_log, an_unknown_format_is_refused)
{
    hxh_parse_fails("http { server { listen 127.0.0.1:9000;"
                    " access_log /dev/null nope; } }\n",
                    "unknown log format \"nope\" in ");
}


Test(http_log, a_format_name_is_used_once)
{
    hxh_parse_fails("http { log_format a $uri; log_format a $uri; }\n",
                    "duplicate \"log_format\" name \"a\" in ");
}


Test(http_log, combined_cannot_be_redefined)
{
    hxh_parse_fails("http { log_format combined $uri; }\n",
                    "duplicate \"log_format\" name \"combined\"");
}


Test(http_log, an_unknown_escape_is_refused)
{
    hxh_parse_fails("http { log_format a escape=url $uri; }\n",
                    "unknown log format escaping \"url\" in ");
}


Test(http_log, an_unclosed_bracket_is_refused)
{
    hxh_parse_fails("http { log_format a ${uri; }\n",
                    "the closing bracket in \"uri\" variable is missing");
}


Test(http_log, a_lone_dollar_is_refused)
{
    hxh_parse_fails("http { log_format a \"x $ y\"; }\n",
                    "invalid parameter \"x $ y\"");
}


Test(http_log, flush_needs_a_buffer)
{
    hxh_parse_fails("http { server { listen 127.0.0.1:9000;"
                    " access_log /tmp/x.log combined flush=1s; } }\n",
                    "no buffer is defined for access_log \"/tmp/x.log\"");
}


Test(http_log, one_file_one_buffer)
{
    hxh_parse_fails("http { server { listen 127.0.0.1:9000;"
                    " access_log %s/x.log combined buffer=1k;"
                    " location / { access_log %s/x.log combined"
                    " buffer=2k; } } }\n",
                    "already defined with conflicting parameters");
}


Test(http_log, a_buffer_with_variables_is_refused)
{
    hxh_parse_fails("http { server { listen 127.0.0.1:9000;"
                    " access_log %s/$host.log combined buffer=1k; } }\n",
                    "buffered logs cannot have variables in name");
}


Test(http_log, a_bad_compression_level_is_refused)
{
    hxh_parse_fails("http { server { listen 127.0.0.1:9000;"
                    " access_log %s/x.log combined gzip=10; } }\n",
                    "invalid compression level \"10\"");
}


Test(http_log, off_takes_nothing_after_it)
{
    hxh_parse_fails("http { server { listen 127.0.0.1:9000;"
                    " access_log off combined; } }\n",
                    "invalid parameter \"combined\"");
}


Test(http_log, the_cache_needs_max)
{
    hxh_parse_fails("http { open_log_file_cache inactive=1m; }\n",
                    "\"open_log_file_cache\" must have \"max\" parameter");
}


Test(http_log, the_cache_refuses_unknown_parameters)
{
    hxh_parse_fails("http { open_log_file_cache max=10 size=1; }\n",
                    "invalid \"open_log_file_cache\" parameter \"size=1\"");
}


Test(http_log, syslog_sends_one_datagram_per_line)
{
    int                  s;
    char                 msg[512], conf[512];
    ssize_t              n;
    socklen_t            len;
    struct timeval       tv;
    struct sockaddr_in   sin;

    s = socket(AF_INET, SOCK_DGRAM, 0);
    cr_assert_geq(s, 0);

    hx_memzero(&sin, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(s, (struct sockaddr *) &sin, sizeof(sin)), 0);

    len = sizeof(sin);
    cr_assert_eq(getsockname(s, (struct sockaddr *) &sin, &len), 0);

    tv.tv_sec = 2;
    tv.tv_usec = 0;
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

    snprintf(conf, sizeof(conf),
             "http {\n"
             "log_format t $uri:$status;\n"
             HXH_SERVER_START
             "access_log off;\n"
             "location /t { access_log syslog:server=127.0.0.1:%d,"
             "facility=user,severity=alert,tag=SEETHIS t; }\n"
             "location /n { access_log syslog:server=127.0.0.1:%d,"
             "nohostname t; }\n"
             "} }\n", ntohs(sin.sin_port), ntohs(sin.sin_port));

    hxh_log_parse_ok(conf);

    hxh_log_request("/t", NULL, 404);

    n = recv(s, msg, sizeof(msg) - 1, 0);
    cr_assert_gt(n, 0);
    msg[n] = '\0';

    /* user.alert is 1 * 8 + 1 */
    cr_assert(strncmp(msg, "<9>", 3) == 0, "%s", msg);
    cr_assert(strstr(msg, " testhost SEETHIS: /t:404") != NULL, "%s", msg);
    cr_assert_eq(msg[n - 1], '4', "no line feed: %s", msg);

    hxh_log_request("/n", NULL, 200);

    n = recv(s, msg, sizeof(msg) - 1, 0);
    cr_assert_gt(n, 0);
    msg[n] = '\0';

    /* local7.info is 23 * 8 + 6, and no host name */
    cr_assert(strncmp(msg, "<190>", 5) == 0, "%s", msg);
    cr_assert(strstr(msg, ":00 nginx: /n:200") != NULL
              || strstr(msg, " nginx: /n:200") != NULL, "%s", msg);
    cr_assert_null(strstr(msg, "testhost"));

    close(s);
}


Test(http_log, syslog_needs_a_server)
{
    hxh_parse_fails("http { server { listen 127.0.0.1:9000;"
                    " access_log syslog:tag=x; } }\n",
                    "no syslog server specified");
}


Test(http_log, syslog_parameters_are_checked)
{
    hxh_parse_fails("http { server { listen 127.0.0.1:9000;"
                    " access_log syslog:server=127.0.0.1,facility=bad; } }\n",
                    "unknown syslog facility \"bad\"");
}


Test(http_log, syslog_tags_are_alphanumeric)
{
    hxh_parse_fails("http { server { listen 127.0.0.1:9000;"
                    " access_log syslog:server=127.0.0.1,tag=a-b; } }\n",
                    "syslog \"tag\" only allows alphanumeric characters "
                    "and underscore");
}


Test(http_log, syslog_is_never_buffered)
{
    hxh_parse_fails("http { server { listen 127.0.0.1:9000;"
                    " access_log syslog:server=127.0.0.1 combined"
                    " buffer=4k; } }\n",
                    "logs to syslog cannot be buffered");
}
