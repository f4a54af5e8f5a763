/**
 * The daemon's main thread: loads the config, holds the pid file, runs the VRRP worker thread,
 * serves `vigil status`, logs every transition with its reason, and handles signals:
 *   SIGTERM/SIGINT  masters send priority 0 and release their addresses, then exit 0;
 *   SIGHUP          reload; an invalid config is refused and the running one stays;
 *   SIGUSR1         write a state dump (keepalived writes /tmp/keepalived.data).
 */
import { writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type CheckPlan, planChecks } from '../check/plan.js';
import { defaultRegistry } from '../check/registry.js';
import type { DaemonOptions } from '../cli/args.js';
import { DaemonExit, daemonSeverity, daemonVerdict } from '../config/daemon-verdict.js';
import { formatDiagnosticUntagged } from '../config/diagnostics.js';
import { fsConfigSource } from '../config/fs-source.js';
import { readHostFacts } from '../config/host-facts.js';
import { loadConfig } from '../config/load.js';
import type { KeepalivedConfig } from '../config/model.js';
import { type DaemonEventBody, EventLog, fromCheckerEvent, fromEngineEvent } from '../http/events.js';
import type { DaemonMetrics } from '../http/metrics.js';
import type { HttpServer } from '../http/server.js';
import { httpSources } from '../http/sources.js';
import type { LvsDriverKind } from '../lvs/driver.js';
import { ipvsRecordPath } from '../lvs/ipvs-ownership.js';
import type { IpFamily } from '../net/addr.js';
import { CheckerSupervisor } from './checker-thread.js';
import { planFirewall } from './firewall.js';
import { consoleSink, createLogger, type Logger, type LogLevel } from './log.js';
import type { CheckerWorkerConfig, FromWorker, ToWorker, WorkerConfig } from './messages.js';
import { acquirePidFile, PidFileInUse } from './pidfile.js';
import { PlanError, type PlanHost, planInstances } from './plan.js';
import { monotonicUsec, systemdNotifier } from './sd-notify.js';
import { killRemainingScripts, MainServices } from './services.js';
import { formatStatus } from './status-format.js';
import { startStatusServer } from './status-server.js';
import {
  DEFAULT_PID_FILE,
  type InstanceStatus,
  type StatusReport,
  statusSocketPath,
} from './status-types.js';
import { createSyslogLogger } from './syslog.js';
import { DEFAULT_CHECKER_NICE, DEFAULT_VRRP_RT_PRIORITY, threadNice } from './thread-priority.js';
import type { EngineEvent } from './vrrp-engine.js';

export const DUMP_FILE = '/tmp/keepalived.data';

/** The host's interface addresses, from Node's own view of them (getifaddrs). */
export function osPlanHost(): PlanHost {
  const ifs = networkInterfaces();
  return {
    addresses(ifname: string, family: IpFamily): string[] {
      const want = family === 'ipv4' ? 'IPv4' : 'IPv6';
      return (ifs[ifname] ?? []).filter((a) => a.family === want).map((a) => a.address.split('%')[0]!);
    },
  };
}

/** Turns a config model into what the worker runs; throws PlanError. */
export function workerConfig(model: KeepalivedConfig, host: PlanHost): WorkerConfig {
  const plans = planInstances(model, host);
  return {
    firewall: planFirewall(model, plans).settings,
    plans,
    groups: model.syncGroups.map((g) => ({ name: g.name, members: g.group.map((m) => m.name) })),
    primary: model.instances.map((vi) => {
      const vmac = plans.find((p) => p.name === vi.name)?.vmac?.name;
      return {
        instance: vi.name,
        interface: vi.dontTrackPrimary ? null : (vi.interface ?? model.globalDefs.defaultInterface ?? null),
        ...(vmac !== undefined && !vi.dontTrackPrimary ? { vmac } : {}),
      };
    }),
    garpIntervalUs: model.globalDefs.vrrpGarpIntervalUs,
    startupDelayMs: model.globalDefs.vrrpStartupDelayMs ?? 0,
    gnaIntervalUs: model.globalDefs.vrrpGnaIntervalUs,
    // keepalived sets the nice value only when there is no real-time priority. vigil's default is
    // a real-time VRRP thread (DEFAULT_VRRP_RT_PRIORITY) unless the config sets vrrp_priority.
    ...(model.globalDefs.vrrpRtPriority !== undefined
      ? { rtPriority: model.globalDefs.vrrpRtPriority }
      : model.globalDefs.vrrpPriority === undefined
        ? { rtPriority: DEFAULT_VRRP_RT_PRIORITY, rtPriorityIsDefault: true }
        : optionalNice(threadNice(model.globalDefs.vrrpPriority, undefined))),
  };
}

