/*
 * main(): nginx's command line.  Options are parsed by hand, as nginx does
 * (combined flags like "-tq" work, and arguments may be attached, "-cfile",
 * or separate), so that scripts written for nginx work unchanged.  Then
 * the first cycle is built; -t, -T and -s stop there, and a real start
 * hands the cycle to hx_run_cycle().
 */

#include <hx_config.h>
#include <hx_core.h>
#include <openssl/opensslv.h>
#include <openssl/crypto.h>


static hx_int_t hx_get_options(int argc, char *const *argv);
static hx_int_t hx_process_options(hx_cycle_t *cycle);
static void hx_show_version_info(void);
static void hx_dump_configuration(hx_cycle_t *cycle);


static hx_uint_t   hx_show_help;
static hx_uint_t   hx_show_version;
static hx_uint_t   hx_show_configure;
static uint8_t    *hx_prefix;
static uint8_t    *hx_error_log;
static uint8_t    *hx_conf_file;
static uint8_t    *hx_conf_params;
static char       *hx_signal;


int
main(int argc, char *const *argv)
{
    int          status;
    hx_log_t    *log;
    hx_cycle_t  *cycle, init_cycle;

    if (hx_get_options(argc, argv) != HX_OK) {
        return 1;
    }

    if (hx_show_version) {
        hx_show_version_info();

        if (!hx_test_config) {
            return 0;
        }
    }

    hx_time_init();
    hx_regex_init();

    log = hx_log_init(hx_prefix, hx_error_log);
    if (log == NULL) {
        return 1;
    }

    hx_memzero(&init_cycle, sizeof(hx_cycle_t));
    init_cycle.log = log;
    hx_cycle = &init_cycle;

    cycle = NULL;

    init_cycle.pool = hx_create_pool(1024, log);
    if (init_cycle.pool == NULL) {
        return 1;
    }

    if (hx_save_argv(argc, argv) != HX_OK) {
        goto failed;
    }

    if (hx_process_options(&init_cycle) != HX_OK) {
        goto failed;
    }

    if (hx_os_init(log) != HX_OK) {
        goto failed;
    }

    if (hx_add_inherited_sockets(&init_cycle) != HX_OK) {
        goto failed;
    }

    if (hx_preinit_modules() != HX_OK) {
        goto failed;
    }

    if (hx_signal) {
        /* a signaller reads the pid file path and must bind nothing */
        hx_process = HX_PROCESS_SIGNALLER;
    }

    cycle = hx_init_cycle(&init_cycle);

    if (cycle == NULL) {
        if (hx_test_config) {
            hx_log_stderr(0, "configuration file %s test failed",
                          init_cycle.conf_file.data);
        }

        goto failed;
    }

    if (hx_test_config) {
        if (!hx_quiet_mode) {
            hx_log_stderr(0, "configuration file %s test is successful",
                          cycle->conf_file.data);
        }

        if (hx_dump_config) {
            hx_dump_configuration(cycle);
        }

        status = 0;
        goto done;
    }

    if (hx_signal) {
        status = (hx_signal_process(cycle, hx_signal) == HX_OK) ? 0 : 1;
        goto done;
    }

    hx_cycle = cycle;

    return hx_run_cycle(cycle);

failed:

    status = 1;

done:

    /* -t, -s and failures end here: free what they built, so leak
     * checkers see a clean exit */
    if (cycle) {
        hx_destroy_pool(cycle->pool);
    }

    hx_destroy_pool(init_cycle.pool);

    return status;
}


