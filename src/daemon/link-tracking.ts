/**
 * track_interface semantics (keepalived.conf(5), vrrp_instance track_interface), pure:
 * - weight 0: the instance is in FAULT while the interface is down (with `reverse`: while up);
 * - positive weight: added to the priority while the interface is up;
 * - negative weight: subtracted while the interface is down;
 * - `reverse` flips the direction of the adjustment.
 * The instance's own interface is tracked with weight 0 unless dont_track_primary.
 */
import type { TrackingStatus } from '../vrrp/types.js';
import type { TrackInterfacePlan } from './messages.js';

export function interfaceTracking(
  plan: TrackInterfacePlan,
  isUp: (ifname: string) => boolean,
): TrackingStatus {
  let weight = 0;
  const faults: string[] = [];
  for (const t of plan.interfaces) {
    const up = isUp(t.name);
    if (t.weight === 0) {
      if (up === t.reverse) faults.push(`${t.name} is ${up ? 'up (reverse)' : 'down'}`);
      continue;
    }
    if (t.weight > 0) {
      // Added when up; reverse: added when down.
      if (up !== t.reverse) weight += t.weight;
    } else if (up === t.reverse) {
      // Subtracted when down; reverse: subtracted when up.
      weight += t.weight;
    }
  }
  return faults.length > 0
    ? { weight, fault: true, reason: `track_interface: ${faults.join(', ')}` }
    : { weight, fault: false, reason: 'track_interface: all tracked interfaces ok' };
}
