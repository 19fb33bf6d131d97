/*
 * Tests for core/hx_hash.c: keys go in through hx_hash_add_key() the way
 * the configuration code adds them, tables are built with hx_hash_init()
 * and hx_hash_wildcard_init(), and lookups are checked for hits, misses,
 * case folding, wildcard semantics (nginx's server_name rules), duplicate
 * and malformed keys, and the emerg message when a table cannot be built.
 */

#include <hx_config.h>
#include <hx_core.h>

#include <criterion/criterion.h>


static hx_log_t    test_log;
static hx_pool_t  *pool;
static char        logged[8192];
static size_t      logged_len;

/* values must be 4-byte aligned for wildcard hashes: ints are */
static int         v[16];


static void
capture_log(hx_log_t *log, hx_uint_t level, uint8_t *buf, size_t len)
{
    (void) log;
    (void) level;

    if (len > sizeof(logged) - 1 - logged_len) {
        len = sizeof(logged) - 1 - logged_len;
    }

    memcpy(logged + logged_len, buf, len);
    logged_len += len;
    logged[logged_len] = '\0';
}


static void
setup(void)
{
    hx_time_init();

    memset(&test_log, 0, sizeof(hx_log_t));
    test_log.log_level = HX_LOG_NOTICE;
    test_log.writer = capture_log;

    logged[0] = '\0';
    logged_len = 0;

    pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, &test_log);
    cr_assert_not_null(pool);
}


static void
teardown(void)
{
    hx_destroy_pool(pool);
}


static void
keys_init(hx_hash_keys_arrays_t *ha, hx_uint_t type)
{
    memset(ha, 0, sizeof(hx_hash_keys_arrays_t));
    ha->pool = pool;
    ha->temp_pool = pool;

    cr_assert_eq(hx_hash_keys_array_init(ha, type), HX_OK);
}


/* adds a writable copy of s, as the config parser's words are writable */
static hx_int_t
add(hx_hash_keys_arrays_t *ha, const char *s, void *value, hx_uint_t flags)
{
    hx_str_t  key;

    key.len = strlen(s);
    key.data = hx_pnalloc(pool, key.len + 1);
    memcpy(key.data, s, key.len + 1);

    return hx_hash_add_key(ha, &key, value, flags);
}


static void
hinit_init(hx_hash_init_t *hinit, hx_uint_t max_size, hx_uint_t bucket_size)
{
    memset(hinit, 0, sizeof(hx_hash_init_t));
    hinit->hash = NULL;
    hinit->key = hx_hash_key_lc;
    hinit->max_size = max_size;
    hinit->bucket_size = bucket_size;
    hinit->name = "test_hash";
    hinit->pool = pool;
    hinit->temp_pool = pool;
}


static hx_hash_t *
build_exact(hx_hash_keys_arrays_t *ha)
{
    hx_hash_init_t  hinit;

    hinit_init(&hinit, 512, 64);

    cr_assert_eq(hx_hash_init(&hinit, ha->keys.elts, ha->keys.nelts), HX_OK,
                 "log: %s", logged);

    return hinit.hash;
}


static hx_hash_wildcard_t *
build_wc(hx_array_t *keys)
{
    hx_hash_init_t  hinit;

    hinit_init(&hinit, 512, 64);

    cr_assert_eq(hx_hash_wildcard_init(&hinit, keys->elts, keys->nelts),
                 HX_OK, "log: %s", logged);

    return (hx_hash_wildcard_t *) hinit.hash;
}


/* looks a name up as a request would: lowercase it, hash it, find it */
static void *
find(hx_hash_t *hash, const char *s)
{
    uint8_t    buf[256];
    size_t     len;
    hx_uint_t  key;

    len = strlen(s);
    key = hx_hash_strlow(buf, (uint8_t *) s, len);

    return hx_hash_find(hash, key, buf, len);
}


