/*
 * Files and paths: open/read/write wrappers that keep the offset, names
 * made absolute against the prefix, globs for "include", and temp paths
 * with nginx's "levels" layout (client_body_temp_path, proxy_temp_path).
 */

#ifndef HX_CORE_HX_FILES_H
#define HX_CORE_HX_FILES_H


struct hx_file_s {
    hx_fd_t          fd;
    hx_str_t         name;
    struct stat      info;

    off_t            offset;
    off_t            sys_offset;

    hx_log_t        *log;

    unsigned         valid_info:1;
    unsigned         directio:1;
};


/* one file shared by every log that names it; reopened on USR1 */
struct hx_open_file_s {
    hx_fd_t          fd;
    hx_str_t         name;

    void           (*flush)(hx_open_file_t *file, hx_log_t *log);
    void            *data;
};


#define HX_MAX_PATH_LEVEL  3

typedef struct {
    hx_str_t         name;
    size_t           len;
    size_t           level[HX_MAX_PATH_LEVEL];

    const char      *conf_file;
    hx_uint_t        line;
} hx_path_t;


typedef struct {
    size_t           n;
    glob_t           pglob;
    uint8_t         *pattern;
    hx_log_t        *log;
    hx_uint_t        test;
} hx_glob_t;


#define HX_FILE_RDONLY     O_RDONLY
#define HX_FILE_WRONLY     O_WRONLY
#define HX_FILE_RDWR       O_RDWR
#define HX_FILE_CREATE_OR_OPEN  O_CREAT
#define HX_FILE_OPEN       0
#define HX_FILE_TRUNCATE   (O_CREAT|O_TRUNC)
#define HX_FILE_APPEND     (O_WRONLY|O_APPEND)
#define HX_FILE_NONBLOCK   O_NONBLOCK
#define HX_FILE_DEFAULT_ACCESS  0644
#define HX_FILE_OWNER_ACCESS    0600

#define hx_open_file(name, mode, create, access)                              \
    open((const char *) name, mode|create|O_CLOEXEC, access)
#define hx_close_file      close
#define hx_delete_file(name)   unlink((const char *) name)
#define hx_rename_file(o, n)   rename((const char *) o, (const char *) n)
#define hx_file_info(file, sb) stat((const char *) file, sb)
#define hx_fd_info(fd, sb)     fstat(fd, sb)
#define hx_is_dir(sb)          (S_ISDIR((sb)->st_mode))
#define hx_is_file(sb)         (S_ISREG((sb)->st_mode))
#define hx_is_link(sb)         (S_ISLNK((sb)->st_mode))
#define hx_is_exec(sb)         (((sb)->st_mode & S_IXUSR) == S_IXUSR)
#define hx_file_size(sb)       (sb)->st_size
#define hx_file_mtime(sb)      (sb)->st_mtime
#define hx_file_uniq(sb)       (sb)->st_ino
#define hx_path_separator(c)   ((c) == '/')

ssize_t hx_read_file(hx_file_t *file, uint8_t *buf, size_t size,
    off_t offset);
ssize_t hx_write_file(hx_file_t *file, uint8_t *buf, size_t size,
    off_t offset);
/* writes all of buf to fd, retrying on EINTR and partial writes */
ssize_t hx_write_fd(hx_fd_t fd, void *buf, size_t n);
#define hx_write_console   hx_write_fd

/*
 * Makes name absolute: unchanged if it starts with '/', else prefix + name.
 * Allocates from pool; HX_ERROR only on allocation failure.
 */
hx_int_t hx_get_full_name(hx_pool_t *pool, hx_str_t *prefix, hx_str_t *name);

/* creates every directory of a file path that is missing, mode 0700 */
hx_err_t hx_create_full_path(uint8_t *dir, hx_uint_t access);

hx_int_t hx_open_glob(hx_glob_t *gl);
/* the next match into name (NUL-terminated); HX_DONE after the last */
hx_int_t hx_read_glob(hx_glob_t *gl, hx_str_t *name);
void hx_close_glob(hx_glob_t *gl);

/* checks whether a string holds glob metacharacters */
hx_uint_t hx_has_glob(uint8_t *s, size_t len);

#endif /* HX_CORE_HX_FILES_H */
