/*
 * Tests for http/modules/hx_http_headers_filter_module.c: configurations
 * parsed by the real dispatcher, then the header and trailer filters run
 * on made-up requests (the file is compiled in here, its filters' "next"
 * pointing at stubs) -- expires in all its forms, add_header for safe
 * statuses unless "always", the fields that replace the response's own
 * (ETag, Last-Modified, Cache-Control), inheritance, and trailers.
 */

#include "hx_http_modules_fixture.h"

#define hx_http_headers_filter_module  hxh_headers_copy
#include "hx_http_headers_filter_module.c"
#undef hx_http_headers_filter_module

extern hx_module_t  hx_http_headers_filter_module;


static hx_uint_t  hxh_next_header_called;
static hx_uint_t  hxh_next_body_called;


static hx_int_t
hxh_next_header(hx_http_request_t *r)
{
    (void) r;
    hxh_next_header_called++;
    return HX_OK;
}


static hx_int_t
hxh_next_body(hx_http_request_t *r, hx_chain_t *in)
{
    (void) r;
    (void) in;
    hxh_next_body_called++;
    return HX_OK;
}


static void
hxh_headers_init(void)
{
    hxh_init();
    hxh_next_header_called = 0;
    hxh_next_body_called = 0;
}


TestSuite(http_headers, .init = hxh_headers_init);


/* parses text and points the compiled-in copy at the real confs */
static void
hxh_headers_parse_ok(const char *text)
{
    hxh_parse_ok(text);

    hxh_headers_copy.ctx_index = hx_http_headers_filter_module.ctx_index;
    hx_http_next_header_filter = hxh_next_header;
    hx_http_next_body_filter = hxh_next_body;
}


/* the response header named key, or NULL */
static hx_table_elt_t *
hxh_out(hx_http_request_t *r, const char *key)
{
    hx_list_iter_t   it;
    hx_table_elt_t  *h;

    hx_list_iter_init(&it, &r->headers_out.headers);

    while ((h = hx_list_iter_next(&it)) != NULL) {
        if (h->hash && h->key.len == strlen(key)
            && strncasecmp((char *) h->key.data, key, h->key.len) == 0)
        {
            return h;
        }
    }

    return NULL;
}


static char *
hxh_out_value(hx_http_request_t *r, const char *key)
{
    char            *s;
    hx_table_elt_t  *h;

    h = hxh_out(r, key);
    if (h == NULL) {
        return "(none)";
    }

    s = (char *) hx_pnalloc(r->pool, h->value.len + 1);
    cr_assert_not_null(s);
    hx_memcpy(s, h->value.data, h->value.len);
    s[h->value.len] = '\0';

    return s;
}


/* runs the header filter for uri with status; returns the request */
static hx_http_request_t *
hxh_filter(const char *uri, const char *args, hx_uint_t status)
{
    hx_http_request_t  *r;

    r = hxh_request("127.0.0.1:1", uri, args);
    r->headers_out.status = status;

    cr_assert_eq(hx_http_headers_filter(r), HX_OK);
    cr_assert_eq(hxh_next_header_called, 1);
    hxh_next_header_called = 0;

    return r;
}


#define HXH_SRV  "http { server { listen 127.0.0.1:9000;\n"


Test(http_headers, expires_epoch_max_and_off)
{
    hx_http_request_t  *r;

    hxh_headers_parse_ok(HXH_SRV
                         "location /epoch { expires epoch; }\n"
                         "location /max { expires max; }\n"
                         "location /off { expires off; }\n"
                         "} }\n");

    r = hxh_filter("/epoch", NULL, 200);
    cr_assert_str_eq(hxh_out_value(r, "Expires"),
                     "Thu, 01 Jan 1970 00:00:01 GMT");
    cr_assert_str_eq(hxh_out_value(r, "Cache-Control"), "no-cache");

    r = hxh_filter("/max", NULL, 200);
    cr_assert_str_eq(hxh_out_value(r, "Expires"),
                     "Thu, 31 Dec 2037 23:55:55 GMT");
    cr_assert_str_eq(hxh_out_value(r, "Cache-Control"), "max-age=315360000");

    r = hxh_filter("/off", NULL, 200);
    cr_assert_null(hxh_out(r, "Expires"));
    cr_assert_null(hxh_out(r, "Cache-Control"));
}


