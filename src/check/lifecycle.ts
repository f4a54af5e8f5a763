/**
 * The health checkers' real-server life cycle, as keepalived 2.2.7's checker process runs it
 * (ipwrapper.c, check_api.c, the per-checker epilogs; shared/specs/checkers.md sections 2.1 and 3).
 * Pure: time, randomness and the attempts themselves are injected. The owner runs each requested
 * attempt (`ports.attempt`) and hands its verdict back (`outcome`); the life cycle decides what it
 * means, when the next one runs, and what the LVS table should hold.
 *
 * Rules, each traced to its keepalived function:
 * - checker state (epilogs): the first verdict is final (retry_it starts at retry); an up checker
 *   goes down after retry+1 consecutive failures spaced delay_before_retry; one success brings it
 *   back; the next attempt follows delay_loop (MISC: timed from the attempt's start). SMTP's
 *   variant (G3) is the module flag `retriesEachCycle`.
 * - real server (update_svr_checker_state, perform_svr_state): alive iff every checker is up;
 *   alpha checkers start down; inhibit_on_failure keeps a dead server at weight 0; a checker's
 *   `weight` moves the effective weight (update_svr_wgt).
 * - virtual server (update_quorum_state): quorum with hysteresis over the alive servers' weights;
 *   below it the sorry server replaces the pool.
 * - reload (clear_diff_services, migrate_checkers, check_new_rs_state) and stop (clear_services).
 */
import type { CheckerType, ScriptSpec } from '../config/model.js';
import type { CheckerStatus, RealServerStatus, VirtualServerStatus } from '../daemon/status-types.js';
import { canonicalAddress } from '../net/addr.js';
import type { CheckerPlan, CheckPlan, RealServerPlan, VirtualServerPlan } from './plan.js';
import { type DesiredDest, type DesiredService, type DesiredTable, destKey, realWeight } from './table.js';
import { TimerQueue } from './timer-queue.js';
import type { CheckOutcome } from './types.js';
import { downLine, failureLine, mailBody, upLine, type VerdictContext } from './wording.js';

/** keepalived BOOTSTRAP_DELAY: the first attempt runs 1 s (+ warmup) after start. */
export const BOOTSTRAP_DELAY_MS = 1000;

/** The clock the life cycle runs on (src/sim/clock.ts VirtualClock fits; realClock() below). */
export interface LifecycleClock {
  readonly now: number;
  schedule(at: number, fn: () => void): number;
  cancel(id: number): void;
}

export type LifecycleEvent =
  | {
      readonly type: 'log';
      readonly level: 'debug' | 'info' | 'warning' | 'error';
      readonly message: string;
    }
  /** notify_up/notify_down/quorum_up/quorum_down, run with no arguments; `stopping`: 1 s to live. */
  | {
      readonly type: 'script';
      readonly what: 'notify_up' | 'notify_down' | 'quorum_up' | 'quorum_down';
      readonly script: ScriptSpec;
      readonly stopping: boolean;
    }
  /** A line for notify_fifo and lvs_notify_fifo (`RS ... UP\n`, `VS ... DOWN\n`). */
  | { readonly type: 'fifo'; readonly line: string }
  | { readonly type: 'mail'; readonly subject: string; readonly body: string }
  /** A real server entered or left service, or its weight moved (the event stream of the HTTP API). */
  | {
      readonly type: 'real-server';
      readonly vs: string;
      readonly rs: string;
      readonly up: boolean;
      readonly weight: number;
      readonly reason: string;
    }
  /** A virtual server gained or lost quorum. */
  | { readonly type: 'quorum'; readonly vs: string; readonly up: boolean; readonly reason: string };

export interface AttemptRequest {
  readonly id: number;
  readonly checker: CheckerPlan;
  /** FMT_RS / FMT_VS, for the attempt's own log lines. */
  readonly rs: string;
  readonly vs: string;
  /** HTTP_GET/SSL_GET: the url to check (index into `checker.urls`); absent: the whole check. */
  readonly url?: number;
}

/** How a module wants its attempts scheduled (src/check/types.ts CheckerModule flags). */
export interface ModulePolicy {
  readonly scheduleFromStart?: boolean;
  readonly retriesEachCycle?: boolean;
  readonly retriesWhileDown?: boolean;
}

export interface LifecyclePorts {
  readonly clock: LifecycleClock;
  /** Uniform in [0, 1): the warmup spread. */
  readonly random: () => number;
  /** The module for a type, or undefined when vigil has none (its checkers never run). */
  readonly module: (type: CheckerType) => ModulePolicy | undefined;
  /** Run one attempt; its verdict comes back through `outcome(id, ...)`. */
  readonly attempt: (req: AttemptRequest) => void;
  /** Abandon a running attempt (its checker was removed). */
  readonly abort: (id: number) => void;
  readonly emit: (e: LifecycleEvent) => void;
  /** The desired LVS table, each time it changes. */
  readonly table: (t: DesiredTable) => void;
  readonly bootstrapDelayMs?: number;
}

