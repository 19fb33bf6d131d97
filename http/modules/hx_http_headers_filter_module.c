/*
 * add_header, add_trailer and expires: the headers filter.
 *
 * A header filter that, for the main request, adds the configured
 * response headers and the Expires/Cache-Control pair, and a body filter
 * that appends the configured trailers when it sees the last buffer (the
 * chunked filter below writes them).  Headers are added only for the
 * "safe" statuses nginx lists (2xx that carry content, redirects, 304)
 * unless marked "always".
 *
 * Values are complex values, evaluated per request; an empty result adds
 * nothing.  A few names are not plain lines: Cache-Control and Link are
 * chained into headers_out's lists so that later filters see them, and
 * Last-Modified and ETag replace the response's own field (an empty
 * value removes it), because other filters (not_modified, range) read
 * those fields.
 *
 * Inheritance is nginx's: a level with no add_header of its own inherits
 * the whole list of the level above, one with any add_header inherits
 * nothing -- unless add_header_inherit says merge (append the parent's)
 * or off (never inherit).  expires is inherited when unset.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


#define HX_HTTP_HEADERS_INHERIT_OFF    0
#define HX_HTTP_HEADERS_INHERIT_ON     1
#define HX_HTTP_HEADERS_INHERIT_MERGE  2


typedef struct hx_http_header_val_s  hx_http_header_val_t;

typedef hx_int_t (*hx_http_set_header_pt)(hx_http_request_t *r,
    hx_http_header_val_t *hv, hx_str_t *value);


/* a header name that needs more than a plain line */
typedef struct {
    hx_str_t                   name;
    hx_uint_t                  offset;   /* in hx_http_headers_out_t */
    hx_http_set_header_pt      handler;
} hx_http_set_header_t;


struct hx_http_header_val_s {
    hx_http_complex_value_t    value;
    hx_str_t                   key;
    hx_http_set_header_pt      handler;
    hx_uint_t                  offset;
    hx_uint_t                  always;
};


typedef enum {
    HX_HTTP_EXPIRES_OFF,
    HX_HTTP_EXPIRES_EPOCH,
    HX_HTTP_EXPIRES_MAX,
    HX_HTTP_EXPIRES_ACCESS,
    HX_HTTP_EXPIRES_MODIFIED,
    HX_HTTP_EXPIRES_DAILY,
    HX_HTTP_EXPIRES_UNSET
} hx_http_expires_e;


typedef struct {
    hx_http_expires_e          expires;
    time_t                     expires_time;
    hx_http_complex_value_t   *expires_value;
    hx_array_t                *headers;     /* hx_http_header_val_t */
    hx_array_t                *trailers;    /* hx_http_header_val_t */
    hx_uint_t                  headers_inherit;
    hx_uint_t                  trailers_inherit;
} hx_http_headers_conf_t;


static hx_uint_t hx_http_headers_safe_status(hx_http_request_t *r);
static hx_int_t hx_http_set_expires(hx_http_request_t *r,
    hx_http_headers_conf_t *conf);
static hx_int_t hx_http_parse_expires(hx_str_t *value,
    hx_http_expires_e *expires, time_t *expires_time, char **err);
static hx_int_t hx_http_add_multi_header_lines(hx_http_request_t *r,
    hx_http_header_val_t *hv, hx_str_t *value);
static hx_int_t hx_http_add_header(hx_http_request_t *r,
    hx_http_header_val_t *hv, hx_str_t *value);
static hx_int_t hx_http_set_last_modified(hx_http_request_t *r,
    hx_http_header_val_t *hv, hx_str_t *value);
static hx_int_t hx_http_set_response_header(hx_http_request_t *r,
    hx_http_header_val_t *hv, hx_str_t *value);

static void *hx_http_headers_create_conf(hx_conf_t *cf);
static char *hx_http_headers_merge_conf(hx_conf_t *cf, void *parent,
    void *child);
static char *hx_http_headers_merge_list(hx_array_t **conf,
    hx_array_t *prev, hx_uint_t inherit);