static void *
find_head(hx_hash_wildcard_t *hwc, const char *s)
{
    return hx_hash_find_wc_head(hwc, (uint8_t *) s, strlen(s));
}


static void *
find_tail(hx_hash_wildcard_t *hwc, const char *s)
{
    return hx_hash_find_wc_tail(hwc, (uint8_t *) s, strlen(s));
}


TestSuite(hx_hash, .init = setup, .fini = teardown);


Test(hx_hash, exact_lookups_hit_and_miss)
{
    hx_hash_t              *hash;
    hx_hash_keys_arrays_t   ha;

    keys_init(&ha, HX_HASH_SMALL);

    cr_assert_eq(add(&ha, "host", &v[0], 0), HX_OK);
    cr_assert_eq(add(&ha, "connection", &v[1], 0), HX_OK);
    cr_assert_eq(add(&ha, "content-length", &v[2], 0), HX_OK);
    cr_assert_eq(add(&ha, "", &v[3], 0), HX_OK);

    hash = build_exact(&ha);

    cr_assert_eq(find(hash, "host"), &v[0]);
    cr_assert_eq(find(hash, "connection"), &v[1]);
    cr_assert_eq(find(hash, "content-length"), &v[2]);
    cr_assert_eq(find(hash, ""), &v[3]);

    cr_assert_null(find(hash, "hos"));
    cr_assert_null(find(hash, "hostx"));
    cr_assert_null(find(hash, "content-type"));
    cr_assert_null(find(hash, "connectioN "));
}


Test(hx_hash, lookups_fold_case_through_strlow_and_key_lc)
{
    uint8_t                 upper[] = "CONTENT-TYPE";
    uint8_t                 lower[] = "content-type";
    hx_hash_t              *hash;
    hx_hash_keys_arrays_t   ha;

    keys_init(&ha, HX_HASH_SMALL);

    cr_assert_eq(add(&ha, "Content-Type", &v[0], 0), HX_OK);

    hash = build_exact(&ha);

    /* key_lc hashes the uppercase bytes as if they were lowercase */
    cr_assert_eq(hx_hash_key_lc(upper, 12), hx_hash_key(lower, 12));
    cr_assert_eq(hx_hash_find(hash, hx_hash_key_lc(upper, 12), lower, 12),
                 &v[0]);

    cr_assert_eq(find(hash, "CONTENT-TYPE"), &v[0]);
    cr_assert_eq(find(hash, "content-type"), &v[0]);
    cr_assert_eq(find(hash, "Content-type"), &v[0]);

    /* the table holds lowercase names: an uppercase name does not match */
    cr_assert_null(hx_hash_find(hash, hx_hash_key_lc(upper, 12), upper, 12));
}


Test(hx_hash, key_helpers_agree)
{
    uint8_t    src[] = "MiXeD.Case-Name", dst[sizeof(src)];
    hx_uint_t  k;

    k = hx_hash_strlow(dst, src, sizeof(src) - 1);

    cr_assert_eq(memcmp(dst, "mixed.case-name", sizeof(src) - 1), 0);
    cr_assert_eq(k, hx_hash_key(dst, sizeof(src) - 1));
    cr_assert_eq(k, hx_hash_key_lc(src, sizeof(src) - 1));
    cr_assert_neq(k, hx_hash_key(src, sizeof(src) - 1));

    /* the documented recurrence */
    cr_assert_eq(hx_hash_key((uint8_t *) "ab", 2),
                 (hx_uint_t) 'a' * 31 + 'b');
    cr_assert_eq(hx_hash_key((uint8_t *) "", 0), 0);

    /* strlow works in place */
    k = hx_hash_strlow(src, src, sizeof(src) - 1);
    cr_assert_eq(memcmp(src, "mixed.case-name", sizeof(src) - 1), 0);
    cr_assert_eq(k, hx_hash_key(src, sizeof(src) - 1));
}


