/*
 * split_clients: a variable for A/B testing.
 *
 *     split_clients "${remote_addr}AAA" $variant { 0.5% .one; 2% .two; * ""; }
 *
 * The source string is hashed with MurmurHash2 and the 32-bit hash space
 * is cut into consecutive slices of the given percentages, in order; "*"
 * (or the part that brings the total to exactly 100%) takes the rest.
 * The slice boundaries are computed as nginx computes them, so the same
 * key lands in the same variant under hanx and nginx.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


typedef struct {
    uint32_t                    percent;  /* upper bound; 0: the rest */
    hx_http_variable_value_t    value;
} hx_http_split_clients_part_t;


typedef struct {
    hx_http_complex_value_t     value;
    hx_array_t                  parts;    /* hx_http_split_clients_part_t */
} hx_http_split_clients_ctx_t;


static char *hx_conf_split_clients_block(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_split_clients(hx_conf_t *cf, hx_command_t *dummy,
    void *conf);


static hx_command_t  hx_http_split_clients_commands[] = {

    { hx_string("split_clients"),
      HX_HTTP_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_TAKE2,
      hx_conf_split_clients_block,
      HX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_split_clients_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


hx_module_t  hx_http_split_clients_module = {
    HX_MODULE_V1,
    "hx_http_split_clients_module",
    &hx_http_split_clients_module_ctx,
    hx_http_split_clients_commands,
    HX_HTTP_MODULE,
    NULL,                                  /* init module */
    NULL,                                  /* init master */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL                                   /* exit master */
};


static hx_int_t
hx_http_split_clients_variable(hx_http_request_t *r,
    hx_http_variable_value_t *v, uintptr_t data)
{
    hx_http_split_clients_ctx_t  *ctx = (hx_http_split_clients_ctx_t *) data;

    uint32_t                       hash;
    hx_str_t                       val;
    hx_uint_t                      i;
    hx_http_split_clients_part_t  *part;

    *v = hx_http_variable_null_value;

    if (hx_http_complex_value(r, &ctx->value, &val) != HX_OK) {
        return HX_OK;
    }

    hash = hx_murmur_hash2(val.data, val.len);

    part = ctx->parts.elts;

    for (i = 0; i < ctx->parts.nelts; i++) {

        hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                     "http split: %uD %uD", hash, part[i].percent);

        if (hash < part[i].percent || part[i].percent == 0) {
            *v = part[i].value;
            return HX_OK;
        }
    }

    return HX_OK;
}


/* split_clients string $variable { percent value; ... } */
static char *
hx_conf_split_clients_block(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char                               *rv;
    uint32_t                            sum, last;
    hx_str_t                           *value, name;
    hx_uint_t                           i;
    hx_conf_t                           save;
    hx_http_variable_t                 *var;
    hx_http_split_clients_ctx_t        *ctx;
    hx_http_split_clients_part_t       *part;
    hx_http_compile_complex_value_t     ccv;

    (void) cmd;

    ctx = hx_pcalloc(cf->pool, sizeof(hx_http_split_clients_ctx_t));
    if (ctx == NULL) {
        return HX_CONF_ERROR;
    }

    value = cf->args->elts;

    hx_memzero(&ccv, sizeof(hx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = &ctx->value;

    if (hx_http_compile_complex_value(&ccv) != HX_OK) {
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

    var = hx_http_add_variable(cf, &name, HX_HTTP_VAR_CHANGEABLE);
    if (var == NULL) {
        return HX_CONF_ERROR;
    }

    var->get_handler = hx_http_split_clients_variable;
    var->data = (uintptr_t) ctx;

    if (hx_array_init(&ctx->parts, cf->pool, 2,
                      sizeof(hx_http_split_clients_part_t))
        != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    save = *cf;
    cf->ctx = ctx;
    cf->handler = hx_http_split_clients;
    cf->handler_conf = conf;

    rv = hx_conf_parse(cf, NULL);

    *cf = save;

    if (rv != HX_CONF_OK) {
        return rv;
    }

    /* percentages (in hundredths) become cumulative upper bounds */

    sum = 0;
    last = 0;
    part = ctx->parts.elts;

    for (i = 0; i < ctx->parts.nelts; i++) {
        sum = part[i].percent ? sum + part[i].percent : 10000;

        if (sum == 10000) {
            part[i].percent = 0;
        }

        if (sum > 10000) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "percent total is greater than 100%%");
            return HX_CONF_ERROR;
        }

        if (part[i].percent) {
            last += (uint32_t) (part[i].percent * (uint64_t) 0xffffffff
                                / 10000);
            part[i].percent = last;
        }
    }

    return rv;
}


/* one "percent value;" line */
static char *
hx_http_split_clients(hx_conf_t *cf, hx_command_t *dummy, void *conf)
{
    hx_int_t                        n;
    hx_str_t                       *value;
    hx_http_split_clients_ctx_t    *ctx;
    hx_http_split_clients_part_t   *part;

    (void) dummy;
    (void) conf;

    ctx = cf->ctx;
    value = cf->args->elts;

    if (cf->args->nelts != 2) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid number of the split_clients parameters");
        return HX_CONF_ERROR;
    }

    part = hx_array_push(&ctx->parts);
    if (part == NULL) {
        return HX_CONF_ERROR;
    }

    if (value[0].len == 1 && value[0].data[0] == '*') {
        part->percent = 0;

    } else {
        if (value[0].len == 0 || value[0].data[value[0].len - 1] != '%') {
            goto invalid;
        }

        n = hx_atofp(value[0].data, value[0].len - 1, 2);
        if (n == HX_ERROR || n == 0) {
            goto invalid;
        }

        part->percent = (uint32_t) n;
    }

    part->value.len = value[1].len;
    part->value.valid = 1;
    part->value.no_cacheable = 0;
    part->value.not_found = 0;
    part->value.escape = 0;
    part->value.data = value[1].data;

    return HX_CONF_OK;

invalid:

    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                      "invalid percent value \"%V\"", &value[0]);
    return HX_CONF_ERROR;
}
