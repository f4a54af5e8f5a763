/**
 * VRRP advertisement codec: RFC 3768 (VRRPv2, IPv4) and RFC 5798 / RFC 9568 (VRRPv3, IPv4 and IPv6).
 * Pure and total: decodeVrrp returns a packet or a reason for every input, it never throws.
 *
 *  0                   1                   2                   3
 *  |Version| Type  | Virtual Rtr ID|   Priority    | Count IPvX Addr|
 *  v2: | Auth Type | Adver Int (s) | Checksum |  ...addresses...  | Authentication Data (8 bytes)
 *  v3: |(rsvd)| Max Adver Int (12 bits, centiseconds) | Checksum | ...addresses...
 */
import { addressLength, formatAddress, type IpFamily, parseAddress } from '../net/addr.js';
import { checksumAdd, checksumFinish } from '../net/checksum.js';
import { decodeFrame, type FrameReason } from '../net/frame.js';
import { IPPROTO_VRRP } from '../net/ip.js';

export type { IpFamily } from '../net/addr.js';

export type VrrpVersion = 2 | 3;

/** RFC 5798 section 5.2.2: the only defined type. */
export const VRRP_TYPE_ADVERTISEMENT = 1;
export const VRRP_HEADER_LENGTH = 8;
/** RFC 3768 section 5.3.10: v2 carries 8 bytes of authentication data after the addresses. */
export const VRRP_AUTH_DATA_LENGTH = 8;
/** Priority 0: the master is giving up (RFC 5798 section 5.2.4). */
export const VRRP_PRIORITY_STOP = 0;
/** Priority 255: the address owner. */
export const VRRP_PRIORITY_OWNER = 255;

/** VRRPv2 authentication types (RFC 3768 section 5.3.6; 1 and 2 are historic but keepalived speaks them). */
export const VrrpAuthType = { NONE: 0, PASS: 1, AH: 2 } as const;

interface VrrpCommon {
  /** 4-bit type; 1 (advertisement) for every valid packet, kept as read so bad types can be reported. */
  readonly type: number;
  readonly vrid: number;
  readonly priority: number;
  /** The family of the IP envelope and of every address below. */
  readonly family: IpFamily;
  /** Virtual addresses in canonical text form (RFC 5952 for IPv6). */
  readonly addresses: readonly string[];
  /** Advertisement interval in centiseconds for both versions (v2 seconds * 100). */
  readonly adverIntCs: number;
  /** Checksum field as carried on the wire (encodeVrrp ignores it and computes a fresh one). */
  readonly checksum: number;
}

export interface VrrpV2Packet extends VrrpCommon {
  readonly version: 2;
  readonly authType: number;
  /** Exactly 8 bytes, present even with auth type 0 (then normally zero). */
  readonly authData: Uint8Array;
}

export interface VrrpV3Packet extends VrrpCommon {
  readonly version: 3;
}

export type VrrpPacket = VrrpV2Packet | VrrpV3Packet;

/** The IP envelope a VRRP message travels in; src/dst feed the v3 pseudo-header checksum. */
export interface VrrpContext {
  readonly family: IpFamily;
  readonly src: string;
  readonly dst: string;
}

export interface VrrpEnvelope extends VrrpContext {
  /** IPv4 TTL or IPv6 hop limit; RFC 5798 section 5.1.1.3 requires 255. */
  readonly ttl: number;
}

/** Every reason decodeVrrp can give. */
export const DECODE_REASONS = [
  'too-short',
  'bad-version',
  'v2-over-ipv6',
  'truncated',
  'length-mismatch',
  'bad-context',
  'bad-checksum',
] as const;

export type DecodeReason = (typeof DECODE_REASONS)[number];

/** Whatever header fields could be read before a decode failed (for sniffers and logs). */
export interface VrrpPartial {
  readonly version?: number;
  readonly type?: number;
  readonly vrid?: number;
  readonly priority?: number;
  readonly addrCount?: number;
  readonly authType?: number;
  readonly adverIntCs?: number;
  readonly checksum?: number;
  readonly addresses?: readonly string[];
}

export type DecodeResult =
  | { readonly ok: true; readonly packet: VrrpPacket }
  | { readonly ok: false; readonly reason: DecodeReason; readonly partial: VrrpPartial };

/** Length of a whole VRRP message with `addrCount` addresses (keepalived expected_vrrp_pkt_len). */
export function vrrpMessageLength(version: number, family: IpFamily, addrCount: number): number {
  const v2auth = version === 2 && family === 'ipv4' ? VRRP_AUTH_DATA_LENGTH : 0;
  return VRRP_HEADER_LENGTH + addrCount * addressLength(family) + v2auth;
}

/**
 * Checksum of a VRRP message as it should appear on the wire (the message's own checksum field is
 * treated as zero). v2: the VRRP message only (RFC 3768 5.3.8). v3: the message plus the IPv4 or
 * IPv6 pseudo-header (RFC 5798 5.2.8, RFC 9568 5.2.8). Returns undefined when src/dst do not parse.
 */
