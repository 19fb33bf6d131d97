/*
 * Programs the master runs for VRRP: vrrp_script checks and notify
 * scripts.  They are forked and exec'd without the master ever waiting:
 * the exit status comes back through the master's reaper
 * (hx_process_watch()), a timeout through an event timer.
 */

#ifndef HX_HA_HX_HA_SCRIPT_H
#define HX_HA_HX_HA_SCRIPT_H


typedef struct hx_ha_proc_s  hx_ha_proc_t;

/*
 * The program ended: status is the waitpid() status, timed_out tells
 * that it was killed for running longer than its timeout.
 */
typedef void (*hx_ha_proc_done_pt)(void *data, int status,
    hx_uint_t timed_out);


/*
 * Runs cmd (its argv, then the extra arguments, NULL-terminated extra may
 * be NULL) as user/group (empty: the master's user), with stdin, stdout
 * and stderr on /dev/null, in a process group of its own.  After
 * timeout ms (0: none) the group gets SIGTERM, two seconds later SIGKILL.
 * done(data, ...) is called from the loop when it has exited, unless
 * hx_ha_proc_detach() was called.  Returns the process, or NULL (logged).
 */
hx_ha_proc_t *hx_ha_spawn(hx_ha_cmd_t *cmd, char **extra, hx_str_t *user,
    hx_str_t *group, hx_msec_t timeout, hx_ha_proc_done_pt done, void *data,
    hx_log_t *log);

/* the owner no longer wants the result; the record goes when reaped */
void hx_ha_proc_detach(hx_ha_proc_t *p);

/* "exited with code 1", "killed by signal 9", for logs */
uint8_t *hx_ha_proc_status(uint8_t *buf, uint8_t *last, int status);

#endif /* HX_HA_HX_HA_SCRIPT_H */
