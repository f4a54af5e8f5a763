/**
 * THE VRRP state machine for one instance. Every state transition is in this file.
 *
 * Pure: no I/O, no clock, no timers. The driver feeds events with the current time (`now`, ms) and
 * applies the returned actions in order (send advert, add/remove VIPs, GARP, notify, arm timers).
 *
 * Semantics: RFC 5798 (VRRPv3) / RFC 3768 (VRRPv2) as refined by keepalived 2.2.7
 * (vrrp.c vrrp_state_backup / vrrp_state_master_rx / vrrp_state_leave_master / vrrp_state_leave_fault,
 * vrrp_scheduler.c vrrp_init_state). Where they differ a comment says which one we follow.
 *
 *            startup               master-down timer / owner with state MASTER / group MASTER
 *   INIT ───────────────▶ BACKUP ──────────────────────────────────────────────▶ MASTER
 *     ▲                    ▲  │ ◀──── higher-priority advert / group BACKUP ──────  │
 *     │ shutdown           │  │ tracking fault / group FAULT                        │ tracking fault (sends prio 0)
 *     │                    │  ▼                                                      ▼
 *     └────────────────── FAULT ◀──────────────────────────────────────────────────┘
 *                    fault cleared → BACKUP (owner with state MASTER → MASTER)
 *   reload: new parameters, same state (no transition).
 */
import { parseIpv4, parseIpv6 } from '../net/addr.js';
import { adverIntMs, masterDownIntervalMs, skewTimeMs } from './timers.js';
import {
  type GroupDirective,
  type HandleContext,
  type InstanceAction,
  type InstanceEvent,
  type InstanceParams,
  type InstanceSnapshot,
  type NotifyState,
  PRIORITY_OWNER,
  PRIORITY_STOP,
  type ReceivedAdvert,
  type TimerKind,
  type TrackingStatus,
  type VrrpState,
} from './types.js';

/** Effective priority = base + tracking weights, clamped to 1..254; an owner (255) never changes. */
export function effectivePriority(basePriority: number, trackWeight: number): number {
  if (basePriority === PRIORITY_OWNER) return PRIORITY_OWNER;
  return Math.min(PRIORITY_OWNER - 1, Math.max(1, basePriority + trackWeight));
}

export class VrrpInstance<Vip = unknown> {
  private p: InstanceParams<Vip>;

  private state: VrrpState = 'INIT';
  /** keepalived `wantstate`: where we would be without the sync group holding us back. */
  private wantState: VrrpState = 'INIT';
  /** Base priority: from the params (reload), or lowered by the owner-conflict rule (two routers claiming 255). */
  private basePriority: number;
  private trackWeight = 0;
  private effPriority: number;
  private ownFault = false;
  /** What the tracking that put this instance in FAULT said, for the transition's reason. */
  private ownFaultReason = '';
  private groupFault = false;
  /** Master_Adver_Interval (cs): ours, or the master's under v3 (RFC 5798 6.4.2). */
  private masterAdverIntCs: number;
  private vipsSet = false;
  private lastMaster: { address: string; priority: number } | undefined;
  private readonly timers = new Map<TimerKind, number>();
  /** preempt_delay deadline; undefined when not running. */
  private preemptAt: number | undefined;
  /** Why the master-down timer was last armed, for the reason of the takeover. */
  private masterDownCause = 'no advert from a master';
  /** Actions collected during one `handle` call. */
  private out: InstanceAction<Vip>[] = [];

  constructor(params: InstanceParams<Vip>) {
    this.p = params;
    this.basePriority = params.basePriority;
    this.effPriority = effectivePriority(params.basePriority, 0);
    this.masterAdverIntCs = params.adverIntCs;
  }

  /** Current parameters (replaced by a reload). */
  get params(): InstanceParams<Vip> {
    return this.p;
  }

  get name(): string {
    return this.p.name;
  }

  get currentState(): VrrpState {
    return this.state;
  }

