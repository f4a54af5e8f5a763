/**
 * lc / wlc on nftables against a real IPVS, side by side in one VM boot (issue 10; the model is
 * bench/lc-sim.ts). Needs root, qemu-system-x86, busybox-static and linux-image-amd64, as the VM
 * tests do (test/integration/harness/vm/qemu.ts); not a test: it prints the figures.
 *
 *   node dist/bench/lc-vm.js     (SECONDS=60 of load per arm after WARM=10; SEED=1;
 *                                 ARMS=ipvs-wlc,nft-little-1,...; SCENARIOS=slow,equal,four;
 *                                 RAW=file for the arms' figures as JSON)
 *
 * In the guest (bench/lc-vm-guest.ts) a director in the root namespace serves a VIP to a client in
 * namespace `cl` from real servers in namespace `rs` (veth pairs, NAT). Each arm runs the same load:
 * Poisson arrivals at a fixed rate from the same seed (each arm from its own client address, so no
 * arm meets another's connection entries). Arms: IPVS wlc (ipvsadm, NAT); nftables with a
 * `numgen random mod 1000` DNAT map rewritten by one `nft -f` after every read of
 * /proc/net/nf_conntrack by the controller of lc-model.ts ("Little" or "fill", every N s); and the
 * static split by weight (what nftables does for wrr). Figures per arm, as lc-sim prints them: each
 * server's share of the connections it accepted, and the time-averaged imbalance (max − min of
 * active/weight over the mean) from the servers' own active counts sampled every 20 ms. IPVS arms
 * are measured twice: after WARM like the others, and from IPVS_STEADY=130 s, once the inactive
 * connections that wlc counts (TIME_WAIT lasts 120 s in IPVS) have levelled; the later window is the
 * reference. The model's figures for the same scenario follow each block.
 */
import { writeFileSync } from 'node:fs';
import { runInVm, vmSkipReason } from '../test/integration/harness/vm/qemu.js';
import { ipvs, nftFill, nftLittle, prng, type Result, simulate, wrr } from './lc-model.js';
import type { ArmResult, GuestOptions, GuestScenario } from './lc-vm-guest.js';

const REPO = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');
const MODULES = [
  'ip_vs',
  'ip_vs_wlc',
  'ip_vs_lc',
  'ip_vs_sed',
  'veth',
  'nf_conntrack',
  'nf_tables',
  'nft_chain_nat',
  'nft_nat',
  'nft_numgen',
];

const SCENARIOS: Record<string, GuestScenario> = {
  slow: {
    name: 'rs1 3x slower, w 1:1, 150 conn/s, 0.6/0.2 s',
    weights: [1, 1],
    meanS: [0.6, 0.2],
    rate: 150,
  },
  equal: { name: 'equal servers, w 1:1, 150 conn/s, 0.3 s', weights: [1, 1], meanS: [0.3, 0.3], rate: 150 },
  four: {
    name: 'four servers, one 2x slower, 200 conn/s, 0.4/0.2 s',
    weights: [1, 1, 1, 1],
    meanS: [0.4, 0.2, 0.2, 0.2],
    rate: 200,
  },
};

const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const pct = (xs: readonly number[]) => xs.map((x) => (x * 100).toFixed(1).padStart(5)).join(' ');

function row(label: string, r: Result, base: Result, extra = ''): string {
  const gap = Math.max(...r.shares.map((x, i) => Math.abs(x - base.shares[i]!))) * 100;
  return (
    `${label.padEnd(32)} shares ${pct(r.shares)}   imbalance ${r.imbalance.toFixed(2).padStart(5)}` +
    ` (${(r.imbalance / base.imbalance).toFixed(1)}x IPVS)   share gap ${gap.toFixed(1)} pts${extra}`
  );
}

/** The model's rows for the VM's scenario and arms (300 s of model time, 30 s warm-up). */
function modelRows(s: GuestScenario, arms: readonly string[], seed: number): string[] {
  const sc = { ...s };
  const base = simulate(sc, ipvs(s.weights, true), prng(seed), 300, 30);
  const out = [row('model: IPVS wlc', base, base)];
  // The same with IPVS's inactive connections in wlc's overhead, each for 45 s (what the VM's
  // InActConn ÷ arrival rate showed: 35-45 s), warm-up past it.
  const withInactive = simulate(sc, ipvs(s.weights, true, 45), prng(seed), 450, 150);
  out.push(row('model: IPVS wlc, +inactive 45 s', withInactive, base));
  for (const arm of arms) {
    const m = /^nft-(little|fill)-([\d.]+)$/.exec(arm);
    if (m) {
      const make = m[1] === 'little' ? nftLittle : nftFill;
      const r = simulate(sc, make(s.weights, true, Number(m[2]), prng(seed + 7)), prng(seed), 300, 30);
      out.push(row(`model: ${arm}`, r, base));
    } else if (arm === 'nft-wrr')
      out.push(
        row('model: nft-wrr', simulate(sc, wrr(s.weights, prng(seed + 7)), prng(seed), 300, 30), base),
      );
  }
  return out;
}

