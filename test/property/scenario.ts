/**
 * Seeded random VRRP scenarios on the in-memory LAN, and the properties checked after each
 * disturbance settles. Shared by the property test files (this file has no tests itself).
 *
 * Reproduce one scenario: VIGIL_SEED=<seed> node scripts/run-tests.mjs test/property
 */
import { SimLan } from '../../src/sim/lan.js';
import { Prng } from '../../src/sim/prng.js';
import { masterDownIntervalMs, skewTimeMs } from '../../src/vrrp/timers.js';
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
  /** advert_int of this node's instances (v3 scenarios may mix intervals: RFC 5798 6.4.2 adoption). */
  readonly adverIntCs: number;
  readonly instances: readonly InstanceSpec[];
}

export interface Scenario {
  readonly seed: number;
  readonly version: VrrpVersion;
  readonly adverIntCs: number;
  readonly vrids: readonly number[];
  readonly nodes: readonly NodeSpec[];
  readonly linkDelayMs: number;
  /** Every node puts all its instances in one vrrp_sync_group. */
  readonly syncGroup: boolean;
}

export const instanceName = (vrid: number): string => `VI_${vrid}`;

/** Random scenario: 2..5 nodes, 1..2 VRIDs, v2 or v3, random priorities and preemption settings. */
export function randomScenario(
  seed: number,
  opts: { equalPriority?: boolean; syncGroup?: boolean } = {},
): Scenario {
  const r = new Prng(seed);
  const version: VrrpVersion = r.chance(0.5) ? 2 : 3;
  const adverIntCs = version === 2 ? r.pick([100, 100, 200]) : r.pick([50, 100, 100, 150]);
  const vrids = opts.syncGroup || r.chance(0.3) ? [1, 2] : [1];
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
  const generated: NodeSpec[] = [...hosts].map((h, i) => ({
    id: `n${i}`,
    address: `10.0.0.${h}`,
    adverIntCs,
    instances: vrids.map((vrid, k) => {
      const pref = prefs[opts.syncGroup ? 0 : k]!;
      const equalish = opts.equalPriority || r.chance(0.15);
      const own = i === owner && (vrid === 1 || opts.syncGroup);
      const priority = own ? 255 : equalish ? pref.samePrio : r.int(1, 254);
      return {
        vrid,
        priority,
        nopreempt: pref.nopreempt && r.chance(0.7),
        preemptDelayMs: pref.delay ? r.int(1, 5) * 1000 : 0,
        initialState: !opts.equalPriority && r.chance(0.3) ? 'MASTER' : 'BACKUP',
      };
    }),
  }));
  const linkDelayMs = r.pick([1, 1, 5, 20]);
  // Mixed intervals (v3 only) desynchronise the timers, so not for the simultaneous-start tie-break.
  const mixed = version === 3 && !opts.equalPriority && r.chance(0.3);
  // In a sync group a node's members share priority and preemption settings (otherwise the group can
  // pin a lower-priority node as master, which is keepalived's behaviour but not what this checks).
  const grouped = opts.syncGroup
    ? generated.map((n) => ({
        ...n,
        instances: n.instances.map((i) => ({ ...n.instances[0]!, vrid: i.vrid })),
      }))
    : generated;
  const nodes = mixed ? grouped.map((n) => ({ ...n, adverIntCs: r.pick([50, 100, 150]) })) : grouped;
  return { seed, version, adverIntCs, vrids, nodes, linkDelayMs, syncGroup: opts.syncGroup ?? false };
}

