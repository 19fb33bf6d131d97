/*
 * What the real_server checker files share (hx_ha_check_run.c: the
 * checkers and what their verdicts do; hx_ha_check_misc.c: MISC_CHECK
 * scripts; hx_ha_check_quorum.c: a virtual server's quorum).  Not for use
 * outside ha/.
 *
 * The master keeps, outside any cycle, one hx_ha_check_vs_t per virtual
 * server, one hx_ha_check_rs_t per real server, and one target (a prober
 * of the shared checker, event/hx_health_check.h) per TCP_CHECK,
 * MISC_CHECK and url of an HTTP_GET or SSL_GET.  The targets of a real
 * server vote: it is alive while none of them says "down".
 */

#ifndef HX_HA_HX_HA_CHECK_H
#define HX_HA_HX_HA_CHECK_H

#include <hx_health_check.h>
#include <hx_ha_script.h>
#include "hx_ha_virtual_server.h"


typedef struct hx_ha_check_vs_s  hx_ha_check_vs_t;


/* a real server and the checkers that vote on it */
typedef struct {
    hx_ha_check_vs_t         *cvs;
    hx_ha_rs_conf_t          *rs;
    hx_upstream_peer_t       *peer;
    hx_uint_t                 votes;        /* checkers saying "down" */
    hx_uint_t                 alive;        /* votes == 0 */
    hx_int_t                  weight;       /* in force (misc_dynamic) */
    hx_ha_cmd_t              *omega_down;   /* notify_down, copied */
} hx_ha_check_rs_t;


struct hx_ha_check_vs_s {
    hx_ha_vs_conf_t          *vs;
    hx_array_t                rss;          /* hx_ha_check_rs_t * */
    hx_array_t                targets;      /* hx_ha_check_target_t * */
    hx_uint_t                 quorum_up;    /* keepalived's quorum state */
    hx_uint_t                 suspended;    /* ha_suspend, VIP not held */
    hx_uint_t                 omega;
    hx_ha_cmd_t              *omega_down;   /* quorum_down, copied */
    hx_log_t                 *log;
};


/* one prober */
typedef struct {
    hx_health_check_t         hc;
    hx_health_check_conf_t    conf;
    hx_ha_check_conf_t       *ck;
    hx_ha_check_url_t        *url;          /* HTTP_GET, SSL_GET */
    hx_ha_check_rs_t         *rs;
    hx_ha_proc_t             *proc;         /* MISC_CHECK's running script */
    hx_log_t                  log;
} hx_ha_check_target_t;


/* hx_ha_check_run.c */

/* writes the real server's state into the virtual server's zone */
void hx_ha_check_apply(hx_ha_check_rs_t *crs);
/*
 * omega's commands run at exit, after the VRRP runtime has freed the
 * configuration: they are copied into the checks' own pool
 */
hx_ha_cmd_t *hx_ha_check_copy_cmd(hx_pool_t *pool, hx_ha_cmd_t *cmd);
/* runs cmd (notify_*, quorum_*) without waiting for it */
void hx_ha_check_exec(hx_ha_cmd_t *cmd, hx_log_t *log);


/* hx_ha_check_misc.c */

/* fills t->conf for MISC_CHECK: an EXTERNAL probe that runs the script */
void hx_ha_check_misc_init(hx_ha_check_target_t *t);


/* hx_ha_check_quorum.c */

/*
 * The sum of the weights of the live real servers against quorum, with
 * hysteresis, as keepalived does: crossing it runs quorum_up or
 * quorum_down, and with a sorry_server takes the real servers out of the
 * pool (quorum lost) or puts them back (gained).
 */
void hx_ha_check_quorum(hx_ha_check_vs_t *cvs);

#endif /* HX_HA_HX_HA_CHECK_H */
