/*
 * Tests of core/hx_log_file.c, the file side of the access logs: the
 * buffer=, flush= and gzip words and their errors, one buffer per open
 * file and the conflicts between access_logs naming it, lines into the
 * buffer and out to the file, gzip members that read back, the disk
 * full and complaint accounting.
 *
 * The test module's "log PATH WORD..." directive does what an access_log
 * does with the words.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_log_file.h>

#include <zlib.h>
#include <criterion/criterion.h>


static char *test_log(hx_conf_t *cf, hx_command_t *cmd, void *conf);


static hx_command_t  test_commands[] = {

    { hx_string("log"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_1MORE,
      test_log,
      0,
      0,
      NULL },

    hx_null_command
};


static hx_module_t  hxc_test_module = {
    HX_MODULE_V1,
    "test_module",
    NULL,
    test_commands,
    HX_CORE_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


#include "hx_core_conf_fixture.h"


static hx_open_file_t  *last_file;


static hx_log_file_params_t  params;


static char *
test_log(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t  *value;

    (void) cmd;
    (void) conf;

    value = cf->args->elts;

    if (hx_log_file_params(cf, 2, &params) != HX_OK) {
        return HX_CONF_ERROR;
    }

    last_file = NULL;

    if (hx_strlchr(value[1].data, value[1].data + value[1].len, '$')
        == NULL)
    {
        last_file = hx_conf_open_file(cf->cycle, &value[1]);
        cr_assert_not_null(last_file);
    }

    return hx_log_file_set_buffer(cf, last_file, &value[1], &params);
}


static void
setup(void)
{
    hxc_setup();

    last_file = NULL;
}


TestSuite(hx_log_file, .init = setup, .fini = hxc_teardown);


/* the one buffered file of the configuration, its fd on path */
static hx_open_file_t *
open_buffered(const char *conf, const char *path)
{
    char  full[256];

    cr_assert_eq(hxc_parse(conf), HX_CONF_OK, "%s", hxc_error);
    cr_assert_not_null(hx_log_file_buffer(last_file));

    snprintf(full, sizeof(full), "%s/%s", hxc_dir, path);

    last_file->fd = open(full, O_WRONLY|O_CREAT|O_APPEND, 0644);
    cr_assert_neq(last_file->fd, -1);

    return last_file;
}


/* what path holds, as a C string */
static const char *
contents(const char *path)
{
    int          fd;
    char         full[256];
    ssize_t      n;
    static char  buf[4096];

    snprintf(full, sizeof(full), "%s/%s", hxc_dir, path);

    fd = open(full, O_RDONLY);
    cr_assert_neq(fd, -1);

    n = read(fd, buf, sizeof(buf) - 1);
    cr_assert_geq(n, 0);
    buf[n] = '\0';

    close(fd);

    return buf;
}


Test(hx_log_file, buffer_flush_and_gzip_words_are_read)
{
    hx_log_file_buf_t  *b;

    cr_assert_eq(hxc_parse("log a.log buffer=4k flush=2s gzip=5;"),
                 HX_CONF_OK, "%s", hxc_error);

    b = hx_log_file_buffer(last_file);
    cr_assert_not_null(b);
    cr_assert_eq(b->last - b->start, 4096);
    cr_assert_eq(b->pos, b->start);
    cr_assert_eq(b->flush, 2000);
    cr_assert_eq(b->gzip, 5);
    cr_assert_not_null(b->event);
    cr_assert_eq(b->event->data, last_file);
    cr_assert_eq(last_file->flush, hx_log_file_flush);
}


Test(hx_log_file, gzip_alone_is_level_one_in_a_64k_buffer)
{
    hx_log_file_buf_t  *b;

    cr_assert_eq(hxc_parse("log a.log gzip;"), HX_CONF_OK, "%s",
                 hxc_error);

    b = hx_log_file_buffer(last_file);
    cr_assert_not_null(b);
    cr_assert_eq(b->last - b->start, 64 * 1024);
    cr_assert_eq(b->gzip, 1);
    cr_assert_null(b->event);
}


Test(hx_log_file, no_words_leave_the_file_unbuffered)
{
    cr_assert_eq(hxc_parse("log a.log;"), HX_CONF_OK, "%s", hxc_error);

    cr_assert_not_null(last_file);
    cr_assert_null(hx_log_file_buffer(last_file));
    cr_assert_null(last_file->data);
}


