/**
 * The LVS data plane behind the health checker: a driver makes the kernel hold the desired table
 * (src/check/table.ts). The life cycle recomputes the whole table after every change and the
 * driver applies it, in order, one call at a time; `stop()` removes what the driver created.
 * Drivers: nftables (nft-driver.ts) and IPVS over generic netlink (ipvs-driver.ts); src/lvs/select.ts
 * picks one. The recording driver holds the table for tests and when no data plane is wanted.
 */
import { type DesiredTable, diffTables, EMPTY_TABLE, type TableChange } from '../check/table.js';

/** The kernel data planes vigil can drive (`--lvs-driver`). */
export const LVS_DRIVERS = ['ipvs', 'nftables'] as const;
export type LvsDriverKind = (typeof LVS_DRIVERS)[number];

export interface LvsDriver {
  /** Make the data plane hold `table`. Never called concurrently; a rejection is logged, the next table retries. */
  apply(table: DesiredTable): Promise<void>;
  /** Remove everything this driver created (keepalived clear_services). */
  stop(): Promise<void>;
  /** What the data plane holds now, with its counters where the driver has them (`vigil lvs`). */
  view?(): Promise<LvsView>;
}

/** ipvsadm --stats figures; the traffic ones absent where the driver cannot count them. */
export interface LvsCounters {
  /** Connections scheduled. */
  readonly conns: number;
  readonly inPkts?: number;
  readonly outPkts?: number;
  readonly inBytes?: number;
  readonly outBytes?: number;
}

/** Counters of one service, in total and per real server (destKey). */
export interface LvsServiceStats extends LvsCounters {
  readonly dests: Readonly<Record<string, LvsCounters>>;
}

/** ipvsadm --rate figures, per second; the traffic ones absent where the driver cannot count them. */
export interface LvsRates {
  readonly cps: number;
  readonly inPps?: number;
  readonly outPps?: number;
  readonly inBps?: number;
  readonly outBps?: number;
}

/** Rates of one service, in total and per real server (destKey). */
export interface LvsServiceRates extends LvsRates {
  readonly dests: Readonly<Record<string, LvsRates>>;
}

/** The data plane as `vigil lvs` shows it. Plain data (structured clone). */
export interface LvsView {
  /** 'nftables', 'ipvs', 'none' (recording only). */
  readonly driver: string;
  /** The table last applied successfully. */
  readonly table: DesiredTable;
  /** Per service key; absent when the driver has no counters. */
  readonly stats?: Readonly<Record<string, LvsServiceStats>>;
  /** When the counters were read (ms since the epoch): two views give rates (src/lvs/rates.ts). */
  readonly statsAt?: number;
  /** Per service key: the kernel's own rate estimates (IPVS); absent where it has none. */
  readonly rates?: Readonly<Record<string, LvsServiceRates>>;
}

/** Keeps every table and the commands between them; touches nothing. */
export class RecordingDriver implements LvsDriver {
  current: DesiredTable = EMPTY_TABLE;
  readonly applied: DesiredTable[] = [];
  readonly changes: TableChange[][] = [];
  stopped = false;

  async apply(table: DesiredTable): Promise<void> {
    this.changes.push(diffTables(this.current, table));
    this.applied.push(table);
    this.current = table;
  }

  async view(): Promise<LvsView> {
    return { driver: 'none', table: this.current };
  }

  async stop(): Promise<void> {
    this.changes.push(diffTables(this.current, EMPTY_TABLE));
    this.current = EMPTY_TABLE;
    this.stopped = true;
  }
}

/**
 * Applies tables one after another in call order, never concurrently, so a slow kernel cannot
 * reorder them; a failure is reported and the next table is applied in full. `onApplied` gets, for
 * each table the kernel took, the time from this call (the checker's verdict publishes the table
 * synchronously) to the driver's completion, and how much of it was spent waiting for earlier ones.
 */
export class SerialApplier {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly driver: LvsDriver,
    private readonly onError: (e: unknown) => void,
    private readonly onApplied?: (totalMs: number, queuedMs: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  apply(table: DesiredTable): void {
    const at = this.now();
    this.chain = this.chain
      .then(async () => {
        const start = this.now();
        await this.driver.apply(table);
        this.onApplied?.(this.now() - at, start - at);
      })
      .catch(this.onError);
  }

  /** Waits for the tables queued so far, then stops the driver. */
  async stop(): Promise<void> {
    await this.chain;
    await this.driver.stop().catch(this.onError);
  }
}
