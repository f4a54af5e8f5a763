/**
 * rtnetlink message codec. Pure: builds request bytes and decodes kernel messages; decoders never throw
 * (they return a value or a reason). Layouts from <linux/netlink.h>, <linux/rtnetlink.h>,
 * <linux/if_addr.h> and <linux/if_link.h>; host-order fields are little-endian (see sockaddr.ts).
 */
import { formatIpv4, formatIpv6, type IpFamily, parseIpv4, parseIpv6 } from '../net/addr.js';
import { isValidInterfaceName, parseMac } from '../net/link.js';
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  IFA_ADDRESS,
  IFA_BROADCAST,
  IFA_FLAGS,
  IFA_LABEL,
  IFA_LOCAL,
  IFF_LOWER_UP,
  IFF_RUNNING,
  IFF_UP,
  IFLA_ADDRESS,
  IFLA_AF_SPEC,
  IFLA_IFNAME,
  IFLA_INET6_ADDR_GEN_MODE,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINK,
  IFLA_LINKINFO,
  IFLA_MACVLAN_MODE,
  IFLA_MTU,
  IFLA_OPERSTATE,
  IN6_ADDR_GEN_MODE_NONE,
  MACVLAN_MODE_BRIDGE,
  MACVLAN_MODE_PASSTHRU,
  MACVLAN_MODE_PRIVATE,
  MACVLAN_MODE_VEPA,
  NLA_F_NESTED,
  NLM_F_ACK,
  NLM_F_CAPPED,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  RT_SCOPE_HOST,
  RT_SCOPE_LINK,
  RT_SCOPE_NOWHERE,
  RT_SCOPE_SITE,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_MAIN,
  RTA_DST,
  RTA_GATEWAY,
  RTA_OIF,
  RTA_PREFSRC,
  RTA_PRIORITY,
  RTA_TABLE,
  RTM_DELADDR,
  RTM_DELLINK,
  RTM_DELROUTE,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_NEWADDR,
  RTM_NEWLINK,
  RTM_NEWROUTE,
  RTN_BLACKHOLE,
  RTN_PROHIBIT,
  RTN_UNICAST,
  RTN_UNREACHABLE,
  RTPROT_BOOT,
} from './constants.js';

// ---- framing ------------------------------------------------------------------------------------

export const NLMSG_HDRLEN = 16;
const align4 = (n: number) => (n + 3) & ~3;

/** One netlink message: struct nlmsghdr fields plus the payload after the 16-byte header. */
export interface NlMessage {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
  readonly payload: Uint8Array;
}

