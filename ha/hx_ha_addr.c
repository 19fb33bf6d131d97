/*
 * Interfaces, virtual addresses and address announcements for VRRP (see
 * hx_ha_addr.h).
 *
 * Three sockets, all opened by the master only and closed in workers:
 *
 *   - an rtnetlink "command" socket for RTM_NEWADDR and RTM_DELADDR.  The
 *     kernel applies an rtnetlink request while sendmsg() runs, so the
 *     address is in place when the call returns; the acknowledgement only
 *     reports the outcome.  It is read from the loop, never waited for,
 *     and an error is logged with what the request was (a ring of recent
 *     requests keyed by sequence number);
 *   - an rtnetlink "monitor" socket subscribed to link and address
 *     changes, which keeps each interface record current and tells the
 *     VRRP runtime (a tracked interface going down means FAULT);
 *   - an AF_PACKET socket for gratuitous ARP and unsolicited neighbour
 *     advertisements, built whole as keepalived builds them, so that
 *     they leave with the virtual address as source whatever the routing.
 *
 * Interface records are reference-counted and live outside any cycle:
 * they outlast reloads with the instances that use them.  Initial values
 * come from getifaddrs(), which is a short synchronous dump done when an
 * instance starts, not on the loop's hot path.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_ha.h>
#include <hx_ha_addr.h>

#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <sys/ioctl.h>


#define HX_HA_NL_BUF        16384
#define HX_HA_NL_RING       64

#define HX_HA_ARP_LEN       42
#define HX_HA_NA_LEN        (14 + 40 + 24 + 8)


typedef struct {
    uint32_t             seq;
    hx_uint_t            del;
    char                 text[96];
} hx_ha_nl_req_t;


static void hx_ha_nl_cmd_handler(hx_event_t *ev);
static void hx_ha_nl_monitor_handler(hx_event_t *ev);
static void hx_ha_nl_read_acks(hx_log_t *log);
static void hx_ha_nl_link(struct nlmsghdr *nh);
static void hx_ha_nl_addr(struct nlmsghdr *nh);
static hx_ha_if_t *hx_ha_if_by_index(hx_uint_t index);
static hx_int_t hx_ha_addr_request(hx_ha_if_t *ifp, int type, int family,
    uint8_t *addr, hx_uint_t prefixlen, hx_uint_t scope, hx_str_t *label,
    hx_log_t *log);
static void hx_ha_nl_attr(struct nlmsghdr *nh, size_t max, hx_uint_t type,
    const void *data, size_t len);
static void hx_ha_if_add_addr(hx_ha_if_t *ifp, int family, uint8_t *addr,
    hx_uint_t prefix);
static void hx_ha_if_del_addr(hx_ha_if_t *ifp, int family, uint8_t *addr);
static hx_uint_t hx_ha_if_forwarding6(hx_ha_if_t *ifp);


static hx_fd_t               hx_ha_nl_cmd = -1;
static hx_fd_t               hx_ha_nl_mon = -1;
static hx_fd_t               hx_ha_packet = -1;
static hx_connection_t      *hx_ha_nl_cmd_conn;
static hx_connection_t      *hx_ha_nl_mon_conn;
static uint32_t              hx_ha_nl_seq;
static hx_ha_nl_req_t        hx_ha_nl_ring[HX_HA_NL_RING];
static hx_ha_if_handler_pt   hx_ha_if_handler;
static hx_queue_t            hx_ha_ifs;
static hx_uint_t             hx_ha_ifs_init;
static hx_log_t             *hx_ha_addr_log;


hx_int_t
hx_ha_addr_init(hx_log_t *log, hx_ha_if_handler_pt handler)
{
    struct sockaddr_nl  sa;

    hx_ha_addr_log = log;
    hx_ha_if_handler = handler;

    if (!hx_ha_ifs_init) {
        hx_queue_init(&hx_ha_ifs);
        hx_ha_ifs_init = 1;
    }

    hx_ha_nl_cmd = socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC|SOCK_NONBLOCK,
                          NETLINK_ROUTE);
    if (hx_ha_nl_cmd == -1) {
        hx_log_error(HX_LOG_EMERG, log, hx_errno,
                     "socket(AF_NETLINK) failed");
        goto failed;
    }

    hx_ha_nl_mon = socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC|SOCK_NONBLOCK,
                          NETLINK_ROUTE);
    if (hx_ha_nl_mon == -1) {
        hx_log_error(HX_LOG_EMERG, log, hx_errno,
                     "socket(AF_NETLINK) failed");
        goto failed;
    }

    hx_memzero(&sa, sizeof(sa));
    sa.nl_family = AF_NETLINK;
    sa.nl_groups = RTMGRP_LINK|RTMGRP_IPV4_IFADDR|RTMGRP_IPV6_IFADDR;

    if (bind(hx_ha_nl_mon, (struct sockaddr *) &sa, sizeof(sa)) == -1) {
        hx_log_error(HX_LOG_EMERG, log, hx_errno,
                     "bind() of the rtnetlink monitor failed");
        goto failed;
    }

    /* protocol 0: this socket only sends */
    hx_ha_packet = socket(AF_PACKET, SOCK_RAW|SOCK_CLOEXEC|SOCK_NONBLOCK, 0);
    if (hx_ha_packet == -1) {
        hx_log_error(HX_LOG_EMERG, log, hx_errno,
                     "socket(AF_PACKET) failed (CAP_NET_RAW needed)");
        goto failed;
    }

    hx_ha_nl_cmd_conn = hx_event_add_fd(hx_ha_nl_cmd, hx_ha_nl_cmd_handler,
                                        NULL, log);
    hx_ha_nl_mon_conn = hx_event_add_fd(hx_ha_nl_mon,
                                        hx_ha_nl_monitor_handler, NULL, log);

    if (hx_ha_nl_cmd_conn == NULL || hx_ha_nl_mon_conn == NULL) {
        goto failed;
    }

    return HX_OK;

