/**
 * HTTP API benchmark (not a test). Goals (issue 11): a /metrics scrape under 5 ms with 100 VRRP
 * instances and 1,000 real servers; events on the dashboard within 500 ms.
 *
 *   node dist/bench/http.js          (root for parts 2 and 3; SCRAPES=n, FLIPS=n override the counts)
 *
 * 1. Render cost, synthetic snapshot (test/status-fixtures.ts: 100 instances, 1,000 real servers
 *    with LVS counters): vigil's writer (src/http/metrics.ts) against the same families through
 *    prom-client's Gauge/Counter API, side by side in this run; then the whole text vigil serves
 *    (snapshot + prom-client's process metrics).
 * 2. A real daemon in a namespace with the same shape (100 instances, 100 virtual servers of 10 real
 *    servers, nftables data plane): GET /metrics every 100 ms from a client in the namespace. This
 *    includes the status round trips to the VRRP and checker threads and the `nft` counter read.
 * 3. Event to page: the dashboard in headless Chromium (in the namespace); a track_file flips one
 *    VRRPv3 instance (advert_int 0.1) into FAULT and back, FLIPS times; for each transition event,
 *    the page's time of showing it minus the daemon's time of publishing it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { Counter, Gauge, Registry } from 'prom-client';
import { DaemonMetrics, snapshotMetrics } from '../src/http/metrics.js';
import { createLab, type Lab } from '../test/integration/daemon/lab.js';
import { integrationSkipReason, waitFor } from '../test/integration/harness/topology.js';
import { chromiumSkip, launchChromiumIn } from '../test/integration/http/chromium.js';
import { syntheticSnapshot } from '../test/status-fixtures.js';

const SCRAPES = Number(process.env.SCRAPES ?? 50);
const FLIPS = Number(process.env.FLIPS ?? 10);
const PORT = 9100;

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `median ${q(0.5).toFixed(2)} ms, p90 ${q(0.9).toFixed(2)} ms, max ${s[s.length - 1]!.toFixed(2)} ms (n=${s.length})`;
}

/** Wall times of n calls (after 20 to warm up), and the CPU time per call (less moved by other load). */
/** utime + stime + cutime + cstime of a process, in ms (USER_HZ 100). */
function daemonCpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 10;
}

async function time(n: number, fn: () => unknown): Promise<string> {
  for (let i = 0; i < 20; i++) await fn();
  const out: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  return `${stats(out)}; CPU ${((cpu.user + cpu.system) / 1000 / n).toFixed(2)} ms per call`;
}

/** The snapshot's families through prom-client's own metric classes (the baseline for part 1). */
function promClientRenderer(): (snap: ReturnType<typeof syntheticSnapshot>) => Promise<string> {
  const registry = new Registry();
  const g = (name: string, labelNames: string[]) =>
    new Gauge({ name, help: name, labelNames, registers: [registry] });
  const c = (name: string, labelNames: string[]) =>
    new Counter({ name, help: name, labelNames, registers: [registry] });
  const state = g('vigil_vrrp_instance_state', ['instance', 'state']);
  const prio = g('vigil_vrrp_effective_priority', ['instance']);
  const base = g('vigil_vrrp_base_priority', ['instance']);
  const sent = c('vigil_vrrp_adverts_sent_total', ['instance']);
  const recv = c('vigil_vrrp_adverts_received_total', ['instance']);
  const quorum = g('vigil_virtual_server_quorum_up', ['virtual_server']);
  const up = g('vigil_real_server_up', ['virtual_server', 'real_server']);
  const weight = g('vigil_real_server_weight', ['virtual_server', 'real_server']);
  const conns = c('vigil_lvs_connections_total', ['service', 'real_server']);
  const packets = c('vigil_lvs_packets_total', ['service', 'real_server', 'direction']);
  const bytes = c('vigil_lvs_bytes_total', ['service', 'real_server', 'direction']);
  return async (snap) => {
    registry.resetMetrics();
    for (const i of snap.instances) {
      for (const s of ['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP'])
        state.set({ instance: i.name, state: s }, i.state === s ? 1 : 0);
      prio.set({ instance: i.name }, i.effectivePriority);
      base.set({ instance: i.name }, i.basePriority);
      sent.inc({ instance: i.name }, i.counters.advertsSent ?? 0);
      recv.inc({ instance: i.name }, i.counters.advertsReceived ?? 0);
    }
    for (const vs of snap.virtualServers) {
      quorum.set({ virtual_server: vs.name }, vs.quorumUp ? 1 : 0);
      for (const rs of vs.realServers) {
        const l = { virtual_server: vs.name, real_server: `${rs.address}:${rs.port}` };
        up.set(l, rs.alive ? 1 : 0);
        weight.set(l, rs.effectiveWeight);
      }
    }
    for (const [service, st] of Object.entries(snap.lvs?.stats ?? {}))
      for (const [real_server, d] of Object.entries(st.dests)) {
        conns.inc({ service, real_server }, d.conns);
        for (const [direction, p, b] of [
          ['in', d.inPkts, d.inBytes],
          ['out', d.outPkts, d.outBytes],
        ] as const) {
          packets.inc({ service, real_server, direction }, p ?? 0);
          bytes.inc({ service, real_server, direction }, b ?? 0);
        }
      }
    return registry.metrics();
  };
}

