/*
 * Rewriting what the backend says about itself: Location and Refresh
 * (proxy_redirect), and the Domain and Path attributes and flags of
 * Set-Cookie (proxy_cookie_domain, proxy_cookie_path, proxy_cookie_flags).
 *
 * A rewrite rule is a pattern (a string with variables matched as a
 * prefix, a regex with captures, or for cookie domains a case-insensitive
 * whole-name match ignoring a leading dot) and a replacement with
 * variables; the rules of a location are tried in order and the first
 * that matches wins.  "proxy_redirect default" is the rule nginx derives
 * from proxy_pass: the backend's URL prefix becomes the location.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_http_upstream.h>
#include "hx_http_proxy.h"


#define HX_HTTP_PROXY_COOKIE_SECURE           0x0001
#define HX_HTTP_PROXY_COOKIE_SECURE_ON        0x0002
#define HX_HTTP_PROXY_COOKIE_SECURE_OFF       0x0004
#define HX_HTTP_PROXY_COOKIE_HTTPONLY         0x0008
#define HX_HTTP_PROXY_COOKIE_HTTPONLY_ON      0x0010
#define HX_HTTP_PROXY_COOKIE_HTTPONLY_OFF     0x0020
#define HX_HTTP_PROXY_COOKIE_SAMESITE         0x0040
#define HX_HTTP_PROXY_COOKIE_SAMESITE_STRICT  0x0080
#define HX_HTTP_PROXY_COOKIE_SAMESITE_LAX     0x0100
#define HX_HTTP_PROXY_COOKIE_SAMESITE_NONE    0x0200
#define HX_HTTP_PROXY_COOKIE_SAMESITE_OFF     0x0400


static hx_int_t hx_http_proxy_rewrite_complex_handler(hx_http_request_t *r,
    hx_str_t *value, size_t prefix, size_t len, hx_http_proxy_rewrite_t *pr);
static hx_int_t hx_http_proxy_rewrite_regex_handler(hx_http_request_t *r,
    hx_str_t *value, size_t prefix, size_t len, hx_http_proxy_rewrite_t *pr);
static hx_int_t hx_http_proxy_rewrite_domain_handler(hx_http_request_t *r,
    hx_str_t *value, size_t prefix, size_t len, hx_http_proxy_rewrite_t *pr);
static hx_int_t hx_http_proxy_rewrite(hx_http_request_t *r, hx_str_t *value,
    size_t prefix, size_t len, hx_str_t *replacement);
static hx_int_t hx_http_proxy_parse_cookie(hx_str_t *value,
    hx_array_t *attrs);
static hx_int_t hx_http_proxy_rewrite_cookie_value(hx_http_request_t *r,
    hx_str_t *value, hx_array_t *rewrites);
static hx_int_t hx_http_proxy_rewrite_cookie_flags(hx_http_request_t *r,
    hx_array_t *attrs, hx_array_t *flags);
static hx_int_t hx_http_proxy_edit_cookie_flags(hx_array_t *attrs,
    hx_uint_t flags);
static hx_int_t hx_http_proxy_rewrite_rule(hx_conf_t *cf,
    hx_http_proxy_rewrite_t *pr, hx_str_t *pattern, hx_str_t *replacement);
static hx_int_t hx_http_proxy_rewrite_regex(hx_conf_t *cf,
    hx_http_proxy_rewrite_t *pr, hx_str_t *regex, hx_uint_t caseless);
static hx_int_t hx_http_proxy_compile(hx_conf_t *cf, hx_str_t *value,
    hx_http_complex_value_t *cv);


static hx_conf_bitmask_t  hx_http_proxy_cookie_flags_masks[] = {

    { hx_string("secure"),
      HX_HTTP_PROXY_COOKIE_SECURE|HX_HTTP_PROXY_COOKIE_SECURE_ON },

    { hx_string("nosecure"),
      HX_HTTP_PROXY_COOKIE_SECURE|HX_HTTP_PROXY_COOKIE_SECURE_OFF },

    { hx_string("httponly"),
      HX_HTTP_PROXY_COOKIE_HTTPONLY|HX_HTTP_PROXY_COOKIE_HTTPONLY_ON },

    { hx_string("nohttponly"),
      HX_HTTP_PROXY_COOKIE_HTTPONLY|HX_HTTP_PROXY_COOKIE_HTTPONLY_OFF },

    { hx_string("samesite=strict"),
      HX_HTTP_PROXY_COOKIE_SAMESITE|HX_HTTP_PROXY_COOKIE_SAMESITE_STRICT },

    { hx_string("samesite=lax"),
      HX_HTTP_PROXY_COOKIE_SAMESITE|HX_HTTP_PROXY_COOKIE_SAMESITE_LAX },

    { hx_string("samesite=none"),
      HX_HTTP_PROXY_COOKIE_SAMESITE|HX_HTTP_PROXY_COOKIE_SAMESITE_NONE },

    { hx_string("nosamesite"),
      HX_HTTP_PROXY_COOKIE_SAMESITE|HX_HTTP_PROXY_COOKIE_SAMESITE_OFF },

    { hx_null_string, 0 }
};


/* ---- at request time ------------------------------------------------- */

