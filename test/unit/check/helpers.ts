/** A life cycle on a virtual clock, with scripted attempt verdicts, for the health-check tests. */

import {
  type AttemptRequest,
  HealthLifecycle,
  type LifecycleEvent,
  type ModulePolicy,
} from '../../../src/check/lifecycle.js';
import { type CheckPlan, planChecks } from '../../../src/check/plan.js';
import type { DesiredTable } from '../../../src/check/table.js';
import type { CheckOutcome } from '../../../src/check/types.js';
import type { CheckerType } from '../../../src/config/model.js';
import { VirtualClock } from '../../../src/sim/clock.js';
import { check, show } from '../config/model/helpers.js';

export function planOf(conf: string): CheckPlan {
  const r = check(conf);
  if (r.model === undefined) throw new Error(show(r));
  return planChecks(r.model, { hostname: 'lb1' });
}

/** A verdict, or a verdict that arrives `afterMs` later (the attempt's duration). */
export type Answer = CheckOutcome | { readonly afterMs: number; readonly outcome: CheckOutcome };

export interface Harness {
  readonly lc: HealthLifecycle;
  readonly clock: VirtualClock;
  readonly attempts: { at: number; req: AttemptRequest }[];
  readonly events: LifecycleEvent[];
  readonly tables: DesiredTable[];
  readonly aborted: number[];
  /** Whether each real server address answers (default: up). */
  readonly health: Map<string, boolean>;
  /** Override the answer for an attempt. */
  respond: (req: AttemptRequest) => Answer;
  logs(): string[];
  /** Log lines emitted since the last call. */
  newLogs(): string[];
  /** `address:port=weight` of the last table's first service. */
  dests(): string[];
  run(ms: number): void;
}

export interface HarnessOptions {
  readonly random?: () => number;
  readonly policies?: Partial<Record<CheckerType, ModulePolicy>>;
  /** Types without a module. */
  readonly missing?: readonly CheckerType[];
}

export function harness(conf: string | CheckPlan, opts: HarnessOptions = {}): Harness {
  const plan = typeof conf === 'string' ? planOf(conf) : conf;
  const clock = new VirtualClock();
  const attempts: Harness['attempts'] = [];
  const events: LifecycleEvent[] = [];
  const tables: DesiredTable[] = [];
  const aborted: number[] = [];
  const health = new Map<string, boolean>();
  let seen = 0;
  const h: Harness = {
    clock,
    attempts,
    events,
    tables,
    aborted,
    health,
    respond: (req) =>
      (health.get(req.checker.target.address) ?? true)
        ? { ok: true }
        : { ok: false, reason: 'connection refused' },
    lc: new HealthLifecycle(plan, {
      clock,
      random: opts.random ?? (() => 0),
      module: (t) => (opts.missing?.includes(t) ? undefined : (opts.policies?.[t] ?? {})),
      attempt: (req) => {
        attempts.push({ at: clock.now, req });
        const a = h.respond(req);
        if ('afterMs' in a) clock.schedule(clock.now + a.afterMs, () => h.lc.outcome(req.id, a.outcome));
        else h.lc.outcome(req.id, a);
      },
      abort: (id) => aborted.push(id),
      emit: (e) => events.push(e),
      table: (t) => tables.push(t),
    }),
    logs: () => events.flatMap((e) => (e.type === 'log' ? [e.message] : [])),
    newLogs: () => {
      const all = h.logs();
      const out = all.slice(seen);
      seen = all.length;
      return out;
    },
    dests: () => (tables.at(-1)?.services[0]?.dests ?? []).map((d) => `${d.address}:${d.port}=${d.weight}`),
    run: (ms) => clock.runFor(ms),
  };
  return h;
}

/** A virtual_server block around `body` (real servers and options). */
export function vs(body: string, head = '192.0.2.100 80'): string {
  return `virtual_server ${head} {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  delay_loop 10
${body}
}
`;
}

export const VS = '[192.0.2.100]:tcp:80';
export const RS1 = '[198.51.100.1]:tcp:80';
export const RS2 = '[198.51.100.2]:tcp:80';
