/*
 * split_clients in stream: a variable for A/B testing and weighted
 * sharding.
 *
 *     split_clients "${remote_addr}AAA" $variant { 0.5% one; 2% two; * ""; }
 *
 * The source string is hashed with MurmurHash2 and the 32-bit hash
 * space is cut into consecutive slices of the given percentages, in
 * order; "*" (or the part that brings the total to exactly 100%) takes
 * what is left.  The table and its lookup are core/hx_split_clients.c,
 * which http's split_clients shares, so a key lands in the same variant
 * under both and under nginx; this file adds the stream variable.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>
#include <hx_map.h>
#include <hx_split_clients.h>


typedef struct {
    hx_stream_complex_value_t    value;
    hx_split_clients_t             table;
} hx_stream_split_clients_ctx_t;


static hx_int_t hx_stream_split_clients_variable(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static char *hx_stream_split_clients_block(hx_conf_t *cf, hx_command_t *cmd,
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
    hx_str_t   key, *part;

    *v = hx_stream_variable_null_value;

    if (hx_stream_complex_value(s, &ctx->value, &key) == HX_OK) {
        part = hx_split_clients_find(&ctx->table, &key, s->connection->log);

        if (part) {
            v->len = part->len;
            v->data = part->data;
            v->not_found = 0;
            v->valid = 1;
        }
    }

    return HX_OK;
}


/* split_clients string $variable { percent value; ... } */
static char *
hx_stream_split_clients_block(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t                             *args, name;
    hx_stream_variable_t                 *var;
    hx_stream_split_clients_ctx_t        *ctx;
    hx_stream_compile_complex_value_t     ccv;

    (void) cmd;
    (void) conf;

    args = cf->args->elts;

    ctx = hx_pcalloc(cf->pool, sizeof(hx_stream_split_clients_ctx_t));
    if (ctx == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(&ccv, sizeof(hx_stream_compile_complex_value_t));
    ccv.cf = cf;
    ccv.value = &args[1];
    ccv.complex_value = &ctx->value;

    if (hx_stream_compile_complex_value(&ccv) != HX_OK
        || hx_map_variable_name(cf, &args[2], &name) != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    var = hx_stream_add_variable(cf, &name, HX_STREAM_VAR_CHANGEABLE);
    if (var == NULL) {
        return HX_CONF_ERROR;
    }

    var->data = (uintptr_t) ctx;
    var->get_handler = hx_stream_split_clients_variable;

    return hx_split_clients_block(cf, &ctx->table);
}
