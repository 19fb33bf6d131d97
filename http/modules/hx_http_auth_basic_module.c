/*
 * auth_basic, auth_basic_user_file: HTTP Basic authentication against an
 * htpasswd file.
 *
 * The access-phase handler takes the user and password from the
 * Authorization header (hx_http_auth_basic_user), then reads the user
 * file, which is evaluated per request and read on every request as
 * nginx does, so edits take effect at once: "user:password[:comment]"
 * lines, '#' comments.  A missing header, an unknown user or a wrong
 * password answer 401 with "WWW-Authenticate: Basic realm=..."; a user
 * file that does not exist, 403.
 *
 * Passwords are checked the ways htpasswd writes them: "{PLAIN}", "{SHA}"
 * and "{SSHA}" (SHA-1, salted), "$apr1$" and "$1$" (the MD5-based crypt,
 * computed here), and traditional DES crypt.  The hashing comes from
 * OpenSSL's libcrypto, which hanx links anyway, so no libcrypt is
 * needed; schemes that only the system's crypt() knows ("$5$", "$6$",
 * "$y$") are refused with a message rather than silently failing.
 * Every password is compared in constant time.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>

#if (HX_HAVE_OPENSSL)
#define OPENSSL_SUPPRESS_DEPRECATED  1
#include <openssl/evp.h>
#include <openssl/des.h>
#endif


#define HX_HTTP_AUTH_BUF_SIZE  2048


typedef struct {
    hx_http_complex_value_t  *realm;
    hx_http_complex_value_t  *user_file;
} hx_http_auth_basic_loc_conf_t;


static hx_int_t hx_http_auth_basic_handler(hx_http_request_t *r);
static hx_int_t hx_http_auth_basic_find(hx_http_request_t *r, hx_fd_t fd,
    uint8_t *name, hx_str_t *pwd, uint8_t *buf);
static hx_int_t hx_http_auth_basic_check(hx_http_request_t *r,
    hx_str_t *passwd, hx_str_t *realm);
static hx_int_t hx_http_auth_basic_set_realm(hx_http_request_t *r,
    hx_str_t *realm);
static hx_int_t hx_http_auth_basic_crypt(hx_pool_t *pool, hx_str_t *key,
    hx_str_t *salt, hx_str_t *out);
#if (HX_HAVE_OPENSSL)
static hx_int_t hx_http_auth_basic_digest(const EVP_MD *md, hx_str_t *a,
    uint8_t *b, size_t blen, uint8_t *out);
static hx_int_t hx_http_auth_basic_md5crypt(hx_pool_t *pool, hx_str_t *key,
    hx_str_t *salt, hx_str_t *magic, hx_str_t *out);
static hx_int_t hx_http_auth_basic_sha(hx_pool_t *pool, hx_str_t *key,
    hx_str_t *salt, hx_uint_t salted, hx_str_t *out);
#endif
static hx_uint_t hx_http_auth_basic_equal(hx_str_t *a, hx_str_t *b);

static void *hx_http_auth_basic_create_loc_conf(hx_conf_t *cf);
static char *hx_http_auth_basic_merge_loc_conf(hx_conf_t *cf, void *parent,
    void *child);
static hx_int_t hx_http_auth_basic_init(hx_conf_t *cf);
static char *hx_http_auth_basic_user_file(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);


static hx_command_t  hx_http_auth_basic_commands[] = {

    { hx_string("auth_basic"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LMT_CONF
                        |HX_CONF_TAKE1,
      hx_http_set_complex_value_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_auth_basic_loc_conf_t, realm),
      NULL },

    { hx_string("auth_basic_user_file"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LMT_CONF
                        |HX_CONF_TAKE1,
      hx_http_auth_basic_user_file,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_auth_basic_loc_conf_t, user_file),
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_auth_basic_module_ctx = {
    NULL,                                  /* preconfiguration */
    hx_http_auth_basic_init,               /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    hx_http_auth_basic_create_loc_conf,    /* create location configuration */
    hx_http_auth_basic_merge_loc_conf      /* merge location configuration */
};


