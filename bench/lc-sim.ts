/**
 * lc / wlc on nftables, simulated (not a test; no root, no kernel): how close does a scheduler that
 * nftables CAN run get to IPVS's lc/wlc? Issue 10 asks whether weights derived from conntrack
 * counts at a short interval would do; this is the first step, a model, before any VM run.
 *
 *   node dist/bench/lc-sim.js          (~10 s; SEED=n for another random stream)
 *
 * Model: connections arrive as a Poisson stream; each lasts an exponential time whose mean
 * depends on the real server it went to (a slow server keeps its connections longer). Only active
 * connections are counted (IPVS's overhead is active×256 + inactive, so inactive ones only break
 * near-ties).
 * - IPVS: wlc picks, at every new connection, the server with the least active/weight (ip_vs_wlc.c,
 *   first wins ties); lc the least active.
 * - nftables approximation: every INTERVAL the controller reads the per-server counts (conntrack)
 *   and the arrivals of the last interval (the service counter), and writes a `numgen random mod
 *   1000` map whose shares "fill up" the least loaded servers: the expected arrivals are spread so
 *   that active/weight would be level at the interval's end (water-filling); between two reads the
 *   shares are fixed, as in the kernel ("fill").
 * - a steadier controller ("Little"): each server's mean connection time estimated by Little's law
 *   from the same reads (active / arrivals per second, smoothed), shares ∝ weight / mean time.
 * - wrr with the configured weights, for reference: what nftables does today.
 * Figures: each server's share of connections, and the imbalance that lc/wlc exist to keep small:
 * the time-averaged spread max(active/w) − min(active/w), sampled every 10 ms, over the mean
 * active/w (0 = perfectly level).
 */
import { Prng } from '../src/sim/prng.js';

/** The simulator's seeded PRNG (src/sim/prng.ts), so that every run of the model is the same. */
function prng(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.next();
}

interface Scenario {
  readonly name: string;
  /** Weights of the real servers (lc ignores them but for 0). */
  readonly weights: readonly number[];
  /** Mean connection time on each server, seconds. */
  readonly meanS: readonly number[];
  /** New connections per second. */
  readonly rate: number;
}

type Picker = {
  pick(now: number, active: readonly number[]): number;
  /** Called every 10 ms of model time. */
  tick?(now: number, active: readonly number[]): void;
};

const ipvs = (weights: readonly number[], weighted: boolean): Picker => ({
  pick(_now, active) {
    let best = 0;
    for (let i = 1; i < active.length; i++) {
      const [wi, wb] = weighted ? [weights[i]!, weights[best]!] : [1, 1];
      // active_best / w_best > active_i / w_i, cross-multiplied (ip_vs_wlc.c)
      if (active[best]! * wi > active[i]! * wb) best = i;
    }
    return best;
  },
});

/** The index whose slice of [0, Σ parts) holds `at` (the last one for rounding at the top). */
function slice(parts: readonly number[], at: number): number {
  let end = 0;
  for (let i = 0; i < parts.length; i++) {
    end += parts[i]!;
    if (at < end) return i;
  }
  return parts.length - 1;
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

const wrr = (weights: readonly number[], random: () => number): Picker => ({
  pick: () => slice(weights, random() * sum(weights)),
});

/** Shares that bring active/w level after `expected` more connections (water-filling). */
export function fillShares(
  active: readonly number[],
  weights: readonly number[],
  expected: number,
): number[] {
  const n = active.length;
  // The level L with Σ max(0, L·w_i − a_i) = expected, by bisection.
  let lo = 0;
  let hi = Math.max(...active.map((a, i) => a / weights[i]!)) + expected / Math.min(...weights) + 1;
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2;
    const fill = active.reduce((s, a, i) => s + Math.max(0, mid * weights[i]! - a), 0);
    if (fill > expected) hi = mid;
    else lo = mid;
  }
  const add = active.map((a, i) => Math.max(0, hi * weights[i]! - a));
  const sum = add.reduce((a, b) => a + b, 0);
  return sum > 0 ? add.map((x) => x / sum) : Array<number>(n).fill(1 / n);
}

