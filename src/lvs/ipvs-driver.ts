/**
 * The IPVS data-plane driver (edge): makes the kernel's IPVS table hold the desired table over
 * generic netlink, as keepalived's ipvswrapper/libipvs do, with every byte in ipvs-codec.ts.
 *
 * - apply(table) sends only the difference between what this driver created and `table`
 *   (diffTables: services before their dests, dests removed before their services).
 * - Only services this driver created are ever changed: a service that already exists when it is
 *   to be added (EEXIST: added by ipvsadm or another daemon) is left alone, reported, and retried
 *   on the next apply.
 * - What it created survives a crash: with an OwnershipStore (ipvs-ownership.ts, the daemon's
 *   record beside its pid file) the identity of each service is recorded before it is created and
 *   dropped once it is deleted. The first apply of a restarted driver adopts the recorded services
 *   the kernel still holds, without deleting them: settings edited if they differ (SET_SERVICE),
 *   then the usual difference for their real servers (weights edited, missing ones added, others
 *   deleted), so counters, connections and persistence templates stay; recorded services the table
 *   no longer names are deleted. Services the record does not name stay foreign.
 * - keepalived's error rules (ipvs_talk): EEXIST on adding a dest and ENOENT on deleting are
 *   success; ENOENT on editing a dest adds it.
 * - A failed command does not stop the others; the driver remembers what really happened, so the
 *   next apply retries the rest, and apply() rejects with every failure.
 * - stop() removes this driver's services (keepalived's clear_services at shutdown): their dests,
 *   then them; with `lvs_flush_on_stop` (flushOnStop) each service at once, the kernel dropping its
 *   dests (keepalived's `lvs_flush_on_stop VS`). Other services stay, even where keepalived's bare
 *   `lvs_flush_on_stop` flushes the whole table.
 * - `lvs_flush` (flushAtStart): keepalived flushes the whole table at start; vigil removes, before
 *   its first table, only the services that table names (left by a previous run of this
 *   configuration) and those its record names, then creates and owns them. Every other service
 *   stays.
 * - The family is resolved on first use; when the kernel has no "IPVS" family the driver runs
 *   `modprobe ip_vs` once, as keepalived does (modprobe_ipvs), and resolves again.
 */
import { execFile } from 'node:child_process';
import {
  type DesiredDest,
  type DesiredService,
  type DesiredTable,
  destKey,
  diffTables,
  EMPTY_TABLE,
  type TableChange,
} from '../check/table.js';
import type { LvsMethod, LvsScheduler, LvsTunnelChecksum } from '../config/model.js';
import { GenlSocket } from '../kernel/genetlink.js';
import { NetlinkError } from '../kernel/netlink.js';
import type {
  LvsCounters,
  LvsDriver,
  LvsRates,
  LvsServiceRates,
  LvsServiceStats,
  LvsView,
} from './driver.js';
import {
  decodeDestReply,
  decodeInfoReply,
  decodeServiceReply,
  defaultNetmask,
  destRequest,
  encodeServiceNest,
  getDestsRequest,
  getInfoRequest,
  getServicesRequest,
  IPVS_GENL_NAME,
  type IpvsDest,
  type IpvsDestEntry,
  type IpvsInfo,
  type IpvsOp,
  type IpvsService,
  type IpvsServiceEntry,
  type IpvsStats,
  SVC_F,
  serviceRequest,
  TUN_F,
} from './ipvs-codec.js';
import { type OwnershipStore, serviceIdentity } from './ipvs-ownership.js';

