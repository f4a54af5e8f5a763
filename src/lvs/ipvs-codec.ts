/**
 * IPVS generic-netlink codec (family "IPVS", version 1). Pure: request bytes for services and
 * destinations, and decoders for the kernel's GET_SERVICE / GET_DEST / GET_INFO replies with their
 * counters. Layouts from <linux/ip_vs.h> and net/netfilter/ipvs/ip_vs_ctl.c (ip_vs_genl_parse_service,
 * ip_vs_genl_parse_dest, ip_vs_genl_fill_*); attribute order and contents as keepalived's libipvs
 * sends them (ipvs_nl_fill_service_attr / ipvs_nl_fill_dest_attr): the full entry on every command,
 * flags with mask ~0, addresses as 16-byte nf_inet_addr, ports in network order.
 * Decoders never throw: they return a value or a reason.
 */
import {
  type GenlMessage,
  type GenlRequest,
  nlaBe16,
  nlaNest,
  nlaString,
  nlaU8,
  nlaU16,
  nlaU32,
  readBe16,
  readString,
  readU8,
  readU16,
  readU32,
  readU64,
} from '../kernel/genetlink-codec.js';
import { type DecodeResult, encodeAttr, parseAttrs } from '../kernel/netlink-codec.js';
import { formatIpv4, formatIpv6, type IpFamily, parseIpv4, parseIpv6 } from '../net/addr.js';

export const IPVS_GENL_NAME = 'IPVS';
export const IPVS_GENL_VERSION = 1;

export const IPVS_CMD = {
  NEW_SERVICE: 1,
  SET_SERVICE: 2,
  DEL_SERVICE: 3,
  GET_SERVICE: 4,
  NEW_DEST: 5,
  SET_DEST: 6,
  DEL_DEST: 7,
  GET_DEST: 8,
  GET_INFO: 15,
  FLUSH: 17,
} as const;

const IPVS_CMD_ATTR_SERVICE = 1;
const IPVS_CMD_ATTR_DEST = 2;

const SVC = {
  AF: 1,
  PROTOCOL: 2,
  ADDR: 3,
  PORT: 4,
  FWMARK: 5,
  SCHED_NAME: 6,
  FLAGS: 7,
  TIMEOUT: 8,
  NETMASK: 9,
  STATS: 10,
  PE_NAME: 11,
  STATS64: 12,
} as const;

const DEST = {
  ADDR: 1,
  PORT: 2,
  FWD_METHOD: 3,
  WEIGHT: 4,
  U_THRESH: 5,
  L_THRESH: 6,
  ACTIVE_CONNS: 7,
  INACT_CONNS: 8,
  PERSIST_CONNS: 9,
  STATS: 10,
  ADDR_FAMILY: 11,
  STATS64: 12,
  TUN_TYPE: 13,
  TUN_PORT: 14,
  TUN_FLAGS: 15,
} as const;

const STATS = {
  CONNS: 1,
  INPKTS: 2,
  OUTPKTS: 3,
  INBYTES: 4,
  OUTBYTES: 5,
  CPS: 6,
  INPPS: 7,
  OUTPPS: 8,
  INBPS: 9,
  OUTBPS: 10,
} as const;

const INFO_VERSION = 1;
const INFO_CONN_TAB_SIZE = 2;

/** Service flags (IP_VS_SVC_F_*). */
export const SVC_F = {
  PERSISTENT: 0x1,
  HASHED: 0x2,
  ONEPACKET: 0x4,
  /** sh-fallback / mh-fallback */
  SCHED1: 0x8,
  /** sh-port / mh-port */
  SCHED2: 0x10,
  SCHED3: 0x20,
} as const;

const AF_INET = 2;
const AF_INET6 = 10;
const PROTOCOLS = { TCP: 6, UDP: 17, SCTP: 132 } as const;
export type IpvsProtocol = keyof typeof PROTOCOLS;
const METHODS = { NAT: 0, LOCAL: 1, TUN: 2, DR: 3 } as const;
export type IpvsMethod = keyof typeof METHODS;
const TUN_TYPES = { ipip: 0, gue: 1, gre: 2 } as const;
export type IpvsTunnelType = keyof typeof TUN_TYPES;
/** IP_VS_TUNNEL_ENCAP_FLAG_* */
export const TUN_F = { NOCSUM: 0, CSUM: 1, REMCSUM: 2 } as const;

