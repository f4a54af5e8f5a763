/**
 * What the HTTP API reads, put together from the daemon's own requests: the status (both
 * threads), the LVS view and the checker thread's metrics text. Reads are shared: however many
 * clients ask, the VRRP thread answers at most one status request per 50 ms, and a scrape serves
 * the LVS counters of the read started by the scrape before (stale-while-revalidate.ts), with at
 * most one read per 5 s.
 */
import type { StatusReport } from '../daemon/status-types.js';
import type { LvsView } from '../lvs/driver.js';
import type { EventLog } from './events.js';
import type { DaemonMetrics } from './metrics.js';
import type { HttpSources } from './server.js';
import { StaleWhileRevalidate } from './stale-while-revalidate.js';

export interface DaemonReads {
  readonly status: () => Promise<StatusReport>;
  readonly lvs: () => Promise<LvsView>;
  /** The checker thread's Prometheus text ('' without one). */
  readonly checkerMetrics: () => Promise<string>;
}

export const STATUS_FRESH_MS = 50;
export const LVS_COUNTERS_MAX_AGE_MS = 60_000;
/** No new `nft` counter read more often than this, however often /metrics is scraped. */
export const LVS_COUNTERS_FRESH_MS = 5000;

export function httpSources(reads: DaemonReads, events: EventLog, metrics: DaemonMetrics): HttpSources {
  const status = new StaleWhileRevalidate(reads.status, STATUS_FRESH_MS, Date.now, STATUS_FRESH_MS);
  const lvs = new StaleWhileRevalidate(reads.lvs, LVS_COUNTERS_MAX_AGE_MS, Date.now, LVS_COUNTERS_FRESH_MS);
  return {
    status: () => status.get(),
    events,
    metrics: async () => {
      const [s, view, checkerText] = await Promise.all([status.get(), lvs.get(), reads.checkerMetrics()]);
      return {
        contentType: metrics.contentType,
        text: await metrics.render({ status: s, lvs: view }, checkerText),
      };
    },
  };
}
