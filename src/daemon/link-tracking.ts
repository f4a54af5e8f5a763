/**
 * Combines the main thread's tracking status with the primary interface's link state (pure).
 * keepalived puts an instance in FAULT when its own interface goes down unless
 * dont_track_primary (keepalived.conf(5), vrrp_instance dont_track_primary).
 */
import type { TrackingStatus } from '../vrrp/types.js';

export function combineTracking(
  external: TrackingStatus | undefined,
  primary: { readonly name: string; readonly up: boolean } | undefined,
): TrackingStatus {
  const base = external ?? { weight: 0, fault: false };
  if (primary === undefined || primary.up) return base;
  const why = `interface ${primary.name} is down`;
  return {
    weight: base.weight,
    fault: true,
    reason: base.fault && base.reason ? `${why}; ${base.reason}` : why,
  };
}
