/*
 * The file side of an access log, shared by the http and stream log
 * modules: the buffer= / flush= / gzip= parameters of access_log, the
 * buffer a cycle open file carries for them, the write of a line or a
 * buffer (one gzip member per write with gzip), and the rate-limited
 * complaint when a write fails.
 *
 * A buffered file keeps an hx_log_file_buf_t in file->data and
 * hx_log_file_flush in file->flush; the flush hook is also the mark
 * that file->data is such a buffer, so any module may log to a file
 * another one buffers.  How a line is made and where a name with
 * variables leads stays with the module.
 */

#ifndef HX_CORE_HX_LOG_FILE_H
#define HX_CORE_HX_LOG_FILE_H


typedef struct {
    uint8_t                *start;
    uint8_t                *pos;
    uint8_t                *last;

    hx_event_t             *event;      /* NULL: no flush= */
    hx_msec_t               flush;
    hx_int_t                gzip;       /* level, 0: none */
} hx_log_file_buf_t;


/* one access_log target */
typedef struct {
    hx_open_file_t         *file;       /* NULL: name has variables */
    time_t                  disk_full_time;
    time_t                  error_log_time;
} hx_log_file_t;


/* the words after an access_log's format */
typedef struct {
    ssize_t                 size;       /* buffer=, 0: none */
    hx_msec_t               flush;
    hx_int_t                gzip;
    hx_str_t                filter;     /* if=, data NULL: none */
} hx_log_file_params_t;


/*
 * Reads the access_log words from cf->args[first] on into p: buffer=,
 * flush=, gzip or gzip=N (gzip alone means level 1; gzip without
 * buffer= means 64k, as in nginx) and if=CONDITION, left for the
 * subsystem to compile.  HX_OK, or HX_ERROR after an [emerg] for a bad
 * value or any other word.
 */
hx_int_t hx_log_file_params(hx_conf_t *cf, hx_uint_t first,
    hx_log_file_params_t *p);

/*
 * Applies p to file once every word is read: nothing to do without a
 * size; else file gets a buffer or, when another access_log buffered
 * it already, must have asked for the same one.  file NULL means the
 * name (path, for messages) has variables, which cannot be buffered.
 * HX_CONF_OK or HX_CONF_ERROR after an [emerg].
 */
char *hx_log_file_set_buffer(hx_conf_t *cf, hx_open_file_t *file,
    hx_str_t *path, hx_log_file_params_t *p);

/* the buffer of file, or NULL when it is not buffered */
hx_log_file_buf_t *hx_log_file_buffer(hx_open_file_t *file);

/*
 * Room for a line of at most len bytes in lf's buffer: writes the
 * buffer out first when the line does not fit, arms the flush timer
 * when the buffer was empty, and returns where the line goes; the
 * caller then calls hx_log_file_commit with the line's end.  NULL when
 * lf is not buffered or the line is longer than the whole buffer: the
 * caller writes it with hx_log_file_write.
 */
uint8_t *hx_log_file_reserve(hx_log_file_t *lf, size_t len, hx_log_t *log);

/* the line reserved in lf's buffer ends at last */
void hx_log_file_commit(hx_log_file_t *lf, uint8_t *last);

/*
 * Writes buf to lf->file (one gzip member when its buffer asks for
 * gzip) and complains as hx_log_file_result does.
 */
void hx_log_file_write(hx_log_file_t *lf, uint8_t *buf, size_t len,
    hx_log_t *log);

/*
 * Accounts a write of len bytes to name that returned n (-1 with errno
 * set): a full disk makes lf skip lines for the rest of the second, and
 * a failed or short write is logged at alert, once a minute per lf.
 */
void hx_log_file_result(hx_log_file_t *lf, uint8_t *name, ssize_t n,
    size_t len, hx_log_t *log);

/* lf's disk was full earlier in this second: the line is dropped */
hx_int_t hx_log_file_disk_full(hx_log_file_t *lf);

/*
 * Compresses buf as one gzip member and writes it to fd.  Returns len
 * when written (a compression failure is logged and the data dropped,
 * also len), -1 with errno set when the write failed or was short.
 */
ssize_t hx_log_file_gzip(hx_fd_t fd, uint8_t *buf, size_t len,
    hx_int_t level, hx_log_t *log);

/* file->flush of a buffered file: writes out what the buffer holds */
void hx_log_file_flush(hx_open_file_t *file, hx_log_t *log);

/* flushes every buffered file of cycle (a worker or master exiting) */
void hx_log_file_flush_all(hx_cycle_t *cycle);


#endif /* HX_CORE_HX_LOG_FILE_H */
