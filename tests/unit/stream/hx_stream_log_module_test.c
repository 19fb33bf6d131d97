/*
 * Tests for stream/hx_stream_log_module.c: a session's line in each
 * escaping mode (and "-" for values not found), joined format strings,
 * if= filtering, buffered lines written on flush, names with variables
 * through open_log_file_cache, and the directive errors.
 */

#include "hx_stream_modules_fixture.h"


extern hx_module_t  hx_stream_log_module;


TestSuite(stream_log, .init = hxs_init);


/* the contents of a file of the test directory */
static const char *
file(const char *name)
{
    FILE         *f;
    size_t        n;
    char          path[256];
    static char   buf[4096];

    snprintf(path, sizeof(path), "%s/%s", hxs_dir, name);

    f = fopen(path, "r");
    if (f == NULL) {
        return "<missing>";
    }

    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);

    return buf;
}


/*
 * Parses the stream block text (%s is the test directory) and opens
 * the cycle's files, as the cycle would.
 */
static void
parse(const char *fmt)
{
    char             conf[2048];
    hx_list_iter_t   it;
    hx_open_file_t  *f;

    snprintf(conf, sizeof(conf), fmt, hxs_dir, hxs_dir, hxs_dir, hxs_dir);

    hxs_parse_ok(conf);

    hx_list_iter_init(&it, &hxs_cycle.open_files);

    while ((f = hx_list_iter_next(&it)) != NULL) {
        if (f->name.len == 0) {
            continue;
        }

        f->fd = hx_open_file(f->name.data, HX_FILE_APPEND,
                             HX_FILE_CREATE_OR_OPEN, HX_FILE_DEFAULT_ACCESS);
        cr_assert_neq(f->fd, HX_INVALID_FILE, "%s", f->name.data);
    }
}


Test(stream_log, lines_in_each_escaping_mode)
{
    hx_stream_session_t  *s;

    parse("stream {"
          " map $remote_port $odd { default \"a\\\"b c\\\\d\"; }"
          " log_format d \"$odd|\" $upstream_addr \"|$remote_addr\";"
          " log_format j escape=json \"$odd|$upstream_addr\";"
          " log_format n escape=none \"$odd|$upstream_addr\";"
          " server { listen 127.0.0.1:9000; return x;"
          " access_log %s/d.log d; access_log %s/j.log j;"
          " access_log %s/n.log n; } }\n");

    s = hxm_session("10.0.0.1:5555");

    cr_assert_eq(hxm_run_phase(s, HX_STREAM_LOG_PHASE), HX_OK);

    cr_assert_str_eq(file("d.log"), "a\\x22b c\\x5Cd|-|10.0.0.1\n");
    cr_assert_str_eq(file("j.log"), "a\\\"b c\\\\d|\n");
    cr_assert_str_eq(file("n.log"), "a\"b c\\d|\n");
}


Test(stream_log, if_skips_empty_and_zero)
{
    hx_stream_session_t  *s;

    parse("stream {"
          " map $remote_port $keep { 1 0; 2 \"\"; default yes; }"
          " log_format p $remote_port;"
          " server { listen 127.0.0.1:9000; return x;"
          " access_log %s/if.log p if=$keep; } }\n");

    s = hxm_session("10.0.0.1:1");
    (void) hxm_run_phase(s, HX_STREAM_LOG_PHASE);
    s = hxm_session("10.0.0.1:2");
    (void) hxm_run_phase(s, HX_STREAM_LOG_PHASE);
    s = hxm_session("10.0.0.1:3");
    (void) hxm_run_phase(s, HX_STREAM_LOG_PHASE);

    cr_assert_str_eq(file("if.log"), "3\n");
}