hx_int_t
hx_http_proxy_rewrite_redirect(hx_http_request_t *r, hx_table_elt_t *h,
    size_t prefix)
{
    size_t                      len;
    hx_int_t                    rc;
    hx_uint_t                   i;
    hx_http_proxy_rewrite_t    *pr;
    hx_http_proxy_loc_conf_t   *plcf;

    plcf = hx_http_get_module_loc_conf(r, hx_http_proxy_module);

    if (plcf->redirects == NULL) {
        return HX_DECLINED;
    }

    pr = plcf->redirects->elts;

    len = h->value.len - prefix;

    for (i = 0; i < plcf->redirects->nelts; i++) {
        rc = pr[i].handler(r, &h->value, prefix, len, &pr[i]);

        if (rc != HX_DECLINED) {
            return rc;
        }
    }

    return HX_DECLINED;
}


hx_int_t
hx_http_proxy_rewrite_cookie(hx_http_request_t *r, hx_table_elt_t *h)
{
    size_t                      len;
    uint8_t                    *p;
    hx_int_t                    rc, rv;
    hx_str_t                   *key, *value;
    hx_uint_t                   i;
    hx_array_t                  attrs;
    hx_keyval_t                *attr;
    hx_http_proxy_loc_conf_t   *plcf;

    if (hx_array_init(&attrs, r->pool, 2, sizeof(hx_keyval_t)) != HX_OK) {
        return HX_ERROR;
    }

    if (hx_http_proxy_parse_cookie(&h->value, &attrs) != HX_OK) {
        return HX_ERROR;
    }

    attr = attrs.elts;

    if (attr[0].value.data == NULL) {
        return HX_DECLINED;
    }

    rv = HX_DECLINED;

    plcf = hx_http_get_module_loc_conf(r, hx_http_proxy_module);

    for (i = 1; i < attrs.nelts; i++) {

        key = &attr[i].key;
        value = &attr[i].value;

        if (plcf->cookie_domains && key->len == 6
            && hx_strncasecmp(key->data, (uint8_t *) "domain", 6) == 0
            && value->data)
        {
            rc = hx_http_proxy_rewrite_cookie_value(r, value,
                                                    plcf->cookie_domains);
            if (rc == HX_ERROR) {
                return HX_ERROR;
            }

            if (rc != HX_DECLINED) {
                rv = rc;
            }
        }

        if (plcf->cookie_paths && key->len == 4
            && hx_strncasecmp(key->data, (uint8_t *) "path", 4) == 0
            && value->data)
        {
            rc = hx_http_proxy_rewrite_cookie_value(r, value,
                                                    plcf->cookie_paths);
            if (rc == HX_ERROR) {
                return HX_ERROR;
            }

            if (rc != HX_DECLINED) {
                rv = rc;
            }
        }
    }

    if (plcf->cookie_flags) {
        rc = hx_http_proxy_rewrite_cookie_flags(r, &attrs,
                                                plcf->cookie_flags);
        if (rc == HX_ERROR) {
            return HX_ERROR;
        }

        if (rc != HX_DECLINED) {
            rv = rc;
        }

        attr = attrs.elts;
    }

    if (rv != HX_OK) {
        return rv;
    }

    /* the line again, from its attributes, "; " between them */

    len = 0;

    for (i = 0; i < attrs.nelts; i++) {

        if (attr[i].key.data == NULL) {
            continue;
        }

        if (i > 0) {
            len += 2;
        }

        len += attr[i].key.len;

        if (attr[i].value.data) {
            len += 1 + attr[i].value.len;
        }
    }

    p = hx_pnalloc(r->pool, len + 1);
    if (p == NULL) {
        return HX_ERROR;
    }

    h->value.data = p;
    h->value.len = len;

    for (i = 0; i < attrs.nelts; i++) {

        if (attr[i].key.data == NULL) {
            continue;
        }

        if (i > 0) {
            *p++ = ';';
            *p++ = ' ';
        }

        p = hx_cpymem(p, attr[i].key.data, attr[i].key.len);

        if (attr[i].value.data) {
            *p++ = '=';
            p = hx_cpymem(p, attr[i].value.data, attr[i].value.len);
        }
    }

    *p = '\0';

    return HX_OK;
}