/** The controller: reads counts every `intervalS`, writes a 1000-slot random map. */
const nftApprox = (
  weights: readonly number[],
  weighted: boolean,
  intervalS: number,
  random: () => number,
): Picker => {
  const w = weighted ? weights : weights.map(() => 1);
  let slots = fillShares(
    weights.map(() => 0),
    w,
    1,
  ).map((s) => Math.round(s * 1000));
  let next = 0;
  let arrivals = 0;
  let lastRate = 0;
  return {
    tick(now, active) {
      if (now < next) return;
      lastRate = arrivals;
      arrivals = 0;
      next = now + intervalS;
      // Expected arrivals in the next interval: as many as in the last one.
      slots = fillShares(active, w, Math.max(1, lastRate)).map((s) => Math.round(s * 1000));
    },
    pick() {
      arrivals++;
      return slice(slots, Math.floor(random() * sum(slots)));
    },
  };
};

/**
 * The steadier controller: Little's law gives each server's mean connection time from what the
 * controller can read (D_i = active_i / arrivals per second on it, from conntrack and the per-server
 * counters), smoothed; shares ∝ w_i / D_i keep active/w level in the steady state.
 */
const nftLittle = (
  weights: readonly number[],
  weighted: boolean,
  intervalS: number,
  random: () => number,
): Picker => {
  const w = weighted ? weights : weights.map(() => 1);
  const n = weights.length;
  let shares = w.map((x) => x / w.reduce((a, b) => a + b, 0));
  const arrivals = Array<number>(n).fill(0);
  const meanS: (number | undefined)[] = Array<number | undefined>(n).fill(undefined);
  let prev: readonly number[] = Array<number>(n).fill(0);
  let next = 0;
  return {
    tick(now, active) {
      if (now < next) return;
      next = now + intervalS;
      for (let i = 0; i < n; i++) {
        const perS = arrivals[i]! / intervalS;
        const avg = (prev[i]! + active[i]!) / 2;
        if (perS > 0) meanS[i] = meanS[i] === undefined ? avg / perS : 0.7 * meanS[i]! + (0.3 * avg) / perS;
        arrivals[i] = 0;
      }
      prev = [...active];
      const known = meanS.filter((d): d is number => d !== undefined && d > 0);
      if (known.length < n) return;
      const raw = w.map((x, i) => x / meanS[i]!);
      const sum = raw.reduce((a, b) => a + b, 0);
      shares = raw.map((x) => x / sum);
    },
    pick() {
      const i = slice(shares, random());
      arrivals[i]!++;
      return i;
    },
  };
};

interface Result {
  readonly shares: number[];
  readonly imbalance: number;
}

function simulate(s: Scenario, picker: Picker, random: () => number, seconds: number, warmS: number): Result {
  const n = s.weights.length;
  const active = Array<number>(n).fill(0);
  const count = Array<number>(n).fill(0);
  // Departures: a binary heap of [time, server].
  const heap: [number, number][] = [];
  const push = (x: [number, number]) => {
    heap.push(x);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p]![0] <= heap[i]![0]) break;
      [heap[p], heap[i]] = [heap[i]!, heap[p]!];
      i = p;
    }
  };
  const pop = () => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const [l, r] = [2 * i + 1, 2 * i + 2];
        let m = i;
        if (l < heap.length && heap[l]![0] < heap[m]![0]) m = l;
        if (r < heap.length && heap[r]![0] < heap[m]![0]) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i]!, heap[m]!];
        i = m;
      }
    }
    return top;
  };
  const exp = (mean: number) => -Math.log(1 - random()) * mean;
  let now = 0;
  let nextArrival = exp(1 / s.rate);
  let nextSample = 0;
  let spreadSum = 0;
  let levelSum = 0;
  while (now < seconds) {
    const dep = heap[0]?.[0] ?? Number.POSITIVE_INFINITY;
    now = Math.min(nextArrival, dep, nextSample);
    if (now === nextSample) {
      picker.tick?.(now, active);
      if (now >= warmS) {
        const lv = active.map((a, i) => a / s.weights[i]!);
        spreadSum += Math.max(...lv) - Math.min(...lv);
        levelSum += lv.reduce((a, b) => a + b, 0) / n;
      }
      nextSample += 0.01;
    } else if (now === dep) {
      active[pop()[1]]!--;
    } else {
      const i = picker.pick(now, active);
      active[i]!++;
      if (now >= warmS) count[i]!++;
      push([now + exp(s.meanS[i]!), i]);
      nextArrival = now + exp(1 / s.rate);
    }
  }
  const total = count.reduce((a, b) => a + b, 0);
  return { shares: count.map((c) => c / total), imbalance: spreadSum / Math.max(1e-9, levelSum) };
}

