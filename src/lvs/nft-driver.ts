/**
 * The nftables LVS driver (edge): each desired table becomes one `nft -f -` transaction on vigil's
 * own tables (`inet vigil_lvs` for NAT, `netdev vigil_lvs` for DR; nft-ruleset.ts) — rules flushed
 * and refilled, persistence/flow sets and counters that stay kept — and nothing else is ever named.
 * The first transaction adopts what a previous (crashed) daemon left in those tables: read back
 * (adoptedRuleset), every rule is replaced in one transaction while the chains, counters and sets
 * that stay keep their handles, counts and entries, so traffic never sees a table without its
 * servers; if that transaction fails the tables are replaced whole. With keepalived's `lvs_flush`
 * (`adopt: false`) they are replaced whole at once. stop() deletes them: everything in them is
 * vigil's, so `lvs_flush_on_stop` changes nothing. No other table is ever read or touched. DR needs the interfaces of its VIPs and real servers: resolved here
 * (`ip -j addr` / `ip -j route get`) before each transaction.
 */
import { execFile } from 'node:child_process';
import type { DesiredTable } from '../check/table.js';
import { EMPTY_TABLE } from '../check/table.js';
import { nftJson, runNft } from '../kernel/nft.js';
import type { LvsCounters, LvsDriver, LvsServiceStats, LvsView } from './driver.js';
import {
  adoptedRuleset,
  desiredRuleset,
  drAddresses,
  LVS_FAMILIES,
  LVS_TABLE,
  type LvsRuleset,
  lvsTransaction,
  type RulesetOptions,
  serviceUnsupported,
  unsupportedReason,
} from './nft-ruleset.js';

export interface NftDriverOptions extends RulesetOptions {
  /** Runs one transaction (tests record it). */
  readonly run?: (script: string) => Promise<void>;
  /** Reads the counters of vigil's tables (both families) by name (tests fake it). */
  readonly readCounters?: (table: string) => Promise<Map<string, NftCounter>>;
  /** DR: the interface an address is on (a VIP) or is reached through (a real server). */
  readonly resolveDevice?: (address: string) => Promise<string | undefined>;
  readonly log?: (level: 'debug' | 'info' | 'warning' | 'error', message: string) => void;
  readonly now?: () => number;
  /**
   * Adopt what a previous daemon left in vigil's tables at the first apply (default). false
   * (keepalived's `lvs_flush`): replace them whole, so counters and persistence start afresh.
   */
  readonly adopt?: boolean;
  /**
   * `nft -j list table FAMILY NAME` parsed, undefined when there is no such table. Defaults to
   * the host's nft, or to "no table" when `run` is injected (a driver that runs elsewhere).
   */
  readonly readTable?: (family: string, name: string) => Promise<unknown>;
}

/** `nft -j list table FAMILY NAME`, or undefined when it does not exist. */
export const readNftTable = (family: string, name: string): Promise<unknown> =>
  nftJson(['list', 'table', family, name]).catch(() => undefined);

export interface NftCounter {
  readonly packets: number;
  readonly bytes: number;
}

/** `nft -j list counters`, those of vigil's tables (NAT and DR), by name. */
export async function readNftCounters(table: string): Promise<Map<string, NftCounter>> {
  return countersOf(await nftJson(['list', 'counters']), table);
}

/** The counters of tables named `table` in an `nft -j list counters` document. */
export function countersOf(doc: unknown, table: string): Map<string, NftCounter> {
  const out = new Map<string, NftCounter>();
  const items = (doc as { nftables?: { counter?: NftCounter & { name: string; table: string } }[] }).nftables;
  for (const o of items ?? [])
    if (o.counter !== undefined && o.counter.table === table)
      out.set(o.counter.name, { packets: o.counter.packets, bytes: o.counter.bytes });
  return out;
}

/** `ip -j ARGS…` parsed. */
export const ipJson = (args: readonly string[]) =>
  new Promise<unknown>((resolve, reject) =>
    execFile('ip', ['-j', ...args], { timeout: 5000 }, (e, stdout) =>
      e ? reject(e) : resolve(JSON.parse(stdout || '[]')),
    ),
  );

/** The interface holding `address`, else the one the route to it leaves by. */
export async function resolveDevice(
  address: string,
  ip: (args: readonly string[]) => Promise<unknown> = ipJson,
): Promise<string | undefined> {
  const held = (await ip(['addr', 'show', 'to', address]).catch(() => [])) as { ifname?: string }[];
  if (held[0]?.ifname !== undefined) return held[0].ifname;
  const route = (await ip(['route', 'get', address]).catch(() => [])) as { dev?: string }[];
  return route[0]?.dev;
}

export class NftLvsDriver implements LvsDriver {
  /** The ruleset the kernel holds, as last applied successfully; null = unknown (replace whole). */
  private applied: LvsRuleset | null = null;
  private table: DesiredTable = EMPTY_TABLE;
  private readonly run: (script: string) => Promise<void>;
  private readonly now: () => number;
  /** The reasons last logged for the services left out, so that each change is said once. */
  private lastRefusal: string | undefined;
  /** The first transaction adopts what is in the kernel; later ones know what they applied. */
  private adoptionTried = false;
  /** Time from apply() to nft's completion of the last transaction, ms. */
  lastApplyMs: number | undefined;

  constructor(private readonly opts: NftDriverOptions = {}) {
    this.run = opts.run ?? ((s) => runNft(s));
    this.now = opts.now ?? (() => performance.now());
  }