Test(http_headers, expires_after_access_and_negative)
{
    uint8_t             date[64];
    hx_http_request_t  *r;

    hxh_headers_parse_ok(HXH_SRV
                         "location /a { expires 1h; }\n"
                         "location /n { expires -2048; }\n"
                         "location /z { expires 0; }\n"
                         "} }\n");

    r = hxh_filter("/a", NULL, 200);
    cr_assert_str_eq(hxh_out_value(r, "Cache-Control"), "max-age=3600");
    *hx_http_time(date, hx_time() + 3600) = '\0';
    cr_assert_str_eq(hxh_out_value(r, "Expires"), (char *) date);

    r = hxh_filter("/n", NULL, 200);
    cr_assert_str_eq(hxh_out_value(r, "Cache-Control"), "no-cache");
    *hx_http_time(date, hx_time() - 2048) = '\0';
    cr_assert_str_eq(hxh_out_value(r, "Expires"), (char *) date);

    r = hxh_filter("/z", NULL, 200);
    cr_assert_str_eq(hxh_out_value(r, "Cache-Control"), "max-age=0");
}


Test(http_headers, expires_modified_counts_from_last_modified)
{
    hx_http_request_t  *r;

    hxh_headers_parse_ok(HXH_SRV
                         "location / { expires modified 2048; }\n"
                         "} }\n");

    r = hxh_request("127.0.0.1:1", "/", NULL);
    r->headers_out.status = 200;
    r->headers_out.last_modified_time = 0;   /* 1970, long past */

    cr_assert_eq(hx_http_headers_filter(r), HX_OK);

    cr_assert_str_eq(hxh_out_value(r, "Expires"),
                     "Thu, 01 Jan 1970 00:34:08 GMT");
    cr_assert_str_eq(hxh_out_value(r, "Cache-Control"), "no-cache");
}


Test(http_headers, expires_daily_names_the_time_of_day)
{
    hx_http_request_t  *r;

    hxh_headers_parse_ok(HXH_SRV "location / { expires @15h30m33s; }\n"
                         "} }\n");

    r = hxh_filter("/", NULL, 200);

    cr_assert(strstr(hxh_out_value(r, "Expires"), ":33 GMT") != NULL,
              "%s", hxh_out_value(r, "Expires"));
    cr_assert(strncmp(hxh_out_value(r, "Cache-Control"), "max-age=", 8)
              == 0);
}


Test(http_headers, expires_from_a_variable)
{
    hx_http_request_t  *r;

    hxh_headers_parse_ok(HXH_SRV
                         "location /v { expires $arg_e; }\n"
                         "location /m { expires modified $arg_e; }\n"
                         "} }\n");

    r = hxh_filter("/v", "e=epoch", 200);
    cr_assert_str_eq(hxh_out_value(r, "Cache-Control"), "no-cache");

    r = hxh_filter("/v", "e=2048", 200);
    cr_assert_str_eq(hxh_out_value(r, "Cache-Control"), "max-age=2048");

    r = hxh_filter("/v", "e=-2048", 200);
    cr_assert_str_eq(hxh_out_value(r, "Cache-Control"), "no-cache");

    r = hxh_filter("/v", "e=off", 200);
    cr_assert_null(hxh_out(r, "Expires"));

    r = hxh_filter("/v", "e=bad", 200);
    cr_assert_null(hxh_out(r, "Expires"));

    r = hxh_filter("/v", NULL, 200);
    cr_assert_null(hxh_out(r, "Expires"));

    /* "epoch" is no offset from Last-Modified */
    r = hxh_filter("/m", "e=epoch", 200);
    cr_assert_null(hxh_out(r, "Expires"));
}


Test(http_headers, expires_only_for_safe_statuses)
{
    hx_http_request_t  *r;

    hxh_headers_parse_ok(HXH_SRV "location / { expires 1h; } } }\n");

    r = hxh_filter("/", NULL, 404);
    cr_assert_null(hxh_out(r, "Expires"));

    r = hxh_filter("/", NULL, 304);
    cr_assert_not_null(hxh_out(r, "Expires"));
}