  snapshot(): InstanceSnapshot {
    const timers: Partial<Record<TimerKind, number>> = {};
    for (const [k, at] of this.timers) timers[k] = at;
    return {
      name: this.p.name,
      vrid: this.p.vrid,
      state: this.state,
      wantState: this.wantState,
      effectivePriority: this.effPriority,
      masterAdverIntCs: this.masterAdverIntCs,
      ownFault: this.ownFault,
      groupFault: this.groupFault,
      vipsSet: this.vipsSet,
      timers,
      ...(this.lastMaster ? { lastMaster: { ...this.lastMaster } } : {}),
      ...(this.preemptAt !== undefined ? { preemptAt: this.preemptAt } : {}),
    };
  }

  /** Feed one event at time `now` (ms); returns the actions to apply, in order. */
  handle(event: InstanceEvent<Vip>, now: number, ctx: HandleContext = {}): InstanceAction<Vip>[] {
    this.out = [];
    switch (event.type) {
      case 'startup':
        this.onStartup(now);
        break;
      case 'shutdown':
        this.onShutdown();
        break;
      case 'reload':
        this.onReload(event.params, now);
        break;
      case 'advert':
        if (this.state === 'BACKUP') this.backupReceive(event.advert, now);
        else if (this.state === 'MASTER') this.masterReceive(event.advert, now);
        // INIT and FAULT ignore adverts (RFC 5798 6.4.1; keepalived drops them in FAULT).
        break;
      case 'timer':
        this.onTimer(event.kind, now, ctx.groupAllowsMaster ?? true);
        break;
      case 'tracking':
        this.onTracking(event.status, now);
        break;
      case 'group':
        this.onGroup(event.directive, event.group, event.reason, now);
        break;
    }
    const out = this.out;
    this.out = [];
    return out;
  }

  // ─── events ────────────────────────────────────────────────────────────────────────────────

  /**
   * Startup (RFC 5798 6.4.1 / keepalived vrrp_init_state):
   * - a failed unweighted tracker: FAULT;
   * - priority 255 (address owner) with `state MASTER`: MASTER at once;
   * - anything else, including `state MASTER` below 255 and an owner with `state BACKUP`: BACKUP with
   *   the full Master_Down_Interval (keepalived.conf(5) "state"). Checked against keepalived 2.2.7 in a
   *   netns (advert_int 1): MASTER/100 -> master after 3.61 s, BACKUP/255 after 3.00 s, MASTER/255 at once.
   *   preempt_delay does not delay this first takeover (2.2.7: alone, BACKUP/100/preempt_delay 5 -> 3.61 s).
   */
  private onStartup(now: number): void {
    if (this.state !== 'INIT') {
      this.log('warning', `(${this.name}) startup ignored: already ${this.state}`);
      return;
    }
    this.masterAdverIntCs = this.p.adverIntCs;
    if (this.ownFault || this.groupFault) {
      const why = this.ownFault && this.ownFaultReason !== '' ? `: ${this.ownFaultReason}` : '';
      this.enterFault(now, `startup with a failed tracked object${why}`);
    } else if (this.ownerWantsMaster()) {
      this.becomeMaster(now, 'startup as address owner (priority 255, state MASTER)');
    } else {
      this.enterBackup(now, 'startup', this.masterDownMs(), 'no advert from a master since startup');
    }
  }

  /** Shutdown (RFC 5798 6.4.3 "Shutdown"): a master sends priority 0 and releases its VIPs. */
  private onShutdown(): void {
    if (this.state === 'INIT') return;
    this.goPassive('INIT', 'STOP', 'shutdown');
  }

