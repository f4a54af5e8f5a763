/**
 * Seeded random VRRP scenarios on the in-memory LAN, and the properties checked after each
 * disturbance settles. Shared by the property test files (this file has no tests itself).
 *
 * Reproduce one scenario: VIGIL_SEED=<seed> node scripts/run-tests.mjs test/property
 */
import { SimLan } from '../../src/sim/lan.js';
import { Prng } from '../../src/sim/prng.js';
import { masterDownIntervalMs } from '../../src/vrrp/timers.js';
import { instanceParams, type VrrpVersion } from '../../src/vrrp/types.js';

export interface InstanceSpec {
  readonly vrid: number;
  readonly priority: number;
  readonly nopreempt: boolean;
  readonly preemptDelayMs: number;
  readonly initialState: 'MASTER' | 'BACKUP';
}

export interface NodeSpec {
  readonly id: string;
  readonly address: string;
  readonly instances: readonly InstanceSpec[];
}

export interface Scenario {
  readonly seed: number;
  readonly version: VrrpVersion;
  readonly adverIntCs: number;
  readonly vrids: readonly number[];
  readonly nodes: readonly NodeSpec[];
  readonly linkDelayMs: number;
}

export const instanceName = (vrid: number): string => `VI_${vrid}`;

/** Random scenario: 2..5 nodes, 1..2 VRIDs, v2 or v3, random priorities and preemption settings. */
export function randomScenario(seed: number, opts: { equalPriority?: boolean } = {}): Scenario {
  const r = new Prng(seed);
  const version: VrrpVersion = r.chance(0.5) ? 2 : 3;
  const adverIntCs = version === 2 ? r.pick([100, 100, 200]) : r.pick([50, 100, 100, 150]);
  const vrids = r.chance(0.3) ? [1, 2] : [1];
  const n = r.int(2, 5);
  const owner = !opts.equalPriority && r.chance(0.1) ? r.int(0, n - 1) : -1;
  const prefs = vrids.map(() => ({
    nopreempt: !opts.equalPriority && r.chance(0.2),
    delay: !opts.equalPriority && r.chance(0.2),
    samePrio: r.int(1, 254),
  }));
  // Distinct addresses, random order (the tie-break must not depend on the node order).
  const hosts = new Set<number>();
  while (hosts.size < n) hosts.add(r.int(1, 254));
  const nodes: NodeSpec[] = [...hosts].map((h, i) => ({
    id: `n${i}`,
    address: `10.0.0.${h}`,
    instances: vrids.map((vrid, k) => {
      const pref = prefs[k]!;
      const equalish = opts.equalPriority || r.chance(0.15);
      const priority = i === owner && vrid === 1 ? 255 : equalish ? pref.samePrio : r.int(1, 254);
      return {
        vrid,
        priority,
        nopreempt: pref.nopreempt && r.chance(0.7),
        preemptDelayMs: pref.delay ? r.int(1, 5) * 1000 : 0,
        initialState: !opts.equalPriority && r.chance(0.3) ? 'MASTER' : 'BACKUP',
      };
    }),
  }));
  return { seed, version, adverIntCs, vrids, nodes, linkDelayMs: r.pick([1, 1, 5, 20]) };
}

export function buildLan(s: Scenario): SimLan {
  const lan = new SimLan({ prng: new Prng(s.seed ^ 0x5eed), defaultLink: { delayMs: s.linkDelayMs } });
  for (const node of s.nodes) {
    lan.addNode({
      id: node.id,
      address: node.address,
      instances: node.instances.map((i) =>
        instanceParams<string>({
          name: instanceName(i.vrid),
          vrid: i.vrid,
          version: s.version,
          adverIntCs: s.adverIntCs,
          primaryAddress: node.address,
          basePriority: i.priority,
          nopreempt: i.nopreempt,
          preemptDelayMs: i.preemptDelayMs,
          initialState: i.initialState,
          vips: [`192.0.2.${i.vrid}`],
        }),
      ),
    });
  }
  return lan;
}

/** Long enough for any election to finish on a clean network (preempt delay + two down intervals). */
export function settleMs(s: Scenario): number {
  const maxDelay = Math.max(0, ...s.nodes.flatMap((n) => n.instances.map((i) => i.preemptDelayMs)));
  return maxDelay + 2 * masterDownIntervalMs(s.version, 1, s.adverIntCs) + 3 * s.adverIntCs * 10 + 1000;
}

/**
 * After settling on a clean, connected network, for every VRID:
 * - exactly one MASTER among live nodes (none if every live instance is in FAULT), and only it holds VIPs;
 * - it has the highest effective priority among live non-FAULT instances, unless every instance
 *   with a higher priority has `nopreempt` (equal-priority ties keep the established master:
 *   a backup accepts an equal-priority advert, RFC 5798 6.4.2).
 * Returns a list of failures (empty = pass).
 */
export function checkSettled(s: Scenario, lan: SimLan, when: string): string[] {
  const errs: string[] = [];
  for (const vrid of s.vrids) {
    const view = lan.view(vrid);
    const eligible = view.filter((v) => v.state !== 'FAULT');
    const masters = view.filter((v) => v.state === 'MASTER');
    const holders = lan.vipHolders(vrid);
    const tag = `${when}: vrid ${vrid}`;
    if (eligible.length === 0) {
      if (masters.length > 0) errs.push(`${tag}: master while every instance is FAULT`);
      continue;
    }
    if (masters.length !== 1) {
      errs.push(`${tag}: ${masters.length} masters (${masters.map((m) => m.node).join(',')})`);
      continue;
    }
    const m = masters[0]!;
    if (holders.length !== 1 || holders[0] !== m.node)
      errs.push(`${tag}: VIPs held by [${holders}] not ${m.node}`);
    const spec = (id: string) => s.nodes.find((n) => n.id === id)!.instances.find((i) => i.vrid === vrid)!;
    const higher = eligible.filter((v) => v.priority > m.priority);
    const unexplained = higher.filter((v) => !spec(v.node).nopreempt);
    if (unexplained.length > 0) {
      errs.push(
        `${tag}: master ${m.node} prio ${m.priority} but ${unexplained.map((v) => `${v.node} prio ${v.priority}`).join(', ')} preempts`,
      );
    }
  }
  return errs;
}

export function describeScenario(s: Scenario): string {
  const nodes = s.nodes
    .map(
      (n) =>
        `${n.id}@${n.address}[${n.instances
          .map(
            (i) =>
              `vrid${i.vrid} p${i.priority}${i.nopreempt ? ' nopreempt' : ''}` +
              `${i.preemptDelayMs ? ` delay${i.preemptDelayMs}` : ''}${i.initialState === 'MASTER' ? ' MASTER' : ''}`,
          )
          .join('; ')}]`,
    )
    .join(' ');
  return `v${s.version} adv ${s.adverIntCs}cs link ${s.linkDelayMs}ms ${nodes}`;
}

/** Seeds to run: VIGIL_SEED=<n> runs just that one; otherwise `count` seeds derived from `base`. */
export function seedsToRun(base: number, count: number): number[] {
  const one = process.env.VIGIL_SEED;
  if (one !== undefined && one !== '') return [Number(one) >>> 0];
  const r = new Prng(base);
  return Array.from({ length: count }, () => Math.floor(r.next() * 4294967296));
}
