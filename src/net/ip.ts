/**
 * IPv4 and IPv6 header decoding (and minimal encoding for tests and the send path). Pure: bytes in,
 * a value or a reason out, never an exception.
 */
import { formatIpv4, formatIpv6, type IpFamily, parseIpv4, parseIpv6 } from './addr.js';
import { internetChecksum } from './checksum.js';

export const IPPROTO_VRRP = 112;
export const IPPROTO_AH = 51;

/** An IP datagram with its extension/option headers walked to the upper-layer protocol. */
export interface IpDatagram {
  readonly family: IpFamily;
  readonly src: string;
  readonly dst: string;
  /** IPv4 TTL or IPv6 hop limit. */
  readonly ttl: number;
  /** Upper-layer protocol after IPv4 AH / IPv6 extension headers. */
  readonly protocol: number;
  /** True when an IPsec AH header preceded the upper-layer payload (VRRPv2 auth type 2). */
  readonly ah: boolean;
  /** Upper-layer bytes, trimmed to the IP length fields (Ethernet padding removed). */
  readonly payload: Uint8Array;
  /** The capture holds fewer bytes than the IP length fields announce. */
  readonly truncated: boolean;
  /** A fragment (or the first of several): the payload is not a whole upper-layer message. */
  readonly fragment: boolean;
  /** Byte offset of this fragment in the original payload (0 for the first fragment or a whole datagram). */
  readonly fragmentOffset: number;
  /** IPv4 header checksum verified (always true for IPv6, which has none). */
  readonly headerChecksumOk: boolean;
}

export type IpReason =
  | 'truncated-ip-header'
  | 'bad-ip-version'
  | 'bad-ip-header-length'
  | 'bad-extension-header'
  | 'esp-encrypted';

export type IpResult = { ok: true; ip: IpDatagram } | { ok: false; reason: IpReason };

export function decodeIp(b: Uint8Array): IpResult {
  if (b.length < 1) return { ok: false, reason: 'truncated-ip-header' };
  const v = b[0]! >> 4;
  if (v === 4) return decodeIpv4(b);
  if (v === 6) return decodeIpv6(b);
  return { ok: false, reason: 'bad-ip-version' };
}

export function decodeIpv4(b: Uint8Array): IpResult {
  if (b.length < 20) return { ok: false, reason: 'truncated-ip-header' };
  if (b[0]! >> 4 !== 4) return { ok: false, reason: 'bad-ip-version' };
  const ihl = (b[0]! & 0x0f) * 4; // options are skipped, not interpreted
  if (ihl < 20) return { ok: false, reason: 'bad-ip-header-length' };
  if (b.length < ihl) return { ok: false, reason: 'truncated-ip-header' };
  const totalLength = (b[2]! << 8) | b[3]!;
  if (totalLength < ihl) return { ok: false, reason: 'bad-ip-header-length' };
  const flagsFrag = (b[6]! << 8) | b[7]!;
  const fragment = (flagsFrag & 0x2000) !== 0 || (flagsFrag & 0x1fff) !== 0;
  const headerChecksumOk = internetChecksum(b.subarray(0, ihl)) === 0;
  let protocol = b[9]!;
  const end = Math.min(totalLength, b.length);
  let off = ihl;
  let ah = false;
  // RFC 2402: keepalived's VRRPv2 AH authentication puts an AH header between IPv4 and VRRP.
  if (protocol === IPPROTO_AH && !fragment && end - off >= 8) {
    const ahLen = (b[off + 1]! + 2) * 4;
    if (end - off >= ahLen) {
      protocol = b[off]!;
      off += ahLen;
      ah = true;
    }
  }
  return {
    ok: true,
    ip: {
      family: 'ipv4',
      src: formatIpv4(b, 12),
      dst: formatIpv4(b, 16),
      ttl: b[8]!,
      protocol,
      ah,
      payload: b.subarray(off, end),
      truncated: b.length < totalLength,
      fragment,
      fragmentOffset: (flagsFrag & 0x1fff) * 8,
      headerChecksumOk,
    },
  };
}

const IPV6_HOP_BY_HOP = 0;
const IPV6_ROUTING = 43;
const IPV6_FRAGMENT = 44;
const IPV6_ESP = 50;
const IPV6_DEST_OPTS = 60;