export function encodeNlMessage(type: number, flags: number, seq: number, payload: Uint8Array): Buffer {
  const len = NLMSG_HDRLEN + payload.length;
  const b = Buffer.alloc(align4(len));
  b.writeUInt32LE(len, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(flags, 6);
  b.writeUInt32LE(seq >>> 0, 8);
  b.writeUInt32LE(0, 12); // nlmsg_pid 0: to the kernel
  b.set(payload, NLMSG_HDRLEN);
  return b;
}

/**
 * Splits one datagram into messages (a dump reply carries several per read). A malformed length stops
 * the walk and is reported in `error`; the messages before it are still returned.
 */
export function splitNlMessages(b: Uint8Array): { messages: NlMessage[]; error?: string } {
  const messages: NlMessage[] = [];
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let off = 0;
  while (off + NLMSG_HDRLEN <= b.length) {
    const len = v.getUint32(off, true);
    if (len < NLMSG_HDRLEN || off + len > b.length) return { messages, error: `bad nlmsg_len ${len}` };
    messages.push({
      type: v.getUint16(off + 4, true),
      flags: v.getUint16(off + 6, true),
      seq: v.getUint32(off + 8, true),
      pid: v.getUint32(off + 12, true),
      payload: b.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return { messages };
}

// ---- attributes ---------------------------------------------------------------------------------

export function encodeAttr(type: number, data: Uint8Array): Buffer {
  const len = 4 + data.length;
  const b = Buffer.alloc(align4(len));
  b.writeUInt16LE(len, 0);
  b.writeUInt16LE(type, 2);
  b.set(data, 4);
  return b;
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
};
const cstring = (s: string) => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.alloc(1)]);

/** Attributes by type (the first occurrence wins); the nested/byte-order flag bits are masked off. */
export function parseAttrs(b: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let off = 0;
  while (off + 4 <= b.length) {
    const len = v.getUint16(off, true);
    if (len < 4 || off + len > b.length) break;
    const type = v.getUint16(off + 2, true) & 0x3fff;
    if (!out.has(type)) out.set(type, b.subarray(off + 4, off + len));
    off += align4(len);
  }
  return out;
}

const readU32 = (a: Uint8Array | undefined): number | undefined =>
  a && a.length >= 4 ? new DataView(a.buffer, a.byteOffset, 4).getUint32(0, true) : undefined;
const readCString = (a: Uint8Array | undefined): string | undefined => {
  if (!a) return undefined;
  const nul = a.indexOf(0);
  return Buffer.from(a.subarray(0, nul < 0 ? a.length : nul)).toString('utf8');
};

// ---- scopes and families ------------------------------------------------------------------------

const SCOPES: Record<string, number> = {
  global: RT_SCOPE_UNIVERSE,
  universe: RT_SCOPE_UNIVERSE,
  site: RT_SCOPE_SITE,
  link: RT_SCOPE_LINK,
  host: RT_SCOPE_HOST,
  nowhere: RT_SCOPE_NOWHERE,
};

/** keepalived/iproute2 scope names (`scope link`) or a number 0..255; undefined when unknown. */
export function parseScope(text: string): number | undefined {
  const named = SCOPES[text.toLowerCase()];
  if (named !== undefined) return named;
  if (/^\d{1,3}$/.test(text) && Number(text) <= 255) return Number(text);
  return undefined;
}

export function scopeName(scope: number): string {
  if (scope === RT_SCOPE_UNIVERSE) return 'global';
  for (const [name, value] of Object.entries(SCOPES)) if (value === scope) return name;
  return String(scope);
}

const afOf = (family: IpFamily) => (family === 'ipv4' ? AF_INET : AF_INET6);
const familyOf = (af: number): IpFamily | undefined =>
  af === AF_INET ? 'ipv4' : af === AF_INET6 ? 'ipv6' : undefined;
const addrBytes = (family: IpFamily, text: string) => (family === 'ipv4' ? parseIpv4(text) : parseIpv6(text));
const addrText = (family: IpFamily, b: Uint8Array | undefined): string | undefined => {
  if (!b) return undefined;
  if (family === 'ipv4') return b.length >= 4 ? formatIpv4(b) : undefined;
  return b.length >= 16 ? formatIpv6(b) : undefined;
};

// ---- addresses (RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR) ----------------------------------------

/** An interface address as vigil adds it (a VIP) or as the kernel reports it. */
export interface InterfaceAddress {
  readonly family: IpFamily;
  readonly ifindex: number;
  readonly address: string;
  readonly prefixLength: number;
  /** Point-to-point peer (IFA_ADDRESS when it differs from IFA_LOCAL). */
  readonly peer?: string;
  readonly broadcast?: string;
  /** IPv4 only: `eth0:1`. The kernel requires it to start with the interface name. */
  readonly label?: string;
  /** RT_SCOPE_* number (0 global, 200 site, 253 link, 254 host). Defaults to global. */
  readonly scope?: number;
  /** IFA_F_* flags (e.g. IFA_F_NODAD for IPv6 VIPs, usable without duplicate address detection). */
  readonly flags?: number;
}

export type EncodeResult = { ok: true; bytes: Buffer } | { ok: false; reason: string };

function validateAddress(a: InterfaceAddress): string | undefined {
  const max = a.family === 'ipv4' ? 32 : 128;
  if (!Number.isInteger(a.prefixLength) || a.prefixLength < 0 || a.prefixLength > max)
    return `prefix length ${a.prefixLength} out of range 0..${max}`;
  if (!addrBytes(a.family, a.address)) return `bad ${a.family} address '${a.address}'`;
  if (a.peer !== undefined && !addrBytes(a.family, a.peer)) return `bad peer address '${a.peer}'`;
  if (a.broadcast !== undefined && (a.family !== 'ipv4' || !parseIpv4(a.broadcast)))
    return `bad broadcast address '${a.broadcast}'`;
  if (a.label !== undefined && (a.family !== 'ipv4' || a.label.length === 0 || a.label.length > 15))
    return `bad label '${a.label}' (IPv4 only, 1..15 characters)`;
  if (a.scope !== undefined && (!Number.isInteger(a.scope) || a.scope < 0 || a.scope > 255))
    return `bad scope ${a.scope}`;
  if (!Number.isInteger(a.ifindex) || a.ifindex <= 0) return `bad interface index ${a.ifindex}`;
  return undefined;
}

/** RTM_NEWADDR (create, fail if it exists: NLM_F_EXCL) or RTM_DELADDR, always asking for an ack. */
export function encodeAddressRequest(op: 'add' | 'delete', a: InterfaceAddress, seq: number): EncodeResult {
  const bad = validateAddress(a);
  if (bad) return { ok: false, reason: bad };
  const hdr = Buffer.alloc(8); // struct ifaddrmsg
  hdr.writeUInt8(afOf(a.family), 0);
  hdr.writeUInt8(a.prefixLength, 1);
  hdr.writeUInt8((a.flags ?? 0) & 0xff, 2);
  hdr.writeUInt8(a.scope ?? RT_SCOPE_UNIVERSE, 3);
  hdr.writeUInt32LE(a.ifindex, 4);
  const local = addrBytes(a.family, a.address)!;
  const attrs = [
    hdr,
    encodeAttr(IFA_LOCAL, local),
    encodeAttr(IFA_ADDRESS, a.peer !== undefined ? addrBytes(a.family, a.peer)! : local),
  ];
  if (a.broadcast !== undefined) attrs.push(encodeAttr(IFA_BROADCAST, parseIpv4(a.broadcast)!));
  if (a.label !== undefined) attrs.push(encodeAttr(IFA_LABEL, cstring(a.label)));
  if (a.flags !== undefined && a.flags > 0xff) attrs.push(encodeAttr(IFA_FLAGS, u32(a.flags)));
  const type = op === 'add' ? RTM_NEWADDR : RTM_DELADDR;
  const flags = NLM_F_REQUEST | NLM_F_ACK | (op === 'add' ? NLM_F_CREATE | NLM_F_EXCL : 0);
  return { ok: true, bytes: encodeNlMessage(type, flags, seq, Buffer.concat(attrs)) };
}

export type AddressEvent = { readonly kind: 'new' | 'del'; readonly address: InterfaceAddress };
export type DecodeResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Decodes an RTM_NEWADDR/RTM_DELADDR payload (dump reply or group event). */
export function decodeAddressMessage(m: NlMessage): DecodeResult<AddressEvent> {
  if (m.type !== RTM_NEWADDR && m.type !== RTM_DELADDR)
    return { ok: false, reason: `not an address message` };
  if (m.payload.length < 8) return { ok: false, reason: 'ifaddrmsg truncated' };
  const p = m.payload;
  const family = familyOf(p[0]!);
  if (!family) return { ok: false, reason: `address family ${p[0]} not IPv4/IPv6` };
  const attrs = parseAttrs(p.subarray(8));
  const ifaAddress = addrText(family, attrs.get(IFA_ADDRESS));
  const ifaLocal = addrText(family, attrs.get(IFA_LOCAL));
  const address = ifaLocal ?? ifaAddress;
  if (!address) return { ok: false, reason: 'address message without IFA_LOCAL/IFA_ADDRESS' };
  const flags = readU32(attrs.get(IFA_FLAGS)) ?? p[2]!;
  const broadcast = family === 'ipv4' ? addrText(family, attrs.get(IFA_BROADCAST)) : undefined;
  const label = readCString(attrs.get(IFA_LABEL));
  const value: InterfaceAddress = {
    family,
    ifindex: new DataView(p.buffer, p.byteOffset + 4, 4).getUint32(0, true),
    address,
    prefixLength: p[1]!,
    scope: p[3]!,
    flags,
    ...(ifaLocal && ifaAddress && ifaAddress !== ifaLocal ? { peer: ifaAddress } : {}),
    ...(broadcast ? { broadcast } : {}),
    ...(label ? { label } : {}),
  };
  return { ok: true, value: { kind: m.type === RTM_NEWADDR ? 'new' : 'del', address: value } };
}

/** RTM_GETADDR dump of one family (or both, with undefined). */
export function encodeGetAddressDump(seq: number, family?: IpFamily): Buffer {
  const hdr = Buffer.alloc(8);
  hdr.writeUInt8(family ? afOf(family) : AF_UNSPEC, 0);
  return encodeNlMessage(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, seq, hdr);
}

// ---- links (RTM_GETLINK / RTM_NEWLINK / RTM_DELLINK) --------------------------------------------

/** RFC 2863 operational states as the kernel numbers them (IF_OPER_*). */
export const OPERSTATES = [
  'unknown',
  'notpresent',
  'down',
  'lowerlayerdown',
  'testing',
  'dormant',
  'up',
] as const;
export type OperState = (typeof OPERSTATES)[number];

export interface LinkInfo {
  readonly ifindex: number;
  readonly name: string;
  /** Raw IFF_* flags. */
  readonly flags: number;
  /** IFF_UP: administratively up. */
  readonly up: boolean;
  /** IFF_RUNNING: operationally up (RFC 2863 "up"). */
  readonly running: boolean;
  /** IFF_LOWER_UP: carrier. */
  readonly lowerUp: boolean;
  readonly operstate: OperState;
  readonly mtu?: number;
  /** Hardware address as aa:bb:cc:dd:ee:ff. */
  readonly hwaddr?: string;
  /** IFLA_INFO_KIND: 'macvlan', 'veth', 'bridge', ... (absent for plain devices). */
  readonly kind?: string;
  /** For a macvlan: its mode (IFLA_MACVLAN_MODE). */
  readonly macvlanMode?: MacvlanMode;
  /** IFLA_LINK: the lower device's index (a macvlan's base interface, a veth's peer). */
  readonly link?: number;
}

export type LinkEvent = { readonly kind: 'new' | 'del'; readonly link: LinkInfo };

export function encodeGetLinkDump(seq: number): Buffer {
  const hdr = Buffer.alloc(16); // struct ifinfomsg, family AF_UNSPEC
  return encodeNlMessage(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, seq, hdr);
}

export function decodeLinkMessage(m: NlMessage): DecodeResult<LinkEvent> {
  if (m.type !== RTM_NEWLINK && m.type !== RTM_DELLINK) return { ok: false, reason: 'not a link message' };
  if (m.payload.length < 16) return { ok: false, reason: 'ifinfomsg truncated' };
  const v = new DataView(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength);
  const attrs = parseAttrs(m.payload.subarray(16));
  const name = readCString(attrs.get(IFLA_IFNAME));
  if (name === undefined) return { ok: false, reason: 'link message without IFLA_IFNAME' };
  const flags = v.getUint32(8, true);
  const oper = attrs.get(IFLA_OPERSTATE)?.[0];
  const hw = attrs.get(IFLA_ADDRESS);
  const mtu = readU32(attrs.get(IFLA_MTU));
  const lower = readU32(attrs.get(IFLA_LINK));
  const info = parseAttrs(attrs.get(IFLA_LINKINFO) ?? new Uint8Array(0));
  const kind = readCString(info.get(IFLA_INFO_KIND));
  const mode =
    kind === 'macvlan'
      ? readU32(parseAttrs(info.get(IFLA_INFO_DATA) ?? new Uint8Array(0)).get(IFLA_MACVLAN_MODE))
      : undefined;
  const macvlanMode = mode === undefined ? undefined : MACVLAN_MODE_NAMES.get(mode);
  const link: LinkInfo = {
    ifindex: v.getInt32(4, true),
    name,
    flags,
    up: (flags & IFF_UP) !== 0,
    running: (flags & IFF_RUNNING) !== 0,
    lowerUp: (flags & IFF_LOWER_UP) !== 0,
    operstate: OPERSTATES[oper ?? 0] ?? 'unknown',
    ...(mtu !== undefined ? { mtu } : {}),
    ...(hw && hw.length > 0 ? { hwaddr: formatMac(hw) } : {}),
    ...(kind ? { kind } : {}),
    ...(macvlanMode ? { macvlanMode } : {}),
    ...(lower !== undefined ? { link: lower } : {}),
  };
  return { ok: true, value: { kind: m.type === RTM_NEWLINK ? 'new' : 'del', link } };
}

// ---- macvlan links (use_vmac) -------------------------------------------------------------------

export type MacvlanMode = 'private' | 'vepa' | 'bridge' | 'passthru';
const MACVLAN_MODES: Record<MacvlanMode, number> = {
  private: MACVLAN_MODE_PRIVATE,
  vepa: MACVLAN_MODE_VEPA,
  bridge: MACVLAN_MODE_BRIDGE,
  passthru: MACVLAN_MODE_PASSTHRU,
};
const MACVLAN_MODE_NAMES = new Map(
  (Object.entries(MACVLAN_MODES) as [MacvlanMode, number][]).map(([k, v]) => [v, k]),
);

/** A macvlan as `ip link add NAME link BASE address MAC type macvlan mode MODE` creates it. */
export interface MacvlanSpec {
  readonly mode: MacvlanMode;
  /** The interface's MAC address, aa:bb:cc:dd:ee:ff. */
  readonly mac: string;
}

export type MacvlanRequest =
  /** A new interface `name` on the base interface `link` (NLM_F_CREATE | NLM_F_EXCL). */
  | (MacvlanSpec & { readonly op: 'create'; readonly name: string; readonly link: number })
  /** An existing macvlan (by index) given this MAC and mode. */
  | (MacvlanSpec & { readonly op: 'update'; readonly ifindex: number });

const nested = (type: number, children: readonly Buffer[]) =>
  encodeAttr(type | NLA_F_NESTED, Buffer.concat(children));

function ifinfomsg(ifindex: number, flags = 0, change = 0): Buffer {
  const b = Buffer.alloc(16); // struct ifinfomsg, family AF_UNSPEC
  b.writeInt32LE(ifindex, 4);
  b.writeUInt32LE(flags >>> 0, 8);
  b.writeUInt32LE(change >>> 0, 12);
  return b;
}

const validIfindex = (n: number) => Number.isInteger(n) && n > 0 && n <= 0x7fffffff;

/** RTM_NEWLINK for a macvlan (keepalived's netlink_link_add_vmac), always asking for an ack. */
export function encodeMacvlanRequest(r: MacvlanRequest, seq: number): EncodeResult {
  const mac = parseMac(r.mac);
  if (!mac) return { ok: false, reason: `bad MAC address '${r.mac}'` };
  if ((mac[0]! & 1) !== 0) return { ok: false, reason: `MAC address ${r.mac} is multicast` };
  const linkinfo = nested(IFLA_LINKINFO, [
    encodeAttr(IFLA_INFO_KIND, Buffer.from('macvlan')),
    nested(IFLA_INFO_DATA, [encodeAttr(IFLA_MACVLAN_MODE, u32(MACVLAN_MODES[r.mode]))]),
  ]);
  if (r.op === 'create') {
    if (!isValidInterfaceName(r.name)) return { ok: false, reason: `bad interface name '${r.name}'` };
    if (!validIfindex(r.link)) return { ok: false, reason: `bad base interface index ${r.link}` };
    const payload = Buffer.concat([
      ifinfomsg(0),
      encodeAttr(IFLA_IFNAME, cstring(r.name)),
      encodeAttr(IFLA_LINK, u32(r.link)),
      encodeAttr(IFLA_ADDRESS, Buffer.from(mac)),
      linkinfo,
    ]);
    const flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    return { ok: true, bytes: encodeNlMessage(RTM_NEWLINK, flags, seq, payload) };
  }
  if (!validIfindex(r.ifindex)) return { ok: false, reason: `bad interface index ${r.ifindex}` };
  const payload = Buffer.concat([ifinfomsg(r.ifindex), encodeAttr(IFLA_ADDRESS, Buffer.from(mac)), linkinfo]);
  return { ok: true, bytes: encodeNlMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, seq, payload) };
}

/** Changes to an existing link: administrative state and IPv6 link-local address generation. */
export interface LinkChangeRequest {
  readonly ifindex: number;
  /** Set (true) or clear (false) IFF_UP; unchanged when undefined. */
  readonly up?: boolean;
  /**
   * IN6_ADDR_GEN_MODE_NONE: the kernel adds no EUI-64 link-local address (RFC 5798 7.4: a
   * virtual MAC must not give the interface an address of its own).
   */
  readonly noIpv6AddrGen?: boolean;
}

/** RTM_NEWLINK on an existing link (`ip link set`), always asking for an ack. */
export function encodeLinkChangeRequest(r: LinkChangeRequest, seq: number): EncodeResult {
  if (!validIfindex(r.ifindex)) return { ok: false, reason: `bad interface index ${r.ifindex}` };
  const parts = [ifinfomsg(r.ifindex, r.up ? IFF_UP : 0, r.up === undefined ? 0 : IFF_UP)];
  if (r.noIpv6AddrGen) {
    const gen = Buffer.from([IN6_ADDR_GEN_MODE_NONE]);
    parts.push(nested(IFLA_AF_SPEC, [nested(AF_INET6, [encodeAttr(IFLA_INET6_ADDR_GEN_MODE, gen)])]));
  }
  return {
    ok: true,
    bytes: encodeNlMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, seq, Buffer.concat(parts)),
  };
}

