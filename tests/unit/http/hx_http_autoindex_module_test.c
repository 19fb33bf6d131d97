/*
 * Tests for http/modules/hx_http_autoindex_module.c: listings of a real
 * directory rendered for a made-up request, with the filter chain
 * replaced by a stub that keeps the page -- html with its 50-column
 * names, escaping of links and text, directories first, sizes exact or
 * rounded; json, jsonp with its callback check, and xml; and the answers
 * for URIs that are no directory.
 */

#include "hx_http_modules_fixture.h"

#define hx_http_autoindex_module  hxh_autoindex_copy
#include "hx_http_autoindex_module.c"
#undef hx_http_autoindex_module

extern hx_module_t  hx_http_autoindex_module;


static char       hxh_page[65536];
static size_t     hxh_page_len;
static hx_uint_t  hxh_headers_sent;


static hx_int_t
hxh_header_stub(hx_http_request_t *r)
{
    (void) r;
    hxh_headers_sent++;
    return HX_OK;
}


static hx_int_t
hxh_body_stub(hx_http_request_t *r, hx_chain_t *in)
{
    size_t  n;

    (void) r;

    for ( /* void */ ; in; in = in->next) {
        n = in->buf->last - in->buf->pos;
        cr_assert_lt(hxh_page_len + n, sizeof(hxh_page));
        hx_memcpy(hxh_page + hxh_page_len, in->buf->pos, n);
        hxh_page_len += n;
        hxh_page[hxh_page_len] = '\0';
    }

    return HX_OK;
}


static void
hxh_ai_init(void)
{
    hxh_init();
    hxh_page_len = 0;
    hxh_page[0] = '\0';
    hxh_headers_sent = 0;
}


TestSuite(http_autoindex, .init = hxh_ai_init);


static void
hxh_mkdir(const char *name)
{
    char  path[256];

    snprintf(path, sizeof(path), "%s/%s", hxh_dir, name);
    cr_assert_eq(mkdir(path, 0755), 0, "%s", path);
}


/* the tree the listings show, and a server on it */
static void
hxh_ai_parse_ok(const char *loc)
{
    char  conf[1024];

    hxh_mkdir("www");
    hxh_mkdir("www/test-dir");
    hxh_mkdir("www/.hidden-dir");
    hxh_write("www/test-file", "0123456789");
    hxh_write("www/big", "");
    hxh_write("www/test-escape-html-<>&", "");
    hxh_write("www/test-escape-url-%?", "");
    hxh_write("www/test-long-00000000000000000000000000000000000000000"
              "00000", "");
    hxh_write("www/test-'-\"", "");

    cr_assert_eq(truncate(strcat(strcpy(conf, hxh_dir), "/www/big"),
                         12345678), 0);

    snprintf(conf, sizeof(conf),
             "http { server { listen 127.0.0.1:9000; root %%s/www;\n"
             "location / { autoindex on; %s } } }\n", loc);

    hxh_parse_ok(conf);

    hxh_autoindex_copy.ctx_index = hx_http_autoindex_module.ctx_index;
    hx_http_top_header_filter = hxh_header_stub;
    hx_http_top_body_filter = hxh_body_stub;
}


static hx_int_t
hxh_ai(const char *uri, const char *args, hx_http_request_t **rp)
{
    hx_http_request_t  *r;

    r = hxh_request("127.0.0.1:1", uri, args);

    if (rp) {
        *rp = r;
    }

    return hx_http_autoindex_handler(r);
}


Test(http_autoindex, html_lists_directories_first_with_links)
{
    char               *p, *q;
    hx_http_request_t  *r;

    hxh_ai_parse_ok("");

    cr_assert_eq(hxh_ai("/", NULL, &r), HX_OK);
    cr_assert_eq(hxh_headers_sent, 1);
    cr_assert_eq(r->headers_out.status, 200);
    cr_assert_eq(r->headers_out.content_type.len, 9);

    cr_assert(strncmp(hxh_page, "<html>\r\n<head><title>Index of /</title>",
                      39) == 0, "%s", hxh_page);
    cr_assert(strstr(hxh_page, "<h1>Index of /</h1><hr><pre>"
                     "<a href=\"../\">../</a>\r\n") != NULL);

    p = strstr(hxh_page, "href=\"test-dir/\"");
    q = strstr(hxh_page, "href=\"test-file\"");
    cr_assert_not_null(p);
    cr_assert_not_null(q);
    cr_assert_lt(p, q, "directories come first");

    cr_assert_null(strstr(hxh_page, "hidden"));
    cr_assert(strstr(hxh_page, "</pre><hr></body>\r\n</html>\r\n") != NULL);
}


Test(http_autoindex, html_columns_and_exact_sizes)
{
    char  *line;

    hxh_ai_parse_ok("");

    cr_assert_eq(hxh_ai("/", NULL, NULL), HX_OK);

    /* name, padding to 50 columns, date, size right-aligned in 19 */
    line = strstr(hxh_page, "<a href=\"test-file\">test-file</a>");
    cr_assert_not_null(line);
    line += sizeof("<a href=\"test-file\">test-file</a>") - 1;
    cr_assert(strncmp(line, "                                          ",
                      41) == 0, "%s", line);
    cr_assert(strstr(line, "                 10\r\n") != NULL);

    line = strstr(hxh_page, "<a href=\"test-dir/\">test-dir/</a>");
    cr_assert_not_null(line);
    cr_assert(strstr(line, "                  -\r\n") != NULL);

    cr_assert(strstr(hxh_page, "           12345678\r\n") != NULL);
}


