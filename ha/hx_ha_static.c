/*
 * static_ipaddress, static_routes, static_rules, virtual_routes and
 * virtual_rules: addresses, routes and policy rules the master puts into
 * the kernel through rtnetlink.
 *
 * Each line becomes one netlink request body (the ifaddrmsg, rtmsg or
 * fib_rule_hdr and its attributes), built once with the interface index
 * of the moment.  The same body sent with RTM_DEL* removes exactly what
 * RTM_NEW* added, and two bodies that are byte for byte equal are the
 * same object, so the master keeps the bodies it installed, per owner
 * (the static blocks, or an instance's name), and a reload or a VIP
 * change is a set difference: remove what is no longer wanted, add what
 * is new, leave the rest untouched.  The requests are few and happen at
 * start, reload, stop and VRRP transitions, so each one is sent on a
 * short-lived socket and its acknowledgement awaited (one second at
 * most): the error, if any, is logged with the line that asked for it.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_ha.h>
#include "hx_ha_static.h"
#include "hx_ha_runtime.h"

#include <linux/fib_rules.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>


#define HX_HA_STATIC_MAX    1024
#define HX_HA_STATIC_BODY   512


typedef struct {
    char                 owner[64];     /* "" static, else an instance */
    uint16_t             add;           /* RTM_NEW* */
    uint16_t             del;           /* RTM_DEL* */
    uint16_t             flags;         /* NLM_F_* of the addition */
    size_t               len;
    uint8_t              body[HX_HA_STATIC_BODY];
    hx_str_t             what;          /* for messages: "route", ... */
    char                 text[64];      /* the line's first words */
} hx_ha_nl_item_t;


static hx_ha_nl_item_t *hx_ha_static_set[HX_HA_STATIC_MAX];
static hx_uint_t        hx_ha_static_n;


static hx_int_t hx_ha_static_parse_prefix(hx_str_t *value, hx_ha_addr_t *a,
    hx_uint_t *len);
static hx_int_t hx_ha_static_number(hx_str_t *value, hx_uint_t *n,
    hx_uint_t tables);
static void hx_ha_static_attr(hx_ha_nl_item_t *it, uint16_t type,
    void *data, size_t len);
static hx_int_t hx_ha_static_ifindex(hx_str_t *dev, int *index,
    hx_log_t *log);
static hx_ha_nl_item_t *hx_ha_static_item(const char *owner,
    const char *what, hx_str_t *text);
static hx_int_t hx_ha_static_addr_item(hx_ha_vip_t *vip,
    hx_ha_nl_item_t *it, hx_log_t *log);
static hx_int_t hx_ha_static_route_item(hx_ha_route_t *rt,
    hx_ha_nl_item_t *it, hx_log_t *log);
static void hx_ha_static_multipath(hx_ha_nl_item_t *it, hx_ha_route_t *rt,
    int index, size_t alen);
static void hx_ha_static_rule_item(hx_ha_rule_t *ru, hx_ha_nl_item_t *it);
static hx_uint_t hx_ha_static_collect(const char *owner, hx_array_t *ips,
    hx_array_t *routes, hx_array_t *rules, hx_ha_nl_item_t **items,
    hx_uint_t max, hx_log_t *log);
static void hx_ha_static_sync(const char *owner, hx_ha_nl_item_t **items,
    hx_uint_t n, hx_log_t *log);
static hx_int_t hx_ha_static_send(hx_ha_nl_item_t *it, uint16_t type,
    hx_log_t *log);
static void hx_ha_static_orphans(void);


/* ---- the lines ---- */


/*
 * "[src A] [blackhole|unreachable|prohibit] DST[/LEN]|default [via|gw A]
 *  [dev IF] [scope S] [table N] [metric N] [no_track]"
 */
