/**
 * What a VRRP transition triggers, exactly as keepalived's vrrp_notify.c orders it:
 * 1. the state's own script: notify_master / notify_backup / notify_fault / notify_stop;
 * 2. the generic `notify` script with four words appended: INSTANCE|GROUP, the name, the state and
 *    the priority (the effective priority for an instance, 0 for a group);
 * 3. the FIFO line `INSTANCE "VI_1" MASTER 100` (`GROUP "G" MASTER 0`);
 * 4. the mail, when smtp_alert is on and this state was not the last one mailed (FAULT is not
 *    mailed with no_email_faults).
 * STOP scripts are given one second and then their process group is killed (keepalived
 * system_call_script(..., TIMER_HZ) with child_killed_thread). An instance in a sync group that is
 * already in the same state sends nothing again (send_instance_notifies).
 * A master that hears a lower priority advert runs notify_master_rx_lower_pri (no extra words) and
 * writes `INSTANCE "VI_1" MASTER_RX_LOWER_PRI 100`; with notify_priority_changes a priority change
 * writes MASTER_PRIORITY / BACKUP_PRIORITY lines. Pure: no I/O.
 */
import type { NotifyScripts, ScriptSpec } from '../config/model.js';

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED';
export type FifoEvent = NotifyState | 'MASTER_RX_LOWER_PRI' | 'MASTER_PRIORITY' | 'BACKUP_PRIORITY';

export const STOP_SCRIPT_LIMIT_MS = 1000;

export interface PlannedScript {
  /** Which keyword configured it, for logs ('notify_master', 'notify'). */
  readonly what: string;
  readonly argv: string[];
  readonly user?: string;
  readonly group?: string;
  /** Kill the process group after this long (STOP scripts only). */
  readonly timeoutMs?: number;
  /** 0: straight to SIGKILL, as keepalived's child_killed_thread does. */
  readonly killGraceMs?: number;
}

export interface MailMessage {
  readonly subject: string;
  readonly body: string;
}

export interface NotifyPlan {
  readonly scripts: PlannedScript[];
  readonly fifoLine?: string;
  readonly mail?: MailMessage;
}

export type Subject =
  | { readonly kind: 'INSTANCE'; readonly name: string; readonly priority: number }
  | { readonly kind: 'GROUP'; readonly name: string };

export interface MailPolicy {
  /** smtp_alert in effect for this instance/group. */
  readonly enabled: boolean;
  readonly noEmailFaults?: boolean;
  /** The state last mailed for this instance/group (keepalived last_email_state). */
  readonly lastMailed?: NotifyState;
  /** router_id (keepalived defaults it to the host name). */
  readonly routerId: string;
  /**
   * The host name, added as a last body line (vigil addition: router_id is often a fixed label
   * such as LVS_DEVEL, and the mail should still say which machine changed state).
   */
  readonly host?: string;
}

export function asNotifyState(s: string): NotifyState | undefined {
  return s === 'MASTER' || s === 'BACKUP' || s === 'FAULT' || s === 'STOP' || s === 'DELETED' ? s : undefined;
}

/** keepalived notify_fifo(): `TYPE "NAME" STATE PRIORITY\n`. */
export function fifoLine(subject: Subject, event: FifoEvent): string {
  const prio = subject.kind === 'INSTANCE' ? subject.priority : 0;
  return `${subject.kind} "${subject.name}" ${event} ${prio}\n`;
}

function stateScript(scripts: NotifyScripts, state: NotifyState): [string, ScriptSpec | undefined] {
  switch (state) {
    case 'MASTER':
      return ['notify_master', scripts.notifyMaster];
    case 'BACKUP':
      return ['notify_backup', scripts.notifyBackup];
    case 'FAULT':
      return ['notify_fault', scripts.notifyFault];
    case 'STOP':
      return ['notify_stop', scripts.notifyStop];
    case 'DELETED':
      return ['notify_deleted', scripts.notifyDeleted];
  }
}

function planned(what: string, s: ScriptSpec, argv: string[], stop: boolean): PlannedScript {
  return {
    what,
    argv,
    ...(s.user !== undefined ? { user: s.user } : {}),
    ...(s.group !== undefined ? { group: s.group } : {}),
    ...(stop ? { timeoutMs: STOP_SCRIPT_LIMIT_MS, killGraceMs: 0 } : {}),
  };
}

