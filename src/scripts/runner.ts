/**
 * Runs one external script the way keepalived's system_call_script does (core/notify.c):
 * - argv is executed directly (no shell; a command that wants one says `/bin/sh -c ...`);
 * - as the script's uid/gid (libuv also drops supplementary groups, like keepalived's setgroups);
 * - stdin/stdout/stderr on /dev/null, a small clean environment;
 * - in its own process group (setpgid(0,0)), so a timeout signals the whole group: SIGTERM first, then
 *   SIGKILL after a grace period (keepalived vrrp_script_child_thread: TERM, then KILL 2 s later), and
 *   once the leader has died of SIGTERM its group is SIGKILLed too, so no grandchild survives;
 * - always reaped; the result is a value, never an exception.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { setPriority } from 'node:os';

export interface ScriptIdentity {
  readonly uid: number;
  readonly gid: number;
}

export interface RunRequest {
  readonly argv: readonly string[];
  /** Run as this uid/gid; undefined = as vigil itself. */
  readonly identity?: ScriptIdentity;
  /** Kill the process group after this long; undefined = no limit. */
  readonly timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL of the group (keepalived: 2 s for track scripts). */
  readonly killGraceMs?: number;
  /** Extra environment variables on top of the clean environment. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ScriptResult {
  /** Exit status when the process exited, else null. */
  readonly exitCode: number | null;
  /** Signal name when the process was killed by a signal, else null. */
  readonly signal: NodeJS.Signals | null;
  /** True when vigil killed it because it ran past its timeout. */
  readonly timedOut: boolean;
  readonly durationMs: number;
  /** Why the script could not be started (missing, not executable, bad user...), else undefined. */
  readonly spawnError?: string;
}

export interface RunningScript {
  readonly pid: number | undefined;
  readonly done: Promise<ScriptResult>;
  /** Signal the whole process group now (TERM, then KILL after the grace period). */
  stop(): void;
}

export const DEFAULT_KILL_GRACE_MS = 2000;

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The nice value scripts started from this thread get, when the thread's own was changed
 * (checker_priority): keepalived's script child resets its priorities before exec (notify.c
 * system_call_script -> reset_process_priorities), so a MISC_CHECK runs at the daemon's priority,
 * not its checker's. A fork inherits the calling thread's nice value, so it is set again on the
 * child as soon as it exists. Per thread: each worker has its own copy of this module.
 */
let scriptNice: number | undefined;

export function runScriptsAtNice(nice: number | undefined): void {
  scriptNice = nice;
}

/**
 * The environment a script sees. keepalived passes its own environment, which under systemd is
 * little more than PATH and LANG; vigil gives exactly that rather than leaking its own variables.
 */
export function scriptEnvironment(
  parent: NodeJS.ProcessEnv,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = { PATH: parent.PATH || DEFAULT_PATH };
  if (parent.LANG !== undefined) env.LANG = parent.LANG;
  return { ...env, ...extra };
}

/** Why argv[0] cannot be executed, or undefined when it looks runnable (checked before spawning). */
export function preflight(argv: readonly string[], identity?: ScriptIdentity): string | undefined {
  const exe = argv[0];
  if (exe === undefined || exe === '') return 'empty command';
  if (!exe.includes('/')) return undefined; // resolved through PATH by spawn; ENOENT reported there
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(exe);
  } catch (e) {
    return `${exe}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`;
  }
  if (!st.isFile()) return `${exe}: not a regular file`;
  if (identity === undefined || identity.uid === process.getuid?.()) {
    try {
      accessSync(exe, fsConstants.X_OK);
    } catch {
      return `${exe}: not executable`;
    }
  } else if (!isExecutableBy(st.mode, Number(st.uid), Number(st.gid), identity)) {
    return `${exe}: not executable by uid ${identity.uid}`;
  }
  return undefined;
}