Test(hx_hash, add_key_lowercases_in_place_unless_readonly)
{
    uint8_t                 w[] = "X-Forwarded-For";
    uint8_t                 r[] = "X-Real-IP";
    hx_str_t                key;
    hx_hash_t              *hash;
    hx_hash_keys_arrays_t   ha;

    keys_init(&ha, HX_HASH_SMALL);

    key.data = w;
    key.len = sizeof(w) - 1;
    cr_assert_eq(hx_hash_add_key(&ha, &key, &v[0], 0), HX_OK);
    cr_assert_str_eq((char *) w, "x-forwarded-for");

    key.data = r;
    key.len = sizeof(r) - 1;
    cr_assert_eq(hx_hash_add_key(&ha, &key, &v[1], HX_HASH_READONLY_KEY),
                 HX_OK);
    cr_assert_str_eq((char *) r, "X-Real-IP");

    hash = build_exact(&ha);

    cr_assert_eq(find(hash, "x-forwarded-for"), &v[0]);
    cr_assert_eq(find(hash, "x-real-ip"), &v[1]);

    /* a read-only key still collides with the same name in other case */
    cr_assert_eq(add(&ha, "x-real-ip", &v[2], 0), HX_BUSY);
}


Test(hx_hash, duplicate_exact_keys_are_busy)
{
    hx_hash_keys_arrays_t  ha;

    keys_init(&ha, HX_HASH_SMALL);

    cr_assert_eq(add(&ha, "example.com", &v[0], 0), HX_OK);
    cr_assert_eq(add(&ha, "example.com", &v[1], 0), HX_BUSY);
    cr_assert_eq(add(&ha, "EXAMPLE.com", &v[1], 0), HX_BUSY);
    cr_assert_eq(add(&ha, "example.co", &v[1], 0), HX_OK);

    /* the rejected keys left nothing behind */
    cr_assert_eq(ha.keys.nelts, 2);
}


Test(hx_hash, star_head_wildcard_matches_subdomains_only)
{
    hx_hash_wildcard_t     *hwc;
    hx_hash_keys_arrays_t   ha;

    keys_init(&ha, HX_HASH_SMALL);

    cr_assert_eq(add(&ha, "*.Example.com", &v[0], HX_HASH_WILDCARD_KEY),
                 HX_OK);
    cr_assert_eq(ha.keys.nelts, 0);
    cr_assert_eq(ha.dns_wc_head.nelts, 1);

    hwc = build_wc(&ha.dns_wc_head);

    cr_assert_eq(find_head(hwc, "www.example.com"), &v[0]);
    cr_assert_eq(find_head(hwc, "a.b.c.example.com"), &v[0]);

    cr_assert_null(find_head(hwc, "example.com"));
    cr_assert_null(find_head(hwc, "xexample.com"));
    cr_assert_null(find_head(hwc, "www.example.org"));
    cr_assert_null(find_head(hwc, "com"));
    cr_assert_null(find_head(hwc, ""));
}


Test(hx_hash, dot_head_wildcard_matches_domain_and_subdomains)
{
    hx_hash_wildcard_t     *hwc;
    hx_hash_keys_arrays_t   ha;

    keys_init(&ha, HX_HASH_SMALL);

    cr_assert_eq(add(&ha, ".example.org", &v[0], HX_HASH_WILDCARD_KEY),
                 HX_OK);
    cr_assert_eq(add(&ha, ".net", &v[1], HX_HASH_WILDCARD_KEY), HX_OK);

    hwc = build_wc(&ha.dns_wc_head);

    cr_assert_eq(find_head(hwc, "example.org"), &v[0]);
    cr_assert_eq(find_head(hwc, "www.example.org"), &v[0]);
    cr_assert_eq(find_head(hwc, "a.b.example.org"), &v[0]);
    cr_assert_null(find_head(hwc, "org"));
    cr_assert_null(find_head(hwc, "myexample.org"));

    cr_assert_eq(find_head(hwc, "net"), &v[1]);
    cr_assert_eq(find_head(hwc, "foo.net"), &v[1]);
}