/*
 * "name=value; Attr=v; Flag" into key/value pairs, spaces around names
 * and values trimmed; a flag has no value (data NULL).
 */
static hx_int_t
hx_http_proxy_parse_cookie(hx_str_t *value, hx_array_t *attrs)
{
    uint8_t       *start, *end, *p, *last;
    hx_str_t       name, val;
    hx_keyval_t   *attr;

    start = value->data;
    end = value->data + value->len;

    for ( ;; ) {

        last = hx_strlchr(start, end, ';');

        if (last == NULL) {
            last = end;
        }

        while (start < last && *start == ' ') {
            start++;
        }

        for (p = start; p < last && *p != '='; p++) {
            /* void */
        }

        name.data = start;
        name.len = p - start;

        while (name.len && name.data[name.len - 1] == ' ') {
            name.len--;
        }

        if (p < last) {

            p++;

            while (p < last && *p == ' ') {
                p++;
            }

            val.data = p;
            val.len = last - val.data;

            while (val.len && val.data[val.len - 1] == ' ') {
                val.len--;
            }

        } else {
            hx_str_null(&val);
        }

        attr = hx_array_push(attrs);
        if (attr == NULL) {
            return HX_ERROR;
        }

        attr->key = name;
        attr->value = val;

        if (last == end) {
            break;
        }

        start = last + 1;
    }

    return HX_OK;
}


static hx_int_t
hx_http_proxy_rewrite_cookie_value(hx_http_request_t *r, hx_str_t *value,
    hx_array_t *rewrites)
{
    hx_int_t                   rc;
    hx_uint_t                  i;
    hx_http_proxy_rewrite_t   *pr;

    pr = rewrites->elts;

    for (i = 0; i < rewrites->nelts; i++) {
        rc = pr[i].handler(r, value, 0, value->len, &pr[i]);

        if (rc != HX_DECLINED) {
            return rc;
        }
    }

    return HX_DECLINED;
}