char *
hx_ha_static_route_line(hx_conf_t *cf, void *conf)
{
    hx_str_t       *value;
    hx_uint_t       i, dst;
    hx_array_t     *routes = conf;
    hx_ha_route_t  *rt;

    value = cf->args->elts;

    rt = hx_array_push(routes);
    if (rt == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(rt, sizeof(hx_ha_route_t));
    hx_ha_conf_pos(cf, &rt->pos);

    rt->table = RT_TABLE_MAIN;
    rt->type = RTN_UNICAST;
    rt->scope = RT_SCOPE_NOWHERE;      /* decided below unless given */
    rt->text = value[0];
    dst = 0;

    for (i = 0; i < cf->args->nelts; i++) {

        if (hx_strcmp(value[i].data, "no_track") == 0) {
            continue;
        }

        if (hx_strcmp(value[i].data, "blackhole") == 0) {
            rt->type = RTN_BLACKHOLE;
            continue;
        }

        if (hx_strcmp(value[i].data, "unreachable") == 0) {
            rt->type = RTN_UNREACHABLE;
            continue;
        }

        if (hx_strcmp(value[i].data, "prohibit") == 0) {
            rt->type = RTN_PROHIBIT;
            continue;
        }

        if (hx_strcmp(value[i].data, "or") == 0) {

            /* "via A or B or C": one multipath route */

            if (rt->via.family == 0 || i + 1 == cf->args->nelts) {
                return "the route has \"or\" without gateways around it";
            }

            if (rt->nors == HX_HA_ROUTE_MAX_OR) {
                return "the route has too many \"or\" gateways";
            }

            i++;

            if (hx_ha_parse_addr(value[i].data, value[i].len,
                                 &rt->ors[rt->nors++]) != HX_OK)
            {
                return "the route has an invalid gateway address";
            }

            continue;
        }

        if (hx_strcmp(value[i].data, "src") == 0
            || hx_strcmp(value[i].data, "via") == 0
            || hx_strcmp(value[i].data, "gw") == 0
            || hx_strcmp(value[i].data, "dev") == 0
            || hx_strcmp(value[i].data, "scope") == 0
            || hx_strcmp(value[i].data, "table") == 0
            || hx_strcmp(value[i].data, "metric") == 0
            || hx_strcmp(value[i].data, "preference") == 0)
        {
            if (i + 1 == cf->args->nelts) {
                return "the route has an option without its value";
            }

            i++;

            switch (value[i - 1].data[0]) {

            case 's':
                if (value[i - 1].data[1] == 'r') {
                    if (hx_ha_parse_addr(value[i].data, value[i].len,
                                         &rt->src) != HX_OK)
                    {
                        return "the route has an invalid src address";
                    }

                    break;
                }

                if (hx_strcmp(value[i].data, "link") == 0) {
                    rt->scope = RT_SCOPE_LINK;

                } else if (hx_strcmp(value[i].data, "host") == 0) {
                    rt->scope = RT_SCOPE_HOST;

                } else if (hx_strcmp(value[i].data, "site") == 0) {
                    rt->scope = RT_SCOPE_SITE;

                } else if (hx_strcmp(value[i].data, "global") == 0) {
                    rt->scope = RT_SCOPE_UNIVERSE;

                } else {
                    return "the route has an invalid scope";
                }

                break;

            case 'v':
            case 'g':
                if (hx_ha_parse_addr(value[i].data, value[i].len, &rt->via)
                    != HX_OK)
                {
                    return "the route has an invalid gateway address";
                }

                break;

            case 'd':
                rt->dev = value[i];

                if (rt->dev.len >= IFNAMSIZ) {
                    return "the route has an interface name too long";
                }

                break;

            case 't':
                if (hx_ha_static_number(&value[i], &rt->table, 1) != HX_OK) {
                    return "the route has an invalid table";
                }

                break;

            default: /* metric, preference */
                if (hx_ha_static_number(&value[i], &rt->metric, 0) != HX_OK) {
                    return "the route has an invalid metric";
                }
            }

            continue;
        }

        if (dst++) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "unknown route option \"%V\"", &value[i]);
            return HX_CONF_ERROR;
        }

        if (hx_strcmp(value[i].data, "default") == 0) {
            continue;
        }

        if (hx_ha_static_parse_prefix(&value[i], &rt->dst, &rt->dst_len)
            != HX_OK)
        {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid route destination \"%V\"", &value[i]);
            return HX_CONF_ERROR;
        }

        rt->text = value[i];
    }

    if (dst == 0) {
        return "the route has no destination";
    }

    if (rt->type == RTN_UNICAST && rt->via.family == 0 && rt->dev.len == 0) {
        return "the route needs a gateway (via) or an interface (dev)";
    }

    if (rt->scope == RT_SCOPE_NOWHERE) {
        rt->scope = (rt->type == RTN_UNICAST && rt->via.family == 0)
                    ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
    }

    if (rt->dst.family == 0) {
        rt->dst.family = rt->via.family ? rt->via.family
                         : (rt->src.family ? rt->src.family : AF_INET);
    }

    for (i = 0; i < rt->nors; i++) {
        if (rt->ors[i].family != rt->via.family) {
            return "the route mixes IPv4 and IPv6 addresses";
        }
    }

    if ((rt->via.family && rt->via.family != rt->dst.family)
        || (rt->src.family && rt->src.family != rt->dst.family))
    {
        return "the route mixes IPv4 and IPv6 addresses";
    }

    return HX_CONF_OK;
}


