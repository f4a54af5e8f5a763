/**
 * keepalived 2.2.7's VRRP daemon and vigil's started on the same config, each in a network
 * namespace of its own with the same interfaces, so that neither hears the other: what each does
 * with the config alone (keeps running or stops, and the state of every instance) can be compared.
 * Used by the drop-in tests. Every namespace and process it makes is removed by cleanup(), which
 * the test calls from `after`, even when it fails.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../harness/topology.js';
import { VIGIL } from './lab.js';

/** An interface of the test host: a veth whose peer (`NAMEp`) stays in the same namespace. */
export interface HostInterface {
  readonly name: string;
  readonly v4?: string;
  readonly v6?: string;
}

export interface Side {
  readonly ns: string;
  readonly child: ChildProcess;
  readonly pidFile: string;
  log: string;
  /** undefined while running; the exit status (null when killed by a signal) after. */
  exit: number | null | undefined;
}

export function run(cmd: string, args: readonly string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 10_000 }, (err, stdout) =>
      resolve({
        code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1,
        stdout: String(stdout),
      }),
    );
  });
}

/** Each instance's last state in keepalived's log ("(VI_1) Entering MASTER STATE"). */
export function keepalivedStates(log: string): Map<string, string> {
  const out = new Map<string, string>();
  // "(VI_1) Entering MASTER STATE", and the FAULT that keepalived only announces as
  // "(VI_1) Cannot use unicast without any peers - going to fault state".
  const re = /\((\S+?)\):? (?:[Ee]nter(?:ing)? (\w+) [Ss][Tt][Aa][Tt][Ee]|.*going to (fault) state)/g;
  for (const m of log.matchAll(re)) out.set(m[1]!, (m[2] ?? m[3]!).toUpperCase());
  return out;
}

/**
 * keepalived's VRRP process died while its parent kept running ("VRRP child process(N) died:
 * Respawning"). The parent restarts it with a growing delay, so keepalived "runs" without running
 * VRRP: e.g. 2.2.7 with `lvs_sync_daemon IF INSTANCE` on a kernel without IPVS, where start_vrrp's
 * failed ipvs_start() calls stop_vrrp(), whose vrrp_shutdown() reads lvs_syncd.vrrp before
 * vrrp_complete_init() has set it (SIGSEGV), on every restart.
 */
export function keepalivedVrrpDied(log: string): boolean {
  return /VRRP child process\(\d+\) died/.test(log);
}

/**
 * keepalived's parent found nothing to run and stops ("Warning - keepalived has no configuration to
 * run"): it parses with only its top-level keywords active and skips the other blocks by counting
 * braces, so a stray `{` line inside e.g. a track_file block swallows every later block there,
 * while its VRRP child (and -t) read the same config with the instances in it. The process may
 * still be exiting when the observation window ends.
 */
export function keepalivedRunsNothing(log: string): boolean {
  return /keepalived has no configuration to run/.test(log);
}

/** Each instance's state as `vigil status` gives it. */
export async function vigilStates(pidFile: string): Promise<Map<string, string>> {
  const r = await run(VIGIL, ['status', '--json', '-p', pidFile]);
  if (r.code !== 0) throw new Error(`vigil status exited ${r.code}`);
  const s = JSON.parse(r.stdout) as { instances: { name: string; state: string }[] };
  return new Map(s.instances.map((i) => [i.name, i.state]));
}

export const showStates = (m: Map<string, string>): string => JSON.stringify([...m].sort());

export class SideBySide {
  readonly dir = mkdtempSync(join(tmpdir(), 'vigil-sbs-'));
  private readonly namespaces = new Set<string>();
  private readonly children = new Set<ChildProcess>();

  async makeHost(ns: string, interfaces: readonly HostInterface[]): Promise<void> {
    await run('ip', ['netns', 'add', ns]);
    this.namespaces.add(ns);
    const inNs = (...args: string[]) => run('ip', ['-n', ns, ...args]);
    await inNs('link', 'set', 'lo', 'up');
    for (const i of interfaces) {
      await inNs('link', 'add', i.name, 'type', 'veth', 'peer', 'name', `${i.name}p`);
      await inNs('link', 'set', i.name, 'up');
      await inNs('link', 'set', `${i.name}p`, 'up');
      if (i.v4) await inNs('addr', 'add', i.v4, 'dev', i.name);
      if (i.v6) await inNs('addr', 'add', i.v6, 'dev', i.name, 'nodad');
    }
  }

  deleteHost(ns: string): void {
    spawnSync('ip', ['netns', 'del', ns]);
    this.namespaces.delete(ns);
  }

  /** keepalived runs only its VRRP process (its checker cannot start on a kernel without IPVS). */
  start(ns: string, impl: 'keepalived' | 'vigil', confFile: string): Side {
    const pidFile = join(this.dir, `${ns}.pid`);
    const args =
      impl === 'keepalived'
        ? ['keepalived', '-n', '-l', '-D', '--vrrp', '-f', confFile, '-p', pidFile, '-r', `${pidFile}.vrrp`]
        : [VIGIL, '-n', '-l', '-f', confFile, '-p', pidFile];
    const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(child);
    const side: Side = { ns, child, pidFile, log: '', exit: undefined };
    const onData = (d: Buffer) => {
      side.log += d.toString();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      side.exit = code;
      this.children.delete(child);
    });
    return side;
  }

  /**
   * Writes `conf`, makes a host for each daemon (`NAMEk`, `NAMEv`) and starts keepalived and vigil
   * on it at once; `close()` stops both and removes the hosts.
   */
  async startPair(
    name: string,
    conf: string,
    interfaces: readonly HostInterface[],
  ): Promise<{ k: Side; v: Side; nsK: string; nsV: string; close(): Promise<void> }> {
    const confFile = join(this.dir, `${name}.conf`);
    writeFileSync(confFile, conf);
    const nsK = `${name}k`;
    const nsV = `${name}v`;
    await Promise.all([this.makeHost(nsK, interfaces), this.makeHost(nsV, interfaces)]);
    const k = this.start(nsK, 'keepalived', confFile);
    const v = this.start(nsV, 'vigil', confFile);
    return {
      k,
      v,
      nsK,
      nsV,
      close: async () => {
        await Promise.all([this.stop(k), this.stop(v)]);
        this.deleteHost(nsK);
        this.deleteHost(nsV);
      },
    };
  }

  /** SIGTERM, then SIGKILL when it has not stopped within 8 s. */
  async stop(s: Side): Promise<void> {
    if (s.exit !== undefined) return;
    s.child.kill('SIGTERM');
    await waitFor(() => s.exit !== undefined, { timeoutMs: 8000, message: `${s.ns} stops` }).catch(() =>
      s.child.kill('SIGKILL'),
    );
  }

  /** Polls until vigil's instances are in keepalived's states (both may still be moving). */
  sameStates(k: Side, v: Side, what: string, timeoutMs = 8000): Promise<true> {
    return waitFor(
      async () => {
        const want = keepalivedStates(k.log);
        const got = await vigilStates(v.pidFile);
        if (want.size === 0 || showStates(want) !== showStates(got))
          throw new Error(`keepalived ${showStates(want)}, vigil ${showStates(got)}`);
        return true as const;
      },
      { timeoutMs, intervalMs: 200, message: `${what}: vigil's states equal keepalived's` },
    );
  }

  cleanup(): void {
    for (const c of this.children) c.kill('SIGKILL');
    for (const ns of this.namespaces) spawnSync('ip', ['netns', 'del', ns]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