  /**
   * Reload (keepalived SIGHUP keeps the state of an instance that still exists): new parameters, no
   * transition. A master applies VIP changes and a changed advert interval / GARP refresh at once; the
   * new effective priority goes out with the next advert (a backup with a higher priority then preempts).
   */
  private onReload(next: InstanceParams<Vip>, now: number): void {
    const old = this.p;
    if (next.vrid !== old.vrid || next.version !== old.version || next.family !== old.family) {
      this.log('warning', `(${this.name}) reload changes VRID/version/family: replace the instance instead`);
      return;
    }
    this.p = next;
    const before = this.effPriority;
    this.basePriority = next.basePriority;
    this.effPriority = effectivePriority(this.basePriority, this.trackWeight);
    if (before !== this.effPriority) {
      this.log('info', `(${this.name}) reload: effective priority ${before} -> ${this.effPriority}`);
    }
    if (next.preemptDelayMs === 0) this.preemptAt = undefined;
    if (this.state === 'BACKUP' && next.version === 2) this.masterAdverIntCs = next.adverIntCs;
    if (this.state !== 'MASTER') return;
    const key = (v: Vip): string => JSON.stringify(v);
    const oldKeys = new Set(old.vips.map(key));
    const newKeys = new Set(next.vips.map(key));
    const removed = old.vips.filter((v) => !newKeys.has(key(v)));
    const added = next.vips.filter((v) => !oldKeys.has(key(v)));
    if (removed.length > 0) this.out.push({ type: 'remove-vips', vips: removed });
    if (added.length > 0) {
      this.out.push({ type: 'add-vips', vips: added });
      this.garp(next.garp.masterRepeat, 'VIPs added by reload');
    }
    if (next.adverIntCs !== old.adverIntCs) this.setTimer('advert', now + adverIntMs(next.adverIntCs));
    if (next.garp.masterRefreshMs !== old.garp.masterRefreshMs) {
      if (next.garp.masterRefreshMs > 0) this.setTimer('garp-refresh', now + next.garp.masterRefreshMs);
      else this.cancelTimer('garp-refresh');
    }
  }

  /** BACKUP receiving an advert: RFC 5798 6.4.2, keepalived vrrp_state_backup. */
  private backupReceive(adv: ReceivedAdvert, now: number): void {
    const { nopreempt, preemptDelayMs, version } = this.p;
    if (adv.priority === PRIORITY_STOP) {
      // RFC 5798 6.4.2: "Set the Master_Down_Timer to Skew_Time".
      this.armMasterDown(now, this.skewMs(), `priority 0 advert from ${adv.src} (master stopped)`);
      return;
    }
    const preemptPending = preemptDelayMs > 0 && (this.preemptAt === undefined || this.preemptAt > now);
    if (nopreempt || adv.priority >= this.effPriority || preemptPending) {
      // RFC 5798 6.4.2: v3 backups adopt the master's advertised interval.
      if (version === 3 && adv.version === 3 && adv.adverIntCs > 0) this.masterAdverIntCs = adv.adverIntCs;
      this.lastMaster = { address: adv.src, priority: adv.priority };
      // keepalived: preempt_delay starts on the first lower-priority advert and stops on a higher one.
      if (preemptDelayMs > 0) {
        if (adv.priority >= this.effPriority) {
          this.preemptAt = undefined;
        } else if (this.preemptAt === undefined) {
          this.preemptAt = now + preemptDelayMs;
          this.log(
            'info',
            `(${this.name}) lower priority advert from ${adv.src} (prio ${adv.priority} < ${this.effPriority}): ` +
              `preempt delay started (${preemptDelayMs} ms)`,
          );
        }
      }
      this.armMasterDown(now, this.masterDownMs(), `no advert from master ${adv.src} (prio ${adv.priority})`);
      // Held in BACKUP by a sync group with wantstate MASTER, a master's advert puts us back to wanting BACKUP.
      this.wantState = 'BACKUP';
      return;
    }
    // Preemption: discard the lower-priority advert; the running master-down timer is NOT reset,
    // so we take over when it expires (RFC 5798 6.4.2 "Else ... discard the ADVERTISEMENT").
    this.lastMaster = { address: adv.src, priority: adv.priority };
    this.masterDownCause = `preempting lower priority master ${adv.src} (prio ${adv.priority} < ${this.effPriority})`;
    this.log(
      'info',
      `(${this.name}) received lower priority (${adv.priority}) advert from ${adv.src} - discarding`,
    );
  }

