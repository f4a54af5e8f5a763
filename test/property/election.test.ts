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
import { describeScenario, Failover, randomScenario, runScenario, seedsToRun } from './scenario.js';

const SEEDS = seedsToRun(0xc0ffee, Number(process.env.VIGIL_SCENARIOS ?? 2000));

test(`property: ${SEEDS.length} random scenarios settle to one correct master (VIGIL_SEED reruns one)`, () => {
  const failures: string[] = [];
  let checked = 0;
  for (const seed of SEEDS) {
    let errs: string[];
    try {
      errs = runScenario(randomScenario(seed));
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
