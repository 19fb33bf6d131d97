/*
 * virtual_server { real_server { TCP_CHECK { } } } inside ha { }: the
 * directives, keepalived's defaults, the refusals, and the upstream each
 * virtual_server becomes.
 *
 * The blocks follow the VRRP module's pattern: a block gets a fresh
 * hx_ha_conf_ctx_t whose block_conf slot of this module points at the
 * object being filled, so generic setters write straight into it.  That
 * holds for the checker blocks (TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK,
 * UDP_CHECK, PING_CHECK, SMTP_CHECK), url { } and host { } too: hx_ha.h
 * has no context bit left for them, so they use bits below its byte
 * (hx_ha_virtual_server.h), which only this module's rows carry.
 *
 * virtual_server_group NAME { } lists addresses (and IP-LAST ranges);
 * "virtual_server group NAME" takes them all as its listeners, one
 * upstream and one set of checks behind them.
 *
 * What needs the kernel's IPVS is refused at -t with the reason: lb_kind
 * DR and TUN, fwmark services and group members, the lblc and lblcr
 * schedulers.  Checkers hanx does not run (DNS_CHECK, BFD_CHECK, ...)
 * are refused by name, rather than a configuration loading without the
 * health checks its author counts on.
 *
 * When the ha block closes, each virtual_server's real_servers become the
 * peers of an hx_upstream_t with the chosen balancer, persistence and a
 * zone of its own ("ha_vs_<ip>_<port>"), so that checker verdicts written
 * by the master reach every worker.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_ha.h>
#include <hx_health_check.h>
#include "hx_ha_virtual_server.h"
#include "hx_ha_vrrp.h"

#include <grp.h>
#include <pwd.h>


static void *hx_ha_vs_create_main_conf(hx_conf_t *cf);
static char *hx_ha_vs_init_main_conf(hx_conf_t *cf, void *conf);
static char *hx_ha_vs_block(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_ha_vs_group(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_ha_vs_group_member(hx_conf_t *cf, hx_command_t *dummy,
    void *conf);
static char *hx_ha_vs_use_group(hx_conf_t *cf, hx_ha_vs_main_conf_t *vmcf,
    hx_ha_vs_conf_t *vs, hx_str_t *name);
static hx_int_t hx_ha_vs_taken(hx_ha_vs_main_conf_t *vmcf, hx_addr_t *a);
static hx_int_t hx_ha_vs_text(hx_pool_t *pool, hx_addr_t *addr,
    hx_uint_t protocol, hx_str_t *text);
static char *hx_ha_vs_parse_block(hx_conf_t *cf, void *obj, hx_uint_t type);
static char *hx_ha_vs_addr(hx_conf_t *cf, hx_str_t *ip, hx_str_t *port,
    hx_uint_t protocol, hx_addr_t *addr, hx_str_t *text);
static char *hx_ha_vs_lb_algo(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_ha_vs_lb_kind(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_ha_vs_protocol(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_vs_granularity(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_vs_sorry_server(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_vs_real_server(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static hx_ha_rs_conf_t *hx_ha_vs_new_rs(hx_conf_t *cf, hx_ha_vs_conf_t *vs,
    hx_str_t *value, hx_uint_t n);
static char *hx_ha_vs_ipvs_only(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_vs_unsupported_check(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_vs_check(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static void hx_ha_vs_init_check(hx_conf_t *cf, hx_ha_check_conf_t *ck);
static char *hx_ha_vs_smtp_host(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_vs_hex(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_ha_vs_require_reply(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_vs_complete_hosts(hx_conf_t *cf, hx_ha_vs_conf_t *vs,
    hx_ha_rs_conf_t *rs, hx_ha_check_conf_t *ck);
static char *hx_ha_vs_url(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_ha_vs_status_code(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_vs_misc_path(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_vs_misc_user(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static hx_int_t hx_ha_vs_cmd(hx_conf_t *cf, hx_str_t *text,
    hx_ha_cmd_t **cmd);
static char *hx_ha_vs_complete_http(hx_conf_t *cf, hx_ha_vs_conf_t *vs,
    hx_ha_rs_conf_t *rs, hx_ha_check_conf_t *ck);
static char *hx_ha_vs_complete(hx_conf_t *cf, hx_ha_vs_conf_t *vs);
static char *hx_ha_vs_complete_check(hx_conf_t *cf, hx_ha_vs_conf_t *vs,
    hx_ha_rs_conf_t *rs, hx_ha_check_conf_t *ck);
static char *hx_ha_vs_upstream(hx_conf_t *cf, hx_ha_vs_conf_t *vs);
static void hx_ha_vs_warn_no_vip(hx_conf_t *cf, hx_ha_vs_conf_t *vs);
static hx_uint_t hx_ha_vs_is_vip(hx_ha_vrrp_main_conf_t *vrmcf,
    hx_addr_t *addr);


static hx_conf_num_bounds_t  hx_ha_vs_weight_bounds = {
    hx_conf_check_num_bounds, 0, 65535
};

static hx_conf_num_bounds_t  hx_ha_vs_port_bounds = {
    hx_conf_check_num_bounds, 1, 65535
};

static hx_conf_num_bounds_t  hx_ha_vs_retry_bounds = {
    hx_conf_check_num_bounds, 0, 1000
};

static hx_conf_num_bounds_t  hx_ha_vs_persistence_bounds = {
    hx_conf_check_num_bounds, 0, 31 * 86400
};

static hx_ha_conf_msec_bounds_t  hx_ha_vs_time_bounds = {
    hx_ha_conf_check_msec_bounds, 1, 86400 * 1000
};

static hx_ha_conf_msec_bounds_t  hx_ha_vs_warmup_bounds = {
    hx_ha_conf_check_msec_bounds, 0, 86400 * 1000
};


#define HX_HA_VS(name, args, set, field, post)                               \
    { hx_string(name),                                                        \
      HX_HA_VS_CONF|args,                                                     \
      set,                                                                    \
      HX_HA_BLOCK_CONF_OFFSET,                                                \
      offsetof(hx_ha_vs_conf_t, field),                                       \
      post }

#define HX_HA_RS(name, args, set, field, post)                               \
    { hx_string(name),                                                        \
      HX_HA_RS_CONF|args,                                                     \
      set,                                                                    \
      HX_HA_BLOCK_CONF_OFFSET,                                                \
      offsetof(hx_ha_rs_conf_t, field),                                       \
      post }

/*
 * the checkers that open a connection; those with a port (and SMTP's
 * host { }); those that send a packet; all of them
 */
#define HX_HA_NET_CHECKS   (HX_HA_TCP_CHECK_CONF|HX_HA_HTTP_CHECK_CONF)
#define HX_HA_PORT_CHECKS  (HX_HA_NET_CHECKS|HX_HA_UDP_CHECK_CONF            \
                            |HX_HA_SMTP_CHECK_CONF|HX_HA_HOST_CONF)
#define HX_HA_PROBE_CHECKS (HX_HA_NET_CHECKS|HX_HA_UDP_CHECK_CONF            \
                            |HX_HA_SMTP_CHECK_CONF|HX_HA_PING_CHECK_CONF)
#define HX_HA_ALL_CHECKS   (HX_HA_PROBE_CHECKS|HX_HA_MISC_CHECK_CONF)

#define HX_HA_CHECK(ctx, name, args, set, field, post)                       \
    { hx_string(name),                                                        \
      ctx|args,                                                               \
      set,                                                                    \
      HX_HA_BLOCK_CONF_OFFSET,                                                \
      offsetof(hx_ha_check_conf_t, field),                                    \
      post }

#define HX_HA_URL(name, args, set, field)                                    \
    { hx_string(name),                                                        \
      HX_HA_URL_CONF|args,                                                    \
      set,                                                                    \
      HX_HA_BLOCK_CONF_OFFSET,                                                \
      offsetof(hx_ha_check_url_t, field),                                     \
      NULL }