  /** MASTER receiving an advert: RFC 5798 6.4.3, keepalived vrrp_state_master_rx. */
  private masterReceive(adv: ReceivedAdvert, now: number): void {
    const p = this.p;
    const cmp = compareAddresses(adv.src, p.primaryAddress);
    const theirsHigher = adv.priority > this.effPriority || (adv.priority === this.effPriority && cmp > 0);

    // RFC 5798 6.4.3: answer a priority-0 advert at once so the backups see a master.
    // keepalived `higher_prio_send_advert`: also answer a higher one before yielding.
    // (RFC 5798 also resets the Adver_Timer here; keepalived 2.2.7 does not, and neither do we.)
    if (adv.priority === PRIORITY_STOP || (p.higherPrioSendAdvert && theirsHigher)) {
      this.sendAdvert(this.effPriority);
      if (adv.priority === PRIORITY_STOP) return;
    }

    if (adv.priority === this.effPriority) {
      if (cmp === 0) {
        this.log(
          'warning',
          `(${this.name}) equal priority advert received from a host with our address ${adv.src}`,
        );
      } else if (this.effPriority === PRIORITY_OWNER) {
        // keepalived: two address owners is a configuration error; lower ourselves to 254.
        this.log(
          'warning',
          `(${this.name}) CONFIGURATION ERROR: ${adv.src} is also address owner (priority 255) - reducing local priority`,
        );
        this.basePriority = PRIORITY_OWNER - 1;
        this.effPriority = effectivePriority(this.basePriority, this.trackWeight);
      }
    }

    if (adv.priority < this.effPriority || (adv.priority === this.effPriority && cmp < 0)) {
      // A lower-priority router thinks it is master (lost adverts, partition): re-assert ourselves.
      this.log(
        'info',
        `(${this.name}) received advert from ${adv.src} with lower priority ${adv.priority}, ours ${this.effPriority}` +
          (p.lowerPrioNoAdvert ? '' : ', forcing new election'),
      );
      if (!p.lowerPrioNoAdvert) this.sendAdvert(this.effPriority);
      if (p.garp.lowerPrioRepeat > 0) {
        this.out.push({ type: 'send-garp', count: p.garp.lowerPrioRepeat, reason: 'lower priority advert' });
        if (p.garp.lowerPrioDelayMs > 0) this.setTimer('garp-lower-prio', now + p.garp.lowerPrioDelayMs);
      }
      return;
    }

    // Higher priority, or equal priority and higher primary address (RFC 5798 6.4.3): yield.
    if (p.version === 3 && adv.version === 3 && adv.adverIntCs > 0) this.masterAdverIntCs = adv.adverIntCs;
    this.lastMaster = { address: adv.src, priority: adv.priority };
    const why =
      adv.priority > this.effPriority
        ? `higher priority advert from ${adv.src} (prio ${adv.priority} > ${this.effPriority})`
        : `equal priority advert from higher address ${adv.src} (prio ${adv.priority}, ${adv.src} > ${p.primaryAddress})`;
    this.enterBackup(
      now,
      why,
      this.masterDownMs(),
      `no advert from master ${adv.src} (prio ${adv.priority})`,
    );
  }

  private onTimer(kind: TimerKind, now: number, groupAllowsMaster: boolean): void {
    const at = this.timers.get(kind);
    if (at === undefined || at > now) return; // cancelled or re-armed: a stale firing
    this.timers.delete(kind);
    const g = this.p.garp;
    switch (kind) {
      case 'master-down':
        if (this.state !== 'BACKUP') return;
        if (!groupAllowsMaster) {
          // keepalived vrrp_sync_can_goto_master: wait in BACKUP until every member wants MASTER.
          this.wantState = 'MASTER';
          this.log('info', `(${this.name}) master-down timer expired; sync group not ready, staying BACKUP`);
          this.armMasterDown(now, this.masterDownMs(), this.masterDownCause);
          return;
        }
        this.becomeMaster(now, `master-down timer expired (${this.masterDownCause})`);
        return;
      case 'advert':
        if (this.state !== 'MASTER') return;
        this.sendAdvert(this.effPriority);
        this.setTimer('advert', now + adverIntMs(this.p.adverIntCs));
        return;
      case 'garp-delay':
        if (this.state === 'MASTER') this.garp(g.masterRepeat, 'garp_master_delay');
        return;
      case 'garp-refresh':
        if (this.state !== 'MASTER') return;
        this.garp(g.masterRefreshRepeat, 'garp_master_refresh');
        this.setTimer('garp-refresh', now + g.masterRefreshMs);
        return;
      case 'garp-lower-prio':
        if (this.state === 'MASTER') this.garp(g.lowerPrioRepeat, 'garp_lower_prio_delay');
        return;
    }
  }

