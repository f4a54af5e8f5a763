/**
 * The demo's bookkeeping (pure): the client's fetches, what they add up to over a time window,
 * and the verdict of each step. Times are ms since the epoch, as the client reports them.
 */

export interface Fetch {
  /** When the request started and when it was answered or failed. */
  readonly start: number;
  readonly end: number;
  /** The real server that answered; undefined when the fetch failed. */
  readonly server: string | undefined;
  /** Why it failed. */
  readonly error?: string;
}

/** One line of the client: `<start> <end> <body>` or `<start> <end> - <error>`. */
export function parseFetch(line: string): Fetch | undefined {
  const m = /^(\d+) (\d+) (.*)$/.exec(line.trim());
  if (m === null) return undefined;
  const [start, end, rest] = [Number(m[1]), Number(m[2]), m[3]!];
  return rest.startsWith('- ')
    ? { start, end, server: undefined, error: rest.slice(2) }
    : { start, end, server: rest };
}

export interface Tally {
  /** Answers per real server. */
  readonly counts: Readonly<Record<string, number>>;
  readonly failed: number;
  readonly total: number;
}

/** The fetches that started in [from, to). */
export function tally(fetches: readonly Fetch[], from: number, to = Number.POSITIVE_INFINITY): Tally {
  const counts: Record<string, number> = {};
  let failed = 0;
  let total = 0;
  for (const f of fetches) {
    if (f.start < from || f.start >= to) continue;
    total++;
    if (f.server === undefined) failed++;
    else counts[f.server] = (counts[f.server] ?? 0) + 1;
  }
  return { counts, failed, total };
}

/** `rs1 5  rs2 4  failed 1`, servers in the order given. */
export function formatTally(t: Tally, servers: readonly string[]): string {
  const parts = servers.map((s) => `${s} ${String(t.counts[s] ?? 0).padStart(2)}`);
  return `${parts.join('  ')}  failed ${String(t.failed).padStart(2)}`;
}

/** The first fetch answered by `server` (any server when undefined) that started at or after `since`. */
export function firstAnswer(fetches: readonly Fetch[], since: number, server?: string): Fetch | undefined {
  return fetches.find(
    (f) => f.start >= since && f.server !== undefined && (server === undefined || f.server === server),
  );
}

export interface Verdict {
  readonly step: string;
  readonly ok: boolean;
  /** What was measured, for the reader. */
  readonly detail: string;
}

/** Every server answered and nothing failed: the traffic spreads over `servers`. */
export function spreadVerdict(step: string, t: Tally, servers: readonly string[]): Verdict {
  const missing = servers.filter((s) => (t.counts[s] ?? 0) === 0);
  return {
    step,
    ok: missing.length === 0 && t.failed === 0 && t.total > 0,
    detail: `${t.total} requests: ${formatTally(t, servers)}${missing.length > 0 ? ` (no answer from ${missing.join(', ')})` : ''}`,
  };
}

/** A duration against its bound. */
export function withinVerdict(step: string, ms: number | undefined, boundMs: number, what: string): Verdict {
  return {
    step,
    ok: ms !== undefined && ms <= boundMs,
    detail:
      ms === undefined
        ? `${what}: did not happen`
        : `${what}: ${(ms / 1000).toFixed(2)} s (bound ${(boundMs / 1000).toFixed(1)} s)`,
  };
}

/** No fetch started in the window failed (and some ran), none was answered by `absent`. */
export function noFailureVerdict(step: string, t: Tally, absent?: string): Verdict {
  const wrong = absent !== undefined ? (t.counts[absent] ?? 0) : 0;
  return {
    step,
    ok: t.failed === 0 && t.total > 0 && wrong === 0,
    detail: `${t.total} requests, ${t.failed} failed${absent !== undefined ? `, ${wrong} answered by ${absent}` : ''}`,
  };
}