/** A virtual service: its identity (family + fwmark, or protocol/address/port) and its settings. */
export interface IpvsService {
  readonly family: IpFamily;
  readonly protocol?: IpvsProtocol;
  readonly address?: string;
  readonly port?: number;
  readonly fwmark?: number;
  readonly scheduler: string;
  /** IP_VS_SVC_F_* (PERSISTENT is set from timeoutS by the encoder's caller, not implied). */
  readonly flags: number;
  /** Persistence timeout in seconds (0 = none). */
  readonly timeoutS: number;
  /** Persistence netmask: IPv4 dotted ("255.255.255.0", need not be contiguous), IPv6 prefix length ("64"). */
  readonly netmask: string;
  readonly peName?: string;
}

export interface IpvsDest {
  /** The destination's own family (may differ from the service's for tunnelled dests). */
  readonly family: IpFamily;
  readonly address: string;
  readonly port: number;
  readonly method: IpvsMethod;
  readonly weight: number;
  readonly uThreshold: number;
  readonly lThreshold: number;
  /** TUN only. */
  readonly tunType?: IpvsTunnelType;
  /** TUN gue: the real server's GUE port. */
  readonly tunPort?: number;
  /** TUN gue/gre: TUN_F bits. */
  readonly tunFlags?: number;
}

/** Counters since creation (or zero); rates from the kernel's estimator (per second). */
export interface IpvsStats {
  readonly conns: number;
  readonly inPkts: number;
  readonly outPkts: number;
  readonly inBytes: number;
  readonly outBytes: number;
  readonly cps: number;
  readonly inPps: number;
  readonly outPps: number;
  readonly inBps: number;
  readonly outBps: number;
}

export interface IpvsServiceEntry extends IpvsService {
  readonly stats?: IpvsStats;
}

export interface IpvsDestEntry extends IpvsDest {
  readonly activeConns: number;
  readonly inactConns: number;
  readonly persistConns: number;
  readonly stats?: IpvsStats;
}

export interface IpvsInfo {
  /** "1.2.1" */
  readonly version: string;
  readonly connTabSize: number;
}

const afOf = (f: IpFamily) => (f === 'ipv4' ? AF_INET : AF_INET6);
const familyOf = (af: number | undefined): IpFamily | undefined =>
  af === AF_INET ? 'ipv4' : af === AF_INET6 ? 'ipv6' : undefined;

/** union nf_inet_addr: 16 bytes, an IPv4 address in the first 4. */
function inetAddr(family: IpFamily, text: string): Uint8Array | undefined {
  const raw = family === 'ipv4' ? parseIpv4(text) : parseIpv6(text);
  if (raw === undefined) return undefined;
  const b = new Uint8Array(16);
  b.set(raw, 0);
  return b;
}

function formatInetAddr(family: IpFamily, b: Uint8Array | undefined): string | undefined {
  if (b === undefined) return undefined;
  if (family === 'ipv4') return b.length >= 4 ? formatIpv4(b) : undefined;
  return b.length >= 16 ? formatIpv6(b) : undefined;
}

/** The NETMASK attribute's u32: an IPv4 mask's bytes in network order, or an IPv6 prefix length. */
function netmaskBytes(family: IpFamily, netmask: string): Uint8Array | undefined {
  if (family === 'ipv4') return parseIpv4(netmask);
  if (!/^\d{1,3}$/.test(netmask) || Number(netmask) < 1 || Number(netmask) > 128) return undefined;
  const b = Buffer.alloc(4);
  b.writeUInt32LE(Number(netmask), 0);
  return b;
}

export const defaultNetmask = (family: IpFamily) => (family === 'ipv4' ? '255.255.255.255' : '128');

