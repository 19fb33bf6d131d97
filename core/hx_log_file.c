/*
 * The file side of an access log (see hx_log_file.h), written once for
 * the http and stream log modules.
 *
 * A buffer hangs on the cycle's open file rather than on the access_log
 * that asked for it, so that every access_log naming one file shares
 * one buffer and one order of lines, and the cycle can flush it before
 * a USR1 reopen.  The flush timer is cancelable: a stopping worker does
 * not wait for it, its exit hook flushes instead.
 *
 * gzip compresses each buffer written as a gzip member of its own,
 * which is what "zcat" expects of a file appended to over time; zlib's
 * memory comes from a pool made for that one member, so a failure on
 * the way leaks nothing.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_log_file.h>

#include <zlib.h>


static hx_int_t hx_log_file_param(hx_conf_t *cf, hx_str_t *word,
    hx_log_file_params_t *p);
static void hx_log_file_flush_handler(hx_event_t *ev);
static void *hx_log_file_gzip_alloc(void *opaque, u_int items, u_int size);
static void hx_log_file_gzip_free(void *opaque, void *address);


hx_int_t
hx_log_file_params(hx_conf_t *cf, hx_uint_t first, hx_log_file_params_t *p)
{
    hx_int_t    rc;
    hx_str_t   *value;
    hx_uint_t   i;

    hx_memzero(p, sizeof(hx_log_file_params_t));

    value = cf->args->elts;

    for (i = first; i < cf->args->nelts; i++) {

        rc = hx_log_file_param(cf, &value[i], p);

        if (rc == HX_ERROR) {
            return HX_ERROR;
        }

        if (rc == HX_OK) {
            continue;
        }

        if (hx_strncmp(value[i].data, "if=", 3) == 0) {
            p->filter.len = value[i].len - 3;
            p->filter.data = value[i].data + 3;
            continue;
        }

        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid parameter \"%V\"", &value[i]);
        return HX_ERROR;
    }

    return HX_OK;
}


/*
 * One word: HX_OK taken, HX_DECLINED not buffer=, flush= or gzip,
 * HX_ERROR after an [emerg].
 */
static hx_int_t
hx_log_file_param(hx_conf_t *cf, hx_str_t *word, hx_log_file_params_t *p)
{
    hx_str_t  s;

    if (hx_strncmp(word->data, "buffer=", 7) == 0) {
        s.len = word->len - 7;
        s.data = word->data + 7;

        p->size = hx_parse_size(&s);

        if (p->size == HX_ERROR || p->size == 0) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid buffer size \"%V\"", &s);
            return HX_ERROR;
        }

        return HX_OK;
    }

    if (hx_strncmp(word->data, "flush=", 6) == 0) {
        s.len = word->len - 6;
        s.data = word->data + 6;

        p->flush = (hx_msec_t) hx_parse_time(&s, 0);

        if (p->flush == (hx_msec_t) HX_ERROR || p->flush == 0) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid flush time \"%V\"", &s);
            return HX_ERROR;
        }

        return HX_OK;
    }

    if (hx_strncmp(word->data, "gzip", 4) != 0
        || (word->len != 4 && word->data[4] != '='))
    {
        return HX_DECLINED;
    }

    if (p->size == 0) {
        p->size = 64 * 1024;
    }

    if (word->len == 4) {
        p->gzip = Z_BEST_SPEED;
        return HX_OK;
    }

    s.len = word->len - 5;
    s.data = word->data + 5;

    p->gzip = hx_atoi(s.data, s.len);

    if (p->gzip < 1 || p->gzip > 9) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid compression level \"%V\"", &s);
        return HX_ERROR;
    }

    return HX_OK;
}


