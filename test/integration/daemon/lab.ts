/**
 * A VRRP lab on top of the namespace harness: vigil and keepalived daemons per host, an HTTP server
 * per node that answers with the node's name, a client that fetches http://VIP/, and helpers that
 * read which namespaces hold an address (`ip -j addr`). Everything it creates (namespaces,
 * processes, the temp directory with configs and pid files) goes in destroy().
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  commandExists,
  createTopology,
  integrationSkipReason,
  type Topology,
  waitFor,
} from '../harness/topology.js';

/** The repository root, from dist/test/integration/daemon. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const VIGIL = join(ROOT, 'bin', 'vigil');

/** Why the daemon tests cannot run here, or false. */
export function daemonSkip(opts: { keepalived?: boolean } = {}): string | false {
  const reason = integrationSkipReason();
  if (reason) return reason;
  if (opts.keepalived && !commandExists('keepalived')) return 'needs keepalived';
  return false;
}

export type Impl = 'vigil' | 'keepalived';

export interface DaemonHandle {
  readonly host: string;
  readonly impl: Impl;
  readonly child: ChildProcess;
  readonly pidFile: string;
  readonly confFile: string;
  /** Everything the daemon logged so far (stdout + stderr). */
  log(): string;
  /** Waits until the log, from `from` (a previous log().length) on, matches. */
  waitLog(re: RegExp, opts?: { timeoutMs?: number; from?: number }): Promise<string>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  signal(sig: NodeJS.Signals): void;
  /**
   * A crash: SIGKILL with no chance to send priority 0. keepalived's parent would make its VRRP
   * child stop cleanly (priority 0) or respawn it, so the parent is frozen, the child killed first.
   */
  crash(): void;
}

export interface StartOpts {
  /** Test-only variables for the daemon's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Reuse a pid file (default: a fresh one per start). */
  readonly pidFile?: string;
  /** More command-line flags for vigil (e.g. `--lvs-driver=nftables`, `-D`). */
  readonly args?: readonly string[];
}

export interface StatusJson {
  pid: number;
  configFile: string;
  startedAt: string;
  instances: {
    name: string;
    state: string;
    vrid: number;
    version: number;
    interface: string;
    effectivePriority: number;
    basePriority: number;
    vips: string[];
    masterAddress: string | null;
    lastTransition: { at: string; reason: string } | null;
    counters: Record<string, number>;
  }[];
  /** The health checker's view (src/daemon/status-types.ts VirtualServerStatus). */
  virtualServers?: {
    name: string;
    quorumUp: boolean;
    sorryServerActive: boolean;
    realServers: { address: string; port: number; alive: boolean; weight: number; effectiveWeight: number }[];
  }[];
}

export interface Lab {
  readonly topo: Topology;
  readonly dir: string;
  /** Starts a daemon of the given implementation on `host` with this keepalived.conf text. */
  start(impl: Impl, host: string, conf: string, opts?: StartOpts): DaemonHandle;
  /** `vigil status -p PIDFILE --json`, parsed. */
  status(d: DaemonHandle): Promise<StatusJson>;
  /** An HTTP server on port 80 of `host` answering with the host's name. */
  http(host: string): Promise<void>;
  /** The hosts (of `among`) whose namespaces hold `address`. */
  holders(address: string, among?: readonly string[]): Promise<string[]>;
  /** GET http://address/ from `client`; the body, or undefined when nothing answered. */
  fetch(client: string, address: string, timeoutMs?: number): Promise<string | undefined>;
  /** Waits until exactly `host` holds `address` (of `among`) and the client gets `host`'s answer. */
  waitServedBy(
    host: string,
    address: string,
    opts: { client: string; among: readonly string[]; timeoutMs?: number; exclusive?: boolean },
  ): Promise<void>;
  /** Stops every daemon still running (SIGTERM, SIGKILL after 3 s). */
  stopAll(): Promise<void>;
  destroy(): Promise<void>;
}