Test(hx_log_file, if_is_kept_for_the_subsystem)
{
    cr_assert_eq(hxc_parse("log a.log if=$x buffer=1k if=$y;"), HX_CONF_OK,
                 "%s", hxc_error);
    cr_assert_str_eq(hxc_cstr(&params.filter), "$y");
    cr_assert_eq(params.size, 1024);

    cr_assert_eq(hxc_parse("log a.log buffer=1k;"), HX_CONF_OK, "%s",
                 hxc_error);
    cr_assert_null(params.filter.data);
}


Test(hx_log_file, other_words_are_invalid)
{
    cr_assert_neq(hxc_parse("log a.log nope;"), HX_CONF_OK);
    cr_assert(strstr(hxc_error, "invalid parameter \"nope\""), "%s",
              hxc_error);
}


Test(hx_log_file, flush_needs_a_buffer)
{
    cr_assert_neq(hxc_parse("log a.log flush=1s;"), HX_CONF_OK);
    cr_assert(strstr(hxc_error, "no buffer is defined for access_log "
                     "\"a.log\""), "%s", hxc_error);
}


Test(hx_log_file, a_name_with_variables_cannot_be_buffered)
{
    cr_assert_neq(hxc_parse("log $host.log buffer=1k;"), HX_CONF_OK);
    cr_assert(strstr(hxc_error,
                     "buffered logs cannot have variables in name"),
              "%s", hxc_error);
}


Test(hx_log_file, bad_values_are_refused_with_their_text)
{
    cr_assert_neq(hxc_parse("log a.log buffer=0;"), HX_CONF_OK);
    cr_assert(strstr(hxc_error, "invalid buffer size \"0\""), "%s",
              hxc_error);

    cr_assert_neq(hxc_parse("log a.log buffer=1k flush=x;"), HX_CONF_OK);
    cr_assert(strstr(hxc_error, "invalid flush time \"x\""), "%s",
              hxc_error);

    cr_assert_neq(hxc_parse("log a.log gzip=10;"), HX_CONF_OK);
    cr_assert(strstr(hxc_error, "invalid compression level \"10\""), "%s",
                     hxc_error);
}


Test(hx_log_file, one_file_shares_one_buffer_of_the_same_shape)
{
    hx_open_file_t  *first;

    cr_assert_eq(hxc_parse("log a.log buffer=1k; log a.log buffer=1k;"),
                 HX_CONF_OK, "%s", hxc_error);

    first = last_file;
    cr_assert_not_null(hx_log_file_buffer(first));

    cr_assert_neq(hxc_parse("log a.log buffer=2k;"), HX_CONF_OK);
    cr_assert(strstr(hxc_error, "access_log \"a.log\" already defined "
                     "with conflicting parameters"), "%s", hxc_error);

    cr_assert_neq(hxc_parse("log a.log buffer=1k gzip;"), HX_CONF_OK);
    cr_assert(strstr(hxc_error, "conflicting parameters"), "%s", hxc_error);
}


Test(hx_log_file, lines_collect_in_the_buffer_until_one_does_not_fit)
{
    uint8_t        *p;
    hx_log_file_t   lf;

    hx_memzero(&lf, sizeof(hx_log_file_t));
    lf.file = open_buffered("log a.log buffer=16;", "a.log");

    p = hx_log_file_reserve(&lf, 6, &hxc_log);
    cr_assert_not_null(p);
    hx_log_file_commit(&lf, hx_cpymem(p, "line1\n", 6));

    p = hx_log_file_reserve(&lf, 6, &hxc_log);
    cr_assert_not_null(p);
    hx_log_file_commit(&lf, hx_cpymem(p, "line2\n", 6));

    cr_assert_str_eq(contents("a.log"), "");

    /* 12 of 16 bytes used: the third line writes the first two out */

    p = hx_log_file_reserve(&lf, 6, &hxc_log);
    cr_assert_not_null(p);
    hx_log_file_commit(&lf, hx_cpymem(p, "line3\n", 6));

    cr_assert_str_eq(contents("a.log"), "line1\nline2\n");

    /* longer than the buffer: written by the caller, after the rest */

    cr_assert_null(hx_log_file_reserve(&lf, 17, &hxc_log));
    hx_log_file_write(&lf, (uint8_t *) "a long line, 18b\n", 17, &hxc_log);

    cr_assert_str_eq(contents("a.log"),
                     "line1\nline2\nline3\na long line, 18b\n");
}


