/**
 * Domain types for one VRRP instance: its parameters, the events that drive the state machine
 * (src/vrrp/instance.ts) and the actions it asks a driver to perform.
 *
 * Everything here is plain data. Time is always milliseconds on a monotonic clock chosen by the
 * driver (the daemon uses a real clock, the simulator a virtual one).
 */

/** RFC 5798 6.4 states; INIT is also the state after shutdown. */
export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';

export type VrrpVersion = 2 | 3;

export type AddressFamily = 'inet' | 'inet6';

/** Priority 255: the address owner (RFC 5798 5.2.4). Never changed by tracking. */
export const PRIORITY_OWNER = 255;
/** Priority 0: "the current master has stopped participating" (RFC 5798 5.2.4). */
export const PRIORITY_STOP = 0;

/**
 * Gratuitous ARP / unsolicited NA schedule (keepalived.conf names in brackets).
 * A "burst" is `repeat` announcements for every VIP, sent back to back.
 */
export interface GarpParams {
  /** [garp_master_delay] second burst this long after becoming master; 0 = no second burst. */
  readonly masterDelayMs: number;
  /** [garp_master_repeat] announcements per burst on becoming master. */
  readonly masterRepeat: number;
  /** [garp_master_refresh] periodic burst while master; 0 = off. */
  readonly masterRefreshMs: number;
  /** [garp_master_refresh_repeat] announcements per refresh burst. */
  readonly masterRefreshRepeat: number;
  /** [garp_lower_prio_delay] second burst this long after a lower-priority advert; 0 = none. */
  readonly lowerPrioDelayMs: number;
  /** [garp_lower_prio_repeat] burst size on receiving a lower-priority advert as master; 0 = off. */
  readonly lowerPrioRepeat: number;
}

/**
 * keepalived 2.2.7 defaults (keepalived.conf(5), global_defs vrrp_garp_*): the lower-priority burst
 * defaults to the master delay and repeat.
 */
export const DEFAULT_GARP: GarpParams = {
  masterDelayMs: 5000,
  masterRepeat: 5,
  masterRefreshMs: 0,
  masterRefreshRepeat: 1,
  lowerPrioDelayMs: 5000,
  lowerPrioRepeat: 5,
};

/**
 * Static parameters of one vrrp_instance. The config model is mapped onto this; the state machine
 * never reads keepalived.conf itself.
 *
 * @typeParam Vip the driver's representation of a virtual address (opaque to the state machine).
 */
export interface InstanceParams<Vip = unknown> {
  /** vrrp_instance name, used in reasons and notify. */
  readonly name: string;
  readonly version: VrrpVersion;
  readonly family: AddressFamily;
  /** virtual_router_id, 1..255. */
  readonly vrid: number;
  /** priority, 1..255 (255 = address owner). */
  readonly basePriority: number;
  /** advert_int in centiseconds (v2 only allows whole seconds; the mapper converts). */
  readonly adverIntCs: number;
  /**
   * Our primary address as the string a peer sees as the advert source (unicast_src_ip or the
   * interface address). Used for the equal-priority tie-break (RFC 5798 6.4.3: higher wins).
   */
  readonly primaryAddress: string;
  /** `state MASTER|BACKUP`; only an owner (255) with MASTER skips the election (see instance.ts onStartup). */
  readonly initialState: 'MASTER' | 'BACKUP';
  /** `nopreempt`: a backup never takes over from a lower-priority master. */
  readonly nopreempt: boolean;
  /** `preempt_delay` in ms; 0 = preempt at once. */
  readonly preemptDelayMs: number;
  readonly garp: GarpParams;
  /** `lower_prio_no_advert`: as master, do not answer a lower-priority advert with our own. */
  readonly lowerPrioNoAdvert: boolean;
  /** `higher_prio_send_advert`: as master, send one advert before yielding to a higher one. */
  readonly higherPrioSendAdvert: boolean;
  /**
   * `down_timer_adverts` / `vrrp_down_timer_adverts` (1..100, default 3): how many master adverts a
   * backup misses before taking over; RFC 5798 6.1 fixes it at 3 (keepalived VRRP_MS_DOWN_TIMER).
   */
  readonly downTimerAdverts: number;
  /** virtual_ipaddress (+ _excluded); passed back untouched in add-vips / remove-vips. */
  readonly vips: readonly Vip[];
}