hx_module_t  hx_http_auth_basic_module = {
    HX_MODULE_V1,
    "hx_http_auth_basic_module",
    &hx_http_auth_basic_module_ctx,
    hx_http_auth_basic_commands,
    HX_HTTP_MODULE,
    NULL,                                  /* init module */
    NULL,                                  /* init master */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL                                   /* exit master */
};


static hx_int_t
hx_http_auth_basic_handler(hx_http_request_t *r)
{
    uint8_t                         *name;
    hx_fd_t                          fd;
    hx_int_t                         rc;
    hx_err_t                         err;
    hx_str_t                         realm, user_file, pwd;
    hx_uint_t                        level;
    hx_http_auth_basic_loc_conf_t   *alcf;
    uint8_t                          buf[HX_HTTP_AUTH_BUF_SIZE];

    alcf = hx_http_get_module_loc_conf(r, hx_http_auth_basic_module);

    if (alcf->realm == NULL || alcf->user_file == NULL) {
        return HX_DECLINED;
    }

    if (hx_http_complex_value(r, alcf->realm, &realm) != HX_OK) {
        return HX_ERROR;
    }

    if (realm.len == 3 && hx_strncmp(realm.data, "off", 3) == 0) {
        return HX_DECLINED;
    }

    rc = hx_http_auth_basic_user(r);

    if (rc == HX_DECLINED) {
        hx_log_error(HX_LOG_INFO, r->connection->log, 0,
                     "no user/password was provided for basic "
                     "authentication");

        return hx_http_auth_basic_set_realm(r, &realm);
    }

    if (rc == HX_ERROR) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (hx_http_complex_value(r, alcf->user_file, &user_file) != HX_OK) {
        return HX_ERROR;
    }

    name = hx_pstrdup(r->pool, &user_file);
    if (name == NULL) {
        return HX_ERROR;
    }

    fd = hx_open_file(name, HX_FILE_RDONLY, HX_FILE_OPEN, 0);

    if (fd == HX_INVALID_FILE) {
        err = hx_errno;

        if (err == ENOENT) {
            level = HX_LOG_ERR;
            rc = HX_HTTP_FORBIDDEN;

        } else {
            level = HX_LOG_CRIT;
            rc = HX_HTTP_INTERNAL_SERVER_ERROR;
        }

        hx_log_error(level, r->connection->log, err,
                     "open() \"%s\" failed", name);

        return rc;
    }

    rc = hx_http_auth_basic_find(r, fd, name, &pwd, buf);

    if (hx_close_file(fd) == -1) {
        hx_log_error(HX_LOG_ALERT, r->connection->log, hx_errno,
                     "close() \"%s\" failed", name);
    }

    if (rc == HX_OK) {
        rc = hx_http_auth_basic_check(r, &pwd, &realm);

    } else if (rc == HX_DECLINED) {
        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "user \"%V\" was not found in \"%s\"",
                     &r->headers_in.user, name);

        rc = hx_http_auth_basic_set_realm(r, &realm);

    } else {
        rc = HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the file's passwords do not linger on the stack */
    explicit_bzero(buf, sizeof(buf));

    return rc;
}


/*
 * Reads the user file for the request's user; its password field goes to
 * pwd (copied to the request pool).  HX_OK, HX_DECLINED (no such user),
 * HX_ERROR.  A line is "user:password", optionally ":comment" after.
 */