export function vrrpChecksum(msg: Uint8Array, version: number, ctx: VrrpContext): number | undefined {
  let acc = 0;
  if (version === 3 || ctx.family === 'ipv6') {
    const src = parseAddress(ctx.family, ctx.src);
    const dst = parseAddress(ctx.family, ctx.dst);
    if (!src || !dst) return undefined;
    const len = msg.length;
    acc = checksumAdd(acc, src);
    acc = checksumAdd(acc, dst);
    // IPv4 pseudo-header: zero, protocol, 16-bit length. IPv6: 32-bit length, 3 zero bytes, next header.
    // Both sum to the same 16-bit words for lengths below 65536.
    acc = checksumAdd(acc, Uint8Array.of(0, IPPROTO_VRRP, (len >> 8) & 0xff, len & 0xff));
  }
  // Sum header bytes with the checksum field (bytes 6-7) taken as zero.
  acc = checksumAdd(acc, msg.subarray(0, Math.min(6, msg.length)));
  if (msg.length > 8) acc = checksumAdd(acc, msg.subarray(8));
  return checksumFinish(acc);
}

export function decodeVrrp(bytes: Uint8Array, ctx: VrrpContext): DecodeResult {
  const fail = (reason: DecodeReason, partial: VrrpPartial): DecodeResult => ({ ok: false, reason, partial });
  if (bytes.length < 1) return fail('too-short', {});
  const version = bytes[0]! >> 4;
  const type = bytes[0]! & 0x0f;
  if (bytes.length < VRRP_HEADER_LENGTH) {
    const partial: { -readonly [K in keyof VrrpPartial]: VrrpPartial[K] } = { version, type };
    if (bytes.length > 1) partial.vrid = bytes[1]!;
    if (bytes.length > 2) partial.priority = bytes[2]!;
    if (bytes.length > 3) partial.addrCount = bytes[3]!;
    if (bytes.length > 5 && version === 2) {
      partial.authType = bytes[4]!;
      partial.adverIntCs = bytes[5]! * 100;
    } else if (bytes.length > 5 && version === 3)
      partial.adverIntCs = ((bytes[4]! << 8) | bytes[5]!) & 0x0fff;
    return fail('too-short', partial);
  }
  const vrid = bytes[1]!;
  const priority = bytes[2]!;
  const addrCount = bytes[3]!;
  const checksum = (bytes[6]! << 8) | bytes[7]!;
  const header: VrrpPartial =
    version === 2
      ? {
          version,
          type,
          vrid,
          priority,
          addrCount,
          authType: bytes[4]!,
          adverIntCs: bytes[5]! * 100,
          checksum,
        }
      : {
          version,
          type,
          vrid,
          priority,
          addrCount,
          adverIntCs: ((bytes[4]! << 8) | bytes[5]!) & 0x0fff,
          checksum,
        };
  if (version !== 2 && version !== 3)
    return fail('bad-version', { version, type, vrid, priority, addrCount });
  // keepalived refuses VRRPv2 on IPv6 instances (RFC 3768 is IPv4-only).
  if (version === 2 && ctx.family === 'ipv6') return fail('v2-over-ipv6', header);
  const alen = addressLength(ctx.family);
  const expected = vrrpMessageLength(version, ctx.family, addrCount);
  const addresses: string[] = [];
  for (let i = 0; i < addrCount && VRRP_HEADER_LENGTH + (i + 1) * alen <= bytes.length; i++) {
    addresses.push(formatAddress(ctx.family, bytes, VRRP_HEADER_LENGTH + i * alen));
  }
  if (bytes.length < expected) return fail('truncated', { ...header, addresses });
  if (bytes.length > expected) return fail('length-mismatch', { ...header, addresses });
  const computed = vrrpChecksum(bytes, version, ctx);
  if (computed === undefined) return fail('bad-context', { ...header, addresses });
  if (computed !== checksum) return fail('bad-checksum', { ...header, addresses });
  const common = { type, vrid, priority, family: ctx.family, addresses, checksum };
  const packet: VrrpPacket =
    version === 2
      ? {
          ...common,
          version: 2,
          authType: bytes[4]!,
          adverIntCs: bytes[5]! * 100,
          authData: bytes.slice(expected - VRRP_AUTH_DATA_LENGTH, expected),
        }
      : { ...common, version: 3, adverIntCs: ((bytes[4]! << 8) | bytes[5]!) & 0x0fff };
  return { ok: true, packet };
}

export type EncodeError = { readonly ok: false; readonly reason: string };

/**
 * Encodes a VRRP message and computes its checksum. Fails (with a reason, not an exception) when a
 * field does not fit the wire format: vrid 1-255 is not enforced here (0 is encodable for tests),
 * but ranges of the byte fields, address syntax and the v2 whole-second interval are.
 */