Test(hx_hash, most_specific_head_wildcard_wins)
{
    hx_hash_wildcard_t     *hwc;
    hx_hash_keys_arrays_t   ha;

    keys_init(&ha, HX_HASH_SMALL);

    /* added in an order unrelated to the label tree */
    cr_assert_eq(add(&ha, "*.www.example.com", &v[1], HX_HASH_WILDCARD_KEY),
                 HX_OK);
    cr_assert_eq(add(&ha, "*.com", &v[3], HX_HASH_WILDCARD_KEY), HX_OK);
    cr_assert_eq(add(&ha, "*.example.com", &v[0], HX_HASH_WILDCARD_KEY),
                 HX_OK);
    cr_assert_eq(add(&ha, ".mail.example.com", &v[2], HX_HASH_WILDCARD_KEY),
                 HX_OK);

    hwc = build_wc(&ha.dns_wc_head);

    cr_assert_eq(find_head(hwc, "a.www.example.com"), &v[1]);
    cr_assert_eq(find_head(hwc, "www.example.com"), &v[0]);
    cr_assert_eq(find_head(hwc, "mail.example.com"), &v[2]);
    cr_assert_eq(find_head(hwc, "x.mail.example.com"), &v[2]);
    cr_assert_eq(find_head(hwc, "ftp.example.com"), &v[0]);
    cr_assert_eq(find_head(hwc, "example.com"), &v[3]);
    cr_assert_eq(find_head(hwc, "other.com"), &v[3]);
    cr_assert_null(find_head(hwc, "com"));
}


Test(hx_hash, tail_wildcard_matches_one_or_more_labels)
{
    hx_hash_wildcard_t     *hwc;
    hx_hash_keys_arrays_t   ha;

    keys_init(&ha, HX_HASH_SMALL);

    cr_assert_eq(add(&ha, "www.example.*", &v[0], HX_HASH_WILDCARD_KEY),
                 HX_OK);
    cr_assert_eq(add(&ha, "mail.*", &v[1], HX_HASH_WILDCARD_KEY), HX_OK);
    cr_assert_eq(add(&ha, "mail.test.*", &v[2], HX_HASH_WILDCARD_KEY),
                 HX_OK);
    cr_assert_eq(ha.dns_wc_tail.nelts, 3);

    hwc = build_wc(&ha.dns_wc_tail);

    cr_assert_eq(find_tail(hwc, "www.example.com"), &v[0]);
    cr_assert_eq(find_tail(hwc, "www.example.co.uk"), &v[0]);
    cr_assert_null(find_tail(hwc, "www.example"));
    cr_assert_null(find_tail(hwc, "ww.example.com"));
    cr_assert_null(find_tail(hwc, "www.examples.com"));
    cr_assert_null(find_tail(hwc, "www"));

    cr_assert_eq(find_tail(hwc, "mail.org"), &v[1]);
    cr_assert_eq(find_tail(hwc, "mail.test"), &v[1]);
    cr_assert_eq(find_tail(hwc, "mail.test.org"), &v[2]);
    cr_assert_eq(find_tail(hwc, "mail.other.org"), &v[1]);
    cr_assert_null(find_tail(hwc, "mail"));
}