Test(hx_log_file, an_unbuffered_file_reserves_nothing)
{
    hx_log_file_t  lf;

    cr_assert_eq(hxc_parse("log a.log;"), HX_CONF_OK, "%s", hxc_error);

    hx_memzero(&lf, sizeof(hx_log_file_t));
    lf.file = last_file;

    cr_assert_null(hx_log_file_reserve(&lf, 1, &hxc_log));

    lf.file = NULL;
    cr_assert_null(hx_log_file_reserve(&lf, 1, &hxc_log));
}


Test(hx_log_file, flush_all_writes_every_buffer_out)
{
    uint8_t        *p;
    hx_log_file_t   lf;

    hx_memzero(&lf, sizeof(hx_log_file_t));
    lf.file = open_buffered("log a.log buffer=64;", "a.log");

    p = hx_log_file_reserve(&lf, 4, &hxc_log);
    hx_log_file_commit(&lf, hx_cpymem(p, "one\n", 4));

    cr_assert_str_eq(contents("a.log"), "");

    hx_log_file_flush_all(&hxc_cycle);

    cr_assert_str_eq(contents("a.log"), "one\n");

    /* nothing is written twice */

    hx_log_file_flush_all(&hxc_cycle);

    cr_assert_str_eq(contents("a.log"), "one\n");
}


Test(hx_log_file, gzip_writes_members_that_read_back)
{
    int             rc;
    char            out[256];
    ssize_t         n;
    uint8_t        *p;
    z_stream        zs;
    const char     *z;
    hx_log_file_t   lf;

    hx_memzero(&lf, sizeof(hx_log_file_t));
    lf.file = open_buffered("log a.log buffer=64 gzip=9;", "a.log");

    p = hx_log_file_reserve(&lf, 6, &hxc_log);
    hx_log_file_commit(&lf, hx_cpymem(p, "hello\n", 6));
    hx_log_file_flush(lf.file, &hxc_log);

    n = hx_log_file_gzip(lf.file->fd, (uint8_t *) "world\n", 6, 1,
                         &hxc_log);
    cr_assert_eq(n, 6);

    z = contents("a.log");
    cr_assert_eq((uint8_t) z[0], 0x1f);
    cr_assert_eq((uint8_t) z[1], 0x8b);

    /* the first member is "hello\n"; a second gzip header follows it */

    hx_memzero(&zs, sizeof(z_stream));
    cr_assert_eq(inflateInit2(&zs, 15 + 16), Z_OK);

    zs.next_in = (uint8_t *) z;
    zs.avail_in = 200;
    zs.next_out = (uint8_t *) out;
    zs.avail_out = sizeof(out);

    rc = inflate(&zs, Z_FINISH);
    cr_assert(rc == Z_STREAM_END || rc == Z_BUF_ERROR, "%d", rc);
    cr_assert_eq(sizeof(out) - zs.avail_out, 6);
    cr_assert_eq(memcmp(out, "hello\n", 6), 0);
    cr_assert_eq((uint8_t) *zs.next_in, 0x1f);

    (void) inflateEnd(&zs);
}


Test(hx_log_file, a_full_disk_drops_lines_for_the_second)
{
    hx_log_file_t  lf;

    hx_memzero(&lf, sizeof(hx_log_file_t));

    cr_assert_eq(hx_log_file_disk_full(&lf), 0);

    errno = ENOSPC;
    hx_log_file_result(&lf, (uint8_t *) "x.log", -1, 10, &hxc_log);

    cr_assert(hx_log_file_disk_full(&lf));
    cr_assert(strstr(hxc_error, "write() to \"x.log\" failed"), "%s",
              hxc_error);
}


Test(hx_log_file, failures_are_told_once_a_minute)
{
    hx_log_file_t  lf;

    hx_memzero(&lf, sizeof(hx_log_file_t));

    hx_log_file_result(&lf, (uint8_t *) "x.log", 4, 10, &hxc_log);
    cr_assert(strstr(hxc_error, "write() to \"x.log\" was incomplete: "
                     "4 of 10"), "%s", hxc_error);
    cr_assert_eq(lf.error_log_time, hx_time());

    hxc_error[0] = '\0';

    errno = EIO;
    hx_log_file_result(&lf, (uint8_t *) "x.log", -1, 10, &hxc_log);
    cr_assert_str_eq(hxc_error, "");
    cr_assert_eq(hx_log_file_disk_full(&lf), 0);

    /* a complete write says nothing */

    lf.error_log_time = 0;
    hx_log_file_result(&lf, (uint8_t *) "x.log", 10, 10, &hxc_log);
    cr_assert_str_eq(hxc_error, "");
}
