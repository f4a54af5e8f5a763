/**
 * MISC_CHECK (keepalived check_misc.c): runs `misc_path` through the script runner
 * (src/scripts/runner.ts: own process group, the script's user/group, a clean environment, no extra
 * arguments) and judges its exit.
 *
 * - Limit: `misc_timeout`, else the **virtual server's** delay_loop (misc_check_thread passes
 *   checker->vs->delay_loop, not the checker's). The checker cannot see the virtual server, so the
 *   life cycle passes it as `MiscCheckerEnv.vsDelayLoopMs` (default 60 s, keepalived's delay_loop
 *   default). `ctx.timeoutMs` (connect_timeout, which MISC_CHECK does not take) is not the limit.
 *   On the limit the process group gets SIGTERM, then SIGKILL 2 s later.
 * - Verdict (miscOutcome, pure): exit 0 = success; with misc_dynamic, 2..255 = success with weight
 *   status - 2 (1 = failure); any other status = failure "exited with status N"; killed by our
 *   SIGTERM/SIGKILL after the limit = "timed out"; killed by another signal = "due to signal N".
 *   As in keepalived, a script that exits (even 0) on our SIGTERM is judged by its exit status.
 * - Security (prepareMiscScript): the user is `user USER [GROUP]`, else global script_user, else
 *   keepalived_script if it exists, else vigil's own; a command without '/' is looked up in PATH; a
 *   missing or non-executable script, and with enable_script_security an insecure one run as root,
 *   is not run. keepalived removes such a checker at startup (check_misc_script_security), so it
 *   neither fails nor passes: `admit` refuses it and the checker service (service.ts) drops it from
 *   the plan, logging keepalived's line. An attempt of a refused script (only when called directly)
 *   resolves failure "not run: ...", never runs it.
 * - Abort: the attempt resolves at once; the script's group is signalled (TERM, KILL after 2 s) and
 *   reaped by the runner in the background.
 * keepalived's per-type defaults: retry 0, delay_before_retry 1 s.
 */
import { constants as osConstants } from 'node:os';
import type { MiscChecker } from '../../config/model.js';
import { fsSecurityHost, loadAccounts, resolveCommand } from '../../scripts/fs-host.js';
import { type AccountDb, resolveScriptIdentity } from '../../scripts/identity.js';
import {
  DEFAULT_KILL_GRACE_MS,
  preflight,
  type RunningScript,
  type RunRequest,
  type ScriptIdentity,
  type ScriptResult,
  startScript,
} from '../../scripts/runner.js';
import { checkScriptSecurity, type SecurityHost } from '../../scripts/security.js';
import type { CheckerEnv, CheckerModule, CheckOutcome } from '../types.js';

/** keepalived's default delay_loop (KEEPALIVED_DEFAULT_DELAY), misc_timeout's last fallback. */
export const DEFAULT_VS_DELAY_LOOP_MS = 60_000;

/** What MISC_CHECK takes from its environment beyond CheckerEnv; every field has a real-host default. */
export interface MiscCheckerEnv extends CheckerEnv {
  /** The virtual server's delay_loop (ms): the script's limit when misc_timeout is not given. */
  readonly vsDelayLoopMs?: number;
  /** global_defs enable_script_security. */
  readonly enableScriptSecurity?: boolean;
  /** global_defs script_user USER [GROUP]. */
  readonly scriptUser?: string;
  readonly scriptGroup?: string;
  readonly accounts?: () => AccountDb;
  readonly security?: SecurityHost;
  readonly self?: ScriptIdentity;
  /** PATH lookup for a command without '/'. */
  readonly resolve?: (cmd: string, identity: ScriptIdentity) => string | undefined;
  /** Start a script (default: the runner's startScript). */
  readonly start?: (req: RunRequest) => RunningScript;
}

export type PreparedScript =
  | {
      readonly ok: true;
      readonly argv: readonly string[];
      readonly identity: ScriptIdentity;
      readonly user: string;
    }
  | { readonly ok: false; readonly reason: string };

