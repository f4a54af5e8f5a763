/**
 * Shared by the differential `-t` tests: whether keepalived 2.2.7 can be run, and running a
 * command inside a network namespace.
 */
import { execFile, spawnSync } from 'node:child_process';
import { constants } from 'node:os';

/** Why the differential tests cannot run here, or undefined. */
export function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and keepalived -t)';
  const k = spawnSync('keepalived', ['-v'], { encoding: 'utf8' });
  if (k.error !== undefined) return 'keepalived is not installed';
  if (!/v2\.2\.7/.test(`${k.stdout}${k.stderr}`)) return 'the reference keepalived is not 2.2.7';
  if (spawnSync('ip', ['-V']).error !== undefined) return 'iproute2 (ip) is not installed';
  return undefined;
}

export function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

/** Runs a command inside namespace `ns`; resolves with its exit status (never rejects). */
export function inNs(ns: string, cmd: string, args: string[], cwd: string): Promise<number> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', ns, cmd, ...args], { cwd, timeout: 20_000 }, (err) => {
      if (err === null) resolve(0);
      else if (typeof err.code === 'number') resolve(err.code);
      // Killed by a signal: report it as the shell does (128 + signal number), e.g. 139 for SIGSEGV.
      else if (err.signal) resolve(128 + (constants.signals[err.signal] ?? 0));
      else resolve(-1);
    });
  });
}

/** Creates namespace `ns` with lo and a veth pair vigil0/vigil1, all up (the interfaces the corpora name). */
export function makeNamespace(ns: string): void {
  ip('netns', 'add', ns);
  ip('-n', ns, 'link', 'add', 'vigil0', 'type', 'veth', 'peer', 'name', 'vigil1');
  for (const dev of ['lo', 'vigil0', 'vigil1']) ip('-n', ns, 'link', 'set', dev, 'up');
}

export function deleteNamespace(ns: string): void {
  spawnSync('ip', ['netns', 'del', ns]);
}
