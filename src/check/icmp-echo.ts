/**
 * ICMP / ICMPv6 echo for PING_CHECK (keepalived check_ping.c ping_it / recv_it), pure.
 *
 * On the "ping socket" (SOCK_DGRAM + IPPROTO_ICMP[V6]) the kernel writes the identifier (the socket's
 * port) and the checksum, and hands back only echo replies carrying that identifier, without the IP
 * header; the bytes built here are the ICMP message itself. The IPv4 checksum is filled in anyway so
 * the same bytes would be right on a raw socket; ICMPv6's needs the pseudo-header, which the kernel
 * always computes.
 */

import type { IpFamily } from '../net/addr.js';
import { internetChecksum } from '../net/checksum.js';

export const ICMP_ECHO_REPLY = 0;
export const ICMP_ECHO_REQUEST = 8;
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;
export const ICMP_HEADER_LENGTH = 8;
/** keepalived's ICMP_BUFSIZE: the echo payload length. */
export const PING_PAYLOAD_LENGTH = 128;

export interface Echo {
  readonly type: number;
  readonly code: number;
  readonly id: number;
  readonly sequence: number;
  readonly payload: Buffer;
}

/** An echo request: type 8 (ICMP) or 128 (ICMPv6), code 0, id, sequence, payload. */
export function encodeEchoRequest(
  family: IpFamily,
  id: number,
  sequence: number,
  payload: Uint8Array,
): Buffer {
  const b = Buffer.alloc(ICMP_HEADER_LENGTH + payload.length);
  b.writeUInt8(family === 'ipv4' ? ICMP_ECHO_REQUEST : ICMPV6_ECHO_REQUEST, 0);
  b.writeUInt16BE(id & 0xffff, 4);
  b.writeUInt16BE(sequence & 0xffff, 6);
  b.set(payload, ICMP_HEADER_LENGTH);
  if (family === 'ipv4') b.writeUInt16BE(internetChecksum(b), 2);
  return b;
}

/** The ICMP header of a message, or undefined when it is shorter than one. */
export function decodeIcmp(data: Uint8Array): Echo | undefined {
  if (data.length < ICMP_HEADER_LENGTH) return undefined;
  const b = Buffer.from(data.buffer, data.byteOffset, data.length);
  return {
    type: b.readUInt8(0),
    code: b.readUInt8(1),
    id: b.readUInt16BE(4),
    sequence: b.readUInt16BE(6),
    payload: b.subarray(ICMP_HEADER_LENGTH),
  };
}

export type EchoVerdict =
  | { readonly kind: 'reply' }
  | { readonly kind: 'ignore'; readonly why: string }
  | { readonly kind: 'failure'; readonly reason: string };

/**
 * What a received message means for the request with `sequence` (and `id` when known: a ping socket
 * has already matched it). keepalived's recv_it fails on a short message or any type but echo reply;
 * a reply to another request (another sequence or id) is not ours and is ignored.
 */
export function judgeEcho(family: IpFamily, data: Uint8Array, sequence: number, id?: number): EchoVerdict {
  const m = decodeIcmp(data);
  if (m === undefined) return { kind: 'failure', reason: `short ICMP message (${data.length} bytes)` };
  const replyType = family === 'ipv4' ? ICMP_ECHO_REPLY : ICMPV6_ECHO_REPLY;
  if (m.type !== replyType)
    return { kind: 'failure', reason: `ICMP type ${m.type} code ${m.code} instead of echo reply` };
  if (m.sequence !== (sequence & 0xffff))
    return { kind: 'ignore', why: `sequence ${m.sequence}, not ${sequence & 0xffff}` };
  if (id !== undefined && m.id !== (id & 0xffff))
    return { kind: 'ignore', why: `id ${m.id}, not ${id & 0xffff}` };
  return { kind: 'reply' };
}

/**
 * keepalived set_ping_group_range: /proc/sys/net/ipv4/ping_group_range ("MIN\tMAX\n") must start at
 * gid 0 so root may open ping sockets. Returns the text to write, or undefined when it already starts
 * at 0 or cannot be read as two numbers.
 */
export function pingGroupRangeRewrite(text: string): string | undefined {
  const m = /^(\d+)[\t ](\d+)\n?$/.exec(text);
  if (m === null) return undefined;
  if (Number(m[1]) === 0) return undefined;
  return `0\t${m[2]}\n`;
}