async function main(): Promise<void> {
  const skip = vmSkipReason();
  if (skip !== undefined) {
    console.log(`lc-vm: cannot run here: ${skip}`);
    return;
  }
  const arms = (process.env.ARMS ?? 'ipvs-wlc,nft-little-1,nft-little-0.1,nft-fill-1,nft-wrr').split(',');
  const scenarios = (process.env.SCENARIOS ?? 'slow,equal').split(',').map((n) => {
    const s = SCENARIOS[n];
    if (s === undefined) throw new Error(`unknown scenario ${n} (${Object.keys(SCENARIOS).join(', ')})`);
    return s;
  });
  const o: GuestOptions = {
    scenarios,
    arms,
    warmS: Number(process.env.WARM ?? 10),
    seconds: Number(process.env.SECONDS ?? 60),
    ipvsSteadyS: Number(process.env.IPVS_STEADY ?? 130),
    seed: Number(process.env.SEED ?? 1),
  };
  const perArmS = Math.max(o.warmS, o.ipvsSteadyS) + o.seconds + 40;
  console.log(
    `# lc/wlc in a VM: IPVS against nftables + conntrack-derived weights (seed ${o.seed}, ${o.seconds} s measured per arm after ${o.warmS} s)`,
  );
  const r = await runInVm({
    command: `node dist/bench/lc-vm-guest.js main ${shQuote(JSON.stringify(o))}`,
    cwd: REPO,
    modprobe: MODULES,
    memoryMb: 1024,
    timeoutMs: (90 + scenarios.length * (arms.length * perArmS + 20)) * 1000,
    onLine: (l) => {
      if (process.env.VERBOSE) console.log(`  vm| ${l}`);
    },
  });
  const results = r.output
    .filter((l) => l.startsWith('@@ARM '))
    .map((l) => JSON.parse(l.slice('@@ARM '.length)) as ArmResult);
  if (process.env.RAW) writeFileSync(process.env.RAW, `${JSON.stringify(results, null, 1)}\n`);
  console.log(`# VM boot ${r.bootMs} ms, whole run ${(r.totalMs / 1000).toFixed(0)} s, exit ${r.exitCode}`);
  for (const s of scenarios) {
    console.log(`\n## ${s.name}`);
    const mine = results.filter((x) => x.scenario === s.name);
    const asResult = (x: ArmResult): Result => {
      const total = x.counts.reduce((a, b) => a + b, 0);
      return { shares: x.counts.map((c) => c / total), imbalance: x.imbalance };
    };
    // The reference: the first IPVS arm (wlc by default) in its steady window (its last one).
    const firstIpvs = mine.find((x) => x.arm.startsWith('ipvs-'))?.arm;
    const base = mine.filter((x) => x.arm === firstIpvs).pop();
    for (const x of mine) {
      const extra =
        `   [${x.counts.reduce((a, b) => a + b, 0)} conns in ${x.measuredS.toFixed(0)} s, ${x.failed} failed${x.failed > 0 ? ` ${JSON.stringify(x.errors)}` : ''}` +
        (x.reads !== undefined
          ? `; ${x.reads} reads, every ${x.meanIntervalS!.toFixed(2)} s, nft -f median ${x.nftMedianMs!.toFixed(0)} ms max ${x.nftMaxMs!.toFixed(0)} ms]`
          : ']');
      console.log(
        row(
          `VM: ${x.arm} ${x.window[0]}-${x.window[1]} s`,
          asResult(x),
          base ? asResult(base) : asResult(x),
          extra,
        ),
      );
    }
    for (const l of modelRows(s, arms, o.seed)) console.log(l);
    if (base?.ipvsadm) console.log(`# ${base.arm} at its end:\n${base.ipvsadm.replace(/^/gm, '#   ')}`);
  }
  if (r.exitCode !== 0 || !r.output.includes('@@DONE')) {
    console.log(`\n# the guest did not finish (exit ${r.exitCode}, timed out ${r.timedOut}):`);
    console.log(r.output.slice(-40).join('\n'));
    console.log(r.console.slice(-3000));
    process.exitCode = 1;
  }
}

await main();
