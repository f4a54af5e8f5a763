/**
 * Reads shared between callers. One read at a time, whatever the number of callers; optionally
 * none at all while the last one is younger than freshMs (the HTTP API's status: however many
 * clients ask, the VRRP thread answers at most one status request per 50 ms).
 *
 * A value that is slow to read (the nftables driver's counters: one `nft -j list counters`, tens
 * of ms with a thousand real servers; bench/README.md) served from the previous read while a new
 * one runs, as long as that read is no older than maxAgeMs. Each scrape thus gets the counters
 * read at the one before, and nothing is read while nobody asks. Pure: the clock is injected.
 */
export class StaleWhileRevalidate<T> {
  private value: { readonly v: T; readonly at: number } | undefined;
  private inflight: Promise<T> | undefined;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
    /** Younger than this, the held value is served without a new read (a bound on the read rate). */
    private readonly freshMs = 0,
  ) {}

  get(): Promise<T> {
    const held = this.value;
    const age = held !== undefined ? this.now() - held.at : Number.POSITIVE_INFINITY;
    if (held !== undefined && age < this.freshMs) return Promise.resolve(held.v);
    if (held !== undefined && age <= this.maxAgeMs) {
      // A failed background read leaves the held value; the next get() tries again.
      this.refresh().catch(() => undefined);
      return Promise.resolve(held.v);
    }
    return this.refresh();
  }

  private refresh(): Promise<T> {
    this.inflight ??= this.read().then(
      (v) => {
        this.value = { v, at: this.now() };
        this.inflight = undefined;
        return v;
      },
      (e: unknown) => {
        this.inflight = undefined;
        throw e;
      },
    );
    return this.inflight;
  }
}
