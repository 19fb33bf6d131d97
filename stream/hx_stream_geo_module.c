/*
 * geo in stream: a variable whose value depends on the client's address.
 *
 *     geo [$address] $variable { default v; 10.0.0.0/8 v; ::1 v;
 *                                delete net; include f; volatile; }
 *     geo $variable { ranges; 10.0.0.1-10.0.0.9 v; ... }
 *
 * The table itself -- longest-prefix tries, or sorted IPv4 ranges -- is
 * the shared one in core/hx_geo.c; this module reads the block into it
 * and looks the session's address up.  The address is the client's, or
 * the value of $address parsed as one; a unix-socket client, or a value
 * that is no address, is looked up as 255.255.255.255, as nginx does.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>
#include <hx_geo.h>


typedef struct {
    hx_geo_t                        table;
    hx_stream_variable_value_t     *default_value;
    hx_int_t                        index;    /* $address, or -1 */
} hx_stream_geo_ctx_t;


/* what the block's lines fill while it is read */
typedef struct {
    hx_stream_geo_ctx_t            *geo;
    hx_pool_t                      *pool;     /* the configuration's */
    hx_uint_t                       entries;
    unsigned                        ranges:1;
    unsigned                        no_cacheable:1;
} hx_stream_geo_conf_ctx_t;