failed:

    hx_ha_addr_done(0);

    return HX_ERROR;
}


void
hx_ha_addr_done(hx_uint_t flush)
{
    if (flush && hx_ha_nl_cmd != -1) {
        hx_ha_nl_read_acks(hx_ha_addr_log);
    }

    if (hx_ha_nl_cmd_conn) {
        hx_event_del_fd(hx_ha_nl_cmd_conn);
        hx_ha_nl_cmd_conn = NULL;
    }

    if (hx_ha_nl_mon_conn) {
        hx_event_del_fd(hx_ha_nl_mon_conn);
        hx_ha_nl_mon_conn = NULL;
    }

    hx_ha_addr_close_fds();
}


void
hx_ha_addr_close_fds(void)
{
    if (hx_ha_nl_cmd != -1) {
        (void) close(hx_ha_nl_cmd);
        hx_ha_nl_cmd = -1;
    }

    if (hx_ha_nl_mon != -1) {
        (void) close(hx_ha_nl_mon);
        hx_ha_nl_mon = -1;
    }

    if (hx_ha_packet != -1) {
        (void) close(hx_ha_packet);
        hx_ha_packet = -1;
    }

    /* a worker forgets the master's slots without touching its epoll */
    hx_ha_nl_cmd_conn = NULL;
    hx_ha_nl_mon_conn = NULL;
}


