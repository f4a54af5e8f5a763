/**
 * Link-layer framing: Ethernet II (with 802.1Q/802.1ad tags), Linux cooked captures (SLL, SLL2), BSD
 * loopback and raw IP, down to an IP datagram. Pure; never throws.
 */
import { decodeIp, type IpDatagram, type IpReason } from './ip.js';

/** pcap LINKTYPE_* values (https://www.tcpdump.org/linktypes.html). */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  FRELAY: 107,
  LINUX_SLL: 113,
  LINUX_SLL2: 276,
} as const;

export type FrameReason = IpReason | 'unsupported-linktype' | 'truncated-link-header' | 'not-ip';

export type FrameResult = { ok: true; ip: IpDatagram } | { ok: false; reason: FrameReason };

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;

export function linkTypeSupported(linktype: number): boolean {
  return (
    linktype === LinkType.NULL ||
    linktype === LinkType.ETHERNET ||
    linktype === LinkType.RAW ||
    linktype === 12 || // DLT_RAW on OpenBSD
    linktype === 14 || // DLT_RAW on other BSDs
    linktype === LinkType.LINUX_SLL ||
    linktype === LinkType.LINUX_SLL2 ||
    linktype === LinkType.FRELAY
  );
}

export function decodeFrame(linktype: number, b: Uint8Array): FrameResult {
  switch (linktype) {
    case LinkType.ETHERNET:
      return decodeEthernet(b);
    case LinkType.RAW:
    case 12:
    case 14:
      return decodeIp(b);
    case LinkType.LINUX_SLL:
      // 16-byte header; protocol (ethertype) in the last two bytes.
      if (b.length < 16) return { ok: false, reason: 'truncated-link-header' };
      return byEthertype((b[14]! << 8) | b[15]!, b.subarray(16));
    case LinkType.LINUX_SLL2:
      // 20-byte header; protocol (ethertype) in the first two bytes.
      if (b.length < 20) return { ok: false, reason: 'truncated-link-header' };
      return byEthertype((b[0]! << 8) | b[1]!, b.subarray(20));
    case LinkType.FRELAY:
      return decodeFrameRelay(b);
    case LinkType.NULL: {
      // 4-byte address family in the capturing host's byte order: AF_INET is 2, AF_INET6 varies by OS.
      if (b.length < 4) return { ok: false, reason: 'truncated-link-header' };
      const le = b[0]! | (b[1]! << 8);
      const be = (b[2]! << 8) | b[3]!;
      const af = le !== 0 ? le : be;
      if (af === 2 || af === 10 || af === 24 || af === 28 || af === 30) return decodeIp(b.subarray(4));
      return { ok: false, reason: 'not-ip' };
    }
    default:
      return { ok: false, reason: 'unsupported-linktype' };
  }
}

export function decodeEthernet(b: Uint8Array): FrameResult {
  if (b.length < 14) return { ok: false, reason: 'truncated-link-header' };
  let off = 12;
  let type = (b[off]! << 8) | b[off + 1]!;
  off += 2;
  while (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ) {
    if (b.length < off + 4) return { ok: false, reason: 'truncated-link-header' };
    type = (b[off + 2]! << 8) | b[off + 3]!;
    off += 4;
  }
  return byEthertype(type, b.subarray(off));
}

const NLPID_IPV4 = 0xcc;
const NLPID_IPV6 = 0x8e;

/**
 * Frame Relay: a Q.922 address of 2-4 bytes (the last has its EA bit set), then either RFC 2427
 * encapsulation (UI control 0x03, optional 0x00 pad, NLPID) or Cisco's (a 2-byte ethertype).
 */
export function decodeFrameRelay(b: Uint8Array): FrameResult {
  let off = 0;
  while (off < b.length && off < 4 && (b[off]! & 0x01) === 0) off++;
  off++; // the byte with EA set ends the address
  if (off < 2 || off > 4 || b.length < off + 2) return { ok: false, reason: 'truncated-link-header' };
  if (b[off] === 0x03) {
    off++;
    if (b[off] === 0x00) off++;
    if (off >= b.length) return { ok: false, reason: 'truncated-link-header' };
    const nlpid = b[off]!;
    if (nlpid === NLPID_IPV4 || nlpid === NLPID_IPV6) {
      return byEthertype(nlpid === NLPID_IPV4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6, b.subarray(off + 1));
    }
    return { ok: false, reason: 'not-ip' };
  }
  return byEthertype((b[off]! << 8) | b[off + 1]!, b.subarray(off + 2));
}

function byEthertype(type: number, rest: Uint8Array): FrameResult {
  if (type !== ETHERTYPE_IPV4 && type !== ETHERTYPE_IPV6) return { ok: false, reason: 'not-ip' };
  const r = decodeIp(rest);
  if (r.ok && (r.ip.family === 'ipv4') !== (type === ETHERTYPE_IPV4))
    return { ok: false, reason: 'bad-ip-version' };
  return r;
}

/** Wraps an IP datagram in an Ethernet II header (for tests and synthetic captures). */
export function encodeEthernet(dstMac: Uint8Array, srcMac: Uint8Array, ip: Uint8Array): Uint8Array {
  const out = new Uint8Array(14 + ip.length);
  out.set(dstMac.subarray(0, 6), 0);
  out.set(srcMac.subarray(0, 6), 6);
  const type = ip.length > 0 && ip[0]! >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
  out[12] = type >> 8;
  out[13] = type & 0xff;
  out.set(ip, 14);
  return out;
}
