/**
 * Property: random VRRP LANs under random disturbances (crash, restart, graceful stop, partitions,
 * loss bursts, jitter, tracking weight and fault changes) always settle to one correct master,
 * never hold VIPs outside MASTER, and fail over within the master-down interval plus one advert.
 *
 * A failure prints VIGIL_SEED=<n>; rerun that scenario alone with
 *   VIGIL_SEED=<n> node scripts/run-tests.mjs test/property/election
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SimLan } from '../../src/sim/lan.js';
import { Prng } from '../../src/sim/prng.js';
import { masterDownIntervalMs } from '../../src/vrrp/timers.js';
import {
  buildLan,
  checkSettled,
  describeScenario,
  instanceName,
  randomScenario,
  type Scenario,
  seedsToRun,
  settleMs,
} from './scenario.js';

const SCENARIOS = Number(process.env.VIGIL_SCENARIOS ?? 2000);

function runScenario(seed: number): string[] {
  const s = randomScenario(seed);
  const lan = buildLan(s);
  const r = new Prng(seed ^ 0xd15ea5e);
  const errs: string[] = [];
  const advMs = s.adverIntCs * 10;
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
    const what = disturb(s, lan, r, advMs);
    lan.runFor(settle);
    errs.push(...checkSettled(s, lan, `after ${what}`));
  }
  if (lan.violations.length > 0) errs.push(...lan.violations.slice(0, 3));
  return errs;
}

/** Apply one random disturbance (and clear its transient part); returns a description. */
function disturb(s: Scenario, lan: SimLan, r: Prng, advMs: number): string {
  const ids = s.nodes.map((n) => n.id);
  const live = ids.filter((id) => lan.isAlive(id));
  const dead = ids.filter((id) => !lan.isAlive(id));
  const kind = r.pick(['crash-master', 'crash', 'restart', 'stop', 'partition', 'loss', 'track', 'fault']);
  switch (kind) {
    case 'crash-master': {
      const vrid = r.pick(s.vrids);
      const m = lan.view(vrid).find((v) => v.state === 'MASTER');
      if (!m || live.length < 2) return 'nothing';
      checkFailover(s, lan, vrid, m.node, advMs);
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
      lan.setTracking(id, instanceName(vrid), { weight, fault: false, reason: `weight ${weight}` });
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
function checkFailover(s: Scenario, lan: SimLan, vrid: number, victim: string, advMs: number): void {
  const candidates = lan.view(vrid).filter((v) => v.node !== victim && v.state === 'BACKUP');
  const crashAt = lan.now;
  const logFrom = lan.vipLog.length;
  lan.crash(victim);
  if (candidates.length === 0) return;
  const worst = Math.max(...candidates.map((c) => masterDownIntervalMs(s.version, c.priority, s.adverIntCs)));
  lan.runFor(worst + advMs + 2 * s.linkDelayMs + 1);
  const took = lan.vipLog.slice(logFrom).find((r) => r.vrid === vrid && r.held);
  if (!took)
    throw new Failover(`no takeover of vrid ${vrid} within ${worst + advMs} ms of crashing ${victim}`);
  const own = masterDownIntervalMs(
    s.version,
    lan.view(vrid).find((v) => v.node === took.node)!.priority,
    s.adverIntCs,
  );
  const bound = own + advMs + 2 * s.linkDelayMs;
  if (took.t - crashAt > bound) {
    throw new Failover(`${took.node} took over vrid ${vrid} after ${took.t - crashAt} ms > ${bound} ms`);
  }
}

class Failover extends Error {}

test(`property: ${SCENARIOS} random scenarios settle to one correct master (VIGIL_SEED reruns one)`, () => {
  const failures: string[] = [];
  let checked = 0;
  for (const seed of seedsToRun(0xc0ffee, SCENARIOS)) {
    let errs: string[];
    try {
      errs = runScenario(seed);
    } catch (e) {
      errs = [String(e instanceof Failover ? e.message : e)];
    }
    checked++;
    if (errs.length > 0) {
      failures.push(
        `VIGIL_SEED=${seed} ${describeScenario(randomScenario(seed))}\n    ${errs.join('\n    ')}`,
      );
      if (failures.length >= 5) break;
    }
  }
  assert.ok(checked > 0);
  assert.deepEqual(failures, [], `failing scenarios:\n${failures.join('\n')}`);
});
