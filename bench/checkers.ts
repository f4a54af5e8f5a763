/**
 * Checker benchmark (not a test): one vigil daemon runs a storm of TCP_CHECKs and HTTP_GETs
 * against a real nginx, on the namespace LAN of the integration tests, while it is VRRP master.
 *
 *   node dist/bench/checkers.js          (root; needs nginx and tcpdump)
 *
 * Namespaces: `dir` (the director: vigil, 192.0.2.11), `srv` (nginx on 192.0.2.12, one listening
 * port per real server), `client` (tcpdump timestamps the adverts). Virtual servers are 198.51.100.x
 * and never carry traffic; every check stays between `dir` and `srv`.
 *
 * 1. Idle: the same VRRP instance (v3, advert_int 0.1, MASTER) with no virtual server: adverts
 *    and CPU for IDLE_S seconds.
 * 2. Storm: the instance plus TCP_SERVERS real servers with TCP_CHECK and HTTP_SERVERS with
 *    HTTP_GET, delay_loop DELAY_LOOP (defaults 1000, 200, 0.1 s: 10,000 TCP and 2,000 HTTP
 *    attempts per second). After a settling time, a WINDOW_S window: the daemon's CPU
 *    (/proc/PID/stat utime+stime), the checks nginx saw (stub_status: accepts and requests), the
 *    adverts; RSS (/proc/PID/status VmRSS) at the end.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLab, type Lab, vrrpConf } from '../test/integration/daemon/lab.js';
import { NGINX, nginx } from '../test/integration/e2e/helpers.js';
import { commandExists } from '../test/integration/harness/topology.js';
import { type AdvertCapture, captureAdverts } from './adverts.js';
import { daemonPid, envNum, manyPortsNginxConf, rssMb, runBench, sleep } from './lab-tools.js';
import { benchCleanup } from './leftovers.js';

const VIP = '192.0.2.100';
const VRID = 61;
const TCP_BASE = 20000;
const HTTP_BASE = 30000;
const STATUS_PORT = 8080;
const PER_VS = 100;

const TCP_SERVERS = Math.min(envNum('TCP_SERVERS', 1000), 9999);
const HTTP_SERVERS = Math.min(envNum('HTTP_SERVERS', 200), 9999);
const DELAY_LOOP = envNum('DELAY_LOOP', 0.1);
const IDLE_S = envNum('IDLE_S', 10);
const WINDOW_S = envNum('WINDOW_S', 20);
const SETTLE_S = envNum('SETTLE_S', 5);
/** The daemon's extra environment, `;`-separated `NAME=value` (e.g. `MALLOC_ARENA_MAX=2`). */
const DAEMON_ENV: Record<string, string> = Object.fromEntries(
  (process.env.DAEMON_ENV ?? '')
    .split(';')
    .map((kv) => kv.trim().split('='))
    .filter((kv): kv is [string, string] => kv.length === 2 && kv[0] !== ''),
);
/** Extra global_defs lines, `;`-separated (e.g. `checker_priority 0;vrrp_priority -10`). */
const GLOBAL_DEFS = (process.env.GLOBAL_DEFS ?? '')
  .split(';')
  .map((l) => l.trim())
  .filter((l) => l !== '');

// ---- the daemon's process: CPU and memory ----

const CLK_TCK = 100;

/** utime + stime of a process (all its threads), in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)": state is field 3, utime field 14, stime field 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

/** CPU seconds (all, and in the kernel) and nice value per thread (task id -> name, seconds, nice). */
function threadCpu(pid: number): Map<number, { name: string; s: number; sys: number; nice: number }> {
  const out = new Map<number, { name: string; s: number; sys: number; nice: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // nice is field 19.
      out.set(Number(tid), {
        name,
        s: (Number(f[11]) + Number(f[12])) / CLK_TCK,
        sys: Number(f[12]) / CLK_TCK,
        nice: Number(f[16]),
      });
    } catch {
      // the thread ended
    }
  }
  return out;
}

// ---- nginx: one port per real server, stub_status for counting ----

function nginxConfText(prefix: string, htmlDir: string): string {
  const listens: string[] = [];
  for (let i = 0; i < TCP_SERVERS; i++) listens.push(`192.0.2.12:${TCP_BASE + i}`);
  for (let i = 0; i < HTTP_SERVERS; i++) listens.push(`192.0.2.12:${HTTP_BASE + i}`);
  return manyPortsNginxConf(prefix, htmlDir, listens, `192.0.2.12:${STATUS_PORT}`);
}

