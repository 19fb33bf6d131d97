/*
 * keepalived's virtual_server and real_server blocks inside ha { }
 * (DESIGN.md "virtual_server without IPVS").
 *
 * Each virtual_server becomes an hx_upstream_t of the shared peer library
 * (event/hx_upstream_peer.h): its real_servers are the peers, lb_algo
 * picks the IPVS-style balancer, persistence_timeout the shared client
 * affinity, and every virtual_server gets a zone, so that the checkers in
 * the master change a real server's state where every worker sees it.
 * The checks hang off each real_server (hx_ha_check_conf_t).
 */

#ifndef HX_HA_HX_HA_VIRTUAL_SERVER_H
#define HX_HA_HX_HA_VIRTUAL_SERVER_H

#include <hx_upstream_peer.h>
#include <hx_health_check.h>        /* hx_health_check_status_t */


/* the two ha contexts hx_ha.h leaves to these blocks */
#define HX_HA_VS_CONF            0x40000000   /* virtual_server { } */
#define HX_HA_RS_CONF            0x80000000   /* real_server { } */

/*
 * The checker blocks and url { }: hx_ha.h's high byte is used up, so
 * they take bits between the arity bits and it, which only the ha
 * dispatch ever sees (cf->cmd_type while such a block is parsed).
 */
#define HX_HA_TCP_CHECK_CONF     0x00100000   /* TCP_CHECK { } */
#define HX_HA_HTTP_CHECK_CONF    0x00200000   /* HTTP_GET, SSL_GET { } */
#define HX_HA_MISC_CHECK_CONF    0x00400000   /* MISC_CHECK { } */
#define HX_HA_URL_CONF           0x00800000   /* url { } */
#define HX_HA_UDP_CHECK_CONF     0x00020000   /* UDP_CHECK { } */
#define HX_HA_PING_CHECK_CONF    0x00040000   /* PING_CHECK { } */
#define HX_HA_SMTP_CHECK_CONF    0x00080000   /* SMTP_CHECK { } */
#define HX_HA_HOST_CONF          0x00008000   /* SMTP_CHECK's host { } */

#define HX_HA_CHECK_TCP          1
#define HX_HA_CHECK_HTTP         2
#define HX_HA_CHECK_SSL          3
#define HX_HA_CHECK_MISC         4
#define HX_HA_CHECK_UDP          5
#define HX_HA_CHECK_PING         6
#define HX_HA_CHECK_SMTP         7


/* url { } of HTTP_GET and SSL_GET: every url of a checker must pass */
typedef struct {
    hx_str_t             path;              /* "/" when not given */
    hx_str_t             digest;            /* hex MD5 of the body, or "" */
    hx_array_t          *status;            /* hx_health_check_status_t;
                                               NULL: 200-299 */
    hx_str_t             virtualhost;       /* empty: the checker's */
    hx_ha_conf_pos_t     pos;
} hx_ha_check_url_t;


/*
 * one checker of a real_server: TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK,
 * UDP_CHECK, PING_CHECK, SMTP_CHECK (and SMTP_CHECK's host { } blocks,
 * each a copy of its checker with its own address)
 */
typedef struct {
    hx_uint_t            type;              /* HX_HA_CHECK_* */
    hx_str_t             name;              /* "TCP_CHECK", "HTTP_GET", ... */

    hx_str_t             connect_ip;        /* empty: the real server's */
    hx_int_t             connect_port;      /* unset: the real server's */
    hx_str_t             bindto;
    hx_int_t             bind_port;
    hx_msec_t            connect_timeout;
    hx_int_t             retry;
    hx_msec_t            delay_before_retry;
    hx_msec_t            delay_loop;        /* unset: the virtual server's */
    hx_msec_t            warmup;

    /* HTTP_GET, SSL_GET */
    hx_array_t          *urls;              /* hx_ha_check_url_t */
    hx_str_t             virtualhost;       /* empty: real server's, then
                                               the virtual server's */

    /* MISC_CHECK */
    hx_ha_cmd_t         *misc_path;         /* the command line */
    hx_msec_t            misc_timeout;      /* unset: the delay_loop */
    hx_flag_t            misc_dynamic;      /* exit 2..255: weight code-2 */
    hx_str_t             user;              /* run as; empty: script_user */
    hx_str_t             group;

    /* UDP_CHECK: payload and require_reply as bytes (hex in the file) */
    hx_str_t             payload;
    hx_flag_t            require_reply;
    hx_str_t             reply;             /* "": any reply */

    /* SMTP_CHECK */
    hx_str_t             helo_name;
    hx_array_t          *hosts;             /* hx_ha_check_conf_t, or NULL:
                                               the real server itself */

    /* resolved when the ha block closes */
    hx_addr_t            connect;           /* address and port dialled */
    hx_addr_t            bind;              /* local address, or NULL */
    hx_str_t             host;              /* HTTP: the Host header sent
                                               (virtualhost, else ip:port) */

    hx_ha_conf_pos_t     pos;
} hx_ha_check_conf_t;


