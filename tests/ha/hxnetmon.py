"""Watchers the ha tests run inside a network namespace.

    hxnetmon.py addr IFNAME     address changes on IFNAME, from rtnetlink
    hxnetmon.py vrrp IFNAME     VRRP adverts (IPv4 multicast) seen on IFNAME
    hxnetmon.py vrrp6 IFNAME    VRRPv3 adverts over IPv6 seen on IFNAME
    hxnetmon.py arp IFNAME      ARP and neighbour advertisements on IFNAME

Each event is one line on stdout, flushed at once, starting with
time.monotonic() (CLOCK_MONOTONIC is the same clock in every namespace,
so the test can compare it with its own):

    T addr new|del ADDR/PLEN
    T vrrp SRC vrid N prio N ver N int MS
    T arp SRC_MAC SENDER_IP TARGET_IP
    T na SRC_MAC TARGET_IP

"ready" is printed once the socket listens, so that a test can wait for
it before acting.
"""

import socket
import struct
import sys
import time


RTMGRP_IPV4_IFADDR = 0x10
RTMGRP_IPV6_IFADDR = 0x100
RTM_NEWADDR = 20
RTM_DELADDR = 21
RTM_GETADDR = 22
IFA_ADDRESS = 1
IFA_LOCAL = 2
NLM_F_REQUEST = 1
NLM_F_DUMP = 0x300
NLMSG_DONE = 3


def out(*words):
    print("%.6f %s" % (time.monotonic(), " ".join(str(w) for w in words)),
          flush=True)


def parse_addr_msgs(data, ifindex):
    off = 0
    while off + 16 <= len(data):
        length, mtype, _flags, _seq, _pid = struct.unpack_from(
            "=IHHII", data, off)
        if length < 16:
            break
        if mtype in (RTM_NEWADDR, RTM_DELADDR):
            family, plen, _fl, _scope, index = struct.unpack_from(
                "=BBBBI", data, off + 16)
            if index == ifindex:
                attrs = {}
                a = off + 24
                while a + 4 <= off + length:
                    alen, atype = struct.unpack_from("=HH", data, a)
                    if alen < 4:
                        break
                    attrs[atype] = data[a + 4:a + alen]
                    a += (alen + 3) & ~3
                raw = attrs.get(IFA_LOCAL) or attrs.get(IFA_ADDRESS)
                if raw:
                    text = socket.inet_ntop(family, raw)
                    out("addr", "new" if mtype == RTM_NEWADDR else "del",
                        "%s/%d" % (text, plen))
        if mtype == NLMSG_DONE:
            pass
        off += (length + 3) & ~3


def watch_addr(ifname):
    ifindex = socket.if_nametoindex(ifname)
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    s.bind((0, RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR))

    # the addresses present now, then the changes
    d = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    d.bind((0, 0))
    req = struct.pack("=IHHII", 16 + 8, RTM_GETADDR,
                      NLM_F_REQUEST | NLM_F_DUMP, 1, 0)
    req += struct.pack("=BBBBI", 0, 0, 0, 0, 0)
    d.send(req)
    done = False
    while not done:
        data = d.recv(65536)
        parse_addr_msgs(data, ifindex)
        off = 0
        while off + 16 <= len(data):
            length, mtype = struct.unpack_from("=IH", data, off)
            if mtype == NLMSG_DONE or length < 16:
                done = True
                break
            off += (length + 3) & ~3
    d.close()

    out("ready")
    while True:
        parse_addr_msgs(s.recv(65536), ifindex)


def watch_vrrp(ifname):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE,
                 ifname.encode() + b"\0")
    mreq = (socket.inet_aton("224.0.0.18") + socket.inet_aton("0.0.0.0")
            + struct.pack("=i", socket.if_nametoindex(ifname)))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    out("ready")
    while True:
        data = s.recv(4096)
        ihl = (data[0] & 0x0f) * 4
        v = data[ihl:]
        if len(v) < 8:
            continue
        ver = v[0] >> 4
        if ver == 2:
            ms = v[5] * 1000
        else:
            ms = ((v[4] << 8 | v[5]) & 0x0fff) * 10
        out("vrrp", socket.inet_ntoa(data[12:16]), "vrid", v[1],
            "prio", v[2], "ver", ver, "int", ms, "ttl", data[8])


def watch_vrrp6(ifname):
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 112)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE,
                 ifname.encode() + b"\0")
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
    mreq = (socket.inet_pton(socket.AF_INET6, "ff02::12")
            + struct.pack("=I", socket.if_nametoindex(ifname)))
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
    out("ready")
    while True:
        v, anc, _flags, addr = s.recvmsg(4096, 64)
        hops = -1
        for level, kind, d in anc:
            if level == socket.IPPROTO_IPV6 and kind == socket.IPV6_HOPLIMIT:
                hops = struct.unpack("=i", d)[0]
        if len(v) < 8:
            continue
        ms = ((v[4] << 8 | v[5]) & 0x0fff) * 10
        out("vrrp", addr[0].split("%")[0], "vrid", v[1], "prio", v[2],
            "ver", v[0] >> 4, "int", ms, "ttl", hops)


def watch_arp(ifname):
    # ETH_P_ALL: ARP frames and neighbour advertisements alike
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((ifname, 0))
    out("ready")
    while True:
        f = s.recv(4096)
        if len(f) < 14:
            continue
        etype = f[12] << 8 | f[13]
        mac = f[6:12].hex(":")
        if etype == 0x0806 and len(f) >= 42:
            out("arp", mac, socket.inet_ntoa(f[28:32]),
                socket.inet_ntoa(f[38:42]))
        elif (etype == 0x86dd and len(f) >= 14 + 40 + 24
              and f[14 + 6] == 58 and f[14 + 40] == 136):
            out("na", mac,
                socket.inet_ntop(socket.AF_INET6, f[14 + 48:14 + 64]))


def main():
    mode, ifname = sys.argv[1], sys.argv[2]
    {"addr": watch_addr, "vrrp": watch_vrrp, "vrrp6": watch_vrrp6,
     "arp": watch_arp}[mode](ifname)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