static hx_int_t
hx_http_proxy_rewrite_cookie_flags(hx_http_request_t *r, hx_array_t *attrs,
    hx_array_t *flags)
{
    hx_int_t                        rc;
    hx_str_t                        pattern, value;
    hx_uint_t                       i, m, f, nelts;
    hx_keyval_t                    *attr;
    hx_conf_bitmask_t              *mask;
    hx_http_complex_value_t        *flags_values;
    hx_http_proxy_cookie_flags_t   *pcf;

    attr = attrs->elts;
    pcf = flags->elts;

    for (i = 0; i < flags->nelts; i++) {

        if (pcf[i].regex) {
            rc = hx_http_regex_exec(r, pcf[i].cookie.regex, &attr[0].key);

            if (rc == HX_ERROR) {
                return HX_ERROR;
            }

            if (rc == HX_OK) {
                break;
            }

            continue;
        }

        if (hx_http_complex_value(r, &pcf[i].cookie.complex, &pattern)
            != HX_OK)
        {
            return HX_ERROR;
        }

        if (pattern.len == attr[0].key.len
            && hx_strncasecmp(attr[0].key.data, pattern.data, pattern.len)
               == 0)
        {
            break;
        }
    }

    if (i == flags->nelts) {
        return HX_DECLINED;
    }

    nelts = pcf[i].flags_values.nelts;
    flags_values = pcf[i].flags_values.elts;

    mask = hx_http_proxy_cookie_flags_masks;
    f = 0;

    for (i = 0; i < nelts; i++) {

        if (hx_http_complex_value(r, &flags_values[i], &value) != HX_OK) {
            return HX_ERROR;
        }

        if (value.len == 0) {
            continue;
        }

        for (m = 0; mask[m].name.len != 0; m++) {

            if (mask[m].name.len == value.len
                && hx_strncasecmp(mask[m].name.data, value.data, value.len)
                   == 0)
            {
                f |= mask[m].mask;
                break;
            }
        }

        if (mask[m].name.len == 0) {
            hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                         "invalid proxy_cookie_flags flag \"%V\"", &value);
        }
    }

    if (f == 0) {
        return HX_DECLINED;
    }

    return hx_http_proxy_edit_cookie_flags(attrs, f);
}


/* sets, clears or replaces Secure, HttpOnly and SameSite */
static hx_int_t
hx_http_proxy_edit_cookie_flags(hx_array_t *attrs, hx_uint_t flags)
{
    hx_str_t      *key, *value;
    hx_uint_t      i;
    hx_keyval_t   *attr;

    attr = attrs->elts;

    for (i = 1; i < attrs->nelts; i++) {
        key = &attr[i].key;
        value = &attr[i].value;

        if (key->len == 6
            && hx_strncasecmp(key->data, (uint8_t *) "secure", 6) == 0)
        {
            if (flags & HX_HTTP_PROXY_COOKIE_SECURE_ON) {
                flags &= ~HX_HTTP_PROXY_COOKIE_SECURE_ON;

            } else if (flags & HX_HTTP_PROXY_COOKIE_SECURE_OFF) {
                key->data = NULL;
            }

            continue;
        }

        if (key->len == 8
            && hx_strncasecmp(key->data, (uint8_t *) "httponly", 8) == 0)
        {
            if (flags & HX_HTTP_PROXY_COOKIE_HTTPONLY_ON) {
                flags &= ~HX_HTTP_PROXY_COOKIE_HTTPONLY_ON;

            } else if (flags & HX_HTTP_PROXY_COOKIE_HTTPONLY_OFF) {
                key->data = NULL;
            }

            continue;
        }

        if (key->len == 8
            && hx_strncasecmp(key->data, (uint8_t *) "samesite", 8) == 0)
        {
            if (flags & HX_HTTP_PROXY_COOKIE_SAMESITE_STRICT) {
                flags &= ~HX_HTTP_PROXY_COOKIE_SAMESITE_STRICT;

                if (value->len != 6
                    || hx_strncasecmp(value->data, (uint8_t *) "strict", 6)
                       != 0)
                {
                    hx_str_set(key, "SameSite");
                    hx_str_set(value, "Strict");
                }

            } else if (flags & HX_HTTP_PROXY_COOKIE_SAMESITE_LAX) {
                flags &= ~HX_HTTP_PROXY_COOKIE_SAMESITE_LAX;

                if (value->len != 3
                    || hx_strncasecmp(value->data, (uint8_t *) "lax", 3) != 0)
                {
                    hx_str_set(key, "SameSite");
                    hx_str_set(value, "Lax");
                }

            } else if (flags & HX_HTTP_PROXY_COOKIE_SAMESITE_NONE) {
                flags &= ~HX_HTTP_PROXY_COOKIE_SAMESITE_NONE;

                if (value->len != 4
                    || hx_strncasecmp(value->data, (uint8_t *) "none", 4) != 0)
                {
                    hx_str_set(key, "SameSite");
                    hx_str_set(value, "None");
                }

            } else if (flags & HX_HTTP_PROXY_COOKIE_SAMESITE_OFF) {
                key->data = NULL;
            }

            continue;
        }
    }

    if (flags & HX_HTTP_PROXY_COOKIE_SECURE_ON) {
        attr = hx_array_push(attrs);
        if (attr == NULL) {
            return HX_ERROR;
        }

        hx_str_set(&attr->key, "Secure");
        hx_str_null(&attr->value);
    }

    if (flags & HX_HTTP_PROXY_COOKIE_HTTPONLY_ON) {
        attr = hx_array_push(attrs);
        if (attr == NULL) {
            return HX_ERROR;
        }

        hx_str_set(&attr->key, "HttpOnly");
        hx_str_null(&attr->value);
    }

    if (flags & (HX_HTTP_PROXY_COOKIE_SAMESITE_STRICT
                 |HX_HTTP_PROXY_COOKIE_SAMESITE_LAX
                 |HX_HTTP_PROXY_COOKIE_SAMESITE_NONE))
    {
        attr = hx_array_push(attrs);
        if (attr == NULL) {
            return HX_ERROR;
        }

        hx_str_set(&attr->key, "SameSite");

        if (flags & HX_HTTP_PROXY_COOKIE_SAMESITE_STRICT) {
            hx_str_set(&attr->value, "Strict");

        } else if (flags & HX_HTTP_PROXY_COOKIE_SAMESITE_LAX) {
            hx_str_set(&attr->value, "Lax");

        } else {
            hx_str_set(&attr->value, "None");
        }
    }

    return HX_OK;
}