/* "[from A[/LEN]|all] [to A[/LEN]] table N [priority N] [no_track]" */
char *
hx_ha_static_rule_line(hx_conf_t *cf, void *conf)
{
    hx_str_t      *value;
    hx_uint_t      i, table;
    hx_array_t    *rules = conf;
    hx_ha_rule_t  *ru;

    value = cf->args->elts;

    ru = hx_array_push(rules);
    if (ru == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(ru, sizeof(hx_ha_rule_t));
    hx_ha_conf_pos(cf, &ru->pos);
    table = 0;

    for (i = 0; i < cf->args->nelts; i++) {

        if (hx_strcmp(value[i].data, "no_track") == 0) {
            continue;
        }

        if (i + 1 == cf->args->nelts) {
            goto unknown;
        }

        if (hx_strcmp(value[i].data, "from") == 0) {
            i++;

            if (hx_strcmp(value[i].data, "all") == 0) {
                continue;
            }

            if (hx_ha_static_parse_prefix(&value[i], &ru->from,
                                          &ru->from_len) != HX_OK)
            {
                goto invalid;
            }

        } else if (hx_strcmp(value[i].data, "to") == 0) {
            i++;

            if (hx_ha_static_parse_prefix(&value[i], &ru->to, &ru->to_len)
                != HX_OK)
            {
                goto invalid;
            }

        } else if (hx_strcmp(value[i].data, "table") == 0
                   || hx_strcmp(value[i].data, "lookup") == 0)
        {
            i++;

            if (hx_ha_static_number(&value[i], &ru->table, 1) != HX_OK) {
                goto invalid;
            }

            table = 1;

        } else if (hx_strcmp(value[i].data, "priority") == 0
                   || hx_strcmp(value[i].data, "preference") == 0
                   || hx_strcmp(value[i].data, "pref") == 0)
        {
            i++;

            if (hx_ha_static_number(&value[i], &ru->priority, 0) != HX_OK) {
                goto invalid;
            }

        } else {
            goto unknown;
        }
    }

    if (!table) {
        return "the rule needs a table";
    }

    ru->family = ru->from.family ? ru->from.family
                 : (ru->to.family ? ru->to.family : AF_INET);

    if (ru->from.family && ru->to.family && ru->from.family != ru->to.family)
    {
        return "the rule mixes IPv4 and IPv6 addresses";
    }

    return HX_CONF_OK;

invalid:

    hx_conf_log_error(HX_LOG_EMERG, cf, 0, "invalid rule value \"%V\"",
                      &value[i]);
    return HX_CONF_ERROR;

unknown:

    hx_conf_log_error(HX_LOG_EMERG, cf, 0, "unknown rule option \"%V\"",
                      &value[i]);
    return HX_CONF_ERROR;
}


/* "A" or "A/LEN" */
static hx_int_t
hx_ha_static_parse_prefix(hx_str_t *value, hx_ha_addr_t *a, hx_uint_t *len)
{
    uint8_t   *slash;
    hx_int_t   n;
    hx_uint_t  max;

    slash = hx_strlchr(value->data, value->data + value->len, '/');

    if (hx_ha_parse_addr(value->data,
                         slash ? (size_t) (slash - value->data) : value->len,
                         a) != HX_OK)
    {
        return HX_ERROR;
    }

    max = (a->family == AF_INET) ? 32 : 128;
    *len = max;

    if (slash) {
        n = hx_atoi(slash + 1, value->data + value->len - slash - 1);

        if (n == HX_ERROR || (hx_uint_t) n > max) {
            return HX_ERROR;
        }

        *len = n;
    }

    a->text = *value;

    return HX_OK;
}


/* a number, or with tables the names "main", "local", "default" */
static hx_int_t
hx_ha_static_number(hx_str_t *value, hx_uint_t *n, hx_uint_t tables)
{
    hx_int_t  v;

    if (tables) {
        if (hx_strcmp(value->data, "main") == 0) {
            *n = RT_TABLE_MAIN;
            return HX_OK;
        }

        if (hx_strcmp(value->data, "local") == 0) {
            *n = RT_TABLE_LOCAL;
            return HX_OK;
        }

        if (hx_strcmp(value->data, "default") == 0) {
            *n = RT_TABLE_DEFAULT;
            return HX_OK;
        }
    }

    v = hx_atoi(value->data, value->len);

    if (v == HX_ERROR || v > 0x7fffffff || (tables && v == 0)) {
        return HX_ERROR;
    }

    *n = v;

    return HX_OK;
}


/* ---- the requests ---- */


static void
hx_ha_static_attr(hx_ha_nl_item_t *it, uint16_t type, void *data,
    size_t len)
{
    struct rtattr  *rta;

    if (it->len + RTA_SPACE(len) > HX_HA_STATIC_BODY) {
        return;                         /* cannot happen: bodies are small */
    }

    rta = (struct rtattr *) (it->body + it->len);
    rta->rta_type = type;
    rta->rta_len = RTA_LENGTH(len);
    hx_memcpy(RTA_DATA(rta), data, len);

    it->len += RTA_SPACE(len);
}


static hx_int_t
hx_ha_static_ifindex(hx_str_t *dev, int *index, hx_log_t *log)
{
    char  name[IFNAMSIZ];

    *index = 0;

    if (dev->len == 0) {
        return HX_OK;
    }

    (void) hx_cpystrn((uint8_t *) name, dev->data, hx_min(dev->len + 1,
                                                          IFNAMSIZ));

    *index = (int) if_nametoindex(name);

    if (*index == 0) {
        hx_log_error(HX_LOG_ERR, log, hx_errno,
                     "interface \"%V\" not found: not set", dev);
        return HX_ERROR;
    }

    return HX_OK;
}


static hx_ha_nl_item_t *
hx_ha_static_item(const char *owner, const char *what, hx_str_t *text)
{
    hx_ha_nl_item_t  *it;

    it = calloc(1, sizeof(hx_ha_nl_item_t));
    if (it == NULL) {
        return NULL;
    }

    (void) hx_cpystrn((uint8_t *) it->owner, (uint8_t *) owner,
                      sizeof(it->owner));
    it->what.data = (uint8_t *) what;
    it->what.len = hx_strlen(what);
    (void) hx_cpystrn((uint8_t *) it->text, text->data,
                      hx_min(text->len + 1, sizeof(it->text)));

    return it;
}


static hx_int_t
hx_ha_static_addr_item(hx_ha_vip_t *vip, hx_ha_nl_item_t *it, hx_log_t *log)
{
    int                index;
    size_t             alen;
    char               label[IFNAMSIZ];
    struct ifaddrmsg  *ifa;

    if (hx_ha_static_ifindex(&vip->dev, &index, log) != HX_OK) {
        return HX_ERROR;
    }

    alen = (vip->addr.family == AF_INET) ? 4 : 16;

    it->add = RTM_NEWADDR;
    it->del = RTM_DELADDR;
    it->flags = NLM_F_CREATE|NLM_F_REPLACE;

    ifa = (struct ifaddrmsg *) it->body;
    ifa->ifa_family = (uint8_t) vip->addr.family;
    ifa->ifa_prefixlen = (uint8_t) vip->prefixlen;
    ifa->ifa_scope = (uint8_t) vip->scope;
    ifa->ifa_index = index;
    it->len = NLMSG_ALIGN(sizeof(struct ifaddrmsg));

    hx_ha_static_attr(it, IFA_LOCAL, vip->addr.addr, alen);
    hx_ha_static_attr(it, IFA_ADDRESS, vip->addr.addr, alen);

    if (vip->label.len) {
        (void) hx_cpystrn((uint8_t *) label, vip->label.data,
                          hx_min(vip->label.len + 1, IFNAMSIZ));
        hx_ha_static_attr(it, IFA_LABEL, label, hx_strlen(label) + 1);
    }

    return HX_OK;
}


static hx_int_t
hx_ha_static_route_item(hx_ha_route_t *rt, hx_ha_nl_item_t *it,
    hx_log_t *log)
{
    int            index;
    size_t         alen;
    uint32_t       v;
    struct rtmsg  *r;

    if (hx_ha_static_ifindex(&rt->dev, &index, log) != HX_OK) {
        return HX_ERROR;
    }

    alen = (rt->dst.family == AF_INET) ? 4 : 16;

    it->add = RTM_NEWROUTE;
    it->del = RTM_DELROUTE;
    it->flags = NLM_F_CREATE|NLM_F_REPLACE;

    r = (struct rtmsg *) it->body;
    r->rtm_family = (uint8_t) rt->dst.family;
    r->rtm_dst_len = (uint8_t) rt->dst_len;
    r->rtm_table = (uint8_t) (rt->table < 256 ? rt->table : RT_TABLE_UNSPEC);
    r->rtm_protocol = RTPROT_STATIC;
    r->rtm_scope = (uint8_t) rt->scope;
    r->rtm_type = (uint8_t) rt->type;
    it->len = NLMSG_ALIGN(sizeof(struct rtmsg));

    if (rt->dst_len) {
        hx_ha_static_attr(it, RTA_DST, rt->dst.addr, alen);
    }

    if (rt->nors) {
        hx_ha_static_multipath(it, rt, index, alen);

    } else if (rt->via.family) {
        hx_ha_static_attr(it, RTA_GATEWAY, rt->via.addr, alen);
    }

    if (rt->src.family) {
        hx_ha_static_attr(it, RTA_PREFSRC, rt->src.addr, alen);
    }

    if (index) {
        v = (uint32_t) index;
        hx_ha_static_attr(it, RTA_OIF, &v, sizeof(v));
    }

    if (rt->metric) {
        v = (uint32_t) rt->metric;
        hx_ha_static_attr(it, RTA_PRIORITY, &v, sizeof(v));
    }

    v = (uint32_t) rt->table;
    hx_ha_static_attr(it, RTA_TABLE, &v, sizeof(v));

    return HX_OK;
}


/* RTA_MULTIPATH: one rtnexthop (with its RTA_GATEWAY) per gateway */
static void
hx_ha_static_multipath(hx_ha_nl_item_t *it, hx_ha_route_t *rt, int index,
    size_t alen)
{
    size_t             len;
    uint8_t            buf[HX_HA_STATIC_BODY];
    hx_uint_t          i;
    hx_ha_addr_t      *gw;
    struct rtattr     *rta;
    struct rtnexthop  *nh;

    len = 0;

    for (i = 0; i <= rt->nors; i++) {
        gw = (i == 0) ? &rt->via : &rt->ors[i - 1];

        if (len + RTNH_SPACE(RTA_SPACE(alen)) > sizeof(buf)) {
            break;
        }

        nh = (struct rtnexthop *) (buf + len);
        hx_memzero(nh, sizeof(struct rtnexthop));
        nh->rtnh_len = RTNH_LENGTH(RTA_SPACE(alen));
        nh->rtnh_ifindex = index;

        rta = RTNH_DATA(nh);
        rta->rta_type = RTA_GATEWAY;
        rta->rta_len = RTA_LENGTH(alen);
        hx_memcpy(RTA_DATA(rta), gw->addr, alen);

        len += RTNH_ALIGN(nh->rtnh_len);
    }

    hx_ha_static_attr(it, RTA_MULTIPATH, buf, len);
}


static void
hx_ha_static_rule_item(hx_ha_rule_t *ru, hx_ha_nl_item_t *it)
{
    size_t                 alen;
    uint32_t               v;
    struct fib_rule_hdr   *fr;

    alen = (ru->family == AF_INET) ? 4 : 16;

    it->add = RTM_NEWRULE;
    it->del = RTM_DELRULE;
    it->flags = NLM_F_CREATE|NLM_F_EXCL;

    fr = (struct fib_rule_hdr *) it->body;
    fr->family = (uint8_t) ru->family;
    fr->src_len = (uint8_t) (ru->from.family ? ru->from_len : 0);
    fr->dst_len = (uint8_t) (ru->to.family ? ru->to_len : 0);
    fr->table = (uint8_t) (ru->table < 256 ? ru->table : RT_TABLE_UNSPEC);
    fr->action = FR_ACT_TO_TBL;
    it->len = NLMSG_ALIGN(sizeof(struct fib_rule_hdr));

    if (ru->from.family) {
        hx_ha_static_attr(it, FRA_SRC, ru->from.addr, alen);
    }

    if (ru->to.family) {
        hx_ha_static_attr(it, FRA_DST, ru->to.addr, alen);
    }

    v = (uint32_t) ru->table;
    hx_ha_static_attr(it, FRA_TABLE, &v, sizeof(v));

    if (ru->priority) {
        v = (uint32_t) ru->priority;
        hx_ha_static_attr(it, FRA_PRIORITY, &v, sizeof(v));
    }
}


/* the requests of some blocks; returns how many were made */
static hx_uint_t
hx_ha_static_collect(const char *owner, hx_array_t *ips, hx_array_t *routes,
    hx_array_t *rules, hx_ha_nl_item_t **items, hx_uint_t max, hx_log_t *log)
{
    hx_str_t          text;
    hx_uint_t         i, n;
    hx_ha_vip_t      *vip;
    hx_ha_rule_t     *ru;
    hx_ha_route_t    *rt;
    hx_ha_nl_item_t  *it;

    n = 0;

    for (i = 0; ips && i < ips->nelts && n < max; i++) {
        vip = ips->elts;
        it = hx_ha_static_item(owner, "address", &vip[i].addr.text);

        if (it && hx_ha_static_addr_item(&vip[i], it, log) == HX_OK) {
            items[n++] = it;

        } else {
            free(it);
        }
    }

    for (i = 0; routes && i < routes->nelts && n < max; i++) {
        rt = routes->elts;
        it = hx_ha_static_item(owner, "route", &rt[i].text);

        if (it && hx_ha_static_route_item(&rt[i], it, log) == HX_OK) {
            items[n++] = it;

        } else {
            free(it);
        }
    }

    for (i = 0; rules && i < rules->nelts && n < max; i++) {
        ru = rules->elts;
        text = ru[i].from.family ? ru[i].from.text : ru[i].to.text;
        it = hx_ha_static_item(owner, "rule", &text);

        if (it) {
            hx_ha_static_rule_item(&ru[i], it);
            items[n++] = it;
        }
    }

    return n;
}


/* makes the installed requests of owner those of items (taken over) */
static void
hx_ha_static_sync(const char *owner, hx_ha_nl_item_t **items, hx_uint_t n,
    hx_log_t *log)
{
    hx_uint_t         i, j, keep;
    hx_ha_nl_item_t  *it;

    /* what is installed and no longer wanted goes, in reverse order */

    for (i = hx_ha_static_n; i-- > 0; ) {
        it = hx_ha_static_set[i];

        if (hx_strcmp(it->owner, owner) != 0) {
            continue;
        }

        keep = 0;

        for (j = 0; j < n; j++) {
            if (items[j] && items[j]->add == it->add
                && items[j]->len == it->len
                && hx_memcmp(items[j]->body, it->body, it->len) == 0)
            {
                free(items[j]);
                items[j] = NULL;
                keep = 1;
                break;
            }
        }

        if (keep) {
            continue;
        }

        (void) hx_ha_static_send(it, it->del, log);
        free(it);

        hx_ha_static_set[i] = hx_ha_static_set[--hx_ha_static_n];
    }

    for (j = 0; j < n; j++) {
        if (items[j] == NULL) {
            continue;
        }

        if (hx_ha_static_n == HX_HA_STATIC_MAX
            || hx_ha_static_send(items[j], items[j]->add, log) != HX_OK)
        {
            free(items[j]);
            continue;
        }

        hx_ha_static_set[hx_ha_static_n++] = items[j];
    }
}


/* one request and its acknowledgement */
static hx_int_t
hx_ha_static_send(hx_ha_nl_item_t *it, uint16_t type, hx_log_t *log)
{
    int               fd, err;
    ssize_t           n;
    uint8_t           buf[HX_HA_STATIC_BODY + 64];
    struct timeval    tv;
    struct nlmsghdr  *nh;
    struct nlmsgerr  *ne;

    fd = socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd == -1) {
        hx_log_error(HX_LOG_ERR, log, hx_errno, "netlink socket() failed");
        return HX_ERROR;
    }

    tv.tv_sec = 1;
    tv.tv_usec = 0;
    (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

    hx_memzero(buf, NLMSG_HDRLEN);
    nh = (struct nlmsghdr *) buf;
    nh->nlmsg_len = NLMSG_LENGTH(it->len);
    nh->nlmsg_type = type;
    nh->nlmsg_flags = NLM_F_REQUEST|NLM_F_ACK
                      | (type == it->add ? it->flags : 0);
    nh->nlmsg_seq = 1;
    hx_memcpy(NLMSG_DATA(nh), it->body, it->len);

    err = 0;

    if (send(fd, buf, nh->nlmsg_len, 0) != (ssize_t) nh->nlmsg_len) {
        err = hx_errno;

    } else {
        n = recv(fd, buf, sizeof(buf), 0);

        if (n < (ssize_t) NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
            err = (n == -1) ? hx_errno : EPROTO;

        } else if (nh->nlmsg_type == NLMSG_ERROR) {
            ne = NLMSG_DATA(nh);
            err = -ne->error;
        }
    }

    (void) close(fd);

    /* adding what is there, or removing what is not, is no failure */

    if (err == 0 || (type == it->add && err == EEXIST)
        || (type == it->del && (err == ESRCH || err == ENOENT
                                || err == EADDRNOTAVAIL)))
    {
        hx_log_error(HX_LOG_NOTICE, log, 0, "%s %V %s",
                     type == it->add ? "added" : "removed", &it->what,
                     it->text);
        return HX_OK;
    }

    hx_log_error(HX_LOG_ERR, log, err, "could not %s %V %s",
                 type == it->add ? "add" : "remove", &it->what, it->text);

    return HX_ERROR;
}


/* ---- when ---- */


void
hx_ha_static_apply(hx_cycle_t *cycle)
{
    hx_uint_t                n;
    hx_ha_nl_item_t         *items[HX_HA_STATIC_MAX];
    hx_ha_vrrp_main_conf_t  *vmcf;

    vmcf = hx_ha_cycle_get_main_conf(cycle, &hx_ha_vrrp_module);

    n = 0;

    if (vmcf) {
        n = hx_ha_static_collect("", vmcf->static_ips, vmcf->static_routes,
                                 vmcf->static_rules, items, HX_HA_STATIC_MAX,
                                 cycle->log);
    }

    hx_ha_static_sync("", items, n, cycle->log);
}


void
hx_ha_static_stop(hx_log_t *log)
{
    hx_ha_nl_item_t  *it;

    while (hx_ha_static_n) {
        it = hx_ha_static_set[--hx_ha_static_n];
        (void) hx_ha_static_send(it, it->del, log);
        free(it);
    }
}


void
hx_ha_static_vips_changed(void)
{
    char                owner[64];
    hx_uint_t           n;
    hx_queue_t         *q;
    hx_ha_vr_t         *vr;
    hx_ha_nl_item_t    *items[64];
    hx_ha_vrrp_conf_t  *conf;

    if (hx_ha_vrs.next == NULL) {
        return;
    }

    for (q = hx_queue_head(&hx_ha_vrs);
         q != hx_queue_sentinel(&hx_ha_vrs);
         q = hx_queue_next(q))
    {
        vr = hx_queue_data(q, hx_ha_vr_t, queue);
        conf = vr->conf;

        if (conf->vroutes == NULL && conf->vrules == NULL) {
            continue;
        }

        (void) hx_cpystrn((uint8_t *) owner, conf->name.data,
                          hx_min(conf->name.len + 1, sizeof(owner)));

        n = 0;

        if (vr->vips_set) {
            n = hx_ha_static_collect(owner, NULL, conf->vroutes,
                                     conf->vrules, items, 64, &vr->log);
        }

        hx_ha_static_sync(owner, items, n, &vr->log);
    }

    hx_ha_static_orphans();
}


/* what instances a reload removed had set goes with them */
static void
hx_ha_static_orphans(void)
{
    hx_uint_t         i, found;
    hx_queue_t       *q;
    hx_ha_vr_t       *vr;
    hx_ha_nl_item_t  *it;

    for (i = hx_ha_static_n; i-- > 0; ) {
        it = hx_ha_static_set[i];

        if (it->owner[0] == '\0') {
            continue;
        }

        found = 0;

        for (q = hx_queue_head(&hx_ha_vrs);
             q != hx_queue_sentinel(&hx_ha_vrs);
             q = hx_queue_next(q))
        {
            vr = hx_queue_data(q, hx_ha_vr_t, queue);

            if (hx_strlen(it->owner) == vr->conf->name.len
                && hx_strncmp(it->owner, vr->conf->name.data,
                              vr->conf->name.len) == 0)
            {
                found = 1;
                break;
            }
        }

        if (!found) {
            (void) hx_ha_static_send(it, it->del, hx_cycle->log);
            free(it);
            hx_ha_static_set[i] = hx_ha_static_set[--hx_ha_static_n];
        }
    }
}
