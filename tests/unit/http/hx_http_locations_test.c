/*
 * Tests for http/hx_http_locations.c: locations are queued the way the
 * "location" directive queues them, sorted and turned into the static
 * tree and the regex list by hx_http_init_locations() and
 * hx_http_init_static_location_trees(), and then searched with
 * hx_http_find_location() for URIs: longest prefix, exact before prefix,
 * "^~", regex order, nested locations, and the directory redirect.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>

#include <criterion/criterion.h>


static hx_log_t                   test_log;
static hx_pool_t                 *pool;
static hx_conf_t                  cf;
static hx_conf_file_t             conf_file;
static hx_http_conf_ctx_t         ctx;
static hx_http_core_main_conf_t   cmcf;
static hx_http_core_srv_conf_t    cscf;
static hx_http_core_loc_conf_t    root;
static void                      *main_conf[64];
static void                      *srv_conf[64];
static void                      *root_loc_conf[64];


static void
setup(void)
{
    hx_time_init();

    /* no cycle counts the modules here */
    hx_http_core_module.ctx_index = 0;

    memset(&test_log, 0, sizeof(hx_log_t));
    test_log.log_level = HX_LOG_NOTICE;

    pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, &test_log);
    cr_assert_not_null(pool);

    memset(&cf, 0, sizeof(hx_conf_t));
    memset(&conf_file, 0, sizeof(hx_conf_file_t));
    hx_str_set(&conf_file.file.name, "test.conf");

    cf.pool = pool;
    cf.temp_pool = pool;
    cf.log = &test_log;
    cf.conf_file = &conf_file;
    cf.ctx = &ctx;

    memset(&cmcf, 0, sizeof(cmcf));
    memset(&cscf, 0, sizeof(cscf));
    memset(&root, 0, sizeof(root));

    main_conf[hx_http_core_module.ctx_index] = &cmcf;
    srv_conf[hx_http_core_module.ctx_index] = &cscf;
    root_loc_conf[hx_http_core_module.ctx_index] = &root;

    root.loc_conf = root_loc_conf;

    ctx.main_conf = main_conf;
    ctx.srv_conf = srv_conf;
    ctx.loc_conf = root_loc_conf;

    cscf.ctx = &ctx;
}


static void
teardown(void)
{
    hx_destroy_pool(pool);
}


TestSuite(locations, .init = setup, .fini = teardown);


/*
 * A location under parent: "= /x", "^~ /x", "~ re", "~* re", "@name" or
 * "/x", the way hx_http_core_location() names them.
 */
static hx_http_core_loc_conf_t *
add(hx_http_core_loc_conf_t *parent, const char *spec)
{
    void                      **loc_conf;
    hx_regex_compile_t          rc;
    hx_http_core_loc_conf_t    *clcf;
    const char                 *name;
    uint8_t                     err[256];

    clcf = hx_pcalloc(pool, sizeof(hx_http_core_loc_conf_t));
    loc_conf = hx_pcalloc(pool, 64 * sizeof(void *));
    cr_assert(clcf && loc_conf);

    loc_conf[hx_http_core_module.ctx_index] = clcf;
    clcf->loc_conf = loc_conf;

    name = spec;

    if (spec[0] == '=' && spec[1] == ' ') {
        clcf->exact_match = 1;
        name = spec + 2;

    } else if (spec[0] == '^' && spec[1] == '~') {
        clcf->noregex = 1;
        name = spec + 3;

    } else if (spec[0] == '~') {
        name = spec + (spec[1] == '*' ? 3 : 2);

        memset(&rc, 0, sizeof(rc));
        rc.pattern.data = (uint8_t *) name;
        rc.pattern.len = strlen(name);
        rc.options = (spec[1] == '*') ? HX_REGEX_CASELESS : 0;
        rc.err.data = err;
        rc.err.len = sizeof(err);
        rc.pool = pool;

        cr_assert_eq(hx_regex_compile(&rc), HX_OK);

        clcf->regex = hx_pcalloc(pool, sizeof(hx_http_regex_t));
        clcf->regex->regex = rc.regex;
        clcf->regex->ncaptures = rc.captures;

    } else if (spec[0] == '@') {
        clcf->named = 1;
    }

    clcf->name.data = (uint8_t *) name;
    clcf->name.len = strlen(name);

    cr_assert_eq(hx_http_add_location(&cf, &parent->locations, clcf), HX_OK);

    return clcf;
}


static void
build(void)
{
    cr_assert_eq(hx_http_init_locations(&cf, &cscf, &root), HX_OK);
    cr_assert_eq(hx_http_init_static_location_trees(&cf, &root), HX_OK);
}