/* a checker block; the offset says which (HX_HA_CHECK_*) */
#define HX_HA_CHECK_BLOCK(name, type)                                         \
    { hx_string(name),                                                        \
      HX_HA_RS_CONF|HX_CONF_BLOCK|HX_CONF_NOARGS,                             \
      hx_ha_vs_check,                                                         \
      HX_HA_BLOCK_CONF_OFFSET,                                                \
      type,                                                                   \
      NULL }

#define HX_HA_NO_CHECK(name)                                                  \
    { hx_string(name),                                                        \
      HX_HA_RS_CONF|HX_CONF_BLOCK|HX_CONF_NOARGS,                             \
      hx_ha_vs_unsupported_check,                                             \
      0,                                                                      \
      0,                                                                      \
      NULL }


static hx_command_t  hx_ha_vs_commands[] = {

    { hx_string("virtual_server"),
      HX_HA_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_TAKE12,
      hx_ha_vs_block,
      HX_HA_MAIN_CONF_OFFSET,
      0,
      NULL },

    { hx_string("virtual_server_group"),
      HX_HA_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_TAKE1,
      hx_ha_vs_group,
      HX_HA_MAIN_CONF_OFFSET,
      0,
      NULL },

    HX_HA_VS("delay_loop", HX_CONF_TAKE1, hx_ha_conf_set_dsec_slot,
             delay_loop, &hx_ha_vs_time_bounds),
    HX_HA_VS("lb_algo", HX_CONF_TAKE1, hx_ha_vs_lb_algo, lb_algo, NULL),
    HX_HA_VS("lvs_sched", HX_CONF_TAKE1, hx_ha_vs_lb_algo, lb_algo, NULL),
    HX_HA_VS("lb_kind", HX_CONF_TAKE1, hx_ha_vs_lb_kind, text, NULL),
    HX_HA_VS("lvs_method", HX_CONF_TAKE1, hx_ha_vs_lb_kind, text, NULL),
    HX_HA_VS("protocol", HX_CONF_TAKE1, hx_ha_vs_protocol, protocol, NULL),
    HX_HA_VS("persistence_timeout", HX_CONF_NOARGS|HX_CONF_TAKE1,
             hx_conf_set_num_slot, persistence_timeout,
             &hx_ha_vs_persistence_bounds),
    HX_HA_VS("persistence_granularity", HX_CONF_TAKE1, hx_ha_vs_granularity,
             persistence_granularity, NULL),
    HX_HA_VS("sorry_server", HX_CONF_TAKE12, hx_ha_vs_sorry_server,
             sorry_server, NULL),
    HX_HA_VS("sorry_server_inhibit", HX_CONF_NOARGS|HX_CONF_TAKE1,
             hx_ha_conf_set_keyword_slot, sorry_server_inhibit, NULL),
    HX_HA_VS("inhibit_on_failure", HX_CONF_NOARGS|HX_CONF_TAKE1,
             hx_ha_conf_set_keyword_slot, inhibit_on_failure, NULL),
    HX_HA_VS("ha_suspend", HX_CONF_NOARGS|HX_CONF_TAKE1,
             hx_ha_conf_set_keyword_slot, ha_suspend, NULL),
    HX_HA_VS("alpha", HX_CONF_NOARGS|HX_CONF_TAKE1,
             hx_ha_conf_set_keyword_slot, alpha, NULL),
    HX_HA_VS("omega", HX_CONF_NOARGS|HX_CONF_TAKE1,
             hx_ha_conf_set_keyword_slot, omega, NULL),
    HX_HA_VS("quorum", HX_CONF_TAKE1, hx_conf_set_num_slot, quorum,
             &hx_ha_vs_weight_bounds),
    HX_HA_VS("hysteresis", HX_CONF_TAKE1, hx_conf_set_num_slot, hysteresis,
             &hx_ha_vs_weight_bounds),
    HX_HA_VS("quorum_up", HX_CONF_TAKE1, hx_conf_set_str_slot, quorum_up,
             NULL),
    HX_HA_VS("quorum_down", HX_CONF_TAKE1, hx_conf_set_str_slot,
             quorum_down, NULL),
    HX_HA_VS("virtualhost", HX_CONF_TAKE1, hx_conf_set_str_slot,
             virtualhost, NULL),

    { hx_string("ops"),
      HX_HA_VS_CONF|HX_CONF_NOARGS,
      hx_ha_vs_ipvs_only,
      0,
      0,
      NULL },

    { hx_string("real_server"),
      HX_HA_VS_CONF|HX_CONF_BLOCK|HX_CONF_TAKE12,
      hx_ha_vs_real_server,
      HX_HA_BLOCK_CONF_OFFSET,
      0,
      NULL },

    HX_HA_RS("weight", HX_CONF_TAKE1, hx_conf_set_num_slot, weight,
             &hx_ha_vs_weight_bounds),
    HX_HA_RS("inhibit_on_failure", HX_CONF_NOARGS|HX_CONF_TAKE1,
             hx_ha_conf_set_keyword_slot, inhibit_on_failure, NULL),
    HX_HA_RS("notify_up", HX_CONF_TAKE1, hx_conf_set_str_slot, notify_up,
             NULL),
    HX_HA_RS("notify_down", HX_CONF_TAKE1, hx_conf_set_str_slot,
             notify_down, NULL),
    HX_HA_RS("virtualhost", HX_CONF_TAKE1, hx_conf_set_str_slot,
             virtualhost, NULL),

    HX_HA_CHECK_BLOCK("TCP_CHECK", HX_HA_CHECK_TCP),
    HX_HA_CHECK_BLOCK("HTTP_GET", HX_HA_CHECK_HTTP),
    HX_HA_CHECK_BLOCK("SSL_GET", HX_HA_CHECK_SSL),
    HX_HA_CHECK_BLOCK("MISC_CHECK", HX_HA_CHECK_MISC),
    HX_HA_CHECK_BLOCK("UDP_CHECK", HX_HA_CHECK_UDP),
    HX_HA_CHECK_BLOCK("PING_CHECK", HX_HA_CHECK_PING),
    HX_HA_CHECK_BLOCK("SMTP_CHECK", HX_HA_CHECK_SMTP),

    /* inside the checker blocks */

    HX_HA_CHECK(HX_HA_PROBE_CHECKS|HX_HA_HOST_CONF, "connect_ip",
                HX_CONF_TAKE1, hx_conf_set_str_slot, connect_ip, NULL),
    HX_HA_CHECK(HX_HA_PORT_CHECKS, "connect_port", HX_CONF_TAKE1,
                hx_conf_set_num_slot, connect_port, &hx_ha_vs_port_bounds),
    HX_HA_CHECK(HX_HA_PROBE_CHECKS|HX_HA_HOST_CONF, "bindto",
                HX_CONF_TAKE1, hx_conf_set_str_slot, bindto, NULL),
    HX_HA_CHECK(HX_HA_PORT_CHECKS, "bind_port", HX_CONF_TAKE1,
                hx_conf_set_num_slot, bind_port, &hx_ha_vs_port_bounds),
    HX_HA_CHECK(HX_HA_PROBE_CHECKS, "connect_timeout", HX_CONF_TAKE1,
                hx_ha_conf_set_dsec_slot, connect_timeout,
                &hx_ha_vs_time_bounds),
    HX_HA_CHECK(HX_HA_NET_CHECKS, "nb_get_retry", HX_CONF_TAKE1,
                hx_conf_set_num_slot, retry, &hx_ha_vs_retry_bounds),
    HX_HA_CHECK(HX_HA_ALL_CHECKS, "retry", HX_CONF_TAKE1,
                hx_conf_set_num_slot, retry, &hx_ha_vs_retry_bounds),
    HX_HA_CHECK(HX_HA_ALL_CHECKS, "delay_before_retry", HX_CONF_TAKE1,
                hx_ha_conf_set_dsec_slot, delay_before_retry,
                &hx_ha_vs_warmup_bounds),
    HX_HA_CHECK(HX_HA_ALL_CHECKS, "delay_loop", HX_CONF_TAKE1,
                hx_ha_conf_set_dsec_slot, delay_loop, &hx_ha_vs_time_bounds),
    HX_HA_CHECK(HX_HA_ALL_CHECKS, "warmup", HX_CONF_TAKE1,
                hx_ha_conf_set_dsec_slot, warmup, &hx_ha_vs_warmup_bounds),
    HX_HA_CHECK(HX_HA_HTTP_CHECK_CONF, "virtualhost", HX_CONF_TAKE1,
                hx_conf_set_str_slot, virtualhost, NULL),
    HX_HA_CHECK(HX_HA_HTTP_CHECK_CONF, "url", HX_CONF_BLOCK|HX_CONF_NOARGS,
                hx_ha_vs_url, urls, NULL),
    HX_HA_CHECK(HX_HA_MISC_CHECK_CONF, "misc_path", HX_CONF_TAKE1,
                hx_ha_vs_misc_path, misc_path, NULL),
    HX_HA_CHECK(HX_HA_MISC_CHECK_CONF, "misc_timeout", HX_CONF_TAKE1,
                hx_ha_conf_set_dsec_slot, misc_timeout,
                &hx_ha_vs_time_bounds),
    HX_HA_CHECK(HX_HA_MISC_CHECK_CONF, "misc_dynamic",
                HX_CONF_NOARGS|HX_CONF_TAKE1, hx_ha_conf_set_keyword_slot,
                misc_dynamic, NULL),
    HX_HA_CHECK(HX_HA_MISC_CHECK_CONF, "user", HX_CONF_TAKE12,
                hx_ha_vs_misc_user, user, NULL),

    HX_HA_CHECK(HX_HA_UDP_CHECK_CONF, "payload", HX_CONF_TAKE1,
                hx_ha_vs_hex, payload, NULL),
    HX_HA_CHECK(HX_HA_UDP_CHECK_CONF, "require_reply",
                HX_CONF_NOARGS|HX_CONF_TAKE1, hx_ha_vs_require_reply,
                reply, NULL),
    HX_HA_CHECK(HX_HA_SMTP_CHECK_CONF, "helo_name", HX_CONF_TAKE1,
                hx_conf_set_str_slot, helo_name, NULL),
    HX_HA_CHECK(HX_HA_SMTP_CHECK_CONF, "host",
                HX_CONF_BLOCK|HX_CONF_NOARGS, hx_ha_vs_smtp_host, hosts,
                NULL),

    HX_HA_URL("path", HX_CONF_TAKE1, hx_conf_set_str_slot, path),
    HX_HA_URL("digest", HX_CONF_TAKE1, hx_conf_set_str_slot, digest),
    HX_HA_URL("status_code", HX_CONF_1MORE, hx_ha_vs_status_code, status),
    HX_HA_URL("virtualhost", HX_CONF_TAKE1, hx_conf_set_str_slot,
              virtualhost),

    HX_HA_NO_CHECK("SMTP_CHECK"),
    HX_HA_NO_CHECK("DNS_CHECK"),
    HX_HA_NO_CHECK("BFD_CHECK"),
    HX_HA_NO_CHECK("FILE_CHECK"),

    hx_null_command
};


