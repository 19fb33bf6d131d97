/*
 * VRRP's raw sockets (see hx_vrrp_io.h).
 *
 * IPv4 sockets send whole packets (IP_HDRINCL), so the IP header is
 * keepalived's to the byte (TOS 0xc0, TTL 255, IP id counting up, no DF)
 * and the AH ICV can cover it; they receive the IP header too, which
 * gives the TTL the checks need.  IPv6 sockets let the kernel build the
 * header: the hop limit comes from IPV6_MULTICAST_HOPS/UNICAST_HOPS, the
 * checksum from IPV6_CHECKSUM (verified on receipt as well), and the
 * received hop limit and destination from IPV6_RECVHOPLIMIT and
 * IPV6_RECVPKTINFO.
 *
 * One socket per (interface, family, protocol) serves every instance on
 * the interface; the runtime finds the instance by vrid.  The socket is
 * bound to its device, so adverts from other segments never reach it,
 * and multicast loopback is off, so it never hears itself.  A read
 * handler drains the socket up to a bound per call so that a flood
 * cannot starve the rest of the master's loop.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_ha.h>
#include <hx_ha_addr.h>
#include <hx_vrrp_io.h>

#include <netinet/in.h>


#define HX_VRRP_RECV_BATCH  64


static hx_int_t hx_vrrp_sock_open(hx_vrrp_sock_t *s);
static void hx_vrrp_sock_read(hx_event_t *ev);
static hx_int_t hx_vrrp_recv6(hx_vrrp_sock_t *s, uint8_t *buf, size_t size,
    hx_vrrp_rx_t *rx);


static hx_queue_t   hx_vrrp_socks;
static hx_uint_t    hx_vrrp_socks_init;

static const uint8_t  hx_vrrp_group4[4] = { 224, 0, 0, 18 };
static const uint8_t  hx_vrrp_group6[16] = {
    0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12
};


hx_vrrp_sock_t *
hx_vrrp_sock_get(int family, hx_uint_t proto, const char *ifname,
    hx_uint_t ifindex, hx_vrrp_recv_pt handler, hx_log_t *log)
{
    hx_queue_t      *q;
    hx_vrrp_sock_t  *s;

    if (!hx_vrrp_socks_init) {
        hx_queue_init(&hx_vrrp_socks);
        hx_vrrp_socks_init = 1;
    }

    for (q = hx_queue_head(&hx_vrrp_socks);
         q != hx_queue_sentinel(&hx_vrrp_socks);
         q = hx_queue_next(q))
    {
        s = hx_queue_data(q, hx_vrrp_sock_t, queue);

        if (s->family == family && s->proto == proto
            && s->ifindex == ifindex)
        {
            s->refs++;
            return s;
        }
    }

    s = hx_calloc(sizeof(hx_vrrp_sock_t), log);
    if (s == NULL) {
        return NULL;
    }

    s->family = family;
    s->proto = proto;
    s->ifindex = ifindex;
    (void) hx_cpystrn((uint8_t *) s->ifname, (uint8_t *) ifname, IFNAMSIZ);
    s->handler = handler;
    s->log = log;
    s->refs = 1;
    s->fd = -1;

    if (hx_vrrp_sock_open(s) != HX_OK) {
        if (s->fd != -1) {
            (void) close(s->fd);
        }

        hx_free(s);
        return NULL;
    }

    hx_queue_insert_tail(&hx_vrrp_socks, &s->queue);

    return s;
}


static hx_int_t
hx_vrrp_sock_open(hx_vrrp_sock_t *s)
{
    int              on, off, ttl;
    struct ip_mreqn  mreqn;

    on = 1;
    off = 0;
    ttl = HX_VRRP_TTL;

    s->fd = socket(s->family, SOCK_RAW|SOCK_NONBLOCK|SOCK_CLOEXEC, s->proto);

    if (s->fd == -1) {
        hx_log_error(HX_LOG_EMERG, s->log, hx_errno,
                     "socket(%s, SOCK_RAW, %ui) failed (CAP_NET_RAW needed)",
                     s->family == AF_INET ? "AF_INET" : "AF_INET6",
                     s->proto);
        return HX_ERROR;
    }

    if (setsockopt(s->fd, SOL_SOCKET, SO_BINDTODEVICE, s->ifname,
                   hx_strlen(s->ifname) + 1)
        == -1)
    {
        hx_log_error(HX_LOG_EMERG, s->log, hx_errno,
                     "setsockopt(SO_BINDTODEVICE, \"%s\") failed",
                     s->ifname);
        return HX_ERROR;
    }

    if (s->family == AF_INET) {
        hx_memzero(&mreqn, sizeof(mreqn));
        mreqn.imr_ifindex = s->ifindex;

        if (setsockopt(s->fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof(on)) == -1
            || setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &off,
                          sizeof(off))
               == -1
            || setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl,
                          sizeof(ttl))
               == -1
            || setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_IF, &mreqn,
                          sizeof(mreqn))
               == -1)
        {
            hx_log_error(HX_LOG_EMERG, s->log, hx_errno,
                         "setsockopt() of the VRRP socket on %s failed",
                         s->ifname);
            return HX_ERROR;
        }

    } else {
        int  offset = 6;            /* RFC 5798 5.2.8: the checksum field */
        int  index = s->ifindex;

        if (setsockopt(s->fd, IPPROTO_IPV6, IPV6_CHECKSUM, &offset,
                       sizeof(offset))
            == -1
            || setsockopt(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off,
                          sizeof(off))
               == -1
            || setsockopt(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl,
                          sizeof(ttl))
               == -1
            || setsockopt(s->fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl,
                          sizeof(ttl))
               == -1
            || setsockopt(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index,
                          sizeof(index))
               == -1
            || setsockopt(s->fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on,
                          sizeof(on))
               == -1
            || setsockopt(s->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
                          sizeof(on))
               == -1)
        {
            hx_log_error(HX_LOG_EMERG, s->log, hx_errno,
                         "setsockopt() of the VRRP socket on %s failed",
                         s->ifname);
            return HX_ERROR;
        }
    }

    s->c = hx_event_add_fd(s->fd, hx_vrrp_sock_read, s, s->log);
    if (s->c == NULL) {
        return HX_ERROR;
    }

    return HX_OK;
}