/** The kernel service a desired service becomes (keepalived ipvs_set_srule). */
export function toIpvsService(s: DesiredService): IpvsService {
  const persistent = s.persistenceTimeoutS !== undefined && s.persistenceTimeoutS > 0;
  const granularity = s.persistenceGranularity?.replace(/^\//, '');
  return {
    family: s.family,
    ...(s.fwmark !== undefined
      ? { fwmark: s.fwmark }
      : { protocol: s.protocol ?? 'TCP', address: s.address ?? '', port: s.port ?? 0 }),
    scheduler: s.scheduler,
    flags:
      (persistent ? SVC_F.PERSISTENT : 0) |
      (s.onePacket ? SVC_F.ONEPACKET : 0) |
      ((s.schedFlags ?? 0) & 1 ? SVC_F.SCHED1 : 0) |
      ((s.schedFlags ?? 0) & 2 ? SVC_F.SCHED2 : 0) |
      ((s.schedFlags ?? 0) & 4 ? SVC_F.SCHED3 : 0),
    timeoutS: persistent ? (s.persistenceTimeoutS ?? 0) : 0,
    netmask: persistent && granularity ? granularity : defaultNetmask(s.family),
    ...(persistent && s.persistenceEngine ? { peName: s.persistenceEngine } : {}),
  };
}

/** lvs_method TUN checksum options as IP_VS_TUNNEL_ENCAP_FLAG_* (one at a time, as keepalived sets them). */
const TUN_CSUM: Record<LvsTunnelChecksum, number> = {
  nocsum: TUN_F.NOCSUM,
  csum: TUN_F.CSUM,
  remcsum: TUN_F.REMCSUM,
};
/** The kernel's flags read back as the option that sets them. */
const CSUM_BY_FLAGS = new Map(
  Object.entries(TUN_CSUM).map(([option, flags]) => [flags, option as LvsTunnelChecksum]),
);

/** The kernel dest a desired dest becomes (keepalived ipvs_set_drule). */
export function toIpvsDest(d: DesiredDest): IpvsDest {
  return {
    family: d.family,
    address: d.address,
    port: d.port,
    method: d.method,
    ...(d.method === 'TUN' && d.tunnel !== undefined
      ? {
          tunType: d.tunnel.type,
          ...(d.tunnel.port !== undefined ? { tunPort: d.tunnel.port } : {}),
          tunFlags: TUN_CSUM[d.tunnel.checksum],
        }
      : {}),
    weight: d.weight,
    uThreshold: d.uThreshold ?? 0,
    lThreshold: d.lThreshold ?? 0,
  };
}

export interface IpvsTableEntry {
  readonly service: IpvsServiceEntry;
  readonly dests: readonly IpvsDestEntry[];
  /** Created by this driver. */
  readonly owned: boolean;
}

const sameService = (a: IpvsService, b: IpvsService) =>
  a.family === b.family &&
  (a.fwmark !== undefined
    ? a.fwmark === b.fwmark
    : a.protocol === b.protocol && a.port === b.port && a.address === b.address);

/**
 * The kernel's counters (ipvsadm --stats) and rate estimates (--rate) of the desired services,
 * by service key and destKey (pure: `read()`'s entries matched to the table).
 */
export function ipvsFigures(
  table: DesiredTable,
  entries: readonly IpvsTableEntry[],
): { stats: Record<string, LvsServiceStats>; rates: Record<string, LvsServiceRates> } {
  const stats: Record<string, LvsServiceStats> = {};
  const rates: Record<string, LvsServiceRates> = {};
  const counters = (x: IpvsStats) => ({
    conns: x.conns,
    inPkts: x.inPkts,
    outPkts: x.outPkts,
    inBytes: x.inBytes,
    outBytes: x.outBytes,
  });
  const perSecond = (x: IpvsStats) => ({
    cps: x.cps,
    inPps: x.inPps,
    outPps: x.outPps,
    inBps: x.inBps,
    outBps: x.outBps,
  });
  for (const s of table.services) {
    const e = entries.find((x) => sameService(x.service, toIpvsService(s)));
    if (e?.service.stats === undefined) continue;
    const dStats: Record<string, LvsCounters> = {};
    const dRates: Record<string, LvsRates> = {};
    for (const d of s.dests) {
      const k = e.dests.find((x) => x.address === d.address && x.port === d.port)?.stats;
      if (k === undefined) continue;
      dStats[destKey(d)] = counters(k);
      dRates[destKey(d)] = perSecond(k);
    }
    stats[s.key] = { ...counters(e.service.stats), dests: dStats };
    rates[s.key] = { ...perSecond(e.service.stats), dests: dRates };
  }
  return { stats, rates };
}

export interface IpvsDriverOptions {
  /** keepalived-worded log lines ("IPVS cmd ... error"); errors unless `level` says otherwise. */
  readonly log?: (line: string, level?: 'info' | 'error') => void;
  /** Run `modprobe ip_vs` when the family is missing (keepalived does). Default true. */
  readonly loadModule?: boolean;
  readonly timeoutMs?: number;
  /** Called with each command sent ("new dest TCP 192.0.2.100:80 -> 198.51.100.1:8080"). */
  readonly trace?: (command: string) => void;
  /** The socket factory (default: a GenlSocket). */
  readonly transport?: () => GenlTransport;
  /** keepalived's `lvs_flush`: the first apply first deletes the services its table names. */
  readonly flushAtStart?: boolean;
  /** keepalived's `lvs_flush_on_stop`: stop() deletes each own service without its dests first. */
  readonly flushOnStop?: boolean;
  /** The record of the services this driver created, adopted after a crash (none: not kept). */
  readonly ownership?: OwnershipStore;
}

interface Owned {
  service: DesiredService;
  readonly dests: Map<string, DesiredDest>;
}

const isCode = (e: unknown, code: string) => e instanceof NetlinkError && e.code === code;

/** Runs `send`; an error with one of `codes` counts as done (keepalived's ipvs_talk), and true is returned. */
async function tolerating(send: () => Promise<void>, ...codes: string[]): Promise<boolean> {
  try {
    await send();
    return false;
  } catch (e) {
    if (codes.some((c) => isCode(e, c))) return true;
    throw e;
  }
}

function modprobe(name: string): Promise<boolean> {
  return new Promise((resolve) => execFile('modprobe', [name], { timeout: 30_000 }, (err) => resolve(!err)));
}

/** What the driver needs of a generic-netlink socket (GenlSocket; a fake in unit tests). */
export type GenlTransport = Pick<GenlSocket, 'family' | 'request' | 'dump' | 'close'>;

async function resolveFamily(sock: GenlTransport, loadModule: boolean): Promise<number | undefined> {
  const f = await sock.family(IPVS_GENL_NAME);
  if (f !== undefined || !loadModule) return f?.id;
  if (!(await modprobe('ip_vs'))) return undefined;
  return (await sock.family(IPVS_GENL_NAME))?.id;
}

/** Whether the kernel has IPVS's generic-netlink family (the ip_vs module is loaded or built in). */
export async function ipvsAvailable(opts: { loadModule?: boolean } = {}): Promise<boolean> {
  let sock: GenlSocket | undefined;
  try {
    sock = new GenlSocket({ timeoutMs: 2000 });
    return (await resolveFamily(sock, opts.loadModule ?? false)) !== undefined;
  } catch {
    return false;
  } finally {
    sock?.close();
  }
}

const kernelLabel = (s: IpvsService) =>
  s.fwmark !== undefined
    ? `FWM ${s.fwmark}`
    : `${s.protocol ?? 'TCP'} ${destKey({ address: s.address ?? '', port: s.port ?? 0 })}`;
const serviceLabel = (s: DesiredService) => kernelLabel(toIpvsService(s));

/** Whether the kernel's service has the settings `want` would give it (the kernel's HASHED flag aside). */
export function sameServiceSettings(want: IpvsService, kernel: IpvsService): boolean {
  const a = encodeServiceNest(want);
  const b = encodeServiceNest({
    family: kernel.family,
    ...(kernel.fwmark !== undefined
      ? { fwmark: kernel.fwmark }
      : { protocol: kernel.protocol, address: kernel.address, port: kernel.port }),
    scheduler: kernel.scheduler,
    flags: kernel.flags & ~SVC_F.HASHED,
    timeoutS: kernel.timeoutS,
    netmask: kernel.netmask,
    ...(kernel.peName !== undefined ? { peName: kernel.peName } : {}),
  });
  return a.ok && b.ok && a.value.equals(b.value);
}

/** A kernel service as a desired one (an adopted service the table does not name, or whose edit failed). */
export function adoptedService(k: IpvsService, key: string, vs = key): DesiredService {
  const persistent = (k.flags & SVC_F.PERSISTENT) !== 0;
  const schedFlags =
    (k.flags & SVC_F.SCHED1 ? 1 : 0) | (k.flags & SVC_F.SCHED2 ? 2 : 0) | (k.flags & SVC_F.SCHED3 ? 4 : 0);
  return {
    key,
    vs,
    family: k.family,
    ...(k.fwmark !== undefined
      ? { fwmark: k.fwmark }
      : { protocol: k.protocol ?? 'TCP', address: k.address ?? '', port: k.port ?? 0 }),
    scheduler: k.scheduler as LvsScheduler,
    ...(persistent ? { persistenceTimeoutS: k.timeoutS, persistenceGranularity: k.netmask } : {}),
    ...(persistent && k.peName !== undefined ? { persistenceEngine: k.peName } : {}),
    ...(schedFlags !== 0 ? { schedFlags } : {}),
    ...(k.flags & SVC_F.ONEPACKET ? { onePacket: true } : {}),
    dests: [],
  };
}

/** A kernel dest as a desired one, to diff an adopted service's real servers against the table. */
export function adoptedDest(d: IpvsDest): DesiredDest {
  return {
    family: d.family,
    address: d.address,
    port: d.port,
    weight: d.weight,
    // LOCAL (a dest on a local address, old kernels) is what NAT was given.
    method: (d.method === 'LOCAL' ? 'NAT' : d.method) satisfies LvsMethod,
    ...(d.method === 'TUN' && d.tunType !== undefined
      ? {
          tunnel: {
            type: d.tunType,
            ...(d.tunType === 'gue' && d.tunPort !== undefined ? { port: d.tunPort } : {}),
            checksum: CSUM_BY_FLAGS.get(d.tunFlags ?? TUN_F.NOCSUM) ?? 'nocsum',
          },
        }
      : {}),
    ...(d.uThreshold !== 0 ? { uThreshold: d.uThreshold } : {}),
    ...(d.lThreshold !== 0 ? { lThreshold: d.lThreshold } : {}),
    sorry: false,
  };
}

const asError = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));

