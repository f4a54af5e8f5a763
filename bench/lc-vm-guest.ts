/**
 * The guest side of bench/lc-vm.ts (run inside the VM as root; never on a host). Roles:
 *   main '<json>'    the director (root namespace): builds the namespaces, runs every arm of every
 *                    scenario, prints one `@@ARM {json}` line per arm
 *   server '<json>'  the real servers (namespace rs): one TCP listener per server address that holds
 *                    each connection for an exponential time of that server's mean, then closes it;
 *                    samples its own active counts every 20 ms (the imbalance) and counts accepts
 *   client           the load (namespace cl): Poisson arrivals at a fixed rate from a seeded PRNG,
 *                    one new connection each, never reused
 * server and client take commands on stdin and answer one JSON line each.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { countFlows } from './lc-conntrack.js';
import { fillShares, ImbalanceMeter, LittleController, prng, toSlots } from './lc-model.js';

const run = promisify(execFile);
const VIP = '198.51.100.100';
const PORT = 80;
const SLOTS = 1000;
const rsAddr = (i: number) => `192.0.2.${11 + i}`;

export interface GuestScenario {
  readonly name: string;
  readonly weights: readonly number[];
  readonly meanS: readonly number[];
  readonly rate: number;
}

/** `ipvs-wlc`, `ipvs-lc`, `nft-little-<s>`, `nft-fill-<s>`, `nft-wrr`. */
export type ArmName = string;

export interface GuestOptions {
  readonly scenarios: readonly GuestScenario[];
  readonly arms: readonly ArmName[];
  readonly warmS: number;
  readonly seconds: number;
  /** When the second, steady window of an IPVS arm starts (s); none when ≤ warmS. */
  readonly ipvsSteadyS: number;
  readonly seed: number;
}

export interface ArmResult {
  readonly scenario: string;
  readonly arm: ArmName;
  /** The measured window, seconds from the start of the arm's load. */
  readonly window: [number, number];
  readonly counts: number[];
  readonly imbalance: number;
  readonly opened: number;
  readonly failed: number;
  /** Failed connections by error code. */
  readonly errors: Record<string, number>;
  readonly measuredS: number;
  /** nft arms with a controller: reads done, their mean spacing, and `nft -f` times. */
  readonly reads?: number;
  readonly meanIntervalS?: number;
  readonly nftMedianMs?: number;
  readonly nftMaxMs?: number;
  /** ipvsadm -Ln at the end of an IPVS arm. */
  readonly ipvsadm?: string;
}

const exp = (random: () => number, mean: number) => -Math.log(1 - random()) * mean;

// ---- the real servers ----

function serverRole(cfg: GuestScenario & { seed: number }): void {
  const n = cfg.weights.length;
  const active = Array<number>(n).fill(0);
  let counts = Array<number>(n).fill(0);
  let meter: ImbalanceMeter | undefined;
  let measureFrom = 0;
  for (let i = 0; i < n; i++) {
    const random = prng(cfg.seed + 100 + i);
    net
      .createServer((sock) => {
        active[i]!++;
        counts[i]!++;
        let open = true;
        const done = () => {
          if (open) active[i]!--;
          open = false;
        };
        const t = setTimeout(() => {
          done();
          sock.end();
        }, exp(random, cfg.meanS[i]!) * 1000);
        sock.on('error', () => {});
        sock.on('close', () => {
          clearTimeout(t);
          done();
        });
      })
      .listen({ host: rsAddr(i), port: PORT, backlog: 4096 });
  }
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    meter?.sample(active, now - last);
    last = now;
  }, 20);
  answer((cmd) => {
    if (cmd === 'measure') {
      meter = new ImbalanceMeter(cfg.weights);
      counts = Array<number>(n).fill(0);
      measureFrom = performance.now();
      return { ok: true };
    }
    if (cmd === 'report') {
      const r = {
        counts,
        imbalance: meter?.imbalance ?? 0,
        measuredS: (performance.now() - measureFrom) / 1000,
      };
      meter = undefined;
      return r;
    }
    return { active: active.reduce((a, b) => a + b, 0) };
  });
}

// ---- the load ----

