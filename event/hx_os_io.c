/*
 * Plain-socket I/O: recv/send, readv/writev over buffer chains, sendfile
 * for file-backed buffers, and datagrams.
 *
 * Every function keeps the event's "ready" bit true to the kernel: it is
 * cleared on EAGAIN and on a short transfer (the socket buffer is drained
 * or full), so with edge-triggered epoll a handler knows it must wait for
 * the next report and never spins.  With EPOLLRDHUP a short read also
 * means "nothing more until the next report", which saves the final
 * recv() that would only return EAGAIN.
 *
 * Sends go through sendmsg(MSG_NOSIGNAL) rather than writev()/send() so a
 * peer that vanished yields EPIPE, not SIGPIPE.  Partial writes are
 * normal: the chain functions advance the buffers by what went out and
 * return the first unsent link.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>

#include <sys/sendfile.h>


static hx_chain_t *hx_chain_skip_empty(hx_chain_t *in);
static hx_chain_t *hx_sendfile_head(hx_connection_t *c, hx_chain_t *in,
    off_t limit, hx_iovec_t *header, hx_buf_t **file, size_t *file_size);
static ssize_t hx_linux_sendfile(hx_connection_t *c, hx_buf_t *file,
    size_t size);


hx_os_io_t  hx_os_io = {
    hx_unix_recv,
    hx_readv_chain,
    hx_udp_recv,
    hx_unix_send,
    hx_udp_send,
    hx_udp_send_chain,
    hx_linux_sendfile_chain,
    HX_IO_SENDFILE
};

hx_os_io_t  hx_io = {
    hx_unix_recv,
    hx_readv_chain,
    hx_udp_recv,
    hx_unix_send,
    hx_udp_send,
    hx_udp_send_chain,
    hx_linux_sendfile_chain,
    HX_IO_SENDFILE
};


ssize_t
hx_unix_recv(hx_connection_t *c, uint8_t *buf, size_t size)
{
    ssize_t      n;
    hx_err_t     err;
    hx_event_t  *rev;

    rev = c->read;

    if (hx_use_epoll_rdhup && rev->available == 0 && !rev->pending_eof) {

        /* drained since the last report, and no FIN seen */

        rev->ready = 0;
        return HX_AGAIN;
    }

    for ( ;; ) {
        n = recv(c->fd, buf, size, 0);

        hx_log_debug(HX_LOG_DEBUG_EVENT, c->log, 0,
                     "recv: fd:%d %z of %uz", c->fd, n, size);

        if (n == 0) {
            rev->ready = 0;
            rev->eof = 1;
            return 0;
        }

        if (n > 0) {
            if ((size_t) n < size) {
                if (hx_use_epoll_rdhup) {
                    if (!rev->pending_eof) {
                        rev->ready = 0;
                    }

                    rev->available = 0;

                } else if (!(hx_event_flags & HX_USE_GREEDY_EVENT)) {
                    rev->ready = 0;
                }
            }

            return n;
        }

        err = hx_errno;

        if (err == EINTR) {
            continue;
        }

        rev->ready = 0;

        if (err == EAGAIN || err == EWOULDBLOCK) {
            hx_log_debug(HX_LOG_DEBUG_EVENT, c->log, err,
                         "recv() not ready");
            return HX_AGAIN;
        }

        rev->error = 1;
        (void) hx_connection_error(c, err, "recv() failed");

        return HX_ERROR;
    }
}


