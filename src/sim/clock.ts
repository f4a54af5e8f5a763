/**
 * Deterministic virtual clock: an event queue ordered by (time, insertion order). Nothing runs
 * unless `runUntil`/`step` is called, so a scenario is a pure function of its inputs and seed.
 */
export type TimerId = number;

interface Entry {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

export class VirtualClock {
  private t = 0;
  private seq = 0;
  private heap: Entry[] = [];
  /** Scheduled and neither run nor cancelled. */
  private readonly live = new Set<number>();

  get now(): number {
    return this.t;
  }

  /** Pending (not cancelled) entries. */
  get pending(): number {
    return this.live.size;
  }

  /** Run `fn` at time `at` (clamped to now). */
  schedule(at: number, fn: () => void): TimerId {
    const e: Entry = { at: Math.max(at, this.t), seq: this.seq++, fn };
    this.push(e);
    this.live.add(e.seq);
    return e.seq;
  }

  cancel(id: TimerId): void {
    this.live.delete(id);
  }

  /** Run the next entry; false when the queue is empty or the next entry is after `limit`. */
  step(limit = Number.POSITIVE_INFINITY): boolean {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || top.at > limit) return false;
      this.pop();
      if (!this.live.delete(top.seq)) continue;
      this.t = top.at;
      top.fn();
      return true;
    }
  }

  /** Run everything due up to and including `t`, then set the clock to `t`. */
  runUntil(t: number, maxSteps = 10_000_000): void {
    let n = 0;
    while (this.step(t)) {
      if (++n > maxSteps) throw new Error(`virtual clock: more than ${maxSteps} events before t=${t}`);
    }
    if (t > this.t) this.t = t;
  }

  runFor(ms: number): void {
    this.runUntil(this.t + ms);
  }

  private less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i] as Entry, h[p] as Entry)) break;
      [h[i], h[p]] = [h[p] as Entry, h[i] as Entry];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l] as Entry, h[m] as Entry)) m = l;
      if (r < h.length && this.less(h[r] as Entry, h[m] as Entry)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m] as Entry, h[i] as Entry];
      i = m;
    }
  }
}
