/*
 * The command line as started, and the process title.
 *
 * hx_save_argv() copies argv (the binary upgrade execs it again) and
 * moves the environment strings to the heap.  On Linux, ps reads a
 * process's title from the memory that held argv and, right after it,
 * the environment strings; once both are copied away that whole area can
 * hold "hanx: master process ..." or "hanx: worker process", as nginx
 * shows, so operators and tests can tell the processes apart.
 */

#include <hx_config.h>
#include <hx_core.h>


int      hx_argc;
char   **hx_argv;
char   **hx_os_argv;
char   **hx_os_environ;

static char  *hx_os_argv_last;


hx_int_t
hx_save_argv(int argc, char *const *argv)
{
    int      i;
    char    *p;
    size_t   len, size;

    hx_argc = argc;
    hx_os_argv = (char **) argv;
    hx_os_environ = environ;

    hx_argv = malloc((argc + 1) * sizeof(char *));
    if (hx_argv == NULL) {
        return HX_ERROR;
    }

    for (i = 0; i < argc; i++) {
        len = hx_strlen(argv[i]) + 1;

        hx_argv[i] = malloc(len);
        if (hx_argv[i] == NULL) {
            return HX_ERROR;
        }

        hx_memcpy(hx_argv[i], argv[i], len);
    }

    hx_argv[i] = NULL;

    /* the end of the contiguous argv + environment strings */

    if (argc == 0 || argv[0] == NULL) {
        return HX_OK;
    }

    hx_os_argv_last = argv[0];

    for (i = 0; i < argc; i++) {
        if (hx_os_argv_last == argv[i]) {
            hx_os_argv_last = argv[i] + hx_strlen(argv[i]) + 1;
        }
    }

    size = 0;

    for (i = 0; environ[i]; i++) {
        if (hx_os_argv_last == environ[i]) {
            size += hx_strlen(environ[i]) + 1;
            hx_os_argv_last = environ[i] + hx_strlen(environ[i]) + 1;
        }
    }

    if (size == 0) {
        hx_os_argv_last--;
        return HX_OK;
    }

    p = malloc(size);
    if (p == NULL) {
        return HX_ERROR;
    }

    for (i = 0; environ[i]; i++) {
        len = hx_strlen(environ[i]) + 1;

        if (environ[i] >= hx_os_argv[0] && environ[i] < hx_os_argv_last) {
            hx_memcpy(p, environ[i], len);
            environ[i] = p;
            p += len;
        }
    }

    hx_os_argv_last--;

    return HX_OK;
}


void
hx_setproctitle(char *title)
{
    uint8_t  *p, *last;

    if (hx_os_argv == NULL || hx_os_argv[0] == NULL
        || hx_os_argv_last == NULL)
    {
        return;
    }

    hx_os_argv[1] = NULL;

    p = (uint8_t *) hx_os_argv[0];
    last = (uint8_t *) hx_os_argv_last;

    p = hx_cpystrn(p, (uint8_t *) "hanx: ", last - p);
    p = hx_cpystrn(p, (uint8_t *) title, last - p);

    if (last > p) {
        hx_memzero(p, last - p);
    }
}
