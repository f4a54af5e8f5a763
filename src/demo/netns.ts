/**
 * A tiny network-namespace LAN for the demo (GUIDE.md "Test topology"): a bridge with no address and
 * one namespace per host attached by a veth whose inner end is eth0, on 192.0.2.0/24. Everything it
 * creates is removed by destroy(), which is idempotent and also usable from a signal handler.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';

export interface DemoHost {
  readonly name: string;
  readonly netns: string;
  readonly ipv4: string;
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

export async function createDemoLan(names: readonly string[]): Promise<DemoLan> {
  const prefix = `vgd${process.pid % 1000}-`;
  const bridge = `${prefix}br`;
  const hosts = new Map<string, DemoHost>();
  names.forEach((name, i) => {
    hosts.set(name, { name, netns: `${prefix}${name}`, ipv4: `192.0.2.${11 + i}` });
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
        spawnSync('ip', ['link', 'del', h.netns], { stdio: 'ignore' });
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
      await run('ip', ['link', 'add', h.netns, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.netns]);
      await run('ip', ['link', 'set', h.netns, 'addrgenmode', 'none']);
      await run('ip', ['link', 'set', h.netns, 'master', bridge]);
      await run('ip', ['link', 'set', h.netns, 'up']);
      await run('ip', ['-n', h.netns, 'link', 'set', 'lo', 'up']);
      await run('ip', ['-n', h.netns, 'addr', 'add', `${h.ipv4}/24`, 'dev', 'eth0']);
      await run('ip', ['-n', h.netns, 'link', 'set', 'eth0', 'up']);
    }
  } catch (e) {
    lan.destroy();
    throw e;
  }
  return lan;
}
