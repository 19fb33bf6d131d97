/*
 * The master's table of child processes: workers (each with a channel),
 * the new binary of an upgrade (detached: no channel, not respawned), and
 * children other modules spawn and want to hear about (health-check
 * scripts of the ha module).  Spawning and reaping are here; what the
 * master does about an exit is in hx_process_cycle.c.
 */

#ifndef HX_CORE_HX_PROCESS_H
#define HX_CORE_HX_PROCESS_H


#define HX_MAX_PROCESSES         1024

#define HX_INVALID_PID           -1

/* the "respawn" argument of hx_spawn_process(); >= 0 reuses that slot */
#define HX_PROCESS_NORESPAWN     -1
#define HX_PROCESS_JUST_SPAWN    -2
#define HX_PROCESS_RESPAWN       -3
#define HX_PROCESS_JUST_RESPAWN  -4
#define HX_PROCESS_DETACHED      -5

/* a worker that exits with this status is broken, not worth respawning */
#define HX_PROCESS_FATAL_EXIT    2

/* back-off: a death within QUICK ms of the start counts as a failure */
#define HX_RESPAWN_QUICK         1000
#define HX_RESPAWN_FIRST_DELAY   100
#define HX_RESPAWN_MAX_DELAY     5000
#define HX_RESPAWN_RESET         10000


typedef void (*hx_spawn_proc_pt)(hx_cycle_t *cycle, void *data);

/* told, from the master's loop, that a watched child exited */
typedef void (*hx_child_exit_pt)(pid_t pid, int status, void *data);


typedef struct {
    pid_t                pid;
    int                  status;
    hx_fd_t              channel[2];   /* [0] the master's, [1] the child's */

    hx_spawn_proc_pt     proc;
    void                *data;
    char                *name;

    hx_msec_t            start;        /* hx_current_msec at fork */
    hx_msec_t            respawn_at;   /* when waiting: the back-off end */
    hx_uint_t            fails;        /* quick deaths in a row */
    int                  signo;        /* the last signal we sent it */

    unsigned             respawn:1;
    unsigned             just_spawn:1;
    unsigned             detached:1;
    unsigned             exiting:1;    /* told to quit or terminate */
    unsigned             exited:1;     /* reaped, not yet dealt with */
    unsigned             waiting:1;    /* dead, respawn after back-off */
} hx_process_t;


/*
 * Forks a child that runs proc(cycle, data) and never returns from it.
 * respawn is one of HX_PROCESS_* or, to restart a dead child in place,
 * its slot.  Every kind but DETACHED gets a channel.  Returns the slot,
 * or HX_INVALID_PID (logged).
 */
hx_int_t hx_spawn_process(hx_cycle_t *cycle, hx_spawn_proc_pt proc,
    void *data, char *name, hx_int_t respawn);

/*
 * Reaps every child that has exited (waitpid, WNOHANG): table entries
 * are marked exited and logged; watched pids get their handler called.
 * Run it from the loop when SIGCHLD arrived.
 */
void hx_process_get_status(void);

/* frees a slot whose process is gone, closing its channel */
void hx_process_free_slot(hx_int_t slot);

/*
 * The back-off before respawning a worker that lived "lived" ms, given
 * the count of quick deaths before it (*fails, updated): 0 unless it died
 * within HX_RESPAWN_QUICK of starting; then 0 for the first such death,
 * 100 ms for the second, doubling up to HX_RESPAWN_MAX_DELAY.  A worker
 * that lived HX_RESPAWN_RESET or more clears the count.
 */
hx_msec_t hx_process_backoff(hx_uint_t *fails, hx_msec_t lived);

/*
 * Calls handler(pid, status, data) from the master's loop when child pid
 * exits, instead of logging it as an unknown child.  HX_OK, or HX_ERROR
 * when the table of watched pids is full.
 */
hx_int_t hx_process_watch(pid_t pid, hx_child_exit_pt handler, void *data);


extern hx_process_t  hx_processes[HX_MAX_PROCESSES];
extern hx_int_t      hx_process_slot;      /* ours, in a worker */
extern hx_int_t      hx_last_process;
extern hx_uint_t     hx_process_reaped;    /* some slot is "exited" */

#endif /* HX_CORE_HX_PROCESS_H */