const optionalNice = (nice: number | undefined) => (nice !== undefined ? { nice } : {});

/** What the checker thread runs: the plan, the data plane, its nice value. */
export function checkerConfig(
  model: KeepalivedConfig,
  plan: CheckPlan,
  lvsDriver: LvsDriverKind | undefined,
  ipvsRecord?: string,
): CheckerWorkerConfig {
  return {
    plan,
    ...(lvsDriver !== undefined ? { lvsDriver } : {}),
    ...(ipvsRecord !== undefined ? { ipvsRecord } : {}),
    // keepalived sets the nice value only when there is no real-time priority.
    ...(model.globalDefs.checkerRtPriority !== undefined
      ? { rtPriority: model.globalDefs.checkerRtPriority }
      : optionalNice(threadNice(model.globalDefs.checkerPriority, DEFAULT_CHECKER_NICE))),
  };
}

type Loaded =
  | { ok: true; config: WorkerConfig; model: KeepalivedConfig; checks: CheckPlan }
  | { ok: false; code: number };

/** The health checker's plan, with the defaults of the checker modules this build has. */
export function checkPlan(model: KeepalivedConfig): CheckPlan {
  return planChecks(model, {
    defaultsFor: (t) => defaultRegistry.get(t)?.defaults,
    hostname: hostname(),
  });
}

/**
 * Loads the config as keepalived's daemon does: every diagnostic is logged once with file:line:col,
 * and only what stops keepalived's VRRP process stops vigil (config/daemon-verdict.ts). Script
 * problems in particular are run with: track/manager.ts and notify/notifier.ts disable a missing,
 * insecure or non-executable script at run time, as keepalived does.
 */
function load(opts: DaemonOptions, log: Logger): Loaded {
  const configId = opts.configId ?? hostname().split('.')[0] ?? '';
  const r = loadConfig(opts.configFile, { configId, source: fsConfigSource(), host: readHostFacts() });
  // The log line carries the level: "warning: file:line:col: message".
  for (const d of r.diagnostics) log.log(daemonSeverity(d), formatDiagnosticUntagged(d));
  const verdict = daemonVerdict(r.diagnostics, r.model !== undefined);
  if (!verdict.run || r.model === undefined) return { ok: false, code: verdict.run ? 1 : verdict.exitCode };
  try {
    const config = workerConfig(r.model, osPlanHost());
    for (const p of config.plans) for (const w of p.warnings) log.log('warning', w);
    for (const n of planFirewall(r.model, config.plans).notes) log.log('info', n);
    return { ok: true, config, model: r.model, checks: checkPlan(r.model) };
  } catch (e) {
    if (e instanceof PlanError) {
      log.log('error', e.message);
      return { ok: false, code: DaemonExit.CONFIG };
    }
    throw e;
  }
}

function describe(e: EngineEvent): { level: LogLevel; message: string } {
  switch (e.type) {
    case 'transition':
      return {
        level: 'info',
        message: `(${e.instance}) Entering ${e.to} STATE (${e.reason}) [from ${e.from}, priority ${e.priority}]`,
      };
    case 'group-transition':
      return {
        level: 'info',
        message: `VRRP_Group(${e.group}) Syncing instances to ${e.to} state (${e.reason})`,
      };
    case 'priority-change':
      return { level: 'debug', message: `(${e.instance}) ${e.state} with effective priority ${e.priority}` };
    case 'master-rx-lower-pri':
      return {
        level: 'info',
        message: `(${e.instance}) Received advert from ${e.from} with lower priority ${e.theirPriority}, ours ${e.priority}`,
      };
    case 'log':
      return { level: e.level, message: e.message };
  }
}

/** `127.0.0.1:9100`, `[::1]:9100`. */
function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Test-only hook for bench/failover.ts (see bench/README.md): VIGIL_BENCH_BUSY_MAIN_MS=N makes the
 * main thread spin in N ms bursts back to back, to show that adverts, sent by the worker thread,
 * do not wait for a busy main thread. Unset in production.
 */
function busyMainThreadForBench(): void {
  const burstMs = Number(process.env.VIGIL_BENCH_BUSY_MAIN_MS ?? 0);
  if (!(burstMs > 0)) return;
  setInterval(() => {
    const end = performance.now() + burstMs;
    let spins = 0;
    while (performance.now() < end) spins++;
    return spins;
  }, 1).unref();
}