const MAIL_TEXT: Record<'INSTANCE' | 'GROUP', Partial<Record<NotifyState, [string, string]>>> = {
  INSTANCE: {
    MASTER: ['Entering MASTER state', '=> VRRP Instance is now owning VRRP VIPs <='],
    BACKUP: ['Entering BACKUP state', '=> VRRP Instance is no longer owning VRRP VIPs <='],
    FAULT: ['Entering FAULT state', '=> VRRP Instance is no longer owning VRRP VIPs <='],
    STOP: ['Stopping', '=> VRRP Instance stopping <='],
  },
  GROUP: {
    MASTER: ['Entering MASTER state', '=> All VRRP group instances are now in MASTER state <='],
    BACKUP: ['Entering BACKUP state', '=> All VRRP group instances are now in BACKUP state <='],
    FAULT: ['Entering FAULT state', '=> All VRRP group instances are now in FAULT state <='],
    STOP: ['Stopping', '=> All VRRP group instances are now stopping <='],
  },
};

/** keepalived smtp_alert() subject: `[router_id] VRRP Instance VI_1 - Entering MASTER state`. */
export function mailFor(subject: Subject, state: NotifyState, policy: MailPolicy): MailMessage | undefined {
  if (!policy.enabled || policy.lastMailed === state) return undefined;
  if (policy.noEmailFaults && state === 'FAULT') return undefined;
  const text = MAIL_TEXT[subject.kind][state];
  if (text === undefined) return undefined;
  const what = subject.kind === 'INSTANCE' ? 'VRRP Instance' : 'VRRP Group';
  const body = policy.host !== undefined ? `${text[1]}\n\nHost: ${policy.host}` : text[1];
  return { subject: `[${policy.routerId}] ${what} ${subject.name} - ${text[0]}`, body };
}

/** Everything one state change of an instance or sync group triggers, in keepalived's order. */
export function planTransition(
  subject: Subject,
  state: NotifyState,
  scripts: NotifyScripts,
  mail: MailPolicy,
): NotifyPlan {
  const out: PlannedScript[] = [];
  const stop = state === 'STOP';
  const [what, own] = stateScript(scripts, state);
  if (own !== undefined) out.push(planned(what, own, [...own.argv], stop));
  if (scripts.notify !== undefined) {
    const prio = subject.kind === 'INSTANCE' ? subject.priority : 0;
    out.push(
      planned(
        'notify',
        scripts.notify,
        [...scripts.notify.argv, subject.kind, subject.name, state, String(prio)],
        stop,
      ),
    );
  }
  const m = mailFor(subject, state, mail);
  return { scripts: out, fifoLine: fifoLine(subject, state), ...(m ? { mail: m } : {}) };
}

/** A master received a lower-priority advert (keepalived send_event_notify). */
export function planMasterRxLowerPri(name: string, priority: number, scripts: NotifyScripts): NotifyPlan {
  const s = scripts.notifyMasterRxLowerPri;
  return {
    scripts: s ? [planned('notify_master_rx_lower_pri', s, [...s.argv], false)] : [],
    fifoLine: fifoLine({ kind: 'INSTANCE', name, priority }, 'MASTER_RX_LOWER_PRI'),
  };
}

/** notify_priority_changes: a FIFO line only. */
export function planPriorityChange(name: string, state: 'MASTER' | 'BACKUP', priority: number): NotifyPlan {
  return {
    scripts: [],
    fifoLine: fifoLine(
      { kind: 'INSTANCE', name, priority },
      state === 'MASTER' ? 'MASTER_PRIORITY' : 'BACKUP_PRIORITY',
    ),
  };
}

/**
 * keepalived send_instance_notifies: once an instance has notified, it stays silent for a state
 * its sync group is already in (the group's own notifies cover it).
 */
export function instanceNotifiesSuppressed(
  notifiedBefore: boolean,
  groupState: NotifyState | undefined,
  state: NotifyState,
): boolean {
  return notifiedBefore && groupState !== undefined && groupState === state;
}