  /** Tracking changed: new effective priority, FAULT on/off (keepalived vrrp_track.c). */
  private onTracking(status: TrackingStatus, now: number): void {
    const before = this.effPriority;
    this.trackWeight = status.weight;
    this.effPriority = effectivePriority(this.basePriority, status.weight);
    this.ownFault = status.fault;
    const why = status.reason ?? 'tracking changed';
    this.ownFaultReason = status.fault ? why : '';
    if (before !== this.effPriority) {
      this.log('info', `(${this.name}) effective priority ${before} -> ${this.effPriority} (${why})`);
    }
    this.applyFault(now, why);
  }

  /** A sync group directive (see sync-group.ts; keepalived vrrp_sync.c). */
  private onGroup(directive: GroupDirective, group: string, reason: string, now: number): void {
    const why = `sync group ${group}: ${reason}`;
    switch (directive) {
      case 'MASTER':
        if (this.state === 'BACKUP') this.becomeMaster(now, why);
        return;
      case 'BACKUP':
        if (this.state === 'MASTER')
          this.enterBackup(now, why, this.masterDownMs(), 'no advert from a master');
        return;
      case 'FAULT':
        this.groupFault = true;
        this.applyFault(now, why);
        return;
      case 'FAULT-CLEARED':
        this.groupFault = false;
        this.applyFault(now, why);
        return;
    }
  }

  // ─── transitions ───────────────────────────────────────────────────────────────────────────

  private applyFault(now: number, why: string): void {
    const faulted = this.ownFault || this.groupFault;
    if (faulted && (this.state === 'BACKUP' || this.state === 'MASTER')) this.enterFault(now, why);
    else if (!faulted && this.state === 'FAULT') this.leaveFault(now, why);
  }

  /** → MASTER (RFC 5798 6.4.1/6.4.2, keepalived vrrp_state_goto_master / vrrp_state_become_master). */
  private becomeMaster(now: number, reason: string): void {
    const from = this.state;
    const g = this.p.garp;
    this.state = 'MASTER';
    this.wantState = 'MASTER';
    this.preemptAt = undefined;
    this.lastMaster = { address: this.p.primaryAddress, priority: this.effPriority };
    this.cancelTimer('master-down');
    // keepalived sends the advert before the GARPs so the old master drops the VIPs first.
    this.sendAdvert(this.effPriority);
    this.out.push({ type: 'add-vips', vips: this.p.vips });
    this.vipsSet = true;
    this.garp(g.masterRepeat, 'becoming master');
    if (g.masterDelayMs > 0) this.setTimer('garp-delay', now + g.masterDelayMs);
    // garp_master_refresh runs on its own timer (keepalived checks it on the next advert tick after it
    // is due, so theirs fires up to one advert interval later).
    if (g.masterRefreshMs > 0) this.setTimer('garp-refresh', now + g.masterRefreshMs);
    this.setTimer('advert', now + adverIntMs(this.p.adverIntCs));
    this.notify(from, 'MASTER', reason);
  }

  /** → BACKUP, from INIT, MASTER (no priority-0 advert: keepalived vrrp_state_leave_master) or FAULT. */
  private enterBackup(now: number, reason: string, downMs: number, downCause: string): void {
    const from = this.state;
    if (from === 'MASTER') this.releaseVips();
    this.cancelMasterTimers();
    this.state = 'BACKUP';
    this.wantState = 'BACKUP';
    this.preemptAt = undefined;
    this.armMasterDown(now, downMs, downCause);
    this.notify(from, 'BACKUP', reason);
  }

  /** → FAULT. A master first sends priority 0 so a backup takes over after Skew_Time (keepalived). */
  private enterFault(_now: number, reason: string): void {
    this.goPassive('FAULT', 'FAULT', reason);
  }