/** Who runs the script and whether it may run at all (keepalived misc_end_handler + script security). */
export function prepareMiscScript(spec: MiscChecker, env: MiscCheckerEnv): PreparedScript {
  const script = spec.miscPath;
  const [cmd = '', ...args] = script?.argv ?? [];
  if (script === undefined || cmd === '')
    return { ok: false, reason: 'No script path has been specified for MISC_CHECKER' };
  const self = env.self ?? { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  const id = resolveScriptIdentity((env.accounts ?? loadAccounts)(), {
    ...(spec.user !== undefined ? { user: spec.user } : {}),
    ...(spec.group !== undefined ? { group: spec.group } : {}),
    ...(env.scriptUser !== undefined ? { scriptUser: env.scriptUser } : {}),
    ...(env.scriptGroup !== undefined ? { scriptGroup: env.scriptGroup } : {}),
    self,
  });
  if (!id.ok) return { ok: false, reason: `misc script ${script.command}: ${id.reason}` };
  const exe = (env.resolve ?? resolveCommand)(cmd, id.identity);
  if (exe === undefined)
    return { ok: false, reason: `Disabling misc script ${script.command} since not found/accessible` };
  const why = env.resolve ? undefined : preflight([exe], id.identity);
  if (why !== undefined)
    return {
      ok: false,
      reason: `Disabling misc script ${script.command} since not found/accessible (${why})`,
    };
  if (env.enableScriptSecurity === true && id.identity.uid === 0) {
    const v = checkScriptSecurity(exe, env.security ?? fsSecurityHost);
    if (!v.ok)
      return { ok: false, reason: `Disabling misc script ${script.command} due to insecure: ${v.reason}` };
  }
  return { ok: true, argv: [exe, ...args], identity: id.identity, user: id.user };
}

/** The script's limit in ms: misc_timeout, else the virtual server's delay_loop. */
export function miscTimeoutMs(spec: MiscChecker, vsDelayLoopMs: number | undefined): number {
  return spec.miscTimeoutMs ?? vsDelayLoopMs ?? DEFAULT_VS_DELAY_LOOP_MS;
}

const signalNumber = (name: NodeJS.Signals): number =>
  (osConstants.signals as Record<string, number>)[name] ?? 0;

/** The verdict for one finished run (misc_check_child_thread), pure. */
export function miscOutcome(r: ScriptResult, dynamic: boolean): CheckOutcome {
  if (r.spawnError !== undefined) return { ok: false, reason: `not started: ${r.spawnError}` };
  if (r.exitCode !== null) {
    const status = r.exitCode;
    if (status === 0) return { ok: true, detail: 'exited with status 0' };
    if (dynamic && status >= 2 && status <= 255)
      return { ok: true, weight: status - 2, detail: `exited with status ${status}` };
    return { ok: false, reason: `exited with status ${status}` };
  }
  if (r.timedOut && (r.signal === 'SIGTERM' || r.signal === 'SIGKILL'))
    return { ok: false, reason: 'timed out' };
  return { ok: false, reason: `due to signal ${r.signal === null ? '?' : signalNumber(r.signal)}` };
}

export const miscCheck: CheckerModule<'MISC_CHECK'> = {
  type: 'MISC_CHECK',
  defaults: { retry: 0, delayBeforeRetryMs: 1000 },
  admit(spec: MiscChecker, env: MiscCheckerEnv) {
    const prepared = prepareMiscScript(spec, env);
    return prepared.ok ? undefined : prepared.reason;
  },
  create(spec: MiscChecker, _target, env: MiscCheckerEnv) {
    const prepared = prepareMiscScript(spec, env);
    if (!prepared.ok) env.log('error', prepared.reason);
    const timeoutMs = miscTimeoutMs(spec, env.vsDelayLoopMs);
    const start = env.start ?? ((req: RunRequest) => startScript(req));
    return (ctx) => {
      if (!prepared.ok) return Promise.resolve({ ok: false, reason: `not run: ${prepared.reason}` });
      if (ctx.signal.aborted) return Promise.resolve({ ok: false, reason: 'aborted' });
      const running = start({
        argv: prepared.argv,
        identity: prepared.identity,
        timeoutMs,
        killGraceMs: DEFAULT_KILL_GRACE_MS,
      });
      return new Promise<CheckOutcome>((resolve) => {
        const onAbort = (): void => {
          running.stop();
          resolve({ ok: false, reason: 'aborted' });
        };
        ctx.signal.addEventListener('abort', onAbort, { once: true });
        void running.done.then((r) => {
          ctx.signal.removeEventListener('abort', onAbort);
          resolve(miscOutcome(r, spec.miscDynamic));
        });
      });
    };
  },
};