type Encoded<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The SERVICE nest (full entry: identity, scheduler, PE, flags with mask ~0, timeout, netmask). */
export function encodeServiceNest(s: IpvsService): Encoded<Buffer> {
  const attrs: Uint8Array[] = [nlaU16(SVC.AF, afOf(s.family))];
  if (s.fwmark !== undefined) {
    attrs.push(nlaU32(SVC.FWMARK, s.fwmark));
  } else {
    if (s.protocol === undefined || s.address === undefined || s.port === undefined)
      return { ok: false, reason: 'a service needs a fwmark, or a protocol, address and port' };
    const addr = inetAddr(s.family, s.address);
    if (addr === undefined) return { ok: false, reason: `bad ${s.family} address ${s.address}` };
    attrs.push(
      nlaU16(SVC.PROTOCOL, PROTOCOLS[s.protocol]),
      encodeAttr(SVC.ADDR, addr),
      nlaBe16(SVC.PORT, s.port),
    );
  }
  if (s.scheduler.length === 0 || Buffer.byteLength(s.scheduler) > 15)
    return { ok: false, reason: `bad scheduler name ${s.scheduler}` };
  attrs.push(nlaString(SVC.SCHED_NAME, s.scheduler));
  if (s.peName !== undefined && s.peName !== '') attrs.push(nlaString(SVC.PE_NAME, s.peName));
  const flags = Buffer.alloc(8);
  flags.writeUInt32LE(s.flags >>> 0, 0);
  flags.writeUInt32LE(0xffffffff, 4);
  attrs.push(encodeAttr(SVC.FLAGS, flags), nlaU32(SVC.TIMEOUT, s.timeoutS));
  const mask = netmaskBytes(s.family, s.netmask);
  if (mask === undefined) return { ok: false, reason: `bad ${s.family} persistence netmask ${s.netmask}` };
  attrs.push(encodeAttr(SVC.NETMASK, mask));
  return { ok: true, value: nlaNest(IPVS_CMD_ATTR_SERVICE, attrs) };
}

/** The DEST nest, as libipvs fills it: family, address, port, method, weight, tunnel, thresholds. */
export function encodeDestNest(d: IpvsDest): Encoded<Buffer> {
  const addr = inetAddr(d.family, d.address);
  if (addr === undefined) return { ok: false, reason: `bad ${d.family} address ${d.address}` };
  if (!Number.isInteger(d.weight) || d.weight < 0 || d.weight > 2147483647)
    return { ok: false, reason: `bad weight ${d.weight}` };
  const attrs: Uint8Array[] = [
    nlaU16(DEST.ADDR_FAMILY, afOf(d.family)),
    encodeAttr(DEST.ADDR, addr),
    nlaBe16(DEST.PORT, d.port),
    nlaU32(DEST.FWD_METHOD, METHODS[d.method]),
    nlaU32(DEST.WEIGHT, d.weight),
  ];
  if (d.method === 'TUN') {
    const type = d.tunType ?? 'ipip';
    attrs.push(nlaU8(DEST.TUN_TYPE, TUN_TYPES[type]));
    if (type === 'gue') attrs.push(nlaBe16(DEST.TUN_PORT, d.tunPort ?? 0));
    if (type !== 'ipip') attrs.push(nlaU16(DEST.TUN_FLAGS, d.tunFlags ?? TUN_F.NOCSUM));
  }
  attrs.push(nlaU32(DEST.U_THRESH, d.uThreshold), nlaU32(DEST.L_THRESH, d.lThreshold));
  return { ok: true, value: nlaNest(IPVS_CMD_ATTR_DEST, attrs) };
}

const request = (familyId: number, cmd: number, attrs: Uint8Array[]): GenlRequest => ({
  family: familyId,
  cmd,
  version: IPVS_GENL_VERSION,
  attrs,
});

const SERVICE_CMDS = {
  new: IPVS_CMD.NEW_SERVICE,
  set: IPVS_CMD.SET_SERVICE,
  del: IPVS_CMD.DEL_SERVICE,
} as const;
const DEST_CMDS = { new: IPVS_CMD.NEW_DEST, set: IPVS_CMD.SET_DEST, del: IPVS_CMD.DEL_DEST } as const;
export type IpvsOp = keyof typeof SERVICE_CMDS;

