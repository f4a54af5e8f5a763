/**
 * The checkers' timers in one queue (pure: the caller gives the time), as keepalived's scheduler
 * keeps its threads' timers in one tree behind a single timerfd (lib/scheduler.c). A storm of
 * 12,000 attempts a second with one node Timeout each cost a Timeout, a closure and a timer list
 * per distinct delay, most of them living one delay_loop, long enough to be promoted to the old
 * generation and collected there (bench/README.md "Checker storm", round 2). Here an entry is
 * three array slots; the real clock (lifecycle.ts realClock) arms one node timer for the earliest.
 *
 * A binary min-heap on (due time, id): equal due times run in the order they were queued, as
 * node's own timers do. Cancelling is lazy: the id leaves the live set and its slot is skipped
 * when it comes up.
 */
export class TimerQueue {
  private readonly ats: number[] = [];
  private readonly ids: number[] = [];
  private readonly fns: (() => void)[] = [];
  private readonly live = new Set<number>();
  private nextId = 1;

  /** Queues `fn` to run at `at`; returns its id for cancel(). */
  push(at: number, fn: () => void): number {
    const id = this.nextId++;
    this.live.add(id);
    let i = this.ats.length;
    this.ats.push(at);
    this.ids.push(id);
    this.fns.push(fn);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
    return id;
  }

  cancel(id: number): void {
    this.live.delete(id);
  }

  clear(): void {
    this.live.clear();
    this.ats.length = 0;
    this.ids.length = 0;
    this.fns.length = 0;
  }

  /** How many timers are pending (cancelled ones no longer count). */
  get size(): number {
    return this.live.size;
  }

  /** When the earliest pending timer is due; undefined when none is. */
  nextAt(): number | undefined {
    while (this.ids.length > 0 && !this.live.has(this.ids[0]!)) this.pop();
    return this.ats[0];
  }

  /** Runs every timer due at `now` (and those they queue for `now` or earlier), earliest first. */
  runDue(now: number): void {
    for (;;) {
      const at = this.nextAt();
      if (at === undefined || at > now) return;
      const id = this.ids[0]!;
      const fn = this.fns[0]!;
      this.pop();
      this.live.delete(id);
      fn();
    }
  }

  private before(a: number, b: number): boolean {
    const d = this.ats[a]! - this.ats[b]!;
    return d < 0 || (d === 0 && this.ids[a]! < this.ids[b]!);
  }

  private swap(a: number, b: number): void {
    const at = this.ats[a]!;
    this.ats[a] = this.ats[b]!;
    this.ats[b] = at;
    const id = this.ids[a]!;
    this.ids[a] = this.ids[b]!;
    this.ids[b] = id;
    const fn = this.fns[a]!;
    this.fns[a] = this.fns[b]!;
    this.fns[b] = fn;
  }

  /** Removes the root. */
  private pop(): void {
    const last = this.ats.length - 1;
    if (last > 0) this.swap(0, last);
    this.ats.pop();
    this.ids.pop();
    this.fns.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) return;
      const r = l + 1;
      const m = r < last && this.before(r, l) ? r : l;
      if (!this.before(m, i)) return;
      this.swap(m, i);
      i = m;
    }
  }
}
