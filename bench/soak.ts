/**
 * Checker soak (not a test): one vigil daemon health-checks SERVERS real servers with four checkers
 * each (TCP_CHECK, HTTP_GET, FILE_CHECK or MISC_CHECK, PING_CHECK) for SOAK_S seconds, and its RSS
 * and open file descriptors are sampled every SAMPLE_S seconds. Issue 9: "1,000 real servers with 4
 * checkers each for 10 minutes, with no growth in RSS or open file descriptors".
 *
 *   node dist/bench/soak.js                  (root; needs nginx)
 *   SOAK_S=120 SERVERS=200 node dist/bench/soak.js
 *
 * Environment: SERVERS (1000), SOAK_S (600), SAMPLE_S (10), WARMUP_S (120: samples before it are
 * shown but not judged), DELAY_LOOP (10 s: 4 x SERVERS / DELAY_LOOP checks a second), THIRD
 * (`file`, or `misc` for a MISC_CHECK running /bin/true, which spawns SERVERS / DELAY_LOOP
 * processes a second).
 *
 * Namespaces (the integration tests' LAN, removed at the end, also on Ctrl-C): `dir` runs vigil
 * (192.0.2.11), `srv` runs nginx on 192.0.2.12 with one listening port per real server.
 *
 * Verdict: the samples after the warm-up are split into a first and a last window (a fifth of them
 * each, at least three samples); RSS grows if the last window's mean exceeds the first's by more
 * than 10 %, descriptors if by more than 5 % + 5. The least-squares trend over all judged samples
 * is printed too.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLab, type DaemonHandle, type Lab } from '../test/integration/daemon/lab.js';
import { NGINX, nginx } from '../test/integration/e2e/helpers.js';
import { commandExists } from '../test/integration/harness/topology.js';
import {
  daemonPid,
  envNum,
  manyPortsNginxConf,
  openFds,
  rssMb,
  runBench,
  sleep,
  threadCount,
} from './lab-tools.js';
import { benchCleanup } from './leftovers.js';

const SERVERS = Math.min(envNum('SERVERS', 1000), 9999);
const SOAK_S = envNum('SOAK_S', 600);
const SAMPLE_S = envNum('SAMPLE_S', 10);
const WARMUP_S = Math.min(envNum('WARMUP_S', 120), SOAK_S / 2);
const DELAY_LOOP = envNum('DELAY_LOOP', 10);
const THIRD = process.env.THIRD === 'misc' ? 'misc' : 'file';
const RS = '192.0.2.12';
const BASE_PORT = 20000;
const PER_VS = 100;

function conf(trackFile: string): string {
  const third =
    THIRD === 'misc'
      ? ['    MISC_CHECK {', '      misc_path /bin/true', '    }']
      : ['    FILE_CHECK {', '      track_file soak', '      weight 0', '    }'];
  const lines = [
    'global_defs {',
    '  router_id soak',
    '  enable_script_security',
    '  script_user root',
    '}',
    'track_file soak {',
    `  file ${trackFile}`,
    '}',
  ];
  for (let i = 0; i < SERVERS; i += PER_VS) {
    lines.push(
      `virtual_server 198.51.100.${1 + i / PER_VS} 80 {`,
      `  delay_loop ${DELAY_LOOP}`,
      '  lb_algo rr',
      '  lb_kind NAT',
      '  protocol TCP',
    );
    for (let j = i; j < Math.min(i + PER_VS, SERVERS); j++)
      lines.push(
        `  real_server ${RS} ${BASE_PORT + j} {`,
        '    TCP_CHECK {',
        '      connect_timeout 2',
        '    }',
        '    HTTP_GET {',
        '      url {',
        '        path /',
        '        status_code 200',
        '      }',
        '      connect_timeout 2',
        '    }',
        ...third,
        '    PING_CHECK {',
        '      connect_timeout 2',
        '    }',
        '  }',
      );
    lines.push('}');
  }
  return `${lines.join('\n')}\n`;
}

interface Sample {
  readonly s: number;
  readonly rss: number;
  readonly fds: number;
  readonly threads: number;
  readonly alive: number;
  readonly failing: number;
}

async function sample(lab: Lab, d: DaemonHandle, pid: number, t0: number): Promise<Sample> {
  const rss = rssMb(pid);
  const fds = openFds(pid);
  const threads = threadCount(pid);
  let alive = 0;
  let failing = 0;
  for (const vs of (await lab.status(d)).virtualServers ?? [])
    for (const rs of vs.realServers as unknown as { alive: boolean; checkers?: { ok: boolean }[] }[]) {
      if (rs.alive) alive++;
      failing += (rs.checkers ?? []).filter((c) => !c.ok).length;
    }
  return { s: Math.round((Date.now() - t0) / 1000), rss, fds, threads, alive, failing };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Least-squares slope of y over x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const mx = mean(xs);
  const my = mean(ys);
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function verdict(samples: readonly Sample[]): string[] {
  const judged = samples.filter((x) => x.s >= WARMUP_S);
  const n = Math.max(3, Math.floor(judged.length / 5));
  if (judged.length < 2 * n) return [`too few samples after the warm-up (${judged.length}) to judge`];
  const first = judged.slice(0, n);
  const last = judged.slice(-n);
  const out: string[] = [];
  const judge = (
    what: string,
    unit: string,
    pick: (x: Sample) => number,
    grows: (a: number, b: number) => boolean,
  ) => {
    const a = mean(first.map(pick));
    const b = mean(last.map(pick));
    const trend = slope(
      judged.map((x) => x.s / 60),
      judged.map(pick),
    );
    out.push(
      `${what.padEnd(8)} first ${a.toFixed(1)} ${unit} (t ${first[0]!.s}-${first.at(-1)!.s} s), last ${b.toFixed(1)} ${unit} (t ${last[0]!.s}-${last.at(-1)!.s} s): ` +
        `${b - a >= 0 ? '+' : ''}${(b - a).toFixed(1)} ${unit} (${(((b - a) / a) * 100).toFixed(1)} %), trend ${trend >= 0 ? '+' : ''}${trend.toFixed(2)} ${unit}/min -> ${grows(a, b) ? 'GROWS' : 'no growth'}`,
    );
  };
  judge(
    'RSS',
    'MB',
    (x) => x.rss,
    (a, b) => b > a * 1.1,
  );
  judge(
    'open fds',
    'fds',
    (x) => x.fds,
    (a, b) => b > a * 1.05 + 5,
  );
  return out;
}

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    console.error('bench/soak: needs root (network namespaces)');
    return 1;
  }
  for (const cmd of ['ip', NGINX])
    if (!commandExists(cmd)) {
      console.error(`bench/soak: needs ${cmd}`);
      return 1;
    }
  const lab = await createLab(['dir', 'srv']);
  const ng = nginx(lab, 'srv');
  const cleanup = benchCleanup(lab, () => ng.stop());
  try {
    const prefix = join(lab.dir, 'nginx-srv');
    const listens = Array.from({ length: SERVERS }, (_, i) => `${RS}:${BASE_PORT + i}`);
    writeFileSync(join(prefix, 'nginx.conf'), manyPortsNginxConf(prefix, ng.htmlDir, listens, `${RS}:8080`));
    writeFileSync(ng.indexFile, 'ok\n');
    await ng.start();
    const trackFile = join(lab.dir, 'soak-track');
    writeFileSync(trackFile, '0\n');
    const checkers = [
      'TCP_CHECK',
      'HTTP_GET',
      THIRD === 'misc' ? 'MISC_CHECK /bin/true' : 'FILE_CHECK',
      'PING_CHECK',
    ];
    console.log(
      `# vigil soak: ${SERVERS} real servers x 4 checkers (${checkers.join(', ')}), delay_loop ${DELAY_LOOP} s ` +
        `(${((4 * SERVERS) / DELAY_LOOP).toFixed(0)} checks/s), ${SOAK_S} s, a sample every ${SAMPLE_S} s, warm-up ${WARMUP_S} s`,
    );
    console.log(
      `# node ${process.version}, ${(await import('node:os')).cpus().length} CPUs, load average at start ${loadavg()}`,
    );
    const d = lab.start('vigil', 'dir', conf(trackFile));
    await d.waitLog(/Activating healthchecker/, { timeoutMs: 60_000 });
    const pid = daemonPid(d);
    const t0 = Date.now();
    const samples: Sample[] = [];
    console.log('     t s   RSS MB   fds  threads  alive  failing checkers');
    for (let k = 0; ; k++) {
      // Samples on a fixed grid from t0, whatever each one costs.
      await sleep(Math.max(0, t0 + k * SAMPLE_S * 1000 - Date.now()));
      const x = await sample(lab, d, pid, t0);
      samples.push(x);
      console.log(
        `${String(x.s).padStart(8)} ${x.rss.toFixed(1).padStart(8)} ${String(x.fds).padStart(5)} ${String(x.threads).padStart(8)} ${String(x.alive).padStart(6)} ${String(x.failing).padStart(8)}${x.s < WARMUP_S ? '  (warm-up)' : ''}`,
      );
      if (x.s >= SOAK_S) break;
    }
    console.log(`# load average at the end ${loadavg()}`);
    for (const line of verdict(samples)) console.log(line);
    return 0;
  } finally {
    await cleanup();
  }
}

runBench(main);
