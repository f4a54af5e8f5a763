/**
 * End-to-end helpers on top of the daemon lab (../daemon/lab.ts): a real nginx per namespace, an
 * SMTP debugging server, a reader for a notify FIFO, script files, a keepalived.conf builder with
 * global_defs extras, and timing of "how long until status --json shows it".
 *
 * Everything lives in the lab's temp directory or is spawned through the topology, so lab.destroy()
 * removes it all (processes are killed by topo.destroy(), files by the directory removal).
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DaemonHandle, daemonSkip, type Lab, type StatusJson } from '../daemon/lab.js';
import { commandExists, waitFor } from '../harness/topology.js';

export const NGINX = '/usr/sbin/nginx';

/** Why an e2e test cannot run (not root, tools missing), or false. */
export function e2eSkip(tools: readonly string[] = []): string | false {
  const d = daemonSkip();
  if (d) return d;
  for (const t of tools) if (!commandExists(t)) return `needs ${t}`;
  return false;
}

/** The real python interpreter (pyenv shims need HOME; `ip netns exec` keeps env but be safe). */
export function pythonWithSmtpd(): string | undefined {
  const r = spawnSync('python3', ['-W', 'ignore', '-c', 'import smtpd, sys; print(sys.executable)'], {
    encoding: 'utf8',
  });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Write an executable script file (mode 0755 unless given). */
export function writeScript(path: string, body: string, mode = 0o755): string {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, mode);
  return path;
}

export interface ConfOpts {
  readonly routerId: string;
  /** Extra lines in global_defs. */
  readonly global?: readonly string[];
  /** Everything after global_defs (vrrp_script, instances, groups...). */
  readonly body: string;
}

/** A keepalived.conf; scripts run as root with enable_script_security, as the lab's vrrpConf does. */
export function conf(o: ConfOpts): string {
  return [
    'global_defs {',
    `  router_id ${o.routerId}`,
    '  enable_script_security',
    '  script_user root',
    '  vrrp_garp_master_delay 1',
    '  vrrp_garp_master_repeat 1',
    ...(o.global ?? []).map((l) => `  ${l}`),
    '}',
    o.body,
    '',
  ].join('\n');
}

export interface InstanceSpec {
  readonly name: string;
  readonly vrid: number;
  readonly priority: number;
  readonly vips: readonly string[];
  readonly state?: 'MASTER' | 'BACKUP';
  readonly lines?: readonly string[];
}

export function instance(s: InstanceSpec): string {
  return [
    `vrrp_instance ${s.name} {`,
    `  state ${s.state ?? 'BACKUP'}`,
    '  interface eth0',
    `  virtual_router_id ${s.vrid}`,
    `  priority ${s.priority}`,
    '  advert_int 1',
    ...(s.lines ?? []).map((l) => `  ${l}`),
    '  virtual_ipaddress {',
    ...s.vips.map((v) => `    ${v}`),
    '  }',
    '}',
  ].join('\n');
}

/** One instance of `vigil status --json`. */
export async function instanceStatus(
  lab: Lab,
  d: DaemonHandle,
  name: string,
): Promise<StatusJson['instances'][number]> {
  const s = await lab.status(d);
  const i = s.instances.find((x) => x.name === name);
  if (i === undefined) throw new Error(`no instance ${name} in status`);
  return i;
}

/** Polls status until `pred` holds; returns the instance and how long it took (ms). */
export async function waitStatus(
  lab: Lab,
  d: DaemonHandle,
  name: string,
  pred: (i: StatusJson['instances'][number]) => boolean,
  opts: { timeoutMs?: number; message?: string } = {},
): Promise<{ inst: StatusJson['instances'][number]; ms: number }> {
  const t0 = Date.now();
  let last: StatusJson['instances'][number] | undefined;
  const describe = () =>
    JSON.stringify(
      last && { state: last.state, prio: last.effectivePriority, reason: last.lastTransition?.reason },
    );
  try {
    const inst = await waitFor(
      async () => {
        last = await instanceStatus(lab, d, name);
        return pred(last) ? last : undefined;
      },
      {
        timeoutMs: opts.timeoutMs ?? 10_000,
        intervalMs: 25,
        message: `${d.host} ${name}: ${opts.message ?? 'status'}`,
      },
    );
    return { inst, ms: Date.now() - t0 };
  } catch (e) {
    throw new Error(`${(e as Error).message}; last ${describe()}`);
  }
}

/** Timings measured by the tests, printed at the end of each file (for the report). */
export const timings: string[] = [];
export function timing(what: string, ms: number): void {
  timings.push(`${what}: ${ms} ms`);
  console.log(`# timing ${what}: ${ms} ms`);
}

// ---- nginx ----

export interface Nginx {
  /** The process name `killall -0` looks for (the binary is copied under this name). */
  readonly procName: string;
  readonly htmlDir: string;
  readonly indexFile: string;
  start(): Promise<void>;
  /** SIGTERM (nginx fast shutdown) and wait for the master to exit. */
  stop(): Promise<void>;
  readonly running: boolean;
}

/**
 * An nginx.conf for a foreground nginx whose pid file and logs live under `prefix`, with one
 * `server { ... }` made of `server` lines. Workers run as root: test directories are 0700 root.
 * `connections` (default 64) per worker; past 1,024 the workers' file limit is raised to match.
 * `workers` (default 1): nginx worker processes.
 */
