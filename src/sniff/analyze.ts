/**
 * `vigil sniff` analysis: turns a pcap image, or frames captured live, into one record per VRRP
 * packet and a summary of speakers and VRID conflicts. Pure: bytes in, data out.
 */
import type { IpFamily } from '../net/addr.js';
import { linkTypeSupported } from '../net/frame.js';
import { describePcapReason, readPcap } from '../pcap/reader.js';
import { decodeVrrpFrame, vrrpChecksum, vrrpMessageLength } from '../vrrp/packet.js';

/** One VRRP packet as `vigil sniff --json` prints it: exactly these fields, unknown values are null. */
export interface SniffRecord {
  /** ISO-8601 UTC with the capture's full sub-second precision (6 or 9 digits). */
  readonly time: string;
  readonly src: string;
  readonly dst: string;
  readonly ttl: number;
  readonly version: number | null;
  readonly vrid: number | null;
  readonly priority: number | null;
  readonly adverIntCs: number | null;
  /** v2 auth type; null for v3. */
  readonly authType: number | null;
  readonly addresses: readonly string[];
  readonly checksumOk: boolean;
  /** Why the packet is invalid (a decode reason), or null. */
  readonly error: string | null;
}

export interface SpeakerSummary {
  readonly family: IpFamily;
  readonly src: string;
  readonly vrid: number;
  readonly version: number;
  readonly priorityMin: number;
  readonly priorityMax: number;
  /** Advert intervals seen (centiseconds), usually one. */
  readonly adverIntCs: readonly number[];
  readonly packets: number;
  readonly firstTime: string;
  readonly lastTime: string;
}

/** Who sent which value of a field that must agree within a virtual router. */
export interface Variant<T> {
  readonly value: T;
  readonly sources: readonly string[];
}

/** Addresses advertised together, and who advertised them. */
export interface AddressList {
  readonly addresses: readonly string[];
  readonly sources: readonly string[];
}

/** Every conflict concerns one virtual router: a VRID within an address family. */
interface OnVrid {
  readonly family: IpFamily;
  readonly vrid: number;
}

export type Conflict = OnVrid &
  (
    | {
        readonly kind: 'multiple-masters';
        readonly sources: readonly [string, string];
        /** The overlap of the two sources' claim periods. */
        readonly from: string;
        readonly to: string;
      }
    /** Each distinct address list and who sent it. */
    | { readonly kind: 'address-mismatch'; readonly lists: readonly AddressList[] }
    /** Speakers whose address lists share no address: two clusters chose the same VRID. */
    | { readonly kind: 'shared-vrid'; readonly clusters: readonly AddressList[] }
    /** v2 authentication differs: 'none', 'PASS "secret"' (on the wire in clear) or 'AH'. */
    | { readonly kind: 'auth-mismatch'; readonly auths: readonly Variant<string>[] }
    | { readonly kind: 'version-mismatch'; readonly versions: readonly Variant<number>[] }
    /** Advert intervals in centiseconds. */
    | { readonly kind: 'interval-mismatch'; readonly intervals: readonly Variant<number>[] }
  );

export interface SniffSummary {
  readonly frames: number;
  readonly vrrpPackets: number;
  readonly invalidPackets: number;
  readonly linktype: number;
  readonly speakers: readonly SpeakerSummary[];
  readonly conflicts: readonly Conflict[];
  /** Set when the capture could not be read to its end (truncated file). */
  readonly stopReason: string | null;
}

export type SniffResult =
  | { readonly ok: true; readonly records: readonly SniffRecord[]; readonly summary: SniffSummary }
  | { readonly ok: false; readonly error: string };

/** One VRRP packet with what the summary needs beyond its printed record. */
export interface SniffPacket {
  readonly record: SniffRecord;
  readonly family: IpFamily;
  /** Seconds since the epoch, for ordering and overlap. */
  readonly t: number;
  /** v2 authentication as compared between speakers ('none', 'PASS "…"', 'AH'); null for v3. */
  readonly auth: string | null;
}
type Timed = SniffPacket;

const AUTH_NAMES: Readonly<Record<number, string>> = { 0: 'none', 1: 'PASS', 2: 'AH' };