export async function runDaemon(opts: DaemonOptions): Promise<number> {
  // Like keepalived: the console with -l, else syslog (the console when there is none).
  const log =
    (opts.logConsole ? undefined : createSyslogLogger({ detail: opts.logDetail })) ??
    createLogger(consoleSink, { detail: opts.logDetail });
  const first = load(opts, log);
  if (!first.ok) {
    log.log('error', `configuration ${opts.configFile} is invalid; not starting`);
    return first.code;
  }
  const pidFile = opts.pidFile ?? DEFAULT_PID_FILE;
  let releasePid: () => void;
  try {
    releasePid = acquirePidFile(pidFile);
  } catch (e) {
    log.log(
      'error',
      e instanceof PidFileInUse ? e.message : `cannot write pid file ${pidFile}: ${(e as Error).message}`,
    );
    return 1;
  }
  // --http: bound before anything starts, so that a taken port stops the daemon cleanly.
  let http: HttpServer | undefined;
  if (opts.http !== undefined) {
    try {
      // Loaded only with --http: prom-client alone costs ~12 MB of RSS in each thread that loads it.
      const { startHttpServer } = await import('../http/server.js');
      http = await startHttpServer(opts.http);
      log.log('info', `HTTP API on http://${formatHostPort(opts.http.host, http.address.port)}/`);
    } catch (e) {
      log.log('error', `cannot serve --http: ${(e as Error).message}`);
      releasePid();
      return 1;
    }
  }
  const events = new EventLog();
  const metrics: DaemonMetrics | undefined =
    http !== undefined ? new (await import('../http/metrics.js')).DaemonMetrics() : undefined;
  const publish = (e: DaemonEventBody | undefined) => {
    if (e !== undefined && http !== undefined) events.publish(e);
  };
  const startedAt = new Date().toISOString();
  // Read (and removed from the environment) before any thread or script starts.
  const systemd = systemdNotifier(process.env, (m) => log.log('warning', m));
  const worker = new Worker(new URL('./vrrp-worker.js', import.meta.url), { workerData: first.config });
  const send = (m: ToWorker) => worker.postMessage(m);
  const links = new Map<string, boolean>();
  const startServices = (model: KeepalivedConfig, previous?: MainServices) => {
    const s = new MainServices(
      model,
      log,
      (instance, status) => send({ type: 'track', instance, status }),
      links,
    );
    s.start(previous);
    return s;
  };
  let services = startServices(first.model);
  send({ type: 'tracking-ready' });
  busyMainThreadForBench();
  const pending = new Map<number, (i: InstanceStatus[]) => void>();
  let nextId = 1;
  let onStopped: (() => void) | undefined;
  let fatal: string | undefined;

  worker.on('message', (m: FromWorker) => {
    switch (m.type) {
      case 'event': {
        const { level, message } = describe(m.event);
        log.log(level, message);
        services.onEngineEvent(m.event);
        if (m.event.type === 'transition')
          metrics?.countTransition(m.event.instance, m.event.from, m.event.to, m.event.reason);
        publish(fromEngineEvent(m.event));
        break;
      }
      case 'link':
        links.set(m.name, m.up);
        services.onLink(m.name, m.up);
        break;
      case 'status':
        pending.get(m.id)?.(m.instances);
        pending.delete(m.id);
        break;
      case 'started':
        log.log('info', `VRRP worker started: ${first.config.plans.map((p) => p.name).join(', ')}`);
        void (checker?.started() ?? Promise.resolve()).then(() => systemd?.notify({ type: 'ready' }));
        break;
      case 'stopped':
        onStopped?.();
        break;
      case 'reloaded':
        services.onReloaded(m.unchanged);
        systemd?.notify({ type: 'ready' });
        break;
      case 'fatal':
        fatal = m.message;
        log.log('error', `VRRP worker failed: ${m.message}`);
        void shutdown(1);
        break;
    }
  });
  worker.on('error', (e) => {
    fatal = e.message;
    log.log('error', `VRRP worker crashed: ${e.stack ?? e.message}`);
    void shutdown(1);
  });

  // The health checker runs in its own thread while the config has virtual servers.
  let checker: CheckerSupervisor | undefined;
  // --http: the checker thread answers 'metrics' and times its attempts.
  const checkerSetup = (model: KeepalivedConfig, plan: CheckPlan): CheckerWorkerConfig => ({
    ...checkerConfig(model, plan, opts.lvsDriver, ipvsRecordPath(pidFile)),
    metrics: http !== undefined,
  });
  const startChecker = (model: KeepalivedConfig, plan: CheckPlan) => {
    checker = new CheckerSupervisor(checkerSetup(model, plan), {
      onEvent: (e) => {
        if (e.type === 'log') log.log(e.level, e.message);
        else services.onCheckerEvent(e);
        publish(fromCheckerEvent(e));
      },
      log: (level, message) => log.log(level, message),
    });
  };
  if (first.checks.virtualServers.length > 0) startChecker(first.model, first.checks);

  const vrrpStatus = (): Promise<InstanceStatus[]> => {
    const id = nextId++;
    return new Promise<InstanceStatus[]>((resolve, reject) => {
      pending.set(id, resolve);
      send({ type: 'status', id });
      setTimeout(() => {
        if (pending.delete(id)) reject(new Error('the VRRP worker did not answer'));
      }, 2000).unref();
    });
  };
  const report = async (): Promise<StatusReport> => {
    const virtualServers = checker?.status() ?? Promise.resolve([]);
    const instances = await vrrpStatus();
    return {
      pid: process.pid,
      configFile: opts.configFile,
      startedAt,
      instances,
      virtualServers: await virtualServers,
    };
  };
  const lvsView = () => checker?.lvs() ?? Promise.resolve({ driver: 'none', table: { services: [] } });
  const statusServer = await startStatusServer(statusSocketPath(pidFile), report, { lvs: lvsView });
  if (http !== undefined && metrics !== undefined)
    http.serve(
      httpSources(
        {
          status: report,
          instances: vrrpStatus,
          lvs: lvsView,
          checkerMetrics: () => checker?.metrics() ?? Promise.resolve(''),
        },
        events,
        metrics,
      ),
    );

  let stopping: Promise<number> | undefined;
  const shutdown = (code: number): Promise<number> => {
    stopping ??= (async () => {
      log.log('info', 'Stopping');
      systemd?.notify({ type: 'stopping' });
      await http?.close();
      const stopped = new Promise<void>((resolve) => {
        onStopped = resolve;
      });
      if (fatal === undefined) {
        send({ type: 'stop' });
        // A master must get its priority-0 advert out and its addresses off; bounded all the same.
        await Promise.race([stopped, new Promise((r) => setTimeout(r, 5000).unref())]);
      }
      await worker.terminate();
      // The checker's shutdown notifications (omega) go out before the services close.
      await checker?.stop();
      // notify_stop scripts get their second; then nothing we started may outlive us.
      await Promise.race([services.stop(), new Promise((r) => setTimeout(r, 3000).unref())]);
      killRemainingScripts();
      await statusServer.close();
      releasePid();
      log.log('info', 'Stopped');
      systemd?.close();
      return code;
    })();
    return stopping;
  };

  const reload = () => {
    log.log('info', `Reloading configuration from ${opts.configFile}`);
    systemd?.notify({ type: 'reloading', monotonicUsec: monotonicUsec() });
    const next = load(opts, log);
    if (!next.ok) {
      log.log('error', 'new configuration is invalid; keeping the running configuration');
      publish({
        kind: 'reload',
        ok: false,
        reason: `SIGHUP: ${opts.configFile} is invalid; the running configuration stays`,
      });
      systemd?.notify({ type: 'ready', status: 'new configuration is invalid; running the previous one' });
      return;
    }
    publish({ kind: 'reload', ok: true, reason: `SIGHUP: ${opts.configFile} loaded` });
    send({ type: 'reload', config: next.config });
    if (checker !== undefined) checker.reload(checkerSetup(next.model, next.checks));
    else if (next.checks.virtualServers.length > 0) startChecker(next.model, next.checks);
    const old = services;
    void old.stop();
    services = startServices(next.model, old);
  };

  const dump = () => {
    report().then(
      (r) => {
        writeFileSync(DUMP_FILE, formatStatus(r) + JSON.stringify(r, null, 2), { mode: 0o600 });
        log.log('info', `state dumped to ${DUMP_FILE}`);
      },
      (e: unknown) => log.log('error', `state dump failed: ${String(e)}`),
    );
  };

  return await new Promise<number>((resolve) => {
    const stop = () => void shutdown(0).then(resolve);
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', reload);
    process.on('SIGUSR1', dump);
    worker.on('exit', () => {
      if (fatal !== undefined) void shutdown(1).then(resolve);
    });
  });
}
