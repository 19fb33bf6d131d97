/*
 * A virtual server's quorum (keepalived's quorum, hysteresis, quorum_up,
 * quorum_down): the sum of the weights of its live real servers is held
 * against quorum.  It is gained when the sum reaches quorum + hysteresis
 * and lost when it falls below quorum - hysteresis, so a server flapping
 * at the edge does not run the scripts each time.  A change is logged in
 * keepalived's words and runs quorum_up or quorum_down; with a
 * sorry_server, losing quorum takes the live real servers out of the pool
 * so that the sorry server answers, and gaining it puts them back.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_ha.h>
#include "hx_ha_check.h"


void
hx_ha_check_quorum(hx_ha_check_vs_t *cvs)
{
    hx_int_t            sum, up, down;
    hx_uint_t           i;
    hx_ha_cmd_t        *cmd;
    hx_ha_vs_conf_t    *vs;
    hx_ha_check_rs_t  **crs;

    vs = cvs->vs;
    crs = cvs->rss.elts;

    sum = 0;

    for (i = 0; i < cvs->rss.nelts; i++) {
        if (crs[i]->alive) {
            sum += crs[i]->weight;
        }
    }

    up = vs->quorum + vs->hysteresis;
    down = vs->quorum - vs->hysteresis;

    if (!cvs->quorum_up && sum >= up) {
        cvs->quorum_up = 1;
        cmd = vs->quorum_up_cmd;

        hx_log_error(HX_LOG_NOTICE, cvs->log, 0,
                     "Gained quorum %i+%i=%i <= %i for VS %V", vs->quorum,
                     vs->hysteresis, up, sum, &vs->text);

    } else if (cvs->quorum_up && sum < down) {
        cvs->quorum_up = 0;
        cmd = vs->quorum_down_cmd;

        hx_log_error(HX_LOG_NOTICE, cvs->log, 0,
                     "Lost quorum %i-%i=%i > %i for VS %V", vs->quorum,
                     vs->hysteresis, down, sum, &vs->text);

    } else {
        return;
    }

    if (vs->sorry_server) {
        hx_log_error(HX_LOG_NOTICE, cvs->log, 0,
                     "%s the live servers %s the pool for VS %V",
                     cvs->quorum_up ? "Adding" : "Removing",
                     cvs->quorum_up ? "to" : "from", &vs->text);

        for (i = 0; i < cvs->rss.nelts; i++) {
            if (crs[i]->alive) {
                hx_ha_check_apply(crs[i]);
            }
        }
    }

    if (cmd) {
        hx_log_error(HX_LOG_NOTICE, cvs->log, 0,
                     "Executing [%V] for VS %V", &cmd->text, &vs->text);
        hx_ha_check_exec(cmd, cvs->log);
    }
}