/** nginx's accepted connections and requests so far (this query counts as one of each). */
async function stub(lab: Lab): Promise<{ accepts: number; requests: number }> {
  const r = await lab.topo.exec('srv', 'curl', [
    '-s',
    '--max-time',
    '5',
    `http://192.0.2.12:${STATUS_PORT}/st`,
  ]);
  // "Active connections: N \nserver accepts handled requests\n A H R \n..."
  const m = /\n\s*(\d+)\s+(\d+)\s+(\d+)/.exec(r.stdout);
  if (!m) throw new Error(`stub_status: ${r.stdout}`);
  return { accepts: Number(m[1]), requests: Number(m[3]) };
}

// ---- configuration ----

function conf(withChecks: boolean): string {
  const lines = [
    vrrpConf({
      state: 'MASTER',
      priority: 150,
      version: 3,
      advertInt: 0.1,
      vips: [`${VIP}/24`],
      vrid: VRID,
    }).replace('global_defs {', ['global_defs {', ...GLOBAL_DEFS.map((l) => `  ${l}`)].join('\n')),
  ];
  if (!withChecks) return lines.join('\n');
  const vs = (n: number, servers: string[]) => [
    `virtual_server 198.51.100.${n} 80 {`,
    `  delay_loop ${DELAY_LOOP}`,
    '  lb_algo rr',
    '  lb_kind NAT',
    '  protocol TCP',
    ...servers,
    '}',
  ];
  let n = 1;
  for (let i = 0; i < TCP_SERVERS; i += PER_VS) {
    const rs: string[] = [];
    for (let j = i; j < Math.min(i + PER_VS, TCP_SERVERS); j++)
      rs.push(
        `  real_server 192.0.2.12 ${TCP_BASE + j} {`,
        '    TCP_CHECK {',
        '      connect_timeout 1',
        '    }',
        '  }',
      );
    lines.push(...vs(n++, rs));
  }
  for (let i = 0; i < HTTP_SERVERS; i += PER_VS) {
    const rs: string[] = [];
    for (let j = i; j < Math.min(i + PER_VS, HTTP_SERVERS); j++)
      rs.push(
        `  real_server 192.0.2.12 ${HTTP_BASE + j} {`,
        '    HTTP_GET {',
        '      url {',
        '        path /',
        '        status_code 200',
        '      }',
        '      connect_timeout 1',
        '    }',
        '  }',
      );
    lines.push(...vs(n++, rs));
  }
  return `${lines.join('\n')}\n`;
}

// ---- adverts seen from the client ----

interface Timing {
  adverts: number;
  median: number;
  min: number;
  p99: number;
  max: number;
  meanJitter: number;
  worstDev: number;
}

function timing(stamps: readonly number[]): Timing {
  const iv = stamps.slice(1).map((t, i) => t - stamps[i]!);
  if (iv.length === 0)
    return {
      adverts: stamps.length,
      median: NaN,
      min: NaN,
      p99: NaN,
      max: NaN,
      meanJitter: NaN,
      worstDev: NaN,
    };
  const s = [...iv].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const dev = iv.map((x) => Math.abs(x - 100));
  return {
    adverts: stamps.length,
    median: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2,
    min: s[0]!,
    p99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]!,
    max: s[s.length - 1]!,
    meanJitter: dev.reduce((a, b) => a + b, 0) / dev.length,
    worstDev: Math.max(...dev),
  };
}

const fmtTiming = (t: Timing) =>
  `adverts ${String(t.adverts).padStart(4)}  interval median ${t.median.toFixed(1)} ms  min ${t.min.toFixed(1)}` +
  `  p99 ${t.p99.toFixed(1)}  max ${t.max.toFixed(1)}  mean |jitter| ${t.meanJitter.toFixed(2)} ms  worst |dev| ${t.worstDev.toFixed(1)} ms`;

// ---- phases ----

async function idlePhase(lab: Lab, adverts: AdvertCapture): Promise<{ t: Timing; cpu: number; rss: number }> {
  const d = lab.start('vigil', 'dir', conf(false), { env: DAEMON_ENV });
  try {
    await d.waitLog(/Entering MASTER STATE/);
    await sleep(1000);
    const pid = daemonPid(d);
    const c0 = cpuSeconds(pid);
    const t0 = Date.now();
    await sleep(IDLE_S * 1000);
    const t1 = Date.now();
    const c1 = cpuSeconds(pid);
    return { t: timing(adverts.between(t0, t1)), cpu: (c1 - c0) / ((t1 - t0) / 1000), rss: rssMb(pid) };
  } finally {
    await lab.stopAll();
  }
}