hx_ha_if_t *
hx_ha_if_get(hx_str_t *name, hx_log_t *log)
{
    hx_queue_t  *q;
    hx_ha_if_t  *ifp;

    if (!hx_ha_ifs_init) {
        hx_queue_init(&hx_ha_ifs);
        hx_ha_ifs_init = 1;
    }

    for (q = hx_queue_head(&hx_ha_ifs);
         q != hx_queue_sentinel(&hx_ha_ifs);
         q = hx_queue_next(q))
    {
        ifp = hx_queue_data(q, hx_ha_if_t, queue);

        if (hx_strlen(ifp->name) == name->len
            && hx_strncmp(ifp->name, name->data, name->len) == 0)
        {
            ifp->refs++;
            return ifp;
        }
    }

    if (name->len >= IFNAMSIZ) {
        return NULL;
    }

    ifp = hx_calloc(sizeof(hx_ha_if_t), log);
    if (ifp == NULL) {
        return NULL;
    }

    hx_memcpy(ifp->name, name->data, name->len);
    ifp->refs = 1;

    hx_queue_insert_tail(&hx_ha_ifs, &ifp->queue);

    hx_ha_if_refresh(ifp, log);

    return ifp;
}


void
hx_ha_if_put(hx_ha_if_t *ifp)
{
    if (--ifp->refs) {
        return;
    }

    hx_queue_remove(&ifp->queue);
    hx_free(ifp);
}


hx_uint_t
hx_ha_if_is_up(hx_ha_if_t *ifp)
{
    return ifp->index
           && (ifp->flags & (IFF_UP|IFF_RUNNING)) == (IFF_UP|IFF_RUNNING);
}


void
hx_ha_if_refresh(hx_ha_if_t *ifp, hx_log_t *log)
{
    hx_uint_t            n, found;
    struct ifaddrs      *ifa, *list;
    struct sockaddr_ll  *sll;
    struct sockaddr_in6 *sin6;
    struct sockaddr_in  *sin;
    uint8_t             *m;

    if (getifaddrs(&list) == -1) {
        hx_log_error(HX_LOG_ALERT, log, hx_errno, "getifaddrs() failed");
        return;
    }

    ifp->naddrs4 = 0;
    ifp->naddrs6 = 0;
    found = 0;

    for (ifa = list; ifa; ifa = ifa->ifa_next) {

        if (ifa->ifa_addr == NULL || hx_strcmp(ifa->ifa_name, ifp->name)) {
            continue;
        }

        found = 1;
        ifp->flags = ifa->ifa_flags;

        switch (ifa->ifa_addr->sa_family) {

        case AF_PACKET:
            sll = (struct sockaddr_ll *) ifa->ifa_addr;
            ifp->index = sll->sll_ifindex;
            ifp->hwlen = hx_min(sll->sll_halen, sizeof(ifp->hwaddr));
            hx_memcpy(ifp->hwaddr, sll->sll_addr, ifp->hwlen);
            break;

        case AF_INET:
            sin = (struct sockaddr_in *) ifa->ifa_addr;
            m = ifa->ifa_netmask
                ? (uint8_t *) &((struct sockaddr_in *) ifa->ifa_netmask)
                                  ->sin_addr
                : NULL;

            for (n = 0; m && n < 32 && (m[n / 8] & (0x80 >> (n % 8))); n++) {
                /* void */
            }

            hx_ha_if_add_addr(ifp, AF_INET, (uint8_t *) &sin->sin_addr, n);
            break;

        case AF_INET6:
            sin6 = (struct sockaddr_in6 *) ifa->ifa_addr;
            m = ifa->ifa_netmask
                ? ((struct sockaddr_in6 *) ifa->ifa_netmask)->sin6_addr
                      .s6_addr
                : NULL;

            for (n = 0; m && n < 128 && (m[n / 8] & (0x80 >> (n % 8))); n++) {
                /* void */
            }

            hx_ha_if_add_addr(ifp, AF_INET6, sin6->sin6_addr.s6_addr, n);
            break;
        }
    }

    freeifaddrs(list);

    if (!found) {
        ifp->index = 0;
        ifp->flags = 0;
        return;
    }

    if (ifp->index == 0) {
        ifp->index = if_nametoindex(ifp->name);
    }
}


