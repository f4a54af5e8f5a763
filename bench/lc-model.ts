/**
 * lc / wlc on nftables: the pure pieces shared by the model (lc-sim.ts) and the VM run
 * (lc-vm.ts): the controllers that turn per-server counts into a `numgen random` split, IPVS's
 * least-connection pick, and the event-driven model of both. No I/O; time and randomness are passed in.
 */
import { Prng } from '../src/sim/prng.js';

/** The simulator's seeded PRNG (src/sim/prng.ts), so that every run of the model is the same. */
export function prng(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.next();
}

export interface Scenario {
  readonly name: string;
  /** Weights of the real servers (lc ignores them but for 0). */
  readonly weights: readonly number[];
  /** Mean connection time on each server, seconds. */
  readonly meanS: readonly number[];
  /** New connections per second. */
  readonly rate: number;
}

export type Picker = {
  pick(now: number, active: readonly number[]): number;
  /** Called every 10 ms of model time. */
  tick?(now: number, active: readonly number[]): void;
  /** A connection to server `i` ended. */
  depart?(now: number, i: number): void;
};

/**
 * IPVS wlc (lc when !weighted): the least overhead/weight, first wins ties (ip_vs_wlc.c).
 * `overhead` is the active count, or active × 256 + inactive as ip_vs_dest_conn_overhead counts it.
 */
export function leastConnection(
  overhead: readonly number[],
  weights: readonly number[],
  weighted: boolean,
): number {
  let best = 0;
  for (let i = 1; i < overhead.length; i++) {
    const [wi, wb] = weighted ? [weights[i]!, weights[best]!] : [1, 1];
    // overhead_best / w_best > overhead_i / w_i, cross-multiplied
    if (overhead[best]! * wi > overhead[i]! * wb) best = i;
  }
  return best;
}

/**
 * IPVS's picker. With `inactiveS` > 0 an ended connection stays in IPVS's table as inactive that
 * long (TIME_WAIT is 120 s in ip_vs_proto_tcp.c) and weighs in wlc's overhead (active × 256 +
 * inactive); 0 counts active connections only.
 */
export const ipvs = (weights: readonly number[], weighted: boolean, inactiveS = 0): Picker => {
  // Per server, the expiry times of its inactive connections (FIFO: every one lasts inactiveS).
  const expiries = weights.map((): number[] => []);
  const heads = weights.map(() => 0);
  return {
    pick(now, active) {
      if (inactiveS === 0) return leastConnection(active, weights, weighted);
      const overhead = active.map((a, i) => {
        const q = expiries[i]!;
        while (heads[i]! < q.length && q[heads[i]!]! <= now) heads[i]!++;
        if (heads[i]! > 4096) {
          q.splice(0, heads[i]!);
          heads[i] = 0;
        }
        return a * 256 + q.length - heads[i]!;
      });
      return leastConnection(overhead, weights, weighted);
    },
    depart(now, i) {
      if (inactiveS > 0) expiries[i]!.push(now + inactiveS);
    },
  };
};

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