  /**
   * → INIT (shutdown) or FAULT: a master first sends priority 0 and releases its VIPs
   * (RFC 5798 6.4.3 Shutdown; keepalived does the same on entering FAULT), then every timer stops.
   */
  private goPassive(state: 'INIT' | 'FAULT', notifyAs: 'STOP' | 'FAULT', reason: string): void {
    const from = this.state;
    if (from === 'MASTER') {
      this.sendAdvert(PRIORITY_STOP);
      this.releaseVips();
    }
    this.cancelAllTimers();
    this.preemptAt = undefined;
    this.state = state;
    this.wantState = state;
    this.notify(from, notifyAs, reason);
  }

  /** FAULT → BACKUP (keepalived vrrp_state_leave_fault resets Master_Adver_Interval); an owner goes MASTER. */
  private leaveFault(now: number, reason: string): void {
    this.masterAdverIntCs = this.p.adverIntCs;
    if (this.basePriority === PRIORITY_OWNER)
      this.becomeMaster(now, `${reason}; address owner (priority 255)`);
    else this.enterBackup(now, reason, this.masterDownMs(), 'no advert from a master since leaving FAULT');
  }

  // ─── helpers ───────────────────────────────────────────────────────────────────────────────

  /** RFC 5798 6.4.1 / keepalived.conf(5): an owner with `state MASTER` needs no election. */
  private ownerWantsMaster(): boolean {
    return this.basePriority === PRIORITY_OWNER && this.p.initialState === 'MASTER';
  }

  private masterDownMs(): number {
    return masterDownIntervalMs(
      this.p.version,
      this.effPriority,
      this.masterAdverIntCs,
      this.p.downTimerAdverts,
    );
  }

  private skewMs(): number {
    return skewTimeMs(this.p.version, this.effPriority, this.masterAdverIntCs);
  }

  private armMasterDown(now: number, ms: number, cause: string): void {
    this.masterDownCause = cause;
    this.setTimer('master-down', now + ms);
  }

  private sendAdvert(priority: number): void {
    this.out.push({ type: 'send-advert', priority, adverIntCs: this.p.adverIntCs });
  }

  private garp(count: number, reason: string): void {
    if (count > 0 && this.p.vips.length > 0) this.out.push({ type: 'send-garp', count, reason });
  }

  private releaseVips(): void {
    this.out.push({ type: 'remove-vips', vips: this.p.vips });
    this.vipsSet = false;
  }

  private notify(from: VrrpState, state: NotifyState, reason: string): void {
    this.out.push({ type: 'notify', from, state, reason });
  }

  private log(level: 'info' | 'warning', message: string): void {
    this.out.push({ type: 'log', level, message });
  }

  private setTimer(kind: TimerKind, at: number): void {
    this.timers.set(kind, at);
    this.out.push({ type: 'set-timer', kind, at });
  }

  private cancelTimer(kind: TimerKind): void {
    if (this.timers.delete(kind)) this.out.push({ type: 'cancel-timer', kind });
  }

  private cancelMasterTimers(): void {
    for (const k of ['advert', 'garp-delay', 'garp-refresh', 'garp-lower-prio'] as const) this.cancelTimer(k);
  }

  private cancelAllTimers(): void {
    for (const k of [...this.timers.keys()]) this.cancelTimer(k);
  }
}

/** Create an instance in INIT; feed it `{ type: 'startup' }` to start. */
export function createInstance<Vip>(params: InstanceParams<Vip>): VrrpInstance<Vip> {
  return new VrrpInstance(params);
}

// ─── address order (RFC 5798 6.4.3 tie-break: the higher primary address wins) ──────────────────

/** Compare two IP address strings numerically: <0, 0, >0. IPv4 sorts below IPv6; unparsable by text. */
export function compareAddresses(a: string, b: string): number {
  const x = addressBytes(a);
  const y = addressBytes(b);
  if (x === undefined || y === undefined) return a < b ? -1 : a > b ? 1 : 0;
  // IPv6 above every IPv4 (only ever compared within one family on the wire).
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  }
  return 0;
}

function addressBytes(s: string): Uint8Array | undefined {
  return s.includes(':') ? parseIpv6(s.split('%')[0] ?? '') : parseIpv4(s);
}