async function renderCost(): Promise<void> {
  const snap = syntheticSnapshot(100, 1000);
  const viaPromClient = promClientRenderer();
  const daemon = new DaemonMetrics();
  const writer = snapshotMetrics(snap);
  console.log(
    '## 1. render cost, synthetic snapshot: 100 instances, 1,000 real servers (LVS counters for each)',
  );
  console.log(
    `vigil writer (snapshot families, ${writer.split('\n').length - 1} lines, ${writer.length} bytes): ${await time(200, () => snapshotMetrics(snap))}`,
  );
  console.log(
    `same families through prom-client Gauge/Counter: ${await time(200, () => viaPromClient(snap))}`,
  );
  const whole = await daemon.render(snap);
  console.log(
    `whole /metrics body between two LVS reads (their text reused) + prom-client process metrics (${whole.length} bytes): ${await time(200, () => daemon.render(snap))}`,
  );
}

/** 100 instances (VI_0: VRRPv3 advert_int 0.1 with a track_file), 100 virtual servers of 10. */
function bigConf(trackFile: string): string {
  const out = [
    'global_defs {\n  router_id bench\n  enable_script_security\n  script_user root\n}',
    `track_file flip {\n  file "${trackFile}"\n  weight 0\n}`,
  ];
  for (let i = 0; i < 100; i++) {
    out.push(`vrrp_instance VI_${i} {
  interface eth0
  virtual_router_id ${i + 1}
  priority 100
  ${i === 0 ? 'version 3\n  advert_int 0.1\n  track_file {\n    flip\n  }' : 'advert_int 1'}
  virtual_ipaddress {
    198.51.100.${i + 1}/32
  }
}`);
  }
  for (let v = 0; v < 100; v++) {
    const rs = Array.from(
      { length: 10 },
      (_, r) => `  real_server 198.51.100.${101 + r} ${8000 + v} {\n    weight 1\n  }`,
    ).join('\n');
    out.push(
      `virtual_server 192.0.2.200 ${1000 + v} {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n${rs}\n}`,
    );
  }
  return `${out.join('\n')}\n`;
}