/* the location URI maps to and the search result */
static hx_http_core_loc_conf_t *
find(const char *uri, hx_int_t *rcp)
{
    hx_int_t               rc;
    hx_http_request_t     *r;
    hx_connection_t       *c;

    r = hx_pcalloc(pool, sizeof(hx_http_request_t));
    c = hx_pcalloc(pool, sizeof(hx_connection_t));
    cr_assert(r && c);

    c->log = &test_log;
    r->connection = c;
    r->pool = pool;
    r->main_conf = main_conf;
    r->srv_conf = srv_conf;
    r->loc_conf = root_loc_conf;
    r->uri.data = (uint8_t *) uri;
    r->uri.len = strlen(uri);

    cmcf.ncaptures = 30;

    rc = hx_http_find_location(r);

    if (rcp) {
        *rcp = rc;
    }

    return r->loc_conf[hx_http_core_module.ctx_index];
}


Test(locations, longest_prefix_wins)
{
    hx_http_core_loc_conf_t  *a, *ab, *abc;

    add(&root, "/");
    a = add(&root, "/a");
    ab = add(&root, "/a/b");
    abc = add(&root, "/a/bc");
    add(&root, "/z");
    build();

    cr_assert_eq(find("/a", NULL), a);
    cr_assert_eq(find("/a/", NULL), a);
    cr_assert_eq(find("/a/b", NULL), ab);
    cr_assert_eq(find("/a/b/x", NULL), ab);
    cr_assert_eq(find("/a/bcd", NULL), abc);
    cr_assert_neq(find("/b", NULL), a);
}


Test(locations, exact_match_before_prefix_of_the_same_name)
{
    hx_http_core_loc_conf_t  *exact, *prefix;

    prefix = add(&root, "/x");
    exact = add(&root, "= /x");
    build();

    cr_assert_eq(find("/x", NULL), exact);
    cr_assert_eq(find("/xy", NULL), prefix);
}


Test(locations, regex_beats_prefix_but_not_noregex_or_exact)
{
    hx_http_core_loc_conf_t  *images, *stat, *gif, *exact;

    images = add(&root, "/images/");
    stat = add(&root, "^~ /static/");
    exact = add(&root, "= /images/a.gif");
    gif = add(&root, "~ \\.gif$");
    build();

    cr_assert_eq(find("/images/b.gif", NULL), gif);
    cr_assert_eq(find("/images/b.png", NULL), images);
    cr_assert_eq(find("/static/b.gif", NULL), stat);
    cr_assert_eq(find("/images/a.gif", NULL), exact);
}


Test(locations, regexes_are_tried_in_file_order)
{
    hx_http_core_loc_conf_t  *first;

    add(&root, "/");
    first = add(&root, "~ ^/ab");
    add(&root, "~ ^/a");
    add(&root, "~* ^/AB");
    build();

    cr_assert_eq(find("/abc", NULL), first);
}


Test(locations, caseless_regex)
{
    hx_http_core_loc_conf_t  *png;

    add(&root, "/");
    png = add(&root, "~* \\.png$");
    build();

    cr_assert_eq(find("/X.PNG", NULL), png);
}


Test(locations, nested_locations_refine_their_parent)
{
    hx_http_core_loc_conf_t  *a, *inner, *nested_re;

    a = add(&root, "/a/");
    inner = add(a, "/a/inner/");
    nested_re = add(a, "~ \\.txt$");
    add(&root, "~ \\.txt$");

    cr_assert_eq(hx_http_init_locations(&cf, NULL, a), HX_OK);
    build();
    cr_assert_eq(hx_http_init_static_location_trees(&cf, a), HX_OK);

    cr_assert_eq(find("/a/x", NULL), a);
    cr_assert_eq(find("/a/inner/x", NULL), inner);
    cr_assert_eq(find("/a/inner/x.txt", NULL), nested_re);
}


Test(locations, directory_redirect_for_a_missing_slash)
{
    hx_int_t                   rc;
    hx_http_core_loc_conf_t   *dir;

    dir = add(&root, "/dir/");
    dir->auto_redirect = 1;
    build();

    cr_assert_eq(find("/dir", &rc), dir);
    cr_assert_eq(rc, HX_DONE);
}


Test(locations, named_locations_are_not_in_the_tree)
{
    hx_str_t                   name;
    hx_http_request_t          r;
    hx_http_core_loc_conf_t   *named;

    add(&root, "/");
    named = add(&root, "@fallback");
    build();

    cr_assert_neq(find("@fallback", NULL), named);

    memset(&r, 0, sizeof(r));
    r.srv_conf = srv_conf;
    hx_str_set(&name, "@fallback");

    cr_assert_eq(hx_http_find_named_location(&r, &name), named);
}


Test(locations, many_prefixes)
{
    char                       names[200][16];
    hx_uint_t                  i;
    hx_http_core_loc_conf_t   *clcf[200];

    for (i = 0; i < 200; i++) {
        snprintf(names[i], sizeof(names[i]), "/p%03u/", (unsigned) i);
        clcf[i] = add(&root, names[i]);
    }

    build();

    for (i = 0; i < 200; i++) {
        char  uri[32];

        snprintf(uri, sizeof(uri), "/p%03u/file", (unsigned) i);
        cr_assert_eq(find(uri, NULL), clcf[i], "uri %s", uri);
    }
}
