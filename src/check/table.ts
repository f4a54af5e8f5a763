/**
 * The desired LVS table: what the data plane (IPVS, later nftables) should hold, recomputed by the
 * life cycle (lifecycle.ts) after every change. Pure data, structured-clone safe; a driver
 * (src/lvs/driver.ts) turns the difference between two tables into kernel commands.
 */
import type { LvsMethod, LvsProtocol, LvsScheduler, LvsTunnel } from '../config/model.js';
import type { IpFamily } from '../net/addr.js';

export interface DesiredDest {
  readonly family: IpFamily;
  readonly address: string;
  readonly port: number;
  /** The weight written to the kernel: the effective weight clamped to [0, 2^31-1]; 0 = inhibited. */
  readonly weight: number;
  readonly method: LvsMethod;
  /** TUN only: the encapsulation; absent = ipip without checksum. */
  readonly tunnel?: LvsTunnel;
  /** uthreshold / lthreshold (IPVS connection limits); absent = 0, none. */
  readonly uThreshold?: number;
  readonly lThreshold?: number;
  /** The virtual server's sorry_server. */
  readonly sorry: boolean;
}

export interface DesiredService {
  /** Identity of the kernel service: `TCP [192.0.2.100]:80`, `FWM 5 ipv4`. */
  readonly key: string;
  /** The virtual_server it belongs to, as keepalived formats it (`[192.0.2.100]:tcp:80`, `FWM 5`, `[grp]:0`). */
  readonly vs: string;
  readonly family: IpFamily;
  /** undefined for a fwmark service. */
  readonly protocol?: LvsProtocol;
  readonly address?: string;
  readonly port?: number;
  readonly fwmark?: number;
  readonly scheduler: LvsScheduler;
  /** persistence_timeout in seconds; undefined = not persistent. */
  readonly persistenceTimeoutS?: number;
  readonly persistenceGranularity?: string;
  readonly persistenceEngine?: string;
  /** Scheduler flags: bit 0 flag-1 (sh/mh-fallback), bit 1 flag-2 (sh/mh-port), bit 2 flag-3. */
  readonly schedFlags?: number;
  /** One-packet scheduling (ops): each UDP datagram scheduled on its own. */
  readonly onePacket?: boolean;
  readonly dests: readonly DesiredDest[];
}

export interface DesiredTable {
  readonly services: readonly DesiredService[];
}

export const EMPTY_TABLE: DesiredTable = { services: [] };

/** keepalived real_weight(): what IPVS is given for an effective weight. */
export function realWeight(effective: number): number {
  return Math.min(Math.max(effective, 0), 2147483647);
}

export function destKey(d: Pick<DesiredDest, 'address' | 'port'>): string {
  return d.address.includes(':') ? `[${d.address}]:${d.port}` : `${d.address}:${d.port}`;
}

/** A TUN dest's encapsulation when it names none (keepalived's and ipvsadm's default). */
export const IPIP_TUNNEL: LvsTunnel = { type: 'ipip', checksum: 'nocsum' };

/** A TUN dest's encapsulation as one comparable string (`gue 6080 csum`); '' for the others. */
export function tunnelKey(d: Pick<DesiredDest, 'method' | 'tunnel'>): string {
  if (d.method !== 'TUN') return '';
  const t = d.tunnel ?? IPIP_TUNNEL;
  return `${t.type}${t.port !== undefined ? ` ${t.port}` : ''} ${t.checksum}`;
}

/** One kernel command, for drivers that apply differences. */
export type TableChange =
  | { readonly op: 'add-service' | 'edit-service' | 'del-service'; readonly service: DesiredService }
  | {
      readonly op: 'add-dest' | 'edit-dest' | 'del-dest';
      readonly service: DesiredService;
      readonly dest: DesiredDest;
    };

const serviceAttrs = (s: DesiredService) =>
  JSON.stringify([
    s.scheduler,
    s.persistenceTimeoutS,
    s.persistenceGranularity,
    s.persistenceEngine,
    s.schedFlags ?? 0,
    s.onePacket === true,
  ]);

/**
 * The commands that turn table `from` into table `to`: services added before their dests,
 * dests removed before their services (as keepalived orders its ipvs_cmd calls).
 */
export function diffTables(from: DesiredTable, to: DesiredTable): TableChange[] {
  const out: TableChange[] = [];
  const old = new Map(from.services.map((s) => [s.key, s]));
  const now = new Map(to.services.map((s) => [s.key, s]));
  for (const s of to.services) {
    const prev = old.get(s.key);
    if (prev === undefined) {
      out.push({ op: 'add-service', service: s });
      for (const d of s.dests) out.push({ op: 'add-dest', service: s, dest: d });
      continue;
    }
    if (serviceAttrs(prev) !== serviceAttrs(s)) out.push({ op: 'edit-service', service: s });
    const prevDests = new Map(prev.dests.map((d) => [destKey(d), d]));
    const nowDests = new Set(s.dests.map(destKey));
    for (const d of prev.dests)
      if (!nowDests.has(destKey(d))) out.push({ op: 'del-dest', service: s, dest: d });
    for (const d of s.dests) {
      const p = prevDests.get(destKey(d));
      if (p === undefined) out.push({ op: 'add-dest', service: s, dest: d });
      else if (
        p.weight !== d.weight ||
        p.method !== d.method ||
        tunnelKey(p) !== tunnelKey(d) ||
        (p.uThreshold ?? 0) !== (d.uThreshold ?? 0) ||
        (p.lThreshold ?? 0) !== (d.lThreshold ?? 0)
      )
        out.push({ op: 'edit-dest', service: s, dest: d });
    }
  }
  for (const s of from.services) {
    if (now.has(s.key)) continue;
    for (const d of s.dests) out.push({ op: 'del-dest', service: s, dest: d });
    out.push({ op: 'del-service', service: s });
  }
  return out;
}
