/*
 * split_clients in stream: a variable for A/B testing and weighted
 * sharding.
 *
 *     split_clients "${remote_addr}AAA" $variant { 0.5% one; 2% two; * ""; }
 *
 * The source string is hashed with MurmurHash2 and the 32-bit hash
 * space is cut into consecutive slices of the given percentages, in
 * order; "*" (or the part that brings the total to exactly 100%) takes
 * what is left.  The boundaries are computed the way nginx computes
 * them, so a key lands in the same variant under hanx and nginx (and
 * under hanx's http split_clients).
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>


typedef struct {
    uint32_t                        percent;  /* upper bound; 0: the rest */
    hx_stream_variable_value_t      value;
} hx_stream_split_clients_part_t;


typedef struct {
    hx_stream_complex_value_t       value;
    hx_array_t                      parts;
                                        /* hx_stream_split_clients_part_t */
} hx_stream_split_clients_ctx_t;


static hx_int_t hx_stream_split_clients_variable(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static char *hx_stream_split_clients_block(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_stream_split_clients(hx_conf_t *cf, hx_command_t *dummy,
    void *conf);


static hx_command_t  hx_stream_split_clients_commands[] = {

    { hx_string("split_clients"),
      HX_STREAM_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_TAKE2,
      hx_stream_split_clients_block,
      0,
      0,
      NULL },

    hx_null_command
};


static hx_stream_module_t  hx_stream_split_clients_module_ctx = {
    NULL,                                 /* preconfiguration */
    NULL,                                 /* postconfiguration */

    NULL,                                 /* create main configuration */
    NULL,                                 /* init main configuration */

    NULL,                                 /* create server configuration */
    NULL                                  /* merge server configuration */
};


hx_module_t  hx_stream_split_clients_module = {
    HX_MODULE_V1,
    "hx_stream_split_clients_module",
    &hx_stream_split_clients_module_ctx,
    hx_stream_split_clients_commands,
    HX_STREAM_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static hx_int_t
hx_stream_split_clients_variable(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data)
{
    hx_stream_split_clients_ctx_t  *ctx = (hx_stream_split_clients_ctx_t *)
                                          data;

    uint32_t                         hash;
    hx_str_t                         val;
    hx_uint_t                        i;
    hx_stream_split_clients_part_t  *part;

    *v = hx_stream_variable_null_value;

    if (hx_stream_complex_value(s, &ctx->value, &val) != HX_OK) {
        return HX_OK;
    }

    hash = hx_murmur_hash2(val.data, val.len);

    part = ctx->parts.elts;

    for (i = 0; i < ctx->parts.nelts; i++) {

        hx_log_debug(HX_LOG_DEBUG_STREAM, s->connection->log, 0,
                     "stream split: %uD %uD", hash, part[i].percent);

        if (hash < part[i].percent || part[i].percent == 0) {
            *v = part[i].value;
            return HX_OK;
        }
    }

    return HX_OK;
}


/* split_clients STRING $variable { PERCENT VALUE; ... } */
static char *
hx_stream_split_clients_block(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char                                *rv;
    uint32_t                             sum, last;
    hx_str_t                            *value, name;
    hx_uint_t                            i;
    hx_conf_t                            save;
    hx_stream_variable_t                *var;
    hx_stream_split_clients_ctx_t       *ctx;
    hx_stream_split_clients_part_t      *part;
    hx_stream_compile_complex_value_t    ccv;

    (void) cmd;
    (void) conf;

    ctx = hx_pcalloc(cf->pool, sizeof(hx_stream_split_clients_ctx_t));
    if (ctx == NULL) {
        return HX_CONF_ERROR;
    }

    value = cf->args->elts;

    hx_memzero(&ccv, sizeof(hx_stream_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = &ctx->value;

    if (hx_stream_compile_complex_value(&ccv) != HX_OK) {
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

    var = hx_stream_add_variable(cf, &name, HX_STREAM_VAR_CHANGEABLE);
    if (var == NULL) {
        return HX_CONF_ERROR;
    }

    var->get_handler = hx_stream_split_clients_variable;
    var->data = (uintptr_t) ctx;

    if (hx_array_init(&ctx->parts, cf->pool, 2,
                      sizeof(hx_stream_split_clients_part_t))
        != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    save = *cf;
    cf->ctx = ctx;
    cf->handler = hx_stream_split_clients;
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

    return HX_CONF_OK;
}


/* one "PERCENT VALUE;" line */
static char *
hx_stream_split_clients(hx_conf_t *cf, hx_command_t *dummy, void *conf)
{
    hx_int_t                          n;
    hx_str_t                         *value;
    hx_stream_split_clients_ctx_t    *ctx;
    hx_stream_split_clients_part_t   *part;

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

    hx_memzero(part, sizeof(hx_stream_split_clients_part_t));

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
    part->value.data = value[1].data;

    return HX_CONF_OK;

invalid:

    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                      "invalid percent value \"%V\"", &value[0]);
    return HX_CONF_ERROR;
}