/* a string pattern: a prefix of the value */
static hx_int_t
hx_http_proxy_rewrite_complex_handler(hx_http_request_t *r, hx_str_t *value,
    size_t prefix, size_t len, hx_http_proxy_rewrite_t *pr)
{
    hx_str_t  pattern, replacement;

    if (hx_http_complex_value(r, &pr->pattern.complex, &pattern) != HX_OK) {
        return HX_ERROR;
    }

    if (pattern.len > len
        || hx_memcmp(value->data + prefix, pattern.data, pattern.len) != 0)
    {
        return HX_DECLINED;
    }

    if (hx_http_complex_value(r, &pr->replacement, &replacement) != HX_OK) {
        return HX_ERROR;
    }

    return hx_http_proxy_rewrite(r, value, prefix, pattern.len, &replacement);
}


/* a regex: the whole candidate is replaced, captures available */
static hx_int_t
hx_http_proxy_rewrite_regex_handler(hx_http_request_t *r, hx_str_t *value,
    size_t prefix, size_t len, hx_http_proxy_rewrite_t *pr)
{
    hx_str_t  pattern, replacement;

    pattern.len = len;
    pattern.data = value->data + prefix;

    if (hx_http_regex_exec(r, pr->pattern.regex, &pattern) != HX_OK) {
        return HX_DECLINED;
    }

    if (hx_http_complex_value(r, &pr->replacement, &replacement) != HX_OK) {
        return HX_ERROR;
    }

    return hx_http_proxy_rewrite(r, value, prefix, len, &replacement);
}