ssize_t
hx_readv_chain(hx_connection_t *c, hx_chain_t *chain, off_t limit)
{
    uint8_t       *prev;
    ssize_t        n, size;
    hx_err_t       err;
    hx_uint_t      count;
    hx_event_t    *rev;
    struct iovec  *iov, iovs[HX_IOVS_PREALLOCATE];

    rev = c->read;

    if (hx_use_epoll_rdhup && rev->available == 0 && !rev->pending_eof) {
        rev->ready = 0;
        return HX_AGAIN;
    }

    prev = NULL;
    iov = NULL;
    size = 0;
    count = 0;

    /* coalesce the neighbouring buffers in one iovec */

    while (chain) {
        n = chain->buf->end - chain->buf->last;

        if (limit) {
            if (size >= limit) {
                break;
            }

            if (size + n > limit) {
                n = (ssize_t) (limit - size);
            }
        }

        if (prev == chain->buf->last) {
            iov->iov_len += n;

        } else {
            if (count == HX_IOVS_PREALLOCATE) {
                break;
            }

            iov = &iovs[count++];

            iov->iov_base = (void *) chain->buf->last;
            iov->iov_len = n;
        }

        size += n;
        prev = chain->buf->end;
        chain = chain->next;
    }

    if (size == 0) {

        /* readv() would return 0, which means end of stream */

        hx_log_error(HX_LOG_ALERT, c->log, 0, "readv() into a full chain");
        return HX_ERROR;
    }

    hx_log_debug(HX_LOG_DEBUG_EVENT, c->log, 0,
                 "readv: %ui, last:%uz", count, iov->iov_len);

    for ( ;; ) {
        n = readv(c->fd, iovs, (int) count);

        if (n == 0) {
            rev->ready = 0;
            rev->eof = 1;
            return 0;
        }

        if (n > 0) {
            if (n < size) {
                if (hx_use_epoll_rdhup) {
                    if (!rev->pending_eof) {
                        rev->ready = 0;
                    }

                    rev->available = 0;

                } else if (!(hx_event_flags & HX_USE_GREEDY_EVENT)) {
                    rev->ready = 0;
                }
            }

            return n;
        }

        err = hx_errno;

        if (err == EINTR) {
            continue;
        }

        rev->ready = 0;

        if (err == EAGAIN || err == EWOULDBLOCK) {
            hx_log_debug(HX_LOG_DEBUG_EVENT, c->log, err,
                         "readv() not ready");
            return HX_AGAIN;
        }

        rev->error = 1;
        (void) hx_connection_error(c, err, "readv() failed");

        return HX_ERROR;
    }
}


ssize_t
hx_udp_recv(hx_connection_t *c, uint8_t *buf, size_t size)
{
    ssize_t      n;
    hx_err_t     err;
    hx_event_t  *rev;

    rev = c->read;

    for ( ;; ) {
        n = recv(c->fd, buf, size, 0);

        hx_log_debug(HX_LOG_DEBUG_EVENT, c->log, 0,
                     "recv: fd:%d %z of %uz", c->fd, n, size);

        if (n >= 0) {
            return n;
        }

        err = hx_errno;

        if (err == EINTR) {
            continue;
        }

        rev->ready = 0;

        if (err == EAGAIN || err == EWOULDBLOCK) {
            hx_log_debug(HX_LOG_DEBUG_EVENT, c->log, err,
                         "recv() not ready");
            return HX_AGAIN;
        }

        rev->error = 1;
        (void) hx_connection_error(c, err, "recv() failed");

        return HX_ERROR;
    }
}


ssize_t
hx_unix_send(hx_connection_t *c, uint8_t *buf, size_t size)
{
    ssize_t      n;
    hx_err_t     err;
    hx_event_t  *wev;

    wev = c->write;

    for ( ;; ) {
        n = send(c->fd, buf, size, MSG_NOSIGNAL);

        hx_log_debug(HX_LOG_DEBUG_EVENT, c->log, 0,
                     "send: fd:%d %z of %uz", c->fd, n, size);

        if (n > 0) {
            if ((size_t) n < size) {
                wev->ready = 0;
            }

            c->sent += n;

            return n;
        }

        err = hx_errno;

        if (n == 0) {
            hx_log_error(HX_LOG_ALERT, c->log, err, "send() returned zero");
            wev->ready = 0;
            return n;
        }

        if (err == EINTR) {
            continue;
        }

        if (err == EAGAIN || err == EWOULDBLOCK) {
            wev->ready = 0;

            hx_log_debug(HX_LOG_DEBUG_EVENT, c->log, err,
                         "send() not ready");

            return HX_AGAIN;
        }

        wev->error = 1;
        (void) hx_connection_error(c, err, "send() failed");

        return HX_ERROR;
    }
}


ssize_t
hx_udp_send(hx_connection_t *c, uint8_t *buf, size_t size)
{
    ssize_t  n;

    n = hx_unix_send(c, buf, size);

    if (n >= 0 && (size_t) n != size) {
        hx_log_error(HX_LOG_CRIT, c->log, 0,
                     "send() incomplete: %z of %uz", n, size);
        return HX_ERROR;
    }

    return n;
}


