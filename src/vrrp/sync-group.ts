/**
 * vrrp_sync_group: members move together (keepalived vrrp_sync.c, 2.2.7 semantics).
 *
 * - A member whose master-down timer expires only becomes MASTER when every other member also wants
 *   MASTER (vrrp_sync_can_goto_master); until then it waits in BACKUP with wantstate MASTER.
 * - One member becomes MASTER -> every BACKUP member is forced to MASTER (vrrp_sync_master).
 * - A MASTER member yields to a higher-priority router -> every MASTER member goes BACKUP (vrrp_sync_backup).
 * - One member faults -> every member goes to FAULT, masters sending priority 0 (keepalived 2.x: the whole
 *   group is FAULT while any member is); when no member has a fault any more, all leave FAULT together.
 * - The group notify runs once per group transition, after the member transitions.
 * Checked against keepalived 2.2.7 in a netns (two members, track_file on one): both time out, the
 * group syncs to MASTER; the file fails -> that member sends priority 0 and enters FAULT, the group
 * syncs the other to FAULT; the file recovers -> both BACKUP, then MASTER together after the timer.
 *
 * Pure like instance.ts: the caller routes every event for a member through `handle`.
 */
import type { VrrpInstance } from './instance.js';
import type { GroupDirective, HandleContext, InstanceAction, InstanceEvent, VrrpState } from './types.js';

export type GroupState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';

export type SyncGroupOutput<Vip = unknown> =
  | { readonly kind: 'instance'; readonly instance: string; readonly action: InstanceAction<Vip> }
  | {
      readonly kind: 'group-notify';
      readonly group: string;
      readonly from: GroupState;
      /** STOP: the group's members were shut down (keepalived notifies GROUP "G" STOP 0 too). */
      readonly state: Exclude<GroupState, 'INIT'> | 'STOP';
      readonly reason: string;
    };

export class SyncGroup<Vip = unknown> {
  readonly name: string;
  readonly members: readonly VrrpInstance<Vip>[];
  private groupState: GroupState = 'INIT';

  constructor(name: string, members: readonly VrrpInstance<Vip>[]) {
    this.name = name;
    this.members = members;
  }

  get state(): GroupState {
    return this.groupState;
  }

  member(name: string): VrrpInstance<Vip> | undefined {
    return this.members.find((m) => m.name === name);
  }

  /** Start every member, then align them and announce the group's initial state once. */
  startup(now: number): SyncGroupOutput<Vip>[] {
    const out: SyncGroupOutput<Vip>[] = [];
    for (const m of this.members) this.collect(out, m, m.handle({ type: 'startup' }, now));
    this.reconcile(out, undefined, undefined, now, 'startup');
    return out;
  }

  /**
   * Stop every member (each master sends priority 0), then announce the group's STOP once, after the
   * members' own STOP, as keepalived does at shutdown.
   */
  shutdown(now: number): SyncGroupOutput<Vip>[] {
    const out: SyncGroupOutput<Vip>[] = [];
    for (const m of this.members) this.collect(out, m, m.handle({ type: 'shutdown' }, now));
    if (this.groupState !== 'INIT')
      out.push({
        kind: 'group-notify',
        group: this.name,
        from: this.groupState,
        state: 'STOP',
        reason: 'shutdown',
      });
    this.groupState = 'INIT';
    return out;
  }

  /** Route one event to the named member, then apply the group rules. */
  handle(memberName: string, event: InstanceEvent<Vip>, now: number): SyncGroupOutput<Vip>[] {
    const m = this.member(memberName);
    if (m === undefined) return [];
    const out: SyncGroupOutput<Vip>[] = [];
    const before = m.currentState;
    const ctx: HandleContext = { groupAllowsMaster: this.allowsMaster(m) };
    const acts = m.handle(event, now, ctx);
    this.collect(out, m, acts);
    const reason = lastReason(acts) ?? `${m.name}: ${event.type}`;
    this.reconcile(out, m, before, now, reason);
    return out;
  }

  /** keepalived vrrp_sync_can_goto_master: the group is MASTER, or all other members want MASTER. */
  private allowsMaster(m: VrrpInstance<Vip>): boolean {
    if (this.groupState === 'MASTER') return true;
    return this.members.every(
      (o) => o === m || o.currentState === 'MASTER' || o.snapshot().wantState === 'MASTER',
    );
  }

  private reconcile(
    out: SyncGroupOutput<Vip>[],
    trigger: VrrpInstance<Vip> | undefined,
    before: VrrpState | undefined,
    now: number,
    reason: string,
  ): void {
    const stopped = this.members.every((m) => m.currentState === 'INIT');
    if (stopped) return;
    const faulty = this.members.filter((m) => m.snapshot().ownFault);
    if (faulty.length > 0) {
      if (this.groupState !== 'FAULT') {
        const why = `member ${faulty.map((m) => m.name).join(', ')} in FAULT (${reason})`;
        this.directAll(out, 'FAULT', why, now);
        this.setState(out, 'FAULT', why);
      }
      return;
    }
    if (this.groupState === 'FAULT') {
      this.directAll(out, 'FAULT-CLEARED', `all members recovered (${reason})`, now);
    }
    const states = this.members.map((m) => m.currentState);
    if (states.includes('MASTER') && states.includes('BACKUP')) {
      const leftMaster = trigger !== undefined && before === 'MASTER' && trigger.currentState !== 'MASTER';
      if (leftMaster) this.directAll(out, 'BACKUP', `${trigger.name} left MASTER (${reason})`, now);
      else this.directAll(out, 'MASTER', `${trigger?.name ?? 'a member'} became MASTER (${reason})`, now);
    }
    const all = this.members.map((m) => m.currentState);
    if (all.every((s) => s === 'MASTER')) this.setState(out, 'MASTER', reason);
    else if (all.every((s) => s === 'BACKUP' || s === 'MASTER')) this.setState(out, 'BACKUP', reason);
  }

  private directAll(
    out: SyncGroupOutput<Vip>[],
    directive: GroupDirective,
    reason: string,
    now: number,
  ): void {
    for (const m of this.members) {
      const ev: InstanceEvent<Vip> = { type: 'group', directive, group: this.name, reason };
      this.collect(out, m, m.handle(ev, now, { groupAllowsMaster: true }));
    }
  }

  private setState(out: SyncGroupOutput<Vip>[], state: Exclude<GroupState, 'INIT'>, reason: string): void {
    if (this.groupState === state) return;
    out.push({ kind: 'group-notify', group: this.name, from: this.groupState, state, reason });
    this.groupState = state;
  }

  private collect(out: SyncGroupOutput<Vip>[], m: VrrpInstance<Vip>, acts: InstanceAction<Vip>[]): void {
    for (const action of acts) out.push({ kind: 'instance', instance: m.name, action });
  }
}

function lastReason(acts: readonly InstanceAction[]): string | undefined {
  for (let i = acts.length - 1; i >= 0; i--) {
    const a = acts[i];
    if (a?.type === 'notify') return a.reason;
  }
  return undefined;
}
