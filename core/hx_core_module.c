/*
 * The main-context directives of nginx's core: user, worker_processes, pid,
 * daemon, master_process, the worker limits and affinity, env, and the
 * accepted-but-built-in load_module.  Values are checked here, at parse
 * time, so that -t reports them with file and line; the process code only
 * reads the finished hx_core_conf_t.
 */

#include <hx_config.h>
#include <hx_core.h>


static void *hx_core_module_create_conf(hx_cycle_t *cycle);
static char *hx_core_module_init_conf(hx_cycle_t *cycle, void *conf);
static char *hx_set_user(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_set_env(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_set_priority(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_set_cpu_affinity(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_set_worker_processes(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_load_module(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static hx_int_t hx_cpu_mask_parse(hx_str_t *mask, cpu_set_t *set);


static hx_conf_enum_t  hx_debug_points[] = {
    { hx_string("stop"), HX_DEBUG_POINTS_STOP },
    { hx_string("abort"), HX_DEBUG_POINTS_ABORT },
    { hx_null_string, 0 }
};


static hx_command_t  hx_core_commands[] = {

    { hx_string("daemon"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      0,
      offsetof(hx_core_conf_t, daemon),
      NULL },

    { hx_string("master_process"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      0,
      offsetof(hx_core_conf_t, master),
      NULL },

    { hx_string("timer_resolution"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      0,
      offsetof(hx_core_conf_t, timer_resolution),
      NULL },

    { hx_string("pid"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_TAKE1,
      hx_conf_set_str_slot,
      0,
      offsetof(hx_core_conf_t, pid),
      NULL },

    { hx_string("lock_file"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_TAKE1,
      hx_conf_set_str_slot,
      0,
      offsetof(hx_core_conf_t, lock_file),
      NULL },

    { hx_string("worker_processes"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_TAKE1,
      hx_set_worker_processes,
      0,
      0,
      NULL },

    { hx_string("debug_points"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_TAKE1,
      hx_conf_set_enum_slot,
      0,
      offsetof(hx_core_conf_t, debug_points),
      &hx_debug_points },

    { hx_string("user"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_TAKE12,
      hx_set_user,
      0,
      0,
      NULL },

    { hx_string("worker_priority"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_TAKE1,
      hx_set_priority,
      0,
      0,
      NULL },

    { hx_string("worker_cpu_affinity"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_1MORE,
      hx_set_cpu_affinity,
      0,
      0,
      NULL },

    { hx_string("worker_rlimit_nofile"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      0,
      offsetof(hx_core_conf_t, rlimit_nofile),
      NULL },

    { hx_string("worker_rlimit_core"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_TAKE1,
      hx_conf_set_off_slot,
      0,
      offsetof(hx_core_conf_t, rlimit_core),
      NULL },

    { hx_string("worker_shutdown_timeout"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      0,
      offsetof(hx_core_conf_t, shutdown_timeout),
      NULL },

    { hx_string("working_directory"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_TAKE1,
      hx_conf_set_str_slot,
      0,
      offsetof(hx_core_conf_t, working_directory),
      NULL },

    { hx_string("env"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_TAKE1,
      hx_set_env,
      0,
      0,
      NULL },

    { hx_string("load_module"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_TAKE1,
      hx_load_module,
      0,
      0,
      NULL },

      hx_null_command
};


static hx_core_module_t  hx_core_module_ctx = {
    hx_string("core"),
    hx_core_module_create_conf,
    hx_core_module_init_conf
};


hx_module_t  hx_core_module = {
    HX_MODULE_V1,
    "hx_core_module",
    &hx_core_module_ctx,
    hx_core_commands,
    HX_CORE_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


static void *
hx_core_module_create_conf(hx_cycle_t *cycle)
{
    hx_core_conf_t  *ccf;

    ccf = hx_pcalloc(cycle->pool, sizeof(hx_core_conf_t));
    if (ccf == NULL) {
        return NULL;
    }

    /*
     * set by hx_pcalloc():
     *     ccf->pid = NULL;
     *     ccf->oldpid = NULL;
     *     ccf->cpu_affinity_n = 0;
     *     ccf->cpu_affinity = NULL;
     */

    ccf->daemon = HX_CONF_UNSET;
    ccf->master = HX_CONF_UNSET;
    ccf->timer_resolution = HX_CONF_UNSET_MSEC;
    ccf->shutdown_timeout = HX_CONF_UNSET_MSEC;
    ccf->worker_processes = HX_CONF_UNSET;
    ccf->debug_points = HX_CONF_UNSET;
    ccf->rlimit_nofile = HX_CONF_UNSET;
    ccf->rlimit_core = HX_CONF_UNSET;
    ccf->priority = 0;
    ccf->user = (uid_t) HX_CONF_UNSET_UINT;
    ccf->group = (gid_t) HX_CONF_UNSET_UINT;

    if (hx_array_init(&ccf->env, cycle->pool, 1, sizeof(hx_str_t)) != HX_OK) {
        return NULL;
    }

    return ccf;
}


static char *
hx_core_module_init_conf(hx_cycle_t *cycle, void *conf)
{
    hx_core_conf_t  *ccf = conf;
    struct passwd   *pwd;
    struct group    *grp;

    hx_conf_init_value(ccf->daemon, 1);
    hx_conf_init_value(ccf->master, 1);
    hx_conf_init_msec_value(ccf->timer_resolution, 0);
    hx_conf_init_msec_value(ccf->shutdown_timeout, 0);
    hx_conf_init_value(ccf->worker_processes, 1);
    hx_conf_init_value(ccf->debug_points, 0);

    if (ccf->cpu_affinity_n
        && ccf->cpu_affinity_n != 1
        && ccf->cpu_affinity_n != (hx_uint_t) ccf->worker_processes)
    {
        hx_log_error(HX_LOG_WARN, cycle->log, 0,
                     "the number of \"worker_processes\" is not equal to "
                     "the number of \"worker_cpu_affinity\" masks, "
                     "using last mask for remaining worker processes");
    }

    if (ccf->pid.len == 0) {
        hx_str_set(&ccf->pid, HX_PID_PATH);
    }

    if (hx_conf_full_name(cycle, &ccf->pid, 0) != HX_OK) {
        return HX_CONF_ERROR;
    }

    ccf->oldpid.len = ccf->pid.len + sizeof(".oldbin") - 1;

    ccf->oldpid.data = hx_pnalloc(cycle->pool, ccf->oldpid.len + 1);
    if (ccf->oldpid.data == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memcpy(hx_cpymem(ccf->oldpid.data, ccf->pid.data, ccf->pid.len),
              ".oldbin", sizeof(".oldbin"));

    if (ccf->user == (uid_t) HX_CONF_UNSET_UINT && geteuid() == 0) {

        /* a root master runs its workers as nobody unless told otherwise */

        errno = 0;
        pwd = getpwnam(HX_USER);
        if (pwd == NULL) {
            hx_log_error(HX_LOG_EMERG, cycle->log, errno,
                         "getpwnam(\"" HX_USER "\") failed");
            return HX_CONF_ERROR;
        }

        ccf->username = HX_USER;
        ccf->user = pwd->pw_uid;

        errno = 0;
        grp = getgrnam(HX_GROUP);
        if (grp == NULL) {
            hx_log_error(HX_LOG_EMERG, cycle->log, errno,
                         "getgrnam(\"" HX_GROUP "\") failed");
            return HX_CONF_ERROR;
        }

        ccf->group = grp->gr_gid;
    }

    if (ccf->lock_file.len == 0) {
        hx_str_set(&ccf->lock_file, "logs/hanx.lock");
    }

    if (hx_conf_full_name(cycle, &ccf->lock_file, 0) != HX_OK) {
        return HX_CONF_ERROR;
    }

    if (ccf->working_directory.len
        && hx_conf_full_name(cycle, &ccf->working_directory, 0) != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


static char *
hx_set_user(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_core_conf_t  *ccf = conf;
    char            *group;
    hx_str_t        *value;
    struct passwd   *pwd;
    struct group    *grp;

    (void) cmd;

    if (ccf->user != (uid_t) HX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    if (geteuid() != 0) {
        hx_conf_log_error(HX_LOG_WARN, cf, 0,
                          "the \"user\" directive makes sense only "
                          "if the master process runs "
                          "with super-user privileges, ignored");
        return HX_CONF_OK;
    }

    value = cf->args->elts;

    ccf->username = (char *) value[1].data;

    errno = 0;
    pwd = getpwnam((const char *) value[1].data);
    if (pwd == NULL) {
        hx_conf_log_error(HX_LOG_EMERG, cf, errno,
                          "getpwnam(\"%s\") failed", value[1].data);
        return HX_CONF_ERROR;
    }

    ccf->user = pwd->pw_uid;

    /* nginx's rule: without a group, the group named like the user */
    group = (char *) ((cf->args->nelts == 2) ? value[1].data : value[2].data);

    errno = 0;
    grp = getgrnam(group);
    if (grp == NULL) {
        hx_conf_log_error(HX_LOG_EMERG, cf, errno,
                          "getgrnam(\"%s\") failed", group);
        return HX_CONF_ERROR;
    }

    ccf->group = grp->gr_gid;

    return HX_CONF_OK;
}


static char *
hx_set_env(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_core_conf_t  *ccf = conf;
    hx_str_t        *value, *var;

    (void) cmd;

    var = hx_array_push(&ccf->env);
    if (var == NULL) {
        return HX_CONF_ERROR;
    }

    value = cf->args->elts;
    *var = value[1];

    return HX_CONF_OK;
}


static char *
hx_set_priority(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_core_conf_t  *ccf = conf;
    hx_str_t        *value;
    hx_uint_t        n, minus;

    (void) cmd;

    if (ccf->priority != 0) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].data[0] == '-') {
        n = 1;
        minus = 1;

    } else if (value[1].data[0] == '+') {
        n = 1;
        minus = 0;

    } else {
        n = 0;
        minus = 0;
    }

    ccf->priority = hx_atoi(&value[1].data[n], value[1].len - n);
    if (ccf->priority == HX_ERROR) {
        return "invalid number";
    }

    if (minus) {
        ccf->priority = -ccf->priority;
    }

    /* as nginx: out-of-range values are the kernel's to clamp */

    return HX_CONF_OK;
}


static char *
hx_set_cpu_affinity(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_core_conf_t  *ccf = conf;
    hx_str_t        *value;
    hx_uint_t        i, n;
    cpu_set_t       *mask;

    (void) cmd;

    if (ccf->cpu_affinity) {
        return "is duplicate";
    }

    value = cf->args->elts;
    n = cf->args->nelts - 1;
    i = 1;

    if (hx_strcmp(value[1].data, "auto") == 0) {

        if (cf->args->nelts > 3) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid number of arguments in "
                              "\"worker_cpu_affinity\" directive");
            return HX_CONF_ERROR;
        }

        ccf->cpu_affinity_auto = 1;
        i = 2;
        n = 1;

        if (cf->args->nelts == 2) {
            /* "auto" alone: every CPU is a candidate */
            mask = hx_pcalloc(cf->pool, sizeof(cpu_set_t));
            if (mask == NULL) {
                return HX_CONF_ERROR;
            }

            for (i = 0; i < CPU_SETSIZE; i++) {
                CPU_SET(i, mask);
            }

            ccf->cpu_affinity = mask;
            ccf->cpu_affinity_n = 1;

            return HX_CONF_OK;
        }
    }

    mask = hx_pcalloc(cf->pool, n * sizeof(cpu_set_t));
    if (mask == NULL) {
        return HX_CONF_ERROR;
    }

    ccf->cpu_affinity = mask;
    ccf->cpu_affinity_n = n;

    for (n = 0; i < cf->args->nelts; i++, n++) {
        if (hx_cpu_mask_parse(&value[i], &mask[n]) != HX_OK) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid character \"%s\" in "
                              "\"worker_cpu_affinity\"", value[i].data);
            return HX_CONF_ERROR;
        }
    }

    return HX_CONF_OK;
}


/* "0101": the rightmost digit is CPU 0 */
static hx_int_t
hx_cpu_mask_parse(hx_str_t *mask, cpu_set_t *set)
{
    size_t   j, cpu;

    if (mask->len > CPU_SETSIZE || mask->len == 0) {
        return HX_ERROR;
    }

    CPU_ZERO(set);

    for (j = 0; j < mask->len; j++) {
        cpu = mask->len - 1 - j;

        if (mask->data[j] == '1') {
            CPU_SET(cpu, set);

        } else if (mask->data[j] != '0') {
            return HX_ERROR;
        }
    }

    return HX_OK;
}


static char *
hx_set_worker_processes(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_core_conf_t  *ccf = conf;
    hx_str_t        *value;
    long             ncpu;

    (void) cmd;

    if (ccf->worker_processes != HX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (hx_strcmp(value[1].data, "auto") == 0) {
        ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        ccf->worker_processes = ncpu > 0 ? ncpu : 1;
        return HX_CONF_OK;
    }

    ccf->worker_processes = hx_atoi(value[1].data, value[1].len);

    if (ccf->worker_processes == HX_ERROR) {
        return "invalid value";
    }

    return HX_CONF_OK;
}


static char *
hx_load_module(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t  *value;

    (void) cmd;
    (void) conf;

    value = cf->args->elts;

    /* configurations written for nginx packages load modules hanx has
     * built in; accept them rather than make the user edit the file */
    hx_conf_log_error(HX_LOG_NOTICE, cf, 0,
                      "load_module \"%V\" ignored: hanx builds its "
                      "modules in", &value[1]);

    return HX_CONF_OK;
}