/** RTM_DELLINK (`ip link del`), always asking for an ack. */
export function encodeDeleteLinkRequest(ifindex: number, seq: number): EncodeResult {
  if (!validIfindex(ifindex)) return { ok: false, reason: `bad interface index ${ifindex}` };
  return {
    ok: true,
    bytes: encodeNlMessage(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, seq, ifinfomsg(ifindex)),
  };
}

export function formatMac(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
}

// ---- routes (RTM_NEWROUTE / RTM_DELROUTE) -------------------------------------------------------

export type RouteType = 'unicast' | 'blackhole' | 'unreachable' | 'prohibit';
const ROUTE_TYPES: Record<RouteType, number> = {
  unicast: RTN_UNICAST,
  blackhole: RTN_BLACKHOLE,
  unreachable: RTN_UNREACHABLE,
  prohibit: RTN_PROHIBIT,
};

/** A route as keepalived's virtual_routes describes one (`192.0.2.0/24 via 192.0.2.1 dev eth0 ...`). */
export interface RouteSpec {
  readonly family: IpFamily;
  /** Destination network address; undefined (with prefixLength 0) is the default route. */
  readonly dst?: string;
  readonly prefixLength: number;
  readonly gateway?: string;
  /** Output interface index (`dev`). */
  readonly oif?: number;
  /** Routing table id; defaults to main (254). */
  readonly table?: number;
  /** RT_SCOPE_*; defaults to link without a gateway, global with one (as iproute2 does). */
  readonly scope?: number;
  /** Preferred source address (`src`). */
  readonly src?: string;
  /** Priority (`metric`). */
  readonly metric?: number;
  readonly type?: RouteType;
  /** rtm_protocol; defaults to RTPROT_BOOT like `ip route add`. */
  readonly protocol?: number;
}