/** keepalived is_executable(): root needs any x bit, the owner the user bit, the group the group bit. */
export function isExecutableBy(mode: number, fileUid: number, fileGid: number, who: ScriptIdentity): boolean {
  if (who.uid === 0) return (mode & 0o111) !== 0;
  if (who.uid === fileUid) return (mode & 0o100) !== 0;
  if (who.gid === fileGid) return (mode & 0o010) !== 0;
  return (mode & 0o001) !== 0;
}

/** Process groups of scripts started and not yet reaped (keepalived script_killall at shutdown). */
const runningGroups = new Set<number>();

/**
 * Signal every running script's process group (shutdown: node cannot set PR_SET_PDEATHSIG, so
 * vigil stops its scripts itself). Returns how many groups were signalled.
 */
export function signalAllScripts(signal: NodeJS.Signals = 'SIGTERM'): number {
  for (const pid of runningGroups) killGroup(pid, signal);
  return runningGroups.size;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

/** Start a script; `done` resolves once it has been reaped. Never throws. */
export function startScript(req: RunRequest, now: () => number = Date.now): RunningScript {
  const started = now();
  const fail = (why: string): RunningScript => ({
    pid: undefined,
    done: Promise.resolve({
      exitCode: null,
      signal: null,
      timedOut: false,
      durationMs: now() - started,
      spawnError: why,
    }),
    stop: () => {},
  });
  const why = preflight(req.argv, req.identity);
  if (why !== undefined) return fail(why);
  const [exe, ...args] = req.argv as [string, ...string[]];
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(exe, args, {
      detached: true, // setsid: own session and process group
      stdio: 'ignore',
      env: scriptEnvironment(process.env, req.env),
      ...(req.identity ? { uid: req.identity.uid, gid: req.identity.gid } : {}),
    });
  } catch (e) {
    return fail(`${exe}: ${(e as Error).message}`);
  }
  const pid = child.pid;
  if (pid !== undefined) runningGroups.add(pid);
  if (pid !== undefined && scriptNice !== undefined) {
    try {
      setPriority(pid, scriptNice);
    } catch {
      // gone already, or no CAP_SYS_NICE to lower the value: it keeps the thread's
    }
  }
  const grace = req.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  let timedOut = false;
  let termSent = false;
  let timeoutTimer: NodeJS.Timeout | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const terminate = (): void => {
    if (pid === undefined || termSent) return;
    termSent = true;
    killGroup(pid, 'SIGTERM');
    killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), grace);
  };
  const done = new Promise<ScriptResult>((resolve) => {
    let spawnError: string | undefined;
    child.once('error', (e: NodeJS.ErrnoException) => {
      spawnError = `${exe}: ${e.code === 'ENOENT' ? 'not found' : e.message}`;
      // 'close' may not follow a failed spawn.
      if (pid === undefined) finish(null, null);
    });
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (pid !== undefined) runningGroups.delete(pid);
      if (timeoutTimer) clearTimeout(timeoutTimer);
      if (killTimer) clearTimeout(killTimer);
      // The leader is gone; make sure nothing it forked outlives it when we were stopping it.
      if (termSent && pid !== undefined) killGroup(pid, 'SIGKILL');
      resolve({
        exitCode: code,
        signal,
        timedOut,
        durationMs: now() - started,
        ...(spawnError !== undefined ? { spawnError } : {}),
      });
    };
    child.once('exit', (code, signal) => finish(code, signal));
  });
  if (req.timeoutMs !== undefined && pid !== undefined) {
    timeoutTimer = setTimeout(() => {
      timedOut = true;
      terminate();
    }, req.timeoutMs);
  }
  return { pid, done, stop: terminate };
}

/** Run a script to completion. */
export function runScript(req: RunRequest): Promise<ScriptResult> {
  return startScript(req).done;
}

/** One line for logs: 'exited with status 1', 'killed by SIGKILL (timeout)', 'not started: ...'. */
export function describeResult(r: ScriptResult): string {
  if (r.spawnError !== undefined) return `not started: ${r.spawnError}`;
  if (r.timedOut) return `timed out after ${r.durationMs} ms${r.signal ? ` (${r.signal})` : ''}`;
  if (r.signal !== null) return `killed by ${r.signal}`;
  return `exited with status ${r.exitCode}`;
}