static hx_ha_module_t  hx_ha_vs_module_ctx = {
    hx_ha_vs_create_main_conf,
    hx_ha_vs_init_main_conf
};


hx_module_t  hx_ha_virtual_server_module = {
    HX_MODULE_V1,
    "hx_ha_virtual_server_module",
    &hx_ha_vs_module_ctx,
    hx_ha_vs_commands,
    HX_HA_MODULE,
    NULL,                                /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


static void *
hx_ha_vs_create_main_conf(hx_conf_t *cf)
{
    hx_ha_vs_main_conf_t  *vmcf;

    vmcf = hx_pcalloc(cf->pool, sizeof(hx_ha_vs_main_conf_t));
    if (vmcf == NULL) {
        return NULL;
    }

    if (hx_array_init(&vmcf->servers, cf->pool, 2, sizeof(hx_ha_vs_conf_t *))
        != HX_OK
        || hx_array_init(&vmcf->groups, cf->pool, 1, sizeof(hx_ha_vs_group_t))
           != HX_OK)
    {
        return NULL;
    }

    return vmcf;
}


/* virtual_server IP PORT { }, virtual_server group NAME { } (fwmark
   refused) */
static char *
hx_ha_vs_block(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char                   *rv;
    hx_str_t               *value;
    hx_ha_vs_conf_t        *vs, **vsp;
    hx_ha_vs_main_conf_t   *vmcf;

    (void) cmd;

    vmcf = conf;
    value = cf->args->elts;

    if (cf->args->nelts == 3 && hx_strcmp(value[1].data, "fwmark") == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "\"virtual_server fwmark\" needs the kernel's IPVS, "
                          "which matches packets by firewall mark; hanx "
                          "forwards in user space: use \"virtual_server "
                          "IP PORT\" for each address instead");
        return HX_CONF_ERROR;
    }

    if (cf->args->nelts != 3) {
        return "needs an address and a port";
    }

    vs = hx_pcalloc(cf->pool, sizeof(hx_ha_vs_conf_t));
    if (vs == NULL) {
        return HX_CONF_ERROR;
    }

    hx_ha_conf_pos(cf, &vs->pos);

    vs->delay_loop = HX_CONF_UNSET_MSEC;
    vs->protocol = HX_CONF_UNSET_UINT;
    vs->persistence_timeout = HX_CONF_UNSET;
    vs->inhibit_on_failure = HX_CONF_UNSET;
    vs->ha_suspend = HX_CONF_UNSET;
    vs->sorry_server_inhibit = HX_CONF_UNSET;
    vs->alpha = HX_CONF_UNSET;
    vs->omega = HX_CONF_UNSET;
    vs->quorum = HX_CONF_UNSET;
    vs->hysteresis = HX_CONF_UNSET;

    if (hx_array_init(&vs->real_servers, cf->pool, 4,
                      sizeof(hx_ha_rs_conf_t)) != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    if (hx_strcmp(value[1].data, "group") == 0) {
        rv = hx_ha_vs_use_group(cf, vmcf, vs, &value[2]);
        if (rv != HX_CONF_OK) {
            return rv;
        }

        goto parse;
    }

    /* the protocol is known at the end of the block; TCP until then */
    rv = hx_ha_vs_addr(cf, &value[1], &value[2], SOCK_STREAM, &vs->addr,
                       &vs->text);
    if (rv != HX_CONF_OK) {
        return rv;
    }

    if (hx_ha_vs_taken(vmcf, &vs->addr) == HX_OK) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "duplicate virtual_server %V %V", &value[1],
                          &value[2]);
        return HX_CONF_ERROR;
    }

parse:

    vsp = hx_array_push(&vmcf->servers);
    if (vsp == NULL) {
        return HX_CONF_ERROR;
    }

    *vsp = vs;

    return hx_ha_vs_parse_block(cf, vs, HX_HA_VS_CONF);
}


/* whether a virtual server already listens on a: HX_OK if so */
static hx_int_t
hx_ha_vs_taken(hx_ha_vs_main_conf_t *vmcf, hx_addr_t *a)
{
    hx_uint_t          i, j, n;
    hx_addr_t         *addr;
    hx_ha_vs_conf_t  **vsp;

    vsp = vmcf->servers.elts;

    for (i = 0; i < vmcf->servers.nelts; i++) {
        addr = vsp[i]->addrs ? vsp[i]->addrs->elts : &vsp[i]->addr;
        n = vsp[i]->addrs ? vsp[i]->addrs->nelts : 1;

        for (j = 0; j < n; j++) {
            if (hx_cmp_sockaddr(addr[j].sockaddr, addr[j].socklen,
                                a->sockaddr, a->socklen, 1) == HX_OK)
            {
                return HX_OK;
            }
        }
    }

    return HX_DECLINED;
}