export function encodeRouteRequest(op: 'add' | 'delete', r: RouteSpec, seq: number): EncodeResult {
  const max = r.family === 'ipv4' ? 32 : 128;
  if (!Number.isInteger(r.prefixLength) || r.prefixLength < 0 || r.prefixLength > max)
    return { ok: false, reason: `prefix length ${r.prefixLength} out of range 0..${max}` };
  const dst = r.dst !== undefined ? addrBytes(r.family, r.dst) : undefined;
  if (r.dst !== undefined && !dst) return { ok: false, reason: `bad destination '${r.dst}'` };
  const gw = r.gateway !== undefined ? addrBytes(r.family, r.gateway) : undefined;
  if (r.gateway !== undefined && !gw) return { ok: false, reason: `bad gateway '${r.gateway}'` };
  const src = r.src !== undefined ? addrBytes(r.family, r.src) : undefined;
  if (r.src !== undefined && !src) return { ok: false, reason: `bad source '${r.src}'` };
  const table = r.table ?? RT_TABLE_MAIN;
  const type = r.type ?? 'unicast';
  const scope =
    op === 'delete' && r.scope === undefined
      ? RT_SCOPE_NOWHERE // matches any scope, as `ip route del` does
      : (r.scope ?? (gw || type !== 'unicast' ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK));
  const hdr = Buffer.alloc(12); // struct rtmsg
  hdr.writeUInt8(afOf(r.family), 0);
  hdr.writeUInt8(r.prefixLength, 1);
  hdr.writeUInt8(table < 256 ? table : 0, 4); // RT_TABLE_UNSPEC + RTA_TABLE for ids above 255
  hdr.writeUInt8(op === 'add' ? (r.protocol ?? RTPROT_BOOT) : 0, 5);
  hdr.writeUInt8(scope, 6);
  hdr.writeUInt8(ROUTE_TYPES[type], 7);
  const attrs: Buffer[] = [hdr, encodeAttr(RTA_TABLE, u32(table))];
  if (dst) attrs.push(encodeAttr(RTA_DST, dst));
  if (gw) attrs.push(encodeAttr(RTA_GATEWAY, gw));
  if (r.oif !== undefined) attrs.push(encodeAttr(RTA_OIF, u32(r.oif)));
  if (src) attrs.push(encodeAttr(RTA_PREFSRC, src));
  if (r.metric !== undefined) attrs.push(encodeAttr(RTA_PRIORITY, u32(r.metric)));
  const msgType = op === 'add' ? RTM_NEWROUTE : RTM_DELROUTE;
  const flags = NLM_F_REQUEST | NLM_F_ACK | (op === 'add' ? NLM_F_CREATE | NLM_F_EXCL : 0);
  return { ok: true, bytes: encodeNlMessage(msgType, flags, seq, Buffer.concat(attrs)) };
}