/* a cookie domain: the whole name, any case, a leading dot ignored */
static hx_int_t
hx_http_proxy_rewrite_domain_handler(hx_http_request_t *r, hx_str_t *value,
    size_t prefix, size_t len, hx_http_proxy_rewrite_t *pr)
{
    uint8_t   *p;
    hx_str_t   pattern, replacement;

    if (hx_http_complex_value(r, &pr->pattern.complex, &pattern) != HX_OK) {
        return HX_ERROR;
    }

    p = value->data + prefix;

    if (len && p[0] == '.') {
        p++;
        prefix++;
        len--;
    }

    if (pattern.len != len || hx_strncasecmp(pattern.data, p, len) != 0) {
        return HX_DECLINED;
    }

    if (hx_http_complex_value(r, &pr->replacement, &replacement) != HX_OK) {
        return HX_ERROR;
    }

    return hx_http_proxy_rewrite(r, value, prefix, len, &replacement);
}


/* replaces value[prefix, prefix + len) with replacement, NUL kept */
static hx_int_t
hx_http_proxy_rewrite(hx_http_request_t *r, hx_str_t *value, size_t prefix,
    size_t len, hx_str_t *replacement)
{
    size_t    new_len;
    uint8_t  *p, *data;

    if (len == value->len) {
        *value = *replacement;
        return HX_OK;
    }

    new_len = replacement->len + value->len - len;

    data = hx_pnalloc(r->pool, new_len + 1);
    if (data == NULL) {
        return HX_ERROR;
    }

    p = hx_cpymem(data, value->data, prefix);
    p = hx_cpymem(p, replacement->data, replacement->len);
    p = hx_cpymem(p, value->data + prefix + len, value->len - len - prefix);
    *p = '\0';

    value->data = data;
    value->len = new_len;

    return HX_OK;
}


/* ---- directives ------------------------------------------------------ */

hx_int_t
hx_http_proxy_default_redirect(hx_conf_t *cf, hx_http_proxy_loc_conf_t *plcf,
    hx_http_proxy_rewrite_t *pr)
{
    uint8_t  *p;

    pr->handler = hx_http_proxy_rewrite_complex_handler;

    hx_memzero(&pr->pattern.complex, sizeof(hx_http_complex_value_t));
    hx_memzero(&pr->replacement, sizeof(hx_http_complex_value_t));

    if (plcf->vars.uri.len) {
        pr->pattern.complex.value = plcf->url;
        pr->replacement.value = plcf->location;

    } else {
        pr->pattern.complex.value.len = plcf->url.len + sizeof("/") - 1;

        p = hx_pnalloc(cf->pool, pr->pattern.complex.value.len);
        if (p == NULL) {
            return HX_ERROR;
        }

        pr->pattern.complex.value.data = p;

        p = hx_cpymem(p, plcf->url.data, plcf->url.len);
        *p = '/';

        hx_str_set(&pr->replacement.value, "/");
    }

    return HX_OK;
}