/* virtual_server_group NAME { members }: read by the member handler */
static char *
hx_ha_vs_group(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char                  *rv;
    hx_str_t              *value;
    hx_uint_t              i;
    hx_conf_t              save;
    hx_ha_vs_group_t      *grp;
    hx_ha_vs_main_conf_t  *vmcf = conf;

    (void) cmd;

    value = cf->args->elts;
    grp = vmcf->groups.elts;

    for (i = 0; i < vmcf->groups.nelts; i++) {
        if (grp[i].name.len == value[1].len
            && hx_strncmp(grp[i].name.data, value[1].data, value[1].len)
               == 0)
        {
            return "is duplicate";
        }
    }

    grp = hx_array_push(&vmcf->groups);
    if (grp == NULL) {
        return HX_CONF_ERROR;
    }

    grp->name = value[1];
    hx_ha_conf_pos(cf, &grp->pos);

    if (hx_array_init(&grp->addrs, cf->pool, 4, sizeof(hx_addr_t)) != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    save = *cf;
    cf->handler = hx_ha_vs_group_member;
    cf->handler_conf = (char *) grp;

    rv = hx_conf_parse(cf, NULL);

    *cf = save;

    return rv;
}


/*
 * One member: "IP PORT", or "IP-LAST PORT" for the addresses from IP to
 * the one whose last byte (IPv4) or last group (IPv6, hex) is LAST.
 * "fwmark N" needs IPVS and is refused.
 */
static char *
hx_ha_vs_group_member(hx_conf_t *cf, hx_command_t *dummy, void *conf)
{
    char              *rv;
    uint8_t           *dash, *p;
    hx_str_t          *value, ip;
    hx_int_t           last, first;
    hx_addr_t          base, *a;
    hx_ha_vs_group_t  *grp = conf;
    struct sockaddr_in6  *sin6;

    (void) dummy;

    value = cf->args->elts;

    if (value[0].len == 6 && hx_strncmp(value[0].data, "fwmark", 6) == 0) {
        return "\"fwmark\" members need the kernel's IPVS, which matches "
               "packets by firewall mark; hanx forwards in user space: "
               "list the group's addresses instead";
    }

    if (cf->args->nelts != 2) {
        return "expects \"IP PORT\" or \"IP-LAST PORT\"";
    }

    ip = value[0];
    last = HX_CONF_UNSET;

    dash = hx_strlchr(ip.data, ip.data + ip.len, '-');

    if (dash) {
        ip.len = dash - ip.data;
        p = dash + 1;
        last = memchr(ip.data, ':', ip.len)
               ? hx_hextoi(p, value[0].data + value[0].len - p)
               : hx_atoi(p, value[0].data + value[0].len - p);

        if (last == HX_ERROR) {
            return "has an invalid range";
        }
    }

    rv = hx_ha_vs_addr(cf, &ip, &value[1], SOCK_STREAM, &base, &base.name);
    if (rv != HX_CONF_OK) {
        return rv;
    }

    if (base.sockaddr->sa_family == AF_INET) {
        p = (uint8_t *) &((struct sockaddr_in *) base.sockaddr)->sin_addr;
        first = p[3];

        if (last != HX_CONF_UNSET && (last > 255 || last < first)) {
            return "has an invalid range";
        }

    } else {
        sin6 = (struct sockaddr_in6 *) base.sockaddr;
        p = &sin6->sin6_addr.s6_addr[14];
        first = p[0] << 8 | p[1];

        if (last != HX_CONF_UNSET && (last > 0xffff || last < first)) {
            return "has an invalid range";
        }
    }

    if (last == HX_CONF_UNSET) {
        last = first;
    }

    if (last - first >= 256) {
        return "has a range of more than 256 addresses";
    }

    for ( ;; ) {
        a = hx_array_push(&grp->addrs);
        if (a == NULL) {
            return HX_CONF_ERROR;
        }

        a->socklen = base.socklen;
        a->sockaddr = hx_palloc(cf->pool, base.socklen);
        if (a->sockaddr == NULL) {
            return HX_CONF_ERROR;
        }

        hx_memcpy(a->sockaddr, base.sockaddr, base.socklen);

        if (hx_ha_vs_text(cf->pool, a, SOCK_STREAM, &a->name) != HX_OK) {
            return HX_CONF_ERROR;
        }

        if (first == last) {
            return HX_CONF_OK;
        }

        /* the next address of the range */

        first++;

        if (base.sockaddr->sa_family == AF_INET) {
            p[3] = (uint8_t) first;

        } else {
            p[0] = (uint8_t) (first >> 8);
            p[1] = (uint8_t) first;
        }
    }
}


/* virtual_server group NAME: the group's members are the addresses */
static char *
hx_ha_vs_use_group(hx_conf_t *cf, hx_ha_vs_main_conf_t *vmcf,
    hx_ha_vs_conf_t *vs, hx_str_t *name)
{
    hx_uint_t          i, j;
    hx_addr_t         *a;
    hx_ha_vs_group_t  *grp;

    grp = vmcf->groups.elts;

    for (i = 0; i < vmcf->groups.nelts; i++) {
        if (grp[i].name.len == name->len
            && hx_strncmp(grp[i].name.data, name->data, name->len) == 0)
        {
            break;
        }
    }

    if (i == vmcf->groups.nelts) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "unknown virtual_server_group \"%V\" (define "
                          "it before the virtual_server that uses it)",
                          name);
        return HX_CONF_ERROR;
    }

    if (grp[i].addrs.nelts == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "virtual_server_group \"%V\" has no address",
                          name);
        return HX_CONF_ERROR;
    }

    a = grp[i].addrs.elts;

    for (j = 0; j < grp[i].addrs.nelts; j++) {
        if (hx_ha_vs_taken(vmcf, &a[j]) == HX_OK) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "virtual_server group \"%V\": another "
                              "virtual_server already has %V", name,
                              &a[j].name);
            return HX_CONF_ERROR;
        }
    }

    vs->group = *name;
    vs->addrs = &grp[i].addrs;
    vs->addr = a[0];
    vs->text = a[0].name;

    return HX_CONF_OK;
}


static char *
hx_ha_vs_parse_block(hx_conf_t *cf, void *obj, hx_uint_t type)
{
    char               *rv;
    void              **block_conf;
    hx_conf_t           save;
    hx_ha_conf_ctx_t   *ctx, *pctx;

    pctx = cf->ctx;

    ctx = hx_pcalloc(cf->pool, sizeof(hx_ha_conf_ctx_t));
    block_conf = hx_pcalloc(cf->pool, hx_ha_max_module * sizeof(void *));

    if (ctx == NULL || block_conf == NULL) {
        return HX_CONF_ERROR;
    }

    block_conf[hx_ha_virtual_server_module.ctx_index] = obj;

    ctx->main_conf = pctx->main_conf;
    ctx->block_conf = block_conf;
    ctx->pool = pctx->pool;

    save = *cf;
    cf->ctx = ctx;
    cf->cmd_type = type;

    rv = hx_conf_parse(cf, NULL);

    *cf = save;

    return rv;
}


/* keepalived's name of an address: "[10.0.0.1]:tcp:80" */
static hx_int_t
hx_ha_vs_text(hx_pool_t *pool, hx_addr_t *addr, hx_uint_t protocol,
    hx_str_t *text)
{
    uint8_t  buf[HX_SOCKADDR_STRLEN];
    size_t   len;

    len = hx_sock_ntop(addr->sockaddr, addr->socklen, buf, sizeof(buf), 0);

    text->data = hx_pnalloc(pool, len + sizeof("[]:tcp:65535"));
    if (text->data == NULL) {
        return HX_ERROR;
    }

    text->len = hx_sprintf(text->data, "[%*s]:%s:%ui", len, buf,
                           protocol == SOCK_DGRAM ? "udp" : "tcp",
                           (hx_uint_t) hx_inet_get_port(addr->sockaddr))
                - text->data;

    addr->name = *text;

    return HX_OK;
}