Test(http_autoindex, html_rounded_sizes)
{
    hxh_ai_parse_ok("autoindex_exact_size off;");

    cr_assert_eq(hxh_ai("/", NULL, NULL), HX_OK);

    cr_assert(strstr(hxh_page, "     12M\r\n") != NULL, "%s", hxh_page);
    cr_assert(strstr(hxh_page, "     10\r\n") != NULL, "%s", hxh_page);
    cr_assert(strstr(hxh_page, "      -\r\n") != NULL, "%s", hxh_page);
}


Test(http_autoindex, html_escapes_links_and_text_and_cuts_long_names)
{
    hxh_ai_parse_ok("");

    cr_assert_eq(hxh_ai("/", NULL, NULL), HX_OK);

    cr_assert(strstr(hxh_page, "href=\"test-escape-url-%25%3F\"") != NULL
              || strstr(hxh_page, "href=\"test-escape-url-%25%3f\"") != NULL,
              "%s", hxh_page);
    cr_assert(strstr(hxh_page, ">test-escape-html-&lt;&gt;&amp;</a>")
              != NULL, "%s", hxh_page);
    cr_assert(strstr(hxh_page, ">test-long-"
                     "0000000000000000000000000000000000000..&gt;</a>")
              != NULL, "%s", hxh_page);
}


Test(http_autoindex, json_entries)
{
    hx_http_request_t  *r;

    hxh_ai_parse_ok("autoindex_format json;");

    cr_assert_eq(hxh_ai("/", NULL, &r), HX_OK);

    cr_assert_eq(r->headers_out.content_type.len,
                 sizeof("application/json") - 1);
    cr_assert_eq(hxh_page[0], '[');
    cr_assert(strstr(hxh_page, "{ \"name\":\"test-dir\", \"type\":"
                     "\"directory\", \"mtime\":\"") != NULL, "%s", hxh_page);
    cr_assert(strstr(hxh_page, "{ \"name\":\"test-file\", \"type\":\"file\", "
                     "\"mtime\":\"") != NULL, "%s", hxh_page);
    cr_assert(strstr(hxh_page, "\", \"size\":10 }") != NULL);
    cr_assert(strstr(hxh_page, "\"test-'-\\\"\"") != NULL, "%s", hxh_page);
    cr_assert(strcmp(hxh_page + hxh_page_len - 3, "\r\n]") == 0);
    cr_assert_null(strstr(hxh_page, "},\r\n]"));
}


Test(http_autoindex, jsonp_wraps_in_the_callback)
{
    hx_http_request_t  *r;

    hxh_ai_parse_ok("autoindex_format jsonp;");

    cr_assert_eq(hxh_ai("/test-dir/", "callback=foo.bar_1", &r), HX_OK);
    cr_assert_str_eq(hxh_page, "/* callback */\r\nfoo.bar_1([\r\n]);");

    hxh_page_len = 0;
    cr_assert_eq(hxh_ai("/test-dir/", "x=1&callback=", &r), HX_OK);
    cr_assert_str_eq(hxh_page, "[\r\n]");

    cr_assert_eq(hxh_ai("/test-dir/", "callback=alert(1)", NULL),
                 HX_HTTP_BAD_REQUEST);
}


Test(http_autoindex, xml_entries)
{
    hx_http_request_t  *r;

    hxh_ai_parse_ok("autoindex_format xml;");

    cr_assert_eq(hxh_ai("/", NULL, &r), HX_OK);

    cr_assert_eq(r->headers_out.charset.len, 5);
    cr_assert(strncmp(hxh_page, "<?xml version=\"1.0\"?>\r\n<list>\r\n", 31)
              == 0);
    cr_assert(strstr(hxh_page, "<directory mtime=\"") != NULL);
    cr_assert(strstr(hxh_page, "\">test-dir</directory>\r\n") != NULL);
    cr_assert(strstr(hxh_page, "\" size=\"10\">test-file</file>\r\n")
              != NULL, "%s", hxh_page);
    cr_assert(strstr(hxh_page, ">test-'-&quot;</file>") != NULL,
              "%s", hxh_page);
}


Test(http_autoindex, what_it_declines_and_refuses)
{
    hx_http_request_t  *r;

    hxh_ai_parse_ok("");

    /* not a directory URI: the static module's */
    cr_assert_eq(hxh_ai("/test-file", NULL, NULL), HX_DECLINED);

    r = hxh_request("127.0.0.1:1", "/", NULL);
    r->method = HX_HTTP_POST;
    cr_assert_eq(hx_http_autoindex_handler(r), HX_DECLINED);

    cr_assert_eq(hxh_ai("/no-such-dir/", NULL, NULL), HX_HTTP_NOT_FOUND);
    cr_assert(hxh_logged_has("opendir() \""), "%s", hxh_logged);
}


Test(http_autoindex, off_by_default)
{
    char  conf[256];

    snprintf(conf, sizeof(conf), "http { server { listen 127.0.0.1:9000;"
             " root %%s; location / { } } }\n");
    hxh_parse_ok(conf);
    hxh_autoindex_copy.ctx_index = hx_http_autoindex_module.ctx_index;

    cr_assert_eq(hxh_ai("/", NULL, NULL), HX_DECLINED);
}