export function encodeVrrp(
  packet: VrrpPacket,
  ctx: VrrpContext,
): { readonly ok: true; readonly bytes: Uint8Array } | EncodeError {
  const bad = (reason: string): EncodeError => ({ ok: false, reason });
  if (packet.family !== ctx.family) return bad('packet family differs from the IP envelope');
  if (packet.version === 2 && ctx.family === 'ipv6') return bad('VRRPv2 is IPv4-only');
  const byte = (v: number) => Number.isInteger(v) && v >= 0 && v <= 255;
  if (!byte(packet.vrid) || !byte(packet.priority)) return bad('vrid and priority must be 0-255');
  if (!Number.isInteger(packet.type) || packet.type < 0 || packet.type > 15) return bad('type must be 0-15');
  if (packet.addresses.length > 255) return bad('at most 255 addresses');
  const len = vrrpMessageLength(packet.version, ctx.family, packet.addresses.length);
  const out = new Uint8Array(len);
  out[0] = (packet.version << 4) | packet.type;
  out[1] = packet.vrid;
  out[2] = packet.priority;
  out[3] = packet.addresses.length;
  if (packet.version === 2) {
    if (!byte(packet.authType)) return bad('auth type must be 0-255');
    const secs = packet.adverIntCs / 100;
    if (!Number.isInteger(secs) || secs < 0 || secs > 255)
      return bad('v2 interval must be whole seconds 0-255');
    if (packet.authData.length !== VRRP_AUTH_DATA_LENGTH) return bad('v2 auth data must be 8 bytes');
    out[4] = packet.authType;
    out[5] = secs;
    out.set(packet.authData, len - VRRP_AUTH_DATA_LENGTH);
  } else {
    const cs = packet.adverIntCs;
    // RFC 5798 5.2.7: 12-bit field; the top 4 bits of the 16-bit word are reserved and sent as zero.
    if (!Number.isInteger(cs) || cs < 0 || cs > 0x0fff) return bad('v3 interval must be 0-4095 centiseconds');
    out[4] = cs >> 8;
    out[5] = cs & 0xff;
  }
  const alen = addressLength(ctx.family);
  for (let i = 0; i < packet.addresses.length; i++) {
    const a = parseAddress(ctx.family, packet.addresses[i]!);
    if (!a) return bad(`bad ${ctx.family} address '${packet.addresses[i]}'`);
    out.set(a, VRRP_HEADER_LENGTH + i * alen);
  }
  const ck = vrrpChecksum(out, packet.version, ctx);
  if (ck === undefined) return bad('bad source or destination address for the checksum');
  out[6] = ck >> 8;
  out[7] = ck & 0xff;
  return { ok: true, bytes: out };
}

export type FrameDecodeReason = FrameReason | DecodeReason | 'not-vrrp' | 'ip-fragment' | 'bad-ip-checksum';

export type FrameDecodeResult =
  | { readonly ok: true; readonly envelope: VrrpEnvelope; readonly packet: VrrpPacket }
  | {
      readonly ok: false;
      readonly reason: FrameDecodeReason;
      /** Present once the IP header was read and it carries VRRP. */
      readonly envelope?: VrrpEnvelope;
      /** The VRRP bytes as captured (possibly short), when the IP header was read. */
      readonly payload?: Uint8Array;
      readonly partial?: VrrpPartial;
    };

function toPartial(p: VrrpPacket): VrrpPartial {
  return {
    version: p.version,
    type: p.type,
    vrid: p.vrid,
    priority: p.priority,
    addrCount: p.addresses.length,
    adverIntCs: p.adverIntCs,
    checksum: p.checksum,
    addresses: p.addresses,
    ...(p.version === 2 ? { authType: p.authType } : {}),
  };
}

/**
 * Decodes a captured link-layer frame (pcap LINKTYPE_*) down to its VRRP advert. Frames that are not
 * IP protocol 112 fail with 'not-vrrp' (or the framing reason); fragments, a bad IPv4 header checksum
 * and VRRP decode failures carry the envelope and whatever VRRP fields could be read.
 */
export function decodeVrrpFrame(linktype: number, frame: Uint8Array): FrameDecodeResult {
  const f = decodeFrame(linktype, frame);
  if (!f.ok) return { ok: false, reason: f.reason };
  const ip = f.ip;
  if (ip.protocol !== IPPROTO_VRRP) return { ok: false, reason: 'not-vrrp' };
  const envelope: VrrpEnvelope = { family: ip.family, src: ip.src, dst: ip.dst, ttl: ip.ttl };
  const payload = ip.payload;
  // A later fragment holds no VRRP header at all; a first fragment shows a (partial) header.
  if (ip.fragment && ip.fragmentOffset !== 0) return { ok: false, reason: 'ip-fragment', envelope, payload };
  const d = decodeVrrp(payload, envelope);
  const partial = d.ok ? toPartial(d.packet) : d.partial;
  if (ip.fragment) return { ok: false, reason: 'ip-fragment', envelope, payload, partial };
  if (!d.ok) return { ok: false, reason: d.reason, envelope, payload, partial };
  if (!ip.headerChecksumOk) return { ok: false, reason: 'bad-ip-checksum', envelope, payload, partial };
  return { ok: true, envelope, packet: d.packet };
}
