/**
 * The nftables data plane for the desired LVS table (src/check/table.ts), in the style of
 * kube-proxy's nftables mode: the WHOLE ruleset is computed from the table, and the driver
 * (nft-driver.ts) moves the kernel to it in one atomic `nft -f` transaction. Pure: no I/O.
 *
 * NAT: the table `inet vigil_lvs`, that vigil alone owns:
 *   prerouting/output (type nat, dstnat) ─ jump services
 *   services: `daddr . l4proto . dport` (or `. l4proto` for port 0, `meta mark` for fwmark) vmap
 *             → one chain per service
 *   svc_<S>:  counter (connections offered); persistence: one rule per real server
 *             `saddr & mask @aff_<S>__<D> goto rs_<S>__<D>`; then the scheduler's vmap
 *   rs_<S>__<D>: [update @aff (re-arms the template)], counter (connections scheduled), dnat
 *   postrouting (type nat, srcnat): hairpin (a real server reaching the VIP and scheduled to
 *             itself) masqueraded; everything to the real servers too when `masquerade` is set
 * Only a connection's first packet traverses nat chains; conntrack carries the rest (IPVS's
 * connection table), so a weight-0 or removed real server gets no new connection while the
 * established ones continue.
 *
 * DR: the table `netdev vigil_lvs` (only while there are DR services): an ingress chain on each
 * VIP's interface sends the service's packets to a per-server chain that `fwd ip to RS device DEV`
 * (the neighbour's MAC is written by the kernel; the IP packet is unchanged, as IPVS DR). It is
 * stateless, so the choice hashes the flow (`jhash saddr . sport` with the fixed seed, never
 * numgen), and a per-server flow set (`saddr . sport . dport`, refreshed by every packet, expiring
 * after IPVS's TCP/UDP idle timeouts) keeps a flow on its server across table changes: a quiesced
 * (weight 0) server keeps its flows, new flows go elsewhere. Counters count TCP SYNs.
 *
 * Schedulers (lvs.md §1 and §5): rr = `numgen inc` over the dests with weight > 0; wrr = the
 * kernel's interleaved sequence (ip_vs_wrr.c) expanded into a `numgen inc` range vmap; sh / dh =
 * the kernel's 256-bucket tables (ip_vs_sh_reassign / ip_vs_dh_reassign) indexed by `jhash` of the
 * source / destination address with a fixed seed; mh = a Maglev table (ip_vs_mh.c's permutation
 * and population, M = 4093) computed here from fixed seeds, indexed the same way; fo = the first
 * dest of highest weight (under DR rr/wrr hash flows into the rr/wrr sequence). Everything else
 * (lc, wlc, sed, nq, lblc, lblcr, ovf, twos, TUN, persistence engines) needs live connection counts
 * or encapsulation and is refused by unsupportedReason(), which names the IPVS driver.
 */

import type { DesiredDest, DesiredService, DesiredTable } from '../check/table.js';
import { destKey } from '../check/table.js';
import type { LvsScheduler } from '../config/model.js';

export const LVS_TABLE = 'vigil_lvs';
/** The fixed jhash seed: the same client maps to the same real server on every reload and director. */
export const HASH_SEED = 0x76696731;
/** ip_vs_sh.c / ip_vs_dh.c IP_VS_SH_TAB_SIZE / IP_VS_DH_TAB_SIZE. */
export const HASH_BUCKETS = 256;
/** ip_vs_mh.c IP_VS_MH_TAB_SIZE with CONFIG_IP_VS_MH_TAB_INDEX 12 (the default). */
export const MAGLEV_SIZE = 4093;
/** A vmap with more ranges than this is refused (a wrr sequence of huge co-prime weights). */
export const MAX_VMAP_ENTRIES = 65536;
/*
 * Dynamic sets are declared without `size`: nft gives them its default capacity (65535 entries)
 * without the kernel sizing a hash table for it up front; an explicit size made the first load of
 * 1,000 persistence sets take 5 s instead of 0.2 s. A full set only stops remembering: persistence
 * then falls back to the scheduler, a DR flow to its (deterministic) hash.
 */

export const SUPPORTED_SCHEDULERS: readonly LvsScheduler[] = ['rr', 'wrr', 'sh', 'dh', 'mh', 'fo'];

const USE_IPVS = 'use the IPVS driver (--lvs-driver=ipvs, needs the kernel IPVS module)';