interface CState {
  plan: CheckerPlan;
  isUp: boolean;
  hasRun: boolean;
  retryIt: number;
  /** This checker's share of the effective weight (keepalived cur_weight). */
  contribution: number;
  timer?: number;
  dueAt?: number;
  /** The id of the attempt under way. */
  running?: number;
  startedAt?: number;
  /** The next run starts a delay_loop cycle (not a retry). */
  cycleStart: boolean;
  lastRunAt?: number;
  last?: CheckOutcome;
  /** Removed (reload, stop): its timer never fires again. */
  dead?: boolean;
  /** HTTP_GET/SSL_GET url walk (check_http.c url_it, failed_url): the url the next attempt checks. */
  url: number;
  /** The url at `url` failed finally: it alone is re-polled until it passes. */
  failedUrl: boolean;
  /** Its place and timer callback, made once, not per attempt (a storm runs 12,000 a second). */
  slot?: Slot;
}

interface Slot {
  readonly vs: VState;
  readonly rs: RState;
  readonly c: CState;
  readonly fire: () => void;
}

interface RState {
  plan: RealServerPlan;
  alive: boolean;
  effective: number;
  checkers: CState[];
}

interface VState {
  plan: VirtualServerPlan;
  quorumUp: boolean;
  /** The sorry server is in service (keepalived s_svr alive). */
  sorryAlive: boolean;
  /** ha_suspend: none of its addresses is local, its checkers do not run (keepalived enabled = false). */
  suspended: boolean;
  rs: RState[];
  /**
   * This virtual server's part of the desired table, kept until a verdict changes it: an outcome
   * that changes nothing must not cost a walk over every server (12,000 outcomes a second).
   */
  services?: readonly DesiredService[];
}

/**
 * A real clock on Date.now(): every timer in one queue (timer-queue.ts) behind a single node
 * timer armed for the earliest, not a node Timeout per attempt.
 */
export function realClock(): LifecycleClock & { cancelAll(): void } {
  const queue = new TimerQueue();
  let timer: NodeJS.Timeout | undefined;
  let armedAt = Number.POSITIVE_INFINITY;
  let firing = false;
  const arm = () => {
    if (firing) return;
    const next = queue.nextAt();
    if (next === undefined) {
      clearTimeout(timer);
      timer = undefined;
      armedAt = Number.POSITIVE_INFINITY;
      return;
    }
    if (timer !== undefined && armedAt <= next) return;
    clearTimeout(timer);
    armedAt = next;
    timer = setTimeout(fire, Math.max(next - Date.now(), 0));
  };
  const fire = () => {
    timer = undefined;
    armedAt = Number.POSITIVE_INFINITY;
    firing = true;
    try {
      queue.runDue(Date.now());
    } finally {
      firing = false;
      arm();
    }
  };
  return {
    get now() {
      return Date.now();
    },
    schedule(at, fn) {
      const id = queue.push(at, fn);
      arm();
      return id;
    },
    cancel(id) {
      queue.cancel(id);
      if (queue.size === 0) arm();
    },
    cancelAll() {
      queue.clear();
      arm();
    },
  };
}

const numFailed = (rs: RState) => rs.checkers.filter((c) => !c.isUp).length;

export class HealthLifecycle {
  private vss: VState[] = [];
  private plan: CheckPlan;
  private nextAttempt = 1;
  private readonly byAttempt = new Map<number, Slot>();
  private readonly warnedTypes = new Set<CheckerType>();
  private lastTable = '';
  private stopped = false;
  /** The host's addresses (canonical text) for ha_suspend; undefined = not known (nothing suspended). */
  private local: ReadonlySet<string> | undefined;

  constructor(
    plan: CheckPlan,
    private readonly ports: LifecyclePorts,
  ) {
    this.plan = plan;
  }

  /** Initial table (init_services), then the checkers' first runs (register_checkers_thread). */
  start(): void {
    for (const w of this.plan.warnings) this.log('warning', w);
    this.vss = this.plan.virtualServers.map((p) => this.newVs(p));
    for (const vs of this.vss) this.initVs(vs);
    for (const vs of this.vss) for (const rs of vs.rs) for (const c of rs.checkers) this.activate(vs, rs, c);
    this.publish();
  }

  /** The verdict of attempt `id`. */
  outcome(id: number, o: CheckOutcome): void {
    const at = this.byAttempt.get(id);
    if (at === undefined || this.stopped) return;
    this.byAttempt.delete(id);
    const { vs, rs, c } = at;
    const wasAlive = rs.alive;
    const wasEffective = rs.effective;
    const wasSorry = vs.sorryAlive;
    c.running = undefined;
    c.lastRunAt = this.ports.clock.now;
    c.last = o;
    const policy = this.ports.module(c.plan.type) ?? {};
    if (c.plan.urls !== undefined)
      this.schedule(vs, rs, c, this.ports.clock.now + this.urlOutcome(vs, rs, c, o));
    else this.epilog(vs, rs, c, o, policy);
    // Only this server's state and its virtual server's quorum can have changed (the table's inputs).
    if (rs.alive !== wasAlive || rs.effective !== wasEffective || vs.sorryAlive !== wasSorry) {
      vs.services = undefined;
      this.publish();
    }
  }

