/*
 * allow / deny: access by client address.
 *
 * The rules of a location are kept in three arrays, one per address
 * family (IPv4 address and mask, IPv6 address and mask, "unix:"), each
 * in file order; "all" goes into every one.  A request is checked
 * against its family's array only, the first rule that matches decides,
 * and no match means "not mine" (HX_DECLINED), so the access phase goes
 * on to the next module.  An IPv4-mapped IPv6 client is checked against
 * the IPv4 rules, as nginx does.
 *
 * A location with no rule of its own inherits all three arrays of the
 * enclosing level; one rule anywhere in a location replaces them all.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


typedef struct {
    in_addr_t              mask;
    in_addr_t              addr;
    hx_uint_t              deny;     /* unsigned  deny:1; */
} hx_http_access_rule_t;


typedef struct {
    struct in6_addr        addr;
    struct in6_addr        mask;
    hx_uint_t              deny;     /* unsigned  deny:1; */
} hx_http_access_rule6_t;


typedef struct {
    hx_uint_t              deny;     /* unsigned  deny:1; */
} hx_http_access_rule_un_t;


typedef struct {
    hx_array_t            *rules;     /* hx_http_access_rule_t */
    hx_array_t            *rules6;    /* hx_http_access_rule6_t */
    hx_array_t            *rules_un;  /* hx_http_access_rule_un_t */
} hx_http_access_loc_conf_t;


static hx_int_t hx_http_access_handler(hx_http_request_t *r);
static hx_int_t hx_http_access_inet(hx_http_request_t *r,
    hx_http_access_loc_conf_t *alcf, in_addr_t addr);
static hx_int_t hx_http_access_inet6(hx_http_request_t *r,
    hx_http_access_loc_conf_t *alcf, uint8_t *p);
static hx_int_t hx_http_access_unix(hx_http_request_t *r,
    hx_http_access_loc_conf_t *alcf);
