/*
 * Tests for http/modules/hx_http_auth_basic_module.c: the password
 * schemes against values made by htpasswd, openssl passwd and crypt(3)
 * (MD5 crypt in its "$1$" and "$apr1$" forms, DES, {SHA}, {SSHA},
 * {PLAIN}, and broken values that must never match), then the handler on
 * made-up requests with a real user file: 401 with the realm, the user
 * found on any line (comments, CRLF, no final newline), 403 for a
 * missing file, "off".
 */

#include "hx_http_modules_fixture.h"

#define hx_http_auth_basic_module  hxh_auth_basic_copy
#include "hx_http_auth_basic_module.c"
#undef hx_http_auth_basic_module

extern hx_module_t  hx_http_auth_basic_module;


TestSuite(http_auth_basic, .init = hxh_init);


/* whether password matches the stored value */
static hx_int_t
hxh_matches(const char *password, const char *stored)
{
    hx_int_t   rc;
    hx_str_t   key, salt, out;

    key.data = (uint8_t *) password;
    key.len = strlen(password);
    salt.data = (uint8_t *) stored;
    salt.len = strlen(stored);

    rc = hx_http_auth_basic_crypt(hxh_cycle.pool, &key, &salt, &out);

    if (rc != HX_OK) {
        return rc;
    }

    return hx_http_auth_basic_equal(&out, &salt) ? HX_OK : HX_DECLINED;
}


Test(http_auth_basic, md5_crypt_in_both_spellings)
{
    cr_assert_eq(hxh_matches("password", "$apr1$salt$Xxd1irWT9ycqoYxGFn4cb."),
                 HX_OK);
    cr_assert_eq(hxh_matches("password", "$1$salt$qJH7.N4xYta3aEG/dfqo/0"),
                 HX_OK);
    cr_assert_eq(hxh_matches("Password", "$1$salt$qJH7.N4xYta3aEG/dfqo/0"),
                 HX_DECLINED);
    cr_assert_eq(hxh_matches("1", "$1$"), HX_DECLINED);
    cr_assert_eq(hxh_matches("1", "$apr1$"), HX_DECLINED);

    /* an 8-character salt, as openssl passwd -1 -salt saltsaltX cuts it */
    cr_assert_eq(hxh_matches("password",
                             "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"),
                 HX_OK);
}


Test(http_auth_basic, des_sha_ssha_and_plain)
{
    cr_assert_eq(hxh_matches("password", "sa3tHJ3/KuYvI"), HX_OK);
    cr_assert_eq(hxh_matches("passwor", "sa3tHJ3/KuYvI"), HX_DECLINED);

    cr_assert_eq(hxh_matches("password", "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="),
                 HX_OK);
    cr_assert_eq(hxh_matches("password",
                             "{SSHA}yI6cZwQadOA1e+/f+T+H3eCQQhRzYWx0"),
                 HX_OK);
    cr_assert_eq(hxh_matches("password", "{PLAIN}password"), HX_OK);
    cr_assert_eq(hxh_matches("passwor", "{PLAIN}password"), HX_DECLINED);

    cr_assert_eq(hxh_matches("1", "{SSHA}_____wQadOA1e+/f+T+H3eCQQhRzYWx0"),
                 HX_DECLINED);
    cr_assert_eq(hxh_matches("1", "{SSHA}Zm9vCg=="), HX_DECLINED);
    cr_assert_eq(hxh_matches("1", "{SHA}_____Mm5Pz8GgiULbPgzG37mj9g="),
                 HX_DECLINED);
    cr_assert_eq(hxh_matches("1", "{SHA}Zm9vCg=="), HX_DECLINED);
}


Test(http_auth_basic, schemes_only_crypt_knows_are_refused)
{
    cr_assert_eq(hxh_matches("password", "$6$salt$abc"), HX_DECLINED);
    cr_assert_eq(hxh_matches("password", "{MD5}abc"), HX_DECLINED);
}


/* a request for uri with "Authorization: Basic base64(user:pass)" */
static hx_int_t
hxh_auth(const char *uri, const char *args, const char *credentials,
    hx_http_request_t **rp)
{
    hx_str_t            src, dst;
    hx_http_request_t  *r;

    r = hxh_request("127.0.0.1:1", uri, args);
    *rp = r;

    if (credentials) {
        src.data = (uint8_t *) credentials;
        src.len = strlen(credentials);

        dst.data = hx_pnalloc(r->pool, 6 + hx_base64_encoded_length(src.len)
                                       + 1);
        hx_memcpy(dst.data, "Basic ", 6);

        dst.data += 6;
        hx_encode_base64(&dst, &src);
        dst.data -= 6;
        dst.len += 6;
        dst.data[dst.len] = '\0';

        r->headers_in.authorization = hxh_header(r, "Authorization",
                                                 (char *) dst.data);
    }

    return hx_http_auth_basic_handler(r);
}


