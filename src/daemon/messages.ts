/**
 * Messages between the daemon's main thread and its worker threads (VRRP, health checker).
 * Everything is plain data (structured clone).
 */
import type { LifecycleEvent } from '../check/lifecycle.js';
import type { CheckPlan } from '../check/plan.js';
import type { LvsDriverKind, LvsView } from '../lvs/driver.js';
import type { TrackingStatus } from '../vrrp/types.js';
import type { FirewallSettings } from './firewall.js';
import type { InstancePlan } from './plan.js';
import type { InstanceStatus, VirtualServerStatus } from './status-types.js';
import type { EngineEvent } from './vrrp-engine.js';

export interface SyncGroupPlan {
  readonly name: string;
  readonly members: readonly string[];
}

/**
 * The instance's own interface, tracked in the worker so that a link going down puts the
 * instance in FAULT without a thread hop; null with dont_track_primary. Everything else that is
 * tracked (track_interface, scripts, files, processes) is combined on the main thread.
 */
export interface PrimaryInterfacePlan {
  readonly instance: string;
  readonly interface: string | null;
  /** use_vmac: the VMAC, tracked with the interface (keepalived tracks both). */
  readonly vmac?: string;
}

export interface WorkerConfig {
  readonly plans: readonly InstancePlan[];
  readonly groups: readonly SyncGroupPlan[];
  readonly primary: readonly PrimaryInterfacePlan[];
  /** vrrp_garp_interval / vrrp_gna_interval in microseconds (pause between announcements). */
  readonly garpIntervalUs: number;
  /** vrrp_startup_delay: how long the instances wait before starting, ms. */
  readonly startupDelayMs: number;
  readonly gnaIntervalUs: number;
  /** nftables settings for instances not in accept mode; null: no firewall. */
  readonly firewall: FirewallSettings | null;
  /** vrrp_priority: the VRRP thread's nice value, set when it starts; undefined: inherited. */
  readonly nice?: number;
  /** vrrp_rt_priority: SCHED_RR for the VRRP thread instead of a nice value. */
  readonly rtPriority?: number;
  /** rtPriority is vigil's default, not the config's: failing to set it is only logged as info. */
  readonly rtPriorityIsDefault?: boolean;
}

export type ToWorker =
  | { readonly type: 'status'; readonly id: number }
  | { readonly type: 'stop' }
  /** The main thread's tracking result for one instance (everything but the primary interface). */
  | { readonly type: 'track'; readonly instance: string; readonly status: TrackingStatus }
  /** Every initial 'track' has been sent: the instances may start (keepalived reads tracking first). */
  | { readonly type: 'tracking-ready' }
  | { readonly type: 'reload'; readonly config: WorkerConfig };

export type FromWorker =
  | { readonly type: 'started' }
  | { readonly type: 'status'; readonly id: number; readonly instances: InstanceStatus[] }
  | { readonly type: 'event'; readonly event: EngineEvent }
  /** Link state from the netlink watcher, for track_interface on the main thread. */
  | { readonly type: 'link'; readonly name: string; readonly up: boolean }
  | { readonly type: 'stopped' }
  /** A reload is applied; these instances kept their state through it (fifo_write_vrrp_states_on_reload). */
  | { readonly type: 'reloaded'; readonly unchanged: InstanceStatus[] }
  | { readonly type: 'fatal'; readonly message: string };

/** The checker worker's start data: the health-check plan (src/check/plan.ts). */
export interface CheckerWorkerConfig {
  readonly plan: CheckPlan;
  /** --lvs-driver; undefined: IPVS when the kernel has it, else nftables (src/lvs/select.ts). */
  readonly lvsDriver?: LvsDriverKind;
  /** --http: answer 'metrics' and time the attempts (src/http/metrics.ts CheckerThreadMetrics). */
  readonly metrics?: boolean;
  /** The IPVS driver's record of the services it created (beside the pid file; ipvs-ownership.ts). */
  readonly ipvsRecord?: string;
  /** checker_priority (else DEFAULT_CHECKER_NICE): the checker thread's nice value, set when it starts. */
  readonly nice?: number;
  /** checker_rt_priority: SCHED_RR for the checker thread instead of a nice value. */
  readonly rtPriority?: number;
}

export type ToChecker =
  | { readonly type: 'status'; readonly id: number }
  /** The data plane's view for `vigil lvs`. */
  | { readonly type: 'lvs'; readonly id: number }
  /** The checker thread's own Prometheus text (servers, attempt latency). */
  | { readonly type: 'metrics'; readonly id: number }
  | { readonly type: 'reload'; readonly config: CheckerWorkerConfig }
  | { readonly type: 'stop' };

export type FromChecker =
  | { readonly type: 'started' }
  /** A log line, notify script, FIFO line or mail for the main thread to carry out. */
  | { readonly type: 'event'; readonly event: LifecycleEvent }
  | { readonly type: 'status'; readonly id: number; readonly virtualServers: VirtualServerStatus[] }
  | { readonly type: 'lvs'; readonly id: number; readonly view: LvsView }
  | { readonly type: 'metrics'; readonly id: number; readonly text: string }
  | { readonly type: 'stopped' }
  | { readonly type: 'fatal'; readonly message: string };