  /** The common retry state machine (checkers.md 2.1; tcp_epilog and its siblings). */
  private epilog(vs: VState, rs: RState, c: CState, o: CheckOutcome, policy: ModulePolicy): void {
    const p = c.plan;
    if (o.ok) this.setContribution(vs, rs, c, o.weight !== undefined ? o.weight - rs.plan.weight : 0);
    else if (p.logAllFailures) {
      const final = (policy.retriesEachCycle || c.isUp || !c.hasRun) && c.retryIt >= p.retry;
      this.logFailure(vs, rs, c, final, c.retryIt + 1);
    }
    let delay = p.delayLoopMs;
    c.cycleStart = true;
    if (o.ok) {
      c.retryIt = 0;
      if (!c.isUp || !c.hasRun) this.verdict(vs, rs, c, true);
    } else if (policy.retriesEachCycle) {
      if (c.retryIt < p.retry) {
        c.retryIt++;
        delay = p.delayBeforeRetryMs;
        c.cycleStart = false;
      } else if (c.isUp || !c.hasRun) this.verdict(vs, rs, c, false);
    } else if ((c.isUp || !c.hasRun) && c.retryIt >= p.retry) {
      c.retryIt = 0;
      this.verdict(vs, rs, c, false);
    } else if (c.isUp) {
      c.retryIt++;
      delay = p.delayBeforeRetryMs;
    } else if (policy.retriesWhileDown) {
      // Down already: retry silently, then back to delay_loop (tcp_epilog).
      if (c.retryIt >= p.retry) c.retryIt = 0;
      else {
        c.retryIt++;
        delay = p.delayBeforeRetryMs;
      }
    }
    c.hasRun = true;
    const from = policy.scheduleFromStart ? (c.startedAt ?? this.ports.clock.now) : this.ports.clock.now;
    this.schedule(vs, rs, c, from + delay);
  }

  /**
   * HTTP_GET/SSL_GET (keepalived 2.2.7 check_http.c epilog, timeout_epilog): one url per attempt.
   * A passing url moves on to the next after delay_loop, and the checker is up after a whole pass
   * with no failed url. A failing url is retried after delay_before_retry while the checker is up
   * (or has not run; at start one failure is final); after retry+1 failures the checker goes down
   * and that url alone is re-polled every max(delay_before_retry, delay_loop); once it passes the
   * pass restarts at the first url. fast_recovery: while the checker has not run, or is down with
   * no failed url, the next url is checked at once after a success. Returns the delay to the next
   * attempt.
   */
  private urlOutcome(vs: VState, rs: RState, c: CState, o: CheckOutcome): number {
    const p = c.plan;
    const urls = p.urls ?? [];
    const failedDelay = Math.max(p.delayBeforeRetryMs, p.delayLoopMs);
    if (o.ok) {
      if (!c.isUp) {
        const what = o.detail?.split(' success')[0] ?? 'HTTP status code';
        this.log('info', `${what} success to ${rs.plan.name} url(${urls[c.url] ?? ''})`);
      }
      c.url++;
      c.retryIt = 0;
      if (c.url >= urls.length && !c.failedUrl) {
        if (!c.isUp || !c.hasRun) this.verdict(vs, rs, c, true);
        c.hasRun = true;
        c.url = 0;
      } else if (c.failedUrl) {
        c.failedUrl = false;
        c.url = 0;
      }
      if (!c.hasRun) c.retryIt = p.retry;
      const fast = p.fastRecovery && (!c.hasRun || (!c.isUp && !c.failedUrl));
      return fast ? 0 : p.delayLoopMs;
    }
    if (!c.isUp && c.hasRun) return c.failedUrl ? failedDelay : p.delayBeforeRetryMs;
    // keepalived marks the checker as run before it counts the failure: the down line then says
    // "failed after N retries" whenever retry > 0, the first failure included.
    const final = c.retryIt + 1 > p.retry;
    if (p.logAllFailures) this.logFailure(vs, rs, c, final, c.retryIt + 1);
    c.hasRun = true;
    c.retryIt++;
    if (!final) return p.delayBeforeRetryMs;
    if (c.isUp) this.verdict(vs, rs, c, false);
    c.failedUrl = true;
    return failedDelay;
  }

  /** log_all_failures: keepalived's line for a failed attempt, where it logs one (wording.ts). */
  private logFailure(vs: VState, rs: RState, c: CState, final: boolean, n: number): void {
    const line = failureLine(c.plan.type, this.ctx(vs, rs, c), { isUp: c.isUp, final, n });
    if (line !== undefined) this.log('info', line);
  }

  /**
   * What checker `plan` reads has changed (FILE_CHECK's inotify): its next attempt runs now instead
   * of at its timer. Nothing happens while an attempt is under way or once the checker is removed.
   */
  runNow(plan: CheckerPlan): void {
    if (this.stopped) return;
    for (const vs of this.vss)
      for (const rs of vs.rs)
        for (const c of rs.checkers) {
          if (c.plan !== plan || c.dead || c.running !== undefined || c.timer === undefined) continue;
          this.ports.clock.cancel(c.timer);
          this.schedule(vs, rs, c, this.ports.clock.now);
        }
  }