static hx_int_t
hx_http_auth_basic_find(hx_http_request_t *r, hx_fd_t fd, uint8_t *name,
    hx_str_t *pwd, uint8_t *buf)
{
    off_t      offset;
    size_t     left, n, i, start;
    ssize_t    nread;
    uint8_t   *line, *end, *colon, *field;
    hx_str_t  *user;

    user = &r->headers_in.user;
    offset = 0;
    left = 0;

    for ( ;; ) {
        nread = pread(fd, buf + left, HX_HTTP_AUTH_BUF_SIZE - left, offset);

        if (nread == -1) {
            hx_log_error(HX_LOG_CRIT, r->connection->log, hx_errno,
                         "pread() \"%s\" failed", name);
            return HX_ERROR;
        }

        n = left + (size_t) nread;
        offset += nread;
        start = 0;

        for (i = 0; i <= n; i++) {

            /* a line ends at LF, or at the end of the file */
            if (i < n && buf[i] != LF) {
                continue;
            }

            if (i == n && nread != 0) {
                break;
            }

            line = buf + start;
            end = buf + i;
            start = i + 1;

            if (end > line && end[-1] == CR) {
                end--;
            }

            if (line == end || *line == '#') {
                continue;
            }

            colon = hx_strlchr(line, end, ':');

            if (colon == NULL || (size_t) (colon - line) != user->len
                || hx_memcmp(line, user->data, user->len) != 0)
            {
                continue;
            }

            field = colon + 1;
            colon = hx_strlchr(field, end, ':');

            pwd->len = (colon ? colon : end) - field;
            pwd->data = hx_pnalloc(r->pool, pwd->len + 1);
            if (pwd->data == NULL) {
                return HX_ERROR;
            }

            hx_memcpy(pwd->data, field, pwd->len);
            pwd->data[pwd->len] = '\0';

            return HX_OK;
        }

        if (nread == 0) {
            return HX_DECLINED;
        }

        /* keep the unfinished line; an overlong one is dropped */
        left = n - hx_min(start, n);

        if (left == HX_HTTP_AUTH_BUF_SIZE) {
            left = 0;

        } else {
            hx_memmove(buf, buf + n - left, left);
        }
    }
}


static hx_int_t
hx_http_auth_basic_check(hx_http_request_t *r, hx_str_t *passwd,
    hx_str_t *realm)
{
    hx_int_t  rc;
    hx_str_t  encrypted;

    rc = hx_http_auth_basic_crypt(r->pool, &r->headers_in.passwd, passwd,
                                  &encrypted);

    if (rc == HX_ERROR) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == HX_DECLINED) {
        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "user \"%V\": password scheme is not supported by "
                     "hanx", &r->headers_in.user);

        return hx_http_auth_basic_set_realm(r, realm);
    }

    if (hx_http_auth_basic_equal(&encrypted, passwd)) {
        return HX_OK;
    }

    hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                 "user \"%V\": password mismatch", &r->headers_in.user);

    return hx_http_auth_basic_set_realm(r, realm);
}


