/**
 * Property: equal priorities started at the same instant elect the highest primary address
 * (RFC 5798 6.4.3: "If the sender's primary address is greater than the local primary address,
 * then transition to Backup"), whatever the node order, version and interval. Also: a single
 * address owner (255) always ends up master. Rerun one: VIGIL_SEED=<n> node scripts/run-tests.mjs tie-break
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareAddresses } from '../../src/vrrp/instance.js';
import {
  buildLan,
  checkSettled,
  describeScenario,
  randomScenario,
  seedsToRun,
  settleMs,
} from './scenario.js';

const SEEDS = seedsToRun(0x7135, Number(process.env.VIGIL_SCENARIOS ?? 500));

test(`property: ${SEEDS.length} simultaneous starts with equal priority elect the highest address`, () => {
  const failures: string[] = [];
  for (const seed of SEEDS) {
    const s = randomScenario(seed, { equalPriority: true });
    const lan = buildLan(s);
    for (const n of s.nodes) lan.start(n.id);
    lan.runFor(settleMs(s));
    const errs = checkSettled(s, lan, 'after simultaneous start');
    for (const vrid of s.vrids) {
      const highest = [...s.nodes].sort((a, b) => compareAddresses(b.address, a.address))[0]!;
      const m = lan.view(vrid).find((v) => v.state === 'MASTER');
      if (m?.node !== highest.id)
        errs.push(`vrid ${vrid}: master ${m?.node} is not highest address ${highest.id}`);
    }
    errs.push(...lan.violations.slice(0, 3));
    if (errs.length > 0)
      failures.push(`VIGIL_SEED=${seed} ${describeScenario(s)}\n    ${errs.join('\n    ')}`);
    if (failures.length >= 5) break;
  }
  assert.deepEqual(failures, [], `failing scenarios:\n${failures.join('\n')}`);
});
