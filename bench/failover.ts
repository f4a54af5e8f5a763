/**
 * Failover benchmark (not a test): vigil and keepalived 2.2.7 side by side, in one run, with the
 * same keepalived.conf and advert interval, on the namespace LAN of the integration tests.
 *
 *   node dist/bench/failover.js          (root; REPS=n overrides the repetitions)
 *
 * 1. Failover time: a master (priority 150) and a backup (priority 100) of the SAME implementation;
 *    crash the master (SIGKILL; for keepalived its VRRP child too, with the parent frozen first, as
 *    otherwise the parent makes the child stop cleanly with a priority-0 advert); measure until the backup holds the VIP and until a client polling
 *    http://VIP/ every 10 ms gets the backup's answer. VRRPv2 advert_int 1, then VRRPv3 advert_int 0.1.
 * 2. Advert jitter: one vigil master (VRRPv3, advert_int 0.1); tcpdump in the client namespace
 *    timestamps its adverts, once idle and once with the main thread kept busy
 *    (VIGIL_BENCH_BUSY_MAIN_MS): the worker thread must keep the 100 ms rhythm either way.
 */
import type { ChildProcess } from 'node:child_process';
import { createLab, type Impl, type Lab, vrrpConf } from '../test/integration/daemon/lab.js';
import { commandExists, waitFor } from '../test/integration/harness/topology.js';
import { captureAdverts } from './adverts.js';

const VIP = '192.0.2.100';
const NODES = ['n1', 'n2'] as const;
const now = () => performance.timeOrigin + performance.now();

interface Sample {
  vipMs: number;
  answerMs: number;
}

/** A client that GETs http://VIP/ back to back (one in flight, 10 ms apart) and timestamps answers. */
function startPoller(lab: Lab): { answers: { t: number; body: string }[]; child: ChildProcess } {
  const script = `
const http = require('node:http');
const tick = () => {
  const q = http.get({ host: '${VIP}', port: 80, path: '/', agent: false, timeout: 100 }, (r) => {
    let b = ''; r.on('data', (d) => { b += d; });
    r.on('end', () => { process.stdout.write((performance.timeOrigin + performance.now()) + ' ' + b + '\\n'); setTimeout(tick, 10); });
  });
  q.on('timeout', () => q.destroy());
  q.on('error', () => setTimeout(tick, 10));
};
tick();`;
  const child = lab.topo.spawn('client', process.execPath, ['-e', script]);
  const answers: { t: number; body: string }[] = [];
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) {
      const [t, body] = l.split(' ');
      if (t && body) answers.push({ t: Number(t), body });
    }
  });
  return { answers, child };
}

async function failoverOnce(
  lab: Lab,
  impl: Impl,
  version: 2 | 3,
  advertInt: number,
  answers: { t: number; body: string }[],
): Promise<Sample> {
  const conf = (priority: number, state: 'MASTER' | 'BACKUP') =>
    vrrpConf({ state, priority, version, advertInt, vips: [`${VIP}/24`], vrid: 60 });
  const master = lab.start(impl, 'n1', conf(150, 'MASTER'));
  const backup = lab.start(impl, 'n2', conf(100, 'BACKUP'));
  try {
    await lab.waitServedBy('n1', VIP, { client: 'client', among: NODES, timeoutMs: 15000 });
    await backup.waitLog(/Entering BACKUP STATE/);
    // Let the backup see a few adverts, and randomise the kill's phase within the interval.
    await new Promise((r) => setTimeout(r, 2 * advertInt * 1000 + Math.random() * advertInt * 1000));
    const t0 = now();
    master.crash();
    let vipAt = 0;
    await waitFor(
      async () => {
        if (vipAt === 0 && (await lab.holders(VIP, ['n2'])).length === 1) vipAt = now();
        return vipAt > 0 && answers.some((a) => a.t > t0 && a.body === 'n2');
      },
      { timeoutMs: 15000, intervalMs: 5, message: `${impl} backup serving` },
    );
    const answer = answers.find((a) => a.t > t0 && a.body === 'n2')!;
    await master.exited;
    return { vipMs: vipAt - t0, answerMs: answer.t - t0 };
  } finally {
    await lab.stopAll();
    // The killed master left its VIP behind: start the next round clean.
    await lab.topo.exec('n1', 'ip', ['addr', 'del', `${VIP}/24`, 'dev', 'eth0'], { allowFail: true });
  }
}