export function decodeRouteMessage(m: NlMessage): DecodeResult<{ kind: 'new' | 'del'; route: RouteSpec }> {
  if (m.type !== RTM_NEWROUTE && m.type !== RTM_DELROUTE) return { ok: false, reason: 'not a route message' };
  if (m.payload.length < 12) return { ok: false, reason: 'rtmsg truncated' };
  const p = m.payload;
  const family = familyOf(p[0]!);
  if (!family) return { ok: false, reason: `route family ${p[0]} not IPv4/IPv6` };
  const attrs = parseAttrs(p.subarray(12));
  const typeName = (Object.keys(ROUTE_TYPES) as RouteType[]).find((k) => ROUTE_TYPES[k] === p[7]);
  const dst = addrText(family, attrs.get(RTA_DST));
  const gateway = addrText(family, attrs.get(RTA_GATEWAY));
  const src = addrText(family, attrs.get(RTA_PREFSRC));
  const oif = readU32(attrs.get(RTA_OIF));
  const metric = readU32(attrs.get(RTA_PRIORITY));
  const route: RouteSpec = {
    family,
    prefixLength: p[1]!,
    table: readU32(attrs.get(RTA_TABLE)) ?? p[4]!,
    protocol: p[5]!,
    scope: p[6]!,
    ...(typeName ? { type: typeName } : {}),
    ...(dst ? { dst } : {}),
    ...(gateway ? { gateway } : {}),
    ...(src ? { src } : {}),
    ...(oif !== undefined ? { oif } : {}),
    ...(metric !== undefined ? { metric } : {}),
  };
  return { ok: true, value: { kind: m.type === RTM_NEWROUTE ? 'new' : 'del', route } };
}

