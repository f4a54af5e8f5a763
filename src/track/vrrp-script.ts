/**
 * vrrp_script tracking (keepalived vrrp_scheduler.c vrrp_script_child_thread / vrrp_init_script).
 *
 * Pure part: a counter `result` in 0..rise+fall-1; the script is OK while result >= rise.
 * - Start: result = rise-1 and the state is 'init' ("one success is enough"); with init_fail the
 *   state is 'failed' and result = 0.
 * - A success below rise-1 counts up; reaching rise-1 -> rise turns it OK and jumps to rise+fall-1.
 * - A failure above rise counts down; at rise (or while still 'init') it turns FAILED and drops to 0.
 * - Exit status 0 is success; any other status, death by a signal and a timeout are failures;
 *   a script that could not be started at all is a failure too.
 * The edge (VrrpScriptTracker) runs the script every interval and skips a tick while it still runs.
 */
import type { VrrpScript } from '../config/model.js';
import type { RunRequest, ScriptIdentity, ScriptResult } from '../scripts/runner.js';

export type ScriptHealth = 'init' | 'ok' | 'failed';

export interface ScriptCounter {
  readonly health: ScriptHealth;
  readonly result: number;
}

export interface RiseFall {
  readonly rise: number;
  readonly fall: number;
}

export type ScriptOutcome = { readonly success: true } | { readonly success: false; readonly why: string };

export function initialCounter(rf: RiseFall, initFail: boolean): ScriptCounter {
  return initFail ? { health: 'failed', result: 0 } : { health: 'init', result: Math.max(rf.rise - 1, 0) };
}

/**
 * The counter a script starts from after a reload, given its health before. keepalived
 * (clear_diff_script) marks a script that was successful "considered successful on reload"; vigil
 * carries a failure over too, so a reload never gives a failing master its priority back for as
 * long as the script's first run takes.
 */
export function carriedCounter(rf: RiseFall, health: 'ok' | 'failed'): ScriptCounter {
  return health === 'ok'
    ? { health: 'ok', result: Math.max(rf.rise, 1) + Math.max(rf.fall, 1) - 1 }
    : { health: 'failed', result: 0 };
}

/** keepalived's reading of one run: only exit status 0 is a success. */
export function outcomeOf(r: ScriptResult): ScriptOutcome {
  if (r.spawnError !== undefined) return { success: false, why: `could not run: ${r.spawnError}` };
  if (r.timedOut) return { success: false, why: 'timed out' };
  if (r.signal !== null) return { success: false, why: `killed by ${r.signal}` };
  if (r.exitCode === 0) return { success: true };
  return { success: false, why: `exited with status ${r.exitCode}` };
}

/** Apply one outcome; `changed` is true when the health flipped (or left 'init'). */
export function step(
  c: ScriptCounter,
  o: ScriptOutcome,
  rf: RiseFall,
): { counter: ScriptCounter; changed: boolean } {
  const rise = Math.max(rf.rise, 1);
  const top = rise + Math.max(rf.fall, 1) - 1;
  if (o.success) {
    if (c.result < rise - 1) {
      const counter = { health: c.health, result: c.result + 1 };
      return { counter, changed: false };
    }
    if (c.health === 'ok') return { counter: { health: 'ok', result: top }, changed: false };
    return { counter: { health: 'ok', result: top }, changed: true };
  }
  if (c.result > rise) return { counter: { health: c.health, result: c.result - 1 }, changed: false };
  const changed = c.health !== 'failed';
  return { counter: { health: 'failed', result: 0 }, changed };
}

export interface ScriptSchedule {
  readonly intervalMs: number;
  /** keepalived: timeout defaults to the interval. */
  readonly timeoutMs: number;
}

export function scheduleOf(s: VrrpScript): ScriptSchedule {
  const intervalMs = Math.max(s.intervalMs, 1);
  return { intervalMs, timeoutMs: s.timeoutMs !== undefined && s.timeoutMs > 0 ? s.timeoutMs : intervalMs };
}

// ---- edge ----

export interface ScriptTrackerPorts {
  readonly run: (req: RunRequest) => Promise<ScriptResult>;
  readonly setTimer: (fn: () => void, ms: number) => unknown;
  readonly clearTimer: (t: unknown) => void;
  /** Health changed (including init -> ok/failed). */
  readonly onChange: (name: string, health: ScriptHealth, why: string) => void;
  readonly log?: (msg: string) => void;
}

/** Runs one vrrp_script every interval (first run at once) and keeps its counter. */
export class VrrpScriptTracker {
  private counter: ScriptCounter;
  private running = false;
  private timer: unknown;
  private stopped = true;
  private lastStatus: string | undefined;

  constructor(
    readonly script: VrrpScript,
    private readonly identity: ScriptIdentity | undefined,
    private readonly ports: ScriptTrackerPorts,
    /** Health carried over from before a reload. */
    carried?: 'ok' | 'failed',
  ) {
    this.counter = carried ? carriedCounter(script, carried) : initialCounter(script, script.initFail);
  }

  get health(): ScriptHealth {
    return this.counter.health;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.ports.clearTimer(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    if (this.stopped) return;
    const sched = scheduleOf(this.script);
    this.timer = this.ports.setTimer(() => this.tick(), sched.intervalMs);
    if (this.running) {
      this.ports.log?.(`Track script ${this.script.name} is already running, expect idle - skipping run`);
      return;
    }
    const argv = this.script.script?.argv;
    if (argv === undefined || argv.length === 0) return;
    this.running = true;
    this.ports
      .run({ argv, timeoutMs: sched.timeoutMs, ...(this.identity ? { identity: this.identity } : {}) })
      .then((r) => this.complete(r))
      .catch((e: unknown) =>
        this.complete({
          exitCode: null,
          signal: null,
          timedOut: false,
          durationMs: 0,
          spawnError: String(e),
        }),
      );
  }

  private complete(r: ScriptResult): void {
    this.running = false;
    const o = outcomeOf(r);
    const status = o.success ? 'success' : o.why;
    if (status !== this.lastStatus) {
      this.ports.log?.(`Script \`${this.script.name}\` now ${o.success ? 'returning 0' : o.why}`);
      this.lastStatus = status;
    }
    const { counter, changed } = step(this.counter, o, this.script);
    this.counter = counter;
    if (changed && !this.stopped)
      this.ports.onChange(this.script.name, counter.health, o.success ? 'succeeded' : o.why);
  }
}