static hx_int_t hx_stream_geo_variable(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static char *hx_stream_geo_block(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_stream_geo(hx_conf_t *cf, hx_command_t *dummy, void *conf);
static char *hx_stream_geo_cidr(hx_conf_t *cf, hx_stream_geo_conf_ctx_t *ctx,
    hx_str_t *value);
static char *hx_stream_geo_range(hx_conf_t *cf,
    hx_stream_geo_conf_ctx_t *ctx, hx_str_t *value);
static hx_stream_variable_value_t *hx_stream_geo_value(
    hx_stream_geo_conf_ctx_t *ctx, hx_str_t *value);


static hx_command_t  hx_stream_geo_commands[] = {

    { hx_string("geo"),
      HX_STREAM_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_TAKE12,
      hx_stream_geo_block,
      0,
      0,
      NULL },

    hx_null_command
};


static hx_stream_module_t  hx_stream_geo_module_ctx = {
    NULL,                                 /* preconfiguration */
    NULL,                                 /* postconfiguration */

    NULL,                                 /* create main configuration */
    NULL,                                 /* init main configuration */

    NULL,                                 /* create server configuration */
    NULL                                  /* merge server configuration */
};


hx_module_t  hx_stream_geo_module = {
    HX_MODULE_V1,
    "hx_stream_geo_module",
    &hx_stream_geo_module_ctx,
    hx_stream_geo_commands,
    HX_STREAM_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static hx_int_t
hx_stream_geo_variable(hx_stream_session_t *s, hx_stream_variable_value_t *v,
    uintptr_t data)
{
    hx_stream_geo_ctx_t  *ctx = (hx_stream_geo_ctx_t *) data;

    hx_addr_t                     addr;
    struct sockaddr              *sa;
    hx_stream_variable_value_t   *vv;

    sa = s->connection->sockaddr;

    if (ctx->index != -1) {
        vv = hx_stream_get_flushed_variable(s, (hx_uint_t) ctx->index);

        sa = NULL;

        if (vv && !vv->not_found
            && hx_parse_addr(s->connection->pool, &addr, vv->data, vv->len)
               == HX_OK)
        {
            sa = addr.sockaddr;
        }
    }

    vv = hx_geo_find(&ctx->table, sa);

    if (vv == NULL) {
        vv = ctx->default_value;
    }

    *v = *vv;

    hx_log_debug(HX_LOG_DEBUG_STREAM, s->connection->log, 0,
                 "stream geo: %*s", (size_t) v->len, v->data);

    return HX_OK;
}


/* geo [$address] $variable { ... } */
static char *
hx_stream_geo_block(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char                       *rv;
    hx_str_t                   *value, name;
    hx_conf_t                   save;
    hx_stream_geo_ctx_t        *geo;
    hx_stream_variable_t       *var;
    hx_stream_geo_conf_ctx_t    ctx;

    (void) cmd;

    value = cf->args->elts;

    geo = hx_pcalloc(cf->pool, sizeof(hx_stream_geo_ctx_t));
    if (geo == NULL) {
        return HX_CONF_ERROR;
    }

    geo->index = -1;

    name = value[1];

    if (name.len < 2 || name.data[0] != '$') {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid variable name \"%V\"", &name);
        return HX_CONF_ERROR;
    }

    name.len--;
    name.data++;

    if (cf->args->nelts == 3) {
        geo->index = hx_stream_get_variable_index(cf, &name);
        if (geo->index == HX_ERROR) {
            return HX_CONF_ERROR;
        }

        name = value[2];

        if (name.len < 2 || name.data[0] != '$') {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid variable name \"%V\"", &name);
            return HX_CONF_ERROR;
        }

        name.len--;
        name.data++;
    }

    var = hx_stream_add_variable(cf, &name, HX_STREAM_VAR_CHANGEABLE);
    if (var == NULL) {
        return HX_CONF_ERROR;
    }

    var->get_handler = hx_stream_geo_variable;
    var->data = (uintptr_t) geo;

    hx_memzero(&ctx, sizeof(hx_stream_geo_conf_ctx_t));

    ctx.geo = geo;
    ctx.pool = cf->pool;

    save = *cf;
    cf->ctx = &ctx;
    cf->handler = hx_stream_geo;
    cf->handler_conf = conf;

    rv = hx_conf_parse(cf, NULL);

    *cf = save;

    if (rv != HX_CONF_OK) {
        return rv;
    }

    if (ctx.entries == 0 && geo->table.pool == NULL
        && hx_geo_init(&geo->table, cf->pool, 0) != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    if (ctx.no_cacheable) {
        var->flags |= HX_STREAM_VAR_NOCACHEABLE;
    }

    if (geo->default_value == NULL) {
        geo->default_value = &hx_stream_variable_null_value;
    }

    return HX_CONF_OK;
}


/* one line of a geo block */
static char *
hx_stream_geo(hx_conf_t *cf, hx_command_t *dummy, void *conf)
{
    hx_str_t                   *value;
    hx_stream_geo_conf_ctx_t   *ctx;

    ctx = cf->ctx;
    value = cf->args->elts;

    if (cf->args->nelts == 1) {

        if (hx_strcmp(value[0].data, "ranges") == 0) {

            if (ctx->entries) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "the \"ranges\" directive must be "
                                  "the first directive inside "
                                  "\"geo\" block");
                return HX_CONF_ERROR;
            }

            ctx->ranges = 1;
            return HX_CONF_OK;
        }

        if (hx_strcmp(value[0].data, "volatile") == 0) {
            ctx->no_cacheable = 1;
            return HX_CONF_OK;
        }
    }

    if (cf->args->nelts != 2) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid number of the geo parameters");
        return HX_CONF_ERROR;
    }

    if (hx_strcmp(value[0].data, "include") == 0) {
        return hx_conf_include(cf, dummy, conf);
    }

    if (ctx->entries++ == 0) {
        if (hx_geo_init(&ctx->geo->table, ctx->pool, ctx->ranges) != HX_OK) {
            return HX_CONF_ERROR;
        }
    }

    if (ctx->ranges) {
        return hx_stream_geo_range(cf, ctx, value);
    }

    return hx_stream_geo_cidr(cf, ctx, value);
}