const SCENARIOS: Scenario[] = [
  { name: 'equal servers, w 1:1, 500 conn/s, 0.2 s', weights: [1, 1], meanS: [0.2, 0.2], rate: 500 },
  { name: 'rs1 3x slower, w 1:1, 500 conn/s, 0.2 s', weights: [1, 1], meanS: [0.6, 0.2], rate: 500 },
  { name: 'w 3:1, equal servers, 500 conn/s, 0.2 s', weights: [3, 1], meanS: [0.2, 0.2], rate: 500 },
  { name: 'rs1 3x slower, w 1:1, 50 conn/s, 2 s', weights: [1, 1], meanS: [6, 2], rate: 50 },
  {
    name: 'four servers, one 2x slower, 2000 conn/s, 0.05 s',
    weights: [1, 1, 1, 1],
    meanS: [0.1, 0.05, 0.05, 0.05],
    rate: 2000,
  },
];
const INTERVALS = [0.1, 0.5, 1, 2];

function main(): void {
  const seed = Number(process.env.SEED ?? 1);
  const seconds = Number(process.env.SECONDS ?? 300);
  const warm = 30;
  console.log(
    `# lc/wlc: IPVS against an nftables approximation (model, seed ${seed}, ${seconds} s of model time each)`,
  );
  console.log('# imbalance: time-averaged (max - min of active/weight) / mean active/weight; shares in %\n');
  for (const s of SCENARIOS) {
    console.log(`## ${s.name}`);
    for (const weighted of [true, false]) {
      const name = weighted ? 'wlc' : 'lc';
      const base = simulate(s, ipvs(s.weights, weighted), prng(seed), seconds, warm);
      const row = (label: string, r: Result) =>
        console.log(
          `${label.padEnd(30)} shares ${r.shares.map((x) => (x * 100).toFixed(1).padStart(5)).join(' ')}` +
            `   imbalance ${r.imbalance.toFixed(2).padStart(5)} (${(r.imbalance / base.imbalance).toFixed(1)}x IPVS)` +
            `   share gap ${(Math.max(...r.shares.map((x, i) => Math.abs(x - base.shares[i]!))) * 100).toFixed(1)} pts`,
        );
      row(`IPVS ${name}`, base);
      for (const t of INTERVALS)
        row(
          `nft ${name}, fill, every ${t} s`,
          simulate(s, nftApprox(s.weights, weighted, t, prng(seed + 7)), prng(seed), seconds, warm),
        );
      for (const t of INTERVALS)
        row(
          `nft ${name}, Little, every ${t} s`,
          simulate(s, nftLittle(s.weights, weighted, t, prng(seed + 7)), prng(seed), seconds, warm),
        );
      if (weighted)
        row(
          'nft wrr (static weights)',
          simulate(s, wrr(s.weights, prng(seed + 7)), prng(seed), seconds, warm),
        );
    }
    console.log('');
  }
}

main();