Test(stream_log, a_buffered_file_is_written_on_exit)
{
    hx_stream_session_t  *s;

    parse("stream { log_format p $remote_port;"
          " server { listen 127.0.0.1:9000; return x;"
          " access_log %s/b.log p buffer=4k; } }\n");

    s = hxm_session("10.0.0.1:7");
    (void) hxm_run_phase(s, HX_STREAM_LOG_PHASE);

    cr_assert_str_eq(file("b.log"), "");

    hx_stream_log_module.exit_process(&hxs_cycle);

    cr_assert_str_eq(file("b.log"), "7\n");
}


Test(stream_log, off_and_inheritance)
{
    hx_stream_session_t  *s;

    parse("stream { log_format p $remote_port; access_log %s/all.log p;"
          " server { listen 127.0.0.1:9000; return x; access_log off; }"
          " server { listen 127.0.0.1:9001; return x; } }\n");

    s = hxm_session("10.0.0.1:7");
    (void) hxm_run_phase(s, HX_STREAM_LOG_PHASE);

    s = hxs_fake_session(hxs_listening("127.0.0.1:9001", SOCK_STREAM),
                         "10.0.0.1:8", "127.0.0.1:9001");
    (void) hxm_run_phase(s, HX_STREAM_LOG_PHASE);

    cr_assert_str_eq(file("all.log"), "8\n");
}


Test(stream_log, directive_errors)
{
    cr_assert_eq(hxs_parse("stream { server { listen 127.0.0.1:9000;"
                           " return x; access_log /tmp/x.log nope; } }\n"),
                 HX_ERROR);
    cr_assert(hxs_logged_has("unknown log format \"nope\""), "%s",
              hxs_logged);
}


/* as in nginx, gzip without buffer= buffers 64k */
Test(stream_log, gzip_alone_buffers_the_file)
{
    cr_assert_eq(hxs_parse("stream { log_format p x; server {"
                           " listen 127.0.0.1:9000; return x;"
                           " access_log /tmp/x.log p gzip; } }\n"),
                 HX_OK, "%s", hxs_logged);
    cr_assert_not(hxs_logged_has("gzip is only supported"), "%s",
                  hxs_logged);
}


Test(stream_log, escape_must_be_known)
{
    cr_assert_eq(hxs_parse("stream { log_format p escape=html x; }\n"),
                 HX_ERROR);
    cr_assert(hxs_logged_has("unknown log format escaping \"html\""), "%s",
              hxs_logged);
}


Test(stream_log, names_with_variables_go_through_the_inherited_cache)
{
    char                  from[256], to[256];
    hx_stream_session_t  *s;

    parse("stream { log_format p $remote_port;"
          " open_log_file_cache max=4 valid=1m;"
          " server { listen 127.0.0.1:9000; return x;"
          " access_log %s/port-$remote_port.log p; } }\n");

    s = hxm_session("10.0.0.1:5");
    (void) hxm_run_phase(s, HX_STREAM_LOG_PHASE);
    s = hxm_session("10.0.0.1:6");
    (void) hxm_run_phase(s, HX_STREAM_LOG_PHASE);

    cr_assert_str_eq(file("port-5.log"), "5\n");
    cr_assert_str_eq(file("port-6.log"), "6\n");

    /* the kept descriptor still writes to the file it opened */

    snprintf(from, sizeof(from), "%s/port-5.log", hxs_dir);
    snprintf(to, sizeof(to), "%s/moved.log", hxs_dir);
    cr_assert_eq(rename(from, to), 0);

    s = hxm_session("10.0.0.1:5");
    (void) hxm_run_phase(s, HX_STREAM_LOG_PHASE);

    cr_assert_str_eq(file("moved.log"), "5\n5\n");
    cr_assert_str_eq(file("port-5.log"), "<missing>");
}


Test(stream_log, open_log_file_cache_errors)
{
    cr_assert_eq(hxs_parse("stream { open_log_file_cache inactive=1s; }\n"),
                 HX_ERROR);
    cr_assert(hxs_logged_has("\"open_log_file_cache\" must have \"max\" "
                             "parameter"), "%s", hxs_logged);
}