Test(http_headers, add_header_always_and_empty_values)
{
    hx_http_request_t  *r;

    hxh_headers_parse_ok(HXH_SRV
                         "add_header X-URI $uri;\n"
                         "add_header X-Always $uri always;\n"
                         "add_header X-Empty '';\n"
                         "location / { }\n"
                         "} }\n");

    r = hxh_filter("/t1", NULL, 200);
    cr_assert_str_eq(hxh_out_value(r, "X-URI"), "/t1");
    cr_assert_str_eq(hxh_out_value(r, "X-Always"), "/t1");
    cr_assert_null(hxh_out(r, "X-Empty"));

    r = hxh_filter("/nx", NULL, 404);
    cr_assert_null(hxh_out(r, "X-URI"));
    cr_assert_str_eq(hxh_out_value(r, "X-Always"), "/nx");
}


Test(http_headers, etag_is_replaced_and_an_empty_one_removes_it)
{
    hx_table_elt_t     *etag;
    hx_http_request_t  *r;

    hxh_headers_parse_ok(HXH_SRV
                         "location /set { add_header ETag '\"x\"'; }\n"
                         "location /del { add_header ETag ''; }\n"
                         "} }\n");

    r = hxh_request("127.0.0.1:1", "/set", NULL);
    r->headers_out.status = 200;
    etag = hx_list_push(&r->headers_out.headers);
    etag->hash = 1;
    hx_str_set(&etag->key, "ETag");
    hx_str_set(&etag->value, "\"orig\"");
    etag->next = NULL;
    r->headers_out.etag = etag;

    cr_assert_eq(hx_http_headers_filter(r), HX_OK);
    cr_assert_eq(r->headers_out.etag, etag);
    cr_assert_str_eq(hxh_out_value(r, "ETag"), "\"x\"");

    r = hxh_request("127.0.0.1:1", "/del", NULL);
    r->headers_out.status = 200;
    etag = hx_list_push(&r->headers_out.headers);
    etag->hash = 1;
    hx_str_set(&etag->key, "ETag");
    hx_str_set(&etag->value, "\"orig\"");
    etag->next = NULL;
    r->headers_out.etag = etag;

    cr_assert_eq(hx_http_headers_filter(r), HX_OK);
    cr_assert_null(r->headers_out.etag);
    cr_assert_null(hxh_out(r, "ETag"));
}


Test(http_headers, last_modified_sets_the_time_other_filters_read)
{
    hx_http_request_t  *r;

    hxh_headers_parse_ok(HXH_SRV "location / {"
                         " add_header Last-Modified"
                         " \"Mon, 28 Sep 1970 06:00:00 GMT\"; } } }\n");

    r = hxh_filter("/", NULL, 200);

    cr_assert_eq(r->headers_out.last_modified_time, 23349600);
    cr_assert_not_null(r->headers_out.last_modified);
}


Test(http_headers, cache_control_lines_are_chained)
{
    hx_http_request_t  *r;

    hxh_headers_parse_ok(HXH_SRV "location / {"
                         " add_header Cache-Control private;"
                         " add_header Cache-Control no-store; } } }\n");

    r = hxh_filter("/", NULL, 200);

    cr_assert_not_null(r->headers_out.cache_control);
    cr_assert_str_eq((char *) r->headers_out.cache_control->value.data,
                     "private");
    cr_assert_not_null(r->headers_out.cache_control->next);
}


Test(http_headers, a_level_with_its_own_headers_inherits_none)
{
    hx_http_request_t  *r;

    hxh_headers_parse_ok(HXH_SRV
                         "add_header X-Server s;\n"
                         "location /inherit { }\n"
                         "location /own { add_header X-Own o; }\n"
                         "location /merge { add_header_inherit merge;"
                         " add_header X-Own o; }\n"
                         "} }\n");

    r = hxh_filter("/inherit", NULL, 200);
    cr_assert_str_eq(hxh_out_value(r, "X-Server"), "s");

    r = hxh_filter("/own", NULL, 200);
    cr_assert_null(hxh_out(r, "X-Server"));
    cr_assert_str_eq(hxh_out_value(r, "X-Own"), "o");

    r = hxh_filter("/merge", NULL, 200);
    cr_assert_str_eq(hxh_out_value(r, "X-Server"), "s");
    cr_assert_str_eq(hxh_out_value(r, "X-Own"), "o");
}


