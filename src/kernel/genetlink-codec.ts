/**
 * Generic netlink codec. Pure: the genlmsghdr framing over netlink messages, the controller's
 * CTRL_CMD_GETFAMILY (family name -> id), and attribute builders/readers shared by genetlink
 * families (ipvs-codec.ts). Layouts from <linux/genetlink.h>; host-order fields little-endian.
 * Decoders never throw: they return a value or a reason.
 */
import { NLA_F_NESTED, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST } from './constants.js';
import {
  type DecodeResult,
  encodeAttr,
  encodeNlMessage,
  type NlMessage,
  parseAttrs,
} from './netlink-codec.js';

export const GENL_ID_CTRL = 0x10;
export const GENL_HDRLEN = 4;
export const CTRL_CMD_NEWFAMILY = 1;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;
export const CTRL_ATTR_VERSION = 3;
export const CTRL_ATTR_HDRSIZE = 4;
export const CTRL_ATTR_MAXATTR = 5;

// ---- attribute builders and readers --------------------------------------------------------------

export const nlaU8 = (type: number, n: number) => encodeAttr(type, Uint8Array.of(n & 0xff));
export function nlaU16(type: number, n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n & 0xffff, 0);
  return encodeAttr(type, b);
}
/** A u16 the kernel reads in network byte order (ports: __be16). */
export function nlaBe16(type: number, n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff, 0);
  return encodeAttr(type, b);
}
export function nlaU32(type: number, n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return encodeAttr(type, b);
}
export const nlaString = (type: number, s: string) =>
  encodeAttr(type, Buffer.concat([Buffer.from(s, 'utf8'), Buffer.alloc(1)]));
export const nlaNest = (type: number, children: readonly Uint8Array[]) =>
  encodeAttr(type | NLA_F_NESTED, Buffer.concat(children));

const view = (a: Uint8Array) => new DataView(a.buffer, a.byteOffset, a.byteLength);
export const readU8 = (a: Uint8Array | undefined): number | undefined =>
  a && a.length >= 1 ? (a[0] as number) : undefined;
export const readU16 = (a: Uint8Array | undefined): number | undefined =>
  a && a.length >= 2 ? view(a).getUint16(0, true) : undefined;
export const readBe16 = (a: Uint8Array | undefined): number | undefined =>
  a && a.length >= 2 ? view(a).getUint16(0, false) : undefined;
export const readU32 = (a: Uint8Array | undefined): number | undefined =>
  a && a.length >= 4 ? view(a).getUint32(0, true) : undefined;
/** A u64 as a number (exact below 2^53, which counters do not reach in practice). */
export const readU64 = (a: Uint8Array | undefined): number | undefined =>
  a && a.length >= 8 ? Number(view(a).getBigUint64(0, true)) : undefined;
export function readString(a: Uint8Array | undefined): string | undefined {
  if (!a) return undefined;
  const nul = a.indexOf(0);
  return Buffer.from(a.subarray(0, nul < 0 ? a.length : nul)).toString('utf8');
}

// ---- framing ------------------------------------------------------------------------------------

/** One generic netlink message: the netlink header fields, genlmsghdr, and the attribute bytes. */
export interface GenlMessage {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly cmd: number;
  readonly version: number;
  readonly attrs: Uint8Array;
}

export interface GenlRequest {
  /** The family id (nlmsg_type). */
  readonly family: number;
  readonly cmd: number;
  readonly version: number;
  readonly attrs: readonly Uint8Array[];
  /** A dump (NLM_F_DUMP) instead of an acknowledged request (NLM_F_ACK). */
  readonly dump?: boolean;
}

export function encodeGenlRequest(r: GenlRequest, seq: number): Buffer {
  const header = Uint8Array.of(r.cmd & 0xff, r.version & 0xff, 0, 0);
  const flags = NLM_F_REQUEST | (r.dump ? NLM_F_DUMP : NLM_F_ACK);
  return encodeNlMessage(r.family, flags, seq, Buffer.concat([header, ...r.attrs]));
}

export function decodeGenlMessage(m: NlMessage): DecodeResult<GenlMessage> {
  if (m.payload.length < GENL_HDRLEN) return { ok: false, reason: 'genlmsghdr truncated' };
  return {
    ok: true,
    value: {
      type: m.type,
      flags: m.flags,
      seq: m.seq,
      cmd: m.payload[0] as number,
      version: m.payload[1] as number,
      attrs: m.payload.subarray(GENL_HDRLEN),
    },
  };
}

// ---- controller ---------------------------------------------------------------------------------

export interface GenlFamily {
  readonly id: number;
  readonly name: string;
  readonly version: number;
  readonly hdrSize: number;
  readonly maxAttr: number;
}

/** CTRL_CMD_GETFAMILY for one family name (answered by one CTRL_CMD_NEWFAMILY, or ENOENT). */
export function encodeGetFamily(name: string, seq: number): Buffer {
  return encodeGenlRequest(
    {
      family: GENL_ID_CTRL,
      cmd: CTRL_CMD_GETFAMILY,
      version: 1,
      attrs: [nlaString(CTRL_ATTR_FAMILY_NAME, name)],
    },
    seq,
  );
}

export function decodeFamily(m: NlMessage): DecodeResult<GenlFamily> {
  const g = decodeGenlMessage(m);
  if (!g.ok) return g;
  if (g.value.cmd !== CTRL_CMD_NEWFAMILY) return { ok: false, reason: `controller cmd ${g.value.cmd}` };
  const a = parseAttrs(g.value.attrs);
  const id = readU16(a.get(CTRL_ATTR_FAMILY_ID));
  const name = readString(a.get(CTRL_ATTR_FAMILY_NAME));
  if (id === undefined || name === undefined) return { ok: false, reason: 'family id or name missing' };
  return {
    ok: true,
    value: {
      id,
      name,
      version: readU32(a.get(CTRL_ATTR_VERSION)) ?? 0,
      hdrSize: readU32(a.get(CTRL_ATTR_HDRSIZE)) ?? 0,
      maxAttr: readU32(a.get(CTRL_ATTR_MAXATTR)) ?? 0,
    },
  };
}