typedef struct hx_ha_vs_conf_s  hx_ha_vs_conf_t;


typedef struct {
    hx_addr_t            addr;              /* ip and port */
    hx_str_t             text;              /* "[10.0.0.1]:tcp:80" */
    hx_int_t             weight;
    hx_flag_t            inhibit_on_failure;
    hx_str_t             notify_up;
    hx_str_t             notify_down;
    hx_str_t             virtualhost;       /* for its HTTP/SSL checkers */
    hx_ha_cmd_t         *notify_up_cmd;     /* notify_up / notify_down */
    hx_ha_cmd_t         *notify_down_cmd;   /* split into argv at close */
    hx_array_t          *checks;            /* hx_ha_check_conf_t */
    hx_ha_vs_conf_t     *vs;
    hx_ha_conf_pos_t     pos;
} hx_ha_rs_conf_t;


struct hx_ha_vs_conf_s {
    hx_addr_t            addr;              /* VIP and port */
    hx_str_t             text;              /* "[10.0.0.1]:tcp:80" */
    hx_str_t             group;             /* virtual_server group NAME */
    hx_array_t          *addrs;             /* hx_addr_t: with a group,
                                               every member (addr is the
                                               first); else NULL */

    hx_msec_t            delay_loop;
    hx_str_t             lb_algo;
    const hx_upstream_balancer_t  *balancer;
    hx_uint_t            protocol;          /* SOCK_STREAM, SOCK_DGRAM */
    hx_int_t             persistence_timeout;
    hx_str_t             persistence_granularity;
    hx_flag_t            inhibit_on_failure;
    hx_flag_t            ha_suspend;
    hx_flag_t            sorry_server_inhibit;
    hx_flag_t            alpha;
    hx_flag_t            omega;
    hx_int_t             quorum;
    hx_int_t             hysteresis;
    hx_str_t             quorum_up;
    hx_str_t             quorum_down;
    hx_ha_cmd_t         *quorum_up_cmd;     /* quorum_up / quorum_down */
    hx_ha_cmd_t         *quorum_down_cmd;   /* split into argv at close */
    hx_str_t             virtualhost;

    hx_ha_rs_conf_t     *sorry_server;
    hx_array_t           real_servers;      /* hx_ha_rs_conf_t */

    hx_upstream_t        upstream;          /* built when the block closes */

    hx_ha_conf_pos_t     pos;
};


/*
 * virtual_server_group NAME { IP PORT; IP-LAST PORT; }: the addresses one
 * virtual server listens on (a range counts up the last byte of an IPv4
 * address, or the last group of an IPv6 one, written in hex)
 */
typedef struct {
    hx_str_t             name;
    hx_array_t           addrs;             /* hx_addr_t, name "[ip]:port" */
    hx_ha_conf_pos_t     pos;
} hx_ha_vs_group_t;


/* hx_ha_virtual_server_module's main conf */
typedef struct {
    hx_array_t           servers;           /* hx_ha_vs_conf_t * */
    hx_array_t           groups;            /* hx_ha_vs_group_t */
} hx_ha_vs_main_conf_t;


/*
 * The virtual servers of cycle's ha { } block, or NULL when it has none.
 */
hx_ha_vs_main_conf_t *hx_ha_vs_cycle_conf(hx_cycle_t *cycle);

/*
 * hx_ha_check_run.c: the VRRP runtime calls it when an instance adds or
 * removes its VIPs, so that the checks of ha_suspend virtual servers run
 * only while this node holds their address.
 */
void hx_ha_check_vips_changed(void);


extern hx_module_t  hx_ha_virtual_server_module;

#endif /* HX_HA_HX_HA_VIRTUAL_SERVER_H */