hx_int_t
hx_vrrp_sock_join(hx_vrrp_sock_t *s)
{
    int               rc;
    struct ip_mreqn   mreqn;
    struct ipv6_mreq  mreq6;

    if (s->joined) {
        return HX_OK;
    }

    if (s->family == AF_INET) {
        hx_memzero(&mreqn, sizeof(mreqn));
        hx_memcpy(&mreqn.imr_multiaddr, hx_vrrp_group4, 4);
        mreqn.imr_ifindex = s->ifindex;

        rc = setsockopt(s->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreqn,
                        sizeof(mreqn));

    } else {
        hx_memzero(&mreq6, sizeof(mreq6));
        hx_memcpy(&mreq6.ipv6mr_multiaddr, hx_vrrp_group6, 16);
        mreq6.ipv6mr_interface = s->ifindex;

        rc = setsockopt(s->fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq6,
                        sizeof(mreq6));
    }

    if (rc == -1) {
        hx_log_error(HX_LOG_ERR, s->log, hx_errno,
                     "joining the VRRP group on %s failed", s->ifname);
        return HX_ERROR;
    }

    s->joined = 1;

    return HX_OK;
}


void
hx_vrrp_sock_put(hx_vrrp_sock_t *s)
{
    if (--s->refs) {
        return;
    }

    hx_queue_remove(&s->queue);

    if (s->c) {
        hx_event_del_fd(s->c);
    }

    (void) close(s->fd);
    hx_free(s);
}


void
hx_vrrp_sock_close_all(void)
{
    hx_queue_t      *q;
    hx_vrrp_sock_t  *s;

    if (!hx_vrrp_socks_init) {
        return;
    }

    while (!hx_queue_empty(&hx_vrrp_socks)) {
        q = hx_queue_head(&hx_vrrp_socks);
        s = hx_queue_data(q, hx_vrrp_sock_t, queue);

        hx_queue_remove(q);
        (void) close(s->fd);
        hx_free(s);
    }
}


hx_int_t
hx_vrrp_send(hx_vrrp_sock_t *s, uint8_t *pkt, size_t len, const uint8_t *src,
    const uint8_t *dst)
{
    int                  err, flags;
    ssize_t              n;
    struct iovec         iov;
    struct msghdr        msg;
    struct cmsghdr      *cmsg;
    struct in6_pktinfo  *pi;
    struct sockaddr_in   sin;
    struct sockaddr_in6  sin6;
    union {
        struct cmsghdr   cm;
        uint8_t          buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
    } control;

    hx_memzero(&msg, sizeof(msg));
    iov.iov_base = pkt;
    iov.iov_len = len;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    flags = 0;

    if (s->family == AF_INET) {
        hx_memzero(&sin, sizeof(sin));
        sin.sin_family = AF_INET;
        hx_memcpy(&sin.sin_addr, dst, 4);
        msg.msg_name = &sin;
        msg.msg_namelen = sizeof(sin);

        /* keepalived: multicast adverts never go through a gateway */
        if ((dst[0] & 0xf0) == 0xe0) {
            flags = MSG_DONTROUTE;
        }

    } else {
        hx_memzero(&sin6, sizeof(sin6));
        sin6.sin6_family = AF_INET6;
        hx_memcpy(&sin6.sin6_addr, dst, 16);

        if (dst[0] == 0xff || (dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80)) {
            sin6.sin6_scope_id = s->ifindex;
        }

        msg.msg_name = &sin6;
        msg.msg_namelen = sizeof(sin6);

        hx_memzero(&control, sizeof(control));
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof(control.buf);

        cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = IPPROTO_IPV6;
        cmsg->cmsg_type = IPV6_PKTINFO;
        cmsg->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));

        pi = (struct in6_pktinfo *) CMSG_DATA(cmsg);
        pi->ipi6_ifindex = s->ifindex;

        if (src) {
            hx_memcpy(&pi->ipi6_addr, src, 16);
        }
    }

    n = sendmsg(s->fd, &msg, flags);

    if (n == -1) {
        err = hx_errno;

        if (err == EAGAIN || err == ENOBUFS) {
            return HX_AGAIN;
        }

        hx_log_error(HX_LOG_ERR, s->log, err,
                     "sending a VRRP advertisement on %s failed", s->ifname);
        return HX_ERROR;
    }

    return HX_OK;
}


