/**
 * Combine one instance's tracked objects into a TrackingStatus (keepalived vrrp_track.c).
 *
 * For scripts, processes and interfaces, with multiplier m = -1 when `reverse`, else 1:
 * - weight 0: the object down (script failed, quorum lost, interface down) means FAULT; with
 *   reverse, the object UP means FAULT;
 * - weight > 0: while the object is up, weight*m is added;
 * - weight < 0: while the object is down, weight*m is added.
 * For a track_file with value v: weight 0 means FAULT when (v != 0) xor reverse; otherwise
 * v*weight*m is added, clamped to 253, and anything below -253 means FAULT.
 * A reference's own `weight` overrides the object's weight. Members of a sync group get the group's
 * tracked objects too, with the group's weights (keepalived 2.2.7 vrrp.c sync_group_tracking_init
 * keeps them; it sets them to 0 only when a member is the address owner). An instance's own weighted
 * objects are dropped or made unweighted when it is in a sync group without
 * sync_group_tracking_weight, or is the address owner (vrrp_complete_instance): weighted scripts
 * are dropped, interfaces get weight 0 (the owner drops them), files of weight 1 (the default) get
 * weight 0 and other weighted files are dropped; processes are left as they are.
 * The address owner (priority 255) never changes priority: only the FAULT rules apply to it.
 * A script that has not reported yet ('init') neither adds weight nor causes FAULT.
 */
import type { KeepalivedConfig, SyncGroup, TrackRef, VrrpInstance } from '../config/model.js';
import type { TrackingStatus } from '../vrrp/types.js';
import type { ScriptHealth } from './vrrp-script.js';

/** Current state of every tracked object, by name. Missing = unknown (treated as up / 0). */
export interface TrackSnapshot {
  readonly scripts: ReadonlyMap<string, ScriptHealth>;
  readonly files: ReadonlyMap<string, number>;
  readonly processes: ReadonlyMap<string, boolean>;
  readonly interfaces: ReadonlyMap<string, boolean>;
}

export type TrackedKind = 'track_script' | 'track_file' | 'track_process' | 'track_interface';

/** One tracked object as seen by one instance, with its weight already resolved. */
export type TrackedObject =
  | {
      readonly kind: 'track_script' | 'track_process' | 'track_interface';
      readonly name: string;
      readonly weight: number;
      readonly reverse: boolean;
      /** undefined = not known yet (script in init). */
      readonly up: boolean | undefined;
    }
  | {
      readonly kind: 'track_file';
      readonly name: string;
      readonly weight: number;
      readonly reverse: boolean;
      readonly value: number;
    };

export interface Effect {
  readonly weight: number;
  readonly fault: boolean;
}

export const TRACK_WEIGHT_LIMIT = 253;

/** The effect of one object (see the module comment). */
export function effectOf(o: TrackedObject): Effect {
  const m = o.reverse ? -1 : 1;
  if (o.kind === 'track_file') {
    if (o.weight === 0) return { weight: 0, fault: (o.value !== 0) !== o.reverse };
    const v = o.value * o.weight * m;
    if (v < -TRACK_WEIGHT_LIMIT) return { weight: 0, fault: true };
    return { weight: Math.min(v, TRACK_WEIGHT_LIMIT), fault: false };
  }
  if (o.up === undefined) return { weight: 0, fault: false };
  if (o.weight === 0) return { weight: 0, fault: o.up === o.reverse };
  if (o.weight > 0) return { weight: o.up ? o.weight * m : 0, fault: false };
  return { weight: o.up ? 0 : o.weight * m, fault: false };
}

function describe(o: TrackedObject): string {
  if (o.kind === 'track_file') return `track_file ${o.name} value ${o.value}`;
  const state =
    o.kind === 'track_interface'
      ? o.up
        ? 'up'
        : 'down'
      : o.kind === 'track_script'
        ? o.up
          ? 'ok'
          : 'failed'
        : o.up
          ? 'quorum ok'
          : 'quorum lost';
  return `${o.kind} ${o.name} ${state}${o.reverse ? ' (reverse)' : ''}`;
}

/** Sum the effects; `ownerPriority` (255) keeps the FAULT rules but drops every weight. */
export function aggregate(objects: readonly TrackedObject[], addressOwner = false): TrackingStatus {
  let weight = 0;
  const faults: string[] = [];
  for (const o of objects) {
    const e = effectOf(o);
    if (e.fault) faults.push(describe(o));
    else if (!addressOwner) weight += e.weight;
  }
  return faults.length > 0 ? { weight, fault: true, reason: faults.join(', ') } : { weight, fault: false };
}

/**
 * True while an unweighted track_script has not reported yet (keepalived num_script_init): the
 * address owner must not take the start-up shortcut to MASTER until it has.
 */