/** Why the nftables driver cannot hold this service, or undefined when it can. */
export function serviceUnsupported(s: DesiredService): string | undefined {
  const what = `virtual server ${s.vs}`;
  if (!SUPPORTED_SCHEDULERS.includes(s.scheduler))
    return `${what}: scheduler ${s.scheduler} is not supported by the nftables driver (it needs live per-server connection counts; a split re-weighted from conntrack counts every second was measured against a real IPVS and does not match it, bench/README.md); ${USE_IPVS}`;
  if (s.persistenceEngine !== undefined)
    return `${what}: persistence_engine ${s.persistenceEngine} is not supported by the nftables driver; ${USE_IPVS}`;
  for (const d of s.dests) {
    if (d.method === 'TUN')
      return `${what}: lvs_method TUN (real server ${destKey(d)}) is not supported by the nftables driver (nftables cannot encapsulate); ${USE_IPVS}`;
  }
  const methods = new Set(s.dests.map((d) => d.method));
  if (methods.size > 1)
    return `${what}: real servers of different lvs_method (${[...methods].sort().join(', ')}) in one service are not supported by the nftables driver; ${USE_IPVS}`;
  if (methods.has('DR') && s.fwmark !== undefined)
    return `${what}: lvs_method DR with a fwmark service is not supported by the nftables driver (its ingress hook runs before packets are marked); ${USE_IPVS}`;
  if (s.scheduler === 'wrr' && wrrRuns(s.dests).length > MAX_VMAP_ENTRIES)
    return `${what}: wrr weights expand to more than ${MAX_VMAP_ENTRIES} entries; ${USE_IPVS}`;
  return undefined;
}

/**
 * Decided once per table: every reason the nftables driver cannot hold it, joined, or undefined
 * when it can hold all of it.
 */
export function unsupportedReason(table: DesiredTable): string | undefined {
  const reasons = [...new Set(table.services.map(serviceUnsupported).filter((r) => r !== undefined))];
  return reasons.length === 0 ? undefined : reasons.join('; ');
}

// ---- schedulers (pure, exact to the kernel's tables) ----

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** A run of `count` consecutive sequence slots going to `dest` (index into the dest list). */
export interface Run {
  readonly dest: number;
  readonly count: number;
}

function pushRun(runs: Run[], dest: number, count: number): void {
  const last = runs[runs.length - 1];
  if (last !== undefined && last.dest === dest) runs[runs.length - 1] = { dest, count: last.count + count };
  else runs.push({ dest, count });
}

/**
 * ip_vs_wrr.c's sequence for one period, as runs: di = gcd of the positive weights, mw = max −
 * (di − 1), cw from mw down by di while > 0; at each cw every dest (list order) with weight ≥ cw.
 * Between two distinct weights the eligible subset is the same, so a band is one repeated block.
 */
export function wrrRuns(dests: readonly Pick<DesiredDest, 'weight'>[], limit = MAX_VMAP_ENTRIES): Run[] {
  const ws = dests.map((d) => d.weight);
  const pos = ws.filter((w) => w > 0);
  if (pos.length === 0) return [];
  const di = pos.reduce(gcd);
  const mw = Math.max(...pos) - (di - 1);
  const runs: Run[] = [];
  let cw = mw;
  while (cw > 0) {
    const eligible = ws.flatMap((w, i) => (w >= cw ? [i] : []));
    // Every cw down to (but not below) the next smaller weight that changes the subset.
    const below = Math.max(0, ...ws.filter((w) => w > 0 && w < cw));
    const steps = Math.max(1, Math.ceil((cw - below) / di));
    if (eligible.length === 1) pushRun(runs, eligible[0]!, steps);
    else
      for (let k = 0; k < steps; k++) {
        for (const i of eligible) pushRun(runs, i, 1);
        if (runs.length > limit) return runs;
      }
    cw -= steps * di;
  }
  return runs;
}

/** The wrr sequence written out (tests; small weights only). */
export function wrrSequence(dests: readonly Pick<DesiredDest, 'weight'>[]): number[] {
  return wrrRuns(dests).flatMap((r) => Array<number>(r.count).fill(r.dest));
}

/** ip_vs_sh_reassign: cyclic, each dest takes max(weight, 1) consecutive buckets. -1 = none. */
export function shBuckets(dests: readonly Pick<DesiredDest, 'weight'>[]): number[] {
  const out: number[] = [];
  if (dests.length === 0) return Array<number>(HASH_BUCKETS).fill(-1);
  let p = 0;
  let count = 0;
  for (let i = 0; i < HASH_BUCKETS; i++) {
    out.push(p);
    if (++count >= dests[p]!.weight) {
      p = (p + 1) % dests.length;
      count = 0;
    }
  }
  return out;
}

