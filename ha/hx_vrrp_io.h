/*
 * VRRP's raw sockets: one per (interface, family, protocol), shared by
 * the instances on that interface, opened by the master only.
 */

#ifndef HX_HA_HX_VRRP_IO_H
#define HX_HA_HX_VRRP_IO_H


typedef struct hx_vrrp_sock_s  hx_vrrp_sock_t;

/* told of each packet that arrived on s, already split into rx */
typedef void (*hx_vrrp_recv_pt)(hx_vrrp_sock_t *s, hx_vrrp_rx_t *rx);


struct hx_vrrp_sock_s {
    hx_queue_t           queue;
    int                  family;
    hx_uint_t            proto;         /* 112, or 51 for AH */
    hx_uint_t            ifindex;
    char                 ifname[IFNAMSIZ];
    hx_fd_t              fd;
    hx_connection_t     *c;
    hx_uint_t            refs;
    hx_uint_t            joined;        /* member of the VRRP group */
    hx_vrrp_recv_pt      handler;
    hx_log_t            *log;
};


/*
 * The socket for (family, proto) on interface ifname/ifindex, opened and
 * registered in the master's loop on first use (non-blocking,
 * SOCK_CLOEXEC, bound to the device, multicast loop off, TTL / hop
 * limit 255), reference-counted after.  NULL on failure (logged).
 */
hx_vrrp_sock_t *hx_vrrp_sock_get(int family, hx_uint_t proto,
    const char *ifname, hx_uint_t ifindex, hx_vrrp_recv_pt handler,
    hx_log_t *log);
void hx_vrrp_sock_put(hx_vrrp_sock_t *s);

/* joins 224.0.0.18 or ff02::12 on the socket's interface; HX_OK/ERROR */
hx_int_t hx_vrrp_sock_join(hx_vrrp_sock_t *s);

/*
 * Sends one advert.  IPv4: pkt is the whole IP packet (IP_HDRINCL) and
 * dst its destination.  IPv6: pkt is the VRRP message, the kernel adds
 * the header and the checksum (IPV6_CHECKSUM); src picks the source.
 * HX_OK, HX_AGAIN (the socket buffer is full: the advert is dropped, as a
 * lost packet would be), or HX_ERROR (logged).
 */
hx_int_t hx_vrrp_send(hx_vrrp_sock_t *s, uint8_t *pkt, size_t len,
    const uint8_t *src, const uint8_t *dst);

/* closes every socket without unregistering it (a forked worker) */
void hx_vrrp_sock_close_all(void);

#endif /* HX_HA_HX_VRRP_IO_H */