char *
hx_http_proxy_redirect(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_proxy_loc_conf_t *plcf = conf;

    hx_str_t                  *value;
    hx_http_proxy_rewrite_t   *pr;

    (void) cmd;

    if (plcf->redirect == 0) {
        return "is duplicate";
    }

    plcf->redirect = 1;

    value = cf->args->elts;

    if (cf->args->nelts == 2) {

        if (hx_strcmp(value[1].data, "off") == 0) {

            if (plcf->redirects) {
                return "is duplicate";
            }

            plcf->redirect = 0;
            return HX_CONF_OK;
        }

        if (hx_strcmp(value[1].data, "default") != 0) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid parameter \"%V\"", &value[1]);
            return HX_CONF_ERROR;
        }
    }

    if (plcf->redirects == NULL) {
        plcf->redirects = hx_array_create(cf->pool, 1,
                                          sizeof(hx_http_proxy_rewrite_t));
        if (plcf->redirects == NULL) {
            return HX_CONF_ERROR;
        }
    }

    pr = hx_array_push(plcf->redirects);
    if (pr == NULL) {
        return HX_CONF_ERROR;
    }

    if (cf->args->nelts == 2) {

        /* "default" */

        if (plcf->proxy) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "\"proxy_redirect default\" cannot be used "
                              "with \"proxy_pass\" directive with variables");
            return HX_CONF_ERROR;
        }

        if (plcf->url.data == NULL) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "\"proxy_redirect default\" should be placed "
                              "after the \"proxy_pass\" directive");
            return HX_CONF_ERROR;
        }

        if (hx_http_proxy_default_redirect(cf, plcf, pr) != HX_OK) {
            return HX_CONF_ERROR;
        }

        return HX_CONF_OK;
    }

    if (hx_http_proxy_rewrite_rule(cf, pr, &value[1], &value[2]) != HX_OK) {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


/*
 * The shared head of the three proxy_cookie_* directives: "off", or a
 * new rule in *rules.  Returns the rule, NULL after "off" (*rv says
 * HX_CONF_OK) or on an error (*rv says why).
 */
static void *
hx_http_proxy_cookie_rule(hx_conf_t *cf, hx_array_t **rules, size_t size,
    char **rv)
{
    hx_str_t  *value;

    *rv = HX_CONF_ERROR;

    if (*rules == NULL) {
        *rv = "is duplicate";
        return NULL;
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2) {

        if (hx_strcmp(value[1].data, "off") == 0) {

            if (*rules != HX_CONF_UNSET_PTR) {
                *rv = "is duplicate";
                return NULL;
            }

            *rules = NULL;
            *rv = HX_CONF_OK;
            return NULL;
        }

        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid parameter \"%V\"", &value[1]);
        return NULL;
    }

    if (*rules == HX_CONF_UNSET_PTR) {
        *rules = hx_array_create(cf->pool, 1, size);
        if (*rules == NULL) {
            return NULL;
        }
    }

    return hx_array_push(*rules);
}


