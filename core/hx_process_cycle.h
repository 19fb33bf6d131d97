/*
 * Running a loaded cycle: the master and worker processes (issue 3).
 * hx_main.c parses options and builds the first cycle; everything after
 * that -- signals, daemonizing, the pid file, the master loop or the
 * single-process loop -- starts from hx_run_cycle().
 */

#ifndef HX_CORE_HX_PROCESS_CYCLE_H
#define HX_CORE_HX_PROCESS_CYCLE_H


/* sysconf figures every process needs: CPUs, page size, fd limit */
hx_int_t hx_os_init(hx_log_t *log);

/* keeps argv and environ for the binary upgrade (USR2) */
hx_int_t hx_save_argv(int argc, char *const *argv);

/* listening sockets handed over by an old master through the environment */
hx_int_t hx_add_inherited_sockets(hx_cycle_t *cycle);

/* serves cycle until told to stop; returns the process exit status */
int hx_run_cycle(hx_cycle_t *cycle);

extern hx_uint_t  hx_ncpu;
extern hx_uint_t  hx_pagesize;
extern hx_uint_t  hx_inherited;

#endif /* HX_CORE_HX_PROCESS_CYCLE_H */
