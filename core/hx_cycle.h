/*
 * A cycle is one loaded configuration: the pool that holds it, every
 * module's conf, the listening sockets, open files and shared zones.  A
 * reload builds a new cycle next to the old one and only switches when the
 * new one is complete, so a broken file changes nothing.
 */

#ifndef HX_CORE_HX_CYCLE_H
#define HX_CORE_HX_CYCLE_H


#define HX_CYCLE_POOL_SIZE     HX_DEFAULT_POOL_SIZE

#define HX_DEBUG_POINTS_STOP   1
#define HX_DEBUG_POINTS_ABORT  2


struct hx_cycle_s {
    void                  ****conf_ctx;
    hx_pool_t               *pool;

    hx_log_t                *log;
    hx_log_t                 new_log;
    hx_uint_t                log_use_stderr;

    hx_connection_t        **files;
    hx_connection_t         *free_connections;
    hx_uint_t                free_connection_n;

    hx_module_t            **modules;
    hx_uint_t                modules_n;

    hx_queue_t               reusable_connections_queue;
    hx_uint_t                reusable_connections_n;
    time_t                   connections_reuse_time;

    hx_array_t               listening;      /* hx_listening_t */
    hx_array_t               paths;          /* hx_path_t * */

    hx_array_t               config_dump;    /* hx_conf_dump_t, for -T */

    hx_list_t                open_files;     /* hx_open_file_t */
    hx_list_t                shared_memory;  /* hx_shm_zone_t */

    hx_uint_t                connection_n;
    hx_uint_t                files_n;

    hx_connection_t         *connections;
    hx_event_t              *read_events;
    hx_event_t              *write_events;

    hx_cycle_t              *old_cycle;

    hx_str_t                 conf_file;
    hx_str_t                 conf_param;
    hx_str_t                 conf_prefix;
    hx_str_t                 prefix;
    hx_str_t                 error_log;
    hx_str_t                 lock_file;
    hx_str_t                 hostname;
};


typedef struct {
    hx_flag_t                daemon;
    hx_flag_t                master;

    hx_msec_t                timer_resolution;
    hx_msec_t                shutdown_timeout;

    hx_int_t                 worker_processes;
    hx_int_t                 debug_points;

    hx_int_t                 rlimit_nofile;
    off_t                    rlimit_core;

    int                      priority;

    hx_uint_t                cpu_affinity_auto;
    hx_uint_t                cpu_affinity_n;
    cpu_set_t               *cpu_affinity;

    char                    *username;
    uid_t                    user;
    gid_t                    group;

    hx_str_t                 working_directory;
    hx_str_t                 lock_file;

    hx_str_t                 pid;
    hx_str_t                 oldpid;

    hx_array_t               env;            /* hx_str_t */
    char                   **environment;
} hx_core_conf_t;


#define hx_get_conf(conf_ctx, module)  conf_ctx[module.index]


/*
 * Builds a cycle from old_cycle's file and prefix.  Returns NULL after
 * logging the reason; old_cycle is then untouched and stays in force.
 */
hx_cycle_t *hx_init_cycle(hx_cycle_t *old_cycle);

/* pid file: written after the listeners are open, removed on exit */
hx_int_t hx_create_pidfile(hx_str_t *name, hx_log_t *log);
void hx_delete_pidfile(hx_cycle_t *cycle);
/* -s: sends sig to the pid in the pid file */
hx_int_t hx_signal_process(hx_cycle_t *cycle, char *sig);
void hx_reopen_files(hx_cycle_t *cycle, uid_t user);
/* the environment for workers and exec'd binaries, per "env" */
char **hx_set_environment(hx_cycle_t *cycle, hx_uint_t *last);
hx_int_t hx_set_rlimits(hx_cycle_t *cycle);
cpu_set_t *hx_get_cpu_affinity(hx_uint_t n);

/*
 * Registers a shared zone; the same name with the same tag returns the
 * same zone (a size of 0 means "any size", for zones referred to before
 * they are defined).  NULL with a message when the name is taken by
 * another module or the sizes conflict.
 */
hx_shm_zone_t *hx_shared_memory_add(hx_conf_t *cf, hx_str_t *name,
    size_t size, void *tag);

void hx_set_shutdown_timer(hx_cycle_t *cycle);


extern volatile hx_cycle_t  *hx_cycle;
extern hx_array_t            hx_old_cycles;
extern hx_module_t           hx_core_module;
extern hx_uint_t             hx_test_config;
extern hx_uint_t             hx_dump_config;
extern hx_uint_t             hx_quiet_mode;

#endif /* HX_CORE_HX_CYCLE_H */