hx_uint_t
hx_ha_if_has_addr(hx_ha_if_t *ifp, int family, uint8_t *addr)
{
    hx_uint_t  i;

    if (family == AF_INET) {
        for (i = 0; i < ifp->naddrs4; i++) {
            if (hx_memcmp(ifp->addrs4[i], addr, 4) == 0) {
                return 1;
            }
        }

        return 0;
    }

    for (i = 0; i < ifp->naddrs6; i++) {
        if (hx_memcmp(ifp->addrs6[i], addr, 16) == 0) {
            return 1;
        }
    }

    return 0;
}


static void
hx_ha_if_add_addr(hx_ha_if_t *ifp, int family, uint8_t *addr,
    hx_uint_t prefix)
{
    if (hx_ha_if_has_addr(ifp, family, addr)) {
        return;
    }

    if (family == AF_INET && ifp->naddrs4 < HX_HA_IF_MAX_ADDRS) {
        hx_memcpy(ifp->addrs4[ifp->naddrs4], addr, 4);
        ifp->prefix4[ifp->naddrs4++] = (uint8_t) prefix;

    } else if (family == AF_INET6 && ifp->naddrs6 < HX_HA_IF_MAX_ADDRS) {
        hx_memcpy(ifp->addrs6[ifp->naddrs6], addr, 16);
        ifp->prefix6[ifp->naddrs6++] = (uint8_t) prefix;
    }
}


static void
hx_ha_if_del_addr(hx_ha_if_t *ifp, int family, uint8_t *addr)
{
    hx_uint_t  i;

    if (family == AF_INET) {
        for (i = 0; i < ifp->naddrs4; i++) {
            if (hx_memcmp(ifp->addrs4[i], addr, 4) == 0) {
                ifp->naddrs4--;
                hx_memmove(ifp->addrs4[i], ifp->addrs4[i + 1],
                           (ifp->naddrs4 - i) * 4);
                hx_memmove(&ifp->prefix4[i], &ifp->prefix4[i + 1],
                           ifp->naddrs4 - i);
                return;
            }
        }

        return;
    }

    for (i = 0; i < ifp->naddrs6; i++) {
        if (hx_memcmp(ifp->addrs6[i], addr, 16) == 0) {
            ifp->naddrs6--;
            hx_memmove(ifp->addrs6[i], ifp->addrs6[i + 1],
                       (ifp->naddrs6 - i) * 16);
            hx_memmove(&ifp->prefix6[i], &ifp->prefix6[i + 1],
                       ifp->naddrs6 - i);
            return;
        }
    }
}


hx_int_t
hx_ha_addr_add(hx_ha_if_t *ifp, int family, uint8_t *addr,
    hx_uint_t prefixlen, hx_uint_t scope, hx_str_t *label, hx_log_t *log)
{
    return hx_ha_addr_request(ifp, RTM_NEWADDR, family, addr, prefixlen,
                              scope, label, log);
}


hx_int_t
hx_ha_addr_del(hx_ha_if_t *ifp, int family, uint8_t *addr,
    hx_uint_t prefixlen, hx_log_t *log)
{
    return hx_ha_addr_request(ifp, RTM_DELADDR, family, addr, prefixlen,
                              0, NULL, log);
}


