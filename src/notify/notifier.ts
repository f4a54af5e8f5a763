/**
 * Glue from engine events to notify scripts, FIFO lines and mail (plan.ts decides, this runs).
 * Scripts are fire and forget: each runs as its user, after the security check, and its outcome
 * goes to the log through `onScriptDone`; nothing here waits for a script or throws.
 */
import { hostname } from 'node:os';
import type { KeepalivedConfig, NotifyScripts, ScriptSpec } from '../config/model.js';
import type { EngineEvent } from '../daemon/vrrp-engine.js';
import { fsSecurityHost, loadAccounts, resolveCommand } from '../scripts/fs-host.js';
import { type AccountDb, resolveScriptIdentity } from '../scripts/identity.js';
import { describeResult, type RunRequest, runScript, type ScriptResult } from '../scripts/runner.js';
import {
  checkScriptSecurity,
  ROOT_WITHOUT_SECURITY_WARNING,
  type SecurityHost,
} from '../scripts/security.js';
import {
  asNotifyState,
  fifoLine,
  instanceNotifiesSuppressed,
  type NotifyPlan,
  type NotifyState,
  type PlannedScript,
  planMasterRxLowerPri,
  planPriorityChange,
  planTransition,
  STOP_SCRIPT_LIMIT_MS,
  type Subject,
} from './plan.js';

export type NotifyLogLevel = 'info' | 'warning' | 'error';

export interface NotifierPorts {
  readonly run?: (req: RunRequest) => Promise<ScriptResult>;
  readonly accounts?: () => AccountDb;
  readonly security?: SecurityHost;
  /** Where FIFO lines go (notify_fifo and vrrp_notify_fifo writers). */
  readonly fifoWrite?: (line: string) => void;
  /** Send one mail (fire and forget). */
  readonly mail?: (subject: string, body: string) => void;
  readonly log: (level: NotifyLogLevel, msg: string) => void;
  /** Each script's outcome (also logged). */
  readonly onScriptDone?: (s: PlannedScript, r: ScriptResult) => void;
  readonly self?: { uid: number; gid: number };
  readonly hostname?: string;
  /** PATH lookup of a command without '/' (default: the real filesystem). */
  readonly resolve?: (cmd: string, identity: { uid: number; gid: number }) => string | undefined;
}

export class Notifier {
  private readonly groupOf = new Map<string, string>();
  private readonly groupState = new Map<string, NotifyState>();
  private readonly notified = new Set<string>();
  private readonly lastMailed = new Map<string, NotifyState>();
  private readonly routerId: string;
  private readonly host: string;
  private warnedRoot = false;
  /** Scripts started and not yet finished. */
  private inflight = new Set<Promise<unknown>>();

  constructor(
    private readonly cfg: KeepalivedConfig,
    private readonly ports: NotifierPorts,
  ) {
    for (const g of cfg.syncGroups) for (const m of g.group) this.groupOf.set(m.name, g.name);
    this.host = ports.hostname ?? hostname();
    this.routerId = cfg.globalDefs.routerId ?? this.host;
  }

  /** React to one engine event. */
  handle(e: EngineEvent): void {
    if (e.type === 'transition') {
      const state = asNotifyState(e.to);
      const inst = this.cfg.instances.find((i) => i.name === e.instance);
      if (state === undefined || inst === undefined) return;
      const group = this.groupOf.get(e.instance);
      const gstate = group !== undefined ? this.groupState.get(group) : undefined;
      if (instanceNotifiesSuppressed(this.notified.has(e.instance), gstate, state)) return;
      this.notified.add(e.instance);
      const subject: Subject = { kind: 'INSTANCE', name: e.instance, priority: e.priority };
      const enabled = inst.smtpAlert ?? this.cfg.globalDefs.smtpAlert ?? false;
      this.execute(
        planTransition(subject, state, inst, this.mailPolicy(`i:${e.instance}`, enabled)),
        `i:${e.instance}`,
        state,
      );
    } else if (e.type === 'group-transition') {
      const state = asNotifyState(e.to);
      const g = this.cfg.syncGroups.find((x) => x.name === e.group);
      if (state === undefined || g === undefined) return;
      this.groupState.set(e.group, state);
      const enabled = g.smtpAlert ?? this.cfg.globalDefs.smtpAlert ?? false;
      this.execute(
        planTransition({ kind: 'GROUP', name: e.group }, state, g, this.mailPolicy(`g:${e.group}`, enabled)),
        `g:${e.group}`,
        state,
      );
    }
  }

  /** A master heard a lower-priority advert. */
  masterRxLowerPri(instance: string, priority: number): void {
    const inst = this.cfg.instances.find((i) => i.name === instance);
    if (inst) this.execute(planMasterRxLowerPri(instance, priority, inst as NotifyScripts));
  }

  /** The effective priority changed (only with notify_priority_changes). */
  priorityChanged(instance: string, state: 'MASTER' | 'BACKUP', priority: number): void {
    const inst = this.cfg.instances.find((i) => i.name === instance);
    if (inst && (inst.notifyPriorityChanges ?? this.cfg.globalDefs.vrrpNotifyPriorityChanges)) {
      this.execute(planPriorityChange(instance, state, priority));
    }
  }