static void
hx_show_version_info(void)
{
    hx_write_console(STDERR_FILENO, "hanx version: " HANX_VER "\n",
                     sizeof("hanx version: " HANX_VER "\n") - 1);

    if (!hx_show_help && !hx_show_configure) {
        return;
    }

    if (hx_show_help) {
        static const char  usage[] =
            "Usage: hanx [-?hvVtTq] [-s signal] [-p prefix]\n"
            "            [-e filename] [-c filename] [-g directives]\n\n"
            "Options:\n"
            "  -?,-h         : this help\n"
            "  -v            : show version and exit\n"
            "  -V            : show version and configure options then exit\n"
            "  -t            : test configuration and exit\n"
            "  -T            : test configuration, dump it and exit\n"
            "  -q            : suppress non-error messages "
                               "during configuration testing\n"
            "  -s signal     : send signal to a master process: "
                               "stop, quit, reopen, reload\n"
            "  -p prefix     : set prefix path (default: " HX_PREFIX ")\n"
            "  -e filename   : set error log file (default: "
                               HX_ERROR_LOG_PATH ")\n"
            "  -c filename   : set configuration file (default: "
                               HX_CONF_PATH ")\n"
            "  -g directives : set global directives out of "
                               "configuration file\n\n";

        hx_write_console(STDERR_FILENO, (void *) usage, sizeof(usage) - 1);
    }

    if (hx_show_configure) {
        /* the line tools that read "nginx -V" look for, then ours */
        hx_fd_printf(STDERR_FILENO, "nginx version: " HX_NGINX_VER "\n"
                     "built by " HX_COMPILER "\n");

        if (hx_strcmp(OPENSSL_VERSION_TEXT,
                      OpenSSL_version(OPENSSL_VERSION)) == 0)
        {
            hx_fd_printf(STDERR_FILENO, "built with %s\n",
                         OPENSSL_VERSION_TEXT);

        } else {
            /* as nginx: name the run-time library only when it differs */
            hx_fd_printf(STDERR_FILENO, "built with %s (running with %s)\n",
                         OPENSSL_VERSION_TEXT,
                         OpenSSL_version(OPENSSL_VERSION));
        }

        hx_fd_printf(STDERR_FILENO, "TLS SNI support enabled\n"
                     "configure arguments:" HX_CONFIGURE "\n");
    }
}


static hx_int_t
hx_get_options(int argc, char *const *argv)
{
    uint8_t   *p;
    hx_int_t   i;

    for (i = 1; i < argc; i++) {

        p = (uint8_t *) argv[i];

        if (*p++ != '-') {
            hx_log_stderr(0, "invalid option: \"%s\"", argv[i]);
            return HX_ERROR;
        }

        while (*p) {

            switch (*p++) {

            case '?':
            case 'h':
                hx_show_version = 1;
                hx_show_help = 1;
                break;

            case 'v':
                hx_show_version = 1;
                break;

            case 'V':
                hx_show_version = 1;
                hx_show_configure = 1;
                break;

            case 't':
                hx_test_config = 1;
                break;

            case 'T':
                hx_test_config = 1;
                hx_dump_config = 1;
                break;

            case 'q':
                hx_quiet_mode = 1;
                break;

            case 'p':
                if (*p) {
                    hx_prefix = p;
                    goto next;
                }

                if (argv[++i]) {
                    hx_prefix = (uint8_t *) argv[i];
                    goto next;
                }

                hx_log_stderr(0, "option \"-p\" requires directory name");
                return HX_ERROR;

            case 'e':
                if (*p) {
                    hx_error_log = p;

                } else if (argv[++i]) {
                    hx_error_log = (uint8_t *) argv[i];

                } else {
                    hx_log_stderr(0, "option \"-e\" requires file name");
                    return HX_ERROR;
                }

                if (hx_strcmp(hx_error_log, "stderr") == 0) {
                    hx_error_log = (uint8_t *) "";
                }

                goto next;

            case 'c':
                if (*p) {
                    hx_conf_file = p;
                    goto next;
                }

                if (argv[++i]) {
                    hx_conf_file = (uint8_t *) argv[i];
                    goto next;
                }

                hx_log_stderr(0, "option \"-c\" requires file name");
                return HX_ERROR;

            case 'g':
                if (*p) {
                    hx_conf_params = p;
                    goto next;
                }

                if (argv[++i]) {
                    hx_conf_params = (uint8_t *) argv[i];
                    goto next;
                }

                hx_log_stderr(0, "option \"-g\" requires parameter");
                return HX_ERROR;

            case 's':
                if (*p) {
                    hx_signal = (char *) p;

                } else if (argv[++i]) {
                    hx_signal = argv[i];

                } else {
                    hx_log_stderr(0, "option \"-s\" requires parameter");
                    return HX_ERROR;
                }

                if (hx_strcmp(hx_signal, "stop") == 0
                    || hx_strcmp(hx_signal, "quit") == 0
                    || hx_strcmp(hx_signal, "reopen") == 0
                    || hx_strcmp(hx_signal, "reload") == 0)
                {
                    goto next;
                }

                hx_log_stderr(0, "invalid option: \"-s %s\"", hx_signal);
                return HX_ERROR;

            default:
                hx_log_stderr(0, "invalid option: \"%c\"", *(p - 1));
                return HX_ERROR;
            }
        }

    next:

        continue;
    }

    return HX_OK;
}