/** Parameters with keepalived's defaults filled in; `name`, `vrid` and `primaryAddress` are required. */
export function instanceParams<Vip = unknown>(
  p: Partial<InstanceParams<Vip>> & Pick<InstanceParams<Vip>, 'name' | 'vrid' | 'primaryAddress'>,
): InstanceParams<Vip> {
  return {
    version: 2,
    family: p.primaryAddress.includes(':') ? 'inet6' : 'inet',
    basePriority: 100,
    adverIntCs: 100,
    initialState: 'BACKUP',
    nopreempt: false,
    preemptDelayMs: 0,
    garp: DEFAULT_GARP,
    lowerPrioNoAdvert: false,
    higherPrioSendAdvert: false,
    downTimerAdverts: 3,
    vips: [],
    ...p,
  };
}

/**
 * An advertisement that already passed the receive checks (codec, TTL, VRID, auth, address list).
 * The state machine only needs these fields.
 */
export interface ReceivedAdvert {
  /** Source address as a string, e.g. '192.0.2.12' or 'fe80::1'. */
  readonly src: string;
  readonly priority: number;
  /** Max Adver Int (v3) in centiseconds; for v2 the advert_int field (seconds) x 100. */
  readonly adverIntCs: number;
  readonly version: VrrpVersion;
}

export type TimerKind =
  /** MASTER: time to send the next advert (RFC 5798 Adver_Timer). */
  | 'advert'
  /** BACKUP: master presumed down (RFC 5798 Master_Down_Timer). */
  | 'master-down'
  /** MASTER: second GARP burst after garp_master_delay. */
  | 'garp-delay'
  /** MASTER: periodic GARP refresh (garp_master_refresh). */
  | 'garp-refresh'
  /** MASTER: second burst after a lower-priority advert (garp_lower_prio_delay). */
  | 'garp-lower-prio';

/** Tracking state as a whole (track_interface / track_script / track_file ...), computed by the driver. */
export interface TrackingStatus {
  /** Sum of the weights of tracked objects currently applying their weight (may be negative). */
  readonly weight: number;
  /** True while any tracked object without a weight is failed: the instance must be in FAULT. */
  readonly fault: boolean;
  /** What changed, for the transition reason, e.g. 'track_script chk_haproxy failed'. */
  readonly reason?: string;
}

/** What a sync group imposes on a member (see sync-group.ts). */
export type GroupDirective = 'MASTER' | 'BACKUP' | 'FAULT' | 'FAULT-CLEARED';

export type InstanceEvent<Vip = never> =
  | { readonly type: 'startup' }
  /**
   * Config reload (SIGHUP) of the same instance (same name, VRID, version, family): keeps the state,
   * no flap; a master adds/removes only the VIPs that changed (compared by JSON text).
   */
  | { readonly type: 'reload'; readonly params: InstanceParams<Vip> }
  | { readonly type: 'shutdown' }
  | { readonly type: 'advert'; readonly advert: ReceivedAdvert }
  | { readonly type: 'timer'; readonly kind: TimerKind }
  | { readonly type: 'tracking'; readonly status: TrackingStatus }
  | {
      readonly type: 'group';
      readonly directive: GroupDirective;
      readonly group: string;
      readonly reason: string;
    };

/** Extra input for one `handle` call; only sync groups use it. */
export interface HandleContext {
  /**
   * False while this instance's sync group forbids going MASTER alone (keepalived
   * vrrp_sync_can_goto_master: every other member must want MASTER too). Default true.
   */
  readonly groupAllowsMaster?: boolean;
}

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';

export type InstanceAction<Vip = unknown> =
  | { readonly type: 'send-advert'; readonly priority: number; readonly adverIntCs: number }
  | { readonly type: 'add-vips'; readonly vips: readonly Vip[] }
  | { readonly type: 'remove-vips'; readonly vips: readonly Vip[] }
  /** Gratuitous ARP (IPv4) or unsolicited NA (IPv6) for every VIP, `count` times. */
  | { readonly type: 'send-garp'; readonly count: number; readonly reason: string }
  /** A state transition: log it and run notify scripts. `from` is the previous state. */
  | {
      readonly type: 'notify';
      readonly from: VrrpState;
      readonly state: NotifyState;
      readonly reason: string;
    }
  /** Arm (or re-arm) the one timer of this kind to fire at `at` ms. */
  | { readonly type: 'set-timer'; readonly kind: TimerKind; readonly at: number }
  | { readonly type: 'cancel-timer'; readonly kind: TimerKind }
  /** Something worth logging that is not a transition. */
  | { readonly type: 'log'; readonly level: 'info' | 'warning'; readonly message: string };