  get tableName(): string {
    return this.opts.name ?? LVS_TABLE;
  }

  async apply(wanted: DesiredTable): Promise<void> {
    const start = this.now();
    const table = this.holdable(wanted);
    const desired = desiredRuleset(table, { ...this.opts, devices: await this.devices(table) });
    if (this.applied !== null && JSON.stringify(this.applied) === JSON.stringify(desired)) {
      this.table = table;
      return; // only weights of quiesced servers or other invisible details changed
    }
    const adopted =
      this.applied === null && !this.adoptionTried && this.opts.adopt !== false ? await this.adopt() : null;
    try {
      await this.run(lvsTransaction(adopted ?? this.applied, desired, this.tableName));
    } catch (e) {
      this.applied = null; // unknown now: the next table replaces the whole of ours
      if (adopted === null) throw e;
      this.opts.log?.(
        'warning',
        `LVS: adopting the tables left in the kernel failed (${String(e)}); replacing them`,
      );
      await this.run(lvsTransaction(null, desired, this.tableName));
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

  /**
   * The services nftables can hold. A service it cannot (unsupportedReason: lc/wlc, TUN, ...) is
   * left out and the rest applied, as keepalived goes on when IPVS refuses one service
   * (ipvs_cmd fails for that service alone); the reasons are logged when they change.
   */
  private holdable(table: DesiredTable): DesiredTable {
    const refused = table.services.filter((s) => serviceUnsupported(s) !== undefined);
    const reason = refused.length > 0 ? unsupportedReason({ services: refused }) : undefined;
    if (reason !== undefined && reason !== this.lastRefusal) {
      const all = table.services.length;
      this.opts.log?.(
        'error',
        `LVS (nftables driver): ${reason}; not written to the kernel: ${refused.length} of ${all} service${all === 1 ? '' : 's'}${refused.length < all ? ' (the others are)' : ''}`,
      );
    }
    this.lastRefusal = reason;
    return reason === undefined ? table : { services: table.services.filter((s) => !refused.includes(s)) };
  }

  /** What a previous daemon left in vigil's tables, read once, at the first apply. */
  private async adopt(): Promise<LvsRuleset | null> {
    this.adoptionTried = true;
    const read = this.opts.readTable ?? (this.opts.run === undefined ? readNftTable : async () => undefined);
    const docs = await Promise.all(LVS_FAMILIES.map((f) => read(f, this.tableName).catch(() => undefined)));
    const adopted = adoptedRuleset(docs, this.tableName);
    if (adopted !== null)
      this.opts.log?.(
        'info',
        `LVS: adopting the nftables table${adopted.tables.length > 1 ? 's' : ''} ${adopted.tables.map((t) => `${t.family} ${t.name}`).join(', ')} left by a previous run`,
      );
    return adopted;
  }

  /** DR: the interface of every VIP and real server of a DR service. */
  private async devices(table: DesiredTable): Promise<Map<string, string>> {
    const { vips, dests } = drAddresses(table);
    const out = new Map<string, string>();
    const resolve = this.opts.resolveDevice ?? ((a: string) => resolveDevice(a));
    for (const a of [...vips, ...dests]) {
      const dev = await resolve(a);
      if (dev !== undefined && dev !== 'lo') out.set(a, dev);
    }
    return out;
  }

  async stop(): Promise<void> {
    const start = this.now();
    // Both of vigil's tables, whatever is known to be applied: nothing of ours may outlive us.
    await this.run(lvsTransaction(null, null, this.tableName));
    this.applied = null;
    this.table = EMPTY_TABLE;
    this.opts.log?.('debug', `LVS tables ${this.tableName} removed in ${(this.now() - start).toFixed(1)} ms`);
  }

  async view(): Promise<LvsView> {
    const applied = this.applied;
    if (applied === null) return { driver: 'nftables', table: this.table };
    let counters: Map<string, NftCounter>;
    try {
      counters = await (this.opts.readCounters ?? readNftCounters)(this.tableName);
    } catch {
      return { driver: 'nftables', table: this.table };
    }
    const conns = (name: string) => counters.get(name)?.packets ?? 0;
    const stats: Record<string, LvsServiceStats> = {};
    for (const s of applied.index) {
      const dests: Record<string, LvsCounters> = {};
      for (const d of s.dests) {
        const i = d.inCounter !== undefined ? counters.get(d.inCounter) : undefined;
        const o = d.outCounter !== undefined ? counters.get(d.outCounter) : undefined;
        dests[d.key] = {
          conns: conns(d.counter),
          ...(i !== undefined && o !== undefined
            ? { inPkts: i.packets, outPkts: o.packets, inBytes: i.bytes, outBytes: o.bytes }
            : {}),
        };
      }
      const all = Object.values(dests);
      const sum = (k: 'inPkts' | 'outPkts' | 'inBytes' | 'outBytes') =>
        all.reduce((n, d) => n + (d[k] ?? 0), 0);
      const traffic = all.length > 0 && all.every((d) => d.inPkts !== undefined);
      stats[s.key] = {
        conns: conns(s.counter),
        ...(traffic
          ? {
              inPkts: sum('inPkts'),
              outPkts: sum('outPkts'),
              inBytes: sum('inBytes'),
              outBytes: sum('outBytes'),
            }
          : {}),
        dests,
      };
    }
    return { driver: 'nftables', table: this.table, stats, statsAt: Date.now() };
  }
}
