/**
 * The IPVS data-plane driver (edge): makes the kernel's IPVS table hold the desired table over
 * generic netlink, as keepalived's ipvswrapper/libipvs do, with every byte in ipvs-codec.ts.
 *
 * - apply(table) sends only the difference between what this driver created and `table`
 *   (diffTables: services before their dests, dests removed before their services).
 * - Only services this driver created are ever changed: a service that already exists when it is
 *   to be added (EEXIST: added by ipvsadm or another daemon) is left alone, reported, and retried
 *   on the next apply.
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
 *   configuration), then creates and owns them. Every other service stays.
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
import { GenlSocket } from '../kernel/genetlink.js';
import { NetlinkError } from '../kernel/netlink.js';
import type { LvsDriver } from './driver.js';
import {
  decodeDestReply,
  decodeInfoReply,
  decodeServiceReply,
  defaultNetmask,
  destRequest,
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
  SVC_F,
  serviceRequest,
} from './ipvs-codec.js';

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

/** The kernel dest a desired dest becomes (keepalived ipvs_set_drule). */
export function toIpvsDest(d: DesiredDest): IpvsDest {
  return {
    family: d.family,
    address: d.address,
    port: d.port,
    method: d.method,
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

export interface IpvsDriverOptions {
  /** keepalived-worded log lines ("IPVS cmd ... error"). */
  readonly log?: (line: string) => void;
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

const serviceLabel = (s: DesiredService) =>
  s.fwmark !== undefined
    ? `FWM ${s.fwmark}`
    : `${s.protocol ?? 'TCP'} ${destKey({ address: s.address ?? '', port: s.port ?? 0 })}`;

export class IpvsDriver implements LvsDriver {
  readonly #opts: IpvsDriverOptions;
  #sock: GenlTransport | undefined;
  #familyId: number | undefined;
  /** What this driver created and the kernel accepted, by service key. */
  readonly #owned = new Map<string, Owned>();
  #modprobeTried = false;
  #flushed = false;

  constructor(opts: IpvsDriverOptions = {}) {
    this.#opts = opts;
  }

  /** The table this driver holds in the kernel (what it created, as last applied). */
  current(): DesiredTable {
    return {
      services: [...this.#owned.values()].map((o) => ({ ...o.service, dests: [...o.dests.values()] })),
    };
  }

  async apply(table: DesiredTable): Promise<void> {
    const familyId = await this.#family();
    const errors: Error[] = [];
    const skipped = new Set<string>();
    if (this.#opts.flushAtStart && !this.#flushed) {
      this.#flushed = true;
      for (const s of table.services)
        await tolerating(() => this.#service(familyId, 'del', s), 'ENOENT', 'ESRCH').catch((e: unknown) =>
          errors.push(e instanceof Error ? e : new Error(String(e))),
        );
    }
    for (const c of diffTables(this.current(), table)) {
      if (skipped.has(c.service.key)) continue;
      try {
        await this.#run(familyId, c, skipped);
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
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

  #ownsKernelService(k: IpvsService): boolean {
    for (const o of this.#owned.values()) {
      const s = toIpvsService(o.service);
      if (s.family !== k.family) continue;
      if (
        s.fwmark !== undefined
          ? s.fwmark === k.fwmark
          : s.protocol === k.protocol && s.port === k.port && s.address === k.address
      )
        return true;
    }
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

  async #service(familyId: number, op: IpvsOp, s: DesiredService): Promise<void> {
    const r = serviceRequest(familyId, op, toIpvsService(s));
    if (!r.ok) throw new Error(`${serviceLabel(s)}: ${r.reason}`);
    const what = `${op} service ${serviceLabel(s)}`;
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
      case 'add-service':
        if (await tolerating(() => this.#service(familyId, 'new', c.service), 'EEXIST')) {
          // Not ours: never touched. Retried on the next apply, in case its owner removes it.
          skipped.add(key);
          this.#opts.log?.(
            `IPVS: ${serviceLabel(c.service)} already exists and was not created by vigil; left alone`,
          );
          return;
        }
        this.#owned.set(key, { service: { ...c.service, dests: [] }, dests: new Map() });
        return;
      case 'edit-service': {
        await this.#service(familyId, 'set', c.service);
        const o = this.#owned.get(key);
        if (o) o.service = { ...c.service, dests: [] };
        return;
      }
      case 'del-service':
        await tolerating(() => this.#service(familyId, 'del', c.service), 'ENOENT', 'ESRCH');
        this.#owned.delete(key);
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