export function decodeIpv6(b: Uint8Array): IpResult {
  if (b.length < 40) return { ok: false, reason: 'truncated-ip-header' };
  if (b[0]! >> 4 !== 6) return { ok: false, reason: 'bad-ip-version' };
  const payloadLength = (b[4]! << 8) | b[5]!;
  // Payload length 0 means a jumbogram (RFC 2675): take the rest of the capture.
  const declaredEnd = payloadLength === 0 ? b.length : 40 + payloadLength;
  const end = Math.min(declaredEnd, b.length);
  let next = b[6]!;
  let off = 40;
  let fragment = false;
  let fragmentOffset = 0;
  let ah = false;
  // Walk the extension header chain (RFC 8200 section 4) until an upper-layer protocol.
  for (let guard = 0; guard < 64; guard++) {
    if (next === IPV6_HOP_BY_HOP || next === IPV6_ROUTING || next === IPV6_DEST_OPTS) {
      if (end - off < 8) return { ok: false, reason: 'bad-extension-header' };
      const len = (b[off + 1]! + 1) * 8;
      if (end - off < len) return { ok: false, reason: 'bad-extension-header' };
      next = b[off]!;
      off += len;
    } else if (next === IPV6_FRAGMENT) {
      if (end - off < 8) return { ok: false, reason: 'bad-extension-header' };
      const fo = (b[off + 2]! << 8) | b[off + 3]!;
      // An atomic fragment (offset 0, M clear; RFC 6946) is a whole datagram.
      if (fo !== 0) fragment = true;
      fragmentOffset = fo & 0xfff8;
      next = b[off]!;
      off += 8;
    } else if (next === IPPROTO_AH) {
      if (end - off < 8) return { ok: false, reason: 'bad-extension-header' };
      const len = (b[off + 1]! + 2) * 4;
      if (end - off < len) return { ok: false, reason: 'bad-extension-header' };
      next = b[off]!;
      off += len;
      ah = true;
    } else if (next === IPV6_ESP) {
      return { ok: false, reason: 'esp-encrypted' };
    } else {
      break;
    }
  }
  return {
    ok: true,
    ip: {
      family: 'ipv6',
      src: formatIpv6(b, 8),
      dst: formatIpv6(b, 24),
      ttl: b[7]!,
      protocol: next,
      ah,
      payload: b.subarray(off, end),
      truncated: b.length < declaredEnd,
      fragment,
      fragmentOffset,
      headerChecksumOk: true,
    },
  };
}

export interface IpBuildParams {
  readonly family: IpFamily;
  readonly src: string;
  readonly dst: string;
  readonly ttl: number;
  readonly protocol: number;
  readonly payload: Uint8Array;
  /** IPv4 TOS / IPv6 traffic class; keepalived sends 0xc0 (internetwork control). */
  readonly tos?: number;
  readonly id?: number;
}

/** Builds a minimal IPv4 (no options) or IPv6 (no extension headers) datagram. */
export function encodeIp(p: IpBuildParams): Uint8Array | Error {
  if (p.family === 'ipv4') {
    const src = parseIpv4(p.src);
    const dst = parseIpv4(p.dst);
    if (!src || !dst) return new Error(`bad IPv4 address ${src ? p.dst : p.src}`);
    const out = new Uint8Array(20 + p.payload.length);
    out[0] = 0x45;
    out[1] = p.tos ?? 0xc0;
    out[2] = out.length >> 8;
    out[3] = out.length & 0xff;
    out[4] = ((p.id ?? 0) >> 8) & 0xff;
    out[5] = (p.id ?? 0) & 0xff;
    out[8] = p.ttl;
    out[9] = p.protocol;
    out.set(src, 12);
    out.set(dst, 16);
    const ck = internetChecksum(out.subarray(0, 20));
    out[10] = ck >> 8;
    out[11] = ck & 0xff;
    out.set(p.payload, 20);
    return out;
  }
  const src = parseIpv6(p.src);
  const dst = parseIpv6(p.dst);
  if (!src || !dst) return new Error(`bad IPv6 address ${src ? p.dst : p.src}`);
  const out = new Uint8Array(40 + p.payload.length);
  const tc = p.tos ?? 0xc0;
  out[0] = 0x60 | (tc >> 4);
  out[1] = (tc & 0x0f) << 4;
  out[4] = p.payload.length >> 8;
  out[5] = p.payload.length & 0xff;
  out[6] = p.protocol;
  out[7] = p.ttl;
  out.set(src, 8);
  out.set(dst, 24);
  out.set(p.payload, 40);
  return out;
}