hx_chain_t *
hx_output_chain_to_iovec(hx_iovec_t *vec, hx_chain_t *in, size_t limit,
    hx_log_t *log)
{
    size_t         total, size;
    uint8_t       *prev;
    hx_uint_t      n;
    struct iovec  *iov;

    iov = NULL;
    prev = NULL;
    total = 0;
    n = 0;

    for ( /* void */ ; in && total < limit; in = in->next) {

        if (hx_buf_special(in->buf)) {
            continue;
        }

        if (in->buf->in_file) {
            break;
        }

        if (!hx_buf_in_memory(in->buf)) {
            hx_log_error(HX_LOG_ALERT, log, 0,
                         "bad buf in output chain "
                         "t:%d r:%d f:%d %p %p-%p %p %O-%O",
                         in->buf->temporary,
                         in->buf->recycled,
                         in->buf->in_file,
                         in->buf->start,
                         in->buf->pos,
                         in->buf->last,
                         in->buf->file,
                         in->buf->file_pos,
                         in->buf->file_last);

            return HX_CHAIN_ERROR;
        }

        size = in->buf->last - in->buf->pos;

        if (size > limit - total) {
            size = limit - total;
        }

        if (prev == in->buf->pos) {
            iov->iov_len += size;

        } else {
            if (n == vec->nalloc) {
                break;
            }

            iov = &vec->iovs[n++];

            iov->iov_base = (void *) in->buf->pos;
            iov->iov_len = size;
        }

        prev = in->buf->pos + size;
        total += size;
    }

    vec->count = n;
    vec->size = total;

    return in;
}


ssize_t
hx_writev(hx_connection_t *c, hx_iovec_t *vec)
{
    ssize_t        n;
    hx_err_t       err;
    struct msghdr  msg;

    hx_memzero(&msg, sizeof(struct msghdr));
    msg.msg_iov = vec->iovs;
    msg.msg_iovlen = vec->count;

    for ( ;; ) {
        n = sendmsg(c->fd, &msg, MSG_NOSIGNAL);

        if (n != -1) {
            return n;
        }

        err = hx_errno;

        switch (err) {

        case EAGAIN:
            hx_log_debug(HX_LOG_DEBUG_EVENT, c->log, err,
                         "writev() not ready");
            return HX_AGAIN;

        case EINTR:
            hx_log_debug(HX_LOG_DEBUG_EVENT, c->log, err,
                         "writev() was interrupted");
            continue;

        default:
            c->write->error = 1;
            (void) hx_connection_error(c, err, "writev() failed");
            return HX_ERROR;
        }
    }
}


hx_chain_t *
hx_writev_chain(hx_connection_t *c, hx_chain_t *in, off_t limit)
{
    ssize_t        n, sent;
    off_t          send, prev_send;
    hx_chain_t    *cl;
    hx_event_t    *wev;
    hx_iovec_t     vec;
    struct iovec   iovs[HX_IOVS_PREALLOCATE];

    wev = c->write;

    if (!wev->ready) {
        return in;
    }

    /* the limit bounds one call's work, so one connection can't hog */

    if (limit == 0 || limit > (off_t) (SSIZE_MAX - 4096)) {
        limit = SSIZE_MAX - 4096;
    }

    send = 0;

    vec.iovs = iovs;
    vec.nalloc = HX_IOVS_PREALLOCATE;

    for ( ;; ) {
        prev_send = send;

        in = hx_chain_skip_empty(in);

        if (in == NULL) {
            return NULL;
        }

        cl = hx_output_chain_to_iovec(&vec, in, (size_t) (limit - send),
                                      c->log);

        if (cl == HX_CHAIN_ERROR) {
            return HX_CHAIN_ERROR;
        }

        if (cl && cl->buf->in_file) {
            hx_log_error(HX_LOG_ALERT, c->log, 0,
                         "file buf in writev "
                         "t:%d r:%d f:%d %p %p-%p %p %O-%O",
                         cl->buf->temporary,
                         cl->buf->recycled,
                         cl->buf->in_file,
                         cl->buf->start,
                         cl->buf->pos,
                         cl->buf->last,
                         cl->buf->file,
                         cl->buf->file_pos,
                         cl->buf->file_last);

            return HX_CHAIN_ERROR;
        }

        send += vec.size;

        if (vec.count == 0) {

            /* only special (flush, last) buffers */

            return hx_chain_update_sent(in, 0);
        }

        n = hx_writev(c, &vec);

        if (n == HX_ERROR) {
            return HX_CHAIN_ERROR;
        }

        sent = (n == HX_AGAIN) ? 0 : n;

        c->sent += sent;

        in = hx_chain_update_sent(in, sent);

        if (send - prev_send != sent) {

            /* the socket buffer is full: wait for the next EPOLLOUT */

            wev->ready = 0;
            return in;
        }

        if (send >= limit || in == NULL) {
            return in;
        }
    }
}


