/**
 * The nftables LVS driver (edge): each desired table becomes one `nft -f -` transaction on vigil's
 * own table (`inet vigil_lvs`, nft-ruleset.ts) — rules flushed and refilled, persistence sets and
 * counters that stay kept — and nothing else is ever named. The first transaction replaces
 * whatever a previous daemon left in that table (keepalived's lvs_flush, limited to what is ours);
 * stop() deletes the table (lvs_flush_onstop: always, since every rule in it is vigil's).
 */
import type { DesiredTable } from '../check/table.js';
import { EMPTY_TABLE } from '../check/table.js';
import { nftJson, runNft } from '../kernel/nft.js';
import type { LvsDriver, LvsServiceStats, LvsView } from './driver.js';
import {
  desiredRuleset,
  LVS_FAMILY,
  LVS_TABLE,
  type LvsRuleset,
  lvsTransaction,
  type RulesetOptions,
  unsupportedReason,
} from './nft-ruleset.js';

export interface NftDriverOptions extends RulesetOptions {
  /** Runs one transaction (tests record it). */
  readonly run?: (script: string) => Promise<void>;
  /** Reads the table's counters: name → packets (tests fake it). */
  readonly readCounters?: (table: string) => Promise<Map<string, number>>;
  readonly log?: (level: 'debug' | 'info' | 'warning' | 'error', message: string) => void;
  readonly now?: () => number;
}

/** `nft -j list counters table inet NAME` → name → packets. */
export async function readNftCounters(table: string): Promise<Map<string, number>> {
  const doc = (await nftJson(['list', 'counters', 'table', LVS_FAMILY, table])) as {
    nftables?: { counter?: { name: string; packets: number } }[];
  };
  const out = new Map<string, number>();
  for (const o of doc.nftables ?? []) if (o.counter !== undefined) out.set(o.counter.name, o.counter.packets);
  return out;
}

export class NftLvsDriver implements LvsDriver {
  /** The ruleset the kernel holds, as last applied successfully; null = unknown (replace whole). */
  private applied: LvsRuleset | null = null;
  private table: DesiredTable = EMPTY_TABLE;
  private readonly run: (script: string) => Promise<void>;
  private readonly now: () => number;
  /** Time from apply() to nft's completion of the last transaction, ms. */
  lastApplyMs: number | undefined;

  constructor(private readonly opts: NftDriverOptions = {}) {
    this.run = opts.run ?? ((s) => runNft(s));
    this.now = opts.now ?? (() => performance.now());
  }

  get tableName(): string {
    return this.opts.name ?? LVS_TABLE;
  }

  async apply(table: DesiredTable): Promise<void> {
    const start = this.now();
    const reason = unsupportedReason(table);
    if (reason !== undefined) throw new Error(reason);
    const desired = desiredRuleset(table, this.opts);
    if (this.applied !== null && JSON.stringify(this.applied) === JSON.stringify(desired)) {
      this.table = table;
      return; // only weights of quiesced servers or other invisible details changed
    }
    try {
      await this.run(lvsTransaction(this.applied, desired));
    } catch (e) {
      this.applied = null; // unknown now: the next table replaces the whole of ours
      throw e;
    }
    this.applied = desired;
    this.table = table;
    this.lastApplyMs = this.now() - start;
    const dests = table.services.reduce((n, s) => n + s.dests.length, 0);
    this.opts.log?.(
      'debug',
      `LVS table applied with nftables in ${this.lastApplyMs.toFixed(1)} ms (${table.services.length} services, ${dests} real servers)`,
    );
  }

  async stop(): Promise<void> {
    const start = this.now();
    await this.run(lvsTransaction(this.applied, null, this.tableName));
    this.applied = null;
    this.table = EMPTY_TABLE;
    this.opts.log?.(
      'debug',
      `LVS table ${LVS_FAMILY} ${this.tableName} removed in ${(this.now() - start).toFixed(1)} ms`,
    );
  }

  async view(): Promise<LvsView> {
    const applied = this.applied;
    if (applied === null) return { driver: 'nftables', table: this.table };
    let counters: Map<string, number>;
    try {
      counters = await (this.opts.readCounters ?? readNftCounters)(applied.name);
    } catch {
      return { driver: 'nftables', table: this.table };
    }
    const stats: Record<string, LvsServiceStats> = {};
    for (const s of applied.index) {
      stats[s.key] = {
        conns: counters.get(s.counter) ?? 0,
        dests: Object.fromEntries(s.dests.map((d) => [d.key, counters.get(d.counter) ?? 0])),
      };
    }
    return { driver: 'nftables', table: this.table, stats };
  }
}