static hx_int_t
hx_ha_addr_request(hx_ha_if_t *ifp, int type, int family, uint8_t *addr,
    hx_uint_t prefixlen, hx_uint_t scope, hx_str_t *label, hx_log_t *log)
{
    char                 text[INET6_ADDRSTRLEN];
    size_t               alen;
    ssize_t              n;
    hx_ha_nl_req_t      *r;
    struct ifaddrmsg    *ifa;
    struct nlmsghdr     *nh;
    struct sockaddr_nl   sa;
    uint8_t              label0[IFNAMSIZ];
    union {
        struct nlmsghdr  nh;
        uint8_t          buf[256];
    } req;

    if (hx_ha_nl_cmd == -1 || ifp->index == 0) {
        return HX_ERROR;
    }

    alen = family == AF_INET ? 4 : 16;

    hx_memzero(&req, sizeof(req));
    nh = &req.nh;
    nh->nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
    nh->nlmsg_type = type;
    nh->nlmsg_flags = NLM_F_REQUEST|NLM_F_ACK;
    nh->nlmsg_seq = ++hx_ha_nl_seq;

    if (type == RTM_NEWADDR) {
        nh->nlmsg_flags |= NLM_F_CREATE|NLM_F_REPLACE;
    }

    ifa = NLMSG_DATA(nh);
    ifa->ifa_family = family;
    ifa->ifa_prefixlen = prefixlen;
    ifa->ifa_index = ifp->index;
    ifa->ifa_scope = scope;

    /* keepalived: no duplicate address detection holding up a VIP */
    ifa->ifa_flags = family == AF_INET6 ? IFA_F_NODAD : 0;

    hx_ha_nl_attr(nh, sizeof(req), IFA_LOCAL, addr, alen);
    hx_ha_nl_attr(nh, sizeof(req), IFA_ADDRESS, addr, alen);

    if (label && label->len && family == AF_INET) {
        hx_memzero(label0, sizeof(label0));
        hx_memcpy(label0, label->data, hx_min(label->len, IFNAMSIZ - 1));
        hx_ha_nl_attr(nh, sizeof(req), IFA_LABEL, label0,
                      hx_strlen(label0) + 1);
    }

    hx_memzero(&sa, sizeof(sa));
    sa.nl_family = AF_NETLINK;

    (void) inet_ntop(family, addr, text, sizeof(text));

    r = &hx_ha_nl_ring[nh->nlmsg_seq % HX_HA_NL_RING];
    r->seq = nh->nlmsg_seq;
    r->del = type == RTM_DELADDR;
    (void) snprintf(r->text, sizeof(r->text), "%s %s/%u %s %s",
                    r->del ? "removing" : "adding", text,
                    (unsigned) prefixlen, r->del ? "from" : "to", ifp->name);

    n = sendto(hx_ha_nl_cmd, nh, nh->nlmsg_len, 0, (struct sockaddr *) &sa,
               sizeof(sa));

    if (n == -1) {
        hx_log_error(HX_LOG_ERR, log, hx_errno, "%s failed: sendto() "
                     "on rtnetlink failed", r->text);
        return HX_ERROR;
    }

    hx_log_debug(HX_LOG_DEBUG_HA, log, 0, "rtnetlink #%uD: %s",
                 nh->nlmsg_seq, r->text);

    return HX_OK;
}


static void
hx_ha_nl_attr(struct nlmsghdr *nh, size_t max, hx_uint_t type,
    const void *data, size_t len)
{
    struct rtattr  *rta;

    if (NLMSG_ALIGN(nh->nlmsg_len) + RTA_SPACE(len) > max) {
        return;
    }

    rta = (struct rtattr *) ((uint8_t *) nh + NLMSG_ALIGN(nh->nlmsg_len));
    rta->rta_type = type;
    rta->rta_len = RTA_LENGTH(len);
    hx_memcpy(RTA_DATA(rta), data, len);

    nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_SPACE(len);
}


static void
hx_ha_nl_cmd_handler(hx_event_t *ev)
{
    hx_ha_nl_read_acks(ev->log);
}


/* reads the kernel's answers to our requests; only errors are logged */
static void
hx_ha_nl_read_acks(hx_log_t *log)
{
    int               err;
    ssize_t           n;
    hx_ha_nl_req_t   *r;
    struct nlmsghdr  *nh;
    struct nlmsgerr  *e;
    uint8_t           buf[HX_HA_NL_BUF] __attribute__((aligned(4)));

    for ( ;; ) {
        n = recv(hx_ha_nl_cmd, buf, sizeof(buf), 0);

        if (n == -1) {
            err = hx_errno;

            if (err != EAGAIN && err != EINTR) {
                hx_log_error(HX_LOG_ALERT, log, err,
                             "recv() on rtnetlink failed");
            }

            return;
        }

        for (nh = (struct nlmsghdr *) buf; NLMSG_OK(nh, (size_t) n);
             nh = NLMSG_NEXT(nh, n))
        {
            if (nh->nlmsg_type != NLMSG_ERROR) {
                continue;
            }

            e = NLMSG_DATA(nh);

            if (e->error == 0) {
                continue;
            }

            r = &hx_ha_nl_ring[nh->nlmsg_seq % HX_HA_NL_RING];

            /* removing what is not there is how stale VIPs are cleared */
            if (r->seq == nh->nlmsg_seq && r->del
                && -e->error == EADDRNOTAVAIL)
            {
                continue;
            }

            hx_log_error(HX_LOG_ERR, log, -e->error, "%s failed",
                         r->seq == nh->nlmsg_seq ? r->text
                                                 : "an address change");
        }
    }
}