// ---- acknowledgements ---------------------------------------------------------------------------

/**
 * An NLMSG_ERROR: errno 0 is a positive ack. `seq` is the echoed request's sequence number, `message`
 * the kernel's extended-ack text (NLMSGERR_ATTR_MSG) when it sent one.
 */
export interface NlAck {
  readonly seq: number;
  /** Positive errno (0 = success). */
  readonly errno: number;
  readonly message?: string;
}

export function decodeAck(m: NlMessage): DecodeResult<NlAck> {
  if (m.type !== NLMSG_ERROR) return { ok: false, reason: 'not an NLMSG_ERROR' };
  if (m.payload.length < 4) return { ok: false, reason: 'nlmsgerr truncated' };
  const v = new DataView(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength);
  const raw = v.getInt32(0, true); // the kernel sends -errno
  const errno = raw < 0 ? -raw : raw;
  let message: string | undefined;
  // Extended ack TLVs follow the echoed request: only its header when NLM_F_CAPPED, else all of it.
  if (m.payload.length >= 4 + NLMSG_HDRLEN) {
    const echoedLen = v.getUint32(4, true);
    const tlvStart = 4 + ((m.flags & NLM_F_CAPPED) !== 0 ? NLMSG_HDRLEN : align4(echoedLen));
    if (tlvStart < m.payload.length) message = readCString(parseAttrs(m.payload.subarray(tlvStart)).get(1));
  }
  return {
    ok: true,
    value: { seq: m.seq, errno, ...(message ? { message } : {}) },
  };
}

export const isDone = (m: NlMessage) => m.type === NLMSG_DONE;