interface StormResult {
  t: Timing;
  cpuCores: number;
  cpuSeconds: number;
  rss: number;
  windowS: number;
  tcpPerS: number;
  httpPerS: number;
  alive: number;
  servers: number;
  oldestRunAgoMs: number;
  failures: Map<string, number>;
  threads: { tid: number; name: string; cores: number; sysCores: number; nice: number }[];
  pid: number;
}

async function stormPhase(lab: Lab, adverts: AdvertCapture): Promise<StormResult> {
  const d = lab.start('vigil', 'dir', conf(true), { env: DAEMON_ENV });
  try {
    await d.waitLog(/Entering MASTER STATE/, { timeoutMs: 30000 });
    // Let every checker start (warmup is at most delay_loop) and the rate settle.
    await sleep(SETTLE_S * 1000);
    const pid = daemonPid(d);
    const s0 = await stub(lab);
    const c0 = cpuSeconds(pid);
    const th0 = threadCpu(pid);
    const t0 = Date.now();
    await sleep(WINDOW_S * 1000);
    const t1 = Date.now();
    const c1 = cpuSeconds(pid);
    const th1 = threadCpu(pid);
    const s1 = await stub(lab);
    const rss = rssMb(pid);
    const windowS = (t1 - t0) / 1000;
    const threads = [...th1]
      .map(([tid, v]) => ({
        tid,
        name: v.name,
        nice: v.nice,
        cores: (v.s - (th0.get(tid)?.s ?? 0)) / windowS,
        sysCores: (v.sys - (th0.get(tid)?.sys ?? 0)) / windowS,
      }))
      .sort((a, b) => b.cores - a.cores)
      .slice(0, 5);
    // Each HTTP_GET is one connection and one request; a TCP_CHECK is a connection only. The
    // second stub query is one connection and one request too.
    const requests = s1.requests - s0.requests - 1;
    const conns = s1.accepts - s0.accepts - 1;
    const st = await lab.status(d);
    const now = Date.now();
    let alive = 0;
    let servers = 0;
    let oldest = 0;
    const failures = new Map<string, number>();
    for (const vs of st.virtualServers ?? [])
      for (const rs of vs.realServers as unknown as {
        alive: boolean;
        checkers?: { ok: boolean; reason: string | null; lastRunAt: string | null }[];
      }[]) {
        servers++;
        if (rs.alive) alive++;
        for (const c of rs.checkers ?? []) {
          if (c.lastRunAt !== null) oldest = Math.max(oldest, now - Date.parse(c.lastRunAt));
          else oldest = Number.POSITIVE_INFINITY;
          if (c.reason !== null) failures.set(c.reason, (failures.get(c.reason) ?? 0) + 1);
        }
      }
    return {
      t: timing(adverts.between(t0, t1)),
      cpuCores: (c1 - c0) / windowS,
      cpuSeconds: c1 - c0,
      rss,
      windowS,
      tcpPerS: (conns - requests) / windowS,
      httpPerS: requests / windowS,
      alive,
      servers,
      oldestRunAgoMs: oldest,
      failures,
      threads,
      pid,
    };
  } finally {
    await lab.stopAll();
  }
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    console.error('bench/checkers: needs root (network namespaces)');
    return 1;
  }
  for (const cmd of ['ip', 'tcpdump', 'curl', NGINX]) {
    if (!commandExists(cmd)) {
      console.error(`bench/checkers: needs ${cmd}`);
      return 1;
    }
  }
  const lab = await createLab(['dir', 'srv', 'client']);
  const ng = nginx(lab, 'srv');
  const cleanup = benchCleanup(lab, () => ng.stop());
  try {
    // The director opens ~12,000 connections a second: a wide port range (this namespace only).
    await lab.topo.exec('dir', 'sysctl', ['-qw', 'net.ipv4.ip_local_port_range=1024 65000']);
    const prefix = join(lab.dir, 'nginx-srv');
    writeFileSync(join(prefix, 'nginx.conf'), nginxConfText(prefix, ng.htmlDir));
    writeFileSync(ng.indexFile, 'ok\n');
    await ng.start();
    const adverts = await captureAdverts(lab, VRID);
    try {
      const wantTcp = TCP_SERVERS / DELAY_LOOP;
      const wantHttp = HTTP_SERVERS / DELAY_LOOP;
      console.log(
        `# vigil checker storm: ${TCP_SERVERS} TCP_CHECK + ${HTTP_SERVERS} HTTP_GET real servers, delay_loop ${DELAY_LOOP} s` +
          ` (wanted ${wantTcp.toFixed(0)} TCP/s + ${wantHttp.toFixed(0)} HTTP/s), nginx in its own namespace`,
      );
      console.log(
        `# node ${process.version}, ${(await import('node:os')).cpus().length} CPUs, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}` +
          (GLOBAL_DEFS.length > 0 ? `, global_defs + ${GLOBAL_DEFS.join('; ')}` : '') +
          (process.env.DAEMON_ENV ? `, env ${process.env.DAEMON_ENV}` : ''),
      );
      const idle = await idlePhase(lab, adverts);
      const storm = await stormPhase(lab, adverts);
      const checksPerS = storm.tcpPerS + storm.httpPerS;
      console.log(`\n## checks achieved over ${storm.windowS.toFixed(1)} s (counted by nginx stub_status)`);
      console.log(
        `TCP_CHECK ${storm.tcpPerS.toFixed(0).padStart(6)}/s  (${((100 * storm.tcpPerS) / wantTcp).toFixed(0)}% of ${wantTcp.toFixed(0)})`,
      );
      console.log(
        `HTTP_GET  ${storm.httpPerS.toFixed(0).padStart(6)}/s  (${((100 * storm.httpPerS) / wantHttp).toFixed(0)}% of ${wantHttp.toFixed(0)})`,
      );
      console.log(
        `real servers alive ${storm.alive}/${storm.servers}; oldest last attempt ${storm.oldestRunAgoMs.toFixed(0)} ms ago` +
          (storm.failures.size > 0
            ? `; last failures: ${[...storm.failures].map(([r, n]) => `${n}× ${r}`).join(', ')}`
            : ''),
      );
      console.log('\n## daemon process (all threads)');
      console.log(
        `idle (VRRP only)  CPU ${(idle.cpu * 100).toFixed(1).padStart(5)}% of a core   RSS ${idle.rss.toFixed(0)} MB`,
      );
      console.log(
        `storm             CPU ${(storm.cpuCores * 100).toFixed(1).padStart(5)}% of a core   RSS ${storm.rss.toFixed(0)} MB` +
          `   CPU per 1,000 checks ${(((1000 * storm.cpuSeconds) / (checksPerS * storm.windowS)) * 1000).toFixed(1)} ms`,
      );
      console.log(
        `busiest threads: ${storm.threads.map((t) => `${t.tid === storm.pid ? 'main thread' : t.name}[${t.tid}] ${(t.cores * 100).toFixed(1)}% (sys ${(t.sysCores * 100).toFixed(1)}%) nice ${t.nice}`).join(', ')}`,
      );
      console.log(
        `goal: under 50% of a core (${storm.cpuCores < 0.5 ? 'met' : 'NOT met'}), RSS under 100 MB (${storm.rss < 100 ? 'met' : 'NOT met'})`,
      );
      console.log('\n## advert timing, VRRPv3 advert_int 0.1 (100 ms), seen from the client');
      console.log(`idle (no checkers, ${IDLE_S} s)      ${fmtTiming(idle.t)}`);
      console.log(`during the storm (${storm.windowS.toFixed(0)} s)       ${fmtTiming(storm.t)}`);
      console.log(
        `goal: no advert moved by more than 5 ms during the storm (${storm.t.worstDev <= 5 ? 'met' : 'NOT met'})`,
      );
      console.log('\n## summary: goal | measured');
      const rows: [string, string, string][] = [
        ['checks/s (TCP + HTTP)', `${(wantTcp + wantHttp).toFixed(0)}`, checksPerS.toFixed(0)],
        ['CPU, fraction of a core', '< 0.50', storm.cpuCores.toFixed(2)],
        [
          'CPU per 1,000 checks',
          '< 41.7 ms',
          `${((1e6 * storm.cpuSeconds) / (checksPerS * storm.windowS)).toFixed(1)} ms`,
        ],
        ['RSS', '< 100 MB', `${storm.rss.toFixed(0)} MB`],
        ['worst advert deviation, storm', '<= 5 ms', `${storm.t.worstDev.toFixed(1)} ms`],
        ['worst advert deviation, idle', '', `${idle.t.worstDev.toFixed(1)} ms`],
        ['median interval storm/idle', '1.00', (storm.t.median / idle.t.median).toFixed(3)],
      ];
      for (const [what, goal, got] of rows) console.log(`${what.padEnd(32)} ${goal.padEnd(10)} | ${got}`);
      return 0;
    } finally {
      adverts.stop();
    }
  } finally {
    await cleanup();
  }
}

runBench(main);