  /**
   * The host's addresses (canonical text, net/addr.ts canonicalAddress), from netlink: a virtual
   * server with ha_suspend has its checkers suspended while none of its addresses (or its group's)
   * is local (keepalived check_api.c update_checker_activity). Give them before `start` so that the
   * first lines say "Deactivating" where keepalived's do.
   */
  setLocalAddresses(addresses: ReadonlySet<string>): void {
    this.local = addresses;
    if (this.stopped) return;
    for (const vs of this.vss) {
      const suspended = this.isSuspended(vs.plan);
      if (suspended === vs.suspended) continue;
      vs.suspended = suspended;
      for (const rs of vs.rs)
        for (const c of rs.checkers)
          if (this.ports.module(c.plan.type) !== undefined)
            this.log(
              'info',
              `${suspended ? 'Suspend' : 'Activat'}ing healthchecker for service ${rs.plan.name} for VS ${vs.plan.name}`,
            );
    }
  }

  private isSuspended(p: VirtualServerPlan): boolean {
    const local = this.local;
    if (!p.haSuspend || local === undefined) return false;
    return !p.services.some(
      (a) => a.address !== undefined && local.has(canonicalAddress(a.address)?.address ?? a.address),
    );
  }

  /** SIGHUP: the new plan replaces this one; what is unchanged keeps its state and timers. */
  reload(plan: CheckPlan): void {
    if (this.stopped) return;
    const old = this.vss;
    this.plan = plan;
    for (const w of plan.warnings) this.log('warning', w);
    const next: VState[] = [];
    const matched = new Set<VState>();
    for (const p of plan.virtualServers) {
      const prev = old.find((v) => v.plan.key === p.key && !matched.has(v));
      if (prev === undefined) {
        const vs = this.newVs(p, true);
        for (const rs of vs.rs) this.initRs(vs, rs);
        next.push(vs);
        continue;
      }
      matched.add(prev);
      next.push(this.migrateVs(prev, p));
    }
    for (const vs of old) {
      if (matched.has(vs)) continue;
      this.log(
        'info',
        vs.plan.group !== undefined
          ? `Removing Virtual Server Group [${vs.plan.group}]`
          : `Removing Virtual Server ${vs.plan.name}`,
      );
      for (const rs of vs.rs) this.dropRs(vs, rs, false);
      this.updateVsNotifies(vs, false);
    }
    this.vss = next;
    for (const vs of next) {
      vs.services = undefined;
      this.updateQuorum(vs, true);
      for (const rs of vs.rs)
        for (const c of rs.checkers)
          if (c.timer === undefined && c.running === undefined) this.activate(vs, rs, c);
    }
    this.publish();
  }

  /** Shutdown (clear_services): every server leaves the table; omega notifies. */
  stop(): void {
    if (this.stopped) return;
    for (const vs of this.vss) {
      for (const rs of vs.rs) this.clearRs(vs, rs, true);
      vs.sorryAlive = false;
      this.updateVsNotifies(vs, true);
      for (const rs of vs.rs) for (const c of rs.checkers) this.cancel(c);
    }
    this.stopped = true;
    this.publish();
  }

  table(): DesiredTable {
    if (this.stopped) return { services: [] };
    const services: DesiredService[] = [];
    for (const vs of this.vss) {
      vs.services ??= this.vsServices(vs);
      services.push(...vs.services);
    }
    return { services };
  }

  /** One virtual server's services in the desired table (one per address of a group). */
  private vsServices(vs: VState): DesiredService[] {
    const services: DesiredService[] = [];
    const p = vs.plan;
    const sorryActive = p.sorry !== undefined && vs.sorryAlive;
    const dests = new Map<string, DesiredDest>();
    const add = (d: DesiredDest) => {
      const k = destKey(d);
      const prev = dests.get(k);
      if (prev === undefined || prev.weight < d.weight) dests.set(k, d);
    };
    for (const rs of vs.rs) {
      const serving = rs.alive && !sorryActive;
      if (!serving && !rs.plan.inhibit) continue;
      const r = rs.plan;
      add({
        family: r.family,
        address: r.address,
        port: r.port,
        weight: serving ? realWeight(rs.effective) : 0,
        method: r.method,
        ...(r.tunnel !== undefined ? { tunnel: r.tunnel } : {}),
        ...(r.uThreshold !== undefined ? { uThreshold: r.uThreshold } : {}),
        ...(r.lThreshold !== undefined ? { lThreshold: r.lThreshold } : {}),
        sorry: false,
      });
    }
    const s = p.sorry;
    if (s !== undefined && (sorryActive || s.inhibit)) {
      add({
        family: s.family,
        address: s.address,
        port: s.port,
        weight: sorryActive ? 1 : 0,
        method: s.method,
        ...(s.tunnel !== undefined ? { tunnel: s.tunnel } : {}),
        sorry: true,
      });
    }
    for (const a of p.services) {
      services.push({
        key:
          a.fwmark !== undefined
            ? `FWM ${a.fwmark} ${a.family}`
            : `${p.protocol ?? 'UDP'} ${destKey({ address: a.address ?? '', port: a.port ?? 0 })}`,
        vs: p.name,
        family: a.family,
        ...(a.fwmark === undefined && p.protocol !== undefined ? { protocol: p.protocol } : {}),
        ...(a.address !== undefined ? { address: a.address, port: a.port ?? 0 } : {}),
        ...(a.fwmark !== undefined ? { fwmark: a.fwmark } : {}),
        scheduler: p.scheduler,
        ...(p.persistenceTimeoutS !== undefined ? { persistenceTimeoutS: p.persistenceTimeoutS } : {}),
        ...(p.persistenceGranularity !== undefined
          ? { persistenceGranularity: p.persistenceGranularity }
          : {}),
        ...(p.persistenceEngine !== undefined ? { persistenceEngine: p.persistenceEngine } : {}),
        ...(p.schedFlags !== undefined ? { schedFlags: p.schedFlags } : {}),
        ...(p.onePacket ? { onePacket: true } : {}),
        dests: [...dests.values()].filter((d) => d.family === a.family || d.method === 'TUN'),
      });
    }
    return services;
  }

