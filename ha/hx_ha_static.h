/*
 * keepalived's static_ipaddress, static_routes and static_rules (set by
 * the master while it runs) and an instance's virtual_routes and
 * virtual_rules (set while it holds its VIPs): the lines as parsed, and
 * what the master does with them (hx_ha_static.c).
 */

#ifndef HX_HA_HX_HA_STATIC_H
#define HX_HA_HX_HA_STATIC_H

#include "hx_ha_vrrp.h"


#define HX_HA_ROUTE_MAX_OR   7


/* one line of static_routes { } or virtual_routes { } */
typedef struct {
    hx_ha_addr_t         dst;           /* family 0: "default" */
    hx_uint_t            dst_len;
    hx_ha_addr_t         src;           /* preferred source, or family 0 */
    hx_ha_addr_t         via;           /* gateway, or family 0 */
    hx_ha_addr_t         ors[HX_HA_ROUTE_MAX_OR];  /* "or" gateways */
    hx_uint_t            nors;          /* with via: a multipath route */
    hx_str_t             dev;
    hx_uint_t            table;         /* RT_TABLE_MAIN unless given */
    hx_uint_t            metric;
    hx_uint_t            scope;         /* RT_SCOPE_* */
    hx_uint_t            type;          /* RTN_UNICAST, RTN_BLACKHOLE, ... */
    hx_str_t             text;          /* the line's first word */
    hx_ha_conf_pos_t     pos;
} hx_ha_route_t;


/* one line of static_rules { } or virtual_rules { } */
typedef struct {
    int                  family;
    hx_ha_addr_t         from;          /* family 0: all */
    hx_uint_t            from_len;
    hx_ha_addr_t         to;
    hx_uint_t            to_len;
    hx_uint_t            table;
    hx_uint_t            priority;      /* 0: the kernel's choice */
    hx_ha_conf_pos_t     pos;
} hx_ha_rule_t;


/*
 * Line parsers for the blocks (conf: the hx_array_t of hx_ha_route_t or
 * hx_ha_rule_t); static_ipaddress lines are virtual_ipaddress lines.
 */
char *hx_ha_static_route_line(hx_conf_t *cf, void *conf);
char *hx_ha_static_rule_line(hx_conf_t *cf, void *conf);

/*
 * Makes the kernel hold what cycle's static_* blocks say: what a previous
 * configuration added and this one drops is removed, what is new is
 * added, what is unchanged is left alone (a reload does not flap it).
 * Called when the master starts and on every reload.
 */
void hx_ha_static_apply(hx_cycle_t *cycle);

/* removes everything added (static and virtual), when the master ends */
void hx_ha_static_stop(hx_log_t *log);

/*
 * The instances' virtual_routes and virtual_rules follow their VIPs:
 * called whenever an instance added or removed them.
 */
void hx_ha_static_vips_changed(void);

#endif /* HX_HA_HX_HA_STATIC_H */
