/**
 * `vigil sniff` analysis: turns a pcap image into one record per VRRP packet and a summary of
 * speakers and VRID conflicts. Pure: bytes in, data out.
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

export type Conflict =
  | {
      readonly kind: 'multiple-masters';
      readonly family: IpFamily;
      readonly vrid: number;
      readonly sources: readonly [string, string];
      /** The overlap of the two sources' claim periods. */
      readonly from: string;
      readonly to: string;
    }
  | {
      readonly kind: 'address-mismatch';
      readonly family: IpFamily;
      readonly vrid: number;
      /** Each distinct address list and who sent it. */
      readonly lists: readonly {
        readonly addresses: readonly string[];
        readonly sources: readonly string[];
      }[];
    };

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

interface Timed {
  readonly record: SniffRecord;
  readonly family: IpFamily;
  /** Seconds since the epoch, for ordering and overlap. */
  readonly t: number;
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
    const d = decodeVrrpFrame(header.linktype, rec.data);
    const env = d.envelope;
    if (!env) continue; // not VRRP (or not even IP): skipped
    const time = formatPcapTime(rec.tsSec, rec.tsFrac, header.nanosecond);
    const t = rec.tsSec + rec.tsFrac / (header.nanosecond ? 1e9 : 1e6);
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
      timed.push({ record, family: env.family, t });
      continue;
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
    timed.push({ record, family: env.family, t });
  }
  const stopReason = pcap.stop ? `${describePcapReason(pcap.stop.reason)} at byte ${pcap.stop.offset}` : null;
  return {
    ok: true,
    records: timed.map((x) => x.record),
    summary: {
      frames: pcap.records.length,
      vrrpPackets: timed.length,
      invalidPackets: timed.filter((x) => x.record.error !== null).length,
      linktype: header.linktype,
      speakers: summarizeSpeakers(timed),
      conflicts: findConflicts(timed),
      stopReason,
    },
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
    // Address lists compare as sets: order differences are not a misconfiguration keepalived rejects.
    const lists = new Map<string, { addresses: readonly string[]; sources: Set<string> }>();
    for (const x of g) {
      const key = [...x.record.addresses].sort().join(',');
      const l = lists.get(key);
      if (l) l.sources.add(x.record.src);
      else lists.set(key, { addresses: x.record.addresses, sources: new Set([x.record.src]) });
    }
    if (lists.size > 1) {
      out.push({
        kind: 'address-mismatch',
        family,
        vrid,
        lists: [...lists.values()].map((l) => ({ addresses: l.addresses, sources: [...l.sources].sort() })),
      });
    }
  }
  return out;
}
