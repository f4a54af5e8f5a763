/**
 * Runs every tracker a config needs (vrrp_script, track_file, vrrp_track_process; interfaces are fed
 * in by the caller) and pushes each instance's combined TrackingStatus to the engine whenever it
 * changes. Scripts refused by script security, or whose user does not exist, are disabled as
 * keepalived disables them: not run, so they neither add weight nor cause FAULT.
 */
import type { KeepalivedConfig, VrrpInstance } from '../config/model.js';
import { fsSecurityHost, loadAccounts, resolveCommand } from '../scripts/fs-host.js';
import { type AccountDb, resolveScriptIdentity } from '../scripts/identity.js';
import { preflight, type RunRequest, runScript, type ScriptResult } from '../scripts/runner.js';
import {
  checkScriptSecurity,
  ROOT_WITHOUT_SECURITY_WARNING,
  type SecurityHost,
} from '../scripts/security.js';
import type { TrackingStatus } from '../vrrp/types.js';
import { initPending, instanceTracking, type TrackSnapshot, trackedObjects } from './aggregate.js';
import { TrackFileWatcher } from './track-file.js';
import { ProcessTracker, type ProcessTrackerOptions } from './track-process.js';
import { type ScriptHealth, VrrpScriptTracker } from './vrrp-script.js';

export interface TrackingPorts {
  /** engine.track(instance, status) */
  readonly track: (instance: string, status: TrackingStatus) => void;
  readonly log: (level: 'info' | 'warning' | 'error', msg: string) => void;
  readonly run?: (req: RunRequest) => Promise<ScriptResult>;
  readonly accounts?: () => AccountDb;
  readonly security?: SecurityHost;
  readonly self?: { uid: number; gid: number };
  readonly processOptions?: ProcessTrackerOptions;
  /** PATH lookup of a command without '/' (default: the real filesystem). */
  readonly resolve?: (cmd: string, identity: { uid: number; gid: number }) => string | undefined;
}

const sameStatus = (a: TrackingStatus | undefined, b: TrackingStatus) =>
  a !== undefined && a.weight === b.weight && a.fault === b.fault && a.reason === b.reason;

export class TrackingManager {
  private readonly scripts = new Map<string, ScriptHealth>();
  private readonly files = new Map<string, number>();
  private readonly processes = new Map<string, boolean>();
  private readonly interfaces = new Map<string, boolean>();
  private readonly last = new Map<string, TrackingStatus>();
  private readonly scriptTrackers: VrrpScriptTracker[] = [];
  private readonly fileWatchers: TrackFileWatcher[] = [];
  private processTracker: ProcessTracker | undefined;
  private started = false;
  /** Initial reads done: from now on every change is pushed (none before, so no flap at start). */
  private ready = false;

  constructor(
    private readonly cfg: KeepalivedConfig,
    private readonly ports: TrackingPorts,
  ) {}

  get snapshot(): TrackSnapshot {
    return {
      scripts: this.scripts,
      files: this.files,
      processes: this.processes,
      interfaces: this.interfaces,
    };
  }

  /** Each vrrp_script's health (carry it into the next manager on reload). */
  get scriptHealth(): ReadonlyMap<string, ScriptHealth> {
    return this.scripts;
  }