export function initPending(objects: readonly TrackedObject[]): boolean {
  return objects.some((o) => o.kind === 'track_script' && o.weight === 0 && o.up === undefined);
}

interface Weighted {
  readonly weight: number;
  readonly weightReverse: boolean;
}

function resolve(ref: TrackRef, obj: Weighted | undefined): { weight: number; reverse: boolean } {
  const weight = ref.weight ?? obj?.weight ?? 0;
  // A reference's `reverse` reverses; otherwise the object's own `weight N reverse` applies.
  const reverse = ref.reverse || (ref.weight === undefined && (obj?.weightReverse ?? false));
  return { weight, reverse };
}

/**
 * What keepalived 2.2.7 makes of an instance's own weighted object when the instance may not use
 * weights (vrrp.c vrrp_complete_instance): undefined = dropped.
 */
function unweighted(
  kind: TrackedKind,
  r: { weight: number; reverse: boolean },
  addressOwner: boolean,
): { weight: number; reverse: boolean } | undefined {
  if (r.weight === 0 || kind === 'track_process') return r;
  if (kind === 'track_interface') return addressOwner ? undefined : { ...r, weight: 0 };
  if (kind === 'track_file') return r.weight === 1 ? { ...r, weight: 0 } : undefined;
  return undefined;
}

type TrackSource = Pick<VrrpInstance, 'trackScript' | 'trackFile' | 'trackProcess' | 'trackInterface'>;

/** The tracked objects of an instance (its own and its sync group's) in the current snapshot. */
export function trackedObjects(
  cfg: Pick<KeepalivedConfig, 'vrrpScripts' | 'trackFiles' | 'trackProcesses' | 'instances'>,
  instance: TrackSource & Pick<VrrpInstance, 'priority'>,
  group: (TrackSource & Pick<SyncGroup, 'group' | 'syncGroupTrackingWeight'>) | undefined,
  snap: TrackSnapshot,
): TrackedObject[] {
  const addressOwner = instance.priority === 255;
  const ownWeightsIgnored = (group !== undefined && !group.syncGroupTrackingWeight) || addressOwner;
  const groupHasOwner =
    group?.group.some((m) => cfg.instances.find((i) => i.name === m.name)?.priority === 255) ?? false;
  const out: TrackedObject[] = [];
  const sources: [TrackSource, boolean][] = group
    ? [
        [instance, true],
        [group, false],
      ]
    : [[instance, true]];
  for (const [src, own] of sources) {
    const weigh = (kind: TrackedKind, ref: TrackRef, obj: Weighted | undefined) => {
      const r = resolve(ref, obj);
      if (own) return ownWeightsIgnored ? unweighted(kind, r, addressOwner) : r;
      return groupHasOwner ? { ...r, weight: 0 } : r;
    };
    for (const ref of src.trackScript) {
      const w = weigh(
        'track_script',
        ref,
        cfg.vrrpScripts.find((x) => x.name === ref.name),
      );
      if (w === undefined) continue;
      const h = snap.scripts.get(ref.name) ?? 'init';
      out.push({ kind: 'track_script', name: ref.name, ...w, up: h === 'init' ? undefined : h === 'ok' });
    }
    for (const ref of src.trackProcess) {
      const w = weigh(
        'track_process',
        ref,
        cfg.trackProcesses.find((x) => x.name === ref.name),
      );
      if (w === undefined) continue;
      out.push({ kind: 'track_process', name: ref.name, ...w, up: snap.processes.get(ref.name) });
    }
    for (const ref of src.trackInterface) {
      // track_interface has no object-level weight: default 0 (down = FAULT).
      const w = weigh('track_interface', ref, undefined);
      if (w === undefined) continue;
      out.push({ kind: 'track_interface', name: ref.name, ...w, up: snap.interfaces.get(ref.name) ?? true });
    }
    for (const ref of src.trackFile) {
      const w = weigh(
        'track_file',
        ref,
        cfg.trackFiles.find((x) => x.name === ref.name),
      );
      if (w === undefined) continue;
      out.push({ kind: 'track_file', name: ref.name, ...w, value: snap.files.get(ref.name) ?? 0 });
    }
  }
  return out;
}

/** TrackingStatus of one instance: what the engine's `track(instance, status)` expects. */
export function instanceTracking(
  cfg: Pick<KeepalivedConfig, 'vrrpScripts' | 'trackFiles' | 'trackProcesses' | 'syncGroups' | 'instances'>,
  instance: VrrpInstance,
  snap: TrackSnapshot,
): TrackingStatus {
  const group = cfg.syncGroups.find((g) => g.group.some((m) => m.name === instance.name));
  return aggregate(trackedObjects(cfg, instance, group, snap), instance.priority === 255);
}
