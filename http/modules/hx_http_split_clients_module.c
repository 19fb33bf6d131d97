/*
 * split_clients: a variable for A/B testing.
 *
 *     split_clients "${remote_addr}AAA" $variant { 0.5% .one; 2% .two; * ""; }
 *
 * The source string is hashed with MurmurHash2 and the 32-bit hash space
 * is cut into consecutive slices of the given percentages, in order; "*"
 * (or the part that brings the total to exactly 100%) takes the rest.
 * The slice boundaries are computed as nginx computes them, so the same
 * key lands in the same variant under hanx and nginx.  The table and
 * its lookup are core/hx_split_clients.c, shared with stream; this file
 * adds the http variable.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_map.h>
#include <hx_split_clients.h>


typedef struct {
    hx_http_complex_value_t      value;
    hx_split_clients_t           table;
} hx_http_split_clients_ctx_t;


static char *hx_conf_split_clients_block(hx_conf_t *cf, hx_command_t *cmd,
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

    hx_str_t   val, *part;

    *v = hx_http_variable_null_value;

    if (hx_http_complex_value(r, &ctx->value, &val) != HX_OK) {
        return HX_OK;
    }

    part = hx_split_clients_find(&ctx->table, &val, r->connection->log);

    if (part != NULL) {
        v->valid = 1;
        v->not_found = 0;
        v->len = part->len;
        v->data = part->data;
    }

    return HX_OK;
}


/* split_clients string $variable { percent value; ... } */
static char *
hx_conf_split_clients_block(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t                           *value, name;
    hx_http_variable_t                 *var;
    hx_http_split_clients_ctx_t        *ctx;
    hx_http_compile_complex_value_t     ccv;

    (void) cmd;
    (void) conf;

    ctx = hx_pcalloc(cf->pool, sizeof(hx_http_split_clients_ctx_t));
    if (ctx == NULL) {
        return HX_CONF_ERROR;
    }

    value = cf->args->elts;

    hx_memzero(&ccv, sizeof(hx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = &ctx->value;

    if (hx_http_compile_complex_value(&ccv) != HX_OK
        || hx_map_variable_name(cf, &value[2], &name) != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    var = hx_http_add_variable(cf, &name, HX_HTTP_VAR_CHANGEABLE);
    if (var == NULL) {
        return HX_CONF_ERROR;
    }

    var->get_handler = hx_http_split_clients_variable;
    var->data = (uintptr_t) ctx;

    return hx_split_clients_block(cf, &ctx->table);
}