export function nginxConf(
  prefix: string,
  server: readonly string[],
  http: readonly string[] = [],
  connections = 64,
  workers = 1,
): string {
  return [
    'user root;',
    `worker_processes ${workers};`,
    ...(connections > 1024 ? [`worker_rlimit_nofile ${4 * connections};`] : []),
    'daemon off;',
    `pid ${join(prefix, 'nginx.pid')};`,
    `error_log ${join(prefix, 'logs', 'error.log')};`,
    `events { worker_connections ${connections}; }`,
    'http {',
    '  access_log off;',
    ...http.map((l) => `  ${l}`),
    '  server {',
    ...server.map((l) => `    ${l}`),
    '  }',
    '}',
    '',
  ].join('\n');
}

/**
 * A real nginx in `host`'s namespace, listening on 0.0.0.0:80, with its own prefix, config, pid
 * file and html root under the lab's directory. Network namespaces share the PID space, so
 * `killall -0 nginx` on one node would see the other node's nginx: each node's binary is a copy
 * named `<prefix>nx<host>` (<= 15 characters, the kernel's comm length) and its check looks for that.
 */
export function nginx(lab: Lab, host: string): Nginx {
  const procName = `${lab.topo.prefix}nx${host}`;
  if (procName.length > 15) throw new Error(`process name ${procName} too long`);
  const prefix = join(lab.dir, `nginx-${host}`);
  const htmlDir = join(prefix, 'html');
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  mkdirSync(htmlDir, { recursive: true });
  const bin = join(prefix, procName);
  copyFileSync(NGINX, bin);
  chmodSync(bin, 0o755);
  const confFile = join(prefix, 'nginx.conf');
  writeFileSync(confFile, nginxConf(prefix, ['listen 0.0.0.0:80;', `root ${htmlDir};`, 'index index.html;']));
  const indexFile = join(htmlDir, 'index.html');
  writeFileSync(indexFile, `${host} not yet notified\n`);
  let child: ChildProcess | undefined;
  let exited: Promise<void> | undefined;
  const h: Nginx = {
    procName,
    htmlDir,
    indexFile,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async start() {
      const c = lab.topo.spawn(host, bin, [
        '-p',
        `${prefix}/`,
        '-c',
        confFile,
        '-e',
        join(prefix, 'logs', 'error.log'),
      ]);
      child = c;
      let err = '';
      c.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
      });
      exited = new Promise((r) => c.once('exit', () => r()));
      await waitFor(
        async () => {
          if (c.exitCode !== null) throw new Error(`nginx on ${host} exited: ${err}`);
          return listening(lab, host, 80);
        },
        { timeoutMs: 5000, intervalMs: 50, message: `nginx on ${host} listening` },
      );
    },
    async stop() {
      if (!h.running) return;
      child?.kill('SIGTERM');
      await exited;
      // Workers follow the master at once, but make sure none is left for killall to see.
      await waitFor(() => spawnSync('killall', ['-0', procName], { stdio: 'ignore' }).status !== 0, {
        timeoutMs: 3000,
        message: `no ${procName} process left`,
      });
    },
  };
  return h;
}

async function listening(lab: Pick<Lab, 'topo'>, host: string, port: number): Promise<boolean> {
  const r = await lab.topo.exec(host, 'ss', ['-Hltn', `sport = :${port}`], { allowFail: true });
  return r.stdout.trim() !== '';
}

// ---- SMTP ----

export interface SmtpSink {
  /** Everything the debugging server printed (the received messages). */
  text(): string;
  readonly port: number;
}

/** python's smtpd DebuggingServer on address:port (127.0.0.1:2525) inside `host`; it prints what it receives. */
export async function smtpSink(
  lab: Pick<Lab, 'topo'>,
  host: string,
  python: string,
  port = 2525,
  address = '127.0.0.1',
): Promise<SmtpSink> {
  const c = lab.topo.spawn(host, python, [
    '-u',
    '-W',
    'ignore',
    '-m',
    'smtpd',
    '-n',
    '-c',
    'DebuggingServer',
    `${address}:${port}`,
  ]);
  let out = '';
  c.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  c.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await waitFor(
    async () => {
      if (c.exitCode !== null) throw new Error(`smtpd exited: ${out}`);
      return listening(lab, host, port);
    },
    { timeoutMs: 8000, intervalMs: 50, message: 'smtpd listening' },
  );
  return { text: () => out, port };
}

// ---- notify FIFO ----

export interface FifoReader {
  /** Complete lines read so far, in order. */
  lines(): string[];
}

/**
 * Creates a FIFO with mkfifo (so vigil uses it and does not remove it) and reads it with `cat`
 * spawned in `host` (killed by the topology's destroy).
 */
export function fifoReader(lab: Lab, host: string, path: string): FifoReader {
  const r = spawnSync('mkfifo', ['-m', '0600', path]);
  if (r.status !== 0) throw new Error(`mkfifo ${path}: ${r.stderr}`);
  const c = lab.topo.spawn(host, 'cat', [path]);
  let out = '';
  c.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return { lines: () => out.split('\n').slice(0, -1) };
}

/** Lines of a log file written by notify scripts (empty when it does not exist yet). */
export function readLines(path: string): string[] {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l !== '');
  } catch {
    return [];
  }
}