/*
 * Skips the links with nothing to send (flush/last markers, empty
 * buffers): they count as sent, and hx_chain_update_sent() would stop at
 * an empty buffer when nothing was written.
 */
static hx_chain_t *
hx_chain_skip_empty(hx_chain_t *in)
{
    while (in && (hx_buf_special(in->buf) || hx_buf_size(in->buf) == 0)) {
        in = in->next;
    }

    return in;
}


/*
 * Memory buffers go out with writev, file buffers with sendfile();
 * TCP_CORK holds back a header until the file data that follows it so
 * both share packets (unless tcp_nopush is disabled).
 */
hx_chain_t *
hx_linux_sendfile_chain(hx_connection_t *c, hx_chain_t *in, off_t limit)
{
    off_t          send, prev_send;
    size_t         file_size, sent;
    ssize_t        n;
    hx_buf_t      *file;
    hx_event_t    *wev;
    hx_chain_t    *cl;
    hx_iovec_t     header;
    struct iovec   headers[HX_IOVS_PREALLOCATE];

    wev = c->write;

    if (!wev->ready) {
        return in;
    }

    if (limit == 0 || limit > (off_t) (HX_SENDFILE_MAXSIZE - 4096)) {
        limit = HX_SENDFILE_MAXSIZE - 4096;
    }

    send = 0;

    header.iovs = headers;
    header.nalloc = HX_IOVS_PREALLOCATE;

    for ( ;; ) {
        prev_send = send;

        in = hx_chain_skip_empty(in);

        if (in == NULL) {
            return NULL;
        }

        cl = hx_sendfile_head(c, in, limit - send, &header, &file,
                              &file_size);

        if (cl == HX_CHAIN_ERROR) {
            return HX_CHAIN_ERROR;
        }

        send += header.size;

        if (header.count == 0 && file) {
            send += file_size;

            n = hx_linux_sendfile(c, file, file_size);

            if (n == HX_ERROR) {
                return HX_CHAIN_ERROR;
            }

            sent = (n == HX_AGAIN) ? 0 : (size_t) n;

        } else if (header.count) {
            n = hx_writev(c, &header);

            if (n == HX_ERROR) {
                return HX_CHAIN_ERROR;
            }

            sent = (n == HX_AGAIN) ? 0 : (size_t) n;

        } else {
            return hx_chain_update_sent(in, 0);
        }

        c->sent += sent;

        in = hx_chain_update_sent(in, sent);

        if (send - prev_send != (off_t) sent) {
            wev->ready = 0;
            return in;
        }

        if (send >= limit || in == NULL) {
            return in;
        }
    }
}


/*
 * What to send next from "in": the memory buffers at its head (into
 * header), or, when it starts with a file buffer, that file region
 * coalesced with the adjacent ones (*file, *file_size).  Corks the socket
 * when a header is followed by file data.
 */
