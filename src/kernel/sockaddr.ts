/**
 * Kernel socket-address structures as bytes. Pure: encoders take typed values, decoders never throw.
 * Layouts from <linux/in.h>, <linux/in6.h>, <linux/if_packet.h>, <linux/netlink.h>. Multi-byte fields
 * the kernel keeps in host order (family, ifindex, scope id, pid, groups) are written little-endian:
 * every architecture vigil supports (x86-64, arm64) is little-endian.
 */
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../net/addr.js';
import { AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, AF_UNIX } from './constants.js';

export type SockaddrValue =
  | { readonly family: 'ipv4'; readonly address: string; readonly port: number }
  | { readonly family: 'ipv6'; readonly address: string; readonly port: number; readonly scopeId: number }
  | {
      readonly family: 'packet';
      readonly protocol: number;
      readonly ifindex: number;
      readonly hatype: number;
      readonly pkttype: number;
      readonly hwaddr: Uint8Array;
    }
  | { readonly family: 'netlink'; readonly pid: number; readonly groups: number };

export type SockaddrResult = { ok: true; value: SockaddrValue } | { ok: false; reason: string };

/** struct sockaddr_in (16 bytes). Returns undefined when the address is not dotted-quad IPv4. */
export function encodeSockaddrIn(address: string, port = 0): Buffer | undefined {
  const a = parseIpv4(address);
  if (!a) return undefined;
  const b = Buffer.alloc(16);
  b.writeUInt16LE(AF_INET, 0);
  b.writeUInt16BE(port, 2); // network order
  b.set(a, 4);
  return b;
}

/** struct sockaddr_in6 (28 bytes); scopeId is the interface index for link-local addresses. */
export function encodeSockaddrIn6(address: string, port = 0, scopeId = 0): Buffer | undefined {
  const a = parseIpv6(address);
  if (!a) return undefined;
  const b = Buffer.alloc(28);
  b.writeUInt16LE(AF_INET6, 0);
  b.writeUInt16BE(port, 2);
  // sin6_flowinfo (4..8) stays zero.
  b.set(a, 8);
  b.writeUInt32LE(scopeId >>> 0, 24);
  return b;
}

/** struct sockaddr_ll (20 bytes): protocol is the EtherType (network order on the wire). */
export function encodeSockaddrLl(opts: {
  protocol: number;
  ifindex: number;
  hwaddr?: Uint8Array;
  hatype?: number;
  pkttype?: number;
}): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt16LE(AF_PACKET, 0);
  b.writeUInt16BE(opts.protocol & 0xffff, 2);
  b.writeInt32LE(opts.ifindex, 4);
  b.writeUInt16LE(opts.hatype ?? 0, 8);
  b.writeUInt8(opts.pkttype ?? 0, 10);
  const hw = opts.hwaddr ?? new Uint8Array(0);
  const halen = Math.min(hw.length, 8);
  b.writeUInt8(halen, 11);
  b.set(hw.subarray(0, halen), 12);
  return b;
}

/** struct sockaddr_nl (12 bytes): pid 0 lets the kernel assign the port id; groups is the legacy mask. */
export function encodeSockaddrNl(pid = 0, groups = 0): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16LE(AF_NETLINK, 0);
  b.writeUInt32LE(pid >>> 0, 4);
  b.writeUInt32LE(groups >>> 0, 8);
  return b;
}

/** sun_path's size in struct sockaddr_un (<linux/un.h> UNIX_PATH_MAX). */
const UNIX_PATH_MAX = 108;

/**
 * struct sockaddr_un for a path, or for an abstract name written '@name' (systemd's notation: the
 * kernel sees a leading NUL and no terminator, unix(7)). The length covers exactly the used bytes,
 * as the kernel expects for abstract names. Undefined when the path is empty or too long.
 */
export function encodeSockaddrUn(path: string): Buffer | undefined {
  const abstract = path.startsWith('@');
  const name = Buffer.from(abstract ? path.slice(1) : path, 'utf8');
  // A path needs room for its terminating NUL; an abstract name has a leading NUL instead.
  if (path.length === 0 || name.length + 1 > UNIX_PATH_MAX || (!abstract && name.includes(0)))
    return undefined;
  const b = Buffer.alloc(2 + name.length + 1);
  b.writeUInt16LE(AF_UNIX, 0);
  name.copy(b, abstract ? 3 : 2);
  return b;
}

/** Decodes any of the four families; a short buffer or an unknown family yields a reason. */
export function decodeSockaddr(b: Uint8Array): SockaddrResult {
  if (b.length < 2) return { ok: false, reason: 'sockaddr too short' };
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const family = v.getUint16(0, true);
  switch (family) {
    case AF_INET:
      if (b.length < 8) return { ok: false, reason: 'sockaddr_in too short' };
      return { ok: true, value: { family: 'ipv4', port: v.getUint16(2, false), address: formatIpv4(b, 4) } };
    case AF_INET6:
      if (b.length < 24) return { ok: false, reason: 'sockaddr_in6 too short' };
      return {
        ok: true,
        value: {
          family: 'ipv6',
          port: v.getUint16(2, false),
          address: formatIpv6(b, 8),
          scopeId: b.length >= 28 ? v.getUint32(24, true) : 0,
        },
      };
    case AF_PACKET: {
      if (b.length < 12) return { ok: false, reason: 'sockaddr_ll too short' };
      const halen = Math.min(b[11]!, 8, b.length - 12);
      return {
        ok: true,
        value: {
          family: 'packet',
          protocol: v.getUint16(2, false),
          ifindex: v.getInt32(4, true),
          hatype: v.getUint16(8, true),
          pkttype: b[10]!,
          hwaddr: Uint8Array.from(b.subarray(12, 12 + halen)),
        },
      };
    }
    case AF_NETLINK:
      if (b.length < 12) return { ok: false, reason: 'sockaddr_nl too short' };
      return {
        ok: true,
        value: { family: 'netlink', pid: v.getUint32(4, true), groups: v.getUint32(8, true) },
      };
    default:
      return { ok: false, reason: `unknown address family ${family}` };
  }
}

/** struct ip_mreqn { in_addr multiaddr; in_addr address; int ifindex } for IP_ADD_MEMBERSHIP. */
export function encodeIpMreqn(group: string, ifindex: number, local = '0.0.0.0'): Buffer | undefined {
  const g = parseIpv4(group);
  const l = parseIpv4(local);
  if (!g || !l) return undefined;
  const b = Buffer.alloc(12);
  b.set(g, 0);
  b.set(l, 4);
  b.writeInt32LE(ifindex, 8);
  return b;
}

/** struct ipv6_mreq { in6_addr multiaddr; int ifindex } for IPV6_JOIN_GROUP. */
export function encodeIpv6Mreq(group: string, ifindex: number): Buffer | undefined {
  const g = parseIpv6(group);
  if (!g) return undefined;
  const b = Buffer.alloc(20);
  b.set(g, 0);
  b.writeInt32LE(ifindex, 16);
  return b;
}

/** A C `struct in_addr` for IP_MULTICAST_IF (the form taking just an address). */
export function encodeInAddr(address: string): Buffer | undefined {
  const a = parseIpv4(address);
  return a ? Buffer.from(a) : undefined;
}
