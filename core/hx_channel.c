/*
 * Master <-> worker channels.  A SOCK_STREAM socketpair is used rather
 * than a pipe because it carries descriptors (SCM_RIGHTS) and reports the
 * death of either end as EOF to the other.  Messages are a few bytes and
 * written with one sendmsg(); a stream socket delivers a message that
 * small in one piece, so the reader never reassembles.  Both ends are
 * non-blocking: a full buffer is HX_AGAIN, and the master then falls back
 * to signals.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_channel.h>


hx_int_t
hx_open_channel(hx_fd_t fd[2], hx_log_t *log)
{
    if (socketpair(AF_UNIX, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0, fd)
        == -1)
    {
        hx_log_error(HX_LOG_ALERT, log, hx_errno,
                     "socketpair() failed while spawning a process");
        fd[0] = -1;
        fd[1] = -1;
        return HX_ERROR;
    }

    return HX_OK;
}


hx_int_t
hx_write_channel(hx_fd_t s, hx_channel_t *ch, hx_log_t *log)
{
    ssize_t          n;
    hx_err_t         err;
    struct iovec     iov[1];
    struct msghdr    msg;
    struct cmsghdr  *cmsg;

    union {
        struct cmsghdr  cm;
        char            space[CMSG_SPACE(sizeof(int))];
    } cmsg_buf;

    hx_memzero(&msg, sizeof(struct msghdr));

    if (ch->fd != -1) {
        hx_memzero(&cmsg_buf, sizeof(cmsg_buf));

        msg.msg_control = &cmsg_buf;
        msg.msg_controllen = sizeof(cmsg_buf);

        cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;

        hx_memcpy(CMSG_DATA(cmsg), &ch->fd, sizeof(int));
    }

    iov[0].iov_base = (char *) ch;
    iov[0].iov_len = sizeof(hx_channel_t);

    msg.msg_iov = iov;
    msg.msg_iovlen = 1;

    for ( ;; ) {
        n = sendmsg(s, &msg, MSG_NOSIGNAL);

        if (n != -1) {
            return HX_OK;
        }

        err = hx_errno;

        if (err == EINTR) {
            continue;
        }

        if (err == EAGAIN) {
            return HX_AGAIN;
        }

        hx_log_error(HX_LOG_ALERT, log, err, "sendmsg() failed");
        return HX_ERROR;
    }
}


hx_int_t
hx_read_channel(hx_fd_t s, hx_channel_t *ch, hx_log_t *log)
{
    ssize_t          n;
    hx_err_t         err;
    struct iovec     iov[1];
    struct msghdr    msg;
    struct cmsghdr  *cmsg;

    union {
        struct cmsghdr  cm;
        char            space[CMSG_SPACE(sizeof(int))];
    } cmsg_buf;

    iov[0].iov_base = (char *) ch;
    iov[0].iov_len = sizeof(hx_channel_t);

    hx_memzero(&msg, sizeof(struct msghdr));

    msg.msg_iov = iov;
    msg.msg_iovlen = 1;
    msg.msg_control = &cmsg_buf;
    msg.msg_controllen = sizeof(cmsg_buf);

    do {
        n = recvmsg(s, &msg, MSG_CMSG_CLOEXEC);
        err = (n == -1) ? hx_errno : 0;
    } while (err == EINTR);

    if (n == -1) {
        if (err == EAGAIN) {
            return HX_AGAIN;
        }

        hx_log_error(HX_LOG_ALERT, log, err, "recvmsg() failed");
        return HX_ERROR;
    }

    if (n == 0) {
        return HX_DONE;
    }

    if ((size_t) n < sizeof(hx_channel_t)) {
        hx_log_error(HX_LOG_ALERT, log, 0,
                     "recvmsg() returned not enough data: %z", n);
        return HX_ERROR;
    }

    ch->fd = -1;

    for (cmsg = CMSG_FIRSTHDR(&msg);
         cmsg != NULL;
         cmsg = CMSG_NXTHDR(&msg, cmsg))
    {
        if (cmsg->cmsg_level == SOL_SOCKET
            && cmsg->cmsg_type == SCM_RIGHTS
            && cmsg->cmsg_len == CMSG_LEN(sizeof(int)))
        {
            hx_memcpy(&ch->fd, CMSG_DATA(cmsg), sizeof(int));
        }
    }

    if (msg.msg_flags & (MSG_TRUNC|MSG_CTRUNC)) {
        hx_log_error(HX_LOG_ALERT, log, 0,
                     "recvmsg() truncated data");
    }

    return HX_OK;
}


void
hx_close_channel(hx_fd_t fd[2], hx_log_t *log)
{
    hx_uint_t  i;

    for (i = 0; i < 2; i++) {
        if (fd[i] == -1) {
            continue;
        }

        if (close(fd[i]) == -1) {
            hx_log_error(HX_LOG_ALERT, log, hx_errno, "close() channel failed");
        }

        fd[i] = -1;
    }
}