  status(): VirtualServerStatus[] {
    return this.vss.map((vs) => ({
      name: vs.plan.name,
      address: vs.plan.display.address,
      port: vs.plan.display.port,
      protocol: vs.plan.display.protocol,
      fwmark: vs.plan.display.fwmark,
      quorumUp: vs.quorumUp,
      sorryServerActive: vs.plan.sorry !== undefined && vs.sorryAlive,
      realServers: vs.rs.map(
        (rs): RealServerStatus => ({
          address: rs.plan.address,
          port: rs.plan.port,
          weight: rs.plan.weight,
          effectiveWeight: rs.effective,
          alive: rs.alive,
          checkers: rs.checkers.map(
            (c): CheckerStatus => ({
              type: c.plan.type,
              ok: c.isUp,
              reason: c.last !== undefined && !c.last.ok ? c.last.reason : null,
              lastRunAt: c.lastRunAt !== undefined ? new Date(c.lastRunAt).toISOString() : null,
            }),
          ),
        }),
      ),
    }));
  }

  // --- construction and reload ---

  private newVs(p: VirtualServerPlan, reloaded = false): VState {
    return {
      plan: p,
      // set_quorum_states: before any server is added, i.e. from zero weight.
      quorumUp: 0 >= p.quorum + p.hysteresis,
      sorryAlive: false,
      suspended: this.isSuspended(p),
      rs: p.realServers.map((r) => this.newRs(r, reloaded)),
    };
  }

  /**
   * A real server's initial state: alpha checkers down. At start one failure is final (retry_it =
   * retry, validate_check_config); a server added by a reload counts retries (check_new_rs_state).
   */
  private newRs(p: RealServerPlan, reloaded: boolean): RState {
    const checkers = p.checkers.map(
      (c): CState => ({
        plan: c,
        isUp: !c.alpha,
        hasRun: false,
        retryIt: reloaded ? 0 : c.retry,
        contribution: 0,
        cycleStart: true,
        url: 0,
        failedUrl: false,
      }),
    );
    return { plan: p, alive: false, effective: p.weight, checkers };
  }

  /** init_service_vs at start. */
  private initVs(vs: VState): void {
    for (const rs of vs.rs) this.initRs(vs, rs);
    this.updateQuorum(vs, true);
  }

  /**
   * init_service_rs: a server with no failed checker is in service from the start, notifying only
   * with rs_init_notifies.
   */
  private initRs(vs: VState, rs: RState): void {
    if (numFailed(rs) > 0) return;
    rs.alive = true;
    if (this.plan.rsInitNotifies) this.rsNotifies(vs, rs, false);
  }

  private anyRan(rs: RState): boolean {
    return rs.checkers.some((c) => c.hasRun);
  }

  private migrateVs(prev: VState, p: VirtualServerPlan): VState {
    const vs: VState = {
      plan: p,
      quorumUp: prev.quorumUp,
      sorryAlive: false,
      suspended: this.isSuspended(p),
      rs: [],
    };
    const os = prev.plan.sorry;
    if (os !== undefined && prev.sorryAlive) {
      if (p.sorry !== undefined && p.sorry.address === os.address && p.sorry.port === os.port)
        vs.sorryAlive = true;
      else this.log('info', `Removing sorry server ${os.name} from VS ${prev.plan.name}`);
    }
    const used = new Set<RState>();
    for (const r of p.realServers) {
      const old = prev.rs.find((x) => x.plan.key === r.key && !used.has(x));
      if (old === undefined) {
        const rs = this.newRs(r, true);
        vs.rs.push(rs);
        this.initRs(vs, rs);
        continue;
      }
      used.add(old);
      vs.rs.push(this.migrateRs(vs, old, r));
    }
    for (const rs of prev.rs) {
      if (used.has(rs)) continue;
      this.log('info', `service ${rs.plan.name} no longer exist`);
      this.dropRs(prev, rs, false);
    }
    this.updateVsNotifies(vs, false);
    return vs;
  }

