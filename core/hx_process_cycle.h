/*
 * Running a loaded cycle: the master and worker processes (issue 3).
 * hx_main.c parses options and builds the first cycle; everything after
 * that -- signals, daemonizing, the pid file, the master loop or the
 * single-process loop -- starts from hx_run_cycle().
 */

#ifndef HX_CORE_HX_PROCESS_CYCLE_H
#define HX_CORE_HX_PROCESS_CYCLE_H


/* what this process is (hx_process) */
#define HX_PROCESS_SINGLE     0
#define HX_PROCESS_MASTER     1
#define HX_PROCESS_SIGNALLER  2
#define HX_PROCESS_WORKER     3
#define HX_PROCESS_HELPER     4

/* the environment variable that hands listening sockets to a new binary */
#define HX_INHERITED_VAR      "HANX"

/* -s reload waits this long for the master's verdict */
#define HX_RELOAD_WAIT        10000


/* sysconf figures every process needs: CPUs, page size, fd limit */
hx_int_t hx_os_init(hx_log_t *log);

/* keeps argv and environ for the binary upgrade (USR2) */
hx_int_t hx_save_argv(int argc, char *const *argv);

/* listening sockets handed over by an old master through the environment */
hx_int_t hx_add_inherited_sockets(hx_cycle_t *cycle);

/* serves cycle until told to stop; returns the process exit status */
int hx_run_cycle(hx_cycle_t *cycle);

/*
 * Parses the value of HX_INHERITED_VAR ("5;6;7;") into at most n
 * descriptors and returns how many were read.  Parsing stops at a number
 * that is not valid: *bad then points at it (else it is NULL).  Text
 * after the last ';' is ignored, as nginx does.
 */
hx_int_t hx_inherited_parse(uint8_t *value, hx_fd_t *fds, hx_uint_t n,
    uint8_t **bad);

/* detaches from the terminal: fork, setsid, stdin/stdout to /dev/null */
hx_int_t hx_daemon(hx_log_t *log);

/*
 * Shows title in ps after "hanx: ", over the memory of argv (whose
 * contents hx_save_argv() copied away).  Needs hx_os_init() first.
 */
void hx_setproctitle(char *title);

/*
 * The pid in a pid file's contents: decimal digits, optional trailing
 * whitespace.  -1 when it is not a valid (positive) pid.
 */
pid_t hx_pid_parse(uint8_t *buf, size_t len);


/*
 * The reload verdict (see hx_pidfile.c): after every reload attempt the
 * master writes "<pid file>.reload", atomically (rename):
 *
 *     <generation> <master pid> ok|failed\n
 *     <the warnings and errors the attempt logged, one per line>
 *
 * "hanx -s reload" notes the generation there, sends SIGHUP and polls
 * the file until a later verdict of the same master appears.
 */
typedef struct {
    hx_uint_t                generation;
    pid_t                    pid;
    hx_uint_t                ok;
    hx_str_t                 text;       /* points into the parsed buffer */
} hx_reload_status_t;

/* HX_OK when buf holds a well-formed verdict, HX_ERROR otherwise */
hx_int_t hx_reload_status_parse(uint8_t *buf, size_t len,
    hx_reload_status_t *st);

/*
 * Writes a verdict next to pid file "pid" (ok: 1 or 0; text: what the
 * attempt logged, may be empty).  HX_OK or HX_ERROR (logged at alert).
 */
hx_int_t hx_reload_status_write(hx_str_t *pid, hx_uint_t generation,
    hx_uint_t ok, uint8_t *text, size_t len, hx_log_t *log);

/* removes the verdict file of pid file "pid", if any */
void hx_reload_status_delete(hx_str_t *pid, hx_log_t *log);


/*
 * The environment a worker or an exec'd binary gets: the variables named
 * by "env NAME" taken from the environment hanx started with, the ones
 * set by "env NAME=value", and TZ unless listed.  hx_env_collect() fills
 * to[] (room for vars->nelts + 2 entries), ends it with NULL and returns
 * how many entries it holds before the NULL.
 */
hx_uint_t hx_env_collect(hx_array_t *vars, char **from, char **to);

/*
 * The CPU set of worker n per worker_cpu_affinity: mask n (the last one
 * for the workers beyond the list), or with "auto" the n-th CPU of the
 * mask, round robin.  NULL when no affinity is configured.  The result
 * may point to static storage.
 */
cpu_set_t *hx_cpu_affinity_pick(hx_core_conf_t *ccf, hx_uint_t n);


/*
 * Between the files of the process model (hx_process_cycle.c, the
 * master; hx_worker_cycle.c; hx_upgrade.c).
 */

/* the flags signals and channel commands set, read by the loops */
extern volatile sig_atomic_t  hx_quit;
extern volatile sig_atomic_t  hx_terminate;
extern volatile sig_atomic_t  hx_reopen;

/*
 * Sets the flag signo stands for in this kind of process and returns the
 * words the log line ends with (", reconfiguring").  Touches only
 * sig_atomic_t flags, so a signal handler may call it.
 */
char *hx_signal_action(int signo);

/* "signal 1 (SIGHUP) received from 12, reconfiguring" */
void hx_signal_log(int signo, pid_t from, char *action);

/* the body of a worker process, for hx_spawn_process(); never returns */
void hx_worker_process_cycle(hx_cycle_t *cycle, void *data);

/* USR2: forks and execs the new binary; its pid, or 0 (logged) */
pid_t hx_exec_new_binary(hx_cycle_t *cycle);

/* the new binary exited: the .oldbin pid file gets its name back */
void hx_restore_pidfile(hx_cycle_t *cycle);


extern hx_uint_t  hx_ncpu;
extern hx_uint_t  hx_pagesize;
extern hx_uint_t  hx_inherited;

extern hx_uint_t  hx_process;
extern hx_uint_t  hx_worker;
extern pid_t      hx_pid;
extern pid_t      hx_parent;
extern pid_t      hx_new_binary;
extern hx_uint_t  hx_daemonized;
extern hx_uint_t  hx_exiting;

/* the command line and environment as started (hx_save_argv) */
extern int        hx_argc;
extern char     **hx_argv;
extern char     **hx_os_argv;
extern char     **hx_os_environ;

#endif /* HX_CORE_HX_PROCESS_CYCLE_H */
