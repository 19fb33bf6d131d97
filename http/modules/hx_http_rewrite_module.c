/*
 * The rewrite module: return, rewrite, if, set, break, rewrite_log and
 * uninitialized_variable_warn.
 *
 * The directives of one level (server, or a location) compile into one
 * program of script codes (hx_http_script.h), run in the server rewrite
 * and rewrite phases over a small value stack.  An "if" block compiles
 * its condition, a jump over its body, and its body into the same
 * program as the level around it; when the condition holds in a
 * location, the request also takes the if block's location conf (the
 * nameless location the block creates), which is how directives like
 * root or proxy_pass inside "if" take effect.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


typedef struct {
    hx_array_t      *codes;        /* uintptr_t */

    hx_uint_t        stack_size;

    hx_flag_t        log;
    hx_flag_t        uninitialized_variable_warn;
} hx_http_rewrite_loc_conf_t;


static void *hx_http_rewrite_create_loc_conf(hx_conf_t *cf);
static char *hx_http_rewrite_merge_loc_conf(hx_conf_t *cf,
    void *parent, void *child);
static hx_int_t hx_http_rewrite_init(hx_conf_t *cf);
static char *hx_http_rewrite(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_http_rewrite_return(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_rewrite_break(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_rewrite_if(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_rewrite_if_condition(hx_conf_t *cf,
    hx_http_rewrite_loc_conf_t *lcf);
static char *hx_http_rewrite_variable(hx_conf_t *cf,
    hx_http_rewrite_loc_conf_t *lcf, hx_str_t *value);
static char *hx_http_rewrite_set(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_rewrite_value(hx_conf_t *cf,
    hx_http_rewrite_loc_conf_t *lcf, hx_str_t *value);


static hx_command_t  hx_http_rewrite_commands[] = {

    { hx_string("rewrite"),
      HX_HTTP_SRV_CONF|HX_HTTP_SIF_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LIF_CONF
                       |HX_CONF_TAKE23,
      hx_http_rewrite,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("return"),
      HX_HTTP_SRV_CONF|HX_HTTP_SIF_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LIF_CONF
                       |HX_CONF_TAKE12,
      hx_http_rewrite_return,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("break"),
      HX_HTTP_SRV_CONF|HX_HTTP_SIF_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LIF_CONF
                       |HX_CONF_NOARGS,
      hx_http_rewrite_break,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("if"),
      HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_BLOCK|HX_CONF_1MORE,
      hx_http_rewrite_if,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("set"),
      HX_HTTP_SRV_CONF|HX_HTTP_SIF_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LIF_CONF
                       |HX_CONF_TAKE2,
      hx_http_rewrite_set,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("rewrite_log"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_SIF_CONF|HX_HTTP_LOC_CONF
                        |HX_HTTP_LIF_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_rewrite_loc_conf_t, log),
      NULL },

    { hx_string("uninitialized_variable_warn"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_SIF_CONF|HX_HTTP_LOC_CONF
                        |HX_HTTP_LIF_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_rewrite_loc_conf_t, uninitialized_variable_warn),
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_rewrite_module_ctx = {
    NULL,                                  /* preconfiguration */
    hx_http_rewrite_init,                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    hx_http_rewrite_create_loc_conf,       /* create location configuration */
    hx_http_rewrite_merge_loc_conf         /* merge location configuration */
};


hx_module_t  hx_http_rewrite_module = {
    HX_MODULE_V1,
    "hx_http_rewrite_module",
    &hx_http_rewrite_module_ctx,
    hx_http_rewrite_commands,
    HX_HTTP_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


static hx_int_t
hx_http_rewrite_handler(hx_http_request_t *r)
{
    hx_int_t                       index;
    hx_http_script_code_pt         code;
    hx_http_script_engine_t       *e;
    hx_http_core_srv_conf_t       *cscf;
    hx_http_core_main_conf_t      *cmcf;
    hx_http_rewrite_loc_conf_t    *rlcf;

    cmcf = hx_http_get_module_main_conf(r, hx_http_core_module);
    cscf = hx_http_get_module_srv_conf(r, hx_http_core_module);
    index = cmcf->phase_engine.location_rewrite_index;

    if (r->phase_handler == index && r->loc_conf == cscf->ctx->loc_conf) {

        /* the server's own program already ran in the server phase */

        return HX_DECLINED;
    }

    rlcf = hx_http_get_module_loc_conf(r, hx_http_rewrite_module);

    if (rlcf->codes == NULL) {
        return HX_DECLINED;
    }

    e = hx_pcalloc(r->pool, sizeof(hx_http_script_engine_t));
    if (e == NULL) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    e->sp = hx_pcalloc(r->pool,
                       rlcf->stack_size * sizeof(hx_http_variable_value_t));
    if (e->sp == NULL) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    e->ip = rlcf->codes->elts;
    e->request = r;
    e->quote = 1;
    e->log = rlcf->log;
    e->status = HX_DECLINED;

    while (*(uintptr_t *) e->ip) {
        code = *(hx_http_script_code_pt *) e->ip;
        code(e);
    }

    return e->status;
}


/* a "set" variable read before any "set" ran in this request */
static hx_int_t
hx_http_rewrite_var(hx_http_request_t *r, hx_http_variable_value_t *v,
    uintptr_t data)
{
    hx_http_variable_t            *var;
    hx_http_core_main_conf_t      *cmcf;
    hx_http_rewrite_loc_conf_t    *rlcf;

    rlcf = hx_http_get_module_loc_conf(r, hx_http_rewrite_module);

    if (rlcf->uninitialized_variable_warn) {
        cmcf = hx_http_get_module_main_conf(r, hx_http_core_module);
        var = cmcf->variables.elts;

        hx_log_error(HX_LOG_WARN, r->connection->log, 0,
                     "using uninitialized \"%V\" variable", &var[data].name);
    }

    *v = hx_http_variable_null_value;

    return HX_OK;
}


static void *
hx_http_rewrite_create_loc_conf(hx_conf_t *cf)
{
    hx_http_rewrite_loc_conf_t  *conf;

    conf = hx_pcalloc(cf->pool, sizeof(hx_http_rewrite_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->stack_size = HX_CONF_UNSET_UINT;
    conf->log = HX_CONF_UNSET;
    conf->uninitialized_variable_warn = HX_CONF_UNSET;

    return conf;
}


static char *
hx_http_rewrite_merge_loc_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_http_rewrite_loc_conf_t *prev = parent;
    hx_http_rewrite_loc_conf_t *conf = child;

    uintptr_t  *code;

    (void) cf;

    hx_conf_merge_value(conf->log, prev->log, 0);
    hx_conf_merge_value(conf->uninitialized_variable_warn,
                        prev->uninitialized_variable_warn, 1);
    hx_conf_merge_uint_value(conf->stack_size, prev->stack_size, 10);

    if (conf->codes == NULL || conf->codes == prev->codes) {
        return HX_CONF_OK;
    }

    /* the program of this level ends here */

    code = hx_array_push_n(conf->codes, sizeof(uintptr_t));
    if (code == NULL) {
        return HX_CONF_ERROR;
    }

    *code = (uintptr_t) NULL;

    return HX_CONF_OK;
}


static hx_int_t
hx_http_rewrite_init(hx_conf_t *cf)
{
    hx_http_handler_pt         *h;
    hx_http_core_main_conf_t   *cmcf;

    cmcf = hx_http_conf_get_module_main_conf(cf, hx_http_core_module);

    h = hx_array_push(&cmcf->phases[HX_HTTP_SERVER_REWRITE_PHASE].handlers);
    if (h == NULL) {
        return HX_ERROR;
    }

    *h = hx_http_rewrite_handler;

    h = hx_array_push(&cmcf->phases[HX_HTTP_REWRITE_PHASE].handlers);
    if (h == NULL) {
        return HX_ERROR;
    }

    *h = hx_http_rewrite_handler;

    return HX_OK;
}


/* the flag argument of rewrite: last, break, redirect, permanent */
static char *
hx_http_rewrite_flag(hx_conf_t *cf, hx_str_t *flag,
    hx_http_script_regex_code_t *regex, hx_uint_t *last)
{
    if (hx_strcmp(flag->data, "last") == 0) {
        *last = 1;

    } else if (hx_strcmp(flag->data, "break") == 0) {
        regex->break_cycle = 1;
        *last = 1;

    } else if (hx_strcmp(flag->data, "redirect") == 0) {
        regex->status = HX_HTTP_MOVED_TEMPORARILY;
        regex->redirect = 1;
        *last = 1;

    } else if (hx_strcmp(flag->data, "permanent") == 0) {
        regex->status = HX_HTTP_MOVED_PERMANENTLY;
        regex->redirect = 1;
        *last = 1;

    } else {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid parameter \"%V\"", flag);
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


static hx_uint_t
hx_http_rewrite_is_absolute(hx_str_t *s)
{
    return hx_strncmp(s->data, "http://", sizeof("http://") - 1) == 0
           || hx_strncmp(s->data, "https://", sizeof("https://") - 1) == 0
           || hx_strncmp(s->data, "$scheme", sizeof("$scheme") - 1) == 0;
}


static char *
hx_http_rewrite(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_rewrite_loc_conf_t  *lcf = conf;

    hx_str_t                           *value;
    hx_uint_t                           last;
    hx_regex_compile_t                  rc;
    hx_http_script_code_pt             *code;
    hx_http_script_compile_t            sc;
    hx_http_script_regex_code_t        *regex;
    hx_http_script_regex_end_code_t    *regex_end;
    uint8_t                             errstr[HX_MAX_CONF_ERRSTR];

    (void) cmd;

    regex = hx_http_script_start_code(cf->pool, &lcf->codes,
                                      sizeof(hx_http_script_regex_code_t));
    if (regex == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(regex, sizeof(hx_http_script_regex_code_t));

    value = cf->args->elts;

    if (value[2].len == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0, "empty replacement");
        return HX_CONF_ERROR;
    }

    hx_memzero(&rc, sizeof(hx_regex_compile_t));

    rc.pattern = value[1];
    rc.err.len = HX_MAX_CONF_ERRSTR;
    rc.err.data = errstr;

    regex->regex = hx_http_regex_compile(cf, &rc);
    if (regex->regex == NULL) {
        return HX_CONF_ERROR;
    }

    regex->code = hx_http_script_regex_start_code;
    regex->uri = 1;
    regex->name = value[1];

    if (value[2].data[value[2].len - 1] == '?') {

        /* a final "?" drops the original arguments */
        value[2].len--;

    } else {
        regex->add_args = 1;
    }

    last = 0;

    if (hx_http_rewrite_is_absolute(&value[2])) {
        regex->status = HX_HTTP_MOVED_TEMPORARILY;
        regex->redirect = 1;
        last = 1;
    }

    if (cf->args->nelts == 4
        && hx_http_rewrite_flag(cf, &value[3], regex, &last) != HX_CONF_OK)
    {
        return HX_CONF_ERROR;
    }

    hx_memzero(&sc, sizeof(hx_http_script_compile_t));

    sc.cf = cf;
    sc.source = &value[2];
    sc.lengths = &regex->lengths;
    sc.values = &lcf->codes;
    sc.variables = hx_http_script_variables_count(&value[2]);
    sc.main = regex;
    sc.complete_lengths = 1;
    sc.compile_args = !regex->redirect;

    if (hx_http_script_compile(&sc) != HX_OK) {
        return HX_CONF_ERROR;
    }

    regex = sc.main;

    regex->size = sc.size;
    regex->args = sc.args;

    if (sc.variables == 0 && !sc.dup_capture) {

        /* the length is the literal size plus the captures */

        regex->lengths = NULL;
    }

    regex_end = hx_http_script_add_code(lcf->codes,
                                     sizeof(hx_http_script_regex_end_code_t),
                                     &regex);
    if (regex_end == NULL) {
        return HX_CONF_ERROR;
    }

    regex_end->code = hx_http_script_regex_end_code;
    regex_end->uri = regex->uri;
    regex_end->args = regex->args;
    regex_end->add_args = regex->add_args;
    regex_end->redirect = regex->redirect;

    if (last) {
        code = hx_http_script_add_code(lcf->codes, sizeof(uintptr_t), &regex);
        if (code == NULL) {
            return HX_CONF_ERROR;
        }

        *code = NULL;
    }

    regex->next = (uint8_t *) lcf->codes->elts + lcf->codes->nelts
                  - (uint8_t *) regex;

    return HX_CONF_OK;
}


static char *
hx_http_rewrite_return(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_rewrite_loc_conf_t  *lcf = conf;

    hx_str_t                           *value, *v;
    hx_int_t                            status;
    hx_http_script_return_code_t       *ret;
    hx_http_compile_complex_value_t     ccv;

    (void) cmd;

    ret = hx_http_script_start_code(cf->pool, &lcf->codes,
                                    sizeof(hx_http_script_return_code_t));
    if (ret == NULL) {
        return HX_CONF_ERROR;
    }

    value = cf->args->elts;

    hx_memzero(ret, sizeof(hx_http_script_return_code_t));

    ret->code = hx_http_script_return_code;

    status = hx_atoi(value[1].data, value[1].len);

    if (status == HX_ERROR) {

        if (cf->args->nelts == 2 && hx_http_rewrite_is_absolute(&value[1])) {
            ret->status = HX_HTTP_MOVED_TEMPORARILY;
            v = &value[1];

        } else {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid return code \"%V\"", &value[1]);
            return HX_CONF_ERROR;
        }

    } else {

        if (status > 999) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid return code \"%V\"", &value[1]);
            return HX_CONF_ERROR;
        }

        ret->status = (uintptr_t) status;

        if (cf->args->nelts == 2) {
            hx_str_set(&ret->text.value, "");
            return HX_CONF_OK;
        }

        v = &value[2];
    }

    hx_memzero(&ccv, sizeof(hx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = v;
    ccv.complex_value = &ret->text;

    if (hx_http_compile_complex_value(&ccv) != HX_OK) {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


static char *
hx_http_rewrite_break(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_rewrite_loc_conf_t *lcf = conf;

    hx_http_script_code_pt  *code;

    (void) cmd;

    code = hx_http_script_start_code(cf->pool, &lcf->codes, sizeof(uintptr_t));
    if (code == NULL) {
        return HX_CONF_ERROR;
    }

    *code = hx_http_script_break_code;

    return HX_CONF_OK;
}


/* the if block's confs: a nameless location under the current level */
static hx_http_conf_ctx_t *
hx_http_rewrite_if_ctx(hx_conf_t *cf)
{
    void                       *mconf;
    hx_uint_t                   i;
    hx_module_t                *mod;
    hx_http_module_t           *module;
    hx_http_conf_ctx_t         *ctx, *pctx;
    hx_http_core_loc_conf_t    *clcf, *pclcf;

    ctx = hx_pcalloc(cf->pool, sizeof(hx_http_conf_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    pctx = cf->ctx;
    ctx->main_conf = pctx->main_conf;
    ctx->srv_conf = pctx->srv_conf;

    ctx->loc_conf = hx_pcalloc(cf->pool, sizeof(void *) * hx_http_max_module);
    if (ctx->loc_conf == NULL) {
        return NULL;
    }

    for (i = 0; cf->cycle->modules[i]; i++) {
        mod = cf->cycle->modules[i];

        if (mod->type != HX_HTTP_MODULE) {
            continue;
        }

        module = mod->ctx;

        if (module->create_loc_conf) {

            mconf = module->create_loc_conf(cf);
            if (mconf == NULL) {
                return NULL;
            }

            ctx->loc_conf[mod->ctx_index] = mconf;
        }
    }

    pclcf = pctx->loc_conf[hx_http_core_module.ctx_index];

    clcf = ctx->loc_conf[hx_http_core_module.ctx_index];
    clcf->loc_conf = ctx->loc_conf;
    clcf->name = pclcf->name;
    clcf->noname = 1;

    if (hx_http_add_location(cf, &pclcf->locations, clcf) != HX_OK) {
        return NULL;
    }

    return ctx;
}


static char *
hx_http_rewrite_if(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_rewrite_loc_conf_t  *lcf = conf;

    char                          *rv;
    uint8_t                       *elts;
    hx_conf_t                      save;
    hx_http_conf_ctx_t            *ctx;
    hx_http_script_if_code_t      *if_code;
    hx_http_rewrite_loc_conf_t    *nlcf;

    (void) cmd;

    ctx = hx_http_rewrite_if_ctx(cf);
    if (ctx == NULL) {
        return HX_CONF_ERROR;
    }

    if (hx_http_rewrite_if_condition(cf, lcf) != HX_CONF_OK) {
        return HX_CONF_ERROR;
    }

    if_code = hx_array_push_n(lcf->codes, sizeof(hx_http_script_if_code_t));
    if (if_code == NULL) {
        return HX_CONF_ERROR;
    }

    if_code->code = hx_http_script_if_code;

    elts = lcf->codes->elts;

    /* the block's directives compile into the same program */

    nlcf = ctx->loc_conf[hx_http_rewrite_module.ctx_index];
    nlcf->codes = lcf->codes;

    save = *cf;
    cf->ctx = ctx;

    if (cf->cmd_type == HX_HTTP_SRV_CONF) {
        if_code->loc_conf = NULL;
        cf->cmd_type = HX_HTTP_SIF_CONF;

    } else {
        if_code->loc_conf = ctx->loc_conf;
        cf->cmd_type = HX_HTTP_LIF_CONF;
    }

    rv = hx_conf_parse(cf, NULL);

    *cf = save;

    if (rv != HX_CONF_OK) {
        return rv;
    }

    if (elts != lcf->codes->elts) {
        if_code = (hx_http_script_if_code_t *)
                  ((uint8_t *) if_code + ((uint8_t *) lcf->codes->elts - elts));
    }

    if_code->next = (uint8_t *) lcf->codes->elts + lcf->codes->nelts
                    - (uint8_t *) if_code;

    /* the program belongs to the level around the block */

    nlcf->codes = NULL;

    return HX_CONF_OK;
}


/* "( $var )", "( $var = value )", "( $var ~ regex )", "( -f path )" ... */
static char *
hx_http_rewrite_if_condition(hx_conf_t *cf, hx_http_rewrite_loc_conf_t *lcf)
{
    uint8_t                       *p;
    size_t                         len;
    hx_str_t                      *value;
    hx_uint_t                      cur, last;
    hx_regex_compile_t             rc;
    hx_http_script_code_pt        *code;
    hx_http_script_file_code_t    *fop;
    hx_http_script_regex_code_t   *regex;
    uint8_t                        errstr[HX_MAX_CONF_ERRSTR];

    value = cf->args->elts;
    last = cf->args->nelts - 1;

    if (value[1].len < 1 || value[1].data[0] != '(') {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid condition \"%V\"", &value[1]);
        return HX_CONF_ERROR;
    }

    if (value[1].len == 1) {
        cur = 2;

    } else {
        cur = 1;
        value[1].len--;
        value[1].data++;
    }

    if (value[last].len < 1 || value[last].data[value[last].len - 1] != ')') {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid condition \"%V\"", &value[last]);
        return HX_CONF_ERROR;
    }

    if (value[last].len == 1) {
        last--;

    } else {
        value[last].len--;
        value[last].data[value[last].len] = '\0';
    }

    len = value[cur].len;
    p = value[cur].data;

    if (len > 1 && p[0] == '$') {

        if (cur != last && cur + 2 != last) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid condition \"%V\"", &value[cur]);
            return HX_CONF_ERROR;
        }

        if (hx_http_rewrite_variable(cf, lcf, &value[cur]) != HX_CONF_OK) {
            return HX_CONF_ERROR;
        }

        if (cur == last) {
            return HX_CONF_OK;
        }

        cur++;

        len = value[cur].len;
        p = value[cur].data;

        if ((len == 1 && p[0] == '=') || (len == 2 && p[0] == '!'
                                          && p[1] == '='))
        {
            if (hx_http_rewrite_value(cf, lcf, &value[last]) != HX_CONF_OK) {
                return HX_CONF_ERROR;
            }

            code = hx_http_script_start_code(cf->pool, &lcf->codes,
                                             sizeof(uintptr_t));
            if (code == NULL) {
                return HX_CONF_ERROR;
            }

            *code = (len == 1) ? hx_http_script_equal_code
                               : hx_http_script_not_equal_code;

            return HX_CONF_OK;
        }

        if ((len == 1 && p[0] == '~')
            || (len == 2 && p[0] == '~' && p[1] == '*')
            || (len == 2 && p[0] == '!' && p[1] == '~')
            || (len == 3 && p[0] == '!' && p[1] == '~' && p[2] == '*'))
        {
            regex = hx_http_script_start_code(cf->pool, &lcf->codes,
                                        sizeof(hx_http_script_regex_code_t));
            if (regex == NULL) {
                return HX_CONF_ERROR;
            }

            hx_memzero(regex, sizeof(hx_http_script_regex_code_t));

            hx_memzero(&rc, sizeof(hx_regex_compile_t));

            rc.pattern = value[last];
            rc.options = (p[len - 1] == '*') ? HX_REGEX_CASELESS : 0;
            rc.err.len = HX_MAX_CONF_ERRSTR;
            rc.err.data = errstr;

            regex->regex = hx_http_regex_compile(cf, &rc);
            if (regex->regex == NULL) {
                return HX_CONF_ERROR;
            }

            regex->code = hx_http_script_regex_start_code;
            regex->next = sizeof(hx_http_script_regex_code_t);
            regex->test = 1;
            if (p[0] == '!') {
                regex->negative_test = 1;
            }
            regex->name = value[last];

            return HX_CONF_OK;
        }

        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "unexpected \"%V\" in condition", &value[cur]);
        return HX_CONF_ERROR;
    }

    if ((len == 2 && p[0] == '-') || (len == 3 && p[0] == '!' && p[1] == '-')) {

        if (cur + 1 != last) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid condition \"%V\"", &value[cur]);
            return HX_CONF_ERROR;
        }

        /* the path is evaluated with its NUL, for stat() */

        value[last].data[value[last].len] = '\0';
        value[last].len++;

        if (hx_http_rewrite_value(cf, lcf, &value[last]) != HX_CONF_OK) {
            return HX_CONF_ERROR;
        }

        fop = hx_http_script_start_code(cf->pool, &lcf->codes,
                                        sizeof(hx_http_script_file_code_t));
        if (fop == NULL) {
            return HX_CONF_ERROR;
        }

        fop->code = hx_http_script_file_code;

        switch (p[len - 1]) {
        case 'f':
            fop->op = hx_http_script_file_plain;
            break;
        case 'd':
            fop->op = hx_http_script_file_dir;
            break;
        case 'e':
            fop->op = hx_http_script_file_exists;
            break;
        case 'x':
            fop->op = hx_http_script_file_exec;
            break;
        default:
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid condition \"%V\"", &value[cur]);
            return HX_CONF_ERROR;
        }

        if (p[0] == '!') {
            fop->op++;      /* each "not" op follows its op */
        }

        return HX_CONF_OK;
    }

    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                      "invalid condition \"%V\"", &value[cur]);

    return HX_CONF_ERROR;
}


static char *
hx_http_rewrite_variable(hx_conf_t *cf, hx_http_rewrite_loc_conf_t *lcf,
    hx_str_t *value)
{
    hx_int_t                      index;
    hx_http_script_var_code_t    *var_code;

    value->len--;
    value->data++;

    index = hx_http_get_variable_index(cf, value);

    if (index == HX_ERROR) {
        return HX_CONF_ERROR;
    }

    var_code = hx_http_script_start_code(cf->pool, &lcf->codes,
                                         sizeof(hx_http_script_var_code_t));
    if (var_code == NULL) {
        return HX_CONF_ERROR;
    }

    var_code->code = hx_http_script_var_code;
    var_code->index = index;

    return HX_CONF_OK;
}


static char *
hx_http_rewrite_set(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_rewrite_loc_conf_t  *lcf = conf;

    hx_int_t                              index;
    hx_str_t                             *value;
    hx_http_variable_t                   *v;
    hx_http_script_var_code_t            *vcode;
    hx_http_script_var_handler_code_t    *vhcode;

    (void) cmd;

    value = cf->args->elts;

    if (value[1].data[0] != '$') {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid variable name \"%V\"", &value[1]);
        return HX_CONF_ERROR;
    }

    value[1].len--;
    value[1].data++;

    v = hx_http_add_variable(cf, &value[1],
                             HX_HTTP_VAR_CHANGEABLE|HX_HTTP_VAR_WEAK);
    if (v == NULL) {
        return HX_CONF_ERROR;
    }

    index = hx_http_get_variable_index(cf, &value[1]);
    if (index == HX_ERROR) {
        return HX_CONF_ERROR;
    }

    if (v->get_handler == NULL) {
        v->get_handler = hx_http_rewrite_var;
        v->data = index;
    }

    if (hx_http_rewrite_value(cf, lcf, &value[2]) != HX_CONF_OK) {
        return HX_CONF_ERROR;
    }

    if (v->set_handler) {
        vhcode = hx_http_script_start_code(cf->pool, &lcf->codes,
                                   sizeof(hx_http_script_var_handler_code_t));
        if (vhcode == NULL) {
            return HX_CONF_ERROR;
        }

        vhcode->code = hx_http_script_var_set_handler_code;
        vhcode->handler = v->set_handler;
        vhcode->data = v->data;

        return HX_CONF_OK;
    }

    vcode = hx_http_script_start_code(cf->pool, &lcf->codes,
                                      sizeof(hx_http_script_var_code_t));
    if (vcode == NULL) {
        return HX_CONF_ERROR;
    }

    vcode->code = hx_http_script_set_var_code;
    vcode->index = (uintptr_t) index;

    return HX_CONF_OK;
}


/* pushes a value: a literal, or a string with variables built at run time */
static char *
hx_http_rewrite_value(hx_conf_t *cf, hx_http_rewrite_loc_conf_t *lcf,
    hx_str_t *value)
{
    hx_int_t                                n;
    uintptr_t                              *end;
    hx_http_script_compile_t                sc;
    hx_http_script_value_code_t            *val;
    hx_http_script_complex_value_code_t    *complex;

    n = hx_http_script_variables_count(value);

    if (n == 0) {
        val = hx_http_script_start_code(cf->pool, &lcf->codes,
                                        sizeof(hx_http_script_value_code_t));
        if (val == NULL) {
            return HX_CONF_ERROR;
        }

        n = hx_atoi(value->data, value->len);

        if (n == HX_ERROR) {
            n = 0;
        }

        val->code = hx_http_script_value_code;
        val->value = (uintptr_t) n;
        val->text_len = (uintptr_t) value->len;
        val->text_data = (uintptr_t) value->data;

        return HX_CONF_OK;
    }

    complex = hx_http_script_start_code(cf->pool, &lcf->codes,
                                sizeof(hx_http_script_complex_value_code_t));
    if (complex == NULL) {
        return HX_CONF_ERROR;
    }

    complex->code = hx_http_script_complex_value_code;
    complex->lengths = NULL;

    hx_memzero(&sc, sizeof(hx_http_script_compile_t));

    sc.cf = cf;
    sc.source = value;
    sc.lengths = &complex->lengths;
    sc.values = &lcf->codes;
    sc.variables = n;
    sc.complete_lengths = 1;

    if (hx_http_script_compile(&sc) != HX_OK) {
        return HX_CONF_ERROR;
    }

    end = hx_http_script_add_code(lcf->codes, sizeof(uintptr_t), NULL);
    if (end == NULL) {
        return HX_CONF_ERROR;
    }

    *end = (uintptr_t) hx_http_script_complex_value_end_code;

    return HX_CONF_OK;
}
