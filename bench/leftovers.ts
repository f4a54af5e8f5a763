/**
 * The end of a benchmark lab, normal or on Ctrl-C: its own servers stopped first, then whatever
 * still runs inside its namespaces killed (on Ctrl-C nginx workers were seen to outlive their
 * master; every such process was started by the benchmark), then the lab destroyed. Shared by the
 * benchmarks that run servers in namespaces.
 */
import { execFileSync } from 'node:child_process';
import type { Lab } from '../test/integration/daemon/lab.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
 * Installs the SIGINT/SIGTERM handlers (replacing the topology's, which SIGKILLs an nginx master at
 * once and orphans its workers) and returns the idempotent cleanup for the normal end.
 */
export function benchCleanup(lab: Lab, stopServers: () => Promise<unknown>): () => Promise<void> {
  let cleaning: Promise<void> | undefined;
  const cleanup = () => {
    cleaning ??= stopServers()
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
