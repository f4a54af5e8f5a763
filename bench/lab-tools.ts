/**
 * What the namespace benchmarks share (not tests): the daemon's process as /proc shows it and an
 * nginx listening on many ports for real servers (the clean-up of a run is bench/leftovers.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { DaemonHandle } from '../test/integration/daemon/lab.js';
import { nginxConf } from '../test/integration/e2e/helpers.js';

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
    16384,
    2,
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