/* IP and PORT into addr, and keepalived's "[IP]:tcp:PORT" into text */
static char *
hx_ha_vs_addr(hx_conf_t *cf, hx_str_t *ip, hx_str_t *port,
    hx_uint_t protocol, hx_addr_t *addr, hx_str_t *text)
{
    hx_int_t  n;

    if (hx_parse_addr(cf->pool, addr, ip->data, ip->len) != HX_OK) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0, "invalid address \"%V\"", ip);
        return HX_CONF_ERROR;
    }

    n = port ? hx_atoi(port->data, port->len) : 0;

    if (port && (n < 1 || n > 65535)) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0, "invalid port \"%V\"", port);
        return HX_CONF_ERROR;
    }

    hx_inet_set_port(addr->sockaddr, (in_port_t) n);

    if (hx_ha_vs_text(cf->pool, addr, protocol, text) != HX_OK) {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


static char *
hx_ha_vs_lb_algo(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t         *value;
    const char       *reason;
    hx_ha_vs_conf_t  *vs = conf;

    (void) cmd;

    if (vs->lb_algo.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    reason = NULL;
    vs->balancer = hx_upstream_ipvs_balancer(&value[1], &reason);

    if (vs->balancer == NULL) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0, "lb_algo \"%V\" %s",
                          &value[1], reason ? reason : "is unknown");
        return HX_CONF_ERROR;
    }

    vs->lb_algo = value[1];

    return HX_CONF_OK;
}


static char *
hx_ha_vs_lb_kind(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t  *value;

    (void) cmd;
    (void) conf;

    value = cf->args->elts;

    if (hx_strcmp(value[1].data, "NAT") == 0) {
        return HX_CONF_OK;
    }

    if (hx_strcmp(value[1].data, "DR") == 0
        || hx_strcmp(value[1].data, "TUN") == 0)
    {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "lb_kind %V needs the kernel's IPVS (the real "
                          "servers answer the clients directly), and hanx "
                          "forwards in user space: use lb_kind NAT",
                          &value[1]);
        return HX_CONF_ERROR;
    }

    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                      "invalid lb_kind \"%V\", it must be NAT", &value[1]);

    return HX_CONF_ERROR;
}


static char *
hx_ha_vs_protocol(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t         *value;
    hx_ha_vs_conf_t  *vs = conf;

    (void) cmd;

    value = cf->args->elts;

    if (vs->protocol != HX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    if (hx_strcmp(value[1].data, "TCP") == 0) {
        vs->protocol = SOCK_STREAM;
        return HX_CONF_OK;
    }

    if (hx_strcmp(value[1].data, "UDP") == 0) {
        vs->protocol = SOCK_DGRAM;
        return HX_CONF_OK;
    }

    if (hx_strcmp(value[1].data, "SCTP") == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "protocol SCTP is not supported by hanx: "
                          "use TCP or UDP");
        return HX_CONF_ERROR;
    }

    hx_conf_log_error(HX_LOG_EMERG, cf, 0, "invalid protocol \"%V\"",
                      &value[1]);

    return HX_CONF_ERROR;
}


/* an IPv4 netmask ("255.255.255.0") or an IPv6 prefix length ("64") */
static char *
hx_ha_vs_granularity(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t         *value;
    in_addr_t         mask;
    hx_int_t          n;
    uint32_t          m;
    hx_ha_vs_conf_t  *vs = conf;

    (void) cmd;

    value = cf->args->elts;

    n = hx_atoi(value[1].data, value[1].len);

    if (n != HX_ERROR) {
        if (n > 128) {
            return "invalid value";
        }

        vs->persistence_granularity = value[1];
        return HX_CONF_OK;
    }

    mask = hx_inet_addr(value[1].data, value[1].len);

    if (mask == INADDR_NONE
        && hx_strcmp(value[1].data, "255.255.255.255") != 0)
    {
        return "invalid value";
    }

    /* a netmask: ones then zeros */
    m = ntohl(mask);

    if ((m | (m - 1)) != 0xffffffff && m != 0) {
        return "is not a netmask";
    }

    vs->persistence_granularity = value[1];

    return HX_CONF_OK;
}


static hx_ha_rs_conf_t *
hx_ha_vs_new_rs(hx_conf_t *cf, hx_ha_vs_conf_t *vs, hx_str_t *value,
    hx_uint_t n)
{
    hx_ha_rs_conf_t  *rs;

    rs = hx_pcalloc(cf->pool, sizeof(hx_ha_rs_conf_t));
    if (rs == NULL) {
        return NULL;
    }

    rs->weight = HX_CONF_UNSET;
    rs->inhibit_on_failure = HX_CONF_UNSET;
    rs->vs = vs;
    hx_ha_conf_pos(cf, &rs->pos);

    if (n < 3) {
        /* keepalived: without a port, the virtual server's */
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "\"%V\" needs an address and a port", &value[0]);
        return NULL;
    }

    if (hx_ha_vs_addr(cf, &value[1], &value[2], SOCK_STREAM, &rs->addr,
                      &rs->text) != HX_CONF_OK)
    {
        return NULL;
    }

    return rs;
}


static char *
hx_ha_vs_sorry_server(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_ha_vs_conf_t  *vs = conf;

    (void) cmd;

    if (vs->sorry_server) {
        return "is duplicate";
    }

    vs->sorry_server = hx_ha_vs_new_rs(cf, vs, cf->args->elts,
                                       cf->args->nelts);

    return vs->sorry_server ? HX_CONF_OK : HX_CONF_ERROR;
}


static char *
hx_ha_vs_real_server(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_uint_t         i;
    hx_ha_rs_conf_t  *rs, *prs;
    hx_ha_vs_conf_t  *vs = conf;

    (void) cmd;

    rs = hx_ha_vs_new_rs(cf, vs, cf->args->elts, cf->args->nelts);
    if (rs == NULL) {
        return HX_CONF_ERROR;
    }

    prs = vs->real_servers.elts;

    for (i = 0; i < vs->real_servers.nelts; i++) {
        if (hx_cmp_sockaddr(prs[i].addr.sockaddr, prs[i].addr.socklen,
                            rs->addr.sockaddr, rs->addr.socklen, 1) == HX_OK)
        {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "duplicate real_server %V in virtual_server "
                              "%V", &rs->text, &vs->text);
            return HX_CONF_ERROR;
        }
    }

    rs->checks = hx_array_create(cf->pool, 1, sizeof(hx_ha_check_conf_t));
    if (rs->checks == NULL) {
        return HX_CONF_ERROR;
    }

    prs = hx_array_push(&vs->real_servers);
    if (prs == NULL) {
        return HX_CONF_ERROR;
    }

    *prs = *rs;

    return hx_ha_vs_parse_block(cf, prs, HX_HA_RS_CONF);
}


static char *
hx_ha_vs_ipvs_only(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    (void) conf;

    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                      "\"%V\" needs the kernel's IPVS, and hanx forwards "
                      "in user space", &cmd->name);

    return HX_CONF_ERROR;
}


static char *
hx_ha_vs_unsupported_check(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    (void) conf;

    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                      "%V health checks are not supported by hanx yet: "
                      "use TCP_CHECK", &cmd->name);

    return HX_CONF_ERROR;
}


/* TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK { }: cmd->offset is the type */
static char *
hx_ha_vs_check(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_uint_t            ctx;
    hx_ha_rs_conf_t     *rs = conf;
    hx_ha_check_conf_t  *ck;

    ck = hx_array_push(rs->checks);
    if (ck == NULL) {
        return HX_CONF_ERROR;
    }

    ck->type = cmd->offset;
    ck->name = cmd->name;
    hx_ha_vs_init_check(cf, ck);

    switch (ck->type) {

    case HX_HA_CHECK_TCP:
        ctx = HX_HA_TCP_CHECK_CONF;
        break;

    case HX_HA_CHECK_MISC:
        ctx = HX_HA_MISC_CHECK_CONF;
        break;

    case HX_HA_CHECK_UDP:
        ctx = HX_HA_UDP_CHECK_CONF;
        break;

    case HX_HA_CHECK_PING:
        ctx = HX_HA_PING_CHECK_CONF;
        break;

    case HX_HA_CHECK_SMTP:
        ctx = HX_HA_SMTP_CHECK_CONF;
        break;

    default: /* HTTP_GET, SSL_GET */
        ctx = HX_HA_HTTP_CHECK_CONF;

        ck->urls = hx_array_create(cf->pool, 1, sizeof(hx_ha_check_url_t));
        if (ck->urls == NULL) {
            return HX_CONF_ERROR;
        }
    }

    return hx_ha_vs_parse_block(cf, ck, ctx);
}