static void
hxh_auth_parse_ok(void)
{
    hxh_write("htpasswd",
              "# a comment\n"
              "\n"
              "first:{PLAIN}one\r\n"
              "apr1:$apr1$salt$Xxd1irWT9ycqoYxGFn4cb.:a comment\n"
              "last:{PLAIN}password");

    hxh_parse_ok("http { server { listen 127.0.0.1:9000;\n"
                 "location / { auth_basic \"closed site\";"
                 " auth_basic_user_file %s/htpasswd;\n"
                 "    location /inner { auth_basic off; }\n"
                 "    location /var { auth_basic_user_file %s/$arg_f; }\n"
                 "} } }\n");

    hxh_auth_basic_copy.ctx_index = hx_http_auth_basic_module.ctx_index;
}


Test(http_auth_basic, the_user_file_decides)
{
    hx_table_elt_t     *h;
    hx_http_request_t  *r;

    hxh_auth_parse_ok();

    cr_assert_eq(hxh_auth("/", NULL, NULL, &r), HX_HTTP_UNAUTHORIZED);
    h = r->headers_out.www_authenticate;
    cr_assert_not_null(h);
    cr_assert_eq(h->value.len, sizeof("Basic realm=\"closed site\"") - 1);
    cr_assert(memcmp(h->value.data, "Basic realm=\"closed site\"",
                     h->value.len) == 0);

    cr_assert_eq(hxh_auth("/", NULL, "first:one", &r), HX_OK);
    cr_assert_eq(hxh_auth("/", NULL, "apr1:password", &r), HX_OK);
    cr_assert_eq(hxh_auth("/", NULL, "last:password", &r), HX_OK);

    cr_assert_eq(hxh_auth("/", NULL, "apr1:wrong", &r), HX_HTTP_UNAUTHORIZED);
    cr_assert(hxh_logged_has("user \"apr1\": password mismatch"));

    cr_assert_eq(hxh_auth("/", NULL, "nobody:x", &r), HX_HTTP_UNAUTHORIZED);
    cr_assert(hxh_logged_has("user \"nobody\" was not found in \""));

    /* a user whose name is a prefix of another's */
    cr_assert_eq(hxh_auth("/", NULL, "fir:one", &r), HX_HTTP_UNAUTHORIZED);
}


Test(http_auth_basic, off_and_variable_user_files)
{
    hx_http_request_t  *r;

    hxh_auth_parse_ok();

    cr_assert_eq(hxh_auth("/inner", NULL, NULL, &r), HX_DECLINED);

    cr_assert_eq(hxh_auth("/var", "f=htpasswd", "apr1:password", &r), HX_OK);
    cr_assert_eq(hxh_auth("/var", "f=nx", "apr1:password", &r),
                 HX_HTTP_FORBIDDEN);
    cr_assert(hxh_logged_has("open() \""), "%s", hxh_logged);
}


Test(http_auth_basic, a_long_file_is_read_across_buffers)
{
    char                 line[64], *text;
    size_t               len;
    hx_uint_t            i;
    hx_http_request_t   *r;

    text = (char *) hx_pnalloc(hxh_cycle.pool, 200 * 64 + 64);
    len = 0;

    for (i = 0; i < 200; i++) {
        len += snprintf(text + len, 64, "user%03u:{PLAIN}pass%03u\n",
                        (unsigned) i, (unsigned) i);
    }

    hxh_write("many", text);

    hxh_parse_ok("http { server { listen 127.0.0.1:9000;\n"
                 "location / { auth_basic on; auth_basic_user_file"
                 " %s/many; } } }\n");

    hxh_auth_basic_copy.ctx_index = hx_http_auth_basic_module.ctx_index;

    for (i = 0; i < 200; i += 37) {
        snprintf(line, sizeof(line), "user%03u:pass%03u", (unsigned) i,
                 (unsigned) i);
        cr_assert_eq(hxh_auth("/", NULL, line, &r), HX_OK, "%s", line);
    }

    cr_assert_eq(hxh_auth("/", NULL, "user199:pass198", &r),
                 HX_HTTP_UNAUTHORIZED);
}


Test(http_auth_basic, the_user_file_once_per_level)
{
    hxh_parse_fails("http { auth_basic_user_file a; auth_basic_user_file b; }"
                    "\n", "\"auth_basic_user_file\" directive is duplicate");
}