/** Read-only view of an instance for status output, tests and the simulator. */
export interface InstanceSnapshot {
  readonly name: string;
  readonly vrid: number;
  readonly state: VrrpState;
  /** The state this instance would be in ignoring its sync group (keepalived `wantstate`). */
  readonly wantState: VrrpState;
  readonly effectivePriority: number;
  /** Master_Adver_Interval in centiseconds (v3: adopted from the master's adverts). */
  readonly masterAdverIntCs: number;
  readonly ownFault: boolean;
  readonly groupFault: boolean;
  readonly vipsSet: boolean;
  /** Last master seen (address and priority), if any. */
  readonly lastMaster?: { readonly address: string; readonly priority: number };
  /** Armed timers: kind -> deadline (ms). */
  readonly timers: Readonly<Partial<Record<TimerKind, number>>>;
  /** Lowest-priority-advert preemption deadline (preempt_delay), if running. */
  readonly preemptAt?: number;
}

/**
 * keepalived's consistency rules for instance parameters (vrrp.c vrrp_complete_instance), for the
 * config mapper to apply once: returns the parameters keepalived would actually run with and one
 * warning per change, worded like keepalived's log lines.
 * - priority 255 and `nopreempt`: nopreempt is cleared;
 * - `state MASTER`: nopreempt and preempt_delay are cleared ("will not work with initial state MASTER");
 * - preempt_delay with nopreempt (or strict mode) is cleared;
 * - strict mode (vrrp_strict): no lower-priority GARP repeat/delay, lower_prio_no_advert on,
 *   higher_prio_send_advert off;
 * - advert_int: v2 whole seconds 1..255 (rounded), v3 1..4095 centiseconds.
 */
export function normalizeInstanceParams<Vip>(
  p: InstanceParams<Vip>,
  opts: { readonly strict?: boolean } = {},
): { params: InstanceParams<Vip>; warnings: string[] } {
  const w: string[] = [];
  const n = { ...p, garp: { ...p.garp } };
  if (n.basePriority === PRIORITY_OWNER && n.nopreempt) {
    w.push(`(${n.name}) nopreempt is incompatible with priority 255 - resetting nopreempt`);
    n.nopreempt = false;
  }
  if (n.initialState === 'MASTER') {
    if (n.nopreempt) {
      w.push(`(${n.name}) Warning - nopreempt will not work with initial state MASTER - clearing`);
      n.nopreempt = false;
    }
    if (n.preemptDelayMs > 0) {
      w.push(`(${n.name}) Warning - preempt delay will not work with initial state MASTER - clearing`);
      n.preemptDelayMs = 0;
    }
  }
  if (n.preemptDelayMs > 0 && opts.strict) {
    w.push(`(${n.name}) preempt_delay is incompatible with strict mode - resetting`);
    n.preemptDelayMs = 0;
  }
  if (n.preemptDelayMs > 0 && n.nopreempt) {
    w.push(`(${n.name}) preempt_delay is incompatible with nopreempt mode - resetting`);
    n.preemptDelayMs = 0;
  }
  if (opts.strict) {
    if (n.garp.lowerPrioRepeat !== 0 || n.garp.lowerPrioDelayMs !== 0) {
      w.push(`(${n.name}) Strict mode requires no repeat garps - resetting`);
      n.garp.lowerPrioRepeat = 0;
      n.garp.lowerPrioDelayMs = 0;
    }
    if (!n.lowerPrioNoAdvert) {
      w.push(`(${n.name}) Strict mode requires no lower priority advert - resetting`);
      n.lowerPrioNoAdvert = true;
    }
    if (n.higherPrioSendAdvert) {
      w.push(`(${n.name}) strict mode requires higher_prio_send_advert to be clear - resetting`);
      n.higherPrioSendAdvert = false;
    }
  }
  if (n.version === 2) {
    const secs = Math.min(255, Math.max(1, Math.round(n.adverIntCs / 100)));
    if (secs * 100 !== n.adverIntCs) {
      w.push(
        `(${n.name}) VRRPv2 advertisement interval ${n.adverIntCs / 100}s must be 1..255 whole seconds - using ${secs}s`,
      );
      n.adverIntCs = secs * 100;
    }
  } else {
    const cs = Math.min(4095, Math.max(1, Math.round(n.adverIntCs)));
    if (cs !== n.adverIntCs) {
      w.push(
        `(${n.name}) VRRPv3 advertisement interval ${n.adverIntCs / 100}s out of range - using ${cs / 100}s`,
      );
      n.adverIntCs = cs;
    }
  }
  return { params: n, warnings: w };
}