static void
hx_ha_nl_monitor_handler(hx_event_t *ev)
{
    int               err;
    ssize_t           n;
    hx_queue_t       *q;
    hx_ha_if_t       *ifp;
    struct nlmsghdr  *nh;
    uint8_t           buf[HX_HA_NL_BUF] __attribute__((aligned(4)));

    for ( ;; ) {
        n = recv(hx_ha_nl_mon, buf, sizeof(buf), 0);

        if (n == -1) {
            err = hx_errno;

            if (err == ENOBUFS) {
                /* events were lost: read every interface again */
                for (q = hx_queue_head(&hx_ha_ifs);
                     q != hx_queue_sentinel(&hx_ha_ifs);
                     q = hx_queue_next(q))
                {
                    ifp = hx_queue_data(q, hx_ha_if_t, queue);
                    hx_ha_if_refresh(ifp, ev->log);

                    if (hx_ha_if_handler) {
                        hx_ha_if_handler(ifp);
                    }
                }

                continue;
            }

            if (err != EAGAIN && err != EINTR) {
                hx_log_error(HX_LOG_ALERT, ev->log, err,
                             "recv() on the rtnetlink monitor failed");
            }

            return;
        }

        for (nh = (struct nlmsghdr *) buf; NLMSG_OK(nh, (size_t) n);
             nh = NLMSG_NEXT(nh, n))
        {
            switch (nh->nlmsg_type) {

            case RTM_NEWLINK:
            case RTM_DELLINK:
                hx_ha_nl_link(nh);
                break;

            case RTM_NEWADDR:
            case RTM_DELADDR:
                hx_ha_nl_addr(nh);
                break;
            }
        }
    }
}


static void
hx_ha_nl_link(struct nlmsghdr *nh)
{
    size_t             len, nlen;
    hx_queue_t        *q;
    hx_ha_if_t        *ifp;
    struct rtattr     *rta;
    struct ifinfomsg  *ifi;
    const char        *name;

    if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg))) {
        return;
    }

    ifi = NLMSG_DATA(nh);
    len = nh->nlmsg_len - NLMSG_LENGTH(sizeof(struct ifinfomsg));
    name = NULL;
    nlen = 0;

    for (rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
        if (rta->rta_type == IFLA_IFNAME) {
            name = RTA_DATA(rta);
            nlen = strnlen(name, RTA_PAYLOAD(rta));
        }
    }

    /* by name: an interface that appears gets its index here */
    for (q = hx_queue_head(&hx_ha_ifs);
         q != hx_queue_sentinel(&hx_ha_ifs);
         q = hx_queue_next(q))
    {
        ifp = hx_queue_data(q, hx_ha_if_t, queue);

        if (!(ifp->index == (hx_uint_t) ifi->ifi_index
              || (name && hx_strlen(ifp->name) == nlen
                  && hx_strncmp(ifp->name, name, nlen) == 0)))
        {
            continue;
        }

        if (nh->nlmsg_type == RTM_DELLINK) {
            ifp->index = 0;
            ifp->flags = 0;
            ifp->naddrs4 = 0;
            ifp->naddrs6 = 0;

        } else {
            if (ifp->index != (hx_uint_t) ifi->ifi_index) {
                ifp->index = ifi->ifi_index;
                hx_ha_if_refresh(ifp, hx_ha_addr_log);
            }

            ifp->flags = ifi->ifi_flags;
        }

        if (hx_ha_if_handler) {
            hx_ha_if_handler(ifp);
        }
    }
}