export function serviceRequest(familyId: number, op: IpvsOp, s: IpvsService): Encoded<GenlRequest> {
  const nest = encodeServiceNest(s);
  return nest.ok ? { ok: true, value: request(familyId, SERVICE_CMDS[op], [nest.value]) } : nest;
}

export function destRequest(familyId: number, op: IpvsOp, s: IpvsService, d: IpvsDest): Encoded<GenlRequest> {
  const sn = encodeServiceNest(s);
  if (!sn.ok) return sn;
  const dn = encodeDestNest(d);
  if (!dn.ok) return dn;
  return { ok: true, value: request(familyId, DEST_CMDS[op], [sn.value, dn.value]) };
}

/** GET_SERVICE as a dump (the caller sets NLM_F_DUMP): every service in the namespace. */
export const getServicesRequest = (familyId: number): GenlRequest => ({
  ...request(familyId, IPVS_CMD.GET_SERVICE, []),
  dump: true,
});

/** GET_DEST dump of one service (identified by its SERVICE nest). */
export function getDestsRequest(familyId: number, s: IpvsService): Encoded<GenlRequest> {
  const sn = encodeServiceNest(s);
  return sn.ok
    ? { ok: true, value: { ...request(familyId, IPVS_CMD.GET_DEST, [sn.value]), dump: true } }
    : sn;
}

export const getInfoRequest = (familyId: number): GenlRequest => request(familyId, IPVS_CMD.GET_INFO, []);

// ---- decoding -----------------------------------------------------------------------------------

function decodeStats(
  a: Map<number, Uint8Array>,
  statsType: number,
  stats64Type: number,
): IpvsStats | undefined {
  const s64 = a.get(stats64Type);
  const s32 = a.get(statsType);
  const nest = s64 ?? s32;
  if (nest === undefined) return undefined;
  const s = parseAttrs(nest);
  // STATS64: every counter u64. STATS: u32, except the byte counters (u64).
  const n = (t: number, wide: boolean) =>
    (s64 !== undefined || wide ? readU64(s.get(t)) : readU32(s.get(t))) ?? 0;
  return {
    conns: n(STATS.CONNS, false),
    inPkts: n(STATS.INPKTS, false),
    outPkts: n(STATS.OUTPKTS, false),
    inBytes: n(STATS.INBYTES, true),
    outBytes: n(STATS.OUTBYTES, true),
    cps: n(STATS.CPS, false),
    inPps: n(STATS.INPPS, false),
    outPps: n(STATS.OUTPPS, false),
    inBps: n(STATS.INBPS, false),
    outBps: n(STATS.OUTBPS, false),
  };
}

const byValue = <K extends string>(table: Record<K, number>, v: number | undefined): K | undefined =>
  (Object.keys(table) as K[]).find((k) => table[k] === v);

function decodeNetmask(family: IpFamily, b: Uint8Array | undefined): string {
  if (b === undefined || b.length < 4) return defaultNetmask(family);
  return family === 'ipv4' ? formatIpv4(b) : String(readU32(b));
}