export class IpvsDriver implements LvsDriver {
  readonly #opts: IpvsDriverOptions;
  #sock: GenlTransport | undefined;
  #familyId: number | undefined;
  /** What this driver created and the kernel accepted, by service key. */
  readonly #owned = new Map<string, Owned>();
  #modprobeTried = false;
  /** The first apply's flush or adoption is done. */
  #started = false;
  /** Services another owner held at start-up: never recorded ahead of their NEW_SERVICE. */
  readonly #foreign = new Set<string>();
  /** Identities recorded ahead of their NEW_SERVICE (write-ahead: a crash in between is adopted). */
  readonly #pending = new Set<string>();

  constructor(opts: IpvsDriverOptions = {}) {
    this.#opts = opts;
  }

  /** The table this driver holds in the kernel (what it created, as last applied). */
  current(): DesiredTable {
    return {
      services: [...this.#owned.values()].map((o) => ({ ...o.service, dests: [...o.dests.values()] })),
    };
  }

  /** `vigil lvs`: the table held, with the kernel's counters and rate estimates. */
  async view(): Promise<LvsView> {
    const table = this.current();
    let entries: IpvsTableEntry[];
    try {
      entries = await this.read();
    } catch {
      return { driver: 'ipvs', table };
    }
    return { driver: 'ipvs', table, ...ipvsFigures(table, entries), statsAt: Date.now() };
  }

  async apply(table: DesiredTable): Promise<void> {
    const familyId = await this.#family();
    const errors: Error[] = [];
    const skipped = new Set<string>();
    if (!this.#started) {
      // Until the record is read and the kernel's table known, nothing is created (a leftover of
      // ours would look foreign): a failure here rejects, and the next apply starts again.
      if (this.#opts.flushAtStart) await this.#flush(familyId, table, errors);
      else await this.#adopt(familyId, table, errors);
      this.#started = true;
    }
    for (const c of diffTables(this.current(), table)) {
      if (skipped.has(c.service.key)) continue;
      try {
        await this.#run(familyId, c, skipped);
      } catch (e) {
        const err = asError(e);
        errors.push(err);
        this.#opts.log?.(`IPVS cmd ${c.op} error: ${err.message}`);
        // A service that could not be added: its dests cannot be either.
        if (c.op === 'add-service') skipped.add(c.service.key);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} IPVS commands failed`);
  }

  async stop(): Promise<void> {
    try {
      if (this.#opts.flushOnStop && this.#owned.size > 0) {
        const familyId = await this.#family();
        for (const [key, o] of [...this.#owned]) {
          await tolerating(() => this.#service(familyId, 'del', o.service), 'ENOENT', 'ESRCH');
          this.#owned.delete(key);
          await this.#saveRecord();
        }
      } else if (this.#owned.size > 0) await this.apply(EMPTY_TABLE);
    } finally {
      this.#sock?.close();
      this.#sock = undefined;
      this.#familyId = undefined;
    }
  }

  /** The kernel's whole IPVS table with dests and counters (as `ipvsadm -Ln --stats`). */
  async read(): Promise<IpvsTableEntry[]> {
    const familyId = await this.#family();
    const sock = this.#socket();
    const out: IpvsTableEntry[] = [];
    for (const m of await sock.dump('list IPVS services', getServicesRequest(familyId))) {
      const s = decodeServiceReply(m);
      if (!s.ok) continue;
      const req = getDestsRequest(familyId, s.value);
      if (!req.ok) continue;
      const dests: IpvsDestEntry[] = [];
      for (const dm of await sock.dump('list IPVS dests', req.value)) {
        const d = decodeDestReply(dm, s.value.family);
        if (d.ok) dests.push(d.value);
      }
      out.push({ service: s.value, dests, owned: this.#ownsKernelService(s.value) });
    }
    return out;
  }

  async info(): Promise<IpvsInfo | undefined> {
    const familyId = await this.#family();
    const replies = await this.#socket().request('IPVS info', getInfoRequest(familyId));
    for (const m of replies) {
      const i = decodeInfoReply(m);
      if (i.ok) return i.value;
    }
    return undefined;
  }

  /**
   * `lvs_flush`: before the first table, the services it names and those the record names (ours,
   * left by a crash) are deleted; the kernel drops their dests.
   */
  async #flush(familyId: number, table: DesiredTable, errors: Error[]): Promise<void> {
    const recorded = new Set(await this.#opts.ownership?.load());
    const named = new Set(table.services.map((s) => serviceIdentity(toIpvsService(s))));
    const del = (s: IpvsService) =>
      tolerating(() => this.#kernelService(familyId, 'del', s), 'ENOENT', 'ESRCH').catch((e: unknown) => {
        errors.push(asError(e));
      });
    for (const s of table.services) await del(toIpvsService(s));
    if ([...recorded].some((id) => !named.has(id)))
      for (const e of await this.read()) {
        const id = serviceIdentity(e.service);
        if (recorded.has(id) && !named.has(id)) await del(e.service);
      }
    await this.#saveRecord();
  }

  /**
   * After a crash: the recorded services the kernel still holds become this driver's again, as
   * they are (no delete, no flap); a service the table names has its settings edited if they
   * differ, and the diff that follows fixes its dests. The others are deleted by that diff.
   */
  async #adopt(familyId: number, table: DesiredTable, errors: Error[]): Promise<void> {
    const store = this.#opts.ownership;
    if (store === undefined) return;
    const recorded = new Set(await store.load());
    const wanted = new Map(table.services.map((s) => [serviceIdentity(toIpvsService(s)), s]));
    const adopted: string[] = [];
    for (const e of await this.read()) {
      const id = serviceIdentity(e.service);
      if (!recorded.has(id)) {
        // Someone else's: never written ahead in the record (a crash right after the EEXIST
        // would otherwise leave it recorded, and the next run would adopt it).
        this.#foreign.add(id);
        continue;
      }
      const want = wanted.get(id);
      let service = want !== undefined ? { ...want, dests: [] } : adoptedService(e.service, `adopted ${id}`);
      if (want !== undefined && !sameServiceSettings(toIpvsService(want), e.service)) {
        try {
          await this.#service(familyId, 'set', want);
        } catch (err) {
          errors.push(asError(err));
          this.#opts.log?.(`IPVS cmd edit-service error: ${asError(err).message}`);
          // Still the kernel's settings: the diff that follows (or the next apply) edits them again.
          service = adoptedService(e.service, want.key, want.vs);
        }
      }
      this.#owned.set(service.key, {
        service,
        dests: new Map(e.dests.map((d) => [destKey(d), adoptedDest(d)])),
      });
      adopted.push(kernelLabel(e.service));
    }
    if (adopted.length > 0)
      this.#opts.log?.(`IPVS: adopting ${adopted.join(', ')}, created by a previous run of vigil`, 'info');
    await this.#saveRecord();
  }

  /** Writes the record: the services owned and those about to be created. A failure is logged. */
  async #saveRecord(): Promise<void> {
    const store = this.#opts.ownership;
    if (store === undefined) return;
    const ids = new Set(this.#pending);
    for (const o of this.#owned.values()) ids.add(serviceIdentity(toIpvsService(o.service)));
    try {
      await store.save([...ids]);
    } catch (e) {
      this.#opts.log?.(
        `IPVS: cannot record vigil's services (${asError(e).message}); a crash would orphan them`,
      );
    }
  }

  #ownsKernelService(k: IpvsService): boolean {
    for (const o of this.#owned.values()) if (sameService(toIpvsService(o.service), k)) return true;
    return false;
  }

  #socket(): GenlTransport {
    this.#sock ??=
      this.#opts.transport?.() ??
      new GenlSocket(this.#opts.timeoutMs !== undefined ? { timeoutMs: this.#opts.timeoutMs } : {});
    return this.#sock;
  }

  async #family(): Promise<number> {
    if (this.#familyId !== undefined) return this.#familyId;
    // modprobe is tried once per driver, not on every table.
    const load = (this.#opts.loadModule ?? true) && !this.#modprobeTried;
    this.#modprobeTried ||= load;
    const id = await resolveFamily(this.#socket(), load);
    if (id === undefined)
      throw new Error('IPVS: the kernel has no IPVS generic-netlink family (ip_vs not loaded)');
    this.#familyId = id;
    return id;
  }

  #service(familyId: number, op: IpvsOp, s: DesiredService): Promise<void> {
    return this.#kernelService(familyId, op, toIpvsService(s));
  }

  async #kernelService(familyId: number, op: IpvsOp, s: IpvsService): Promise<void> {
    const r = serviceRequest(familyId, op, s);
    if (!r.ok) throw new Error(`${kernelLabel(s)}: ${r.reason}`);
    const what = `${op} service ${kernelLabel(s)}`;
    this.#opts.trace?.(what);
    await this.#socket().request(what, r.value);
  }

  async #dest(familyId: number, op: IpvsOp, s: DesiredService, d: DesiredDest): Promise<void> {
    const r = destRequest(familyId, op, toIpvsService(s), toIpvsDest(d));
    if (!r.ok) throw new Error(`${serviceLabel(s)} -> ${destKey(d)}: ${r.reason}`);
    const what = `${op} dest ${serviceLabel(s)} -> ${destKey(d)}`;
    this.#opts.trace?.(what);
    await this.#socket().request(what, r.value);
  }

