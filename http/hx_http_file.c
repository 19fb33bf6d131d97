/*
 * Opening request files (see hx_http_file.h).
 *
 * Without disable_symlinks a plain open() and fstat() suffice.  With it,
 * the path is walked one component at a time with openat(O_NOFOLLOW),
 * so a symbolic link anywhere in the path fails with ELOOP (answered
 * 403), or, for "if_not_owner", is followed only when the link and its
 * target have the same owner: the check and the use are the same
 * descriptor, so nothing can swap a component in between.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


static void
hx_http_file_fill(hx_http_open_file_info_t *of, struct stat *sb)
{
    of->size = sb->st_size;
    of->mtime = sb->st_mtime;
    of->uniq = sb->st_ino;
    of->is_dir = S_ISDIR(sb->st_mode) ? 1 : 0;
    of->is_file = S_ISREG(sb->st_mode) ? 1 : 0;
    of->is_link = S_ISLNK(sb->st_mode) ? 1 : 0;
    of->is_exec = (sb->st_mode & S_IXUSR) ? 1 : 0;
}


/* one more component under dir: follows a link only when allowed */
static hx_fd_t
hx_http_file_openat(hx_fd_t dir, uint8_t *name, int flags,
    hx_uint_t mode, hx_http_open_file_info_t *of)
{
    hx_fd_t      fd;
    struct stat  lsb, tsb;

    fd = openat(dir, (const char *) name, flags|O_NOFOLLOW|O_CLOEXEC);

    if (fd != -1 || errno != ELOOP
        || mode != HX_HTTP_DISABLE_SYMLINKS_NOTOWNER)
    {
        return fd;
    }

    /* a link: allowed when it and its target have one owner */

    if (fstatat(dir, (const char *) name, &lsb, AT_SYMLINK_NOFOLLOW) == -1) {
        return -1;
    }

    fd = openat(dir, (const char *) name, flags|O_CLOEXEC);
    if (fd == -1) {
        return -1;
    }

    if (fstat(fd, &tsb) == -1) {
        close(fd);
        return -1;
    }

    if (lsb.st_uid != tsb.st_uid) {
        close(fd);
        errno = EACCES;
        of->failed = "open()";
        return -1;
    }

    return fd;
}


/* walks path component by component; the final descriptor or -1 */
static hx_fd_t
hx_http_file_open_nofollow(hx_str_t *path, hx_http_open_file_info_t *of)
{
    uint8_t    *p, *end, *name;
    hx_fd_t     dir, fd;
    hx_err_t    err;

    p = path->data;
    end = path->data + path->len;

    dir = open("/", O_RDONLY|O_DIRECTORY|O_CLOEXEC);
    if (dir == -1) {
        return -1;
    }

    while (p < end && *p == '/') {
        p++;
    }

    for ( ;; ) {
        name = p;

        while (p < end && *p != '/') {
            p++;
        }

        if (p == end) {
            fd = hx_http_file_openat(dir, name, O_RDONLY|O_NONBLOCK,
                                     of->disable_symlinks, of);
            err = errno;
            close(dir);
            errno = err;
            return fd;
        }

        *p = '\0';

        fd = hx_http_file_openat(dir, name, O_RDONLY|O_DIRECTORY,
                                 of->disable_symlinks, of);
        err = errno;

        *p = '/';

        close(dir);

        if (fd == -1) {
            errno = err;
            return -1;
        }

        dir = fd;

        while (p < end && *p == '/') {
            p++;
        }

        if (p == end) {
            /* the path names a directory ("/dir/") */
            return dir;
        }
    }
}


hx_int_t
hx_http_open_file(hx_http_request_t *r, hx_str_t *path,
    hx_http_open_file_info_t *of)
{
    hx_fd_t                   fd;
    struct stat               sb;
    hx_pool_cleanup_t        *cln;
    hx_pool_cleanup_file_t   *clnf;

    of->fd = HX_INVALID_FILE;
    of->err = 0;

    if (of->disable_symlinks == HX_HTTP_DISABLE_SYMLINKS_OFF) {

        if (of->test_only || of->test_dir) {
            if (stat((const char *) path->data, &sb) == -1) {
                of->err = errno;
                of->failed = "stat()";
                return HX_ERROR;
            }

            hx_http_file_fill(of, &sb);

            if (of->test_only || of->is_dir) {
                return HX_OK;
            }
        }

        fd = open((const char *) path->data, O_RDONLY|O_NONBLOCK|O_CLOEXEC);

        if (fd == -1) {
            of->err = errno;
            of->failed = "open()";
            return HX_ERROR;
        }

    } else {

        fd = hx_http_file_open_nofollow(path, of);

        if (fd == -1) {
            of->err = (errno == EMLINK) ? ELOOP : errno;

            if (of->failed == NULL) {
                of->failed = "open()";
            }

            return HX_ERROR;
        }
    }

    if (fstat(fd, &sb) == -1) {
        of->err = errno;
        of->failed = "fstat()";
        close(fd);
        return HX_ERROR;
    }

    hx_http_file_fill(of, &sb);

    if (of->is_dir || of->test_only) {
        close(fd);
        return HX_OK;
    }

    cln = hx_pool_cleanup_add(r->pool, sizeof(hx_pool_cleanup_file_t));
    if (cln == NULL) {
        close(fd);
        return HX_ERROR;
    }

    cln->handler = hx_pool_cleanup_file;
    clnf = cln->data;

    clnf->fd = fd;
    clnf->name = path->data;
    clnf->log = r->pool->log;

    of->fd = fd;

    return HX_OK;
}
