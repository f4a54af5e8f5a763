/**
 * Unsolicited Neighbour Advertisement builder (pure), RFC 4861 section 7.2.6 and RFC 5798 section
 * 6.4.2: ICMPv6 type 136 with the Override flag, the VIP as target and a Target Link-Layer Address
 * option carrying the MAC, sent to ff02::1 with hop limit 255 (receivers drop NAs with any other hop
 * limit, RFC 4861 7.1.2). Matches keepalived 2.2.7's bytes (vectors/ka-v3-ipv6-ll-lifecycle.pcap).
 *
 * The checksum field is left zero: the kernel fills it in for IPPROTO_ICMPV6 raw sockets. The optional
 * checksum helper is for tests and captures.
 */
import { parseIpv6 } from '../net/addr.js';
import { checksumAdd, checksumFinish } from '../net/checksum.js';
import { ETH_ALEN, IPPROTO_ICMPV6 } from './constants.js';

export const ND_NEIGHBOR_ADVERT = 136;
export const ND_OPT_TARGET_LINKADDR = 2;
export const NA_FLAG_ROUTER = 0x80;
export const NA_FLAG_SOLICITED = 0x40;
export const NA_FLAG_OVERRIDE = 0x20;
export const ALL_NODES = 'ff02::1';
export const NA_HOP_LIMIT = 255;

export type NaResult = { ok: true; message: Buffer } | { ok: false; reason: string };

/** The ICMPv6 message (no IPv6 header): 8-byte header, 16-byte target, 8-byte TLLA option. */
export function buildUnsolicitedNa(
  mac: Uint8Array,
  target: string,
  opts: { router?: boolean } = {},
): NaResult {
  if (mac.length !== ETH_ALEN)
    return { ok: false, reason: `MAC must be ${ETH_ALEN} bytes, got ${mac.length}` };
  const t = parseIpv6(target);
  if (!t) return { ok: false, reason: `bad IPv6 address '${target}'` };
  const m = Buffer.alloc(32);
  m.writeUInt8(ND_NEIGHBOR_ADVERT, 0);
  m.writeUInt8(0, 1); // code
  // bytes 2..3: checksum, computed by the kernel
  m.writeUInt8(NA_FLAG_OVERRIDE | (opts.router ? NA_FLAG_ROUTER : 0), 4); // Solicited is never set unsolicited
  m.set(t, 8);
  m.writeUInt8(ND_OPT_TARGET_LINKADDR, 24);
  m.writeUInt8(1, 25); // option length in units of 8 bytes
  m.set(mac, 26);
  return { ok: true, message: m };
}

/** ICMPv6 checksum over the RFC 8200 section 8.1 pseudo-header; 0 on a packet whose checksum is right. */
export function icmpv6Checksum(src: Uint8Array, dst: Uint8Array, message: Uint8Array): number {
  const pseudo = Buffer.alloc(8);
  pseudo.writeUInt32BE(message.length, 0);
  pseudo.writeUInt8(IPPROTO_ICMPV6, 7);
  let acc = checksumAdd(0, src);
  acc = checksumAdd(acc, dst);
  acc = checksumAdd(acc, pseudo);
  acc = checksumAdd(acc, message);
  return checksumFinish(acc);
}