  /**
   * Start every tracker. `carried`: script health from the manager this one replaces (reload), by
   * script name; the first status pushed then already reflects it.
   */
  start(carried?: ReadonlyMap<string, ScriptHealth>): void {
    if (this.started) return;
    this.started = true;
    const used = (kind: 'trackScript' | 'trackFile' | 'trackProcess', name: string) =>
      [...this.cfg.instances, ...this.cfg.syncGroups].some((o) => o[kind].some((r) => r.name === name));
    const g = this.cfg.globalDefs;
    const db = (this.ports.accounts ?? loadAccounts)();
    const self = this.ports.self ?? { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
    let warnedRoot = false;
    for (const s of this.cfg.vrrpScripts) {
      if (!used('trackScript', s.name) || s.script === undefined) continue;
      const id = resolveScriptIdentity(db, {
        ...(s.user !== undefined ? { user: s.user } : {}),
        ...(s.group !== undefined ? { group: s.group } : {}),
        ...(g.scriptUser !== undefined ? { scriptUser: g.scriptUser } : {}),
        ...(g.scriptGroup !== undefined ? { scriptGroup: g.scriptGroup } : {}),
        self,
      });
      if (!id.ok) {
        this.ports.log('error', `vrrp_script ${s.name} disabled: ${id.reason}`);
        continue;
      }
      // keepalived disables a track script it cannot find (it then neither adds weight nor faults).
      const [cmd = '', ...args] = s.script.argv;
      const exe = (this.ports.resolve ?? resolveCommand)(cmd, id.identity);
      if (exe === undefined) {
        this.ports.log('error', `vrrp_script ${s.name} disabled: '${cmd}' not found or not executable`);
        continue;
      }
      const why = this.ports.resolve ? undefined : preflight([exe], id.identity);
      if (why !== undefined) {
        this.ports.log('error', `vrrp_script ${s.name} disabled: ${why}`);
        continue;
      }
      if (exe !== cmd)
        this.ports.log(
          'warning',
          `vrrp_script ${s.name}: '${cmd}' resolved by PATH to '${exe}'; give the full path`,
        );
      if (!g.enableScriptSecurity && id.identity.uid === 0 && !warnedRoot) {
        warnedRoot = true;
        this.ports.log('warning', ROOT_WITHOUT_SECURITY_WARNING);
      }
      if (g.enableScriptSecurity && id.identity.uid === 0) {
        const v = checkScriptSecurity(exe, this.ports.security ?? fsSecurityHost);
        if (!v.ok) {
          this.ports.log('error', `vrrp_script ${s.name} disabled by script security: ${v.reason}`);
          continue;
        }
      }
      const spec = { ...s, script: { ...s.script, argv: [exe, ...args] } };
      const before = carried?.get(s.name);
      const keep = before === 'ok' || before === 'failed' ? before : undefined;
      if (keep !== undefined)
        this.ports.log(
          'info',
          `VRRP_Script(${s.name}) considered ${keep === 'ok' ? 'successful' : 'failed'} on reload`,
        );
      const t = new VrrpScriptTracker(
        spec,
        id.identity,
        {
          run: this.ports.run ?? runScript,
          setTimer: (fn, ms) => {
            const h = setTimeout(fn, ms);
            h.unref();
            return h;
          },
          clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
          onChange: (name, health, why) => {
            this.ports.log(
              'info',
              `VRRP_Script(${name}) ${health === 'ok' ? 'succeeded' : `failed (${why})`}`,
            );
            this.scripts.set(name, health);
            this.recompute(`track_script ${name} ${health === 'ok' ? 'succeeded' : 'failed'}`);
          },
          log: (m) => this.ports.log('info', m),
        },
        keep,
      );
      if (keep !== undefined) this.scripts.set(s.name, keep);
      else if (s.initFail) this.scripts.set(s.name, 'failed');
      this.scriptTrackers.push(t);
    }
    for (const f of this.cfg.trackFiles) {
      if (!used('trackFile', f.name)) continue;
      this.fileWatchers.push(
        new TrackFileWatcher(f, {
          onValue: (name, value) => {
            this.files.set(name, value);
            if (this.ready) this.recompute(`track_file ${name} now ${value}`);
          },
          log: (m) => this.ports.log('warning', m),
        }),
      );
    }
    const procs = this.cfg.trackProcesses.filter((p) => used('trackProcess', p.name));
    if (procs.length > 0)
      this.processTracker = new ProcessTracker(
        procs,
        {
          onChange: (name, up, count) => {
            this.processes.set(name, up);
            if (this.ready)
              this.recompute(
                `track_process ${name} ${up ? 'quorum gained' : 'quorum lost'} (${count} running)`,
              );
          },
        },
        this.ports.processOptions,
      );
    for (const w of this.fileWatchers) w.start();
    this.processTracker?.start();
    this.ready = true;
    this.recompute('tracking started');
    for (const t of this.scriptTrackers) t.start();
  }

  stop(): void {
    this.started = false;
    this.ready = false;
    for (const t of this.scriptTrackers) t.stop();
    for (const w of this.fileWatchers) w.stop();
    this.processTracker?.stop();
  }

  /** Feed an interface's link state (track_interface). */
  setInterface(name: string, up: boolean): void {
    if (this.interfaces.get(name) === up) return;
    this.interfaces.set(name, up);
    if (this.ready) this.recompute(`track_interface ${name} ${up ? 'up' : 'down'}`);
  }

  /** Current status of one instance. */
  statusOf(instance: VrrpInstance): TrackingStatus {
    return instanceTracking(this.cfg, instance, this.snapshot);
  }

  /** An unweighted track script of this instance (or its group) has not reported yet. */
  scriptsInitialising(instance: VrrpInstance): boolean {
    const group = this.cfg.syncGroups.find((g) => g.group.some((m) => m.name === instance.name));
    return initPending(trackedObjects(this.cfg, instance, group, this.snapshot));
  }

  private recompute(cause: string): void {
    for (const inst of this.cfg.instances) {
      const s = this.statusOf(inst);
      if (sameStatus(this.last.get(inst.name), s)) continue;
      this.last.set(inst.name, s);
      this.ports.track(inst.name, { ...s, reason: s.reason ?? cause });
    }
  }
}
