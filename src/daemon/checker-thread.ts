/**
 * The main thread's handle on the health-checker worker (checker-worker.ts): started when the
 * config has virtual servers, reloaded in place, asked for status, stopped with a bound.
 */
import { Worker } from 'node:worker_threads';
import type { LifecycleEvent } from '../check/lifecycle.js';
import type { CheckPlan } from '../check/plan.js';
import type { LvsView } from '../lvs/driver.js';
import type { CheckerWorkerConfig, FromChecker, ToChecker } from './messages.js';
import type { VirtualServerStatus } from './status-types.js';

export interface CheckerThreadHooks {
  readonly onEvent: (e: LifecycleEvent) => void;
  readonly onFatal: (message: string) => void;
}

/**
 * The checker thread's heap (bench/README.md "Checker storm"). A storm of attempts allocates
 * ~80 MB/s of short-lived sockets and closures:
 * - young generation: V8's default lets it grow to 3 x 16 MB, all resident. 8 MB keeps ~15 MB
 *   less resident; scavenges come more often but cost what survives them, which is little since
 *   the delay_loop timers are no longer a node Timeout and closure per attempt (timer-queue.ts).
 *   (Round 1 found 8 MB too small while each 100 ms timer was a fresh object that a scavenge
 *   promoted.)
 * - old generation: V8 lets the old space grow to 4x what a full GC leaves when the heap may reach
 *   gigabytes, only ~1.4x under a 512 MB limit (MemoryController's growing factor): ~30 MB less
 *   garbage resident, at the cost of a short full GC every few seconds. The limit is far above
 *   what the checkers hold (~10 KB each; a thread past it ends and is respawned), and grows
 *   with the number of checkers.
 */
export const CHECKER_YOUNG_GENERATION_MB = 8;

export function checkerOldGenerationMb(plan: CheckPlan): number {
  let checkers = 0;
  for (const vs of plan.virtualServers) for (const rs of vs.realServers) checkers += rs.checkers.length;
  return Math.max(512, Math.ceil(checkers / 16));
}

