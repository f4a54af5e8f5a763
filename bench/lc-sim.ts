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
 * The model, the controllers and IPVS's pick are in lc-model.ts (shared with the VM run, lc-vm.ts).
 * Figures: each server's share of connections, and the imbalance that lc/wlc exist to keep small:
 * the time-averaged spread max(active/w) − min(active/w), sampled every 10 ms, over the mean
 * active/w (0 = perfectly level).
 */
import { ipvs, nftFill, nftLittle, prng, type Result, type Scenario, simulate, wrr } from './lc-model.js';

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
          simulate(s, nftFill(s.weights, weighted, t, prng(seed + 7)), prng(seed), seconds, warm),
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