/*
 * Settles the prefix, the configuration file and its directory (the base
 * of relative "include" paths), the error log and the -g directives.
 */
static hx_int_t
hx_process_options(hx_cycle_t *cycle)
{
    uint8_t  *p;
    size_t    len;

    if (hx_prefix) {
        len = hx_strlen(hx_prefix);
        p = hx_prefix;

        if (len && !hx_path_separator(p[len - 1])) {
            p = hx_pnalloc(cycle->pool, len + 1);
            if (p == NULL) {
                return HX_ERROR;
            }

            hx_memcpy(p, hx_prefix, len);
            p[len++] = '/';
        }

        cycle->prefix.len = len;
        cycle->prefix.data = p;

    } else {
        hx_str_set(&cycle->prefix, HX_PREFIX);
    }

    if (hx_conf_file) {
        cycle->conf_file.len = hx_strlen(hx_conf_file);
        cycle->conf_file.data = hx_conf_file;

    } else {
        hx_str_set(&cycle->conf_file, HX_CONF_PATH);
    }

    if (hx_conf_full_name(cycle, &cycle->conf_file, 0) != HX_OK) {
        return HX_ERROR;
    }

    for (p = cycle->conf_file.data + cycle->conf_file.len - 1;
         p > cycle->conf_file.data;
         p--)
    {
        if (hx_path_separator(*p)) {
            cycle->conf_prefix.len = p - cycle->conf_file.data + 1;
            cycle->conf_prefix.data = cycle->conf_file.data;
            break;
        }
    }

    if (hx_error_log) {
        cycle->error_log.len = hx_strlen(hx_error_log);
        cycle->error_log.data = hx_error_log;

    } else {
        hx_str_set(&cycle->error_log, HX_ERROR_LOG_PATH);
    }

    if (hx_conf_params) {
        cycle->conf_param.len = hx_strlen(hx_conf_params);
        cycle->conf_param.data = hx_conf_params;
    }

    if (hx_test_config) {
        cycle->log->log_level = HX_LOG_INFO;
    }

    return HX_OK;
}


/*
 * -T: every file read, in the order read, to standard output.  An entry
 * whose name starts with "#" is no file but text a module derived from
 * the configuration (the ha module's resolved ha { } block): its name is
 * its comment line, printed as it is.  Modules add such entries from
 * init_module, so that this file needs to know none of them.
 */
static void
hx_dump_configuration(hx_cycle_t *cycle)
{
    hx_uint_t        i;
    hx_buf_t        *b;
    hx_conf_dump_t  *cd;

    cd = cycle->config_dump.elts;

    for (i = 0; i < cycle->config_dump.nelts; i++) {

        b = cd[i].buffer;

        if (cd[i].name.len && cd[i].name.data[0] == '#') {
            hx_fd_printf(STDOUT_FILENO, "%V\n", &cd[i].name);
            (void) hx_write_fd(STDOUT_FILENO, b->pos, b->last - b->pos);
            continue;
        }

        hx_fd_printf(STDOUT_FILENO, "# configuration file %V:\n",
                     &cd[i].name);

        (void) hx_write_fd(STDOUT_FILENO, b->pos, b->last - b->pos);
        (void) hx_write_fd(STDOUT_FILENO, "\n", 1);
    }
}