/** The PASS password as keepalived compares it: the 8 bytes, trailing NULs dropped. */
function authLabel(authType: number, authData: Uint8Array): string {
  const name = AUTH_NAMES[authType] ?? `type ${authType}`;
  if (authType !== 1) return name;
  let end = authData.length;
  while (end > 0 && authData[end - 1] === 0) end--;
  return `${name} ${JSON.stringify(Buffer.from(authData.subarray(0, end)).toString('latin1'))}`;
}

export function formatPcapTime(tsSec: number, tsFrac: number, nanosecond: boolean): string {
  const iso = new Date(tsSec * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  const digits = nanosecond ? 9 : 6;
  // Out-of-range fractions (damaged files) are clamped rather than carried into the seconds.
  const frac = Math.min(tsFrac, 10 ** digits - 1);
  return `${iso.slice(0, 19)}.${String(frac).padStart(digits, '0')}Z`;
}

export function analyzeCapture(bytes: Uint8Array): SniffResult {
  const pcap = readPcap(bytes);
  if (!pcap.ok) return { ok: false, error: describePcapReason(pcap.reason) };
  const { header } = pcap;
  if (!linkTypeSupported(header.linktype)) {
    return {
      ok: false,
      error: `unsupported link type ${header.linktype} (Ethernet, Linux SLL/SLL2, raw IP, BSD loopback and Frame Relay are)`,
    };
  }
  const timed: Timed[] = [];
  for (const rec of pcap.records) {
    const time = formatPcapTime(rec.tsSec, rec.tsFrac, header.nanosecond);
    const t = rec.tsSec + rec.tsFrac / (header.nanosecond ? 1e9 : 1e6);
    const packet = sniffFrame(header.linktype, rec.data, time, t);
    if (packet) timed.push(packet); // else not VRRP (or not even IP): skipped
  }
  const stopReason = pcap.stop ? `${describePcapReason(pcap.stop.reason)} at byte ${pcap.stop.offset}` : null;
  return {
    ok: true,
    records: timed.map((x) => x.record),
    summary: summarize(timed, { frames: pcap.records.length, linktype: header.linktype, stopReason }),
  };
}

/**
 * One frame of a capture (file or live) as a VRRP packet, or undefined when it is not VRRP.
 * `time` is the frame's printed timestamp, `t` the same in seconds since the epoch.
 */
export function sniffFrame(
  linktype: number,
  frame: Uint8Array,
  time: string,
  t: number,
): SniffPacket | undefined {
  const d = decodeVrrpFrame(linktype, frame);
  const env = d.envelope;
  if (!env) return undefined;
  const base = { time, src: env.src, dst: env.dst, ttl: env.ttl };
  if (d.ok) {
    const p = d.packet;
    const record: SniffRecord = {
      ...base,
      version: p.version,
      vrid: p.vrid,
      priority: p.priority,
      adverIntCs: p.adverIntCs,
      authType: p.version === 2 ? p.authType : null,
      addresses: p.addresses,
      checksumOk: true,
      error: null,
    };
    return {
      record,
      family: env.family,
      t,
      auth: p.version === 2 ? authLabel(p.authType, p.authData) : null,
    };
  }
  const q = d.partial ?? {};
  const payload = d.payload ?? new Uint8Array(0);
  // The checksum can only be judged over a complete message of a known version.
  const whole =
    (q.version === 2 || q.version === 3) &&
    q.addrCount !== undefined &&
    payload.length === vrrpMessageLength(q.version, env.family, q.addrCount);
  const checksumOk = whole && vrrpChecksum(payload, q.version ?? 0, env) === q.checksum;
  const record: SniffRecord = {
    ...base,
    version: q.version ?? null,
    vrid: q.vrid ?? null,
    priority: q.priority ?? null,
    adverIntCs: q.adverIntCs ?? null,
    authType: q.version === 2 ? (q.authType ?? null) : null,
    addresses: q.addresses ?? [],
    checksumOk,
    error: d.reason,
  };
  return { record, family: env.family, t, auth: null };
}

/** The summary of the VRRP packets of a capture (`frames` counts every frame, VRRP or not). */
export function summarize(
  packets: readonly SniffPacket[],
  capture: { readonly frames: number; readonly linktype: number; readonly stopReason: string | null },
): SniffSummary {
  return {
    frames: capture.frames,
    vrrpPackets: packets.length,
    invalidPackets: packets.filter((x) => x.record.error !== null).length,
    linktype: capture.linktype,
    speakers: summarizeSpeakers(packets),
    conflicts: findConflicts(packets),
    stopReason: capture.stopReason,
  };
}

/** Valid packets only: a damaged packet says nothing reliable about who speaks for a VRID. */
function valid(timed: readonly Timed[]): Timed[] {
  return timed.filter((x) => x.record.error === null && x.record.vrid !== null && x.record.version !== null);
}

function summarizeSpeakers(timed: readonly Timed[]): SpeakerSummary[] {
  const map = new Map<string, { s: SpeakerSummary; ints: Set<number> }>();
  for (const x of valid(timed)) {
    const r = x.record;
    const key = `${x.family}|${r.src}|${r.vrid}|${r.version}`;
    const cur = map.get(key);
    const prio = r.priority ?? 0;
    if (!cur) {
      map.set(key, {
        s: {
          family: x.family,
          src: r.src,
          vrid: r.vrid!,
          version: r.version!,
          priorityMin: prio,
          priorityMax: prio,
          adverIntCs: [],
          packets: 1,
          firstTime: r.time,
          lastTime: r.time,
        },
        ints: new Set([r.adverIntCs ?? 0]),
      });
    } else {
      cur.ints.add(r.adverIntCs ?? 0);
      cur.s = {
        ...cur.s,
        priorityMin: Math.min(cur.s.priorityMin, prio),
        priorityMax: Math.max(cur.s.priorityMax, prio),
        packets: cur.s.packets + 1,
        lastTime: r.time,
      };
    }
  }
  return [...map.values()]
    .map(({ s, ints }) => ({ ...s, adverIntCs: [...ints].sort((a, b) => a - b) }))
    .sort((a, b) => a.family.localeCompare(b.family) || a.vrid - b.vrid || a.src.localeCompare(b.src));
}

/**
 * A source claims mastership of a VRID from its first non-zero-priority advert for as long as it keeps
 * sending them no further apart than the master-down interval (3 * its advert interval, RFC 5798 6.1);
 * a priority-0 advert ends the claim. Two sources whose claims overlap in time are two masters: in a
 * healthy preemption the old master falls silent before (or as) the new one starts, so claims only touch.
 */
function findConflicts(timed: readonly Timed[]): Conflict[] {
  const groups = new Map<string, Timed[]>();
  for (const x of valid(timed)) {
    const key = `${x.family}|${x.record.vrid}`;
    const g = groups.get(key);
    if (g) g.push(x);
    else groups.set(key, [x]);
  }
  const out: Conflict[] = [];
  for (const g of groups.values()) {
    const family = g[0]!.family;
    const vrid = g[0]!.record.vrid!;
    const claims = new Map<string, { from: number; to: number; fromT: string; toT: string }[]>();
    const bySrc = new Map<string, Timed[]>();
    for (const x of g) {
      const l = bySrc.get(x.record.src);
      if (l) l.push(x);
      else bySrc.set(x.record.src, [x]);
    }
    for (const [src, list] of bySrc) {
      const spans: { from: number; to: number; fromT: string; toT: string }[] = [];
      let cur: { from: number; to: number; fromT: string; toT: string } | undefined;
      for (const x of [...list].sort((a, b) => a.t - b.t)) {
        if (x.record.priority === 0) {
          cur = undefined;
          continue;
        }
        const gap = (3 * (x.record.adverIntCs ?? 100)) / 100;
        if (cur && x.t - cur.to <= gap) {
          cur.to = x.t;
          cur.toT = x.record.time;
        } else {
          cur = { from: x.t, to: x.t, fromT: x.record.time, toT: x.record.time };
          spans.push(cur);
        }
      }
      claims.set(src, spans);
    }
    const srcs = [...claims.keys()].sort();
    for (let i = 0; i < srcs.length; i++) {
      for (let j = i + 1; j < srcs.length; j++) {
        const a = claims.get(srcs[i]!)!;
        const b = claims.get(srcs[j]!)!;
        let overlap: { from: number; to: number; fromT: string; toT: string } | undefined;
        for (const x of a) {
          for (const y of b) {
            if (x.from < y.to && y.from < x.to) {
              const from = x.from >= y.from ? x : y;
              const to = x.to <= y.to ? x : y;
              if (!overlap) overlap = { from: from.from, to: to.to, fromT: from.fromT, toT: to.toT };
              else if (to.to > overlap.to) {
                overlap.to = to.to;
                overlap.toT = to.toT;
              }
            }
          }
        }
        if (overlap) {
          out.push({
            kind: 'multiple-masters',
            family,
            vrid,
            sources: [srcs[i]!, srcs[j]!],
            from: overlap.fromT,
            to: overlap.toT,
          });
        }
      }
    }
    out.push(...addressConflicts(g, family, vrid));
    const versions = variants(g, (x) => x.record.version);
    if (versions.length > 1) out.push({ kind: 'version-mismatch', family, vrid, versions });
    // Within one version only: v2 seconds and v3 centiseconds differ for a version mismatch already.
    for (const v of versions) {
      const intervals = variants(
        g.filter((x) => x.record.version === v.value),
        (x) => x.record.adverIntCs,
      );
      if (intervals.length > 1) out.push({ kind: 'interval-mismatch', family, vrid, intervals });
    }
    const auths = variants(
      g.filter((x) => x.auth !== null),
      (x) => x.auth,
    );
    if (auths.length > 1) out.push({ kind: 'auth-mismatch', family, vrid, auths });
  }
  return out;
}

/** The distinct values of a field among a virtual router's packets, each with its senders, sorted. */
function variants<T extends string | number>(
  group: readonly Timed[],
  field: (x: Timed) => T | null,
): Variant<T>[] {
  const by = new Map<T, Set<string>>();
  for (const x of group) {
    const v = field(x);
    if (v === null) continue;
    const s = by.get(v);
    if (s) s.add(x.record.src);
    else by.set(v, new Set([x.record.src]));
  }
  return [...by.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([value, sources]) => ({ value, sources: [...sources].sort() }));
}

/**
 * Address lists compare as sets: order differences are not a misconfiguration keepalived rejects.
 * Lists that share an address belong to one cluster with a mismatched config ('address-mismatch':
 * keepalived logs "ip address associated with VRID not present in MASTER advert"); lists that share
 * none are two clusters on one VRID ('shared-vrid').
 */
function addressConflicts(g: readonly Timed[], family: IpFamily, vrid: number): Conflict[] {
  type List = { addresses: readonly string[]; sources: Set<string> };
  const lists = new Map<string, List>();
  for (const x of g) {
    const key = [...x.record.addresses].sort().join(',');
    const l = lists.get(key);
    if (l) l.sources.add(x.record.src);
    else lists.set(key, { addresses: x.record.addresses, sources: new Set([x.record.src]) });
  }
  if (lists.size < 2) return [];
  // Clusters: lists joined transitively by a shared address.
  const clusters: { addresses: Set<string>; lists: List[] }[] = [];
  for (const l of lists.values()) {
    const joined = clusters.filter((c) => l.addresses.some((a) => c.addresses.has(a)));
    const merged = { addresses: new Set(l.addresses), lists: [l] };
    for (const c of joined) {
      for (const a of c.addresses) merged.addresses.add(a);
      merged.lists.unshift(...c.lists);
      clusters.splice(clusters.indexOf(c), 1);
    }
    clusters.push(merged);
  }
  // In order of first appearance in the capture, lists within a cluster too.
  const order = [...lists.values()];
  for (const c of clusters) c.lists.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  clusters.sort((a, b) => order.indexOf(a.lists[0]!) - order.indexOf(b.lists[0]!));
  const out: Conflict[] = [];
  for (const c of clusters) {
    if (c.lists.length > 1) {
      out.push({
        kind: 'address-mismatch',
        family,
        vrid,
        lists: c.lists.map((l) => ({ addresses: l.addresses, sources: [...l.sources].sort() })),
      });
    }
  }
  if (clusters.length > 1) {
    out.push({
      kind: 'shared-vrid',
      family,
      vrid,
      clusters: clusters.map((c) => ({
        addresses: [...c.addresses],
        sources: [...new Set(c.lists.flatMap((l) => [...l.sources]))].sort(),
      })),
    });
  }
  return out;
}