/* a checker with nothing set yet, at the current line */
static void
hx_ha_vs_init_check(hx_conf_t *cf, hx_ha_check_conf_t *ck)
{
    hx_uint_t  type;
    hx_str_t   name;

    type = ck->type;
    name = ck->name;

    hx_memzero(ck, sizeof(hx_ha_check_conf_t));

    ck->type = type;
    ck->name = name;
    ck->connect_port = HX_CONF_UNSET;
    ck->bind_port = HX_CONF_UNSET;
    ck->connect_timeout = HX_CONF_UNSET_MSEC;
    ck->retry = HX_CONF_UNSET;
    ck->delay_before_retry = HX_CONF_UNSET_MSEC;
    ck->delay_loop = HX_CONF_UNSET_MSEC;
    ck->warmup = HX_CONF_UNSET_MSEC;
    ck->misc_timeout = HX_CONF_UNSET_MSEC;
    ck->misc_dynamic = HX_CONF_UNSET;
    ck->require_reply = HX_CONF_UNSET;
    hx_ha_conf_pos(cf, &ck->pos);
}


/*
 * host { connect_ip; connect_port; bindto; bind_port } of SMTP_CHECK:
 * keepalived then checks those addresses, all of which must answer, and
 * not the real server's own unless a host names it
 */
static char *
hx_ha_vs_smtp_host(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_ha_check_conf_t  *ck = conf, *host;

    (void) cmd;

    if (ck->hosts == NULL) {
        ck->hosts = hx_array_create(cf->pool, 2, sizeof(hx_ha_check_conf_t));
        if (ck->hosts == NULL) {
            return HX_CONF_ERROR;
        }
    }

    host = hx_array_push(ck->hosts);
    if (host == NULL) {
        return HX_CONF_ERROR;
    }

    host->type = ck->type;
    host->name = ck->name;
    hx_ha_vs_init_check(cf, host);

    return hx_ha_vs_parse_block(cf, host, HX_HA_HOST_CONF);
}


/* bytes written in hex ("0a1B..."), stored decoded in a hx_str_t slot */
static char *
hx_ha_vs_hex(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    uint8_t    *p, c;
    hx_str_t   *field, *value;
    hx_int_t    hi, lo;
    hx_uint_t   i;

    field = (hx_str_t *) ((char *) conf + cmd->offset);
    value = cf->args->elts;
    value = &value[1];

    if (value->len == 0 || value->len % 2) {
        return "takes an even number of hex digits";
    }

    p = hx_pnalloc(cf->pool, value->len / 2);
    if (p == NULL) {
        return HX_CONF_ERROR;
    }

    for (i = 0; i < value->len; i += 2) {
        hi = hx_hextoi(&value->data[i], 1);
        lo = hx_hextoi(&value->data[i + 1], 1);

        if (hi == HX_ERROR || lo == HX_ERROR) {
            return "takes hex digits";
        }

        c = (uint8_t) (hi << 4 | lo);
        p[i / 2] = c;
    }

    field->data = p;
    field->len = value->len / 2;

    return HX_CONF_OK;
}


/* require_reply [HEX]: a reply must come (and contain those bytes) */
static char *
hx_ha_vs_require_reply(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_ha_check_conf_t  *ck = conf;

    ck->require_reply = 1;

    if (cf->args->nelts == 1) {
        return HX_CONF_OK;
    }

    return hx_ha_vs_hex(cf, cmd, conf);
}


static char *
hx_ha_vs_url(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_ha_check_conf_t  *ck = conf;
    hx_ha_check_url_t   *url;

    (void) cmd;

    url = hx_array_push(ck->urls);
    if (url == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(url, sizeof(hx_ha_check_url_t));
    hx_ha_conf_pos(cf, &url->pos);

    return hx_ha_vs_parse_block(cf, url, HX_HA_URL_CONF);
}


/* status_code 200 [201-204 3xx ...] */
static char *
hx_ha_vs_status_code(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t           *value;
    hx_uint_t           i;
    hx_ha_check_url_t  *url = conf;

    (void) cmd;

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        if (hx_health_check_add_status(cf->pool, &url->status, &value[i])
            != HX_OK)
        {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid status_code \"%V\"", &value[i]);
            return HX_CONF_ERROR;
        }
    }

    return HX_CONF_OK;
}


static char *
hx_ha_vs_misc_path(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_ha_check_conf_t  *ck = conf;

    (void) cmd;

    if (ck->misc_path) {
        return "is duplicate";
    }

    ck->misc_path = hx_ha_vrrp_parse_cmd(cf, cf->args->elts, 2);

    return ck->misc_path ? HX_CONF_OK : HX_CONF_ERROR;
}


/* user NAME [GROUP]: who MISC_CHECK's script runs as */
static char *
hx_ha_vs_misc_user(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t            *value;
    struct group        *gr;
    struct passwd       *pw;
    hx_ha_check_conf_t  *ck = conf;

    (void) cmd;

    value = cf->args->elts;

    pw = getpwnam((char *) value[1].data);
    if (pw == NULL) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0, "user \"%V\" does not exist",
                          &value[1]);
        return HX_CONF_ERROR;
    }

    ck->user = value[1];

    if (cf->args->nelts == 3) {
        gr = getgrnam((char *) value[2].data);
        if (gr == NULL) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "group \"%V\" does not exist", &value[2]);
            return HX_CONF_ERROR;
        }

        ck->group = value[2];
    }

    return HX_CONF_OK;
}


/* keepalived's defaults, the checkers' addresses, then the upstreams */
static char *
hx_ha_vs_init_main_conf(hx_conf_t *cf, void *conf)
{
    char                   *rv;
    hx_uint_t               i;
    hx_ha_vs_conf_t       **vsp;
    hx_ha_vs_main_conf_t   *vmcf = conf;

    vsp = vmcf->servers.elts;

    for (i = 0; i < vmcf->servers.nelts; i++) {
        rv = hx_ha_vs_complete(cf, vsp[i]);
        if (rv != HX_CONF_OK) {
            return rv;
        }

        hx_ha_vs_warn_no_vip(cf, vsp[i]);
    }

    return HX_CONF_OK;
}


/*
 * -t's lint: with VRRP instances in the file, a virtual_server whose
 * address none of them carries is served by this node whatever its VRRP
 * state, which is rarely what a keepalived user means.  Without any
 * instance the node is a balancer on its own addresses: nothing to say.
 */
static void
hx_ha_vs_warn_no_vip(hx_conf_t *cf, hx_ha_vs_conf_t *vs)
{
    hx_uint_t                i, n;
    hx_addr_t               *addr;
    hx_ha_vrrp_main_conf_t  *vrmcf;

    vrmcf = hx_ha_conf_get_main_conf(cf, hx_ha_vrrp_module);

    if (vrmcf == NULL || vrmcf->instances.nelts == 0) {
        return;
    }

    addr = vs->addrs ? vs->addrs->elts : &vs->addr;
    n = vs->addrs ? vs->addrs->nelts : 1;

    for (i = 0; i < n; i++) {
        if (hx_ha_vs_is_vip(vrmcf, &addr[i])) {
            continue;
        }

        hx_ha_conf_log(HX_LOG_WARN, cf, &vs->pos,
                       "virtual_server %V is on an address that is no VIP "
                       "of any vrrp_instance, so this node serves it "
                       "whether it is MASTER or BACKUP: add the address "
                       "to an instance's virtual_ipaddress (or ignore this "
                       "if it is the host's own address)",
                       vs->addrs ? &addr[i].name : &vs->text);
    }
}


