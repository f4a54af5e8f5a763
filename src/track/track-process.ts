/**
 * vrrp_track_process (keepalived track_process.c), pure part plus a /proc edge.
 *
 * Matching (keepalived.conf(5)): without parameters and without full_command/param_match, the
 * configured name is compared exactly with the process name (/proc/PID/comm, at most 15 chars, as
 * the kernel truncates it). With parameters, param_match or full_command, the command line is used:
 * argv[0] must equal the name, then the parameters must be
 * - exact (default): exactly the configured ones;
 * - partial: the configured ones first, more may follow;
 * - initial: like partial, but the last configured one may be a prefix of the actual word
 *   (keepalived compares the NUL-joined strings without the final NUL).
 * Zombies never count. The object is up while quorum <= count <= quorum_max, as keepalived settles
 * the two (config/build/track-quorum.ts: `quorum_max 0` means up while none runs); fork_delay delays
 * going up and terminate_delay delays going down (a reload's stop/start does not flap).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { type QuorumSpec, quorumRange } from '../config/build/track-quorum.js';
import type { TrackProcess } from '../config/model.js';
import { ProcConnector, type ProcEvent } from './proc-connector.js';

export interface ProcInfo {
  readonly pid: number;
  /** /proc/PID/comm without the newline. */
  readonly comm: string;
  /** /proc/PID/cmdline split on NUL; empty for kernel threads. */
  readonly cmdline: readonly string[];
  readonly zombie: boolean;
}

export type ProcessMatcher = Pick<TrackProcess, 'process' | 'paramMatch' | 'fullCommand'>;

/** Whether the matcher needs /proc/PID/cmdline at all. */
export function needsCmdline(m: ProcessMatcher): boolean {
  return m.fullCommand || m.paramMatch !== undefined || (m.process?.length ?? 0) > 1;
}

export function matchesProcess(m: ProcessMatcher, p: ProcInfo): boolean {
  const want = m.process;
  if (want === undefined || want.length === 0 || p.zombie) return false;
  const [name, ...params] = want as [string, ...string[]];
  if (!needsCmdline(m)) return p.comm === name.slice(0, 15);
  if (p.cmdline[0] !== name) return false;
  const have = p.cmdline.slice(1);
  // full_command without parameters or param_match: only the command itself is compared.
  if (params.length === 0 && m.paramMatch === undefined) return true;
  const mode = m.paramMatch ?? 'exact';
  if (mode === 'exact') return have.length === params.length && params.every((w, i) => have[i] === w);
  if (have.length < params.length) return false;
  for (let i = 0; i < params.length; i++) {
    const last = i === params.length - 1;
    const ok =
      mode === 'initial' && last
        ? (have[i] as string).startsWith(params[i] as string)
        : have[i] === params[i];
    if (!ok) return false;
  }
  return true;
}

/** keepalived vrrp_track.c: have_quorum = quorum <= count <= quorum_max (see quorumRange). */
export function quorumMet(count: number, spec: QuorumSpec): boolean {
  const r = quorumRange(spec);
  return count >= r.min && (r.max === undefined || count <= r.max);
}

export interface ProcessTrackState {
  readonly up: boolean | undefined;
  readonly count: number;
  /** A pending change: the state it goes to and when (ms). */
  readonly pending?: { readonly up: boolean; readonly at: number };
}

export interface Delays {
  readonly forkDelayMs: number;
  readonly terminateDelayMs: number;
}

export function delaysOf(spec: Pick<TrackProcess, 'forkDelayMs' | 'terminateDelayMs' | 'delayMs'>): Delays {
  return {
    forkDelayMs: spec.forkDelayMs ?? spec.delayMs ?? 0,
    terminateDelayMs: spec.terminateDelayMs ?? spec.delayMs ?? 0,
  };
}

/**
 * Feed a new count at time `now`. The first observation sets the state at once (keepalived's
 * initial /proc scan); later changes wait for their delay. Call again at `pending.at` to commit.
 */
export function observe(
  s: ProcessTrackState,
  count: number,
  now: number,
  spec: QuorumSpec,
  d: Delays,
): { state: ProcessTrackState; changed: boolean } {
  const want = quorumMet(count, spec);
  if (s.up === undefined) return { state: { up: want, count }, changed: true };
  if (want === s.up) return { state: { up: s.up, count }, changed: false };
  const delay = want ? d.forkDelayMs : d.terminateDelayMs;
  const pending =
    s.pending !== undefined && s.pending.up === want ? s.pending : { up: want, at: now + delay };
  if (now >= pending.at) return { state: { up: want, count }, changed: true };
  return { state: { up: s.up, count, pending }, changed: false };
}

// ---- edge ----

function readProc(pid: number, withCmdline: boolean): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // comm is in parentheses and may contain spaces or ')': the state follows the last ')'.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const zombie = stat.charAt(close + 2) === 'Z';
    let cmdline: string[] = [];
    if (withCmdline) {
      const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      cmdline = raw.length === 0 ? [] : raw.replace(/\0$/, '').split('\0');
    }
    return { pid, comm, cmdline, zombie };
  } catch {
    return undefined; // it exited meanwhile
  }
}

/** Every process on the host (one pass over /proc). */
export function scanProc(withCmdline: boolean): ProcInfo[] {
  const out: ProcInfo[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const n of names) {
    if (!/^[1-9][0-9]*$/.test(n)) continue;
    const p = readProc(Number(n), withCmdline);
    if (p) out.push(p);
  }
  return out;
}