  /** clear_diff_rs + migrate_checkers for one real server found in both configs. */
  private migrateRs(vs: VState, old: RState, p: RealServerPlan): RState {
    const rs = this.newRs(p, true);
    rs.alive = old.alive;
    rs.effective = old.effective;
    for (const c of rs.checkers) c.isUp = true;
    const pool = [...old.checkers];
    for (const c of rs.checkers) {
      const i = pool.findIndex((o) => o.plan.type === c.plan.type && o.plan.compareKey === c.plan.compareKey);
      if (i < 0) {
        c.retryIt = 0;
        continue;
      }
      const [o] = pool.splice(i, 1) as [CState];
      o.dead = true;
      if (o.hasRun) c.isUp = o.isUp;
      c.hasRun = o.hasRun;
      c.retryIt = o.retryIt && c.plan.retry ? Math.min(o.retryIt, c.plan.retry - 1) : 0;
      c.contribution = o.contribution;
      c.last = o.last;
      if (o.lastRunAt !== undefined) c.lastRunAt = o.lastRunAt;
      c.cycleStart = o.cycleStart;
      c.url = o.url;
      c.failedUrl = o.failedUrl;
      // The timer and any attempt under way carry over to the new checker.
      if (o.running !== undefined) {
        c.running = o.running;
        if (o.startedAt !== undefined) c.startedAt = o.startedAt;
        this.byAttempt.set(o.running, this.slotOf(vs, rs, c));
        o.running = undefined;
      } else if (o.dueAt !== undefined) {
        const due = o.dueAt;
        this.cancel(o);
        this.schedule(vs, rs, c, due);
      }
    }
    for (const o of pool) {
      o.dead = true;
      this.cancel(o);
    }
    const failed = numFailed(rs);
    if (failed > 0 || (!rs.alive && !this.anyRan(rs))) {
      for (const c of rs.checkers) {
        if (c.hasRun) continue;
        if (c.plan.alpha) c.isUp = false;
        c.retryIt = c.plan.retry;
      }
    }
    const target = p.weight + rs.checkers.reduce((n, c) => n + c.contribution, 0);
    if (target !== rs.effective) this.updateWeight(vs, rs, target, false);
    if (numFailed(rs) === 0 && !rs.alive) this.performSvrState(vs, rs, true, 'reload');
    return rs;
  }

  // --- scheduling ---

  private activate(vs: VState, rs: RState, c: CState): void {
    const policy = this.ports.module(c.plan.type);
    if (policy === undefined) {
      if (!this.warnedTypes.has(c.plan.type)) {
        this.warnedTypes.add(c.plan.type);
        this.log(
          'warning',
          `${c.plan.type} is not implemented by vigil: its checkers do not run (their real servers stay up, or down with alpha)`,
        );
      }
      return;
    }
    this.log(
      'info',
      `${vs.suspended ? 'Dea' : 'A'}ctivating healthchecker for service ${rs.plan.name} for VS ${vs.plan.name}`,
    );
    const warmup = c.plan.warmupMs > 0 ? c.plan.warmupMs * this.ports.random() : 0;
    this.schedule(
      vs,
      rs,
      c,
      this.ports.clock.now + (this.ports.bootstrapDelayMs ?? BOOTSTRAP_DELAY_MS) + warmup,
    );
  }

  private schedule(vs: VState, rs: RState, c: CState, at: number): void {
    const when = Math.max(at, this.ports.clock.now);
    c.dueAt = when;
    c.timer = this.ports.clock.schedule(when, this.slotOf(vs, rs, c).fire);
  }

  private slotOf(vs: VState, rs: RState, c: CState): Slot {
    const s = c.slot;
    if (s !== undefined && s.vs === vs && s.rs === rs) return s;
    c.slot = {
      vs,
      rs,
      c,
      fire: () => {
        c.timer = undefined;
        c.dueAt = undefined;
        this.run(vs, rs, c);
      },
    };
    return c.slot;
  }

  private run(vs: VState, rs: RState, c: CState): void {
    if (this.stopped || c.dead) return;
    // ha_suspend: a disabled checker only reschedules, keeping its state (check_*_thread).
    if (vs.suspended) {
      this.schedule(vs, rs, c, this.ports.clock.now + c.plan.delayLoopMs);
      return;
    }
    const policy = this.ports.module(c.plan.type) ?? {};
    if (policy.retriesEachCycle && c.cycleStart) c.retryIt = 0;
    const id = this.nextAttempt++;
    c.running = id;
    c.startedAt = this.ports.clock.now;
    this.byAttempt.set(id, this.slotOf(vs, rs, c));
    this.ports.attempt({
      id,
      checker: c.plan,
      rs: rs.plan.name,
      vs: vs.plan.name,
      ...(c.plan.urls !== undefined ? { url: c.url } : {}),
    });
  }

  private cancel(c: CState): void {
    if (c.timer !== undefined) this.ports.clock.cancel(c.timer);
    c.timer = undefined;
    c.dueAt = undefined;
    if (c.running !== undefined) {
      this.byAttempt.delete(c.running);
      this.ports.abort(c.running);
      c.running = undefined;
    }
  }

  // --- keepalived's state changes ---