Test(hx_hash, combined_prefers_exact_then_head_then_tail)
{
    uint8_t                 name[64];
    hx_uint_t               key;
    hx_hash_init_t          hinit;
    hx_hash_combined_t      hc;
    hx_hash_keys_arrays_t   ha;

    keys_init(&ha, HX_HASH_SMALL);

    cr_assert_eq(add(&ha, "www.example.com", &v[0], HX_HASH_WILDCARD_KEY),
                 HX_OK);
    cr_assert_eq(add(&ha, "*.example.com", &v[1], HX_HASH_WILDCARD_KEY),
                 HX_OK);
    cr_assert_eq(add(&ha, "www.example.*", &v[2], HX_HASH_WILDCARD_KEY),
                 HX_OK);
    cr_assert_eq(add(&ha, "www.*", &v[3], HX_HASH_WILDCARD_KEY), HX_OK);

    memset(&hc, 0, sizeof(hc));

    hinit_init(&hinit, 512, 64);
    hinit.hash = &hc.hash;
    cr_assert_eq(hx_hash_init(&hinit, ha.keys.elts, ha.keys.nelts), HX_OK);

    hc.wc_head = build_wc(&ha.dns_wc_head);
    hc.wc_tail = build_wc(&ha.dns_wc_tail);

#define combined(s)                                                           \
    (key = hx_hash_strlow(name, (uint8_t *) s, strlen(s)),                    \
     hx_hash_find_combined(&hc, key, name, strlen(s)))

    cr_assert_eq(combined("www.example.com"), &v[0]);
    cr_assert_eq(combined("WWW.Example.COM"), &v[0]);
    cr_assert_eq(combined("ftp.example.com"), &v[1]);
    cr_assert_eq(combined("www.example.org"), &v[2]);
    cr_assert_eq(combined("www.other.org"), &v[3]);
    cr_assert_null(combined("example.com"));
    cr_assert_null(combined("ftp.example.org"));
    cr_assert_null(combined(""));

#undef combined

    /* absent parts are skipped */
    hc.wc_head = NULL;
    hc.wc_tail = NULL;

    key = hx_hash_strlow(name, (uint8_t *) "ftp.example.com", 15);
    cr_assert_null(hx_hash_find_combined(&hc, key, name, 15));
}


Test(hx_hash, wildcard_duplicates_are_busy)
{
    hx_hash_keys_arrays_t  ha;

    keys_init(&ha, HX_HASH_SMALL);

    cr_assert_eq(add(&ha, "*.a.com", &v[0], HX_HASH_WILDCARD_KEY), HX_OK);
    cr_assert_eq(add(&ha, "*.A.com", &v[1], HX_HASH_WILDCARD_KEY), HX_BUSY);
    /* ".a.com" covers "*.a.com" */
    cr_assert_eq(add(&ha, ".a.com", &v[1], HX_HASH_WILDCARD_KEY), HX_BUSY);

    /* ".b.com" covers the exact name "b.com", in either order */
    cr_assert_eq(add(&ha, ".b.com", &v[2], HX_HASH_WILDCARD_KEY), HX_OK);
    cr_assert_eq(add(&ha, "b.com", &v[3], HX_HASH_WILDCARD_KEY), HX_BUSY);
    cr_assert_eq(add(&ha, "*.b.com", &v[3], HX_HASH_WILDCARD_KEY), HX_BUSY);

    cr_assert_eq(add(&ha, "c.com", &v[4], HX_HASH_WILDCARD_KEY), HX_OK);
    cr_assert_eq(add(&ha, ".c.com", &v[5], HX_HASH_WILDCARD_KEY), HX_BUSY);
    /* but "*.c.com" does not match "c.com", so both may exist */
    cr_assert_eq(add(&ha, "*.c.com", &v[5], HX_HASH_WILDCARD_KEY), HX_OK);

    cr_assert_eq(add(&ha, "www.d.*", &v[6], HX_HASH_WILDCARD_KEY), HX_OK);
    cr_assert_eq(add(&ha, "WWW.d.*", &v[7], HX_HASH_WILDCARD_KEY), HX_BUSY);

    /* a tail and a head with the same domain are different names */
    cr_assert_eq(add(&ha, "*.www.d", &v[7], HX_HASH_WILDCARD_KEY), HX_OK);

    cr_assert_eq(ha.keys.nelts, 1);
    cr_assert_eq(ha.dns_wc_head.nelts, 4);
    cr_assert_eq(ha.dns_wc_tail.nelts, 1);
}


