/**
 * `vigil lvs --rate` for a data plane without a rate estimator (nftables): the rates between two
 * reads of its counters, as ipvsadm prints the kernel's (ip_vs_est.c: connections, packets and
 * bytes per second; whole numbers). Pure.
 */
import type { LvsCounters, LvsRates, LvsServiceRates, LvsView } from './driver.js';

/** Per-second difference of two counter sets; a counter that went down (reset, reload) reads 0. */
function between(a: LvsCounters | undefined, b: LvsCounters, seconds: number): LvsRates {
  const per = (x: number | undefined, y: number | undefined) =>
    x === undefined || y === undefined ? undefined : Math.round(Math.max(0, y - x) / seconds);
  const out: { -readonly [K in keyof LvsRates]: LvsRates[K] } = { cps: per(a?.conns ?? 0, b.conns) ?? 0 };
  // Absent from the first read (new since): counted from zero, as its connections are.
  const from = a ?? { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 };
  const traffic = {
    inPps: per(from.inPkts, b.inPkts),
    outPps: per(from.outPkts, b.outPkts),
    inBps: per(from.inBytes, b.inBytes),
    outBps: per(from.outBytes, b.outBytes),
  };
  for (const [k, v] of Object.entries(traffic)) if (v !== undefined) out[k as keyof typeof traffic] = v;
  return out;
}

/**
 * Rates from an earlier view `a` to a later view `b` of the same daemon, by service key and real
 * server; undefined when either has no counters or no read time, or they are not in order.
 */
export function ratesBetween(a: LvsView, b: LvsView): Record<string, LvsServiceRates> | undefined {
  if (a.stats === undefined || b.stats === undefined || a.statsAt === undefined || b.statsAt === undefined)
    return undefined;
  const seconds = (b.statsAt - a.statsAt) / 1000;
  if (!(seconds > 0)) return undefined;
  const out: Record<string, LvsServiceRates> = {};
  for (const [key, s] of Object.entries(b.stats)) {
    const before = a.stats[key];
    const dests: Record<string, LvsRates> = {};
    for (const [d, c] of Object.entries(s.dests)) dests[d] = between(before?.dests[d], c, seconds);
    out[key] = { ...between(before, s, seconds), dests };
  }
  return out;
}
