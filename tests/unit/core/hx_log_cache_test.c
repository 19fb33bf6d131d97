/*
 * Tests of core/hx_log_cache.c, open_log_file_cache: its arguments and
 * defaults, the errors nginx gives, inheritance, and the cache itself:
 * a descriptor kept once used min_uses times, a moved file reopened
 * after valid=, the least recently used entry going when the cache is
 * full, and hx_log_cache_write with and without a cache.
 *
 * The test module's "cache ..." directive is open_log_file_cache.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_log_cache.h>

#include <criterion/criterion.h>


static char *test_cache(hx_conf_t *cf, hx_command_t *cmd, void *conf);


static hx_command_t  test_commands[] = {

    { hx_string("cache"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_1MORE,
      test_cache,
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


static hx_log_cache_conf_t  conf;


static char *
test_cache(hx_conf_t *cf, hx_command_t *cmd, void *c)
{
    (void) cmd;
    (void) c;

    return hx_log_cache_directive(cf, &conf);
}


static void
setup(void)
{
    hxc_setup();

    conf.cache = HX_CONF_UNSET_PTR;
}


TestSuite(hx_log_cache, .init = setup, .fini = hxc_teardown);


/* name in the test directory, NUL-terminated, as the cache wants it */
static hx_str_t *
path(const char *name)
{
    static char      buf[4][256];
    static hx_str_t  s[4];
    static int       n;

    n = (n + 1) % 4;
    snprintf(buf[n], sizeof(buf[n]), "%s/%s", hxc_dir, name);

    s[n].len = strlen(buf[n]);
    s[n].data = (uint8_t *) buf[n];

    return &s[n];
}


/* the size of the file name, -1 when it does not exist */
static off_t
size_of(const char *name)
{
    struct stat  sb;

    if (stat((char *) path(name)->data, &sb) == -1) {
        return -1;
    }

    return sb.st_size;
}


Test(hx_log_cache, arguments_and_defaults)
{
    cr_assert_eq(hxc_parse("cache max=10;"), HX_CONF_OK, "%s", hxc_error);

    cr_assert_not_null(conf.cache);
    cr_assert_eq(conf.cache->max, 10);
    cr_assert_eq(conf.cache->inactive, 10);
    cr_assert_eq(conf.valid, 60);
    cr_assert_eq(conf.min_uses, 1);

    conf.cache = HX_CONF_UNSET_PTR;
    cr_assert_eq(hxc_parse("cache max=5 inactive=1m min_uses=3 valid=2m;"),
                 HX_CONF_OK, "%s", hxc_error);

    cr_assert_eq(conf.cache->max, 5);
    cr_assert_eq(conf.cache->inactive, 60);
    cr_assert_eq(conf.valid, 120);
    cr_assert_eq(conf.min_uses, 3);
}


Test(hx_log_cache, off_makes_no_cache)
{
    cr_assert_eq(hxc_parse("cache off;"), HX_CONF_OK, "%s", hxc_error);
    cr_assert_null(conf.cache);
}


Test(hx_log_cache, errors_are_nginx_s)
{
    cr_assert_neq(hxc_parse("cache inactive=10s;"), HX_CONF_OK);
    cr_assert(strstr(hxc_error, "\"open_log_file_cache\" must have \"max\" "
                     "parameter"), "%s", hxc_error);

    conf.cache = HX_CONF_UNSET_PTR;
    cr_assert_neq(hxc_parse("cache max=0;"), HX_CONF_OK);
    cr_assert(strstr(hxc_error, "invalid \"open_log_file_cache\" parameter "
                     "\"max=0\""), "%s", hxc_error);

    conf.cache = HX_CONF_UNSET_PTR;
    cr_assert_neq(hxc_parse("cache max=1 valid=x;"), HX_CONF_OK);
    cr_assert(strstr(hxc_error, "parameter \"valid=x\""), "%s", hxc_error);

    conf.cache = HX_CONF_UNSET_PTR;
    cr_assert_neq(hxc_parse("cache max=1 bogus;"), HX_CONF_OK);
    cr_assert(strstr(hxc_error, "parameter \"bogus\""), "%s", hxc_error);
}


Test(hx_log_cache, a_second_directive_is_a_duplicate)
{
    cr_assert_neq(hxc_parse("cache max=1; cache off;"), HX_CONF_OK);
    cr_assert(strstr(hxc_error, "is duplicate"), "%s", hxc_error);
}


Test(hx_log_cache, merge_inherits_and_defaults_to_off)
{
    hx_log_cache_conf_t  parent, child;

    parent.cache = HX_CONF_UNSET_PTR;
    child.cache = HX_CONF_UNSET_PTR;

    hx_log_cache_merge(&child, &parent);
    cr_assert_null(child.cache);

    cr_assert_eq(hxc_parse("cache max=3 valid=5s min_uses=2;"), HX_CONF_OK,
                 "%s", hxc_error);

    child.cache = HX_CONF_UNSET_PTR;
    hx_log_cache_merge(&child, &conf);
    cr_assert_eq(child.cache, conf.cache);
    cr_assert_eq(child.valid, 5);
    cr_assert_eq(child.min_uses, 2);

    /* one set at its own level keeps it */

    hx_log_cache_merge(&child, &parent);
    cr_assert_eq(child.cache, conf.cache);
}