Test(hx_hash, invalid_wildcards_are_declined)
{
    hx_uint_t               i;
    hx_hash_keys_arrays_t   ha;

    static const char  *bad[] = {
        "*", "**", "x.*.y", "*.x.*", "*.*", "a..b", "*x.com", "x*.com",
        "www.x*", ".x.*", ".*", "*.", "*.x.", ".x.", "*..x"
    };

    keys_init(&ha, HX_HASH_SMALL);

    for (i = 0; i < hx_nelems(bad); i++) {
        cr_assert_eq(add(&ha, bad[i], &v[0], HX_HASH_WILDCARD_KEY),
                     HX_DECLINED, "\"%s\" accepted", bad[i]);
    }

    cr_assert_eq(ha.keys.nelts, 0);
    cr_assert_eq(ha.dns_wc_head.nelts, 0);
    cr_assert_eq(ha.dns_wc_tail.nelts, 0);

    /* a key with a NUL byte */
    {
        hx_str_t  key;
        uint8_t   nul[] = "a\0b.com";

        key.data = nul;
        key.len = sizeof(nul) - 1;
        cr_assert_eq(hx_hash_add_key(&ha, &key, &v[0], HX_HASH_WILDCARD_KEY),
                     HX_DECLINED);
    }

    /* without the wildcard flag a star is just a byte */
    cr_assert_eq(add(&ha, "*", &v[0], 0), HX_OK);
    cr_assert_eq(ha.keys.nelts, 1);
}


Test(hx_hash, hash_init_fails_when_max_size_is_too_small)
{
    char                    name[32];
    hx_uint_t               i;
    hx_hash_init_t          hinit;
    hx_hash_keys_arrays_t   ha;

    keys_init(&ha, HX_HASH_SMALL);

    for (i = 0; i < 100; i++) {
        snprintf(name, sizeof(name), "host%lu.example.com", (unsigned long) i);
        cr_assert_eq(add(&ha, name, &v[0], 0), HX_OK);
    }

    /* 100 records of 32 bytes cannot fit 2 buckets of 64 bytes */

    hinit_init(&hinit, 2, 64);

    cr_assert_eq(hx_hash_init(&hinit, ha.keys.elts, ha.keys.nelts),
                 HX_ERROR);

    cr_assert_not_null(strstr(logged, "[emerg]"), "log: %s", logged);
    cr_assert_not_null(strstr(logged, "could not build test_hash, you should "
                                      "increase test_hash_max_size: 2"),
                       "log: %s", logged);

    /* the same keys build with room to spare */
    hinit_init(&hinit, 1024, 128);
    cr_assert_eq(hx_hash_init(&hinit, ha.keys.elts, ha.keys.nelts), HX_OK);
}


Test(hx_hash, hash_init_fails_when_a_key_exceeds_bucket_size)
{
    hx_hash_init_t          hinit;
    hx_hash_keys_arrays_t   ha;

    keys_init(&ha, HX_HASH_SMALL);

    cr_assert_eq(add(&ha, "a-rather-long-server-name.example.com", &v[0], 0),
                 HX_OK);

    hinit_init(&hinit, 512, 32);

    cr_assert_eq(hx_hash_init(&hinit, ha.keys.elts, ha.keys.nelts),
                 HX_ERROR);

    cr_assert_not_null(strstr(logged, "[emerg]"), "log: %s", logged);
    cr_assert_not_null(strstr(logged, "could not build test_hash, you should "
                                      "increase test_hash_bucket_size: 32"),
                       "log: %s", logged);
}


Test(hx_hash, hash_init_with_zero_max_size_fails)
{
    hx_hash_init_t  hinit;

    hinit_init(&hinit, 0, 64);

    cr_assert_eq(hx_hash_init(&hinit, NULL, 0), HX_ERROR);
    cr_assert_not_null(strstr(logged, "test_hash_max_size: 0"),
                       "log: %s", logged);
}


