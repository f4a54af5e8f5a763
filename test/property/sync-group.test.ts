/**
 * Property: with every node's instances in one vrrp_sync_group, random disturbances (including a
 * fault on a single member) always settle with both VRIDs mastered by the same single node, the
 * highest-priority one unless nopreempt explains otherwise, and no VIPs outside MASTER.
 * Rerun one: VIGIL_SEED=<n> node scripts/run-tests.mjs test/property/sync-group
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeScenario, Failover, randomScenario, runScenario, seedsToRun } from './scenario.js';

const SEEDS = seedsToRun(0x5c, Number(process.env.VIGIL_SCENARIOS ?? 500));

test(`property: ${SEEDS.length} sync-group scenarios keep the group's members together`, () => {
  const failures: string[] = [];
  for (const seed of SEEDS) {
    const s = randomScenario(seed, { syncGroup: true });
    let errs: string[];
    try {
      errs = runScenario(s);
    } catch (e) {
      errs = [String(e instanceof Failover ? e.message : e)];
    }
    if (errs.length > 0)
      failures.push(`VIGIL_SEED=${seed} ${describeScenario(s)}\n    ${errs.join('\n    ')}`);
    if (failures.length >= 5) break;
  }
  assert.deepEqual(failures, [], `failing scenarios:\n${failures.join('\n')}`);
});
