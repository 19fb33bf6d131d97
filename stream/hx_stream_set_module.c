/*
 * "set $variable value;" in a stream server: assigns a value (variables
 * allowed) to a variable at the start of every session, in the
 * preaccess phase, before access and limit_conn look at anything.  A
 * variable that only "set" declares is empty until set; one another
 * module declares changeable (a map result, say) is overwritten, through
 * its set handler when it has one.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>


typedef struct {
    hx_int_t                        index;
    hx_stream_set_variable_pt       set_handler;
    uintptr_t                       data;
    hx_stream_complex_value_t       value;
} hx_stream_set_cmd_t;


typedef struct {
    hx_array_t                      commands;   /* hx_stream_set_cmd_t */
} hx_stream_set_srv_conf_t;


static hx_int_t hx_stream_set_handler(hx_stream_session_t *s);
static hx_int_t hx_stream_set_var(hx_stream_session_t *s,
    hx_stream_variable_value_t *v, uintptr_t data);
static void *hx_stream_set_create_srv_conf(hx_conf_t *cf);
static char *hx_stream_set(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static hx_int_t hx_stream_set_init(hx_conf_t *cf);


static hx_command_t  hx_stream_set_commands[] = {

    { hx_string("set"),
      HX_STREAM_SRV_CONF|HX_CONF_TAKE2,
      hx_stream_set,
      HX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    hx_null_command
};


static hx_stream_module_t  hx_stream_set_module_ctx = {
    NULL,                                 /* preconfiguration */
    hx_stream_set_init,                   /* postconfiguration */

    NULL,                                 /* create main configuration */
    NULL,                                 /* init main configuration */

    hx_stream_set_create_srv_conf,        /* create server configuration */
    NULL                                  /* merge server configuration */
};


hx_module_t  hx_stream_set_module = {
    HX_MODULE_V1,
    "hx_stream_set_module",
    &hx_stream_set_module_ctx,
    hx_stream_set_commands,
    HX_STREAM_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static hx_int_t
hx_stream_set_handler(hx_stream_session_t *s)
{
    hx_str_t                     str;
    hx_uint_t                    i;
    hx_stream_set_cmd_t         *cmds;
    hx_stream_set_srv_conf_t    *scf;
    hx_stream_variable_value_t   vv, *v;

    scf = hx_stream_get_module_srv_conf(s, hx_stream_set_module);
    cmds = scf->commands.elts;

    for (i = 0; i < scf->commands.nelts; i++) {
        if (hx_stream_complex_value(s, &cmds[i].value, &str) != HX_OK) {
            return HX_ERROR;
        }

        if (cmds[i].set_handler) {
            vv = hx_stream_variable_null_value;
            vv.len = str.len;
            vv.data = str.data;

            cmds[i].set_handler(s, &vv, cmds[i].data);
            continue;
        }

        v = &s->variables[cmds[i].index];

        v->len = str.len;
        v->valid = 1;
        v->no_cacheable = 0;
        v->not_found = 0;
        v->data = str.data;
    }

    return HX_DECLINED;
}


/* the value of a variable only "set" knows, before it is set: none */
static hx_int_t
hx_stream_set_var(hx_stream_session_t *s, hx_stream_variable_value_t *v,
    uintptr_t data)
{
    (void) s;
    (void) data;

    *v = hx_stream_variable_null_value;

    return HX_OK;
}


static void *
hx_stream_set_create_srv_conf(hx_conf_t *cf)
{
    /* hx_pcalloc() leaves commands.elts NULL: nothing to set */

    return hx_pcalloc(cf->pool, sizeof(hx_stream_set_srv_conf_t));
}


static char *
hx_stream_set(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_stream_set_srv_conf_t  *scf = conf;

    hx_str_t                            *args, name;
    hx_int_t                             index;
    hx_stream_set_cmd_t                 *set;
    hx_stream_variable_t                *v;
    hx_stream_compile_complex_value_t    ccv;

    (void) cmd;

    args = cf->args->elts;

    if (args[1].len < 2 || args[1].data[0] != '$') {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid variable name \"%V\"", &args[1]);
        return HX_CONF_ERROR;
    }

    name.len = args[1].len - 1;
    name.data = args[1].data + 1;

    v = hx_stream_add_variable(cf, &name,
                               HX_STREAM_VAR_CHANGEABLE|HX_STREAM_VAR_WEAK);
    if (v == NULL) {
        return HX_CONF_ERROR;
    }

    index = hx_stream_get_variable_index(cf, &name);
    if (index == HX_ERROR) {
        return HX_CONF_ERROR;
    }

    if (v->get_handler == NULL) {
        v->get_handler = hx_stream_set_var;
    }

    if (scf->commands.elts == NULL
        && hx_array_init(&scf->commands, cf->pool, 1,
                         sizeof(hx_stream_set_cmd_t))
           != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    set = hx_array_push(&scf->commands);
    if (set == NULL) {
        return HX_CONF_ERROR;
    }

    set->index = index;
    set->set_handler = v->set_handler;
    set->data = v->data;

    hx_memzero(&ccv, sizeof(hx_stream_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &args[2];
    ccv.complex_value = &set->value;

    if (hx_stream_compile_complex_value(&ccv) != HX_OK) {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


static hx_int_t
hx_stream_set_init(hx_conf_t *cf)
{
    hx_stream_handler_pt         *h;
    hx_stream_core_main_conf_t   *cmcf;

    cmcf = hx_stream_conf_get_module_main_conf(cf, hx_stream_core_module);

    h = hx_array_push(&cmcf->phases[HX_STREAM_PREACCESS_PHASE].handlers);
    if (h == NULL) {
        return HX_ERROR;
    }

    *h = hx_stream_set_handler;

    return HX_OK;
}
