/*
 * Files and paths.
 *
 * Reads and writes go through pread()/pwrite() at an explicit offset, so
 * one descriptor can serve several readers (the config dumper, a cache
 * file, a temp file being written) without a shared file position, and a
 * short transfer or EINTR is retried here rather than by every caller.
 * Failures are logged through the file's own log, whose context tells the
 * reader which request or directive was involved.
 *
 * Globs back the "include" directive: results come sorted, as glob()
 * gives them without GLOB_NOSORT, so the order of included files does not
 * depend on the directory's layout.
 */

#include <hx_config.h>
#include <hx_core.h>


/*
 * Reads up to size bytes at offset.  Returns the number read (0 at end of
 * file), or HX_ERROR after logging; file->offset advances by the count.
 */
ssize_t
hx_read_file(hx_file_t *file, uint8_t *buf, size_t size, off_t offset)
{
    ssize_t   n;
    hx_err_t  err;

    for ( ;; ) {
        n = pread(file->fd, buf, size, offset);

        if (n != -1) {
            break;
        }

        err = hx_errno;

        if (err == EINTR) {
            continue;
        }

        hx_log_error(HX_LOG_CRIT, file->log, err,
                     "pread() \"%V\" failed", &file->name);
        return HX_ERROR;
    }

    file->offset += n;

    return n;
}


/*
 * Writes all of buf at offset, looping over short writes.  Returns size,
 * or HX_ERROR after logging (a full disk included); file->offset advances
 * by what was written.
 */
ssize_t
hx_write_file(hx_file_t *file, uint8_t *buf, size_t size, off_t offset)
{
    size_t    written;
    ssize_t   n;
    hx_err_t  err;

    written = 0;

    while (written < size) {
        n = pwrite(file->fd, buf + written, size - written,
                   offset + (off_t) written);

        if (n == -1) {
            err = hx_errno;

            if (err == EINTR) {
                continue;
            }

            hx_log_error(HX_LOG_CRIT, file->log, err,
                         "pwrite() \"%V\" failed", &file->name);
            file->offset += written;
            return HX_ERROR;
        }

        if (n == 0) {
            hx_log_error(HX_LOG_CRIT, file->log, 0,
                         "pwrite() \"%V\" has written only %uz of %uz",
                         &file->name, written, size);
            file->offset += written;
            return HX_ERROR;
        }

        written += n;
    }

    file->offset += written;

    return (ssize_t) written;
}


/*
 * Writes all n bytes to fd at its current position (stderr, a pipe, a log
 * opened with O_APPEND).  Returns n, or -1 with errno set; nothing is
 * logged because this is what the logger itself uses.
 */
ssize_t
hx_write_fd(hx_fd_t fd, void *buf, size_t n)
{
    size_t    done;
    ssize_t   rc;
    uint8_t  *p;

    p = buf;
    done = 0;

    while (done < n) {
        rc = write(fd, p + done, n - done);

        if (rc == -1) {
            if (hx_errno == EINTR) {
                continue;
            }

            return -1;
        }

        if (rc == 0) {
            hx_set_errno(EIO);
            return -1;
        }

        done += rc;
    }

    return (ssize_t) n;
}


/*
 * Makes name absolute against prefix.  An absolute name is left alone;
 * otherwise name gets a new NUL-terminated copy, prefix + '/' (when the
 * prefix lacks one) + name, allocated from pool.  HX_ERROR only when the
 * allocation fails.
 */
hx_int_t
hx_get_full_name(hx_pool_t *pool, hx_str_t *prefix, hx_str_t *name)
{
    size_t     len, slash;
    uint8_t   *p, *full;

    if (name->len > 0 && hx_path_separator(name->data[0])) {
        return HX_OK;
    }

    len = prefix->len;

    slash = (len > 0 && !hx_path_separator(prefix->data[len - 1])) ? 1 : 0;

    full = hx_pnalloc(pool, len + slash + name->len + 1);
    if (full == NULL) {
        return HX_ERROR;
    }

    p = hx_cpymem(full, prefix->data, len);

    if (slash) {
        *p++ = '/';
    }

    p = hx_cpymem(p, name->data, name->len);
    *p = '\0';

    name->len = p - full;
    name->data = full;

    return HX_OK;
}


/*
 * Creates every missing directory on the way to the file dir names (a
 * NUL-terminated path; the part after the last '/' is taken to be the file
 * and is not created), with mode access.  Returns 0 or the errno of the
 * mkdir() that failed; dir is unchanged on return.
 */
hx_err_t
hx_create_full_path(uint8_t *dir, hx_uint_t access)
{
    uint8_t   *p, ch;
    hx_err_t   err;

    err = 0;

    for (p = dir + 1; *p; p++) {
        ch = *p;

        if (ch != '/') {
            continue;
        }

        *p = '\0';

        if (mkdir((const char *) dir, (mode_t) access) == -1) {
            err = hx_errno;

            if (err == EEXIST) {
                err = 0;
            }
        }

        *p = '/';

        if (err) {
            break;
        }
    }

    return err;
}


/*
 * Expands gl->pattern (NUL-terminated).  A pattern with glob
 * metacharacters that matches nothing gives an empty list, as an include
 * of every ".conf" in an empty directory should; a plain name that does
 * not exist is an error with errno ENOENT, unless gl->test is set.
 * Returns HX_OK or HX_ERROR with errno set.
 */
hx_int_t
hx_open_glob(hx_glob_t *gl)
{
    int  rc;

    gl->n = 0;
    hx_memzero(&gl->pglob, sizeof(glob_t));

    hx_set_errno(0);

    rc = glob((const char *) gl->pattern, 0, NULL, &gl->pglob);

    switch (rc) {

    case 0:
        return HX_OK;

    case GLOB_NOMATCH:
        if (gl->test
            || hx_has_glob(gl->pattern, hx_strlen(gl->pattern)))
        {
            return HX_OK;
        }

        hx_set_errno(ENOENT);
        return HX_ERROR;

    case GLOB_NOSPACE:
        hx_set_errno(ENOMEM);
        return HX_ERROR;

    default:
        /* GLOB_ABORTED: a directory could not be read; errno says why */
        if (hx_errno == 0) {
            hx_set_errno(EIO);
        }

        return HX_ERROR;
    }
}


/* the next match into name (NUL-terminated); HX_DONE after the last */
hx_int_t
hx_read_glob(hx_glob_t *gl, hx_str_t *name)
{
    if (gl->n >= (size_t) gl->pglob.gl_pathc) {
        return HX_DONE;
    }

    name->data = (uint8_t *) gl->pglob.gl_pathv[gl->n];
    name->len = hx_strlen(name->data);
    gl->n++;

    return HX_OK;
}


void
hx_close_glob(hx_glob_t *gl)
{
    globfree(&gl->pglob);
    gl->n = 0;
}


/* 1 when the first len bytes of s hold '*', '?' or '[' */
hx_uint_t
hx_has_glob(uint8_t *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (s[i] == '*' || s[i] == '?' || s[i] == '[') {
            return 1;
        }
    }

    return 0;
}