export const wrr = (weights: readonly number[], random: () => number): Picker => ({
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
  const total = sum(add);
  return total > 0 ? add.map((x) => x / total) : Array<number>(n).fill(1 / n);
}

/**
 * Shares as whole slots of a `numgen random mod total` map, summing to exactly `total` (largest
 * remainder), so that the nftables split is the model's up to 1/total.
 */
export function toSlots(shares: readonly number[], total: number): number[] {
  const s = sum(shares);
  const exact = shares.map((x) => (s > 0 ? (x / s) * total : total / shares.length));
  const slots = exact.map(Math.floor);
  const order = exact
    .map((x, i) => [x - Math.floor(x), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; k < total - sum(slots); k++) slots[order[k % order.length]![1]]!++;
  return slots;
}

/**
 * The steadier controller ("Little"): Little's law gives each server's mean connection time from
 * what a controller can read every interval (D_i = active_i / arrivals per second on it), smoothed;
 * shares ∝ w_i / D_i keep active/w level in the steady state. Until every server has an estimate
 * the shares stay ∝ w.
 */
export class LittleController {
  private readonly meanS: (number | undefined)[];
  private prev: readonly number[];
  shares: number[];

  constructor(private readonly weights: readonly number[]) {
    this.meanS = weights.map(() => undefined);
    this.prev = weights.map(() => 0);
    this.shares = weights.map((w) => w / sum(weights));
  }

  /** One read: `active` now, `arrivals` on each server over the last `dtS` seconds. */
  update(dtS: number, active: readonly number[], arrivals: readonly number[]): number[] {
    for (let i = 0; i < this.weights.length; i++) {
      const perS = arrivals[i]! / dtS;
      const avg = (this.prev[i]! + active[i]!) / 2;
      const m = this.meanS[i];
      if (perS > 0) this.meanS[i] = m === undefined ? avg / perS : 0.7 * m + (0.3 * avg) / perS;
    }
    this.prev = [...active];
    if (this.meanS.every((d) => d !== undefined && d > 0)) {
      const raw = this.weights.map((w, i) => w / this.meanS[i]!);
      this.shares = raw.map((x) => x / sum(raw));
    }
    return this.shares;
  }
}

/** The "fill" controller as a model picker: reads every `intervalS`, writes a 1000-slot map. */
export const nftFill = (
  weights: readonly number[],
  weighted: boolean,
  intervalS: number,
  random: () => number,
): Picker => {
  const w = weighted ? weights : weights.map(() => 1);
  let slots = toSlots(w, 1000);
  let next = 0;
  let arrivals = 0;
  return {
    tick(now, active) {
      if (now < next) return;
      // Expected arrivals in the next interval: as many as in the last one.
      slots = toSlots(fillShares(active, w, Math.max(1, arrivals)), 1000);
      arrivals = 0;
      next = now + intervalS;
    },
    pick() {
      arrivals++;
      return slice(slots, Math.floor(random() * 1000));
    },
  };
};

/** The Little controller as a model picker. */
export const nftLittle = (
  weights: readonly number[],
  weighted: boolean,
  intervalS: number,
  random: () => number,
): Picker => {
  const c = new LittleController(weighted ? weights : weights.map(() => 1));
  const arrivals = weights.map(() => 0);
  let next = 0;
  return {
    tick(now, active) {
      if (now < next) return;
      next = now + intervalS;
      c.update(intervalS, active, arrivals);
      arrivals.fill(0);
    },
    pick() {
      const i = slice(c.shares, random());
      arrivals[i]!++;
      return i;
    },
  };
};

export interface Result {
  readonly shares: number[];
  /** Time-averaged (max − min of active/weight) over the mean active/weight. */
  readonly imbalance: number;
}

/** Accumulates the imbalance from samples of the active counts, each weighted by its duration. */
export class ImbalanceMeter {
  private spread = 0;
  private level = 0;

  constructor(private readonly weights: readonly number[]) {}

  sample(active: readonly number[], dt = 1): void {
    const lv = active.map((a, i) => a / this.weights[i]!);
    this.spread += (Math.max(...lv) - Math.min(...lv)) * dt;
    this.level += (sum(lv) / lv.length) * dt;
  }

  get imbalance(): number {
    return this.spread / Math.max(1e-9, this.level);
  }
}

export function simulate(
  s: Scenario,
  picker: Picker,
  random: () => number,
  seconds: number,
  warmS: number,
): Result {
  const n = s.weights.length;
  const active = Array<number>(n).fill(0);
  const count = Array<number>(n).fill(0);
  const meter = new ImbalanceMeter(s.weights);
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
  while (now < seconds) {
    const dep = heap[0]?.[0] ?? Number.POSITIVE_INFINITY;
    now = Math.min(nextArrival, dep, nextSample);
    if (now === nextSample) {
      picker.tick?.(now, active);
      if (now >= warmS) meter.sample(active);
      nextSample += 0.01;
    } else if (now === dep) {
      const i = pop()[1];
      active[i]!--;
      picker.depart?.(now, i);
    } else {
      const i = picker.pick(now, active);
      active[i]!++;
      if (now >= warmS) count[i]!++;
      push([now + exp(s.meanS[i]!), i]);
      nextArrival = now + exp(1 / s.rate);
    }
  }
  const total = sum(count);
  return { shares: count.map((c) => c / total), imbalance: meter.imbalance };
}
