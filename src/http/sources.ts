/**
 * What the HTTP API reads, put together from the daemon's own requests: the status (both
 * threads), the VRRP instances alone, the LVS view and the checker thread's metrics text (its
 * servers' families and attempt latency, written there so that only text crosses threads). Reads
 * are shared: however many clients ask, the VRRP thread answers at most one status and one
 * instances request per 50 ms, and a scrape serves the LVS counters of the read started by an
 * earlier scrape (stale-while-revalidate.ts), with at most one read per 5 s.
 */
import type { InstanceStatus, StatusReport } from '../daemon/status-types.js';
import type { LvsView } from '../lvs/driver.js';
import type { EventLog } from './events.js';
import type { DaemonMetrics } from './metrics.js';
import type { HttpSources } from './server.js';
import { StaleWhileRevalidate } from './stale-while-revalidate.js';

export interface DaemonReads {
  readonly status: () => Promise<StatusReport>;
  /** The VRRP thread's part of the status alone. */
  readonly instances: () => Promise<InstanceStatus[]>;
  readonly lvs: () => Promise<LvsView>;
  /** The checker thread's Prometheus text: its servers and latency ('' without one). */
  readonly checkerMetrics: () => Promise<string>;
}

export const STATUS_FRESH_MS = 50;
export const LVS_COUNTERS_MAX_AGE_MS = 60_000;
/** No new `nft` counter read more often than this, however often /metrics is scraped. */
export const LVS_COUNTERS_FRESH_MS = 5000;

export function httpSources(reads: DaemonReads, events: EventLog, metrics: DaemonMetrics): HttpSources {
  const status = new StaleWhileRevalidate(reads.status, STATUS_FRESH_MS, Date.now, STATUS_FRESH_MS);
  const instances = new StaleWhileRevalidate(reads.instances, STATUS_FRESH_MS, Date.now, STATUS_FRESH_MS);
  const lvs = new StaleWhileRevalidate(reads.lvs, LVS_COUNTERS_MAX_AGE_MS, Date.now, LVS_COUNTERS_FRESH_MS);
  return {
    status: () => status.get(),
    events,
    metrics: async () => {
      // Only text crosses from the checker thread: its servers' families are written there.
      const [list, view, checkerText] = await Promise.all([
        instances.get(),
        lvs.get(),
        reads.checkerMetrics(),
      ]);
      const text = await metrics.render({ instances: list, virtualServers: [], lvs: view }, checkerText);
      return { contentType: metrics.contentType, text };
    },
  };
}