  async #run(familyId: number, c: TableChange, skipped: Set<string>): Promise<void> {
    const key = c.service.key;
    switch (c.op) {
      case 'add-service': {
        // Recorded before it exists: a crash right after NEW_SERVICE leaves a service we know.
        const id = serviceIdentity(toIpvsService(c.service));
        const knownForeign = this.#foreign.has(id);
        if (!knownForeign) {
          this.#pending.add(id);
          await this.#saveRecord();
        }
        let foreign: boolean;
        try {
          foreign = await tolerating(() => this.#service(familyId, 'new', c.service), 'EEXIST');
        } catch (e) {
          this.#pending.delete(id);
          await this.#saveRecord();
          throw e;
        }
        this.#pending.delete(id);
        if (foreign) {
          // Not ours: never touched. Retried on the next apply, in case its owner removes it.
          await this.#saveRecord();
          skipped.add(key);
          this.#opts.log?.(
            `IPVS: ${serviceLabel(c.service)} already exists and was not created by vigil; left alone`,
          );
          return;
        }
        this.#owned.set(key, { service: { ...c.service, dests: [] }, dests: new Map() });
        if (knownForeign) {
          // Its owner removed it since the start-up read: ours now, recorded once it exists.
          this.#foreign.delete(id);
          await this.#saveRecord();
        }
        return;
      }
      case 'edit-service': {
        await this.#service(familyId, 'set', c.service);
        const o = this.#owned.get(key);
        if (o) o.service = { ...c.service, dests: [] };
        return;
      }
      case 'del-service':
        await tolerating(() => this.#service(familyId, 'del', c.service), 'ENOENT', 'ESRCH');
        this.#owned.delete(key);
        await this.#saveRecord();
        return;
      case 'add-dest':
        await tolerating(() => this.#dest(familyId, 'new', c.service, c.dest), 'EEXIST');
        this.#owned.get(key)?.dests.set(destKey(c.dest), c.dest);
        return;
      case 'edit-dest':
        if (await tolerating(() => this.#dest(familyId, 'set', c.service, c.dest), 'ENOENT'))
          // keepalived turns the command into ADDDEST, whose EEXIST is success too.
          await tolerating(() => this.#dest(familyId, 'new', c.service, c.dest), 'EEXIST');
        this.#owned.get(key)?.dests.set(destKey(c.dest), c.dest);
        return;
      case 'del-dest':
        await tolerating(() => this.#dest(familyId, 'del', c.service, c.dest), 'ENOENT');
        this.#owned.get(key)?.dests.delete(destKey(c.dest));
        return;
    }
  }
}