Test(http_headers, trailers_are_added_with_the_last_buffer)
{
    hx_buf_t            b;
    hx_chain_t          cl;
    hx_table_elt_t     *t;
    hx_http_request_t  *r;

    hxh_headers_parse_ok(HXH_SRV "location / {"
                         " add_trailer X-Trailer $uri;"
                         " add_trailer X-Empty ''; } } }\n");

    r = hxh_filter("/t", NULL, 200);
    cr_assert(r->expect_trailers);

    hx_memzero(&b, sizeof(hx_buf_t));
    cl.buf = &b;
    cl.next = NULL;

    cr_assert_eq(hx_http_trailers_filter(r, &cl), HX_OK);
    cr_assert_eq(r->headers_out.trailers.part.nelts, 0);

    b.last_buf = 1;

    cr_assert_eq(hx_http_trailers_filter(r, &cl), HX_OK);
    cr_assert_eq(r->headers_out.trailers.part.nelts, 1);

    t = r->headers_out.trailers.part.elts;
    cr_assert_eq(t->value.len, 2);
    cr_assert(memcmp(t->value.data, "/t", 2) == 0);
    cr_assert_eq(hxh_next_body_called, 2);
}


Test(http_headers, trailers_wait_for_a_safe_status_unless_always)
{
    hx_http_request_t  *r;

    hxh_headers_parse_ok(HXH_SRV "location / {"
                         " add_trailer X-T t; } } }\n");

    r = hxh_filter("/t", NULL, 500);
    cr_assert_not(r->expect_trailers);
}


Test(http_headers, parse_expires_values)
{
    char               *err;
    time_t              t;
    hx_str_t            v;
    hx_http_expires_e   e;

    e = HX_HTTP_EXPIRES_ACCESS;
    hx_str_set(&v, "1h 30m");
    cr_assert_eq(hx_http_parse_expires(&v, &e, &t, &err), HX_OK);
    cr_assert_eq(e, HX_HTTP_EXPIRES_ACCESS);
    cr_assert_eq(t, 5400);

    e = HX_HTTP_EXPIRES_ACCESS;
    hx_str_set(&v, "+10");
    cr_assert_eq(hx_http_parse_expires(&v, &e, &t, &err), HX_OK);
    cr_assert_eq(t, 10);

    e = HX_HTTP_EXPIRES_ACCESS;
    hx_str_set(&v, "@23h59m59s");
    cr_assert_eq(hx_http_parse_expires(&v, &e, &t, &err), HX_OK);
    cr_assert_eq(e, HX_HTTP_EXPIRES_DAILY);
    cr_assert_eq(t, 86399);

    e = HX_HTTP_EXPIRES_ACCESS;
    hx_str_set(&v, "@25h");
    cr_assert_eq(hx_http_parse_expires(&v, &e, &t, &err), HX_ERROR);
    cr_assert_str_eq(err, "daily time value must be less than 24 hours");

    e = HX_HTTP_EXPIRES_MODIFIED;
    hx_str_set(&v, "@1h");
    cr_assert_eq(hx_http_parse_expires(&v, &e, &t, &err), HX_ERROR);
    cr_assert_str_eq(err,
                     "daily time cannot be used with \"modified\" parameter");

    e = HX_HTTP_EXPIRES_MODIFIED;
    hx_str_set(&v, "max");
    cr_assert_eq(hx_http_parse_expires(&v, &e, &t, &err), HX_ERROR);
    cr_assert_str_eq(err, "invalid value");
}


Test(http_headers, expires_twice_is_refused)
{
    hxh_parse_fails(HXH_SRV "expires 1h; expires 2h; } }\n",
                    "\"expires\" directive is duplicate in ");
}


Test(http_headers, expires_with_two_words_needs_modified)
{
    hxh_parse_fails(HXH_SRV "expires access 1h; } }\n",
                    "\"expires\" directive invalid value in ");
}


Test(http_headers, add_header_takes_only_always)
{
    hxh_parse_fails(HXH_SRV "add_header X-A b never; } }\n",
                    "invalid parameter \"never\" in ");
}
