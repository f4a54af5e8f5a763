/**
 * VRRP interval arithmetic. All results are milliseconds (possibly fractional: keepalived works in
 * microseconds and so do we, rounded down to whole microseconds).
 */
import type { VrrpVersion } from './types.js';

const usToMs = (us: number): number => Math.floor(us) / 1000;

/**
 * Skew_Time.
 * - v2, RFC 3768 6.1: (256 - Priority) / 256 seconds, independent of the advert interval.
 * - v3, RFC 5798 6.1: ((256 - Priority) * Master_Adver_Interval) / 256, in centiseconds.
 * Same arithmetic as keepalived's VRRP_TIMER_SKEW (vrrp.h), which truncates to microseconds.
 */
export function skewTimeMs(version: VrrpVersion, priority: number, masterAdverIntCs: number): number {
  return skewFor(version, 256 - priority, masterAdverIntCs);
}

function skewFor(version: VrrpVersion, factor: number, masterAdverIntCs: number): number {
  // v3 in cs: factor * interval / 256 cs = factor * interval * 10_000 / 256 us.
  if (version === 3) return usToMs((factor * masterAdverIntCs * 10_000) / 256);
  return usToMs((factor * 1_000_000) / 256);
}

/**
 * Master_Down_Interval = 3 x Master_Adver_Interval + Skew_Time (RFC 5798 6.1, RFC 3768 6.1);
 * keepalived's down_timer_adverts replaces the 3 (VRRP_MS_DOWN_TIMER).
 */
export function masterDownIntervalMs(
  version: VrrpVersion,
  priority: number,
  masterAdverIntCs: number,
  downTimerAdverts = 3,
): number {
  return downTimerAdverts * masterAdverIntCs * 10 + skewTimeMs(version, priority, masterAdverIntCs);
}

/** The advert interval in ms. */
export function adverIntMs(adverIntCs: number): number {
  return adverIntCs * 10;
}
