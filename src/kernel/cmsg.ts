/**
 * Ancillary data (control messages) returned by recvmsg, parsed from raw bytes. Pure, never throws.
 * Layout (<bits/socket.h>): struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; } followed by
 * data, each message aligned to sizeof(size_t) (8 on 64-bit Linux, which is all vigil supports).
 */
import { formatIpv4, formatIpv6 } from '../net/addr.js';
import { IP_PKTINFO, IP_TTL, IPPROTO_IP, IPPROTO_IPV6, IPV6_HOPLIMIT, IPV6_PKTINFO } from './constants.js';

export interface ControlMessage {
  readonly level: number;
  readonly type: number;
  readonly data: Uint8Array;
}

/** What vigil reads from the cmsgs of a received datagram (all optional: only what was present). */
export interface ReceiveInfo {
  /** IPv4 TTL (IP_TTL, from IP_RECVTTL) or IPv6 hop limit (IPV6_HOPLIMIT, from IPV6_RECVHOPLIMIT). */
  ttl?: number;
  /** Interface the datagram arrived on (IP_PKTINFO / IPV6_PKTINFO). */
  ifindex?: number;
  /** Destination address in the IP header (IP_PKTINFO ipi_addr / IPV6_PKTINFO ipi6_addr). */
  dst?: string;
}

const SIZE_T = 8;
const HEADER = SIZE_T + 8;
const align = (n: number) => (n + SIZE_T - 1) & ~(SIZE_T - 1);

/** Splits the control buffer into messages; stops (without throwing) at a malformed length. */
export function parseControlMessages(b: Uint8Array): ControlMessage[] {
  const out: ControlMessage[] = [];
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let off = 0;
  while (off + HEADER <= b.length) {
    const len = Number(v.getBigUint64(off, true));
    if (len < HEADER || off + len > b.length) break;
    out.push({
      level: v.getInt32(off + SIZE_T, true),
      type: v.getInt32(off + SIZE_T + 4, true),
      data: b.subarray(off + HEADER, off + len),
    });
    off += align(len);
  }
  return out;
}

/** Interprets the IPv4/IPv6 TTL and packet-info messages; unknown ones are ignored. */
export function receiveInfo(messages: readonly ControlMessage[]): ReceiveInfo {
  const info: ReceiveInfo = {};
  for (const m of messages) {
    const v = new DataView(m.data.buffer, m.data.byteOffset, m.data.byteLength);
    if (m.level === IPPROTO_IP && m.type === IP_TTL && m.data.length >= 4) {
      info.ttl = v.getInt32(0, true);
    } else if (m.level === IPPROTO_IP && m.type === IP_PKTINFO && m.data.length >= 12) {
      // struct in_pktinfo { int ipi_ifindex; in_addr ipi_spec_dst; in_addr ipi_addr; }
      info.ifindex = v.getInt32(0, true);
      info.dst = formatIpv4(m.data, 8);
    } else if (m.level === IPPROTO_IPV6 && m.type === IPV6_HOPLIMIT && m.data.length >= 4) {
      info.ttl = v.getInt32(0, true);
    } else if (m.level === IPPROTO_IPV6 && m.type === IPV6_PKTINFO && m.data.length >= 20) {
      // struct in6_pktinfo { in6_addr ipi6_addr; int ipi6_ifindex; }
      info.dst = formatIpv6(m.data, 0);
      info.ifindex = v.getInt32(16, true);
    }
  }
  return info;
}