char *
hx_log_file_set_buffer(hx_conf_t *cf, hx_open_file_t *file, hx_str_t *path,
    hx_log_file_params_t *p)
{
    hx_log_file_buf_t  *buffer;

    if (p->flush && p->size == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "no buffer is defined for access_log \"%V\"",
                          path);
        return HX_CONF_ERROR;
    }

    if (p->size == 0) {
        return HX_CONF_OK;
    }

    if (file == NULL) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "buffered logs cannot have variables in name");
        return HX_CONF_ERROR;
    }

    if (file->data) {
        buffer = hx_log_file_buffer(file);

        if (buffer == NULL
            || buffer->last - buffer->start != p->size
            || buffer->flush != p->flush
            || buffer->gzip != p->gzip)
        {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "access_log \"%V\" already defined "
                              "with conflicting parameters", path);
            return HX_CONF_ERROR;
        }

        return HX_CONF_OK;
    }

    buffer = hx_pcalloc(cf->pool, sizeof(hx_log_file_buf_t));
    if (buffer == NULL) {
        return HX_CONF_ERROR;
    }

    buffer->start = hx_pnalloc(cf->pool, p->size);
    if (buffer->start == NULL) {
        return HX_CONF_ERROR;
    }

    buffer->pos = buffer->start;
    buffer->last = buffer->start + p->size;

    if (p->flush) {
        buffer->event = hx_pcalloc(cf->pool, sizeof(hx_event_t));
        if (buffer->event == NULL) {
            return HX_CONF_ERROR;
        }

        buffer->event->data = file;
        buffer->event->handler = hx_log_file_flush_handler;
        buffer->event->log = &cf->cycle->new_log;
        buffer->event->cancelable = 1;

        buffer->flush = p->flush;
    }

    buffer->gzip = p->gzip;

    file->flush = hx_log_file_flush;
    file->data = buffer;

    return HX_CONF_OK;
}


hx_log_file_buf_t *
hx_log_file_buffer(hx_open_file_t *file)
{
    if (file == NULL || file->flush != hx_log_file_flush) {
        return NULL;
    }

    return file->data;
}


uint8_t *
hx_log_file_reserve(hx_log_file_t *lf, size_t len, hx_log_t *log)
{
    hx_log_file_buf_t  *buffer;

    buffer = hx_log_file_buffer(lf->file);

    if (buffer == NULL) {
        return NULL;
    }

    if (len > (size_t) (buffer->last - buffer->pos)) {
        hx_log_file_write(lf, buffer->start, buffer->pos - buffer->start,
                          log);
        buffer->pos = buffer->start;
    }

    if (len > (size_t) (buffer->last - buffer->pos)) {

        /* longer than the whole buffer: nothing is left to flush */

        if (buffer->event && buffer->event->timer_set) {
            hx_del_timer(buffer->event);
        }

        return NULL;
    }

    if (buffer->event && buffer->pos == buffer->start) {
        hx_add_timer(buffer->event, buffer->flush);
    }

    return buffer->pos;
}


void
hx_log_file_commit(hx_log_file_t *lf, uint8_t *last)
{
    hx_log_file_buf_t  *buffer;

    buffer = hx_log_file_buffer(lf->file);

    if (buffer) {
        buffer->pos = last;
    }
}


void
hx_log_file_write(hx_log_file_t *lf, uint8_t *buf, size_t len,
    hx_log_t *log)
{
    ssize_t             n;
    hx_log_file_buf_t  *buffer;

    if (len == 0) {
        return;
    }

    buffer = hx_log_file_buffer(lf->file);

    if (buffer && buffer->gzip) {
        n = hx_log_file_gzip(lf->file->fd, buf, len, buffer->gzip, log);

    } else {
        n = hx_write_fd(lf->file->fd, buf, len);
    }

    hx_log_file_result(lf, lf->file->name.data, n, len, log);
}


void
hx_log_file_result(hx_log_file_t *lf, uint8_t *name, ssize_t n, size_t len,
    hx_log_t *log)
{
    time_t    now;
    hx_err_t  err;

    if (n == (ssize_t) len) {
        return;
    }

    now = hx_time();

    if (n == -1) {
        err = hx_errno;

        if (err == ENOSPC) {
            lf->disk_full_time = now;
        }

        /* at most one complaint a minute per log */

        if (now - lf->error_log_time > 59) {
            hx_log_error(HX_LOG_ALERT, log, err,
                         "write() to \"%s\" failed", name);
            lf->error_log_time = now;
        }

        return;
    }

    if (now - lf->error_log_time > 59) {
        hx_log_error(HX_LOG_ALERT, log, 0,
                     "write() to \"%s\" was incomplete: %z of %uz",
                     name, n, len);
        lf->error_log_time = now;
    }
}


hx_int_t
hx_log_file_disk_full(hx_log_file_t *lf)
{
    return hx_time() == lf->disk_full_time;
}


