/**
 * The health checker at run time: the life cycle (lifecycle.ts) on a real clock, attempts run by
 * the registry's modules, the desired table applied through an LVS driver. It runs in the checker
 * worker thread (src/daemon/checker-worker.ts); tests run it in-process with fake modules and the
 * recording driver.
 */

import type { VirtualServerStatus } from '../daemon/status-types.js';
import type { LvsDriver } from '../lvs/driver.js';
import { SerialApplier } from '../lvs/driver.js';
import {
  type AttemptRequest,
  HealthLifecycle,
  type LifecycleClock,
  type LifecycleEvent,
  realClock,
} from './lifecycle.js';
import type { CheckerPlan, CheckPlan } from './plan.js';
import type { CheckerRegistry } from './registry.js';
import type { CheckAttempt, CheckerEnv, CheckOutcome } from './types.js';

/** How long past its own limit an attempt may take before it is cut off as failed. */
export const ATTEMPT_GRACE_MS = 5000;
/** How often the overrun attempts are looked for (so a cut-off comes up to this late). */
const SWEEP_MS = 1000;

export interface CheckerServiceOptions {
  readonly registry: CheckerRegistry;
  readonly driver: LvsDriver;
  readonly emit: (e: LifecycleEvent) => void;
  readonly clock?: LifecycleClock & { cancelAll?(): void };
  readonly random?: () => number;
  readonly bootstrapDelayMs?: number;
  /** Each attempt's duration and verdict (the checker latency histogram of /metrics). */
  readonly observe?: (type: string, ok: boolean, ms: number) => void;
}

