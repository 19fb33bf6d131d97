/*
 * MISC_CHECK: a real server's health decided by a program (keepalived's
 * misc_path), run by the master without waiting for it.
 *
 * The prober is an EXTERNAL one of the shared checker, which keeps the
 * schedule (delay_loop, delay_before_retry) and the retry count; its
 * probe spawns the command through the ha script runner (hx_ha_spawn(),
 * hx_ha_script.c), which reaps it through the master's loop and kills it
 * after misc_timeout.  The exit status is the verdict: 0 passes, 1 fails,
 * and with misc_dynamic 2..255 pass and set the real server's weight to
 * the code minus 2, as keepalived does; a script killed for overrunning
 * misc_timeout fails.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_ha.h>
#include <hx_ha_runtime.h>
#include "hx_ha_check.h"


static hx_int_t hx_ha_check_misc_probe(hx_health_check_t *hc);
static void hx_ha_check_misc_abort(hx_health_check_t *hc);
static void hx_ha_check_misc_done(void *data, int status,
    hx_uint_t timed_out);
static void hx_ha_check_misc_weight(hx_ha_check_target_t *t,
    hx_int_t weight);


void
hx_ha_check_misc_init(hx_ha_check_target_t *t)
{
    t->conf.type = HX_HEALTH_CHECK_EXTERNAL;

    /* the runner's own timeout ends the script; no second deadline */
    t->conf.timeout = 0;

    t->conf.probe = hx_ha_check_misc_probe;
    t->conf.abort = hx_ha_check_misc_abort;
}


static hx_int_t
hx_ha_check_misc_probe(hx_health_check_t *hc)
{
    hx_str_t              *user, *group;
    hx_ha_cmd_t           *cmd;
    hx_ha_check_target_t  *t = hc->data;

    cmd = t->ck->misc_path;

    user = &cmd->user;
    group = &cmd->group;

    if (cmd->user.len == 0 && hx_ha_hmcf) {
        user = &hx_ha_hmcf->script_user;
        group = &hx_ha_hmcf->script_group;
    }

    t->proc = hx_ha_spawn(cmd, NULL, user, group, t->ck->misc_timeout,
                          hx_ha_check_misc_done, t, hc->log);

    return t->proc ? HX_OK : HX_ERROR;
}


static void
hx_ha_check_misc_abort(hx_health_check_t *hc)
{
    hx_ha_check_target_t  *t = hc->data;

    if (t->proc) {
        hx_ha_proc_detach(t->proc);
        t->proc = NULL;
    }
}


static void
hx_ha_check_misc_done(void *data, int status, hx_uint_t timed_out)
{
    hx_int_t               code;
    hx_ha_check_target_t  *t = data;

    t->proc = NULL;

    if (timed_out) {
        hx_health_check_report(&t->hc, 0, "timed out");
        return;
    }

    if (!WIFEXITED(status)) {
        hx_health_check_report(&t->hc, 0, "killed by a signal");
        return;
    }

    code = WEXITSTATUS(status);

    if (code >= 2 && t->ck->misc_dynamic) {
        hx_ha_check_misc_weight(t, code - 2);
        code = 0;
    }

    hx_health_check_report(&t->hc, code == 0,
                           code == 0 ? NULL : "exited with an error");
}


/* misc_dynamic: the script's word on the weight, applied when it differs */
static void
hx_ha_check_misc_weight(hx_ha_check_target_t *t, hx_int_t weight)
{
    hx_ha_check_rs_t  *crs = t->rs;

    if (crs->weight == weight) {
        return;
    }

    hx_log_error(HX_LOG_NOTICE, t->hc.log, 0,
                 "Changing weight from %i to %i for %sactive service %V "
                 "of VS %V", crs->weight, weight, crs->alive ? "" : "in",
                 &crs->rs->text, &crs->cvs->vs->text);

    crs->weight = weight;

    if (crs->alive) {
        hx_ha_check_apply(crs);
        hx_ha_check_quorum(crs->cvs);
    }
}
