/**
 * Combines the main thread's tracking status with what the worker sees itself (pure): the primary
 * interface's link state, and whether the instance has an advert source address. keepalived puts
 * an instance in FAULT when its own interface goes down unless dont_track_primary
 * (keepalived.conf(5), vrrp_instance dont_track_primary), and while it has no source address
 * ("no IPv4 address for interface", "src address not configured").
 */
import type { TrackingStatus } from '../vrrp/types.js';

export function combineTracking(
  external: TrackingStatus | undefined,
  primary: { readonly name: string; readonly up: boolean } | undefined,
  /** A fault of the worker's own (no source address, a config fault), or undefined. */
  noSource?: string,
): TrackingStatus {
  const base = external ?? { weight: 0, fault: false };
  const down = primary !== undefined && !primary.up ? `interface ${primary.name} is down` : undefined;
  const why = [down, noSource].filter((w) => w !== undefined).join('; ');
  if (why === '') return base;
  return {
    weight: base.weight,
    fault: true,
    reason: base.fault && base.reason ? `${why}; ${base.reason}` : why,
  };
}
