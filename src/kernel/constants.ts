/**
 * Linux ABI numbers used by the kernel layer (x86-64/arm64 values; identical on every Linux ABI Node
 * supports for these particular constants). Grouped by header so each one can be checked at the source.
 */

// <bits/socket.h>
export const AF_UNSPEC = 0;
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_NETLINK = 16;
export const AF_PACKET = 17;

export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;

export const SOL_SOCKET = 1;
export const SO_RCVBUF = 8;
export const SO_BINDTODEVICE = 25;
export const SO_RCVBUFFORCE = 33;

// <netinet/in.h>
export const IPPROTO_IP = 0;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_RAW = 255;
export const IPPROTO_VRRP = 112;

// IPv4 socket options (level IPPROTO_IP), <linux/in.h>
export const IP_TTL = 2;
export const IP_PKTINFO = 8;
export const IP_RECVTTL = 12;
export const IP_MULTICAST_IF = 32;
export const IP_MULTICAST_TTL = 33;
export const IP_MULTICAST_LOOP = 34;
export const IP_ADD_MEMBERSHIP = 35;
export const IP_DROP_MEMBERSHIP = 36;

// IPv6 socket options (level IPPROTO_IPV6), <linux/in6.h> and <linux/ipv6.h>
export const IPV6_CHECKSUM = 7;
export const IPV6_UNICAST_HOPS = 16;
export const IPV6_MULTICAST_IF = 17;
export const IPV6_MULTICAST_HOPS = 18;
export const IPV6_MULTICAST_LOOP = 19;
export const IPV6_JOIN_GROUP = 20; // IPV6_ADD_MEMBERSHIP
export const IPV6_LEAVE_GROUP = 21;
export const IPV6_RECVPKTINFO = 49;
export const IPV6_PKTINFO = 50;
export const IPV6_RECVHOPLIMIT = 51;
export const IPV6_HOPLIMIT = 52;

// <linux/if_ether.h>
export const ETH_P_ARP = 0x0806;
export const ETH_P_IP = 0x0800;
export const ETH_P_IPV6 = 0x86dd;
export const ETH_ALEN = 6;

// <linux/netlink.h>
export const NETLINK_ROUTE = 0;
export const NETLINK_GENERIC = 16;
export const SOL_NETLINK = 270;
export const NETLINK_ADD_MEMBERSHIP = 1;
export const NETLINK_EXT_ACK = 11;

export const NLM_F_REQUEST = 0x01;
export const NLM_F_MULTI = 0x02;
export const NLM_F_ACK = 0x04;
export const NLM_F_DUMP_INTR = 0x10; // the dump was interrupted by a change: redo it
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
// Flags of an NLMSG_ERROR ack (extended ack).
export const NLM_F_CAPPED = 0x100;
export const NLM_F_ACK_TLVS = 0x200;

export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;

// <linux/rtnetlink.h>
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;

// Multicast groups (bit numbers; the legacy bind mask is 1 << (group - 1)).
export const RTNLGRP_LINK = 1;
export const RTNLGRP_IPV4_IFADDR = 5;
export const RTNLGRP_IPV4_ROUTE = 7;
export const RTNLGRP_IPV6_IFADDR = 9;
export const RTNLGRP_IPV6_ROUTE = 11;

// ifaddrmsg attributes, <linux/if_addr.h>
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_BROADCAST = 4;
export const IFA_CACHEINFO = 6;
export const IFA_FLAGS = 8;
export const IFA_F_NODAD = 0x02;
export const IFA_F_PERMANENT = 0x80;

// ifinfomsg attributes, <linux/if_link.h>
export const IFLA_ADDRESS = 1;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINK = 5;
export const IFLA_OPERSTATE = 16;
export const IFLA_LINKINFO = 18;
export const IFLA_AF_SPEC = 26;
// IFLA_LINKINFO nested attributes
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
// IFLA_INFO_DATA for kind "macvlan"
export const IFLA_MACVLAN_MODE = 1;
export const MACVLAN_MODE_PRIVATE = 1;
export const MACVLAN_MODE_VEPA = 2;
export const MACVLAN_MODE_BRIDGE = 4;
export const MACVLAN_MODE_PASSTHRU = 8;
// IFLA_AF_SPEC / AF_INET6 nested attributes
export const IFLA_INET6_ADDR_GEN_MODE = 8;
export const IN6_ADDR_GEN_MODE_NONE = 1;
/** Attribute type flag: the attribute holds nested attributes. */
export const NLA_F_NESTED = 0x8000;

// Interface flags, <linux/if.h>
export const IFF_UP = 0x1;
export const IFF_BROADCAST = 0x2;
export const IFF_LOOPBACK = 0x8;
export const IFF_RUNNING = 0x40;
export const IFF_MULTICAST = 0x1000;
export const IFF_LOWER_UP = 0x10000;

// rtmsg attributes, <linux/rtnetlink.h>
export const RTA_DST = 1;
export const RTA_SRC = 2;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_PREFSRC = 7;
export const RTA_TABLE = 15;

export const RT_TABLE_MAIN = 254;
export const RTPROT_BOOT = 3;
export const RTPROT_STATIC = 4;
export const RTN_UNICAST = 1;
export const RTN_BLACKHOLE = 6;
export const RTN_UNREACHABLE = 7;
export const RTN_PROHIBIT = 8;

// Address/route scopes (rtm_scope / ifa_scope), as named by iproute2's rt_scopes.
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_SITE = 200;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RT_SCOPE_NOWHERE = 255;

// <linux/if_arp.h>
export const ARPHRD_ETHER = 1;
export const ARPOP_REQUEST = 1;
export const ARPOP_REPLY = 2;

// RFC 5798 section 5.1.1.2/5.1.2.2 and RFC 3768 section 5.2.2: advertisement destinations.
export const VRRP_GROUP_IPV4 = '224.0.0.18';
export const VRRP_GROUP_IPV6 = 'ff02::12';