static hx_uint_t
hx_ha_vs_is_vip(hx_ha_vrrp_main_conf_t *vrmcf, hx_addr_t *addr)
{
    size_t               len;
    uint8_t             *a;
    hx_uint_t            i, j, k;
    hx_array_t          *lists[2];
    hx_ha_vip_t         *vip;
    hx_ha_vrrp_conf_t  **vr;

    if (addr->sockaddr->sa_family == AF_INET6) {
        a = ((struct sockaddr_in6 *) addr->sockaddr)->sin6_addr.s6_addr;
        len = 16;

    } else {
        a = (uint8_t *) &((struct sockaddr_in *) addr->sockaddr)->sin_addr;
        len = 4;
    }

    vr = vrmcf->instances.elts;

    for (i = 0; i < vrmcf->instances.nelts; i++) {
        lists[0] = vr[i]->vips;
        lists[1] = vr[i]->evips;

        for (k = 0; k < 2; k++) {
            if (lists[k] == NULL) {
                continue;
            }

            vip = lists[k]->elts;

            for (j = 0; j < lists[k]->nelts; j++) {
                if (vip[j].addr.family == addr->sockaddr->sa_family
                    && hx_memcmp(vip[j].addr.addr, a, len) == 0)
                {
                    return 1;
                }
            }
        }
    }

    return 0;
}


