/**
 * What the namespace benchmarks share (not tests): the daemon's process as /proc shows it, an nginx
 * listening on many ports for real servers, and the clean-up of a run's namespaces.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { DaemonHandle, Lab } from '../test/integration/daemon/lab.js';
import { type Nginx, nginxConf } from '../test/integration/e2e/helpers.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A positive number from the environment, else `dflt`. */
export const envNum = (name: string, dflt: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};

/** Resident set size of a process, in MB (/proc/PID/status VmRSS). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Open file descriptors of a process (/proc/PID/fd). */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Threads of a process (/proc/PID/status Threads). */
export function threadCount(pid: number): number {
  const m = /Threads:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

/** The daemon's node process: its pid file, else the spawned child. */
export function daemonPid(d: DaemonHandle): number {
  try {
    const p = Number.parseInt(readFileSync(d.pidFile, 'utf8'), 10);
    if (p > 0) return p;
  } catch {
    // no pid file yet
  }
  // `ip netns exec`, env(1) and bin/vigil all exec: the child is the node process.
  return d.child.pid ?? 0;
}

/**
 * An nginx.conf serving `htmlDir` on every one of `listens` (`ADDR:PORT`) plus port 80, with
 * stub_status on `statusListen` at /st; sized for thousands of connections.
 */
export function manyPortsNginxConf(
  prefix: string,
  htmlDir: string,
  listens: readonly string[],
  statusListen: string,
): string {
  return nginxConf(
    prefix,
    ['listen 0.0.0.0:80;', ...listens.map((l) => `listen ${l};`), `root ${htmlDir};`, 'index index.html;'],
    [`server { listen ${statusListen}; location /st { stub_status; } }`],
    { workers: 2, connections: 16384, files: 65536 },
  );
}

/** Runs a benchmark's main and exits with its code (1 on an exception). */
export function runBench(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}

/**
 * Whatever still runs inside this run's namespaces (on Ctrl-C during a storm, nginx workers were
 * seen to outlive their master): every such process was started by the benchmark.
 */
export async function killLeftovers(lab: Lab): Promise<void> {
  // Bounded: a parent may start a child between two kills, so look again until none is left.
  for (let round = 0; round < 20; round++) {
    let left = 0;
    for (const h of lab.topo.hosts.values()) {
      let out = '';
      try {
        out = execFileSync('ip', ['netns', 'pids', h.netns], { encoding: 'utf8' });
      } catch {
        // no such namespace (any more)
      }
      for (const pid of out
        .split(/\s+/)
        .filter((x) => /^\d+$/.test(x))
        .map(Number)) {
        if (pid === process.pid) continue;
        left++;
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    if (left === 0) return;
    await sleep(100);
  }
}

/**
 * The run's clean-up (nginx first, then leftovers, then the lab), once, also on Ctrl-C: the
 * topology's own signal handler SIGKILLs the nginx master at once, which orphans its workers.
 */
export function labCleanup(lab: Lab, ng: Nginx): () => Promise<void> {
  let cleaning: Promise<void> | undefined;
  const cleanup = () => {
    cleaning ??= ng
      .stop()
      .catch(() => undefined)
      .then(() => killLeftovers(lab))
      .then(() => lab.destroy());
    return cleaning;
  };
  const stop = () => void cleanup().then(() => process.exit(130));
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return cleanup;
}