static void
hx_ha_nl_addr(struct nlmsghdr *nh)
{
    size_t             len;
    uint8_t           *addr, *local;
    hx_ha_if_t        *ifp;
    struct rtattr     *rta;
    struct ifaddrmsg  *ifa;

    if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg))) {
        return;
    }

    ifa = NLMSG_DATA(nh);

    if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) {
        return;
    }

    ifp = hx_ha_if_by_index(ifa->ifa_index);
    if (ifp == NULL) {
        return;
    }

    len = nh->nlmsg_len - NLMSG_LENGTH(sizeof(struct ifaddrmsg));
    addr = NULL;
    local = NULL;

    for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
        if (RTA_PAYLOAD(rta) < (ifa->ifa_family == AF_INET ? 4u : 16u)) {
            continue;
        }

        if (rta->rta_type == IFA_LOCAL) {
            local = RTA_DATA(rta);

        } else if (rta->rta_type == IFA_ADDRESS) {
            addr = RTA_DATA(rta);
        }
    }

    /* IFA_LOCAL is the interface's own address (IFA_ADDRESS the peer's) */
    if (local) {
        addr = local;
    }

    if (addr == NULL) {
        return;
    }

    if (nh->nlmsg_type == RTM_NEWADDR) {
        hx_ha_if_add_addr(ifp, ifa->ifa_family, addr, ifa->ifa_prefixlen);

    } else {
        hx_ha_if_del_addr(ifp, ifa->ifa_family, addr);
    }

    if (hx_ha_if_handler) {
        hx_ha_if_handler(ifp);
    }
}


static hx_ha_if_t *
hx_ha_if_by_index(hx_uint_t index)
{
    hx_queue_t  *q;
    hx_ha_if_t  *ifp;

    for (q = hx_queue_head(&hx_ha_ifs);
         q != hx_queue_sentinel(&hx_ha_ifs);
         q = hx_queue_next(q))
    {
        ifp = hx_queue_data(q, hx_ha_if_t, queue);

        if (ifp->index == index) {
            return ifp;
        }
    }

    return NULL;
}


size_t
hx_ha_build_garp(uint8_t *buf, uint8_t *mac, uint8_t *addr)
{
    uint8_t  *p;

    p = buf;

    hx_memset(p, 0xff, 6);                        /* to everyone */
    hx_memcpy(p + 6, mac, 6);
    p[12] = 0x08;                                 /* ETH_P_ARP */
    p[13] = 0x06;
    p += 14;

    p[0] = 0x00;                                  /* Ethernet */
    p[1] = 0x01;
    p[2] = 0x08;                                  /* IPv4 */
    p[3] = 0x00;
    p[4] = 6;
    p[5] = 4;
    p[6] = 0x00;                                  /* request, as keepalived */
    p[7] = 0x01;
    hx_memcpy(p + 8, mac, 6);
    hx_memcpy(p + 14, addr, 4);
    hx_memset(p + 18, 0xff, 6);
    hx_memcpy(p + 24, addr, 4);

    return HX_HA_ARP_LEN;
}