export class CheckerThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, (v: VirtualServerStatus[]) => void>();
  private readonly pendingLvs = new Map<number, (v: LvsView) => void>();
  private readonly pendingMetrics = new Map<number, (v: string) => void>();
  private nextId = 1;
  private onStopped: (() => void) | undefined;
  private dead = false;
  private markStarted: () => void = () => {};
  /** Settles once the checkers run, or the thread failed: readiness must not wait on a dead thread. */
  readonly started = new Promise<void>((resolve) => {
    this.markStarted = resolve;
  });

  constructor(
    config: CheckerWorkerConfig,
    hooks: CheckerThreadHooks,
    url = new URL('./checker-worker.js', import.meta.url),
  ) {
    this.worker = new Worker(url, {
      workerData: config,
      resourceLimits: {
        maxYoungGenerationSizeMb: CHECKER_YOUNG_GENERATION_MB,
        maxOldGenerationSizeMb: checkerOldGenerationMb(config.plan),
      },
    });
    this.worker.on('message', (m: FromChecker) => {
      switch (m.type) {
        case 'event':
          hooks.onEvent(m.event);
          break;
        case 'status':
          this.pending.get(m.id)?.(m.virtualServers);
          this.pending.delete(m.id);
          break;
        case 'lvs':
          this.pendingLvs.get(m.id)?.(m.view);
          this.pendingLvs.delete(m.id);
          break;
        case 'metrics':
          this.pendingMetrics.get(m.id)?.(m.text);
          this.pendingMetrics.delete(m.id);
          break;
        case 'stopped':
          this.onStopped?.();
          break;
        case 'fatal':
          this.dead = true;
          this.markStarted();
          hooks.onFatal(m.message);
          break;
        case 'started':
          this.markStarted();
          break;
      }
    });
    this.worker.on('error', (e) => {
      this.dead = true;
      this.markStarted();
      hooks.onFatal(e.stack ?? e.message);
    });
  }

  private send(m: ToChecker): void {
    if (!this.dead) this.worker.postMessage(m);
  }

  reload(config: CheckerWorkerConfig): void {
    this.send({ type: 'reload', config });
  }

  /** Sends a request with a fresh id; its answer resolves it, or it rejects after timeoutMs. */
  private ask<T>(
    pending: Map<number, (v: T) => void>,
    type: 'status' | 'lvs' | 'metrics',
    timeoutMs: number,
  ): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, resolve);
      this.send({ type, id });
      setTimeout(() => {
        if (pending.delete(id)) reject(new Error('the checker worker did not answer'));
      }, timeoutMs).unref();
    });
  }

  status(timeoutMs = 2000): Promise<VirtualServerStatus[]> {
    return this.ask(this.pending, 'status', timeoutMs);
  }

  /** The LVS data plane's view (table and counters) for `vigil lvs`. */
  lvs(timeoutMs = 5000): Promise<LvsView> {
    return this.ask(this.pendingLvs, 'lvs', timeoutMs);
  }

  /** The thread's Prometheus text (servers, checker latency), for /metrics. */
  metrics(timeoutMs = 2000): Promise<string> {
    return this.ask(this.pendingMetrics, 'metrics', timeoutMs);
  }

  /** The servers leave the table (omega notifications included), then the thread ends. */
  async stop(timeoutMs = 5000): Promise<void> {
    if (!this.dead) {
      const stopped = new Promise<void>((resolve) => {
        this.onStopped = resolve;
      });
      this.send({ type: 'stop' });
      await Promise.race([stopped, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    }
    await this.worker.terminate();
  }
}

export interface SupervisorOptions {
  /** The worker script (tests give a crashing one). */
  readonly url?: URL;
  readonly respawnDelayMs?: number;
  /** More failures than this within a minute: give up (the rest of the daemon keeps running). */
  readonly maxRespawnsPerMinute?: number;
}

/**
 * Keeps a checker thread running, as keepalived's parent respawns a dead checker child: a failed
 * thread is logged and started again with the current plan (fresh state, alpha as configured),
 * never taking the VRRP side down with it.
 */
export class CheckerSupervisor {
  private thread: CheckerThread | undefined;
  private plan: CheckerWorkerConfig;
  private readonly failures: number[] = [];
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    config: CheckerWorkerConfig,
    private readonly hooks: {
      readonly onEvent: (e: LifecycleEvent) => void;
      readonly log: (level: 'info' | 'error', message: string) => void;
    },
    private readonly opts: SupervisorOptions = {},
  ) {
    this.plan = config;
    this.spawn();
  }

  private spawn(): void {
    const t: CheckerThread = new CheckerThread(
      this.plan,
      {
        onEvent: (e) => {
          if (this.thread === t) this.hooks.onEvent(e);
        },
        onFatal: (message) => this.failed(t, message),
      },
      ...(this.opts.url ? [this.opts.url] : []),
    );
    this.thread = t;
  }

  private failed(t: CheckerThread, message: string): void {
    if (this.thread !== t || this.stopped) return;
    this.thread = undefined;
    void t.stop(0);
    this.hooks.log('error', `Healthcheck thread failed: ${message}`);
    const now = Date.now();
    while (this.failures.length > 0 && now - this.failures[0]! > 60_000) this.failures.shift();
    this.failures.push(now);
    if (this.failures.length > (this.opts.maxRespawnsPerMinute ?? 5)) {
      this.hooks.log('error', 'Healthcheck thread failed too often; not respawning it (VRRP carries on)');
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      this.hooks.log('info', 'Respawning the healthcheck thread');
      this.spawn();
    }, this.opts.respawnDelayMs ?? 1000);
    this.timer.unref();
  }

  /** Settles once the current checker thread runs (or has failed). */
  started(): Promise<void> {
    return this.thread?.started ?? Promise.resolve();
  }

  get running(): boolean {
    return this.thread !== undefined;
  }

  reload(config: CheckerWorkerConfig): void {
    this.plan = config;
    this.thread?.reload(config);
  }

  status(): Promise<VirtualServerStatus[]> {
    return this.thread?.status() ?? Promise.resolve([]);
  }

  lvs(): Promise<LvsView> {
    return this.thread?.lvs() ?? Promise.resolve({ driver: 'none', table: { services: [] } });
  }

  metrics(): Promise<string> {
    return this.thread?.metrics() ?? Promise.resolve('');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.thread?.stop();
  }
}