/* "net value", "default value" or "delete net" */
static char *
hx_stream_geo_cidr(hx_conf_t *cf, hx_stream_geo_conf_ctx_t *ctx,
    hx_str_t *value)
{
    void                         *old;
    hx_int_t                      rc;
    hx_str_t                     *net;
    hx_uint_t                     del;
    hx_cidr_t                     cidr;
    hx_stream_variable_value_t   *val, *was;

    del = (hx_strcmp(value[0].data, "delete") == 0);
    net = del ? &value[1] : &value[0];

    if (hx_strcmp(net->data, "default") == 0) {
        hx_memzero(&cidr, sizeof(hx_cidr_t));
        cidr.family = AF_UNSPEC;

    } else {
        rc = hx_ptocidr(net, &cidr);

        if (rc == HX_ERROR || cidr.family == AF_UNSPEC) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid network \"%V\"", net);
            return HX_CONF_ERROR;
        }

        if (rc == HX_DONE) {
            hx_conf_log_error(HX_LOG_WARN, cf, 0,
                              "low address bits of %V are meaningless", net);
        }
    }

    if (del) {
        if (hx_geo_delete_cidr(&ctx->geo->table, &cidr) != HX_OK) {
            hx_conf_log_error(HX_LOG_WARN, cf, 0,
                              "no network \"%V\" to delete", net);
        }

        return HX_CONF_OK;
    }

    val = hx_stream_geo_value(ctx, &value[1]);
    if (val == NULL) {
        return HX_CONF_ERROR;
    }

    rc = hx_geo_add_cidr(&ctx->geo->table, &cidr, val, &old);

    if (rc == HX_ERROR) {
        return HX_CONF_ERROR;
    }

    if (rc == HX_BUSY) {
        was = old;

        hx_conf_log_error(HX_LOG_WARN, cf, 0,
                          "duplicate network \"%V\", value: \"%*s\", "
                          "old value: \"%*s\"", net,
                          (size_t) val->len, val->data,
                          (size_t) was->len, was->data);
    }

    return HX_CONF_OK;
}


/* "start-end value", "default value" or "delete start-end" */
static char *
hx_stream_geo_range(hx_conf_t *cf, hx_stream_geo_conf_ctx_t *ctx,
    hx_str_t *value)
{
    void                         *old;
    uint32_t                      start, end, a, b;
    hx_int_t                      rc;
    hx_str_t                     *net;
    hx_uint_t                     del;
    hx_geo_range_t                conflict;
    hx_stream_variable_value_t   *val, *was;

    del = (hx_strcmp(value[0].data, "delete") == 0);
    net = del ? &value[1] : &value[0];

    if (!del && hx_strcmp(net->data, "default") == 0) {
        ctx->geo->default_value = hx_stream_geo_value(ctx, &value[1]);
        return ctx->geo->default_value ? HX_CONF_OK : HX_CONF_ERROR;
    }

    if (hx_geo_parse_range(net, &start, &end) != HX_OK) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0, "invalid range \"%V\"", net);
        return HX_CONF_ERROR;
    }

    if (del) {
        if (hx_geo_delete_range(&ctx->geo->table, start, end) != HX_OK) {
            hx_conf_log_error(HX_LOG_WARN, cf, 0,
                              "no address range \"%V\" to delete", net);
        }

        return HX_CONF_OK;
    }

    val = hx_stream_geo_value(ctx, &value[1]);
    if (val == NULL) {
        return HX_CONF_ERROR;
    }

    rc = hx_geo_add_range(&ctx->geo->table, start, end, val, &old,
                          &conflict);

    if (rc == HX_ERROR) {
        return HX_CONF_ERROR;
    }

    if (rc == HX_DECLINED) {
        a = conflict.start;
        b = conflict.end;

        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "range \"%V\" overlaps \"%ud.%ud.%ud.%ud-"
                          "%ud.%ud.%ud.%ud\"", net,
                          a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
                          a & 0xff, b >> 24, (b >> 16) & 0xff,
                          (b >> 8) & 0xff, b & 0xff);
        return HX_CONF_ERROR;
    }

    if (rc == HX_BUSY) {
        was = old;

        hx_conf_log_error(HX_LOG_WARN, cf, 0,
                          "duplicate range \"%V\", value: \"%*s\", "
                          "old value: \"%*s\"", net,
                          (size_t) val->len, val->data,
                          (size_t) was->len, was->data);
    }

    return HX_CONF_OK;
}


static hx_stream_variable_value_t *
hx_stream_geo_value(hx_stream_geo_conf_ctx_t *ctx, hx_str_t *value)
{
    hx_stream_variable_value_t  *val;

    val = hx_pcalloc(ctx->pool, sizeof(hx_stream_variable_value_t));
    if (val == NULL) {
        return NULL;
    }

    val->data = hx_pnalloc(ctx->pool, value->len ? value->len : 1);
    if (val->data == NULL) {
        return NULL;
    }

    hx_memcpy(val->data, value->data, value->len);

    val->len = value->len;
    val->valid = 1;

    return val;
}