static hx_int_t
hx_http_auth_basic_set_realm(hx_http_request_t *r, hx_str_t *realm)
{
    size_t           len;
    uint8_t         *basic, *p;
    hx_table_elt_t  *h;

    h = hx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = sizeof("Basic realm=\"\"") - 1 + realm->len;

    basic = hx_pnalloc(r->pool, len);
    if (basic == NULL) {
        h->hash = 0;
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = hx_cpymem(basic, "Basic realm=\"", sizeof("Basic realm=\"") - 1);
    p = hx_cpymem(p, realm->data, realm->len);
    *p = '"';

    h->hash = 1;
    h->next = NULL;
    h->lowcase_key = NULL;
    hx_str_set(&h->key, "WWW-Authenticate");
    h->value.data = basic;
    h->value.len = len;

    r->headers_out.www_authenticate = h;

    return HX_HTTP_UNAUTHORIZED;
}


/*
 * Hashes key the way salt (the stored password) says, into out, for a
 * comparison with the stored string.  HX_OK, HX_DECLINED for a scheme
 * hanx cannot compute, HX_ERROR on no memory.
 */
static hx_int_t
hx_http_auth_basic_crypt(hx_pool_t *pool, hx_str_t *key, hx_str_t *salt,
    hx_str_t *out)
{
#if (HX_HAVE_OPENSSL)
    hx_str_t  magic;
    char      des[14];
#endif

    if (salt->len >= 7 && hx_strncmp(salt->data, "{PLAIN}", 7) == 0) {
        out->len = 7 + key->len;
        out->data = hx_pnalloc(pool, out->len);
        if (out->data == NULL) {
            return HX_ERROR;
        }

        hx_memcpy(hx_cpymem(out->data, "{PLAIN}", 7), key->data, key->len);

        return HX_OK;
    }

#if (HX_HAVE_OPENSSL)

    if (salt->len >= 6 && hx_strncmp(salt->data, "$apr1$", 6) == 0) {
        hx_str_set(&magic, "$apr1$");
        return hx_http_auth_basic_md5crypt(pool, key, salt, &magic, out);
    }

    if (salt->len >= 3 && hx_strncmp(salt->data, "$1$", 3) == 0) {
        hx_str_set(&magic, "$1$");
        return hx_http_auth_basic_md5crypt(pool, key, salt, &magic, out);
    }

    if (salt->len >= 6 && hx_strncmp(salt->data, "{SSHA}", 6) == 0) {
        return hx_http_auth_basic_sha(pool, key, salt, 1, out);
    }

    if (salt->len >= 5 && hx_strncmp(salt->data, "{SHA}", 5) == 0) {
        return hx_http_auth_basic_sha(pool, key, salt, 0, out);
    }

    if (salt->len >= 2 && salt->data[0] != '$' && salt->data[0] != '{') {

        /* traditional DES crypt: two salt characters, eleven of hash */

        if (DES_fcrypt((char *) key->data, (char *) salt->data, des)
            == NULL)
        {
            return HX_DECLINED;
        }

        out->len = hx_strlen(des);
        out->data = hx_pnalloc(pool, out->len);
        if (out->data == NULL) {
            return HX_ERROR;
        }

        hx_memcpy(out->data, des, out->len);

        return HX_OK;
    }

#else
    (void) pool;
    (void) key;
    (void) out;
#endif

    return HX_DECLINED;
}


#if (HX_HAVE_OPENSSL)

/* out = md(a || b); HX_OK or HX_ERROR */
static hx_int_t
hx_http_auth_basic_digest(const EVP_MD *md, hx_str_t *a, uint8_t *b,
    size_t blen, uint8_t *out)
{
    hx_int_t     rc;
    EVP_MD_CTX  *ctx;

    ctx = EVP_MD_CTX_new();
    if (ctx == NULL) {
        return HX_ERROR;
    }

    rc = (EVP_DigestInit_ex(ctx, md, NULL) == 1
          && EVP_DigestUpdate(ctx, a->data, a->len) == 1
          && EVP_DigestUpdate(ctx, b, blen) == 1
          && EVP_DigestFinal_ex(ctx, out, NULL) == 1)
         ? HX_OK : HX_ERROR;

    EVP_MD_CTX_free(ctx);

    return rc;
}


/* 6-bit groups of v, least significant first, in crypt's alphabet */
static uint8_t *
hx_http_auth_basic_to64(uint8_t *p, uint32_t v, hx_uint_t n)
{
    static const uint8_t  itoa64[] =
        "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    while (n--) {
        *p++ = itoa64[v & 0x3f];
        v >>= 6;
    }

    return p;
}


/*
 * The MD5-based crypt of FreeBSD and Apache ("$1$" and "$apr1$" differ
 * only in the magic): salt of up to 8 characters, an intermediate digest
 * mixed into the main one, then 1000 rounds of re-hashing.
 */