static hx_int_t hx_http_headers_filter_init(hx_conf_t *cf);
static char *hx_http_headers_expires(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_headers_add(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);


static hx_http_set_header_t  hx_http_set_headers[] = {

    { hx_string("Cache-Control"),
      offsetof(hx_http_headers_out_t, cache_control),
      hx_http_add_multi_header_lines },

    { hx_string("Link"),
      offsetof(hx_http_headers_out_t, link),
      hx_http_add_multi_header_lines },

    { hx_string("Last-Modified"),
      offsetof(hx_http_headers_out_t, last_modified),
      hx_http_set_last_modified },

    { hx_string("ETag"),
      offsetof(hx_http_headers_out_t, etag),
      hx_http_set_response_header },

    { hx_null_string, 0, NULL }
};


static hx_conf_enum_t  hx_http_headers_inherit[] = {
    { hx_string("off"), HX_HTTP_HEADERS_INHERIT_OFF },
    { hx_string("on"), HX_HTTP_HEADERS_INHERIT_ON },
    { hx_string("merge"), HX_HTTP_HEADERS_INHERIT_MERGE },
    { hx_null_string, 0 }
};


static hx_command_t  hx_http_headers_filter_commands[] = {

    { hx_string("expires"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LIF_CONF
                        |HX_CONF_TAKE12,
      hx_http_headers_expires,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("add_header"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LIF_CONF
                        |HX_CONF_TAKE23,
      hx_http_headers_add,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_headers_conf_t, headers),
      NULL },

    { hx_string("add_trailer"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LIF_CONF
                        |HX_CONF_TAKE23,
      hx_http_headers_add,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_headers_conf_t, trailers),
      NULL },

    { hx_string("add_header_inherit"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LIF_CONF
                        |HX_CONF_TAKE1,
      hx_conf_set_enum_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_headers_conf_t, headers_inherit),
      &hx_http_headers_inherit },

    { hx_string("add_trailer_inherit"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LIF_CONF
                        |HX_CONF_TAKE1,
      hx_conf_set_enum_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_headers_conf_t, trailers_inherit),
      &hx_http_headers_inherit },

    hx_null_command
};


static hx_http_module_t  hx_http_headers_filter_module_ctx = {
    NULL,                                  /* preconfiguration */
    hx_http_headers_filter_init,           /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    hx_http_headers_create_conf,           /* create location configuration */
    hx_http_headers_merge_conf             /* merge location configuration */
};


hx_module_t  hx_http_headers_filter_module = {
    HX_MODULE_V1,
    "hx_http_headers_filter_module",
    &hx_http_headers_filter_module_ctx,
    hx_http_headers_filter_commands,
    HX_HTTP_MODULE,
    NULL,                                  /* init module */
    NULL,                                  /* init master */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL                                   /* exit master */
};


static hx_http_output_header_filter_pt  hx_http_next_header_filter;
static hx_http_output_body_filter_pt    hx_http_next_body_filter;


static hx_int_t
hx_http_headers_filter(hx_http_request_t *r)
{
    hx_str_t                  value;
    hx_uint_t                 i, safe_status;
    hx_http_header_val_t     *h;
    hx_http_headers_conf_t   *conf;

    if (r != r->main) {
        return hx_http_next_header_filter(r);
    }

    conf = hx_http_get_module_loc_conf(r, hx_http_headers_filter_module);

    if (conf->expires == HX_HTTP_EXPIRES_OFF
        && conf->headers == NULL
        && conf->trailers == NULL)
    {
        return hx_http_next_header_filter(r);
    }

    safe_status = hx_http_headers_safe_status(r);

    if (conf->expires != HX_HTTP_EXPIRES_OFF && safe_status) {
        if (hx_http_set_expires(r, conf) != HX_OK) {
            return HX_ERROR;
        }
    }

    if (conf->headers) {
        h = conf->headers->elts;

        for (i = 0; i < conf->headers->nelts; i++) {

            if (!safe_status && !h[i].always) {
                continue;
            }

            if (hx_http_complex_value(r, &h[i].value, &value) != HX_OK) {
                return HX_ERROR;
            }

            if (h[i].handler(r, &h[i], &value) != HX_OK) {
                return HX_ERROR;
            }
        }
    }

    if (conf->trailers) {
        h = conf->trailers->elts;

        for (i = 0; i < conf->trailers->nelts; i++) {

            if (!safe_status && !h[i].always) {
                continue;
            }

            /* the chunked filter must not drop Content-Length for nothing */
            r->expect_trailers = 1;
            break;
        }
    }

    return hx_http_next_header_filter(r);
}


/* appends the trailers as the last buffer goes by */
static hx_int_t
hx_http_trailers_filter(hx_http_request_t *r, hx_chain_t *in)
{
    hx_str_t                  value;
    hx_uint_t                 i, safe_status;
    hx_chain_t               *cl;
    hx_table_elt_t           *t;
    hx_http_header_val_t     *h;
    hx_http_headers_conf_t   *conf;

    conf = hx_http_get_module_loc_conf(r, hx_http_headers_filter_module);

    if (in == NULL
        || conf->trailers == NULL
        || !r->expect_trailers
        || r->header_only)
    {
        return hx_http_next_body_filter(r, in);
    }

    for (cl = in; cl; cl = cl->next) {
        if (cl->buf->last_buf) {
            break;
        }
    }

    if (cl == NULL) {
        return hx_http_next_body_filter(r, in);
    }

    safe_status = hx_http_headers_safe_status(r);

    h = conf->trailers->elts;

    for (i = 0; i < conf->trailers->nelts; i++) {

        if (!safe_status && !h[i].always) {
            continue;
        }

        if (hx_http_complex_value(r, &h[i].value, &value) != HX_OK) {
            return HX_ERROR;
        }

        if (value.len) {
            t = hx_list_push(&r->headers_out.trailers);
            if (t == NULL) {
                return HX_ERROR;
            }

            t->key = h[i].key;
            t->value = value;
            t->hash = 1;
            t->lowcase_key = NULL;
            t->next = NULL;
        }
    }

    return hx_http_next_body_filter(r, in);
}


/* the statuses whose responses get headers without "always" */
static hx_uint_t
hx_http_headers_safe_status(hx_http_request_t *r)
{
    switch (r->headers_out.status) {

    case HX_HTTP_OK:
    case HX_HTTP_CREATED:
    case HX_HTTP_NO_CONTENT:
    case HX_HTTP_PARTIAL_CONTENT:
    case HX_HTTP_MOVED_PERMANENTLY:
    case HX_HTTP_MOVED_TEMPORARILY:
    case HX_HTTP_SEE_OTHER:
    case HX_HTTP_NOT_MODIFIED:
    case HX_HTTP_TEMPORARY_REDIRECT:
    case HX_HTTP_PERMANENT_REDIRECT:
        return 1;

    default:
        return 0;
    }
}


/* a header line pushed onto headers_out, or NULL */
static hx_table_elt_t *
hx_http_headers_push(hx_http_request_t *r, char *key, size_t len)
{
    hx_table_elt_t  *h;

    h = hx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NULL;
    }

    h->hash = 1;
    h->key.len = len;
    h->key.data = (uint8_t *) key;
    h->lowcase_key = NULL;
    h->next = NULL;

    return h;
}


/*
 * Sets Expires and Cache-Control (one line; other Cache-Control lines
 * are dropped) from the configured or evaluated expires.
 */
static hx_int_t
hx_http_set_expires(hx_http_request_t *r, hx_http_headers_conf_t *conf)
{
    char               *err;
    size_t              len;
    time_t              now, expires_time, max_age;
    hx_str_t            value;
    hx_table_elt_t     *e, *cc;
    hx_http_expires_e   expires;

    expires = conf->expires;
    expires_time = conf->expires_time;

    if (conf->expires_value != NULL) {

        if (hx_http_complex_value(r, conf->expires_value, &value) != HX_OK) {
            return HX_ERROR;
        }

        /* an invalid evaluated value sets nothing */
        if (hx_http_parse_expires(&value, &expires, &expires_time, &err)
            != HX_OK)
        {
            return HX_OK;
        }

        if (expires == HX_HTTP_EXPIRES_OFF) {
            return HX_OK;
        }
    }

    e = r->headers_out.expires;

    if (e == NULL) {
        e = hx_http_headers_push(r, "Expires", sizeof("Expires") - 1);
        if (e == NULL) {
            return HX_ERROR;
        }

        r->headers_out.expires = e;
    }

    len = sizeof("Mon, 28 Sep 1970 06:00:00 GMT");
    e->value.len = len - 1;

    cc = r->headers_out.cache_control;

    if (cc == NULL) {
        cc = hx_http_headers_push(r, "Cache-Control",
                                  sizeof("Cache-Control") - 1);
        if (cc == NULL) {
            e->hash = 0;
            return HX_ERROR;
        }

        r->headers_out.cache_control = cc;

    } else {
        for (cc = cc->next; cc; cc = cc->next) {
            cc->hash = 0;
        }

        cc = r->headers_out.cache_control;
        cc->next = NULL;
    }

    if (expires == HX_HTTP_EXPIRES_EPOCH) {
        e->value.data = (uint8_t *) "Thu, 01 Jan 1970 00:00:01 GMT";
        hx_str_set(&cc->value, "no-cache");
        return HX_OK;
    }

    if (expires == HX_HTTP_EXPIRES_MAX) {
        e->value.data = (uint8_t *) "Thu, 31 Dec 2037 23:55:55 GMT";
        /* ten years */
        hx_str_set(&cc->value, "max-age=315360000");
        return HX_OK;
    }

    e->value.data = hx_pnalloc(r->pool, len);
    if (e->value.data == NULL) {
        e->hash = 0;
        cc->hash = 0;
        return HX_ERROR;
    }

    if (expires_time == 0 && expires != HX_HTTP_EXPIRES_DAILY) {
        hx_memcpy(e->value.data, hx_cached_http_time.data,
                  hx_cached_http_time.len);
        e->value.len = hx_cached_http_time.len;
        hx_str_set(&cc->value, "max-age=0");
        return HX_OK;
    }

    now = hx_time();

    if (expires == HX_HTTP_EXPIRES_DAILY) {
        expires_time = hx_next_time(expires_time);
        max_age = expires_time - now;

    } else if (expires == HX_HTTP_EXPIRES_ACCESS
               || r->headers_out.last_modified_time == -1)
    {
        max_age = expires_time;
        expires_time += now;

    } else {
        expires_time += r->headers_out.last_modified_time;
        max_age = expires_time - now;
    }

    e->value.len = hx_http_time(e->value.data, expires_time) - e->value.data;

    if (conf->expires_time < 0 || max_age < 0) {
        hx_str_set(&cc->value, "no-cache");
        return HX_OK;
    }

    cc->value.data = hx_pnalloc(r->pool,
                                sizeof("max-age=") + HX_TIME_T_LEN + 1);
    if (cc->value.data == NULL) {
        cc->hash = 0;
        return HX_ERROR;
    }

    cc->value.len = hx_sprintf(cc->value.data, "max-age=%T", max_age)
                    - cc->value.data;

    return HX_OK;
}


/*
 * Parses an expires value: "epoch", "max", "off" (unless after
 * "modified"), "@time" (daily), or a signed time.  *expires is the mode
 * so far (ACCESS or MODIFIED) and is updated.  HX_OK, or HX_ERROR with
 * *err set.
 */
static hx_int_t
hx_http_parse_expires(hx_str_t *value, hx_http_expires_e *expires,
    time_t *expires_time, char **err)
{
    hx_str_t   s;
    hx_uint_t  minus;

    if (*expires != HX_HTTP_EXPIRES_MODIFIED) {

        if (value->len == 5 && hx_strncmp(value->data, "epoch", 5) == 0) {
            *expires = HX_HTTP_EXPIRES_EPOCH;
            return HX_OK;
        }

        if (value->len == 3 && hx_strncmp(value->data, "max", 3) == 0) {
            *expires = HX_HTTP_EXPIRES_MAX;
            return HX_OK;
        }

        if (value->len == 3 && hx_strncmp(value->data, "off", 3) == 0) {
            *expires = HX_HTTP_EXPIRES_OFF;
            return HX_OK;
        }
    }

    s = *value;
    minus = 0;

    if (s.len && s.data[0] == '@') {
        s.data++;
        s.len--;

        if (*expires == HX_HTTP_EXPIRES_MODIFIED) {
            *err = "daily time cannot be used with \"modified\" parameter";
            return HX_ERROR;
        }

        *expires = HX_HTTP_EXPIRES_DAILY;

    } else if (s.len && s.data[0] == '+') {
        s.data++;
        s.len--;

    } else if (s.len && s.data[0] == '-') {
        s.data++;
        s.len--;
        minus = 1;
    }

    *expires_time = hx_parse_time(&s, 1);

    if (*expires_time == (time_t) HX_ERROR) {
        *err = "invalid value";
        return HX_ERROR;
    }

    if (*expires == HX_HTTP_EXPIRES_DAILY && *expires_time > 24 * 60 * 60) {
        *err = "daily time value must be less than 24 hours";
        return HX_ERROR;
    }

    if (minus) {
        *expires_time = - *expires_time;
    }

    return HX_OK;
}


static hx_int_t
hx_http_add_header(hx_http_request_t *r, hx_http_header_val_t *hv,
    hx_str_t *value)
{
    hx_table_elt_t  *h;

    if (value->len) {
        h = hx_http_headers_push(r, (char *) hv->key.data, hv->key.len);
        if (h == NULL) {
            return HX_ERROR;
        }

        h->value = *value;
    }

    return HX_OK;
}


/* Cache-Control, Link: a line, also chained at the end of headers_out's */
static hx_int_t
hx_http_add_multi_header_lines(hx_http_request_t *r,
    hx_http_header_val_t *hv, hx_str_t *value)
{
    hx_table_elt_t  *h, **ph;

    if (value->len == 0) {
        return HX_OK;
    }

    h = hx_http_headers_push(r, (char *) hv->key.data, hv->key.len);
    if (h == NULL) {
        return HX_ERROR;
    }

    h->value = *value;

    ph = (hx_table_elt_t **) ((char *) &r->headers_out + hv->offset);

    while (*ph) {
        ph = &(*ph)->next;
    }

    *ph = h;

    return HX_OK;
}


static hx_int_t
hx_http_set_last_modified(hx_http_request_t *r, hx_http_header_val_t *hv,
    hx_str_t *value)
{
    if (hx_http_set_response_header(r, hv, value) != HX_OK) {
        return HX_ERROR;
    }

    r->headers_out.last_modified_time =
        value->len ? hx_parse_http_time(value->data, value->len) : -1;

    return HX_OK;
}


/* replaces (or, with an empty value, removes) a well-known field */
static hx_int_t
hx_http_set_response_header(hx_http_request_t *r, hx_http_header_val_t *hv,
    hx_str_t *value)
{
    hx_table_elt_t  *h, **old;

    old = (hx_table_elt_t **) ((char *) &r->headers_out + hv->offset);

    if (value->len == 0) {
        if (*old) {
            (*old)->hash = 0;
            *old = NULL;
        }

        return HX_OK;
    }

    if (*old) {
        h = *old;
        h->hash = 1;
        h->key = hv->key;

    } else {
        h = hx_http_headers_push(r, (char *) hv->key.data, hv->key.len);
        if (h == NULL) {
            return HX_ERROR;
        }

        *old = h;
    }

    h->value = *value;

    return HX_OK;
}


static void *
hx_http_headers_create_conf(hx_conf_t *cf)
{
    hx_http_headers_conf_t  *conf;

    conf = hx_pcalloc(cf->pool, sizeof(hx_http_headers_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by hx_pcalloc():
     *
     *     conf->headers = NULL;
     *     conf->trailers = NULL;
     *     conf->expires_time = 0;
     *     conf->expires_value = NULL;
     */

    conf->expires = HX_HTTP_EXPIRES_UNSET;
    conf->headers_inherit = HX_CONF_UNSET_UINT;
    conf->trailers_inherit = HX_CONF_UNSET_UINT;

    return conf;
}


static char *
hx_http_headers_merge_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_http_headers_conf_t  *prev = parent;
    hx_http_headers_conf_t  *conf = child;

    (void) cf;

    if (conf->expires == HX_HTTP_EXPIRES_UNSET) {
        conf->expires = prev->expires;
        conf->expires_time = prev->expires_time;
        conf->expires_value = prev->expires_value;

        if (conf->expires == HX_HTTP_EXPIRES_UNSET) {
            conf->expires = HX_HTTP_EXPIRES_OFF;
        }
    }

    hx_conf_merge_uint_value(conf->headers_inherit, prev->headers_inherit,
                             HX_HTTP_HEADERS_INHERIT_ON);
    hx_conf_merge_uint_value(conf->trailers_inherit, prev->trailers_inherit,
                             HX_HTTP_HEADERS_INHERIT_ON);

    if (hx_http_headers_merge_list(&conf->headers, prev->headers,
                                   conf->headers_inherit)
        != HX_CONF_OK)
    {
        return HX_CONF_ERROR;
    }

    return hx_http_headers_merge_list(&conf->trailers, prev->trailers,
                                      conf->trailers_inherit);
}


static char *
hx_http_headers_merge_list(hx_array_t **conf, hx_array_t *prev,
    hx_uint_t inherit)
{
    hx_http_header_val_t  *hv;

    if (inherit == HX_HTTP_HEADERS_INHERIT_OFF || prev == NULL) {
        return HX_CONF_OK;
    }

    if (*conf == NULL) {
        *conf = prev;
        return HX_CONF_OK;
    }

    if (inherit == HX_HTTP_HEADERS_INHERIT_MERGE && *conf != prev) {
        hv = hx_array_push_n(*conf, prev->nelts);
        if (hv == NULL) {
            return HX_CONF_ERROR;
        }

        hx_memcpy(hv, prev->elts, sizeof(hx_http_header_val_t) * prev->nelts);
    }

    return HX_CONF_OK;
}


static hx_int_t
hx_http_headers_filter_init(hx_conf_t *cf)
{
    (void) cf;

    hx_http_next_header_filter = hx_http_top_header_filter;
    hx_http_top_header_filter = hx_http_headers_filter;

    hx_http_next_body_filter = hx_http_top_body_filter;
    hx_http_top_body_filter = hx_http_trailers_filter;

    return HX_OK;
}


/* expires [modified] time | epoch | max | off */
static char *
hx_http_headers_expires(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_headers_conf_t  *hcf = conf;

    char                              *err;
    hx_str_t                          *value;
    hx_uint_t                          n;
    hx_http_complex_value_t            cv;
    hx_http_compile_complex_value_t    ccv;

    (void) cmd;

    if (hcf->expires != HX_HTTP_EXPIRES_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2) {
        hcf->expires = HX_HTTP_EXPIRES_ACCESS;
        n = 1;

    } else {
        if (hx_strcmp(value[1].data, "modified") != 0) {
            return "invalid value";
        }

        hcf->expires = HX_HTTP_EXPIRES_MODIFIED;
        n = 2;
    }

    hx_memzero(&ccv, sizeof(hx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[n];
    ccv.complex_value = &cv;

    if (hx_http_compile_complex_value(&ccv) != HX_OK) {
        return HX_CONF_ERROR;
    }

    if (cv.lengths != NULL) {
        hcf->expires_value = hx_palloc(cf->pool,
                                       sizeof(hx_http_complex_value_t));
        if (hcf->expires_value == NULL) {
            return HX_CONF_ERROR;
        }

        *hcf->expires_value = cv;

        return HX_CONF_OK;
    }

    if (hx_http_parse_expires(&value[n], &hcf->expires, &hcf->expires_time,
                              &err)
        != HX_OK)
    {
        return err;
    }

    return HX_CONF_OK;
}


/* add_header / add_trailer name value [always] */
static char *
hx_http_headers_add(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_headers_conf_t  *hcf = conf;

    hx_str_t                          *value;
    hx_array_t                       **headers;
    hx_http_header_val_t              *hv;
    hx_http_set_header_t              *set;
    hx_http_compile_complex_value_t    ccv;

    value = cf->args->elts;

    headers = (hx_array_t **) ((char *) hcf + cmd->offset);

    if (*headers == NULL) {
        *headers = hx_array_create(cf->pool, 1, sizeof(hx_http_header_val_t));
        if (*headers == NULL) {
            return HX_CONF_ERROR;
        }
    }

    hv = hx_array_push(*headers);
    if (hv == NULL) {
        return HX_CONF_ERROR;
    }

    hv->key = value[1];
    hv->handler = NULL;
    hv->offset = 0;
    hv->always = 0;

    if (headers == &hcf->headers) {
        hv->handler = hx_http_add_header;

        for (set = hx_http_set_headers; set->name.len; set++) {
            if (set->name.len == value[1].len
                && hx_strncasecmp(value[1].data, set->name.data,
                                  set->name.len) == 0)
            {
                hv->offset = set->offset;
                hv->handler = set->handler;
                break;
            }
        }
    }

    if (value[2].len == 0) {
        hx_memzero(&hv->value, sizeof(hx_http_complex_value_t));

    } else {
        hx_memzero(&ccv, sizeof(hx_http_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = &value[2];
        ccv.complex_value = &hv->value;

        if (hx_http_compile_complex_value(&ccv) != HX_OK) {
            return HX_CONF_ERROR;
        }
    }

    if (cf->args->nelts == 3) {
        return HX_CONF_OK;
    }

    if (hx_strcmp(value[3].data, "always") != 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid parameter \"%V\"", &value[3]);
        return HX_CONF_ERROR;
    }

    hv->always = 1;

    return HX_CONF_OK;
}
