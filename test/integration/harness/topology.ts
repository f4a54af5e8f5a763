/**
 * Network-namespace test topology (GUIDE.md "Test topology"): a bridge with no address in the root
 * namespace and one namespace per host, each attached by a veth whose inner end is `eth0`, with
 * addresses from 192.0.2.0/24 and 2001:db8::/64 (DAD disabled, so addresses work at once).
 *
 * Every name carries a per-run prefix (`vg<pid%10000><n>-`) so parallel runs never clash. destroy()
 * removes every process, namespace and link; call it from node:test `after`. A process 'exit' hook
 * cleans up whatever a crashed test left behind.
 */
import { type ChildProcess, execFile, spawn as spawnChild, spawnSync } from 'node:child_process';

export interface HostSpec {
  /** Short name (<= 6 characters): the namespace is `<prefix><name>`. */
  readonly name: string;
  /** IPv4 address on eth0 (/24); default 192.0.2.(11 + index). */
  readonly ipv4?: string;
  /** IPv6 address on eth0 (/64); default 2001:db8::(11 + index) in hex-free decimal digits. */
  readonly ipv6?: string;
}

export interface TopologyHost {
  readonly name: string;
  /** Network namespace name. */
  readonly netns: string;
  /** Interface name inside the namespace. */
  readonly ifname: string;
  /** The veth end in the root namespace, enslaved to the bridge (tcpdump can listen here too). */
  readonly rootIfname: string;
  readonly ipv4: string;
  readonly ipv6: string;
}

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

export interface ExecOptions {
  /** Resolve instead of rejecting when the command exits non-zero. */
  readonly allowFail?: boolean;
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export interface Topology {
  readonly prefix: string;
  readonly bridge: string;
  readonly hosts: ReadonlyMap<string, TopologyHost>;
  host(name: string): TopologyHost;
  /** Runs `cmd args` inside the host's namespace; rejects on a non-zero exit unless allowFail. */
  exec(host: string, cmd: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Starts a long-running process inside the namespace; it is killed by destroy(). */
  spawn(host: string, cmd: string, args: readonly string[]): ChildProcess;
  /** Kills tracked processes and removes namespaces, veths and the bridge. Idempotent. */
  destroy(): Promise<void>;
}

/** Why integration tests cannot run here, or undefined when they can. */
export function integrationSkipReason(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    return 'needs root (network namespaces)';
  if (!commandExists('ip')) return "needs iproute2's `ip`";
  return undefined;
}

export function commandExists(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Polls `fn` until it returns a truthy value (returned) or the deadline passes (throws). */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  opts: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 5000);
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const why = lastError ? `: ${(lastError as Error).message}` : '';
      throw new Error(
        `waitFor timed out after ${opts.timeoutMs ?? 5000} ms: ${opts.message ?? 'condition'}${why}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 20));
  }
}

function run(cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { timeout: opts.timeoutMs ?? 20000, env: opts.env ?? process.env, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        const result = { stdout: String(stdout), stderr: String(stderr), code };
        if (code !== 0 && !opts.allowFail)
          reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${String(stderr).trim()}`));
        else resolve(result);
      },
    );
  });
}

const ip = (...args: string[]) => run('ip', args);

// Everything created by any topology of this process, for the exit safety net.
const liveNamespaces = new Set<string>();
const liveLinks = new Set<string>();
const liveProcesses = new Set<ChildProcess>();
let exitHookInstalled = false;
let topologyCounter = 0;

function cleanupEverythingSync(): void {
  for (const p of liveProcesses) p.kill('SIGKILL');
  for (const ns of liveNamespaces) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  for (const l of liveLinks) spawnSync('ip', ['link', 'del', l], { stdio: 'ignore' });
  liveProcesses.clear();
  liveNamespaces.clear();
  liveLinks.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', cleanupEverythingSync);
  // The test runner stops a timed-out file with a signal, which skips 'exit' handlers: clean up first.
  for (const [signal, number] of [
    ['SIGINT', 2],
    ['SIGTERM', 15],
    ['SIGHUP', 1],
  ] as const) {
    process.once(signal, () => {
      cleanupEverythingSync();
      process.exit(128 + number);
    });
  }
}