async function realDaemon(lab: Lab): Promise<void> {
  const flag = join(lab.dir, 'flip');
  writeFileSync(flag, '0\n');
  const d = lab.start('vigil', 'n1', bigConf(flag), {
    args: ['--http', `127.0.0.1:${PORT}`, '--lvs-driver=nftables'],
  });
  await d.waitLog(/HTTP API on/);
  // Every instance MASTER (alone on the LAN), every real server in the table.
  await waitFor(
    async () => {
      const s = await lab.status(d);
      return s.instances.every((i) => i.state === 'MASTER') && s.virtualServers?.length === 100;
    },
    { timeoutMs: 30_000, intervalMs: 500, message: 'all instances MASTER' },
  );
  const script = `
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const get = (path) => new Promise((res, rej) => {
  const t0 = performance.now();
  http.get({ host: '127.0.0.1', port: ${PORT}, path, agent }, (r) => {
    let n = 0; r.on('data', (c) => { n += c.length; }); r.on('end', () => res([performance.now() - t0, n]));
  }).on('error', rej);
});
const path = process.argv[1];
// 100 ms apart: past the API's 50 ms status sharing, so each request costs the threads a status.
const pause = () => new Promise((r) => setTimeout(r, 100));
(async () => { const out = []; for (let i = 0; i < ${SCRAPES + 5}; i++) { out.push(await get(path)); await pause(); } console.log(JSON.stringify(out.slice(5))); agent.destroy(); })();`;
  const pid = d.child.pid!;
  /** A run of GETs of `path`, and the daemon's CPU (all threads and waited children such as nft) meanwhile. */
  const measure = async (path: string) => {
    const c0 = daemonCpuMs(pid);
    const t0 = performance.now();
    const r = await lab.topo.exec('n1', process.execPath, ['-e', script, path], { timeoutMs: 120_000 });
    return {
      samples: JSON.parse(r.stdout) as [number, number][],
      cpuMs: daemonCpuMs(pid) - c0,
      wallMs: performance.now() - t0,
    };
  };
  const idle0 = daemonCpuMs(pid);
  const idleT0 = performance.now();
  await new Promise((r) => setTimeout(r, 3000)); // a measured idle window, not a wait for a condition
  const idlePerMs = (daemonCpuMs(pid) - idle0) / (performance.now() - idleT0);
  const perCall = (m: { cpuMs: number; wallMs: number; samples: unknown[] }) =>
    ((m.cpuMs - idlePerMs * m.wallMs) / m.samples.length).toFixed(2);
  const scrapes = await measure('/metrics');
  const statuses = await measure('/api/v1/status');
  console.log(
    '\n## 2. real daemon: 100 instances, 100 virtual servers x 10 real servers, nftables data plane',
  );
  console.log(
    `GET /metrics over keep-alive from the namespace, 100 ms apart (${scrapes.samples[0]![1]} bytes): ${stats(scrapes.samples.map((s) => s[0]))}; daemon CPU ${perCall(scrapes)} ms per scrape above idle (nft included)`,
  );
  console.log(
    `GET /api/v1/status: the same round trips to both threads, without the LVS counters and the render (${statuses.samples[0]![1]} bytes): ${stats(statuses.samples.map((s) => s[0]))}; daemon CPU ${perCall(statuses)} ms per call`,
  );
  const t0 = performance.now();
  for (let i = 0; i < 10; i++) await lab.topo.exec('n1', 'nft', ['-j', 'list', 'counters']);
  console.log(
    `\`nft -j list counters\` alone (what the nftables driver runs for its counters): ${((performance.now() - t0) / 10).toFixed(1)} ms each`,
  );

  console.log(
    `\n## 3. event to page: dashboard in headless Chromium, ${FLIPS} FAULT/BACKUP/MASTER cycles of VI_0`,
  );
  let browser: Browser | undefined;
  try {
    browser = await launchChromiumIn(lab.dir, lab.topo.host('n1').netns);
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${PORT}/`);
    await page.locator('#conn', { hasText: 'live' }).waitFor({ timeout: 10_000 });
    await page.evaluate(`(() => {
      window.shown = {};
      new MutationObserver((ms) => { const t = Date.now(); for (const m of ms) for (const n of m.addedNodes)
        if (n.dataset && n.dataset.id && !(n.dataset.id in window.shown)) window.shown[n.dataset.id] = { t, at: n.dataset.at, kind: n.dataset.kind };
      }).observe(document.getElementById('timeline'), { childList: true });
    })()`);
    for (let i = 0; i < FLIPS; i++) {
      let from = d.log().length;
      writeFileSync(flag, '1\n');
      await d.waitLog(/\(VI_0\) Entering FAULT STATE/, { from });
      from = d.log().length;
      writeFileSync(flag, '0\n');
      await d.waitLog(/\(VI_0\) Entering MASTER STATE/, { from, timeoutMs: 5000 });
    }
    const shown = await waitFor(
      async () => {
        const s = (await page.evaluate('window.shown')) as Record<
          string,
          { t: number; at: string; kind: string }
        >;
        const v = Object.values(s).filter((e) => e.kind === 'vrrp-transition');
        return v.length >= FLIPS * 3 ? v : undefined;
      },
      { timeoutMs: 10_000, message: 'every transition on the page' },
    );
    console.log(
      `VRRP transition events, daemon publish -> page shows: ${stats(shown.map((e) => e.t - Date.parse(e.at)))}`,
    );
  } finally {
    await browser?.close();
  }
}

async function main(): Promise<void> {
  console.log(
    `# vigil HTTP API benchmark; node ${process.version}, ${execFileSync('nproc').toString().trim()} CPUs`,
  );
  await renderCost();
  const skip = integrationSkipReason() || (await chromiumSkip());
  if (skip) {
    console.log(`\nparts 2 and 3 skipped: ${skip}`);
    return;
  }
  const lab = await createLab(['n1']);
  try {
    await realDaemon(lab);
  } finally {
    await lab.stopAll();
    await lab.destroy();
  }
}

await main();