  private ctx(vs: VState, rs: RState, c: CState): VerdictContext {
    const spec = c.plan.spec;
    return {
      rs: rs.plan.name,
      vs: vs.plan.name,
      retry: c.plan.retry,
      hasRun: c.hasRun,
      ...(c.last !== undefined && !c.last.ok ? { reason: c.last.reason } : {}),
      ...(spec.type === 'MISC_CHECK' && spec.miscPath ? { script: spec.miscPath.argv[0] ?? '' } : {}),
    };
  }

  /** A checker's verdict changes (or is given for the first time): log, state, mail. */
  private verdict(vs: VState, rs: RState, c: CState, up: boolean): void {
    const ctx = this.ctx(vs, rs, c);
    const line = up ? upLine(c.plan.type, ctx) : downLine(c.plan.type, ctx);
    if (line !== undefined) this.log('info', line);
    const wasUp = c.isUp;
    const rsWasAlive = rs.alive;
    if (!up && c.contribution !== 0) {
      // keepalived drops a failed checker's weight share without a weight-change log.
      rs.effective -= c.contribution;
      c.contribution = 0;
    }
    this.updateCheckerState(vs, rs, c, up);
    if (rs.plan.smtpAlert && wasUp !== up && (rsWasAlive !== rs.alive || !this.plan.noCheckerEmails)) {
      this.ports.emit({
        type: 'mail',
        subject: `[${this.plan.routerId}] Realserver ${rs.plan.name} of virtual server ${vs.plan.name} - ${rs.alive ? 'UP' : 'DOWN'}`,
        body: mailBody(c.plan.type, up, ctx.reason),
      });
    }
  }

  /** update_svr_checker_state. */
  private updateCheckerState(vs: VState, rs: RState, c: CState, up: boolean): void {
    if (c.isUp === up) {
      if (!c.hasRun && (c.plan.alpha || !up)) this.rsNotifies(vs, rs, false);
      c.hasRun = true;
      return;
    }
    c.hasRun = true;
    const failed = numFailed(rs);
    const why = up
      ? `${c.plan.type} succeeded`
      : `${c.plan.type} failed${c.last !== undefined && !c.last.ok ? `: ${c.last.reason}` : ''}`;
    if (up ? failed <= 1 : failed === 0) this.performSvrState(vs, rs, up, why);
    c.isUp = up;
  }

  /** perform_svr_state. */
  private performSvrState(vs: VState, rs: RState, alive: boolean, reason: string): void {
    if (rs.alive === alive) return;
    const inh = rs.plan.inhibit;
    const verb = alive ? (inh ? 'Enabling' : 'Adding') : inh ? 'Disabling' : 'Removing';
    this.log(
      'info',
      `${verb} service ${rs.plan.name} ${inh ? 'of' : alive ? 'to' : 'from'} VS ${vs.plan.name}`,
    );
    rs.alive = alive;
    this.serverEvent(vs, rs, reason);
    this.rsNotifies(vs, rs, false);
    this.updateQuorum(vs, false);
  }

  private serverEvent(vs: VState, rs: RState, reason: string): void {
    this.ports.emit({
      type: 'real-server',
      vs: vs.plan.name,
      rs: rs.plan.name,
      up: rs.alive,
      weight: realWeight(rs.effective),
      reason,
    });
  }

  /** do_rs_notifies: notify_up/notify_down and the FIFO line. */
  private rsNotifies(vs: VState, rs: RState, stopping: boolean): void {
    const script = rs.alive ? rs.plan.notifyUp : rs.plan.notifyDown;
    if (script !== undefined)
      this.ports.emit({ type: 'script', what: rs.alive ? 'notify_up' : 'notify_down', script, stopping });
    this.ports.emit({
      type: 'fifo',
      line: `RS ${rs.plan.name} ${vs.plan.name} ${rs.alive ? 'UP' : 'DOWN'}\n`,
    });
  }

  private weightSum(vs: VState): number {
    return vs.rs.reduce((n, rs) => n + (rs.alive ? realWeight(rs.effective) : 0), 0);
  }

  /** update_quorum_state. */
  private updateQuorum(vs: VState, init: boolean): void {
    const p = vs.plan;
    const w = this.weightSum(vs);
    const threshold = p.quorum + (vs.quorumUp ? -1 : 1) * p.hysteresis;
    const s = p.sorry;
    if (!vs.quorumUp && w >= threshold) {
      vs.quorumUp = true;
      const line = `Gained quorum ${p.quorum}+${p.hysteresis}=${threshold} <= ${w} for VS ${p.name}`;
      this.log('info', line);
      this.ports.emit({ type: 'quorum', vs: p.name, up: true, reason: line });
      if (s !== undefined && vs.sorryAlive) {
        this.log('info', `${s.inhibit ? 'Disabling' : 'Removing'} sorry server ${s.name} from VS ${p.name}`);
        vs.sorryAlive = false;
        this.log('info', `Adding alive servers to the pool for VS ${p.name}`);
      }
      this.vsNotifies(vs, init, threshold, w, false);
    } else if (
      (vs.quorumUp && (w === 0 || w < threshold)) ||
      (init && !vs.quorumUp && s !== undefined && !vs.sorryAlive)
    ) {
      vs.quorumUp = false;
      const line = `${init ? 'Starting with quorum down' : 'Lost quorum'} ${p.quorum}-${p.hysteresis}=${threshold} > ${w} for VS ${p.name}`;
      this.log('info', line);
      this.ports.emit({ type: 'quorum', vs: p.name, up: false, reason: line });
      if (s !== undefined && !vs.sorryAlive) {
        this.log('info', `${s.inhibit ? 'Enabling' : 'Adding'} sorry server ${s.name} to VS ${p.name}`);
        this.log('info', `Removing alive servers from the pool for VS ${p.name}`);
        vs.sorryAlive = true;
      }
      this.vsNotifies(vs, init, threshold, w, false);
    }
  }

