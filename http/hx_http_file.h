/*
 * Opening the file a request maps to: one call that opens (or only
 * stats) a path, reports what it is and why it failed, honours
 * disable_symlinks, and ties the descriptor to the request's pool.  It
 * stands where nginx has its open file cache; hanx opens the file for
 * every request, which the kernel's dentry cache makes cheap.
 */

#ifndef HX_HTTP_HX_HTTP_FILE_H
#define HX_HTTP_HX_HTTP_FILE_H


typedef struct {
    hx_fd_t          fd;
    off_t            size;
    time_t           mtime;
    ino_t            uniq;

    hx_err_t         err;
    char            *failed;      /* "open()", "stat()", ... for messages */

    hx_uint_t        disable_symlinks;  /* HX_HTTP_DISABLE_SYMLINKS_* */

    unsigned         test_dir:1;  /* a directory is what is wanted */
    unsigned         test_only:1; /* stat, do not keep a descriptor */

    unsigned         is_dir:1;
    unsigned         is_file:1;
    unsigned         is_link:1;
    unsigned         is_exec:1;
} hx_http_open_file_info_t;


/*
 * Opens path (NUL-terminated) for r: on success of->fd is open (unless
 * test_only or a directory) and closed with r's pool.  Returns HX_OK, or
 * HX_ERROR with of->err and of->failed set (of->err == 0 for a memory
 * failure).
 */
hx_int_t hx_http_open_file(hx_http_request_t *r, hx_str_t *path,
    hx_http_open_file_info_t *of);

#endif /* HX_HTTP_HX_HTTP_FILE_H */
