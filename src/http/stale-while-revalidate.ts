/**
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
  ) {}

  get(): Promise<T> {
    const held = this.value;
    if (held !== undefined && this.now() - held.at <= this.maxAgeMs) {
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