char *
hx_http_proxy_cookie_domain(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_proxy_loc_conf_t *plcf = conf;

    char                      *rv;
    hx_str_t                  *value;
    hx_http_proxy_rewrite_t   *pr;

    (void) cmd;

    pr = hx_http_proxy_cookie_rule(cf, &plcf->cookie_domains,
                                   sizeof(hx_http_proxy_rewrite_t), &rv);
    if (pr == NULL) {
        return rv;
    }

    value = cf->args->elts;

    if (value[1].data[0] == '~') {
        value[1].len--;
        value[1].data++;

        if (hx_http_proxy_rewrite_regex(cf, pr, &value[1], 1) != HX_OK) {
            return HX_CONF_ERROR;
        }

    } else {

        if (value[1].data[0] == '.') {
            value[1].len--;
            value[1].data++;
        }

        if (hx_http_proxy_compile(cf, &value[1], &pr->pattern.complex)
            != HX_OK)
        {
            return HX_CONF_ERROR;
        }

        pr->handler = hx_http_proxy_rewrite_domain_handler;

        if (value[2].data[0] == '.') {
            value[2].len--;
            value[2].data++;
        }
    }

    if (hx_http_proxy_compile(cf, &value[2], &pr->replacement) != HX_OK) {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


char *
hx_http_proxy_cookie_path(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_proxy_loc_conf_t *plcf = conf;

    char                      *rv;
    hx_str_t                  *value;
    hx_http_proxy_rewrite_t   *pr;

    (void) cmd;

    pr = hx_http_proxy_cookie_rule(cf, &plcf->cookie_paths,
                                   sizeof(hx_http_proxy_rewrite_t), &rv);
    if (pr == NULL) {
        return rv;
    }

    value = cf->args->elts;

    if (hx_http_proxy_rewrite_rule(cf, pr, &value[1], &value[2]) != HX_OK) {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


char *
hx_http_proxy_cookie_flags(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_proxy_loc_conf_t *plcf = conf;

    char                           *rv;
    hx_str_t                       *value;
    hx_uint_t                       i;
    hx_regex_compile_t              rc;
    hx_http_complex_value_t        *cv;
    hx_http_proxy_cookie_flags_t   *pcf;
    uint8_t                         errstr[HX_MAX_CONF_ERRSTR];

    (void) cmd;

    pcf = hx_http_proxy_cookie_rule(cf, &plcf->cookie_flags,
                                    sizeof(hx_http_proxy_cookie_flags_t),
                                    &rv);
    if (pcf == NULL) {
        return rv;
    }

    hx_memzero(pcf, sizeof(hx_http_proxy_cookie_flags_t));

    value = cf->args->elts;

    if (value[1].data[0] == '~') {
        value[1].len--;
        value[1].data++;

        hx_memzero(&rc, sizeof(hx_regex_compile_t));

        rc.pattern = value[1];
        rc.err.len = HX_MAX_CONF_ERRSTR;
        rc.err.data = errstr;
        rc.options = HX_REGEX_CASELESS;

        pcf->cookie.regex = hx_http_regex_compile(cf, &rc);
        if (pcf->cookie.regex == NULL) {
            return HX_CONF_ERROR;
        }

        pcf->regex = 1;

    } else {

        if (hx_http_proxy_compile(cf, &value[1], &pcf->cookie.complex)
            != HX_OK)
        {
            return HX_CONF_ERROR;
        }
    }

    if (hx_array_init(&pcf->flags_values, cf->pool, cf->args->nelts - 2,
                      sizeof(hx_http_complex_value_t))
        != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {

        cv = hx_array_push(&pcf->flags_values);
        if (cv == NULL) {
            return HX_CONF_ERROR;
        }

        if (hx_http_proxy_compile(cf, &value[i], cv) != HX_OK) {
            return HX_CONF_ERROR;
        }
    }

    return HX_CONF_OK;
}


/*
 * "PATTERN REPLACEMENT" of proxy_redirect and proxy_cookie_path: a
 * pattern starting with "~" (or "~*", caseless) is a regex, any other a
 * prefix with variables.
 */
static hx_int_t
hx_http_proxy_rewrite_rule(hx_conf_t *cf, hx_http_proxy_rewrite_t *pr,
    hx_str_t *pattern, hx_str_t *replacement)
{
    hx_str_t  p;

    p = *pattern;

    if (p.data[0] == '~') {
        p.len--;
        p.data++;

        if (p.data[0] == '*') {
            p.len--;
            p.data++;

            if (hx_http_proxy_rewrite_regex(cf, pr, &p, 1) != HX_OK) {
                return HX_ERROR;
            }

        } else if (hx_http_proxy_rewrite_regex(cf, pr, &p, 0) != HX_OK) {
            return HX_ERROR;
        }

    } else {

        if (hx_http_proxy_compile(cf, &p, &pr->pattern.complex) != HX_OK) {
            return HX_ERROR;
        }

        pr->handler = hx_http_proxy_rewrite_complex_handler;
    }

    return hx_http_proxy_compile(cf, replacement, &pr->replacement);
}


static hx_int_t
hx_http_proxy_rewrite_regex(hx_conf_t *cf, hx_http_proxy_rewrite_t *pr,
    hx_str_t *regex, hx_uint_t caseless)
{
    hx_regex_compile_t  rc;
    uint8_t             errstr[HX_MAX_CONF_ERRSTR];

    hx_memzero(&rc, sizeof(hx_regex_compile_t));

    rc.pattern = *regex;
    rc.err.len = HX_MAX_CONF_ERRSTR;
    rc.err.data = errstr;

    if (caseless) {
        rc.options = HX_REGEX_CASELESS;
    }

    pr->pattern.regex = hx_http_regex_compile(cf, &rc);
    if (pr->pattern.regex == NULL) {
        return HX_ERROR;
    }

    pr->handler = hx_http_proxy_rewrite_regex_handler;

    return HX_OK;
}


static hx_int_t
hx_http_proxy_compile(hx_conf_t *cf, hx_str_t *value,
    hx_http_complex_value_t *cv)
{
    hx_http_compile_complex_value_t  ccv;

    hx_memzero(&ccv, sizeof(hx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = value;
    ccv.complex_value = cv;

    return hx_http_compile_complex_value(&ccv);
}