/** ip_vs_dh_reassign: one bucket per dest, cyclic; weights ignored. */
export function dhBuckets(dests: readonly unknown[]): number[] {
  return Array.from({ length: HASH_BUCKETS }, (_, i) => (dests.length === 0 ? -1 : i % dests.length));
}

/** FNV-1a over a string with a seed: the fixed, portable stand-in for the kernel's hsiphash keys. */
function fnv1a(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // A final avalanche (murmur3 fmix32) so that near-identical addresses spread.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

const MH_KEY1 = 0x6d683131;
const MH_KEY2 = 0x6d683232;

/**
 * ip_vs_mh.c's Maglev table: per dest offset = h1 mod M, skip = h2 mod (M−1) + 1; turns =
 * (weight / gcd) >> rshift (at least 1 for weight > 0), rshift = max(0, bitlen(max/gcd) − 6);
 * populate round-robin, each dest claiming its next free preferred slot `turns` times per round.
 * Weight-0 dests claim nothing (the kernel keeps a quiesced dest's slots by its last non-zero
 * weight; the table here has no memory of it, so they go to the others, Maglev-minimally).
 */
export function maglevTable(
  dests: readonly Pick<DesiredDest, 'address' | 'port' | 'weight'>[],
  size = MAGLEV_SIZE,
): number[] {
  const table = Array<number>(size).fill(-1);
  const ws = dests.map((d) => d.weight);
  const pos = ws.filter((w) => w > 0);
  if (pos.length === 0) return table;
  const g = pos.reduce(gcd);
  const mw = Math.max(...pos) / g;
  const rshift = Math.max(0, Math.floor(Math.log2(mw)) + 1 - 6);
  const st = dests.map((d, i) => {
    const k = `${d.address.toLowerCase()}.${d.port}`;
    const turns = ws[i]! > 0 ? Math.max(1, Math.floor(ws[i]! / g) >> rshift) : 0;
    return { perm: fnv1a(k, MH_KEY1) % size, skip: (fnv1a(k, MH_KEY2) % (size - 1)) + 1, turns };
  });
  let n = 0;
  for (;;) {
    for (let i = 0; i < st.length; i++) {
      const ds = st[i]!;
      for (let t = 0; t < ds.turns; t++) {
        while (table[ds.perm] !== -1) ds.perm = (ds.perm + ds.skip) % size;
        table[ds.perm] = i;
        if (++n === size) return table;
      }
    }
  }
}

/** Bucket → dest as `a-b : goto X` ranges (consecutive equal buckets merged; -1 left out). */
function bucketRanges(buckets: readonly number[]): { from: number; to: number; dest: number }[] {
  const out: { from: number; to: number; dest: number }[] = [];
  buckets.forEach((d, i) => {
    const last = out[out.length - 1];
    if (last !== undefined && last.dest === d && last.to === i - 1) last.to = i;
    else out.push({ from: i, to: i, dest: d });
  });
  return out.filter((r) => r.dest >= 0);
}

// ---- the ruleset ----

export interface NftSetDecl {
  readonly name: string;
  /** The declaration's body, one line (`type …; flags …; timeout …; size …;`). */
  readonly decl: string;
}

export interface NftChain {
  readonly name: string;
  readonly rules: readonly string[];
  /** A base chain's `type … hook … priority …; policy …;` line. */
  readonly base?: string;
}

export type LvsTableFamily = 'inet' | 'netdev';
/** The families of vigil's tables: inet (NAT), netdev (DR). */
export const LVS_FAMILIES: readonly LvsTableFamily[] = ['inet', 'netdev'];

export interface NftTableSpec {
  readonly family: LvsTableFamily;
  readonly name: string;
  readonly counters: readonly string[];
  readonly sets: readonly NftSetDecl[];
  readonly chains: readonly NftChain[];
}

export interface LvsRuleset {
  /** The NAT table, then the DR table when there are DR services. */
  readonly tables: readonly NftTableSpec[];
  /** Per service key: its counter and each real server's (for `vigil lvs --stats`). */
  readonly index: readonly ServiceNames[];
}

export interface ServiceNames {
  readonly key: string;
  readonly counter: string;
  readonly dests: readonly {
    readonly key: string;
    readonly counter: string;
    /** NAT with a port: packets/bytes to and from the real server (ipvsadm --stats In/Out). */
    readonly inCounter?: string;
    readonly outCounter?: string;
  }[];
}

export interface RulesetOptions {
  /**
   * Masquerade every connection sent to a real server (one-arm setups where the real servers do
   * not route replies through the director). Off by default: as with IPVS NAT, real servers see the
   * client's address and must route back through the director. Hairpin is always masqueraded.
   */
  readonly masquerade?: boolean;
  readonly name?: string;
  /** DR: the interface of each VIP (ingress) and real server (egress), by address (drAddresses). */
  readonly devices?: ReadonlyMap<string, string>;
}

/** An nft identifier from a service or dest key: letters, digits and `_`. */
export const ident = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');

const PROTO = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' } as const;

const ipKw = (family: DesiredService['family']) => (family === 'ipv6' ? 'ip6' : 'ip');
const addrType = (family: DesiredService['family']) => (family === 'ipv6' ? 'ipv6_addr' : 'ipv4_addr');
const bracket = (a: string) => (a.includes(':') ? `[${a}]` : a);
const isDr = (s: DesiredService) => s.dests.some((d) => d.method === 'DR');

/** The persistence mask as an nft expression suffix (`and 255.255.255.0`), '' for a full mask. */
export function granularityMask(family: DesiredService['family'], g: string | undefined): string {
  if (g === undefined || g === '') return '';
  const s = g.replace(/^\//, '');
  if (family === 'ipv4') {
    const mask = s.includes('.')
      ? s
      : [0, 1, 2, 3]
          .map((i) => {
            const bits = Math.min(8, Math.max(0, Number(s) - i * 8));
            return (0xff << (8 - bits)) & 0xff;
          })
          .join('.');
    return mask === '255.255.255.255' ? '' : ` and ${mask}`;
  }
  const len = Number(s);
  if (!Number.isInteger(len) || len >= 128 || len < 0) return '';
  const words = Array.from({ length: 8 }, (_, i) => {
    const bits = Math.min(16, Math.max(0, len - i * 16));
    return ((0xffff << (16 - bits)) & 0xffff).toString(16);
  });
  return ` and ${compress6(words)}`;
}

/** RFC 5952-ish compression of eight hex words (longest zero run → ::). */
function compress6(words: readonly string[]): string {
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return words.join(':');
  return `${words.slice(0, best).join(':')}::${words.slice(best + bestLen).join(':')}`;
}

const vmap = (entries: readonly string[]) => `vmap { ${entries.join(', ')} }`;

/** The wrr sequence as buckets (dest index per slot). */
const wrrBuckets = (dests: readonly DesiredDest[]) =>
  wrrRuns(dests).flatMap((r) => Array<number>(r.count).fill(r.dest));

/**
 * The scheduler rule of a service, or none when no dest may take a new connection. NAT: rr/wrr
 * count connections (`numgen inc`); DR (stateless): they hash the flow into the same sequence.
 */
function schedulerRule(s: DesiredService, chains: readonly string[], dr: boolean): string | undefined {
  const live = s.dests.flatMap((d, i) => (d.weight > 0 ? [i] : []));
  if (live.length === 0) return undefined;
  const goto = (i: number) => `goto ${chains[i]}`;
  const ip = ipKw(s.family);
  const flow = `${ip} saddr . th sport`;
  const hashed = (key: string, buckets: readonly number[]) => {
    const ranges = bucketRanges(buckets);
    if (ranges.length === 0) return undefined;
    const entries = ranges.map((r) => `${r.from === r.to ? r.from : `${r.from}-${r.to}`} : ${goto(r.dest)}`);
    return `jhash ${key} mod ${buckets.length} seed 0x${HASH_SEED.toString(16)} ${vmap(entries)}`;
  };
  const available = (b: number[]) => b.map((d) => (d >= 0 && s.dests[d]!.weight > 0 ? d : -1));
  switch (s.scheduler) {
    case 'rr':
      if (dr) return hashed(flow, live);
      return `numgen inc mod ${live.length} ${vmap(live.map((d, k) => `${k} : ${goto(d)}`))}`;
    case 'wrr': {
      if (dr) return hashed(flow, wrrBuckets(s.dests));
      let at = 0;
      const entries = wrrRuns(s.dests).map((r) => {
        const e = `${r.count === 1 ? at : `${at}-${at + r.count - 1}`} : ${goto(r.dest)}`;
        at += r.count;
        return e;
      });
      return `numgen inc mod ${at} ${vmap(entries)}`;
    }
    case 'fo': {
      let best = live[0]!;
      for (const i of live) if (s.dests[i]!.weight > s.dests[best]!.weight) best = i;
      return goto(best);
    }
    case 'sh':
      return hashed(`${ip} saddr`, available(shBuckets(s.dests)));
    case 'dh':
      return hashed(`${ip} daddr`, available(dhBuckets(s.dests)));
    case 'mh':
      return hashed(`${ip} saddr`, maglevTable(s.dests));
    default:
      throw new Error(serviceUnsupported(s) ?? `scheduler ${s.scheduler} unsupported`);
  }
}

/** `dnat` to one real server: the port is mapped only when the service has one (not 0 / fwmark). */
function dnatRules(s: DesiredService, d: DesiredDest): string[] {
  const ip = ipKw(s.family);
  if (d.port === 0) return [`meta nfproto ${s.family} dnat ${ip} to ${d.address}`];
  const protos = s.protocol !== undefined ? [PROTO[s.protocol]] : ['tcp', 'udp', 'sctp'];
  return protos.map((p) => `meta l4proto ${p} dnat ${ip} to ${bracket(d.address)}:${d.port}`);
}

/** The addresses whose interfaces a DR ruleset needs (RulesetOptions.devices): VIPs and real servers. */
export function drAddresses(table: DesiredTable): { vips: string[]; dests: string[] } {
  const dr = table.services.filter(isDr);
  return {
    vips: [...new Set(dr.flatMap((s) => (s.address !== undefined ? [s.address] : [])))].sort(),
    dests: [...new Set(dr.flatMap((s) => s.dests.map((d) => d.address)))].sort(),
  };
}

/** IPVS's idle timeouts for a connection entry (tcp established 900 s, udp 300 s): DR flow sets. */
const flowTimeout = (s: DesiredService) => (s.protocol === 'UDP' ? 300 : 900);

interface Dispatch {
  byAddr: string[];
  byAddrNoPort: string[];
  byMark: string[];
}
const newDispatch = (): Dispatch => ({ byAddr: [], byAddrNoPort: [], byMark: [] });

/** The `services` dispatch: one vmap per key shape and family. */
function dispatchRules(d: Record<'ipv4' | 'ipv6', Dispatch>): string[] {
  const out: string[] = [];
  for (const f of ['ipv4', 'ipv6'] as const) {
    const ip = ipKw(f);
    if (d[f].byAddr.length > 0) out.push(`${ip} daddr . meta l4proto . th dport ${vmap(d[f].byAddr)}`);
    if (d[f].byAddrNoPort.length > 0) out.push(`${ip} daddr . meta l4proto ${vmap(d[f].byAddrNoPort)}`);
    if (d[f].byMark.length > 0) out.push(`meta nfproto ${f} meta mark ${vmap(d[f].byMark)}`);
  }
  return out;
}

function addDispatch(d: Dispatch, s: DesiredService, chain: string): void {
  if (s.fwmark !== undefined) d.byMark.push(`${s.fwmark} : goto ${chain}`);
  else if (s.port === 0 || s.port === undefined)
    d.byAddrNoPort.push(`${s.address} . ${PROTO[s.protocol ?? 'TCP']} : goto ${chain}`);
  else d.byAddr.push(`${s.address} . ${PROTO[s.protocol ?? 'TCP']} . ${s.port} : goto ${chain}`);
}

/**
 * The whole desired ruleset for a table. Throws (with unsupportedReason's words) on a table the
 * nftables driver cannot hold (call unsupportedReason first), or on a DR address without a device.
 */
export function desiredRuleset(table: DesiredTable, opts: RulesetOptions = {}): LvsRuleset {
  const reason = unsupportedReason(table);
  if (reason !== undefined) throw new Error(reason);
  const name = opts.name ?? LVS_TABLE;
  const nat = { counters: [] as string[], sets: [] as NftSetDecl[], chains: [] as NftChain[] };
  const dr = { counters: [] as string[], sets: [] as NftSetDecl[], chains: [] as NftChain[] };
  const index: ServiceNames[] = [];
  const natDispatch = { ipv4: newDispatch(), ipv6: newDispatch() };
  const drDispatch = new Map<string, Record<'ipv4' | 'ipv6', Dispatch>>();
  const hairpin: Record<'ipv4' | 'ipv6', Set<string>> = { ipv4: new Set(), ipv6: new Set() };
  const realServers: Record<'ipv4' | 'ipv6', Set<string>> = { ipv4: new Set(), ipv6: new Set() };
  const stats: Record<'ipv4' | 'ipv6', Record<string, { in: string[]; out: string[] }>> = {
    ipv4: {},
    ipv6: {},
  };
  const device = (address: string, what: string) => {
    const dev = opts.devices?.get(address);
    if (dev === undefined) throw new Error(`lvs_method DR: no interface found for ${what} ${address}`);
    return dev;
  };
  const services = [...table.services].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const s of services) {
    const isDR = isDr(s);
    const part = isDR ? dr : nat;
    const p = isDR ? 'd' : '';
    const sid = ident(s.key);
    const svcChain = `${p}svc_${sid}`;
    const ip = ipKw(s.family);
    const mask = granularityMask(s.family, s.persistenceGranularity);
    const persistent = s.persistenceTimeoutS !== undefined;
    const did = s.dests.map((d) => `${sid}__${ident(destKey(d))}`);
    const rsChains = did.map((x) => `${p}rs_${x}`);
    const affSets = did.map((x) => `${p}aff_${x}`);
    const flowSets = did.map((x) => `flw_${x}`);
    part.counters.push(svcChain, ...rsChains);
    // Traffic counters: NAT services with an address and port (conntrack tells their flows apart).
    const traffic =
      !isDR && s.address !== undefined && s.port !== undefined && s.port !== 0 && s.protocol !== undefined;
    index.push({
      key: s.key,
      counter: svcChain,
      dests: s.dests.map((d, i) => ({
        key: destKey(d),
        counter: rsChains[i]!,
        ...(traffic ? { inCounter: `in_${did[i]}`, outCounter: `out_${did[i]}` } : {}),
      })),
    });
    if (traffic) {
      const proto = PROTO[s.protocol!];
      const st = stats[s.family][proto] ?? { in: [], out: [] };
      stats[s.family][proto] = st;
      s.dests.forEach((d, i) => {
        part.counters.push(`in_${did[i]}`, `out_${did[i]}`);
        const k = `${s.address} . ${s.port} . ${d.address} . ${d.port}`;
        st.in.push(`${k} : "in_${did[i]}"`);
        st.out.push(`${k} : "out_${did[i]}"`);
      });
    }
    // DR sees every packet: count connection starts (TCP SYN), as IPVS's Conns.
    const count = (c: string) =>
      isDR && s.protocol === 'TCP'
        ? `tcp flags & (fin | syn | rst | ack) == syn counter name ${c}`
        : `counter name ${c}`;
    const flowKey = `${ip} saddr . th sport . th dport`;
    // A TCP SYN starts a new connection even on a reused 4-tuple (IPVS conn_reuse_mode): it is
    // scheduled afresh, and its server's flow set takes the tuple from the others.
    const syn = 'tcp flags & (fin | syn | rst | ack) == syn';
    const notSyn = s.protocol === 'TCP' ? 'tcp flags & (fin | syn | rst | ack) != syn ' : '';
    const rules = [count(svcChain)];
    if (isDR)
      s.dests.forEach((_, i) => {
        part.sets.push({
          name: flowSets[i]!,
          decl: `type ${addrType(s.family)} . inet_service . inet_service; flags dynamic,timeout; timeout ${flowTimeout(s)}s;`,
        });
        rules.push(`${notSyn}${flowKey} @${flowSets[i]} goto ${rsChains[i]}`);
      });
    if (persistent) {
      // IPVS keeps a quiesced (weight 0) dest's templates valid: its clients stay with it.
      s.dests.forEach((_, i) => {
        part.sets.push({
          name: affSets[i]!,
          decl: `type ${addrType(s.family)}; flags dynamic,timeout; timeout ${s.persistenceTimeoutS}s;`,
        });
        rules.push(`${ip} saddr${mask} @${affSets[i]} goto ${rsChains[i]}`);
      });
    }
    const sched = schedulerRule(s, rsChains, isDR);
    if (sched !== undefined) rules.push(sched);
    part.chains.push({ name: svcChain, rules });
    s.dests.forEach((d, i) => {
      const to = isDR
        ? [`fwd ${ip} to ${d.address} device ${JSON.stringify(device(d.address, 'real server'))}`]
        : dnatRules(s, d);
      part.chains.push({
        name: rsChains[i]!,
        rules: [
          ...(isDR
            ? [
                ...flowSets
                  .filter((_, k) => k !== i)
                  .map((f) => `${s.protocol === 'TCP' ? `${syn} ` : ''}delete @${f} { ${flowKey} }`),
                `update @${flowSets[i]} { ${flowKey} }`,
              ]
            : []),
          ...(persistent ? [`update @${affSets[i]} { ${ip} saddr${mask} }`] : []),
          count(rsChains[i]!),
          ...to,
        ],
      });
      if (!isDR) {
        hairpin[s.family].add(`${d.address} . ${d.address}`);
        realServers[s.family].add(d.address);
      }
    });
    if (isDR) {
      const dev = device(s.address ?? '', 'VIP');
      const d = drDispatch.get(dev) ?? { ipv4: newDispatch(), ipv6: newDispatch() };
      drDispatch.set(dev, d);
      addDispatch(d[s.family], s, svcChain);
    } else addDispatch(natDispatch[s.family], s, svcChain);
  }
  // ipvsadm --stats In/Out: forwarded packets (and those of local clients: output, input) by
  // the connection's original VIP:port and the real server, before the reply is un-NATed.
  const traffic = (dir: 'in' | 'out') =>
    (['ipv4', 'ipv6'] as const).flatMap((f) =>
      Object.entries(stats[f]).map(([proto, st]) => {
        const ip = ipKw(f);
        const rs = dir === 'in' ? `${ip} daddr . ${proto} dport` : `${ip} saddr . ${proto} sport`;
        const direction = dir === 'in' ? 'original' : 'reply';
        return `meta l4proto ${proto} ct status dnat ct direction ${direction} counter name ct original ${ip} daddr . ct original proto-dst . ${rs} map { ${st[dir].join(', ')} }`;
      }),
    );
  const post: string[] = [];
  for (const f of ['ipv4', 'ipv6'] as const) {
    const ip = ipKw(f);
    if (hairpin[f].size > 0)
      post.push(
        `ct status dnat ${ip} saddr . ${ip} daddr { ${[...hairpin[f]].sort().join(', ')} } masquerade`,
      );
    if (opts.masquerade && realServers[f].size > 0)
      post.push(`ct status dnat ${ip} daddr { ${[...realServers[f]].sort().join(', ')} } masquerade`);
  }
  const tables: NftTableSpec[] = [
    {
      family: 'inet',
      name,
      counters: nat.counters,
      sets: nat.sets,
      chains: [
        {
          name: 'prerouting',
          base: 'type nat hook prerouting priority -100; policy accept;',
          rules: ['jump services'],
        },
        {
          name: 'output',
          base: 'type nat hook output priority -100; policy accept;',
          rules: ['jump services'],
        },
        { name: 'postrouting', base: 'type nat hook postrouting priority 100; policy accept;', rules: post },
        { name: 'services', rules: dispatchRules(natDispatch) },
        ...(traffic('in').length > 0
          ? [
              {
                name: 'stats_forward',
                base: 'type filter hook forward priority 0; policy accept;',
                rules: [...traffic('in'), ...traffic('out')],
              },
              {
                name: 'stats_output',
                base: 'type filter hook output priority 0; policy accept;',
                rules: traffic('in'),
              },
              {
                name: 'stats_input',
                base: 'type filter hook input priority 0; policy accept;',
                rules: traffic('out'),
              },
            ]
          : []),
        ...nat.chains,
      ],
    },
  ];
  if (drDispatch.size > 0) {
    const ingress = [...drDispatch.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([dev, d]) => ({
        name: `ingress_${ident(dev)}`,
        base: `type filter hook ingress device ${JSON.stringify(dev)} priority 0; policy accept;`,
        rules: dispatchRules(d),
      }));
    tables.push({
      family: 'netdev',
      name,
      counters: dr.counters,
      sets: dr.sets,
      chains: [...ingress, ...dr.chains],
    });
  }
  return { tables, index };
}

/** A table in nft syntax: the `table … { … }` block that declares all of it. */
export function renderTable(t: NftTableSpec): string {
  const lines = [`table ${t.family} ${t.name} {`];
  for (const c of t.counters) lines.push(`  counter ${c} {`, '  }');
  for (const s of t.sets) lines.push(`  set ${s.name} {`, `    ${s.decl}`, '  }');
  for (const ch of t.chains) {
    lines.push(`  chain ${ch.name} {`);
    if (ch.base !== undefined) lines.push(`    ${ch.base}`);
    for (const rule of ch.rules) lines.push(`    ${rule}`);
    lines.push('  }');
  }
  lines.push('}');
  return lines.join('\n');
}

/** The whole ruleset in nft syntax. */
export const renderRuleset = (r: LvsRuleset) => r.tables.map(renderTable).join('\n');

const tableKey = (t: { family: string; name: string }) => `${t.family} ${t.name}`;

interface NftJsonObject {
  readonly table?: { family: string; name: string };
  readonly chain?: { family: string; table: string; name: string };
  readonly set?: {
    family: string;
    table: string;
    name: string;
    type: string | string[];
    flags?: string[];
    timeout?: number;
  };
  readonly counter?: { family: string; table: string; name: string };
}

/**
 * What a previous vigil left in its tables, read back from `nft -j list table …` documents, as an
 * applied ruleset whose rules are unknown: the next transaction flushes every rule and refills it
 * (lvsTransaction), so chains, counters and sets that stay keep their handles, counts and entries
 * (persistence templates, DR flows) — a restarted vigil adopts the table instead of replacing it.
 * A set's declaration is rebuilt the way desiredRuleset writes it (nft's JSON does not show
 * `dynamic`; all of vigil's sets are); one that differs is deleted and declared anew. Null when
 * none of the documents holds a table named `name`.
 */
export function adoptedRuleset(docs: readonly unknown[], name = LVS_TABLE): LvsRuleset | null {
  const tables = new Map<string, { counters: string[]; sets: NftSetDecl[]; chains: NftChain[] }>();
  for (const doc of docs)
    for (const o of ((doc as { nftables?: NftJsonObject[] } | undefined)?.nftables ??
      []) as NftJsonObject[]) {
      const t = o.table;
      if (t !== undefined && t.name === name && (LVS_FAMILIES as readonly string[]).includes(t.family))
        tables.set(tableKey(t), { counters: [], sets: [], chains: [] });
      const part = (x: { family: string; table: string }) =>
        x.table === name ? tables.get(tableKey({ family: x.family, name })) : undefined;
      if (o.chain !== undefined) part(o.chain)?.chains.push({ name: o.chain.name, rules: [] });
      if (o.counter !== undefined) part(o.counter)?.counters.push(o.counter.name);
      if (o.set !== undefined) {
        const set = o.set;
        const type = Array.isArray(set.type) ? set.type.join(' . ') : set.type;
        const decl = set.flags?.includes('timeout')
          ? `type ${type}; flags dynamic,timeout; timeout ${set.timeout ?? 0}s;`
          : `type ${type};`;
        part(set)?.sets.push({ name: set.name, decl });
      }
    }
  if (tables.size === 0) return null;
  return {
    tables: [...tables.entries()].map(([k, t]) => ({
      family: k.split(' ')[0] as LvsTableFamily,
      name,
      ...t,
    })),
    index: [],
  };
}

/**
 * The one atomic `nft -f` transaction from `applied` (what vigil last applied to its own tables,
 * null: unknown, e.g. at start) to `desired` (null: remove them), or '' when nothing is to do.
 * - A table not known to be applied is created empty and deleted, then declared whole: whatever a
 *   crashed daemon left in vigil's tables goes (keepalived's lvs_flush, limited to what is ours).
 * - A table applied and still desired: every rule is flushed and refilled; chains, counters and
 *   sets no longer wanted (or sets whose declaration changed) are deleted. Persistence and flow
 *   sets and counters that stay keep their contents.
 * - A table applied and no longer desired is deleted. No other table is ever named.
 */
export function lvsTransaction(
  applied: LvsRuleset | null,
  desired: LvsRuleset | null,
  name = LVS_TABLE,
): string {
  const out: string[] = [];
  const reset = (t: { family: string; name: string }) =>
    out.push(`table ${tableKey(t)} {}`, `delete table ${tableKey(t)}`);
  const want = new Map((desired?.tables ?? []).map((t) => [tableKey(t), t]));
  const before = applied === null ? null : new Map(applied.tables.map((t) => [tableKey(t), t]));
  if (before === null) {
    for (const family of LVS_FAMILIES) if (!want.has(tableKey({ family, name }))) reset({ family, name });
  } else for (const [k, t] of before) if (!want.has(k)) reset(t);
  for (const [k, t] of want) {
    const old = before?.get(k);
    if (old === undefined) {
      reset(t);
      out.push(renderTable(t));
      continue;
    }
    const id = tableKey(t);
    out.push(`flush table ${id}`);
    const wantChains = new Set(t.chains.map((c) => c.name));
    for (const c of old.chains) if (!wantChains.has(c.name)) out.push(`delete chain ${id} ${c.name}`);
    const wantSets = new Map(t.sets.map((s) => [s.name, s.decl]));
    for (const s of old.sets) if (wantSets.get(s.name) !== s.decl) out.push(`delete set ${id} ${s.name}`);
    const wantCounters = new Set(t.counters);
    for (const c of old.counters) if (!wantCounters.has(c)) out.push(`delete counter ${id} ${c}`);
    out.push(renderTable(t));
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