export async function createTopology(opts: {
  prefix?: string;
  hosts: readonly (string | HostSpec)[];
}): Promise<Topology> {
  installExitHook();
  const prefix = opts.prefix ?? `vg${process.pid % 10000}${(topologyCounter++).toString(36)}-`;
  const bridge = `${prefix}br`;
  const specs = opts.hosts.map((h) => (typeof h === 'string' ? { name: h } : h));
  const hosts = new Map<string, TopologyHost>();
  specs.forEach((s, i) => {
    const netns = `${prefix}${s.name}`;
    if (netns.length > 15) throw new Error(`interface name '${netns}' longer than 15 characters`);
    if (hosts.has(s.name)) throw new Error(`duplicate host '${s.name}'`);
    hosts.set(s.name, {
      name: s.name,
      netns,
      ifname: 'eth0',
      rootIfname: netns,
      ipv4: s.ipv4 ?? `192.0.2.${11 + i}`,
      ipv6: s.ipv6 ?? `2001:db8::${11 + i}`,
    });
  });
  if (bridge.length > 15) throw new Error(`bridge name '${bridge}' longer than 15 characters`);

  const processes = new Set<ChildProcess>();
  let destroyed = false;

  const topo: Topology = {
    prefix,
    bridge,
    hosts,
    host(name) {
      const h = hosts.get(name);
      if (!h) throw new Error(`no host '${name}' in topology ${prefix}`);
      return h;
    },
    exec(host, cmd, args, execOpts) {
      return run('ip', ['netns', 'exec', topo.host(host).netns, cmd, ...args], execOpts);
    },
    spawn(host, cmd, args) {
      // `ip netns exec` execs the command, so the child pid is the command's pid.
      const child = spawnChild('ip', ['netns', 'exec', topo.host(host).netns, cmd, ...args], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      processes.add(child);
      liveProcesses.add(child);
      child.on('exit', () => {
        processes.delete(child);
        liveProcesses.delete(child);
      });
      return child;
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await Promise.all([...processes].map((p) => stopProcess(p)));
      for (const h of hosts.values()) {
        await run('ip', ['netns', 'del', h.netns], { allowFail: true });
        liveNamespaces.delete(h.netns);
        // Deleting the namespace destroys its veth end, which removes the root end too.
        await run('ip', ['link', 'del', h.rootIfname], { allowFail: true });
        liveLinks.delete(h.rootIfname);
      }
      await run('ip', ['link', 'del', bridge], { allowFail: true });
      liveLinks.delete(bridge);
    },
  };

  try {
    liveLinks.add(bridge);
    // No multicast snooping: VRRP multicast must reach every port without IGMP/MLD state.
    await ip('link', 'add', bridge, 'type', 'bridge', 'mcast_snooping', '0');
    await ip('link', 'set', bridge, 'addrgenmode', 'none'); // no IPv6 link-local: the bridge has no address
    await ip('link', 'set', bridge, 'up');
    for (const h of hosts.values()) {
      liveNamespaces.add(h.netns);
      await ip('netns', 'add', h.netns);
      // DAD off before the interface appears, so IPv6 addresses (and fe80::) are usable at once.
      await topo.exec(h.name, 'sysctl', ['-q', '-w', 'net.ipv6.conf.default.accept_dad=0']);
      await topo.exec(h.name, 'sysctl', ['-q', '-w', 'net.ipv6.conf.all.accept_dad=0']);
      liveLinks.add(h.rootIfname);
      await ip('link', 'add', h.rootIfname, 'type', 'veth', 'peer', 'name', h.ifname, 'netns', h.netns);
      await ip('link', 'set', h.rootIfname, 'addrgenmode', 'none');
      await ip('link', 'set', h.rootIfname, 'master', bridge);
      await ip('link', 'set', h.rootIfname, 'up');
      await ip('-n', h.netns, 'link', 'set', 'lo', 'up');
      await ip('-n', h.netns, 'addr', 'add', `${h.ipv4}/24`, 'dev', h.ifname);
      await ip('-n', h.netns, '-6', 'addr', 'add', `${h.ipv6}/64`, 'dev', h.ifname, 'nodad');
      await ip('-n', h.netns, 'link', 'set', h.ifname, 'up');
    }
  } catch (e) {
    await topo.destroy();
    throw e;
  }
  return topo;
}

async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGTERM');
  const timer = setTimeout(() => p.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}