static hx_int_t
hx_http_auth_basic_md5crypt(hx_pool_t *pool, hx_str_t *key, hx_str_t *salt,
    hx_str_t *magic, hx_str_t *out)
{
    int           ok;
    size_t        n;
    uint8_t      *p, *s, *last;
    uint8_t       final[16], zero;
    hx_str_t      sl;
    hx_uint_t     i;
    EVP_MD_CTX   *ctx;

    /* the salt: after the magic, up to '$' or 8 characters */

    s = salt->data + magic->len;
    last = salt->data + salt->len;

    for (p = s; p < last && *p != '$' && p - s < 8; p++) {
        /* void */
    }

    sl.data = s;
    sl.len = p - s;

    ctx = EVP_MD_CTX_new();
    if (ctx == NULL) {
        return HX_ERROR;
    }

    /* the alternate digest: key, salt, key */

    ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL)
         && EVP_DigestUpdate(ctx, key->data, key->len)
         && EVP_DigestUpdate(ctx, sl.data, sl.len)
         && EVP_DigestUpdate(ctx, key->data, key->len)
         && EVP_DigestFinal_ex(ctx, final, NULL);

    /* the main digest: key, magic, salt, the alternate as long as key */

    ok = ok
         && EVP_DigestInit_ex(ctx, EVP_md5(), NULL)
         && EVP_DigestUpdate(ctx, key->data, key->len)
         && EVP_DigestUpdate(ctx, magic->data, magic->len)
         && EVP_DigestUpdate(ctx, sl.data, sl.len);

    for (n = key->len; ok && n > 0; n -= hx_min(n, 16)) {
        ok = EVP_DigestUpdate(ctx, final, hx_min(n, 16));
    }

    /* then, for each bit of the key's length, a NUL or its first byte */

    zero = 0;

    for (n = key->len; ok && n; n >>= 1) {
        ok = (n & 1) ? EVP_DigestUpdate(ctx, &zero, 1)
                     : EVP_DigestUpdate(ctx, key->data, 1);
    }

    ok = ok && EVP_DigestFinal_ex(ctx, final, NULL);

    /* 1000 rounds, to slow guessing down */

    for (i = 0; ok && i < 1000; i++) {
        ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL)
             && ((i & 1) ? EVP_DigestUpdate(ctx, key->data, key->len)
                         : EVP_DigestUpdate(ctx, final, 16))
             && (i % 3 == 0 || EVP_DigestUpdate(ctx, sl.data, sl.len))
             && (i % 7 == 0 || EVP_DigestUpdate(ctx, key->data, key->len))
             && ((i & 1) ? EVP_DigestUpdate(ctx, final, 16)
                         : EVP_DigestUpdate(ctx, key->data, key->len))
             && EVP_DigestFinal_ex(ctx, final, NULL);
    }

    EVP_MD_CTX_free(ctx);

    if (!ok) {
        return HX_ERROR;
    }

    out->data = hx_pnalloc(pool, magic->len + sl.len + 1 + 22);
    if (out->data == NULL) {
        return HX_ERROR;
    }

    p = hx_cpymem(out->data, magic->data, magic->len);
    p = hx_cpymem(p, sl.data, sl.len);
    *p++ = '$';

    p = hx_http_auth_basic_to64(p, ((uint32_t) final[0] << 16)
                                   | ((uint32_t) final[6] << 8) | final[12],
                                4);
    p = hx_http_auth_basic_to64(p, ((uint32_t) final[1] << 16)
                                   | ((uint32_t) final[7] << 8) | final[13],
                                4);
    p = hx_http_auth_basic_to64(p, ((uint32_t) final[2] << 16)
                                   | ((uint32_t) final[8] << 8) | final[14],
                                4);
    p = hx_http_auth_basic_to64(p, ((uint32_t) final[3] << 16)
                                   | ((uint32_t) final[9] << 8) | final[15],
                                4);
    p = hx_http_auth_basic_to64(p, ((uint32_t) final[4] << 16)
                                   | ((uint32_t) final[10] << 8) | final[5],
                                4);
    p = hx_http_auth_basic_to64(p, final[11], 2);

    out->len = p - out->data;

    explicit_bzero(final, sizeof(final));

    return HX_OK;
}


/*
 * "{SHA}" base64(SHA-1(key)), or with salted "{SSHA}" base64(SHA-1(key
 * salt) salt), the salt being what follows the 20-byte digest in the
 * stored value.
 */
