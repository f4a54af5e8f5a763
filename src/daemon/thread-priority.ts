/**
 * The nice value of a vigil thread: keepalived's `vrrp_priority` / `checker_priority`, which it
 * applies with setpriority(PRIO_PROCESS, 0, n) in each child process at start (lib/process.c
 * set_process_priorities; 0 leaves it alone). vigil's VRRP and checker are threads of one process;
 * on Linux each thread has its own nice value, set through its task id (`os.setPriority(tid, n)`,
 * i.e. setpriority on the tid), which the thread reads from /proc/thread-self.
 *
 * The checker thread runs at a lower priority than keepalived's default unless configured
 * (DEFAULT_CHECKER_NICE): a storm of checks must not delay an advert (issue 9), and the VRRP
 * thread, which needs little CPU but needs it on time, wins the CPU over it when both are ready.
 *
 * `vrrp_rt_priority` puts the VRRP thread in SCHED_RR, as keepalived does its VRRP process
 * (sched_setscheduler with SCHED_RESET_ON_FORK). Node has no call for it and the addon adds no
 * syscalls, so util-linux's chrt(1) sets it on the thread's task id. Nice values only order the
 * threads of one process; a real-time VRRP thread also keeps its adverts on time when other
 * processes load the machine (bench/README.md "Checker storm").
 */
import { execFile } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * The VRRP thread's SCHED_RR priority when global_defs sets neither vrrp_rt_priority nor
 * vrrp_priority. keepalived's default is none; vigil's is a real-time VRRP thread, the lowest
 * real-time priority, because only that kept adverts within 5 ms of their time during a checker
 * storm on a loaded machine (bench/README.md "Checker storm", round 2: 1.3-1.4 ms against 5-19 ms
 * at nice values). The thread needs little CPU; the kernel's RT throttling still bounds it.
 */
export const DEFAULT_VRRP_RT_PRIORITY = 1;

/** The checker thread's nice value when global_defs has no checker_priority. */
export const DEFAULT_CHECKER_NICE = 10;

/** The nice value a thread is given: the configured one, else the default (undefined: leave it). */
export function threadNice(configured: number | undefined, dflt: number | undefined): number | undefined {
  // keepalived: a priority of 0 means "not set" (the process keeps the nice value it has).
  const n = configured ?? dflt;
  return n === 0 ? undefined : n;
}

/** The calling thread's kernel task id ("/proc/thread-self" -> "PID/task/TID"), or undefined. */
export function currentThreadId(): number | undefined {
  try {
    const m = /task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The calling thread's nice value, or undefined when it cannot be read. */
export function currentThreadNice(): number | undefined {
  const tid = currentThreadId();
  try {
    return tid === undefined ? undefined : getPriority(tid);
  } catch {
    return undefined;
  }
}

/**
 * Sets the calling thread's nice value; returns keepalived's log line when it cannot ("Unable to
 * set process priority to N - reason"), undefined when it did (or there was nothing to do).
 */
export function setThreadNice(nice: number | undefined): string | undefined {
  if (nice === undefined) return undefined;
  const tid = currentThreadId();
  if (tid === undefined) return `Unable to set process priority to ${nice} - no /proc/thread-self`;
  try {
    setPriority(tid, nice);
    return undefined;
  } catch (e) {
    return `Unable to set process priority to ${nice} - ${(e as Error).message}`;
  }
}

/**
 * Puts the calling thread in SCHED_RR at `priority` (reset on fork: a child it starts runs as a
 * normal process). `done` gets keepalived's warning when it cannot, else undefined.
 */
export function setThreadRealtime(priority: number, done: (error: string | undefined) => void): void {
  const tid = currentThreadId();
  if (tid === undefined) {
    done('child process: cannot raise priority (no /proc/thread-self)');
    return;
  }
  execFile(
    'chrt',
    ['--reset-on-fork', '--rr', '--pid', String(priority), String(tid)],
    { timeout: 5000 },
    (e, _stdout, stderr) =>
      done(
        e === null ? undefined : `child process: cannot raise priority (chrt: ${stderr.trim() || e.message})`,
      ),
  );
}