static char *
hx_ha_vs_complete(hx_conf_t *cf, hx_ha_vs_conf_t *vs)
{
    char                *rv;
    const char          *reason;
    hx_uint_t            i, j;
    hx_addr_t           *addr;
    hx_ha_rs_conf_t     *rs;
    hx_ha_check_conf_t  *ck;

    hx_conf_init_msec_value(vs->delay_loop, 60000);
    hx_conf_init_uint_value(vs->protocol, SOCK_STREAM);
    hx_conf_init_value(vs->persistence_timeout, 0);
    hx_conf_init_value(vs->inhibit_on_failure, 0);
    hx_conf_init_value(vs->ha_suspend, 0);
    hx_conf_init_value(vs->sorry_server_inhibit, 0);
    hx_conf_init_value(vs->alpha, 0);
    hx_conf_init_value(vs->omega, 0);
    hx_conf_init_value(vs->quorum, 1);
    hx_conf_init_value(vs->hysteresis, 0);

    if (hx_ha_vs_cmd(cf, &vs->quorum_up, &vs->quorum_up_cmd) != HX_OK
        || hx_ha_vs_cmd(cf, &vs->quorum_down, &vs->quorum_down_cmd)
           != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    if (vs->lb_algo.data == NULL) {
        /* IPVS's own default scheduler */
        hx_str_set(&vs->lb_algo, "wlc");
        vs->balancer = hx_upstream_ipvs_balancer(&vs->lb_algo, &reason);
    }

    if (vs->protocol == SOCK_DGRAM) {
        /* the names carry the protocol: "[10.0.0.1]:udp:53" */
        if (hx_ha_vs_text(cf->pool, &vs->addr, SOCK_DGRAM, &vs->text)
            != HX_OK)
        {
            return HX_CONF_ERROR;
        }

        addr = vs->addrs ? vs->addrs->elts : NULL;

        for (i = 0; vs->addrs && i < vs->addrs->nelts; i++) {
            if (hx_ha_vs_text(cf->pool, &addr[i], SOCK_DGRAM, &addr[i].name)
                != HX_OK)
            {
                return HX_CONF_ERROR;
            }
        }

        rs = vs->real_servers.elts;

        for (i = 0; i < vs->real_servers.nelts; i++) {
            if (hx_ha_vs_text(cf->pool, &rs[i].addr, SOCK_DGRAM,
                              &rs[i].text) != HX_OK)
            {
                return HX_CONF_ERROR;
            }
        }
    }

    if (vs->real_servers.nelts == 0) {
        hx_ha_conf_log(HX_LOG_EMERG, cf, &vs->pos,
                       "no real_server in virtual_server %V", &vs->text);
        return HX_CONF_ERROR;
    }

    rs = vs->real_servers.elts;

    for (i = 0; i < vs->real_servers.nelts; i++) {
        hx_conf_init_value(rs[i].weight, 1);

        if (rs[i].inhibit_on_failure == HX_CONF_UNSET) {
            rs[i].inhibit_on_failure = vs->inhibit_on_failure;
        }

        if (hx_ha_vs_cmd(cf, &rs[i].notify_up, &rs[i].notify_up_cmd)
            != HX_OK
            || hx_ha_vs_cmd(cf, &rs[i].notify_down, &rs[i].notify_down_cmd)
               != HX_OK)
        {
            return HX_CONF_ERROR;
        }

        ck = rs[i].checks->elts;

        for (j = 0; j < rs[i].checks->nelts; j++) {
            rv = hx_ha_vs_complete_check(cf, vs, &rs[i], &ck[j]);
            if (rv != HX_CONF_OK) {
                return rv;
            }
        }
    }

    if (vs->sorry_server) {
        hx_conf_init_value(vs->sorry_server->weight, 1);
        hx_conf_init_value(vs->sorry_server->inhibit_on_failure, 0);
    }

    return hx_ha_vs_upstream(cf, vs);
}


static char *
hx_ha_vs_complete_check(hx_conf_t *cf, hx_ha_vs_conf_t *vs,
    hx_ha_rs_conf_t *rs, hx_ha_check_conf_t *ck)
{
    hx_str_t  *ip;

    hx_conf_init_msec_value(ck->connect_timeout, 5000);
    hx_conf_init_value(ck->retry, ck->type == HX_HA_CHECK_MISC ? 0 : 1);
    hx_conf_init_msec_value(ck->delay_before_retry, 1000);
    hx_conf_init_msec_value(ck->delay_loop, vs->delay_loop);
    hx_conf_init_msec_value(ck->warmup, 0);
    hx_conf_init_msec_value(ck->misc_timeout, ck->delay_loop);
    hx_conf_init_value(ck->misc_dynamic, 0);
    hx_conf_init_value(ck->require_reply, 0);

    if (ck->type == HX_HA_CHECK_SMTP && ck->helo_name.len == 0) {
        hx_str_set(&ck->helo_name, "smtpchecker.keepalived.org");
    }

    if (ck->type == HX_HA_CHECK_MISC) {
        if (ck->misc_path == NULL) {
            hx_ha_conf_log(HX_LOG_EMERG, cf, &ck->pos,
                           "MISC_CHECK without misc_path");
            return HX_CONF_ERROR;
        }

        if (ck->user.len) {
            ck->misc_path->user = ck->user;
            ck->misc_path->group = ck->group;
        }
    }

    if (ck->connect_ip.len) {
        ip = &ck->connect_ip;

        if (hx_parse_addr(cf->pool, &ck->connect, ip->data, ip->len)
            != HX_OK)
        {
            hx_ha_conf_log(HX_LOG_EMERG, cf, &ck->pos,
                           "invalid connect_ip \"%V\"", ip);
            return HX_CONF_ERROR;
        }

    } else {
        ck->connect.socklen = rs->addr.socklen;
        ck->connect.sockaddr = hx_palloc(cf->pool, rs->addr.socklen);
        if (ck->connect.sockaddr == NULL) {
            return HX_CONF_ERROR;
        }

        hx_memcpy(ck->connect.sockaddr, rs->addr.sockaddr, rs->addr.socklen);
    }

    hx_inet_set_port(ck->connect.sockaddr,
                     ck->connect_port != HX_CONF_UNSET
                     ? (in_port_t) ck->connect_port
                     : hx_inet_get_port(rs->addr.sockaddr));

    if (hx_ha_vs_text(cf->pool, &ck->connect, vs->protocol, &ck->connect.name)
        != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    if (ck->bindto.len) {
        if (hx_parse_addr(cf->pool, &ck->bind, ck->bindto.data,
                          ck->bindto.len) != HX_OK)
        {
            hx_ha_conf_log(HX_LOG_EMERG, cf, &ck->pos,
                           "invalid bindto \"%V\"", &ck->bindto);
            return HX_CONF_ERROR;
        }

        if (ck->bind_port != HX_CONF_UNSET) {
            hx_inet_set_port(ck->bind.sockaddr, (in_port_t) ck->bind_port);
        }
    }

    if (ck->type == HX_HA_CHECK_HTTP || ck->type == HX_HA_CHECK_SSL) {
        return hx_ha_vs_complete_http(cf, vs, rs, ck);
    }

    if (ck->hosts) {
        return hx_ha_vs_complete_hosts(cf, vs, rs, ck);
    }

    return HX_CONF_OK;
}


/* each host { } takes its checker's settings but its own address */
static char *
hx_ha_vs_complete_hosts(hx_conf_t *cf, hx_ha_vs_conf_t *vs,
    hx_ha_rs_conf_t *rs, hx_ha_check_conf_t *ck)
{
    char                *rv;
    hx_uint_t            i;
    hx_ha_check_conf_t  *host, own;

    host = ck->hosts->elts;

    for (i = 0; i < ck->hosts->nelts; i++) {
        own = host[i];

        host[i] = *ck;
        host[i].hosts = NULL;
        host[i].connect_ip = own.connect_ip;
        host[i].connect_port = own.connect_port != HX_CONF_UNSET
                               ? own.connect_port : ck->connect_port;
        host[i].bindto = own.bindto.len ? own.bindto : ck->bindto;
        host[i].bind_port = own.bind_port != HX_CONF_UNSET
                            ? own.bind_port : ck->bind_port;
        hx_memzero(&host[i].bind, sizeof(hx_addr_t));
        host[i].pos = own.pos;

        rv = hx_ha_vs_complete_check(cf, vs, rs, &host[i]);
        if (rv != HX_CONF_OK) {
            return rv;
        }
    }

    return HX_CONF_OK;
}


/* the urls' defaults and the Host header: virtualhost, else ip:port */
static char *
hx_ha_vs_complete_http(hx_conf_t *cf, hx_ha_vs_conf_t *vs,
    hx_ha_rs_conf_t *rs, hx_ha_check_conf_t *ck)
{
    uint8_t             buf[HX_SOCKADDR_STRLEN];
    size_t              len;
    hx_uint_t           i;
    hx_ha_check_url_t  *url;

    if (ck->urls->nelts == 0) {
        hx_ha_conf_log(HX_LOG_EMERG, cf, &ck->pos, "%V without url",
                       &ck->name);
        return HX_CONF_ERROR;
    }

    url = ck->urls->elts;

    for (i = 0; i < ck->urls->nelts; i++) {
        if (url[i].path.len == 0) {
            hx_str_set(&url[i].path, "/");
        }

        if (url[i].digest.len && url[i].digest.len != 32) {
            hx_ha_conf_log(HX_LOG_EMERG, cf, &url[i].pos,
                           "digest \"%V\" is not an MD5 sum (32 hex "
                           "digits)", &url[i].digest);
            return HX_CONF_ERROR;
        }
    }

    if (ck->virtualhost.len) {
        ck->host = ck->virtualhost;

    } else if (rs->virtualhost.len) {
        ck->host = rs->virtualhost;

    } else if (vs->virtualhost.len) {
        ck->host = vs->virtualhost;

    } else {
        len = hx_sock_ntop(ck->connect.sockaddr, ck->connect.socklen, buf,
                           sizeof(buf), 1);

        ck->host.data = hx_pnalloc(cf->pool, len);
        if (ck->host.data == NULL) {
            return HX_CONF_ERROR;
        }

        ck->host.len = len;
        hx_memcpy(ck->host.data, buf, len);
    }

    return HX_CONF_OK;
}


/* a notify or quorum command line, split as keepalived splits it */
static hx_int_t
hx_ha_vs_cmd(hx_conf_t *cf, hx_str_t *text, hx_ha_cmd_t **cmd)
{
    hx_str_t  args[2];

    if (text->len == 0) {
        *cmd = NULL;
        return HX_OK;
    }

    args[0] = *text;
    args[1] = *text;

    *cmd = hx_ha_vrrp_parse_cmd(cf, args, 2);

    return *cmd ? HX_OK : HX_ERROR;
}


/* the real_servers as the peers of an upstream with a zone of its own */
static char *
hx_ha_vs_upstream(hx_conf_t *cf, hx_ha_vs_conf_t *vs)
{
    char                  *rv;
    uint8_t               *p;
    hx_str_t               zone;
    in_addr_t              mask;
    hx_uint_t              i, prefix6;
    hx_int_t               n;
    hx_ha_rs_conf_t       *rs;
    hx_upstream_t         *us;
    hx_upstream_server_t  *s;

    us = &vs->upstream;

    if (hx_upstream_conf_init(cf, us, &vs->text, 0, 1) != HX_OK) {
        return HX_CONF_ERROR;
    }

    us->file_name = vs->pos.file.data;
    us->line = vs->pos.line;

    rv = hx_upstream_set_balancer(cf, us, vs->balancer, 0);
    if (rv != HX_CONF_OK) {
        return rv;
    }

    rs = vs->real_servers.elts;

    for (i = 0; i < vs->real_servers.nelts; i++) {
        s = hx_upstream_add_server(cf->pool, us, rs[i].addr.sockaddr,
                                   rs[i].addr.socklen, &rs[i].text);
        if (s == NULL) {
            return HX_CONF_ERROR;
        }

        /* keepalived never takes a real server out on its own */
        s->weight = rs[i].weight;
        s->max_fails = 0;

        if (rs[i].weight == 0) {
            /* weight 0: configured, never chosen */
            s->weight = 1;
            s->down = 1;
        }
    }

    if (vs->sorry_server) {
        s = hx_upstream_add_server(cf->pool, us,
                                   vs->sorry_server->addr.sockaddr,
                                   vs->sorry_server->addr.socklen,
                                   &vs->sorry_server->text);
        if (s == NULL) {
            return HX_CONF_ERROR;
        }

        s->backup = 1;
        s->max_fails = 0;
    }

    if (vs->persistence_timeout > 0) {
        mask = 0xffffffff;
        prefix6 = 128;

        if (vs->persistence_granularity.len) {
            n = hx_atoi(vs->persistence_granularity.data,
                        vs->persistence_granularity.len);

            if (n != HX_ERROR) {
                prefix6 = n;

            } else {
                mask = hx_inet_addr(vs->persistence_granularity.data,
                                    vs->persistence_granularity.len);
            }
        }

        hx_upstream_set_persistence(us, vs->persistence_timeout, mask,
                                    prefix6);
    }

    zone.len = sizeof("ha_vs_") - 1 + vs->text.len;
    zone.data = hx_pnalloc(cf->pool, zone.len);
    if (zone.data == NULL) {
        return HX_CONF_ERROR;
    }

    p = hx_cpymem(zone.data, "ha_vs_", sizeof("ha_vs_") - 1);
    hx_memcpy(p, vs->text.data, vs->text.len);

    rv = hx_upstream_zone(cf, us, &zone,
                          hx_upstream_zone_size(us, 4096));
    if (rv != HX_CONF_OK) {
        if (rv != HX_CONF_ERROR) {
            hx_ha_conf_log(HX_LOG_EMERG, cf, &vs->pos, "zone %s", rv);
        }

        return HX_CONF_ERROR;
    }

    if (hx_upstream_init(cf, us) != HX_OK) {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


hx_ha_vs_main_conf_t *
hx_ha_vs_cycle_conf(hx_cycle_t *cycle)
{
    hx_ha_vs_main_conf_t  *vmcf;

    vmcf = hx_ha_cycle_get_main_conf(cycle, &hx_ha_virtual_server_module);

    if (vmcf == NULL || vmcf->servers.nelts == 0) {
        return NULL;
    }

    return vmcf;
}