export function buildLan(s: Scenario): SimLan {
  const lan = new SimLan({ prng: new Prng(s.seed ^ 0x5eed), defaultLink: { delayMs: s.linkDelayMs } });
  for (const node of s.nodes) {
    lan.addNode({
      id: node.id,
      address: node.address,
      ...(s.syncGroup ? { syncGroups: { G: s.vrids.map(instanceName) } } : {}),
      instances: node.instances.map((i) =>
        instanceParams<string>({
          name: instanceName(i.vrid),
          vrid: i.vrid,
          version: s.version,
          adverIntCs: node.adverIntCs,
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
  const adv = Math.max(...s.nodes.map((n) => n.adverIntCs));
  return maxDelay + 2 * masterDownIntervalMs(s.version, 1, adv) + 3 * adv * 10 + 1000;
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
  if (s.syncGroup) {
    const at = s.vrids.map((v) => lan.view(v).find((x) => x.state === 'MASTER')?.node ?? '-');
    if (new Set(at).size !== 1) errs.push(`${when}: sync group members master on different nodes [${at}]`);
  }
  return errs;
}

export function describeScenario(s: Scenario): string {
  const nodes = s.nodes
    .map(
      (n) =>
        `${n.id}@${n.address}${n.adverIntCs !== s.adverIntCs ? `/${n.adverIntCs}cs` : ''}[${n.instances
          .map(
            (i) =>
              `vrid${i.vrid} p${i.priority}${i.nopreempt ? ' nopreempt' : ''}` +
              `${i.preemptDelayMs ? ` delay${i.preemptDelayMs}` : ''}${i.initialState === 'MASTER' ? ' MASTER' : ''}`,
          )
          .join('; ')}]`,
    )
    .join(' ');
  return `${s.syncGroup ? 'sync-group ' : ''}v${s.version} adv ${s.adverIntCs}cs link ${s.linkDelayMs}ms ${nodes}`;
}

/** Seeds to run: VIGIL_SEED=<n> runs just that one; otherwise `count` seeds derived from `base`. */
export function seedsToRun(base: number, count: number): number[] {
  const one = process.env.VIGIL_SEED;
  if (one !== undefined && one !== '') return [Number(one) >>> 0];
  const r = new Prng(base);
  return Array.from({ length: count }, () => Math.floor(r.next() * 4294967296));
}

/**
 * Boot the scenario with staggered starts, then apply 2..5 random disturbances (crash, restart,
 * graceful stop, partition, loss burst with jitter, tracking weight, fault), checking after each
 * settles. Returns failures (empty = pass); throws Failover when a failover is too slow.
 */
export function runScenario(s: Scenario): string[] {
  const seed = s.seed;
  const lan = buildLan(s);
  const r = new Prng(seed ^ 0xd15ea5e);
  const errs: string[] = [];
  const settle = settleMs(s);

  // Staggered boot.
  for (const n of s.nodes) {
    const at = r.int(0, 2000);
    lan.clock.schedule(at, () => lan.start(n.id));
  }
  lan.runFor(2000 + settle);
  errs.push(...checkSettled(s, lan, 'after boot'));

  const steps = r.int(2, 5);
  for (let k = 0; k < steps && errs.length === 0; k++) {
    const what = disturb(s, lan, r);
    lan.runFor(settle);
    errs.push(...checkSettled(s, lan, `after ${what}`));
  }
  if (lan.violations.length > 0) errs.push(...lan.violations.slice(0, 3));
  return errs;
}

/** Apply one random disturbance (and clear its transient part); returns a description. */
function disturb(s: Scenario, lan: SimLan, r: Prng): string {
  const ids = s.nodes.map((n) => n.id);
  const live = ids.filter((id) => lan.isAlive(id));
  const dead = ids.filter((id) => !lan.isAlive(id));
  const kind = r.pick([
    'crash-master',
    'stop-master',
    'crash',
    'restart',
    'stop',
    'partition',
    'loss',
    'track',
    'fault',
  ]);
  switch (kind) {
    case 'stop-master': {
      const vrid = r.pick(s.vrids);
      const m = lan.view(vrid).find((v) => v.state === 'MASTER');
      if (!m || live.length < 2) return 'nothing';
      checkFailover(s, lan, vrid, m.node, 'stop');
      return `graceful stop of master ${m.node} (vrid ${vrid})`;
    }
    case 'crash-master': {
      const vrid = r.pick(s.vrids);
      const m = lan.view(vrid).find((v) => v.state === 'MASTER');
      if (!m || live.length < 2) return 'nothing';
      checkFailover(s, lan, vrid, m.node);
      return `crash of master ${m.node} (vrid ${vrid})`;
    }
    case 'crash':
    case 'stop': {
      if (live.length < 2) return 'nothing';
      const id = r.pick(live);
      if (kind === 'crash') lan.crash(id);
      else lan.stop(id);
      return `${kind} ${id}`;
    }
    case 'restart': {
      const id = dead.length > 0 ? r.pick(dead) : r.pick(ids);
      if (lan.isAlive(id)) lan.restart(id);
      else lan.start(id);
      return `restart ${id}`;
    }
    case 'partition': {
      const groups: string[][] = [[], []];
      for (const id of ids) groups[r.int(0, 1)]!.push(id);
      lan.partition(groups);
      lan.runFor(r.int(0, 15_000));
      lan.heal();
      return `partition ${JSON.stringify(groups)} healed`;
    }
    case 'loss': {
      const loss = r.next() * 0.9;
      lan.setAllLinks({ loss, jitterMs: r.int(0, 3) * 50 });
      lan.runFor(r.int(1000, 20_000));
      lan.setAllLinks({ loss: 0, jitterMs: 0 });
      return `loss ${loss.toFixed(2)} burst`;
    }
    case 'track': {
      const id = r.pick(ids);
      const vrid = r.pick(s.vrids);
      const weight = r.int(-120, 120);
      // In a sync group the same tracker weighs on every member (keepalived sync group track_*).
      for (const v of s.syncGroup ? s.vrids : [vrid]) {
        lan.setTracking(id, instanceName(v), { weight, fault: false, reason: `weight ${weight}` });
      }
      return `tracking weight ${weight} on ${id} vrid ${vrid}`;
    }
    default: {
      const id = r.pick(ids);
      const vrid = r.pick(s.vrids);
      const on = r.chance(0.5);
      const snap = lan.instance(id, instanceName(vrid))?.snapshot();
      const weight = snap ? snap.effectivePriority - baseOf(s, id, vrid) : 0;
      lan.setTracking(id, instanceName(vrid), { weight, fault: on, reason: on ? 'fault' : 'fault cleared' });
      return `fault ${on ? 'on' : 'off'} ${id} vrid ${vrid}`;
    }
  }
}

function baseOf(s: Scenario, id: string, vrid: number): number {
  return s.nodes.find((n) => n.id === id)!.instances.find((i) => i.vrid === vrid)!.priority;
}

/**
 * Crash the master on a clean network and assert a new master holds the VIPs within its
 * Master_Down_Interval plus one advert interval (plus link delay) of the crash.
 */
function checkFailover(
  s: Scenario,
  lan: SimLan,
  vrid: number,
  victim: string,
  how: 'crash' | 'stop' = 'crash',
): void {
  const name = instanceName(vrid);
  const advMs = s.nodes.find((n) => n.id === victim)!.adverIntCs * 10;
  // Each backup's Master_Down_Interval uses its (possibly adopted, v3) Master_Adver_Interval.
  const downOf = new Map<string, number>();
  for (const c of lan.view(vrid)) {
    const snap = lan.instance(c.node, name)?.snapshot();
    if (c.node === victim || c.state !== 'BACKUP' || !snap) continue;
    // After a priority-0 advert the timer is Skew_Time (RFC 5798 6.4.2); after a crash the full interval.
    const down = masterDownIntervalMs(s.version, c.priority, snap.masterAdverIntCs);
    downOf.set(c.node, how === 'stop' ? skewTimeMs(s.version, c.priority, snap.masterAdverIntCs) : down);
  }
  const crashAt = lan.now;
  const logFrom = lan.vipLog.length;
  if (how === 'stop') lan.stop(victim);
  else lan.crash(victim);
  if (downOf.size === 0) return;
  const worst = Math.max(...downOf.values());
  lan.runFor(worst + advMs + 2 * s.linkDelayMs + 1);
  const took = lan.vipLog.slice(logFrom).find((r) => r.vrid === vrid && r.held);
  if (!took)
    throw new Failover(`no takeover of vrid ${vrid} within ${worst + advMs} ms of crashing ${victim}`);
  const bound = (downOf.get(took.node) ?? worst) + advMs + 2 * s.linkDelayMs;
  if (took.t - crashAt > bound) {
    throw new Failover(
      `${took.node} took over vrid ${vrid} ${took.t - crashAt} ms after ${how} of ${victim} > ${bound} ms`,
    );
  }
}

export class Failover extends Error {}