ssize_t
hx_log_file_gzip(hx_fd_t fd, uint8_t *buf, size_t len, hx_int_t level,
    hx_log_t *log)
{
    int          rc, wbits, memlevel;
    size_t       size;
    ssize_t      n;
    uint8_t     *out;
    hx_err_t     err;
    z_stream     zstream;
    hx_pool_t   *pool;

    wbits = MAX_WBITS;
    memlevel = MAX_MEM_LEVEL - 1;

    /* a smaller window for a small buffer: less memory, same output */

    while ((ssize_t) len < ((1 << (wbits - 1)) - 262)) {
        wbits--;
        memlevel--;
    }

    /* deflateBound()'s conservative bound plus the gzip wrapper */

    size = len + ((len + 7) >> 3) + ((len + 63) >> 6) + 5 + 18;

    pool = hx_create_pool(256, log);
    if (pool == NULL) {
        return len;
    }

    hx_memzero(&zstream, sizeof(z_stream));

    zstream.zalloc = hx_log_file_gzip_alloc;
    zstream.zfree = hx_log_file_gzip_free;
    zstream.opaque = pool;

    out = hx_pnalloc(pool, size);
    if (out == NULL) {
        goto done;
    }

    zstream.next_in = buf;
    zstream.avail_in = len;
    zstream.next_out = out;
    zstream.avail_out = size;

    rc = deflateInit2(&zstream, (int) level, Z_DEFLATED, wbits + 16,
                      memlevel, Z_DEFAULT_STRATEGY);

    if (rc != Z_OK) {
        hx_log_error(HX_LOG_ALERT, log, 0, "deflateInit2() failed: %d", rc);
        goto done;
    }

    rc = deflate(&zstream, Z_FINISH);

    if (rc != Z_STREAM_END) {
        hx_log_error(HX_LOG_ALERT, log, 0,
                     "deflate(Z_FINISH) failed: %d", rc);
        (void) deflateEnd(&zstream);
        goto done;
    }

    size -= zstream.avail_out;

    rc = deflateEnd(&zstream);

    if (rc != Z_OK) {
        hx_log_error(HX_LOG_ALERT, log, 0, "deflateEnd() failed: %d", rc);
        goto done;
    }

    n = hx_write_fd(fd, out, size);

    if (n != (ssize_t) size) {
        err = (n == -1) ? hx_errno : 0;
        hx_destroy_pool(pool);
        hx_set_errno(err);
        return -1;
    }

done:

    hx_destroy_pool(pool);

    return len;
}


static void *
hx_log_file_gzip_alloc(void *opaque, u_int items, u_int size)
{
    hx_pool_t  *pool = opaque;

    return hx_palloc(pool, (size_t) items * size);
}


static void
hx_log_file_gzip_free(void *opaque, void *address)
{
    /* the pool is destroyed as a whole after each member */

    (void) opaque;
    (void) address;
}


void
hx_log_file_flush(hx_open_file_t *file, hx_log_t *log)
{
    size_t              len;
    ssize_t             n;
    hx_log_file_buf_t  *buffer;

    buffer = file->data;

    if (buffer == NULL) {
        return;
    }

    len = buffer->pos - buffer->start;

    if (len) {
        if (buffer->gzip) {
            n = hx_log_file_gzip(file->fd, buffer->start, len, buffer->gzip,
                                 log);

        } else {
            n = hx_write_fd(file->fd, buffer->start, len);
        }

        if (n == -1) {
            hx_log_error(HX_LOG_ALERT, log, hx_errno,
                         "write() to \"%s\" failed", file->name.data);

        } else if ((size_t) n != len) {
            hx_log_error(HX_LOG_ALERT, log, 0,
                         "write() to \"%s\" was incomplete: %z of %uz",
                         file->name.data, n, len);
        }

        buffer->pos = buffer->start;
    }

    if (buffer->event && buffer->event->timer_set) {
        hx_del_timer(buffer->event);
    }
}


static void
hx_log_file_flush_handler(hx_event_t *ev)
{
    hx_log_debug(HX_LOG_DEBUG_CORE, ev->log, 0,
                 "log buffer flush handler");

    hx_log_file_flush(ev->data, ev->log);
}


void
hx_log_file_flush_all(hx_cycle_t *cycle)
{
    hx_open_file_t  *file;
    hx_list_iter_t   it;

    if (cycle == NULL || cycle->open_files.part.elts == NULL) {
        return;
    }

    hx_list_iter_init(&it, &cycle->open_files);

    while ((file = hx_list_iter_next(&it)) != NULL) {
        if (file->flush == hx_log_file_flush) {
            hx_log_file_flush(file, cycle->log);
        }
    }
}