static void
hx_vrrp_sock_read(hx_event_t *ev)
{
    int               err;
    ssize_t           n;
    hx_uint_t         i;
    hx_vrrp_rx_t      rx;
    hx_connection_t  *c;
    hx_vrrp_sock_t   *s;
    uint8_t           buf[HX_VRRP_MAX_PACKET + 64];

    c = ev->data;
    s = c->data;

    for (i = 0; i < HX_VRRP_RECV_BATCH; i++) {

        if (s->family == AF_INET6) {
            if (hx_vrrp_recv6(s, buf, sizeof(buf), &rx) != HX_OK) {
                return;
            }

            s->handler(s, &rx);
            continue;
        }

        n = recv(s->fd, buf, sizeof(buf), MSG_TRUNC);

        if (n == -1) {
            err = hx_errno;

            if (err != EAGAIN && err != EINTR) {
                hx_log_error(HX_LOG_ALERT, s->log, err,
                             "recv() on the VRRP socket of %s failed",
                             s->ifname);
            }

            return;
        }

        if ((size_t) n > sizeof(buf)) {
            /* longer than any advert can be */
            continue;
        }

        if (hx_vrrp_parse_ip4(buf, n, &rx) != HX_OK) {
            continue;
        }

        s->handler(s, &rx);
    }
}


static hx_int_t
hx_vrrp_recv6(hx_vrrp_sock_t *s, uint8_t *buf, size_t size, hx_vrrp_rx_t *rx)
{
    int                   err, hops;
    ssize_t               n;
    struct iovec          iov;
    struct msghdr         msg;
    struct cmsghdr       *cmsg;
    struct in6_pktinfo   *pi;
    struct sockaddr_in6   from;
    union {
        struct cmsghdr    cm;
        uint8_t           buf[256];
    } control;

    for ( ;; ) {
        hx_memzero(&msg, sizeof(msg));
        iov.iov_base = buf;
        iov.iov_len = size;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_name = &from;
        msg.msg_namelen = sizeof(from);
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof(control.buf);

        n = recvmsg(s->fd, &msg, 0);

        if (n == -1) {
            err = hx_errno;

            if (err != EAGAIN && err != EINTR) {
                hx_log_error(HX_LOG_ALERT, s->log, err,
                             "recvmsg() on the VRRP socket of %s failed",
                             s->ifname);
            }

            return HX_ERROR;
        }

        if (msg.msg_flags & MSG_TRUNC) {
            continue;
        }

        break;
    }

    hx_memzero(rx, sizeof(hx_vrrp_rx_t));
    rx->family = AF_INET6;
    rx->ttl = -1;
    rx->protocol = HX_VRRP_PROTO;
    hx_memcpy(rx->src, &from.sin6_addr, 16);
    rx->data = buf;
    rx->len = n;

    for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {

        if (cmsg->cmsg_level != IPPROTO_IPV6) {
            continue;
        }

        if (cmsg->cmsg_type == IPV6_HOPLIMIT
            && cmsg->cmsg_len == CMSG_LEN(sizeof(int)))
        {
            hx_memcpy(&hops, CMSG_DATA(cmsg), sizeof(int));
            rx->ttl = hops;

        } else if (cmsg->cmsg_type == IPV6_PKTINFO
                   && cmsg->cmsg_len == CMSG_LEN(sizeof(struct in6_pktinfo)))
        {
            pi = (struct in6_pktinfo *) CMSG_DATA(cmsg);
            hx_memcpy(rx->dst, &pi->ipi6_addr, 16);
            rx->multicast = rx->dst[0] == 0xff;
        }
    }

    return HX_OK;
}