  /**
   * fifo_write_vrrp_states_on_reload: after a reload, the state of every sync group and instance
   * that kept it is written to the FIFOs again, groups first (keepalived vrrp_init_state
   * notify_group_fifo / notify_instance_fifo), so a FIFO reader restarted with the reload is in step.
   */
  statesOnReload(unchanged: readonly { name: string; state: string; priority: number }[]): void {
    if (!this.cfg.globalDefs.fifoWriteVrrpStatesOnReload) return;
    const byName = new Map(unchanged.map((i) => [i.name, i]));
    for (const g of this.cfg.syncGroups) {
      const states = new Set(g.group.map((m) => byName.get(m.name)?.state));
      const [state] = [...states];
      const fifoState = states.size === 1 && state !== undefined ? asNotifyState(state) : undefined;
      if (fifoState !== undefined)
        this.ports.fifoWrite?.(fifoLine({ kind: 'GROUP', name: g.name }, fifoState));
    }
    for (const i of unchanged) {
      const fifoState = asNotifyState(i.state);
      if (fifoState !== undefined)
        this.ports.fifoWrite?.(fifoLine({ kind: 'INSTANCE', name: i.name, priority: i.priority }, fifoState));
    }
  }

  /**
   * A health-checker notify script (notify_up/notify_down/quorum_up/quorum_down): run as
   * configured with no arguments appended (keepalived notify_exec); while stopping it gets one
   * second (system_call_script with child_killed_thread).
   */
  runCheckerScript(what: string, script: ScriptSpec, stopping: boolean): void {
    this.startScript({
      what,
      argv: [...script.argv],
      ...(script.user !== undefined ? { user: script.user } : {}),
      ...(script.group !== undefined ? { group: script.group } : {}),
      ...(stopping ? { timeoutMs: STOP_SCRIPT_LIMIT_MS, killGraceMs: 0 } : {}),
    });
  }

  /** Resolves once every script started so far has finished (for shutdown and tests). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private mailPolicy(key: string, enabled: boolean) {
    const last = this.lastMailed.get(key);
    return {
      enabled,
      routerId: this.routerId,
      host: this.host,
      ...(last !== undefined ? { lastMailed: last } : {}),
    };
  }

  private execute(plan: NotifyPlan, mailKey?: string, state?: NotifyState): void {
    for (const s of plan.scripts) this.startScript(s);
    if (plan.fifoLine !== undefined) this.ports.fifoWrite?.(plan.fifoLine);
    if (plan.mail !== undefined && mailKey !== undefined && state !== undefined && this.ports.mail) {
      this.lastMailed.set(mailKey, state);
      this.ports.mail(plan.mail.subject, plan.mail.body);
    }
  }

  private startScript(s: PlannedScript): void {
    const g = this.cfg.globalDefs;
    const self = this.ports.self ?? { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
    const id = resolveScriptIdentity((this.ports.accounts ?? loadAccounts)(), {
      ...(s.user !== undefined ? { user: s.user } : {}),
      ...(s.group !== undefined ? { group: s.group } : {}),
      ...(g.scriptUser !== undefined ? { scriptUser: g.scriptUser } : {}),
      ...(g.scriptGroup !== undefined ? { scriptGroup: g.scriptGroup } : {}),
      self,
    });
    const cmd = s.argv.join(' ');
    if (!id.ok) {
      this.ports.log('error', `${s.what} script '${cmd}' not run: ${id.reason}`);
      return;
    }
    const [cmd0 = '', ...args] = s.argv;
    // keepalived find_path: a bare command name is run by its full PATH location.
    const exe = (this.ports.resolve ?? resolveCommand)(cmd0, id.identity) ?? cmd0;
    if (!g.enableScriptSecurity && id.identity.uid === 0 && !this.warnedRoot) {
      this.warnedRoot = true;
      this.ports.log('warning', ROOT_WITHOUT_SECURITY_WARNING);
    }
    if (g.enableScriptSecurity && id.identity.uid === 0) {
      const v = checkScriptSecurity(exe, this.ports.security ?? fsSecurityHost);
      if (!v.ok) {
        this.ports.log('error', `${s.what} script '${cmd}' refused by script security: ${v.reason}`);
        return;
      }
    }
    const run = this.ports.run ?? runScript;
    const p = run({
      argv: [exe, ...args],
      identity: id.identity,
      ...(s.timeoutMs !== undefined ? { timeoutMs: s.timeoutMs } : {}),
      ...(s.killGraceMs !== undefined ? { killGraceMs: s.killGraceMs } : {}),
    }).then((r) => {
      const ok = r.spawnError === undefined && r.exitCode === 0;
      this.ports.log(ok ? 'info' : 'warning', `${s.what} script '${cmd}' ${describeResult(r)}`);
      this.ports.onScriptDone?.(s, r);
    });
    this.inflight.add(p);
    p.finally(() => this.inflight.delete(p));
  }
}