export interface ProcessTrackerPorts {
  readonly onChange: (name: string, up: boolean, count: number) => void;
  readonly now?: () => number;
  readonly log?: (msg: string) => void;
}

export interface ProcessTrackerOptions {
  /** How often the PIDs already matched are checked for exit (cheap: one small read each). */
  readonly exitPollMs?: number;
  /** How often all of /proc is rescanned for new processes. */
  readonly scanMs?: number;
  /**
   * Subscribe to the kernel's process events (netlink proc connector, as keepalived does): exits and
   * execs are then seen at once, and the polls above only back it up. Default true; without
   * CAP_NET_ADMIN or the addon it falls back to polling.
   */
  readonly useConnector?: boolean;
}

/**
 * Tracks every vrrp_track_process. With the proc connector, fork/exec/comm/exit events are applied
 * as they arrive. Without it (or as a back-up), exits are seen within exitPollMs by re-reading the
 * matched PIDs' /proc/PID/stat, and new processes within scanMs.
 */
export class ProcessTracker {
  private readonly states = new Map<string, ProcessTrackState>();
  private readonly pids = new Map<string, Set<number>>();
  private exitTimer: NodeJS.Timeout | undefined;
  private scanTimer: NodeJS.Timeout | undefined;
  private commitTimers = new Map<string, NodeJS.Timeout>();
  private readonly now: () => number;
  private connector: ProcConnector | undefined;

  constructor(
    readonly specs: readonly TrackProcess[],
    private readonly ports: ProcessTrackerPorts,
    private readonly opts: ProcessTrackerOptions = {},
  ) {
    this.now = ports.now ?? Date.now;
  }

  state(name: string): ProcessTrackState | undefined {
    return this.states.get(name);
  }

  /** True while kernel process events are being received. */
  get eventDriven(): boolean {
    return this.connector !== undefined;
  }

  start(): void {
    if (this.opts.useConnector !== false) {
      const c = ProcConnector.open(
        (events) => this.onEvents(events),
        (why) => {
          this.ports.log?.(`track_process: process events lost (${why}), rescanning /proc`);
          this.rescan();
        },
      );
      if (c instanceof Error)
        this.ports.log?.(`track_process: no proc connector (${c.message}): polling /proc`);
      else this.connector = c;
    }
    this.rescan();
    this.exitTimer = setInterval(
      () => this.checkExits(),
      this.opts.exitPollMs ?? (this.connector ? 1000 : 50),
    );
    this.scanTimer = setInterval(() => this.rescan(), this.opts.scanMs ?? (this.connector ? 10_000 : 1000));
    this.exitTimer.unref();
    this.scanTimer.unref();
  }

  stop(): void {
    this.connector?.close();
    this.connector = undefined;
    if (this.exitTimer) clearInterval(this.exitTimer);
    if (this.scanTimer) clearInterval(this.scanTimer);
    for (const t of this.commitTimers.values()) clearTimeout(t);
    this.commitTimers.clear();
  }

  /** Full /proc scan. */
  rescan(): void {
    const withCmdline = this.specs.some(needsCmdline);
    const procs = scanProc(withCmdline);
    for (const spec of this.specs) {
      const set = new Set(procs.filter((p) => matchesProcess(spec, p)).map((p) => p.pid));
      this.pids.set(spec.name, set);
      this.update(spec);
    }
  }

  private onEvents(events: readonly ProcEvent[]): void {
    const touched = new Set<TrackProcess>();
    const withCmdline = this.specs.some(needsCmdline);
    for (const e of events) {
      if (e.kind === 'exit') {
        if (e.pid !== e.tgid) continue; // a thread, not the process
        for (const spec of this.specs) if (this.pids.get(spec.name)?.delete(e.pid)) touched.add(spec);
        continue;
      }
      const pid = e.kind === 'fork' ? e.childPid : e.pid;
      if (e.kind === 'fork' && e.childPid !== e.childTgid) continue;
      const p = readProc(pid, withCmdline);
      for (const spec of this.specs) {
        const set = this.pids.get(spec.name);
        if (set === undefined) continue;
        const match = p !== undefined && matchesProcess(spec, p);
        if (match && !set.has(pid)) {
          set.add(pid);
          touched.add(spec);
        } else if (!match && set.delete(pid)) touched.add(spec); // exec'd into something else, or renamed
      }
    }
    for (const spec of touched) this.update(spec);
  }

  private checkExits(): void {
    for (const spec of this.specs) {
      const set = this.pids.get(spec.name);
      if (set === undefined) continue;
      let gone = false;
      for (const pid of set) {
        const p = readProc(pid, false);
        if (p === undefined || p.zombie) {
          set.delete(pid);
          gone = true;
        }
      }
      if (gone) this.update(spec);
    }
  }

  private update(spec: TrackProcess): void {
    const count = this.pids.get(spec.name)?.size ?? 0;
    const prev = this.states.get(spec.name) ?? { up: undefined, count: 0 };
    const { state, changed } = observe(prev, count, this.now(), spec, delaysOf(spec));
    this.states.set(spec.name, state);
    if (changed && state.up !== undefined) this.ports.onChange(spec.name, state.up, count);
    const t = this.commitTimers.get(spec.name);
    if (t) clearTimeout(t);
    this.commitTimers.delete(spec.name);
    if (state.pending) {
      const timer = setTimeout(() => this.update(spec), Math.max(state.pending.at - this.now(), 0));
      timer.unref();
      this.commitTimers.set(spec.name, timer);
    }
  }
}
