/**
 * Effective checker timing: a checker option falls back to its real server's, then its virtual
 * server's, then the per-checker default of keepalived.conf(5) (LVS CONFIGURATION). Pure; the
 * health-check scheduler calls this instead of re-implementing the inheritance.
 */
import type { Checker, RealServer, VirtualServer } from '../model.js';

export interface CheckerTiming {
  readonly connectTimeoutMs: number;
  readonly retry: number;
  readonly delayBeforeRetryMs: number;
  readonly delayLoopMs: number;
  /** Upper bound of the random delay before the first check (0 = none). */
  readonly warmupMs: number;
  readonly alpha: boolean;
}

/** keepalived.conf(5): delay_loop defaults to 60 s and connect_timeout to 5 s. */
const DEFAULT_DELAY_LOOP_MS = 60_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

function defaultRetry(c: Checker): number {
  if (c.type === 'DNS_CHECK') return 3;
  if (c.type === 'MISC_CHECK') return 0;
  return 1;
}

export function effectiveTiming(vs: VirtualServer, rs: RealServer, c: Checker): CheckerTiming {
  const delayLoopMs = c.delayLoopMs ?? rs.delayLoopMs ?? vs.delayLoopMs ?? DEFAULT_DELAY_LOOP_MS;
  // delay_before_retry: delay_loop for DNS_CHECK, 3 s for HTTP_GET/SSL_GET, 1 s otherwise.
  const retryDelayDefault =
    c.type === 'DNS_CHECK' ? delayLoopMs : c.type === 'HTTP_GET' || c.type === 'SSL_GET' ? 3_000 : 1_000;
  return {
    connectTimeoutMs:
      c.connectTimeoutMs ?? rs.connectTimeoutMs ?? vs.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    retry: c.retry ?? rs.retry ?? vs.retry ?? defaultRetry(c),
    delayBeforeRetryMs:
      c.delayBeforeRetryMs ?? rs.delayBeforeRetryMs ?? vs.delayBeforeRetryMs ?? retryDelayDefault,
    delayLoopMs,
    // warmup is enabled by default with delay_loop as its maximum; 0 disables it.
    warmupMs: c.warmupMs ?? rs.warmupMs ?? vs.warmupMs ?? delayLoopMs,
    alpha: c.alpha ?? rs.alpha ?? vs.alpha ?? false,
  };
}
