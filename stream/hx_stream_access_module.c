/*
 * allow/deny in stream: the first rule (in configuration order) whose
 * network holds the client address decides; a denied session ends with
 * status 403 before any content handler runs.  Rules take an address,
 * a CIDR, "unix:" (clients on unix sockets) or "all".  A server without
 * rules of its own inherits the enclosing block's.
 *
 * The check runs in the access phase, after realip has put the real
 * client address in place.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_stream.h>


typedef struct {
    hx_cidr_t                       cidr;   /* family AF_UNIX: "unix:" */
    hx_uint_t                       deny;
} hx_stream_access_rule_t;


typedef struct {
    hx_array_t                     *rules;  /* hx_stream_access_rule_t */
} hx_stream_access_srv_conf_t;


static hx_int_t hx_stream_access_handler(hx_stream_session_t *s);
static hx_uint_t hx_stream_access_match(hx_stream_access_rule_t *rule,
    struct sockaddr *sa);
static char *hx_stream_access_rule(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static void *hx_stream_access_create_srv_conf(hx_conf_t *cf);
static char *hx_stream_access_merge_srv_conf(hx_conf_t *cf, void *parent,
    void *child);
static hx_int_t hx_stream_access_init(hx_conf_t *cf);


static hx_command_t  hx_stream_access_commands[] = {

    { hx_string("allow"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_stream_access_rule,
      HX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    { hx_string("deny"),
      HX_STREAM_MAIN_CONF|HX_STREAM_SRV_CONF|HX_CONF_TAKE1,
      hx_stream_access_rule,
      HX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    hx_null_command
};


static hx_stream_module_t  hx_stream_access_module_ctx = {
    NULL,                                 /* preconfiguration */
    hx_stream_access_init,                /* postconfiguration */

    NULL,                                 /* create main configuration */
    NULL,                                 /* init main configuration */

    hx_stream_access_create_srv_conf,     /* create server configuration */
    hx_stream_access_merge_srv_conf       /* merge server configuration */
};


hx_module_t  hx_stream_access_module = {
    HX_MODULE_V1,
    "hx_stream_access_module",
    &hx_stream_access_module_ctx,
    hx_stream_access_commands,
    HX_STREAM_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static hx_int_t
hx_stream_access_handler(hx_stream_session_t *s)
{
    hx_uint_t                     i;
    hx_stream_access_rule_t      *rule;
    hx_stream_access_srv_conf_t  *ascf;

    ascf = hx_stream_get_module_srv_conf(s, hx_stream_access_module);

    if (ascf->rules == NULL) {
        return HX_DECLINED;
    }

    rule = ascf->rules->elts;

    for (i = 0; i < ascf->rules->nelts; i++) {

        if (!hx_stream_access_match(&rule[i], s->connection->sockaddr)) {
            continue;
        }

        if (rule[i].deny) {
            hx_log_error(HX_LOG_ERR, s->connection->log, 0,
                         "access forbidden by rule");
            return HX_STREAM_FORBIDDEN;
        }

        return HX_OK;
    }

    return HX_DECLINED;
}


static hx_uint_t
hx_stream_access_match(hx_stream_access_rule_t *rule, struct sockaddr *sa)
{
    hx_array_t  one;

    if (rule->cidr.family == AF_UNSPEC) {
        return 1;
    }

    if (rule->cidr.family == AF_UNIX || sa->sa_family == AF_UNIX) {
        return rule->cidr.family == sa->sa_family;
    }

    /* hx_cidr_match() takes an array: a one-element view of the rule */

    hx_memzero(&one, sizeof(hx_array_t));
    one.elts = &rule->cidr;
    one.nelts = 1;
    one.size = sizeof(hx_cidr_t);
    one.nalloc = 1;

    return hx_cidr_match(sa, &one) == HX_OK;
}


static char *
hx_stream_access_rule(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_stream_access_srv_conf_t  *ascf = conf;

    hx_int_t                  rc;
    hx_str_t                 *value;
    hx_stream_access_rule_t  *rule;

    value = cf->args->elts;

    if (ascf->rules == NULL) {
        ascf->rules = hx_array_create(cf->pool, 4,
                                      sizeof(hx_stream_access_rule_t));
        if (ascf->rules == NULL) {
            return HX_CONF_ERROR;
        }
    }

    rule = hx_array_push(ascf->rules);
    if (rule == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(rule, sizeof(hx_stream_access_rule_t));

    rule->deny = (cmd->name.data[0] == 'd');

    if (value[1].len == 5 && hx_strcmp(value[1].data, "unix:") == 0) {
        rule->cidr.family = AF_UNIX;
        return HX_CONF_OK;
    }

    if (value[1].len == 3 && hx_strcmp(value[1].data, "all") == 0) {
        rule->cidr.family = AF_UNSPEC;
        return HX_CONF_OK;
    }

    rc = hx_ptocidr(&value[1], &rule->cidr);

    if (rc == HX_ERROR) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid parameter \"%V\"", &value[1]);
        return HX_CONF_ERROR;
    }

    if (rc == HX_DONE) {
        hx_conf_log_error(HX_LOG_WARN, cf, 0,
                          "low address bits of %V are meaningless",
                          &value[1]);
    }

    return HX_CONF_OK;
}


static void *
hx_stream_access_create_srv_conf(hx_conf_t *cf)
{
    hx_stream_access_srv_conf_t  *conf;

    conf = hx_pcalloc(cf->pool, sizeof(hx_stream_access_srv_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /* hx_pcalloc() left rules NULL: no rule, everyone is let through */

    return conf;
}


static char *
hx_stream_access_merge_srv_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_stream_access_srv_conf_t  *prev = parent;
    hx_stream_access_srv_conf_t  *conf = child;

    (void) cf;

    if (conf->rules == NULL) {
        conf->rules = prev->rules;
    }

    return HX_CONF_OK;
}


static hx_int_t
hx_stream_access_init(hx_conf_t *cf)
{
    hx_stream_handler_pt         *h;
    hx_stream_core_main_conf_t   *cmcf;

    cmcf = hx_stream_conf_get_module_main_conf(cf, hx_stream_core_module);

    h = hx_array_push(&cmcf->phases[HX_STREAM_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return HX_ERROR;
    }

    *h = hx_stream_access_handler;

    return HX_OK;
}