  /** do_vs_notifies. */
  private vsNotifies(vs: VState, init: boolean, threshold: number, w: number, stopping: boolean): void {
    const p = vs.plan;
    if (stopping && !p.omega) return;
    const up = vs.quorumUp;
    const script = up ? p.quorumUp : p.quorumDown;
    if (script !== undefined)
      this.ports.emit({ type: 'script', what: up ? 'quorum_up' : 'quorum_down', script, stopping });
    this.ports.emit({ type: 'fifo', line: `VS ${p.name} ${up ? 'UP' : 'DOWN'}\n` });
    if (p.smtpAlert) {
      const what = up
        ? init
          ? 'Starting with quorum up'
          : 'Gained quorum'
        : init
          ? 'Starting with quorum down'
          : 'Lost quorum';
      this.ports.emit({
        type: 'mail',
        subject: `[${this.plan.routerId}] Virtualserver ${p.name} - ${up ? 'UP' : 'DOWN'}`,
        body: stopping
          ? '=> Shutting down <='
          : `=> ${what} ${p.quorum}+${p.hysteresis}=${threshold} <= ${w} <=`,
      });
    }
  }

  /** update_vs_notifies: quorum may only be lost here (servers leaving). */
  private updateVsNotifies(vs: VState, stopping: boolean): void {
    const threshold = vs.plan.quorum - vs.plan.hysteresis;
    const w = this.weightSum(vs);
    if (stopping || (vs.quorumUp && (w === 0 || w < threshold))) {
      if (vs.quorumUp)
        this.ports.emit({
          type: 'quorum',
          vs: vs.plan.name,
          up: false,
          reason: stopping ? 'shutdown' : `servers removed: weight ${w} < ${threshold}`,
        });
      vs.quorumUp = false;
      this.vsNotifies(vs, false, threshold, w, stopping);
    }
  }

  /** clear_service_rs. */
  private clearRs(vs: VState, rs: RState, stopping: boolean): void {
    const set = rs.plan.inhibit || (rs.alive && !(vs.plan.sorry !== undefined && vs.sorryAlive));
    if (set || stopping) {
      this.log(
        'info',
        `${stopping ? 'Shutting down' : 'Removing'} ${rs.plan.inhibit && !rs.alive ? '(inhibited) ' : ''}service ${rs.plan.name} from VS ${vs.plan.name}`,
      );
    }
    if (!set || !rs.alive) {
      rs.alive = false;
      return;
    }
    rs.alive = false;
    this.serverEvent(vs, rs, stopping ? 'shutdown' : 'removed from the configuration');
    if (!vs.plan.omega && stopping) return;
    this.rsNotifies(vs, rs, stopping);
    if (rs.plan.smtpAlert) {
      this.ports.emit({
        type: 'mail',
        subject: `[${this.plan.routerId}] Realserver ${rs.plan.name} of virtual server ${vs.plan.name} - DOWN`,
        body: stopping ? '=> Shutting down <=' : '=> Removing <=',
      });
    }
  }

  /** A real server leaves on reload: out of the table, its checkers stopped. */
  private dropRs(vs: VState, rs: RState, stopping: boolean): void {
    this.clearRs(vs, rs, stopping);
    for (const c of rs.checkers) {
      c.dead = true;
      this.cancel(c);
    }
  }

  private setContribution(vs: VState, rs: RState, c: CState, contribution: number): void {
    if (contribution === c.contribution) return;
    const target = rs.effective - c.contribution + contribution;
    c.contribution = contribution;
    this.updateWeight(vs, rs, target, true);
  }

  /** update_svr_wgt. */
  private updateWeight(vs: VState, rs: RState, weight: number, updateQuorum: boolean): void {
    const before = realWeight(rs.effective);
    const after = realWeight(weight);
    rs.effective = weight;
    if (before === after) return;
    this.log(
      'info',
      `Changing weight from ${before} to ${after} for ${rs.alive ? '' : 'in'}active service ${rs.plan.name} of VS ${vs.plan.name}`,
    );
    this.serverEvent(vs, rs, `weight ${before} -> ${after}`);
    if (updateQuorum) this.updateQuorum(vs, false);
  }

  private log(level: 'info' | 'warning' | 'error', message: string): void {
    this.ports.emit({ type: 'log', level, message });
  }

  private publish(): void {
    const t = this.table();
    const text = JSON.stringify(t);
    if (text === this.lastTable) return;
    this.lastTable = text;
    this.ports.table(t);
  }
}
