/**
 * Messages between the daemon's main thread and the VRRP worker thread. Everything is plain
 * data (structured clone).
 */
import type { InstancePlan } from './plan.js';
import type { InstanceStatus } from './status-types.js';
import type { EngineEvent } from './vrrp-engine.js';

export interface SyncGroupPlan {
  readonly name: string;
  readonly members: readonly string[];
}

export interface TrackInterfacePlan {
  readonly instance: string;
  /** keepalived.conf(5) track_interface: weight 0 = FAULT while down; see src/daemon/link-tracking.ts. */
  readonly interfaces: readonly {
    readonly name: string;
    readonly weight: number;
    readonly reverse: boolean;
  }[];
}

export interface WorkerConfig {
  readonly plans: readonly InstancePlan[];
  readonly groups: readonly SyncGroupPlan[];
  readonly tracking: readonly TrackInterfacePlan[];
  /** vrrp_garp_interval / vrrp_gna_interval in microseconds (pause between announcements). */
  readonly garpIntervalUs: number;
  readonly gnaIntervalUs: number;
}

export type ToWorker =
  | { readonly type: 'status'; readonly id: number }
  | { readonly type: 'stop' }
  | { readonly type: 'reload'; readonly config: WorkerConfig };

export type FromWorker =
  | { readonly type: 'started' }
  | { readonly type: 'status'; readonly id: number; readonly instances: InstanceStatus[] }
  | { readonly type: 'event'; readonly event: EngineEvent }
  | { readonly type: 'stopped' }
  | { readonly type: 'fatal'; readonly message: string };