Test(hx_log_cache, a_descriptor_is_kept_once_used_min_uses_times)
{
    hx_fd_t                fd1, fd2;
    hx_log_cache_t        *cache;
    hx_log_cached_file_t  *cached;

    cache = hx_log_cache_create(hxc_cycle.pool, 4, 10);
    cr_assert_not_null(cache);

    fd1 = hx_log_cache_open(cache, path("a.log"), 60, 2, &cached, &hxc_log);
    cr_assert_neq(fd1, HX_INVALID_FILE);
    cr_assert_not_null(cached);
    hx_log_cache_release(cache, cached, 2, &hxc_log);

    /* used once of two: closed after the write */

    cr_assert_eq(cached->fd, HX_INVALID_FILE);

    fd1 = hx_log_cache_open(cache, path("a.log"), 60, 2, &cached, &hxc_log);
    hx_log_cache_release(cache, cached, 2, &hxc_log);
    cr_assert_eq(cached->fd, fd1);

    fd2 = hx_log_cache_open(cache, path("a.log"), 60, 2, &cached, &hxc_log);
    cr_assert_eq(fd2, fd1);
    hx_log_cache_release(cache, cached, 2, &hxc_log);

    cr_assert_eq(cache->current, 1);
}


Test(hx_log_cache, a_moved_file_is_reopened_after_valid)
{
    hx_fd_t                fd;
    hx_log_cache_t        *cache;
    hx_log_cached_file_t  *cached;

    cache = hx_log_cache_create(hxc_cycle.pool, 4, 10);

    fd = hx_log_cache_open(cache, path("a.log"), 0, 1, &cached, &hxc_log);
    cr_assert_eq(write(fd, "x", 1), 1);
    hx_log_cache_release(cache, cached, 1, &hxc_log);

    cr_assert_eq(rename((char *) path("a.log")->data,
                        (char *) path("b.log")->data), 0);

    /* valid=0: checked on every use, the new a.log gets the write */

    fd = hx_log_cache_open(cache, path("a.log"), 0, 1, &cached, &hxc_log);
    cr_assert_eq(write(fd, "yy", 2), 2);
    hx_log_cache_release(cache, cached, 1, &hxc_log);

    cr_assert_eq(size_of("a.log"), 2);
    cr_assert_eq(size_of("b.log"), 1);
}


Test(hx_log_cache, a_full_cache_drops_the_least_recently_used)
{
    hx_log_cache_t        *cache;
    hx_log_cached_file_t  *a, *b, *c;

    cache = hx_log_cache_create(hxc_cycle.pool, 2, 10);

    (void) hx_log_cache_open(cache, path("a.log"), 60, 1, &a, &hxc_log);
    hx_log_cache_release(cache, a, 1, &hxc_log);
    (void) hx_log_cache_open(cache, path("b.log"), 60, 1, &b, &hxc_log);
    hx_log_cache_release(cache, b, 1, &hxc_log);
    (void) hx_log_cache_open(cache, path("a.log"), 60, 1, &a, &hxc_log);
    hx_log_cache_release(cache, a, 1, &hxc_log);

    cr_assert_eq(cache->current, 2);

    (void) hx_log_cache_open(cache, path("c.log"), 60, 1, &c, &hxc_log);
    hx_log_cache_release(cache, c, 1, &hxc_log);

    /* b was the least recently used */

    cr_assert_eq(cache->current, 2);
    cr_assert_eq(hx_queue_head(&cache->expire_queue), &c->queue);
    cr_assert_eq(hx_queue_last(&cache->expire_queue), &a->queue);
}


Test(hx_log_cache, write_appends_with_or_without_a_cache)
{
    hx_log_cache_conf_t  none;

    hx_memzero(&none, sizeof(hx_log_cache_conf_t));

    cr_assert_eq(hx_log_cache_write(&none, path("a.log"),
                                    (uint8_t *) "one\n", 4, &hxc_log), 4);

    cr_assert_eq(hxc_parse("cache max=2;"), HX_CONF_OK, "%s", hxc_error);

    cr_assert_eq(hx_log_cache_write(&conf, path("a.log"),
                                    (uint8_t *) "two\n", 4, &hxc_log), 4);
    cr_assert_eq(conf.cache->current, 1);

    cr_assert_eq(size_of("a.log"), 8);
}


Test(hx_log_cache, a_file_that_cannot_be_opened_is_told_at_crit)
{
    hx_log_cache_conf_t  none;

    hx_memzero(&none, sizeof(hx_log_cache_conf_t));

    cr_assert_eq(hx_log_cache_write(&none, path("no/such/dir.log"),
                                    (uint8_t *) "x\n", 2, &hxc_log), 2);
    cr_assert(strstr(hxc_error, "open() \""), "%s", hxc_error);
    cr_assert(strstr(hxc_error, "no/such/dir.log\" failed"), "%s",
              hxc_error);
}