static hx_chain_t *
hx_sendfile_head(hx_connection_t *c, hx_chain_t *in, off_t limit,
    hx_iovec_t *header, hx_buf_t **file, size_t *file_size)
{
    hx_err_t     err;
    hx_chain_t  *cl;

    *file = NULL;
    *file_size = 0;

    while (in && hx_buf_special(in->buf)) {
        in = in->next;
    }

    if (in == NULL) {
        header->count = 0;
        header->size = 0;
        return NULL;
    }

    if (!in->buf->in_file) {
        cl = hx_output_chain_to_iovec(header, in, (size_t) limit, c->log);

        if (cl == HX_CHAIN_ERROR) {
            return HX_CHAIN_ERROR;
        }

        if (cl && cl->buf->in_file && header->size < (size_t) limit
            && c->tcp_nopush == HX_TCP_NOPUSH_UNSET
            && header->count != 0)
        {
            if (hx_tcp_nopush(c->fd) == -1) {
                err = hx_errno;

                /* a socket closed by the peer refuses options: say so later */

                if (err != EINVAL && err != ENOPROTOOPT && err != EOPNOTSUPP)
                {
                    c->tcp_nopush = HX_TCP_NOPUSH_DISABLED;
                    (void) hx_connection_error(c, err,
                                               "setsockopt(TCP_CORK) failed");
                }

            } else {
                c->tcp_nopush = HX_TCP_NOPUSH_SET;

                hx_log_debug(HX_LOG_DEBUG_EVENT, c->log, 0, "tcp_nopush");
            }
        }

        return cl;
    }

    header->count = 0;
    header->size = 0;

    *file = in->buf;

    cl = in;
    *file_size = (size_t) hx_chain_coalesce_file(&cl, limit);

    return cl;
}


static ssize_t
hx_linux_sendfile(hx_connection_t *c, hx_buf_t *file, size_t size)
{
    off_t     offset;
    ssize_t   n;
    hx_err_t  err;

    offset = file->file_pos;

    for ( ;; ) {
        n = sendfile(c->fd, file->file->fd, &offset, size);

        if (n == -1) {
            err = hx_errno;

            if (err == EINTR) {
                continue;
            }

            if (err == EAGAIN) {
                hx_log_debug(HX_LOG_DEBUG_EVENT, c->log, err,
                             "sendfile() is not ready");
                return HX_AGAIN;
            }

            c->write->error = 1;
            (void) hx_connection_error(c, err, "sendfile() failed");

            return HX_ERROR;
        }

        if (n == 0) {

            /*
             * the file was shorter than its buffer says: sending less
             * would leave the client waiting for bytes that never come
             */

            hx_log_error(HX_LOG_ALERT, c->log, 0,
                         "sendfile() reported that \"%V\" was truncated "
                         "at %O", &file->file->name, file->file_pos);

            return HX_ERROR;
        }

        hx_log_debug(HX_LOG_DEBUG_EVENT, c->log, 0,
                     "sendfile: %z of %uz @%O", n, size, file->file_pos);

        return n;
    }
}


hx_chain_t *
hx_udp_send_chain(hx_connection_t *c, hx_chain_t *in, off_t limit)
{
    ssize_t        n;
    hx_chain_t    *cl;
    hx_iovec_t     vec;
    struct iovec   iovs[HX_IOVS_PREALLOCATE];

    (void) limit;

    vec.iovs = iovs;
    vec.nalloc = HX_IOVS_PREALLOCATE;

    cl = hx_output_chain_to_iovec(&vec, in, SSIZE_MAX, c->log);

    if (cl == HX_CHAIN_ERROR) {
        return HX_CHAIN_ERROR;
    }

    if (cl && cl->buf->in_file) {
        hx_log_error(HX_LOG_ALERT, c->log, 0, "file buf in udp send chain");
        return HX_CHAIN_ERROR;
    }

    if (cl) {
        hx_log_error(HX_LOG_ALERT, c->log, 0,
                     "too many buffers in a datagram");
        return HX_CHAIN_ERROR;
    }

    if (vec.count == 0) {
        return hx_chain_update_sent(in, 0);
    }

    n = hx_writev(c, &vec);

    if (n == HX_ERROR) {
        return HX_CHAIN_ERROR;
    }

    if (n == HX_AGAIN) {
        c->write->ready = 0;
        return in;
    }

    if ((size_t) n != vec.size) {
        hx_log_error(HX_LOG_CRIT, c->log, 0,
                     "send() incomplete: %z of %uz", n, vec.size);
        return HX_CHAIN_ERROR;
    }

    c->sent += n;

    return hx_chain_update_sent(in, n);
}


int
hx_tcp_nopush(hx_fd_t s)
{
    int  cork;

    cork = 1;

    return setsockopt(s, IPPROTO_TCP, TCP_CORK, (const void *) &cork,
                      sizeof(int));
}


int
hx_tcp_push(hx_fd_t s)
{
    int  cork;

    cork = 0;

    return setsockopt(s, IPPROTO_TCP, TCP_CORK, (const void *) &cork,
                      sizeof(int));
}