export class CheckerService {
  private readonly lc: HealthLifecycle;
  private readonly clock: LifecycleClock & { cancelAll?(): void };
  private readonly applier: SerialApplier;
  /** One attempt function per configured checker, made once (module `create`). */
  private readonly attempts = new WeakMap<CheckerPlan, CheckAttempt>();
  private readonly urlAttempts = new WeakMap<CheckerPlan, CheckAttempt[]>();
  private plan: CheckPlan;
  private readonly watchers: (() => void)[] = [];
  /**
   * One abort controller per configured checker, shared by its attempts until one is aborted (a
   * checker has one attempt at a time; a fresh controller and its first listener cost ~2 KB each
   * attempt, 20 MB/s in a storm). Modules remove what they add to the signal (registry.ts).
   */
  private readonly controllers = new WeakMap<CheckerPlan, AbortController>();
  /** Attempts under way: their abort and when the sweep cuts them off. */
  private readonly running = new Map<
    number,
    { abort: AbortController; cutOffAt: number; type: string; startedAt: number }
  >();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    plan: CheckPlan,
    private readonly opts: CheckerServiceOptions,
  ) {
    this.clock = opts.clock ?? realClock();
    this.applier = new SerialApplier(
      opts.driver,
      (e) => opts.emit({ type: 'log', level: 'error', message: `LVS table not applied: ${String(e)}` }),
      // Verdict to kernel (bench/dataplane reads this line).
      (total, queued) =>
        opts.emit({
          type: 'log',
          level: 'debug',
          message: `LVS table in the kernel ${total.toFixed(1)} ms after the change (${queued.toFixed(1)} ms queued)`,
        }),
    );
    this.plan = this.admitted(plan);
    this.lc = new HealthLifecycle(this.plan, {
      clock: this.clock,
      random: opts.random ?? Math.random,
      module: (t) => opts.registry.get(t),
      attempt: (req) => this.run(req),
      abort: (id) => this.abort(id),
      emit: opts.emit,
      table: (t) => this.applier.apply(t),
      ...(opts.bootstrapDelayMs !== undefined ? { bootstrapDelayMs: opts.bootstrapDelayMs } : {}),
    });
  }

  start(): void {
    this.lc.start();
    this.watchAll(this.plan);
  }

  reload(plan: CheckPlan): void {
    this.plan = this.admitted(plan);
    this.lc.reload(this.plan);
    this.watchAll(this.plan);
  }

  /** Module `watch` (FILE_CHECK inotify): a change runs the checker's attempt at once. */
  private watchAll(plan: CheckPlan): void {
    for (const stop of this.watchers.splice(0)) stop();
    for (const vs of plan.virtualServers)
      for (const rs of vs.realServers)
        for (const c of rs.checkers) {
          const m = this.opts.registry.get(c.type);
          if (m?.watch === undefined) continue;
          this.watchers.push(m.watch(c.spec as never, this.envFor(c), () => this.lc.runNow(c)));
        }
  }

  /**
   * The plan without the checkers their module refuses (`admit`): keepalived removes them at load
   * (check_misc_script_security) and judges their real servers without them.
   */
  private admitted(plan: CheckPlan): CheckPlan {
    const refused = (c: CheckerPlan): boolean => {
      const why = this.opts.registry.get(c.type)?.admit?.(c.spec as never, this.envFor(c));
      if (why !== undefined) this.opts.emit({ type: 'log', level: 'warning', message: why });
      return why !== undefined;
    };
    let changed = false;
    const virtualServers = plan.virtualServers.map((vs) => {
      const realServers = vs.realServers.map((rs) => {
        const checkers = rs.checkers.filter((c) => !refused(c));
        if (checkers.length === rs.checkers.length) return rs;
        changed = true;
        return { ...rs, checkers };
      });
      return realServers.some((r, i) => r !== vs.realServers[i]) ? { ...vs, realServers } : vs;
    });
    return changed ? { ...plan, virtualServers } : plan;
  }

  /** The host's addresses (canonical text) for ha_suspend (lifecycle.ts setLocalAddresses). */
  setLocalAddresses(addresses: ReadonlySet<string>): void {
    this.lc.setLocalAddresses(addresses);
  }

  status(): VirtualServerStatus[] {
    return this.lc.status();
  }

  /** Shutdown: the servers leave (with omega notifications), attempts end, the driver stops. */
  async stop(): Promise<void> {
    this.lc.stop();
    for (const stop of this.watchers.splice(0)) stop();
    for (const id of [...this.running.keys()]) this.abort(id);
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.clock.cancelAll?.();
    await this.applier.stop();
  }

  private envFor(c: CheckerPlan): CheckerEnv {
    return { ...c.context, log: (level, message) => this.opts.emit({ type: 'log', level, message }) };
  }

  private attemptFor(c: CheckerPlan): CheckAttempt | undefined {
    let a = this.attempts.get(c);
    if (a !== undefined) return a;
    const m = this.opts.registry.get(c.type);
    if (m === undefined) return undefined;
    try {
      a = m.create(c.spec as never, c.target, this.envFor(c));
    } catch (e) {
      const reason = `cannot start: ${(e as Error).message}`;
      a = async () => ({ ok: false, reason });
    }
    this.attempts.set(c, a);
    return a;
  }

  /** HTTP_GET/SSL_GET: the attempt for one url of the life cycle's walk (module `createUrls`). */
  private urlAttemptFor(c: CheckerPlan, url: number): CheckAttempt | undefined {
    let list = this.urlAttempts.get(c);
    if (list === undefined) {
      const m = this.opts.registry.get(c.type);
      try {
        list = m?.createUrls?.(c.spec as never, c.target, this.envFor(c)) ?? [];
      } catch (e) {
        const reason = `cannot start: ${(e as Error).message}`;
        list = (c.urls ?? []).map(() => async () => ({ ok: false, reason }));
      }
      this.urlAttempts.set(c, list);
    }
    return list[url];
  }

  private run(req: AttemptRequest): void {
    const attempt =
      req.url !== undefined ? this.urlAttemptFor(req.checker, req.url) : this.attemptFor(req.checker);
    let abort = this.controllers.get(req.checker);
    if (abort === undefined || abort.signal.aborted) {
      abort = new AbortController();
      this.controllers.set(req.checker, abort);
    }
    // A module that overruns its limit is cut off by the sweep: the attempt fails and is aborted.
    this.running.set(req.id, {
      abort,
      cutOffAt: Date.now() + req.checker.attemptTimeoutMs + ATTEMPT_GRACE_MS,
      type: req.checker.type,
      startedAt: performance.now(),
    });
    this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS);
    if (attempt === undefined) {
      this.finish(req.id, { ok: false, reason: `no module for ${req.checker.type}` });
      return;
    }
    let p: Promise<CheckOutcome>;
    try {
      p = attempt({ timeoutMs: req.checker.attemptTimeoutMs, signal: abort.signal });
    } catch (e) {
      p = Promise.resolve({ ok: false, reason: (e as Error).message });
    }
    p.then(
      (o) => this.finish(req.id, o),
      (e: unknown) => this.finish(req.id, { ok: false, reason: e instanceof Error ? e.message : String(e) }),
    );
  }

  /** The first verdict of attempt `id` goes to the life cycle; a later one (cut off) is dropped. */
  private finish(id: number, o: CheckOutcome): void {
    const r = this.running.get(id);
    if (r === undefined) return;
    this.running.delete(id);
    this.opts.observe?.(r.type, o.ok, performance.now() - r.startedAt);
    // Outside the attempt's own call stack: the life cycle may start the next one at once.
    queueMicrotask(() => this.lc.outcome(id, o));
  }

  /** Cuts off the attempts past their limit (one timer for all of them, not one per attempt). */
  private sweep(): void {
    const now = Date.now();
    for (const [id, r] of this.running) {
      if (r.cutOffAt > now) continue;
      r.abort.abort();
      this.finish(id, { ok: false, reason: 'timed out' });
    }
    if (this.running.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private abort(id: number): void {
    const r = this.running.get(id);
    if (r === undefined) return;
    this.running.delete(id);
    r.abort.abort();
  }
}