function stats(xs: readonly number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

const fmt = (n: number) => n.toFixed(0).padStart(6);

async function failoverBench(
  lab: Lab,
  title: string,
  version: 2 | 3,
  advertInt: number,
  reps: number,
): Promise<void> {
  const downMs = 3 * advertInt * 1000 + ((256 - 100) / 256) * (version === 2 ? 1000 : advertInt * 1000);
  console.log(
    `\n## ${title} (master-down interval of the backup: ${downMs.toFixed(0)} ms), ${reps} runs each`,
  );
  const poller = startPoller(lab);
  const medians: Record<string, number> = {};
  try {
    for (const impl of ['vigil', 'keepalived'] as const) {
      const samples: Sample[] = [];
      for (let i = 0; i < reps; i++)
        samples.push(await failoverOnce(lab, impl, version, advertInt, poller.answers));
      const vip = stats(samples.map((s) => s.vipMs));
      const ans = stats(samples.map((s) => s.answerMs));
      medians[impl] = ans.median;
      console.log(
        `${impl.padEnd(10)} VIP on backup  median ${fmt(vip.median)} ms  min ${fmt(vip.min)}  max ${fmt(vip.max)}` +
          `   | client answered by backup  median ${fmt(ans.median)} ms  min ${fmt(ans.min)}  max ${fmt(ans.max)}` +
          `   [${samples.map((s) => s.answerMs.toFixed(0)).join(', ')}]`,
      );
    }
    console.log(
      `ratio vigil/keepalived (median client answer): ${(medians.vigil! / medians.keepalived!).toFixed(2)}`,
    );
  } finally {
    poller.child.kill('SIGKILL');
  }
}

/** Inter-arrival times (ms) of one master's adverts, seen by tcpdump in the client namespace. */
async function advertIntervals(lab: Lab, busyMs: number, seconds: number): Promise<number[]> {
  const conf = vrrpConf({
    state: 'MASTER',
    priority: 150,
    version: 3,
    advertInt: 0.1,
    vips: [`${VIP}/24`],
    vrid: 61,
  });
  const env: Record<string, string> = busyMs > 0 ? { VIGIL_BENCH_BUSY_MAIN_MS: String(busyMs) } : {};
  const d = lab.start('vigil', 'n1', conf, { env });
  const capture = await captureAdverts(lab, 61);
  const stamps = capture.stamps;
  try {
    await d.waitLog(/Entering MASTER STATE/);
    const start = stamps.length;
    await waitFor(() => stamps.length - start > seconds * 10, { timeoutMs: seconds * 2000 + 5000 });
    const s = stamps.slice(start);
    return s.slice(1).map((t, i) => t - s[i]!);
  } finally {
    capture.stop();
    await lab.stopAll();
  }
}

async function jitterBench(lab: Lab, seconds: number): Promise<void> {
  console.log(
    `\n## vigil advert timing, VRRPv3 advert_int 0.1 (100 ms), ${seconds} s each, seen from the client`,
  );
  for (const busyMs of [0, 50]) {
    const iv = await advertIntervals(lab, busyMs, seconds);
    const sorted = [...iv].sort((a, b) => a - b);
    const dev = iv.map((x) => Math.abs(x - 100));
    const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!;
    const label = busyMs > 0 ? `main thread busy (${busyMs} ms spins back to back)` : 'idle main thread';
    console.log(
      `${label.padEnd(44)} adverts ${String(iv.length + 1).padStart(4)}  interval median ${stats(iv).median.toFixed(1)} ms` +
        `  min ${sorted[0]!.toFixed(1)}  p99 ${p99.toFixed(1)}  max ${sorted[sorted.length - 1]!.toFixed(1)}` +
        `  mean |jitter| ${(dev.reduce((a, b) => a + b, 0) / dev.length).toFixed(2)} ms`,
    );
  }
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    console.error('bench/failover: needs root (network namespaces)');
    return 1;
  }
  for (const cmd of ['ip', 'keepalived', 'tcpdump']) {
    if (!commandExists(cmd)) {
      console.error(`bench/failover: needs ${cmd}`);
      return 1;
    }
  }
  const reps = Number(process.env.REPS ?? 0);
  const lab = await createLab(['n1', 'n2', 'client']);
  const stop = () => void lab.destroy().then(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await Promise.all([lab.http('n1'), lab.http('n2')]);
    console.log(
      `# vigil vs keepalived ${(await lab.topo.exec('n1', 'keepalived', ['-v'], { allowFail: true })).stderr.split('\n')[0]?.trim()}`,
    );
    console.log('# master and backup run the same implementation; times from SIGKILL of the master');
    await failoverBench(lab, 'VRRPv2, advert_int 1', 2, 1, reps || 3);
    await failoverBench(lab, 'VRRPv3, advert_int 0.1', 3, 0.1, reps || 5);
    await jitterBench(lab, 10);
    return 0;
  } finally {
    await lab.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