static hx_int_t
hx_http_auth_basic_sha(hx_pool_t *pool, hx_str_t *key, hx_str_t *salt,
    hx_uint_t salted, hx_str_t *out)
{
    size_t     prefix;
    uint8_t   *p;
    hx_str_t   encoded, decoded, raw, b64;

    prefix = salted ? sizeof("{SSHA}") - 1 : sizeof("{SHA}") - 1;

    decoded.len = 0;
    decoded.data = NULL;

    if (salted) {
        encoded.data = salt->data + prefix;
        encoded.len = salt->len - prefix;

        decoded.data = hx_pnalloc(pool, hx_base64_decoded_length(encoded.len)
                                        + 20);
        if (decoded.data == NULL) {
            return HX_ERROR;
        }

        /* a broken value gets no salt and can match nothing */
        if (hx_decode_base64(&decoded, &encoded) != HX_OK
            || decoded.len < 20)
        {
            decoded.len = 20;
        }
    }

    raw.len = 20 + (salted ? decoded.len - 20 : 0);
    raw.data = hx_pnalloc(pool, raw.len);
    if (raw.data == NULL) {
        return HX_ERROR;
    }

    if (hx_http_auth_basic_digest(EVP_sha1(), key,
                                  salted ? decoded.data + 20 : NULL,
                                  salted ? decoded.len - 20 : 0, raw.data)
        != HX_OK)
    {
        return HX_ERROR;
    }

    if (salted) {
        hx_memcpy(raw.data + 20, decoded.data + 20, decoded.len - 20);
    }

    out->data = hx_pnalloc(pool, prefix + hx_base64_encoded_length(raw.len));
    if (out->data == NULL) {
        return HX_ERROR;
    }

    p = hx_cpymem(out->data, salt->data, prefix);

    b64.data = p;
    hx_encode_base64(&b64, &raw);

    out->len = prefix + b64.len;

    return HX_OK;
}

#endif


/* equal strings, in time that does not depend on where they differ */
static hx_uint_t
hx_http_auth_basic_equal(hx_str_t *a, hx_str_t *b)
{
    size_t   i;
    uint8_t  diff;

    if (a->len != b->len) {
        return 0;
    }

    diff = 0;

    for (i = 0; i < a->len; i++) {
        diff |= a->data[i] ^ b->data[i];
    }

    return diff == 0;
}


static void *
hx_http_auth_basic_create_loc_conf(hx_conf_t *cf)
{
    hx_http_auth_basic_loc_conf_t  *conf;

    conf = hx_palloc(cf->pool, sizeof(hx_http_auth_basic_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->realm = HX_CONF_UNSET_PTR;
    conf->user_file = HX_CONF_UNSET_PTR;

    return conf;
}


static char *
hx_http_auth_basic_merge_loc_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_http_auth_basic_loc_conf_t  *prev = parent;
    hx_http_auth_basic_loc_conf_t  *conf = child;

    (void) cf;

    hx_conf_merge_ptr_value(conf->realm, prev->realm, NULL);
    hx_conf_merge_ptr_value(conf->user_file, prev->user_file, NULL);

    return HX_CONF_OK;
}


static hx_int_t
hx_http_auth_basic_init(hx_conf_t *cf)
{
    hx_http_handler_pt        *h;
    hx_http_core_main_conf_t  *cmcf;

    cmcf = hx_http_conf_get_module_main_conf(cf, hx_http_core_module);

    h = hx_array_push(&cmcf->phases[HX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return HX_ERROR;
    }

    *h = hx_http_auth_basic_handler;

    return HX_OK;
}


/* auth_basic_user_file file (variables allowed; relative to conf/) */
static char *
hx_http_auth_basic_user_file(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_auth_basic_loc_conf_t  *alcf = conf;

    hx_str_t                          *value;
    hx_http_compile_complex_value_t    ccv;

    (void) cmd;

    if (alcf->user_file != HX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    alcf->user_file = hx_palloc(cf->pool, sizeof(hx_http_complex_value_t));
    if (alcf->user_file == NULL) {
        return HX_CONF_ERROR;
    }

    value = cf->args->elts;

    hx_memzero(&ccv, sizeof(hx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = alcf->user_file;
    ccv.zero = 1;
    ccv.conf_prefix = 1;

    if (hx_http_compile_complex_value(&ccv) != HX_OK) {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}