Test(hx_hash, one_bucket_holds_a_whole_chain)
{
    char                    names[40][16];
    hx_uint_t               i;
    hx_hash_t              *hash;
    hx_hash_init_t          hinit;
    hx_hash_keys_arrays_t   ha;

    keys_init(&ha, HX_HASH_SMALL);

    for (i = 0; i < 40; i++) {
        snprintf(names[i], sizeof(names[i]), "k%lu", (unsigned long) i);
        cr_assert_eq(add(&ha, names[i], &v[i % 16], 0), HX_OK);
    }

    /* max_size 1 forces everything into one bucket */
    hinit_init(&hinit, 1, 4096);
    cr_assert_eq(hx_hash_init(&hinit, ha.keys.elts, ha.keys.nelts), HX_OK);

    hash = hinit.hash;
    cr_assert_eq(hash->size, 1);

    for (i = 0; i < 40; i++) {
        cr_assert_eq(find(hash, names[i]), &v[i % 16], "%s", names[i]);
    }

    cr_assert_null(find(hash, "k40"));
    cr_assert_null(find(hash, "k"));
}


Test(hx_hash, large_key_sets_are_all_found)
{
    char                    name[32];
    hx_uint_t               i, n;
    hx_hash_t              *hash;
    hx_hash_init_t          hinit;
    hx_hash_keys_arrays_t   ha;

    n = 3000;

    keys_init(&ha, HX_HASH_LARGE);

    for (i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "Var_%lu", (unsigned long) i);
        cr_assert_eq(add(&ha, name, &v[i % 16], 0), HX_OK);
    }

    hinit_init(&hinit, 4096, 128);
    cr_assert_eq(hx_hash_init(&hinit, ha.keys.elts, ha.keys.nelts), HX_OK,
                 "log: %s", logged);

    hash = hinit.hash;

    for (i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "VAR_%lu", (unsigned long) i);
        cr_assert_eq(find(hash, name), &v[i % 16], "%s", name);
    }

    for (i = n; i < 2 * n; i++) {
        snprintf(name, sizeof(name), "var_%lu", (unsigned long) i);
        cr_assert_null(find(hash, name), "%s", name);
    }
}


Test(hx_hash, table_size_is_the_smallest_that_fits)
{
    hx_hash_t              *hash;
    hx_hash_keys_arrays_t   ha;

    keys_init(&ha, HX_HASH_SMALL);

    cr_assert_eq(add(&ha, "only", &v[0], 0), HX_OK);

    hash = build_exact(&ha);

    cr_assert_eq(hash->size, 1);
    cr_assert_eq(find(hash, "only"), &v[0]);
}


Test(hx_hash, entries_without_key_data_are_skipped)
{
    hx_hash_t       *hash;
    hx_hash_key_t    names[3];
    hx_hash_init_t   hinit;

    names[0].key.data = (uint8_t *) "a";
    names[0].key.len = 1;
    names[0].key_hash = hx_hash_key(names[0].key.data, 1);
    names[0].value = &v[0];

    names[1].key.data = NULL;
    names[1].key.len = 1000;         /* would not fit a bucket */
    names[1].key_hash = 0;
    names[1].value = &v[1];

    names[2].key.data = (uint8_t *) "b";
    names[2].key.len = 1;
    names[2].key_hash = hx_hash_key(names[2].key.data, 1);
    names[2].value = &v[2];

    hinit_init(&hinit, 16, 64);
    cr_assert_eq(hx_hash_init(&hinit, names, 3), HX_OK, "log: %s", logged);

    hash = hinit.hash;

    cr_assert_eq(find(hash, "a"), &v[0]);
    cr_assert_eq(find(hash, "b"), &v[2]);
}