size_t
hx_ha_build_na(uint8_t *buf, uint8_t *mac, uint8_t *addr, hx_uint_t router)
{
    uint8_t   *ip6, *icmp;
    uint16_t   csum;
    uint32_t   sum;
    uint8_t    ph[40];

    static const uint8_t  all_nodes[16] = {
        0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
    };

    hx_memzero(buf, HX_HA_NA_LEN);

    /* RFC 2464 7: ff02::1 maps to 33:33:00:00:00:01 */
    buf[0] = 0x33;
    buf[1] = 0x33;
    buf[5] = 0x01;
    hx_memcpy(buf + 6, mac, 6);
    buf[12] = 0x86;                               /* ETH_P_IPV6 */
    buf[13] = 0xdd;

    ip6 = buf + 14;
    ip6[0] = 0x60;
    ip6[5] = 32;                                  /* payload length */
    ip6[6] = 58;                                  /* ICMPv6 */
    ip6[7] = 255;                                 /* RFC 4861 7.1.2 */
    hx_memcpy(ip6 + 8, addr, 16);
    hx_memcpy(ip6 + 24, all_nodes, 16);

    icmp = ip6 + 40;
    icmp[0] = 136;                                /* neighbour advert */
    icmp[4] = 0x20 | (router ? 0x80 : 0);         /* override (, router) */
    hx_memcpy(icmp + 8, addr, 16);
    icmp[24] = 2;                                 /* target link-layer */
    icmp[25] = 1;
    hx_memcpy(icmp + 26, mac, 6);

    hx_memzero(ph, sizeof(ph));
    hx_memcpy(ph, addr, 16);
    hx_memcpy(ph + 16, all_nodes, 16);
    ph[35] = 32;
    ph[39] = 58;

    sum = hx_vrrp_csum_add(0, ph, sizeof(ph));
    sum = hx_vrrp_csum_add(sum, icmp, 32);
    csum = hx_vrrp_csum_fold(sum);
    hx_memcpy(icmp + 2, &csum, 2);

    return HX_HA_NA_LEN;
}


void
hx_ha_send_garp(hx_ha_if_t *ifp, uint8_t *addr, hx_log_t *log)
{
    uint8_t             frame[HX_HA_ARP_LEN];
    struct sockaddr_ll  sll;

    if (hx_ha_packet == -1 || ifp->index == 0 || ifp->hwlen != 6) {
        return;
    }

    hx_ha_build_garp(frame, ifp->hwaddr, addr);

    hx_memzero(&sll, sizeof(sll));
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ARP);
    sll.sll_ifindex = ifp->index;
    sll.sll_halen = 6;
    hx_memset(sll.sll_addr, 0xff, 6);

    if (sendto(hx_ha_packet, frame, sizeof(frame), 0,
               (struct sockaddr *) &sll, sizeof(sll))
        == -1)
    {
        hx_log_error(HX_LOG_ERR, log, hx_errno,
                     "sending gratuitous ARP on %s failed", ifp->name);
    }
}


void
hx_ha_send_na(hx_ha_if_t *ifp, uint8_t *addr, hx_log_t *log)
{
    uint8_t             frame[HX_HA_NA_LEN];
    struct sockaddr_ll  sll;

    if (hx_ha_packet == -1 || ifp->index == 0 || ifp->hwlen != 6) {
        return;
    }

    hx_ha_build_na(frame, ifp->hwaddr, addr, hx_ha_if_forwarding6(ifp));

    hx_memzero(&sll, sizeof(sll));
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_IPV6);
    sll.sll_ifindex = ifp->index;
    sll.sll_halen = 6;
    hx_memcpy(sll.sll_addr, frame, 6);

    if (sendto(hx_ha_packet, frame, sizeof(frame), 0,
               (struct sockaddr *) &sll, sizeof(sll))
        == -1)
    {
        hx_log_error(HX_LOG_ERR, log, hx_errno,
                     "sending a neighbour advertisement on %s failed",
                     ifp->name);
    }
}


/* RFC 4861 4.4: the router flag says whether this node forwards */
static hx_uint_t
hx_ha_if_forwarding6(hx_ha_if_t *ifp)
{
    int      fd;
    char     path[64 + IFNAMSIZ], c;
    ssize_t  n;

    (void) snprintf(path, sizeof(path),
                    "/proc/sys/net/ipv6/conf/%s/forwarding", ifp->name);

    fd = open(path, O_RDONLY|O_CLOEXEC);
    if (fd == -1) {
        return 0;
    }

    n = read(fd, &c, 1);
    (void) close(fd);

    return n == 1 && c == '1';
}
