/*
 * Temp files for request bodies (client_body_temp_path) and, later, for
 * buffered upstream responses (proxy_temp_path): the "path [l1 [l2
 * [l3]]]" directives, the directories the master creates before the
 * workers start, and files named by a counter and hashed into "levels"
 * subdirectories, as nginx lays them out.
 *
 * A temp file that is not persistent is unlinked as soon as it is open,
 * so nothing is left behind when a worker dies; a persistent one
 * (client_body_in_file_only on) keeps its name for the request's
 * lifetime and is removed by the pool cleanup only when "clean".
 */

#ifndef HX_HTTP_HX_HTTP_TEMP_FILE_H
#define HX_HTTP_HX_HTTP_TEMP_FILE_H


/* a path's default when no directive sets it */
typedef struct {
    hx_str_t             name;
    size_t               level[HX_MAX_PATH_LEVEL];
} hx_path_init_t;


typedef struct {
    hx_file_t            file;
    off_t                offset;
    hx_path_t           *path;
    hx_pool_t           *pool;
    char                *warn;      /* logged once, at warn, on creation */

    hx_uint_t            access;

    unsigned             log_level:8;
    unsigned             persistent:1;
    unsigned             clean:1;
} hx_http_temp_file_t;


/* "client_body_temp_path dir [l1 [l2 [l3]]]" into an hx_path_t * field */
char *hx_http_set_path_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf);

/* inherits prev, or creates the default under the prefix */
char *hx_http_merge_path_value(hx_conf_t *cf, hx_path_t **path,
    hx_path_t *prev, hx_path_init_t *init);

/*
 * Creates every registered path directory (mode 0700) and gives it to
 * the worker user when the master runs as root.  HX_OK or HX_ERROR
 * (logged at emerg).
 */
hx_int_t hx_http_create_paths(hx_cycle_t *cycle);

/*
 * Creates and opens a new temp file under tf->path (levels created as
 * needed), registering a pool cleanup that closes (and, when clean,
 * deletes) it.  HX_OK or HX_ERROR (logged at crit).
 */
hx_int_t hx_http_create_temp_file(hx_http_temp_file_t *tf);

/*
 * Appends the memory buffers of chain to the temp file (creating it on
 * first use).  Returns the number of bytes written or HX_ERROR.
 */
ssize_t hx_http_write_chain_to_temp_file(hx_http_temp_file_t *tf,
    hx_chain_t *chain);

#endif /* HX_HTTP_HX_HTTP_TEMP_FILE_H */