export async function createLab(hosts: readonly string[]): Promise<Lab> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-lab-'));
  let topo: Topology;
  try {
    topo = await createTopology({ hosts });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const daemons: DaemonHandle[] = [];
  let counter = 0;

  const lab: Lab = {
    topo,
    dir,
    start(impl, host, conf, opts = {}) {
      const n = counter++;
      const confFile = join(dir, `${host}-${n}.conf`);
      writeFileSync(confFile, conf);
      const pidFile = opts.pidFile ?? join(dir, `${host}-${n}.pid`);
      const args =
        impl === 'vigil'
          ? [VIGIL, '-n', '-l', '-f', confFile, '-p', pidFile, ...(opts.args ?? [])]
          : [
              'keepalived',
              '-n',
              '-l',
              '-D',
              '-P', // VRRP only
              '-f',
              confFile,
              '-p',
              pidFile,
              '-r',
              join(dir, `${host}-${n}.vrrp.pid`),
              '-c',
              join(dir, `${host}-${n}.chk.pid`),
            ];
      // env(1) so that test-only variables reach the daemon through `ip netns exec`.
      const envArgs = Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`);
      const child = topo.spawn(host, 'env', [...envArgs, ...args]);
      const h = attach(host, impl, child, pidFile, confFile, join(dir, `${host}-${n}.vrrp.pid`));
      daemons.push(h);
      return h;
    },
    async status(d) {
      const r = await run(process.execPath, [
        join(ROOT, 'dist/src/cli/main.js'),
        'status',
        '-p',
        d.pidFile,
        '--json',
      ]);
      return JSON.parse(r) as StatusJson;
    },
    async http(host) {
      const script = [
        "const http = require('node:http');",
        `const name = ${JSON.stringify(host)};`,
        "http.createServer((q, r) => { r.setHeader('connection', 'close'); r.end(name); })",
        "  .listen(80, '::', () => console.log('listening'));",
      ].join('\n');
      const child = topo.spawn(host, process.execPath, ['-e', script]);
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
      });
      await waitFor(() => out.includes('listening'), { timeoutMs: 10000, message: `http on ${host}` });
    },
    async holders(address, among = [...topo.hosts.keys()]) {
      const found: string[] = [];
      for (const h of among) {
        const r = await topo.exec(h, 'ip', ['-j', 'addr', 'show']);
        const links = JSON.parse(r.stdout) as { addr_info: { local: string }[] }[];
        if (links.some((l) => l.addr_info.some((a) => a.local === address))) found.push(h);
      }
      return found;
    },
    async fetch(client, address, timeoutMs = 1000) {
      const script = [
        "const http = require('node:http');",
        `const q = http.get({ host: ${JSON.stringify(address)}, port: 80, path: '/', agent: false,`,
        `  timeout: ${timeoutMs} }, (r) => { let b = ''; r.on('data', (d) => b += d);`,
        "  r.on('end', () => { process.stdout.write(b); process.exit(0); }); });",
        "q.on('timeout', () => process.exit(2)); q.on('error', () => process.exit(1));",
      ].join('\n');
      const r = await topo.exec(client, process.execPath, ['-e', script], {
        allowFail: true,
        timeoutMs: timeoutMs + 5000,
      });
      return r.code === 0 ? r.stdout : undefined;
    },
    async waitServedBy(host, address, opts) {
      await waitFor(
        async () => {
          const held = await lab.holders(address, opts.among);
          const ok = opts.exclusive === false ? held.includes(host) : held.length === 1 && held[0] === host;
          if (!ok) throw new Error(`${address} held by [${held.join(', ')}]`);
          const body = await lab.fetch(opts.client, address, 500);
          if (body !== host) throw new Error(`client got ${JSON.stringify(body)}`);
          return true;
        },
        { timeoutMs: opts.timeoutMs ?? 10000, intervalMs: 50, message: `${address} served by ${host}` },
      );
    },
    async stopAll() {
      await Promise.all(
        daemons
          .filter((d) => d.child.exitCode === null && d.child.signalCode === null)
          .map(async (d) => {
            d.signal('SIGTERM');
            const timer = setTimeout(() => d.signal('SIGKILL'), 3000);
            await d.exited;
            clearTimeout(timer);
          }),
      );
    },
    async destroy() {
      // VIGIL_TEST_VERBOSE=1 shows every daemon's log (for debugging a failure).
      if (process.env.VIGIL_TEST_VERBOSE)
        for (const d of daemons) console.error(`--- ${d.impl}@${d.host} ---\n${d.log()}`);
      await topo.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return lab;
}

function run(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(cmd, args, { timeout: 10000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message} ${stderr}`));
      else resolvePromise(stdout);
    });
  });
}

function attach(
  host: string,
  impl: Impl,
  child: ChildProcess,
  pidFile: string,
  confFile: string,
  vrrpPidFile: string,
): DaemonHandle {
  let text = '';
  const onData = (d: Buffer) => {
    text += d.toString();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  // 'exit' can come before the last of the output has been read: resolve once both pipes have
  // ended too (or a second later: a process the daemon left behind may hold them open).
  const drained = Promise.all(
    [child.stdout, child.stderr].map(
      (s) => new Promise<void>((r) => (s === null || s.readableEnded ? r() : s.once('close', () => r()))),
    ),
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => {
      const late = setTimeout(() => r({ code, signal }), 1000);
      void drained.then(() => {
        clearTimeout(late);
        r({ code, signal });
      });
    }),
  );
  return {
    host,
    impl,
    child,
    pidFile,
    confFile,
    log: () => text,
    async waitLog(re, opts = {}) {
      const from = opts.from ?? 0;
      await waitFor(() => re.test(text.slice(from)), {
        timeoutMs: opts.timeoutMs ?? 10000,
        message: `${impl}@${host} log matching ${re}\n--- log ---\n${text.slice(-3000)}`,
      });
      return text;
    },
    exited,
    signal(sig) {
      child.kill(sig);
    },
    crash() {
      if (impl === 'keepalived' && child.pid !== undefined) {
        let vrrpPid = Number.NaN;
        try {
          vrrpPid = Number.parseInt(readFileSync(vrrpPidFile, 'utf8'), 10);
        } catch {
          // no VRRP child (yet)
        }
        process.kill(child.pid, 'SIGSTOP');
        if (vrrpPid > 0) process.kill(vrrpPid, 'SIGKILL');
      }
      child.kill('SIGKILL');
    },
  };
}

