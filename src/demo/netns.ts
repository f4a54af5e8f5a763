/**
 * A tiny network-namespace LAN for the demo (GUIDE.md "Test topology"): a bridge with no address and
 * one namespace per host attached by a veth whose inner end is eth0, with the host's addresses and
 * default gateway. Everything it creates is removed by destroy(), which is idempotent and also
 * usable from a signal handler.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import type { DemoHostSpec } from './config.js';

export interface DemoHost extends DemoHostSpec {
  readonly netns: string;
  /** The veth end in the root namespace (interface names are at most 15 characters). */
  readonly veth: string;
}

export interface DemoLan {
  readonly hosts: ReadonlyMap<string, DemoHost>;
  exec(host: string, cmd: string, args: readonly string[]): Promise<string>;
  spawn(host: string, cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): ChildProcess;
  destroy(): void;
}

function run(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 15000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

/** The namespaces' name prefix for this process: `vgd<pid % 1000>-`. */
export const demoPrefix = (pid = process.pid) => `vgd${pid % 1000}-`;

export async function createDemoLan(specs: readonly DemoHostSpec[]): Promise<DemoLan> {
  const prefix = demoPrefix();
  const bridge = `${prefix}br`;
  const hosts = new Map<string, DemoHost>();
  specs.forEach((s, i) => {
    hosts.set(s.name, { ...s, netns: `${prefix}${s.name}`, veth: `${prefix}v${i}` });
  });
  const children = new Set<ChildProcess>();
  let destroyed = false;
  const host = (name: string) => {
    const h = hosts.get(name);
    if (h === undefined) throw new Error(`no demo host ${name}`);
    return h;
  };
  const lan: DemoLan = {
    hosts,
    exec: (name, cmd, args) => run('ip', ['netns', 'exec', host(name).netns, cmd, ...args]),
    spawn(name, cmd, args, env) {
      const child = spawn('ip', ['netns', 'exec', host(name).netns, cmd, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: env ?? process.env,
      });
      children.add(child);
      child.on('exit', () => children.delete(child));
      return child;
    },
    // Synchronous so that it also works from 'exit' and signal handlers.
    destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const c of children) c.kill('SIGKILL');
      for (const h of hosts.values()) {
        spawnSync('ip', ['netns', 'del', h.netns], { stdio: 'ignore' });
        spawnSync('ip', ['link', 'del', h.veth], { stdio: 'ignore' });
      }
      spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
    },
  };
  try {
    await run('ip', ['link', 'add', bridge, 'type', 'bridge', 'mcast_snooping', '0']);
    await run('ip', ['link', 'set', bridge, 'addrgenmode', 'none']);
    await run('ip', ['link', 'set', bridge, 'up']);
    for (const h of hosts.values()) {
      await run('ip', ['netns', 'add', h.netns]);
      await run('ip', ['link', 'add', h.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.netns]);
      await run('ip', ['link', 'set', h.veth, 'addrgenmode', 'none']);
      await run('ip', ['link', 'set', h.veth, 'master', bridge]);
      await run('ip', ['link', 'set', h.veth, 'up']);
      await run('ip', ['-n', h.netns, 'link', 'set', 'lo', 'up']);
      for (const a of h.addrs) await run('ip', ['-n', h.netns, 'addr', 'add', a, 'dev', 'eth0']);
      await run('ip', ['-n', h.netns, 'link', 'set', 'eth0', 'up']);
      if (h.gateway !== undefined)
        await run('ip', [
          '-n',
          h.netns,
          'route',
          'add',
          'default',
          'via',
          h.gateway,
          'dev',
          'eth0',
          'onlink',
        ]);
    }
  } catch (e) {
    lan.destroy();
    throw e;
  }
  return lan;
}