Test(hx_hash, empty_hashes_find_nothing)
{
    hx_hash_t            zero;
    hx_hash_init_t       hinit;
    hx_hash_wildcard_t  *hwc;

    memset(&zero, 0, sizeof(zero));
    cr_assert_null(find(&zero, "x"));

    hinit_init(&hinit, 16, 64);
    cr_assert_eq(hx_hash_init(&hinit, NULL, 0), HX_OK);
    cr_assert_null(find(hinit.hash, "x"));

    hinit_init(&hinit, 16, 64);
    cr_assert_eq(hx_hash_wildcard_init(&hinit, NULL, 0), HX_OK);
    hwc = (hx_hash_wildcard_t *) hinit.hash;
    cr_assert_null(find_head(hwc, "a.b"));
    cr_assert_null(find_tail(hwc, "a.b"));
}


Test(hx_hash, wildcard_init_groups_labels_whatever_the_key_order)
{
    hx_hash_wildcard_t     *hwc;
    hx_hash_keys_arrays_t   ha;

    keys_init(&ha, HX_HASH_SMALL);

    /* "com" keys interleaved with an "org" key */
    cr_assert_eq(add(&ha, "*.a.com", &v[0], HX_HASH_WILDCARD_KEY), HX_OK);
    cr_assert_eq(add(&ha, "*.b.org", &v[1], HX_HASH_WILDCARD_KEY), HX_OK);
    cr_assert_eq(add(&ha, ".c.com", &v[2], HX_HASH_WILDCARD_KEY), HX_OK);
    cr_assert_eq(add(&ha, "*.ab.com", &v[3], HX_HASH_WILDCARD_KEY), HX_OK);
    cr_assert_eq(add(&ha, "*.a.b.org", &v[4], HX_HASH_WILDCARD_KEY), HX_OK);

    hwc = build_wc(&ha.dns_wc_head);

    cr_assert_eq(find_head(hwc, "x.a.com"), &v[0]);
    cr_assert_eq(find_head(hwc, "x.b.org"), &v[1]);
    cr_assert_eq(find_head(hwc, "c.com"), &v[2]);
    cr_assert_eq(find_head(hwc, "x.c.com"), &v[2]);
    cr_assert_eq(find_head(hwc, "x.ab.com"), &v[3]);
    cr_assert_eq(find_head(hwc, "x.a.b.org"), &v[4]);
    cr_assert_eq(find_head(hwc, "a.b.org"), &v[1]);
}


Test(hx_hash, every_bucket_fits_bucket_size)
{
    char                    name[32];
    size_t                  used;
    uint8_t                *p;
    hx_uint_t               i, k, n;
    hx_hash_t              *hash;
    hx_hash_elt_t          *elt;
    hx_hash_init_t          hinit;
    hx_hash_keys_arrays_t   ha;

    n = 300;

    keys_init(&ha, HX_HASH_SMALL);

    for (i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "name-%lu", (unsigned long) i);
        cr_assert_eq(add(&ha, name, &v[0], 0), HX_OK);
    }

    hinit_init(&hinit, 2048, 64);
    cr_assert_eq(hx_hash_init(&hinit, ha.keys.elts, ha.keys.nelts), HX_OK,
                 "log: %s", logged);

    hash = hinit.hash;
    i = 0;

    for (k = 0; k < hash->size; k++) {
        elt = hash->buckets[k];

        if (elt == NULL) {
            continue;
        }

        p = (uint8_t *) elt;

        while (elt->value != NULL) {
            i++;
            elt = (hx_hash_elt_t *) hx_align_ptr(&elt->name[0] + elt->len,
                                                 sizeof(void *));
        }

        used = (uint8_t *) elt - p + sizeof(void *);

        cr_assert_leq(used, 64, "bucket %lu uses %zu bytes",
                      (unsigned long) k, used);
    }

    cr_assert_eq(i, n);
}