static hx_int_t hx_http_access_found(hx_http_request_t *r, hx_uint_t deny);
static char *hx_http_access_rule(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static void *hx_http_access_create_loc_conf(hx_conf_t *cf);
static char *hx_http_access_merge_loc_conf(hx_conf_t *cf, void *parent,
    void *child);
static hx_int_t hx_http_access_init(hx_conf_t *cf);


static hx_command_t  hx_http_access_commands[] = {

    { hx_string("allow"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LMT_CONF
                        |HX_CONF_TAKE1,
      hx_http_access_rule,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("deny"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LMT_CONF
                        |HX_CONF_TAKE1,
      hx_http_access_rule,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_access_module_ctx = {
    NULL,                                  /* preconfiguration */
    hx_http_access_init,                   /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    hx_http_access_create_loc_conf,        /* create location configuration */
    hx_http_access_merge_loc_conf          /* merge location configuration */
};


hx_module_t  hx_http_access_module = {
    HX_MODULE_V1,
    "hx_http_access_module",
    &hx_http_access_module_ctx,
    hx_http_access_commands,
    HX_HTTP_MODULE,
    NULL,                                  /* init module */
    NULL,                                  /* init master */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL                                   /* exit master */
};


static hx_int_t
hx_http_access_handler(hx_http_request_t *r)
{
    uint8_t                     *p;
    in_addr_t                    addr;
    struct sockaddr_in          *sin;
    struct sockaddr_in6         *sin6;
    hx_http_access_loc_conf_t   *alcf;

    alcf = hx_http_get_module_loc_conf(r, hx_http_access_module);

    switch (r->connection->sockaddr->sa_family) {

    case AF_INET:
        if (alcf->rules) {
            sin = (struct sockaddr_in *) r->connection->sockaddr;
            return hx_http_access_inet(r, alcf, sin->sin_addr.s_addr);
        }

        break;

    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) r->connection->sockaddr;
        p = sin6->sin6_addr.s6_addr;

        if (alcf->rules && IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
            addr = (in_addr_t) p[12] << 24;
            addr |= (in_addr_t) p[13] << 16;
            addr |= (in_addr_t) p[14] << 8;
            addr |= (in_addr_t) p[15];

            return hx_http_access_inet(r, alcf, htonl(addr));
        }

        if (alcf->rules6) {
            return hx_http_access_inet6(r, alcf, p);
        }

        break;

    case AF_UNIX:
        if (alcf->rules_un) {
            return hx_http_access_unix(r, alcf);
        }

        break;
    }

    return HX_DECLINED;
}


static hx_int_t
hx_http_access_inet(hx_http_request_t *r, hx_http_access_loc_conf_t *alcf,
    in_addr_t addr)
{
    hx_uint_t               i;
    hx_http_access_rule_t  *rule;

    rule = alcf->rules->elts;

    for (i = 0; i < alcf->rules->nelts; i++) {

        hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                     "access: %08XD %08XD %08XD",
                     (uint32_t) addr, (uint32_t) rule[i].mask,
                     (uint32_t) rule[i].addr);

        if ((addr & rule[i].mask) == rule[i].addr) {
            return hx_http_access_found(r, rule[i].deny);
        }
    }

    return HX_DECLINED;
}


static hx_int_t
hx_http_access_inet6(hx_http_request_t *r, hx_http_access_loc_conf_t *alcf,
    uint8_t *p)
{
    hx_uint_t                n, i;
    hx_http_access_rule6_t  *rule6;

    rule6 = alcf->rules6->elts;

    for (i = 0; i < alcf->rules6->nelts; i++) {

        for (n = 0; n < 16; n++) {
            if ((p[n] & rule6[i].mask.s6_addr[n]) != rule6[i].addr.s6_addr[n])
            {
                goto next;
            }
        }

        return hx_http_access_found(r, rule6[i].deny);

    next:
        continue;
    }

    return HX_DECLINED;
}


static hx_int_t
hx_http_access_unix(hx_http_request_t *r, hx_http_access_loc_conf_t *alcf)
{
    hx_http_access_rule_un_t  *rule_un;

    /* every unix: rule matches every unix client: the first one decides */
    rule_un = alcf->rules_un->elts;

    if (alcf->rules_un->nelts) {
        return hx_http_access_found(r, rule_un[0].deny);
    }

    return HX_DECLINED;
}


static hx_int_t
hx_http_access_found(hx_http_request_t *r, hx_uint_t deny)
{
    hx_http_core_loc_conf_t  *clcf;

    if (deny) {
        clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

        /* with "satisfy any" another module may still let it in */
        if (clcf->satisfy == HX_HTTP_SATISFY_ALL) {
            hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                         "access forbidden by rule");
        }

        return HX_HTTP_FORBIDDEN;
    }

    return HX_OK;
}


/* allow | deny  address | CIDR | unix: | all */
static char *
hx_http_access_rule(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_access_loc_conf_t  *alcf = conf;

    hx_int_t                    rc;
    hx_uint_t                   all, deny;
    hx_str_t                   *value;
    hx_cidr_t                   cidr;
    hx_http_access_rule_t      *rule;
    hx_http_access_rule6_t     *rule6;
    hx_http_access_rule_un_t   *rule_un;

    (void) cmd;

    hx_memzero(&cidr, sizeof(hx_cidr_t));

    value = cf->args->elts;

    all = (value[1].len == 3 && hx_strcmp(value[1].data, "all") == 0);
    deny = (value[0].data[0] == 'd');

    if (!all) {

        if (value[1].len == 5 && hx_strcmp(value[1].data, "unix:") == 0) {
            cidr.family = AF_UNIX;

        } else {
            rc = hx_ptocidr(&value[1], &cidr);

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
        }
    }

    if (cidr.family == AF_INET || all) {

        if (alcf->rules == NULL) {
            alcf->rules = hx_array_create(cf->pool, 4,
                                          sizeof(hx_http_access_rule_t));
            if (alcf->rules == NULL) {
                return HX_CONF_ERROR;
            }
        }

        rule = hx_array_push(alcf->rules);
        if (rule == NULL) {
            return HX_CONF_ERROR;
        }

        rule->mask = cidr.u.in.mask;
        rule->addr = cidr.u.in.addr;
        rule->deny = deny;
    }

    if (cidr.family == AF_INET6 || all) {

        if (alcf->rules6 == NULL) {
            alcf->rules6 = hx_array_create(cf->pool, 4,
                                           sizeof(hx_http_access_rule6_t));
            if (alcf->rules6 == NULL) {
                return HX_CONF_ERROR;
            }
        }

        rule6 = hx_array_push(alcf->rules6);
        if (rule6 == NULL) {
            return HX_CONF_ERROR;
        }

        rule6->mask = cidr.u.in6.mask;
        rule6->addr = cidr.u.in6.addr;
        rule6->deny = deny;
    }

    if (cidr.family == AF_UNIX || all) {

        if (alcf->rules_un == NULL) {
            alcf->rules_un = hx_array_create(cf->pool, 1,
                                         sizeof(hx_http_access_rule_un_t));
            if (alcf->rules_un == NULL) {
                return HX_CONF_ERROR;
            }
        }

        rule_un = hx_array_push(alcf->rules_un);
        if (rule_un == NULL) {
            return HX_CONF_ERROR;
        }

        rule_un->deny = deny;
    }

    return HX_CONF_OK;
}


static void *
hx_http_access_create_loc_conf(hx_conf_t *cf)
{
    /* every array NULL: no rules at this level */
    return hx_pcalloc(cf->pool, sizeof(hx_http_access_loc_conf_t));
}


static char *
hx_http_access_merge_loc_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_http_access_loc_conf_t  *prev = parent;
    hx_http_access_loc_conf_t  *conf = child;

    (void) cf;

    if (conf->rules == NULL && conf->rules6 == NULL
        && conf->rules_un == NULL)
    {
        conf->rules = prev->rules;
        conf->rules6 = prev->rules6;
        conf->rules_un = prev->rules_un;
    }

    return HX_CONF_OK;
}


static hx_int_t
hx_http_access_init(hx_conf_t *cf)
{
    hx_http_handler_pt        *h;
    hx_http_core_main_conf_t  *cmcf;

    cmcf = hx_http_conf_get_module_main_conf(cf, hx_http_core_module);

    h = hx_array_push(&cmcf->phases[HX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return HX_ERROR;
    }

    *h = hx_http_access_handler;

    return HX_OK;
}
