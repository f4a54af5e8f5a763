/**
 * Which LVS data plane the health checker drives: `--lvs-driver=ipvs|nftables`, else IPVS when the
 * kernel's generic netlink family "IPVS" resolves (the ip_vs module is loaded), else nftables.
 * The probe and the drivers are injected; the daemon's checker thread uses `lazyDriver` so that its
 * start-up does not wait for the probe.
 */
import type { CheckPlan } from '../check/plan.js';
import type { DesiredDest, DesiredService, DesiredTable } from '../check/table.js';

import type { LvsDriver, LvsDriverKind, LvsView } from './driver.js';
import { IpvsDriver, ipvsAvailable as ipvsFamilyResolves } from './ipvs-driver.js';
import { fileOwnershipStore } from './ipvs-ownership.js';
import { NftLvsDriver } from './nft-driver.js';
import { unsupportedReason } from './nft-ruleset.js';

export { LVS_DRIVERS, type LvsDriverKind } from './driver.js';

export interface LvsChoice {
  readonly kind: LvsDriverKind;
  /** Why, for the log: "forced by --lvs-driver", "IPVS generic netlink family found" … */
  readonly why: string;
}

/**
 * Resolves the generic netlink family "IPVS", loading ip_vs first when it is missing as keepalived
 * does (Debian's kernels have it as a module); a probe error counts as absent.
 */
export function ipvsAvailable(): Promise<boolean> {
  return ipvsFamilyResolves({ loadModule: true }).catch(() => false);
}

export async function chooseLvsDriver(
  forced: LvsDriverKind | undefined,
  probe: () => Promise<boolean> = ipvsAvailable,
): Promise<LvsChoice> {
  if (forced !== undefined) return { kind: forced, why: 'forced by --lvs-driver' };
  return (await probe())
    ? { kind: 'ipvs', why: 'the IPVS generic netlink family resolves' }
    : { kind: 'nftables', why: 'the kernel has no IPVS (generic netlink family "IPVS" not found)' };
}

export interface DriverFactories {
  readonly nftables: () => LvsDriver;
  readonly ipvs?: () => LvsDriver;
}

export type DriverLog = (level: 'debug' | 'info' | 'warning' | 'error', message: string) => void;

/** keepalived's lvs_flush / lvs_flush_on_stop as each driver reads them (never beyond its own). */
export interface FlushOptions {
  readonly lvsFlush?: boolean;
  readonly lvsFlushOnStop?: boolean;
}

/**
 * The drivers as the daemon runs them. `ipvsRecord`: the file where the IPVS driver records the
 * services it creates, so that a restart after a crash adopts them (src/lvs/ipvs-ownership.ts).
 */
export function defaultFactories(
  log: DriverLog,
  flush: FlushOptions = {},
  ipvsRecord?: string,
): DriverFactories {
  return {
    nftables: () => new NftLvsDriver({ log, adopt: !flush.lvsFlush }),
    ipvs: () =>
      // `vigil lvs`: the driver's own view() reads the table with its counters and rates.
      new IpvsDriver({
        log: (line, level = 'error') => log(level, line),
        flushAtStart: flush.lvsFlush === true,
        flushOnStop: flush.lvsFlushOnStop === true,
        ...(ipvsRecord !== undefined ? { ownership: fileOwnershipStore(ipvsRecord) } : {}),
      }),
  };
}

/**
 * The table the plan would give with every real server up at its configured weight (and the
 * sorry servers): what `unsupportedReason` is asked about before anything runs (start-up, -t).
 */
export function planTable(plan: CheckPlan): DesiredTable {
  const services: DesiredService[] = [];
  for (const vs of plan.virtualServers) {
    const dests: DesiredDest[] = vs.realServers.map((r) => ({
      family: r.family,
      address: r.address,
      port: r.port,
      weight: Math.max(0, r.weight),
      method: r.method,
      sorry: false,
    }));
    if (vs.sorry !== undefined) dests.push({ ...vs.sorry, weight: 1, sorry: true });
    vs.services.forEach((a, i) => {
      services.push({
        key: `${vs.key} ${i}`,
        vs: vs.name,
        family: a.family,
        ...(vs.protocol !== undefined ? { protocol: vs.protocol } : {}),
        ...(a.address !== undefined ? { address: a.address, port: a.port ?? 0 } : {}),
        ...(a.fwmark !== undefined ? { fwmark: a.fwmark } : {}),
        scheduler: vs.scheduler,
        ...(vs.persistenceTimeoutS !== undefined ? { persistenceTimeoutS: vs.persistenceTimeoutS } : {}),
        ...(vs.persistenceEngine !== undefined ? { persistenceEngine: vs.persistenceEngine } : {}),
        dests: dests.filter((d) => d.family === a.family || d.method === 'TUN'),
      });
    });
  }
  return { services };
}

/** What the nftables driver cannot hold of this plan, or undefined. */
export function planUnsupported(plan: CheckPlan): string | undefined {
  return unsupportedReason(planTable(plan));
}

/**
 * A driver whose choice is made in the background: apply/stop/view wait for it. The choice is
 * logged once.
 */
export function lazyDriver(opts: {
  readonly forced: LvsDriverKind | undefined;
  readonly plan: CheckPlan;
  readonly log: DriverLog;
  readonly probe?: () => Promise<boolean>;
  readonly factories?: DriverFactories;
  /** Where the IPVS driver records the services it created (defaultFactories). */
  readonly ipvsRecord?: string;
  /** Used when the chosen driver is not in this build. */
  readonly fallback: () => LvsDriver;
}): LvsDriver & { readonly choice: Promise<LvsChoice> } {
  const factories = opts.factories ?? defaultFactories(opts.log, opts.plan, opts.ipvsRecord);
  const choice = chooseLvsDriver(opts.forced, opts.probe);
  const driver: Promise<LvsDriver> = choice.then((c) => {
    if (c.kind === 'nftables') {
      // What nftables cannot hold of the plan is logged by the driver at its first table.
      opts.log('info', `LVS driver: nftables (${c.why})`);
      return factories.nftables();
    }
    if (factories.ipvs !== undefined) {
      opts.log('info', `LVS driver: ipvs (${c.why})`);
      return factories.ipvs();
    }
    opts.log(
      'error',
      `LVS driver: ipvs (${c.why}), but this build has no IPVS driver yet; the LVS table is not written to the kernel (use --lvs-driver=nftables)`,
    );
    return opts.fallback();
  });
  return {
    choice,
    apply: async (table: DesiredTable) => (await driver).apply(table),
    stop: async () => (await driver).stop(),
    view: async (): Promise<LvsView> => {
      const d = await driver;
      return d.view !== undefined ? d.view() : { driver: (await choice).kind, table: { services: [] } };
    },
  };
}