export interface InstanceOpts {
  readonly name?: string;
  readonly state?: 'MASTER' | 'BACKUP';
  readonly priority: number;
  readonly vrid?: number;
  readonly version?: 2 | 3;
  readonly advertInt?: number;
  readonly vips: readonly string[];
  readonly authPass?: string;
  readonly nopreempt?: boolean;
  readonly preemptDelay?: number;
  readonly unicastSrc?: string;
  readonly unicastPeers?: readonly string[];
  /** Extra lines inside vrrp_instance. */
  readonly extra?: readonly string[];
}

/** A keepalived.conf with one vrrp_instance on eth0, valid for both vigil and keepalived. */
export function vrrpConf(o: InstanceOpts): string {
  const lines = [
    'global_defs {',
    `  router_id ${o.name ?? 'VI_1'}_node`,
    // keepalived 2.2.7 warns about scripts that would run as root without these.
    '  enable_script_security',
    '  script_user root',
    '  vrrp_garp_master_delay 1',
    '  vrrp_garp_master_repeat 3',
    '}',
    `vrrp_instance ${o.name ?? 'VI_1'} {`,
    ...(o.state ? [`  state ${o.state}`] : []),
    '  interface eth0',
    `  virtual_router_id ${o.vrid ?? 51}`,
    `  priority ${o.priority}`,
    `  advert_int ${o.advertInt ?? 1}`,
    ...(o.version ? [`  version ${o.version}`] : []),
    ...(o.nopreempt ? ['  nopreempt'] : []),
    ...(o.preemptDelay !== undefined ? [`  preempt_delay ${o.preemptDelay}`] : []),
    ...(o.authPass ? ['  authentication {', '    auth_type PASS', `    auth_pass ${o.authPass}`, '  }'] : []),
    ...(o.unicastSrc ? [`  unicast_src_ip ${o.unicastSrc}`] : []),
    ...(o.unicastPeers ? ['  unicast_peer {', ...o.unicastPeers.map((p) => `    ${p}`), '  }'] : []),
    ...(o.extra ?? []).map((l) => `  ${l}`),
    '  virtual_ipaddress {',
    ...o.vips.map((v) => `    ${v}`),
    '  }',
    '}',
    '',
  ];
  return lines.join('\n');
}

/** `ip -d link show dev NAME` on `host` (its JSON object), or undefined when there is no such link. */
export async function ipLink(lab: Lab, host: string, name: string): Promise<IpLink | undefined> {
  const r = await lab.topo.exec(host, 'ip', ['-j', '-d', 'link', 'show', 'dev', name], { allowFail: true });
  if (r.code !== 0) return undefined;
  return (JSON.parse(r.stdout) as IpLink[])[0];
}

export interface IpLink {
  readonly address: string;
  readonly flags: string[];
  readonly operstate: string;
  /** The lower device (a macvlan's base). */
  readonly link?: string;
  readonly linkinfo?: { readonly info_kind?: string; readonly info_data?: { readonly mode?: string } };
}

/** The addresses on one interface of `host` (none when it does not exist). */
export async function addressesOn(lab: Lab, host: string, dev: string): Promise<string[]> {
  const r = await lab.topo.exec(host, 'ip', ['-j', 'addr', 'show', 'dev', dev], { allowFail: true });
  if (r.code !== 0) return [];
  const links = JSON.parse(r.stdout) as { addr_info: { local: string }[] }[];
  return links.flatMap((l) => l.addr_info.map((a) => a.local));
}

/** RFC 5798 6.1: Master_Down_Interval = 3 * Advertisement_Interval + Skew_Time, in ms. */
export function masterDownMs(advertIntS: number, priority: number, version: 2 | 3): number {
  const skew =
    version === 2 ? ((256 - priority) / 256) * 1000 : (((256 - priority) * advertIntS * 100) / 256) * 10;
  return 3 * advertIntS * 1000 + skew;
}
