/*
 * The master's view of the interfaces it runs VRRP on, and what it does
 * to them: virtual addresses added and removed through rtnetlink,
 * gratuitous ARP (IPv4) and unsolicited neighbour advertisements (IPv6)
 * sent from an AF_PACKET socket, and link and address changes followed
 * on an rtnetlink multicast socket.
 */

#ifndef HX_HA_HX_HA_ADDR_H
#define HX_HA_HX_HA_ADDR_H

#include <net/if.h>


#define HX_HA_IF_MAX_ADDRS   16


typedef struct hx_ha_if_s  hx_ha_if_t;

struct hx_ha_if_s {
    hx_queue_t           queue;
    char                 name[IFNAMSIZ];
    hx_uint_t            index;          /* 0: not present */
    hx_uint_t            flags;          /* IFF_* */
    hx_uint_t            mtu;
    uint8_t              hwaddr[8];
    hx_uint_t            hwlen;
    hx_uint_t            naddrs4;
    uint8_t              addrs4[HX_HA_IF_MAX_ADDRS][4];
    uint8_t              prefix4[HX_HA_IF_MAX_ADDRS];
    hx_uint_t            naddrs6;
    uint8_t              addrs6[HX_HA_IF_MAX_ADDRS][16];
    uint8_t              prefix6[HX_HA_IF_MAX_ADDRS];
    hx_uint_t            refs;
};


/*
 * Told from the loop that an interface changed: its flags (up, running)
 * or its addresses.  The handler re-reads what it needs from ifp.
 */
typedef void (*hx_ha_if_handler_pt)(hx_ha_if_t *ifp);


/*
 * Opens the netlink command and monitor sockets and the packet socket
 * (SOCK_CLOEXEC, non-blocking), registers the monitor in the master's
 * loop, and remembers handler.  HX_OK or HX_ERROR (logged).
 */
hx_int_t hx_ha_addr_init(hx_log_t *log, hx_ha_if_handler_pt handler);

/* closes everything; with flush, reads pending acknowledgements first */
void hx_ha_addr_done(hx_uint_t flush);

/* closes the descriptors only (a freshly forked worker) */
void hx_ha_addr_close_fds(void);

/*
 * The record of interface name, created on first use (refcounted) and
 * filled from the kernel; a missing interface gets index 0 and is filled
 * in when it appears.  NULL only on allocation failure.
 */
hx_ha_if_t *hx_ha_if_get(hx_str_t *name, hx_log_t *log);
void hx_ha_if_put(hx_ha_if_t *ifp);

/* present, administratively up and with carrier */
hx_uint_t hx_ha_if_is_up(hx_ha_if_t *ifp);

/* reads ifp's index, flags, MAC and addresses again (getifaddrs, ioctl) */
void hx_ha_if_refresh(hx_ha_if_t *ifp, hx_log_t *log);

/*
 * Adds or removes addr/prefixlen on ifp (RTM_NEWADDR, RTM_DELADDR) with
 * scope and label.  The request is sent without waiting; the kernel's
 * answer is read from the loop and an error is logged there (a removal
 * of an absent address is not an error).  HX_OK or HX_ERROR (logged).
 */
hx_int_t hx_ha_addr_add(hx_ha_if_t *ifp, int family, uint8_t *addr,
    hx_uint_t prefixlen, hx_uint_t scope, hx_str_t *label, hx_log_t *log);
hx_int_t hx_ha_addr_del(hx_ha_if_t *ifp, int family, uint8_t *addr,
    hx_uint_t prefixlen, hx_log_t *log);

/* whether ifp currently carries addr (as last seen from the kernel) */
hx_uint_t hx_ha_if_has_addr(hx_ha_if_t *ifp, int family, uint8_t *addr);

/*
 * One gratuitous ARP request (RFC 5227 3: sender and target address
 * both addr, to the broadcast address) or one unsolicited neighbour
 * advertisement (RFC 4861 7.2.6: from addr to ff02::1, override flag,
 * target link-layer address) on ifp.
 */
void hx_ha_send_garp(hx_ha_if_t *ifp, uint8_t *addr, hx_log_t *log);
void hx_ha_send_na(hx_ha_if_t *ifp, uint8_t *addr, hx_log_t *log);

/* the frames themselves, for the unit tests; they return the length */
size_t hx_ha_build_garp(uint8_t *buf, uint8_t *mac, uint8_t *addr);
size_t hx_ha_build_na(uint8_t *buf, uint8_t *mac, uint8_t *addr,
    hx_uint_t router);

#endif /* HX_HA_HX_HA_ADDR_H */