/** One GET_SERVICE reply (cmd NEW_SERVICE with a SERVICE nest). */
export function decodeServiceReply(m: GenlMessage): DecodeResult<IpvsServiceEntry> {
  const nest = parseAttrs(m.attrs).get(IPVS_CMD_ATTR_SERVICE);
  if (nest === undefined) return { ok: false, reason: 'no SERVICE attribute' };
  const a = parseAttrs(nest);
  const family = familyOf(readU16(a.get(SVC.AF)));
  if (family === undefined) return { ok: false, reason: `service family ${readU16(a.get(SVC.AF))}` };
  const flagsAttr = a.get(SVC.FLAGS);
  const base = {
    family,
    scheduler: readString(a.get(SVC.SCHED_NAME)) ?? '',
    flags: readU32(flagsAttr) ?? 0,
    timeoutS: readU32(a.get(SVC.TIMEOUT)) ?? 0,
    netmask: decodeNetmask(family, a.get(SVC.NETMASK)),
  };
  const pe = readString(a.get(SVC.PE_NAME));
  const stats = decodeStats(a, SVC.STATS, SVC.STATS64);
  const extra = { ...(pe ? { peName: pe } : {}), ...(stats ? { stats } : {}) };
  const fwmark = readU32(a.get(SVC.FWMARK));
  if (fwmark !== undefined && fwmark !== 0) return { ok: true, value: { ...base, fwmark, ...extra } };
  const protocol = byValue(PROTOCOLS, readU16(a.get(SVC.PROTOCOL)));
  const address = formatInetAddr(family, a.get(SVC.ADDR));
  const port = readBe16(a.get(SVC.PORT));
  if (protocol === undefined || address === undefined || port === undefined)
    return { ok: false, reason: 'service without fwmark nor protocol/address/port' };
  return { ok: true, value: { ...base, protocol, address, port, ...extra } };
}

/** One GET_DEST reply (cmd NEW_DEST with a DEST nest). `serviceFamily` for kernels without ADDR_FAMILY. */
export function decodeDestReply(m: GenlMessage, serviceFamily: IpFamily): DecodeResult<IpvsDestEntry> {
  const nest = parseAttrs(m.attrs).get(IPVS_CMD_ATTR_DEST);
  if (nest === undefined) return { ok: false, reason: 'no DEST attribute' };
  const a = parseAttrs(nest);
  const af = readU16(a.get(DEST.ADDR_FAMILY));
  const family = af === undefined ? serviceFamily : familyOf(af);
  if (family === undefined) return { ok: false, reason: `dest family ${af}` };
  const address = formatInetAddr(family, a.get(DEST.ADDR));
  const port = readBe16(a.get(DEST.PORT));
  const method = byValue(METHODS, (readU32(a.get(DEST.FWD_METHOD)) ?? 0) & 7);
  if (address === undefined || port === undefined || method === undefined)
    return { ok: false, reason: 'dest without address, port or method' };
  const stats = decodeStats(a, DEST.STATS, DEST.STATS64);
  const tunType = byValue(TUN_TYPES, readU8(a.get(DEST.TUN_TYPE)));
  const tunPort = readBe16(a.get(DEST.TUN_PORT));
  const tunFlags = readU16(a.get(DEST.TUN_FLAGS));
  return {
    ok: true,
    value: {
      family,
      address,
      port,
      method,
      weight: readU32(a.get(DEST.WEIGHT)) ?? 0,
      uThreshold: readU32(a.get(DEST.U_THRESH)) ?? 0,
      lThreshold: readU32(a.get(DEST.L_THRESH)) ?? 0,
      activeConns: readU32(a.get(DEST.ACTIVE_CONNS)) ?? 0,
      inactConns: readU32(a.get(DEST.INACT_CONNS)) ?? 0,
      persistConns: readU32(a.get(DEST.PERSIST_CONNS)) ?? 0,
      ...(method === 'TUN' && tunType !== undefined ? { tunType } : {}),
      ...(method === 'TUN' && tunPort !== undefined ? { tunPort } : {}),
      ...(method === 'TUN' && tunFlags !== undefined ? { tunFlags } : {}),
      ...(stats ? { stats } : {}),
    },
  };
}

/** GET_INFO's reply (cmd SET_INFO): the IPVS version and connection table size. */
export function decodeInfoReply(m: GenlMessage): DecodeResult<IpvsInfo> {
  const a = parseAttrs(m.attrs);
  const v = readU32(a.get(INFO_VERSION));
  if (v === undefined) return { ok: false, reason: 'no INFO_VERSION' };
  return {
    ok: true,
    value: {
      version: `${(v >> 16) & 0xff}.${(v >> 8) & 0xff}.${v & 0xff}`,
      connTabSize: readU32(a.get(INFO_CONN_TAB_SIZE)) ?? 0,
    },
  };
}