function clientRole(): void {
  answer(async (cmd) => {
    const o = JSON.parse(cmd) as { rate: number; seconds: number; seed: number; from: string };
    const random = prng(o.seed);
    let opened = 0;
    let failed = 0;
    const errors: Record<string, number> = {};
    let open = 0;
    const start = performance.now();
    const end = start + o.seconds * 1000;
    let next = start + exp(random, 1 / o.rate) * 1000;
    await new Promise<void>((resolve) => {
      const loop = () => {
        const now = performance.now();
        while (next <= now && next < end) {
          opened++;
          open++;
          const s = net.connect({ host: VIP, port: PORT, localAddress: o.from });
          s.on('error', (e: NodeJS.ErrnoException) => {
            failed++;
            errors[e.code ?? e.message] = (errors[e.code ?? e.message] ?? 0) + 1;
          });
          s.on('close', () => open--);
          s.resume();
          next += exp(random, 1 / o.rate) * 1000;
        }
        if (next >= end) resolve();
        else setTimeout(loop, Math.max(0, next - now));
      };
      loop();
    });
    // Let the last connections finish (bounded).
    const deadline = performance.now() + 15_000;
    while (open > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return { opened, failed, errors, open };
  });
}

/** Answers each stdin line with the JSON of `handle(line)`, in order. */
function answer(handle: (line: string) => unknown): void {
  let chain = Promise.resolve();
  createInterface({ input: process.stdin }).on('line', (line) => {
    chain = chain.then(async () => {
      process.stdout.write(`${JSON.stringify(await handle(line.trim()))}\n`);
    });
  });
  process.stdin.on('end', () => process.exit(0));
}

interface Role {
  ask<T>(line: string): Promise<T>;
  readonly child: ChildProcess;
}

/** A role process in a namespace: `ask(line)` resolves with its JSON answer. */
function startRole(ns: string, args: readonly string[]): Role {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, process.argv[1]!, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting: ((v: unknown) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => waiting.shift()?.(JSON.parse(l)));
  return {
    child,
    ask<T>(line: string) {
      return new Promise<T>((resolve) => {
        waiting.push(resolve as (v: unknown) => void);
        child.stdin!.write(`${line}\n`);
      });
    },
  };
}

// ---- the director ----

const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8' });

function setUpNetwork(servers: number, arms: number): void {
  sh(`sysctl -qw net.ipv4.ip_forward=1
ip netns add rs; ip netns add cl
ip link add v-rs type veth peer name eth0 netns rs
ip link add v-cl type veth peer name eth0 netns cl
ip addr add 192.0.2.1/24 dev v-rs; ip link set v-rs up
ip addr add 198.51.100.1/24 dev v-cl; ip addr add ${VIP}/32 dev v-cl; ip link set v-cl up
ip -n rs link set lo up; ip -n rs link set eth0 up
ip -n cl link set lo up; ip -n cl link set eth0 up
ip -n cl addr add 198.51.100.2/24 dev eth0
ip -n rs addr add 192.0.2.2/24 dev eth0
ip -n rs route add default via 192.0.2.1; ip -n cl route add default via 198.51.100.1
sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_time_wait=2`);
  for (let i = 0; i < servers; i++) sh(`ip -n rs addr add ${rsAddr(i)}/32 dev eth0`);
  // One client address per arm: no arm's flows ever meet an earlier arm's IPVS or conntrack entries.
  for (let k = 0; k < arms; k++) sh(`ip -n cl addr add ${clientAddr(k)}/32 dev eth0`);
}

const clientAddr = (k: number) => `198.51.100.${10 + k}`;

function nftSplit(slots: readonly number[]): string {
  const parts: string[] = [];
  let at = 0;
  slots.forEach((s, i) => {
    if (s > 0) parts.push(`${s === 1 ? at : `${at}-${at + s - 1}`} : ${rsAddr(i)}`);
    at += s;
  });
  return `flush chain ip lcvm pre
add rule ip lcvm pre ip daddr ${VIP} tcp dport ${PORT} dnat to numgen random mod ${SLOTS} map { ${parts.join(', ')} }
`;
}

async function nftWrite(text: string): Promise<number> {
  const t = performance.now();
  writeFileSync('/tmp/lcvm.nft', text);
  await run('nft', ['-f', '/tmp/lcvm.nft']);
  return performance.now() - t;
}

/** The controller: reads conntrack every `intervalS`, rewrites the split; stops when `stop()` is called. */
function controller(
  s: GuestScenario,
  kind: 'little' | 'fill',
  intervalS: number,
): { stop(): Promise<{ reads: number; meanIntervalS: number; nftMs: number[] }> } {
  const servers = s.weights.map((_, i) => rsAddr(i));
  const little = new LittleController(s.weights);
  let seen: ReadonlySet<string> = new Set();
  let stopped = false;
  const nftMs: number[] = [];
  let reads = 0;
  const t0 = performance.now();
  let last = t0;
  const loop = (async () => {
    while (!stopped) {
      const now = performance.now();
      const c = countFlows(readFileSync('/proc/net/nf_conntrack', 'utf8'), VIP, PORT, servers, seen);
      const first = reads === 0;
      seen = c.seen;
      reads++;
      const dt = (now - last) / 1000;
      last = now;
      if (!first) {
        const shares =
          kind === 'little'
            ? little.update(dt, c.active, c.arrivals)
            : fillShares(
                c.active,
                s.weights,
                Math.max(1, (c.arrivals.reduce((a, b) => a + b, 0) * intervalS) / dt),
              );
        nftMs.push(await nftWrite(nftSplit(toSlots(shares, SLOTS))));
      }
      const wait = t0 + reads * intervalS * 1000 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { reads, meanIntervalS: (last - t0) / 1000 / Math.max(1, reads - 1), nftMs };
    },
  };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function runArm(
  s: GuestScenario,
  arm: ArmName,
  k: number,
  o: GuestOptions,
  server: Role,
  client: Role,
): Promise<ArmResult[]> {
  const ipvs = arm.startsWith('ipvs-');
  if (ipvs) {
    sh(`ipvsadm -A -t ${VIP}:${PORT} -s ${arm.slice(5)}`);
    for (const [i, w] of s.weights.entries())
      sh(`ipvsadm -a -t ${VIP}:${PORT} -r ${rsAddr(i)}:${PORT} -m -w ${w}`);
  } else {
    await nftWrite(
      `table ip lcvm {\n  chain pre { type nat hook prerouting priority -100; }\n}\n${nftSplit(toSlots(s.weights, SLOTS))}`,
    );
  }
  const m = /^nft-(little|fill)-([\d.]+)$/.exec(arm);
  const ctl = m ? controller(s, m[1] as 'little' | 'fill', Number(m[2])) : undefined;
  // IPVS arms are measured twice: after the same warm-up as the others, and once its inactive
  // connections (TIME_WAIT, 120 s in ip_vs_proto_tcp.c; wlc's overhead adds them) are steady.
  const windows: [number, number][] = [[o.warmS, o.warmS + o.seconds]];
  if (ipvs && o.ipvsSteadyS > o.warmS) windows.push([o.ipvsSteadyS, o.ipvsSteadyS + o.seconds]);
  const total = windows[windows.length - 1]![1];
  const t0 = performance.now();
  const load = client.ask<{ opened: number; failed: number; errors: Record<string, number> }>(
    JSON.stringify({ rate: s.rate, seconds: total, seed: o.seed, from: clientAddr(k) }),
  );
  const until = (atS: number) =>
    new Promise((r) => setTimeout(r, Math.max(0, t0 + atS * 1000 - performance.now())));
  const reps: { counts: number[]; imbalance: number; measuredS: number; window: [number, number] }[] = [];
  for (const w of windows) {
    await until(w[0]);
    await server.ask('measure');
    await until(w[1]);
    reps.push({ ...(await server.ask<Omit<(typeof reps)[0], 'window'>>('report')), window: w });
  }
  const c = await load;
  const ctlStats = await ctl?.stop();
  const ipvsadm = ipvs ? sh('ipvsadm -Ln') : undefined;
  if (ipvs) sh('ipvsadm -C');
  else sh('nft delete table ip lcvm');
  // Every connection of this arm closed before the next one starts (poll with a deadline).
  const deadline = performance.now() + 30_000;
  while ((await server.ask<{ active: number }>('active')).active > 0 && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  return reps.map((rep) => ({
    scenario: s.name,
    arm,
    window: rep.window,
    counts: rep.counts,
    imbalance: rep.imbalance,
    measuredS: rep.measuredS,
    opened: c.opened,
    failed: c.failed,
    errors: c.errors,
    ...(ctlStats && {
      reads: ctlStats.reads,
      meanIntervalS: ctlStats.meanIntervalS,
      nftMedianMs: median(ctlStats.nftMs),
      nftMaxMs: Math.max(0, ...ctlStats.nftMs),
    }),
    ...(ipvsadm !== undefined && { ipvsadm }),
  }));
}

async function mainRole(o: GuestOptions): Promise<void> {
  const maxServers = Math.max(...o.scenarios.map((s) => s.weights.length));
  setUpNetwork(maxServers, o.scenarios.length * o.arms.length);
  const client = startRole('cl', ['client']);
  let k = 0;
  for (const s of o.scenarios) {
    const server = startRole('rs', ['server', JSON.stringify({ ...s, seed: o.seed })]);
    await server.ask('active');
    for (const arm of o.arms) {
      for (const r of await runArm(s, arm, k++, o, server, client)) console.log(`@@ARM ${JSON.stringify(r)}`);
    }
    server.child.stdin!.end();
  }
  client.child.stdin!.end();
  console.log('@@DONE');
}

const [role, arg] = process.argv.slice(2);
if (role === 'server') serverRole(JSON.parse(arg!));
else if (role === 'client') clientRole();
else if (role === 'main') await mainRole(JSON.parse(arg!));
