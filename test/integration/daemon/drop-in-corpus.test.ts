/**
 * Drop-in start-up on a sample of the generated differential corpus
 * (test/integration/config/generated.ts): keepalived 2.2.7's VRRP daemon and vigil's are started
 * side by side on each config, each in a namespace of its own with the interfaces the corpus
 * names (vigil0/vigil1). Wherever keepalived keeps running for 3 s, vigil must keep running too,
 * with every instance in keepalived's state. keepalived whose VRRP process died in that time (its
 * parent respawning it) counts as stopped: it runs no instance. Where keepalived stops, vigil may
 * stop or run (it never refuses more than keepalived); the test prints how often both stop.
 *
 * The sample is every Nth config of the corpus that has a vrrp_instance and names no address
 * outside the test ranges (routes to 10.8.0.0/16 would be installed by a master).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type GeneratedCase, generatedCorpus } from '../config/generated.js';
import { commandExists, integrationSkipReason } from '../harness/topology.js';
import {
  type HostInterface,
  keepalivedRunsNothing,
  keepalivedStates,
  keepalivedVrrpDied,
  SideBySide,
  showStates,
  vigilStates,
} from './side-by-side.js';

const skip =
  integrationSkipReason() ?? (commandExists('keepalived') ? undefined : 'needs keepalived (Debian package)');

const RUN_MS = 3000;
/** Configs checked at once: each pair is two idle daemons, the cost is their start-up. */
const PARALLEL = 3;
const SAMPLE = 120;

const INTERFACES: readonly HostInterface[] = [
  { name: 'vigil0', v4: '192.0.2.1/24', v6: '2001:db8::1/64' },
  { name: 'vigil1', v4: '192.0.2.2/24' },
];

const OUTSIDE_TEST_RANGES = /\b(10\.\d|172\.(1[6-9]|2\d|3[01])\.|192\.168\.)/;

function sample(): GeneratedCase[] {
  const eligible = generatedCorpus().filter(
    (c) => c.text.includes('vrrp_instance') && !OUTSIDE_TEST_RANGES.test(c.text),
  );
  const step = Math.max(1, Math.floor(eligible.length / SAMPLE));
  return eligible.filter((_, i) => i % step === 0).slice(0, SAMPLE);
}

/**
 * Differences in state that are known and documented (docs/config-differences.md), by case label:
 * keywords vigil accepts with a "not implemented" warning and runs without.
 */
const KNOWN_STATE_DIFFERENCES: Readonly<Record<string, string>> = {
  // keepalived 2.2.7 cannot make the ipvlan on this veth and holds the instance in FAULT; vigil
  // does not implement use_ipvlan, warns, and runs the instance on its interface.
  'vrrp_instance.use_ipvlan=': 'use_ipvlan is not implemented',
};

interface Outcome {
  readonly label: string;
  readonly keepalivedRuns: boolean;
  readonly vigilRuns: boolean;
  /** When both run: '' when the states agree, else both sides' states. */
  readonly states: string;
  readonly detail: string;
}

let sbs: SideBySide | undefined;
before(() => {
  if (skip === undefined) sbs = new SideBySide();
});
after(() => sbs?.cleanup());

test('vigil runs on every generated config keepalived 2.2.7 runs, in the same states', {
  skip,
  timeout: 900_000,
}, async (t) => {
  const h = sbs!;
  const cases = sample();
  assert.ok(cases.length >= 40, `sample of ${cases.length}`);
  const prefix = `vgdc${process.pid % 10000}`;
  const outcomes: Outcome[] = [];
  let next = 0;
  const one = async (id: number, c: GeneratedCase): Promise<Outcome> => {
    const { k, v, close } = await h.startPair(`${prefix}${id}`, c.text, INTERFACES);
    try {
      // The observation window itself: who is still running at its end.
      await new Promise((r) => setTimeout(r, RUN_MS));
      // A VRRP child that died (and is being respawned) is keepalived not running VRRP.
      const keepalivedRuns =
        k.exit === undefined && !keepalivedVrrpDied(k.log) && !keepalivedRunsNothing(k.log);
      const vigilRuns = v.exit === undefined;
      let states = '';
      if (keepalivedRuns && vigilRuns && keepalivedStates(k.log).size === 0) {
        // keepalived runs no instance (e.g. the config lost it to a brace): neither does vigil.
        const got = await vigilStates(v.pidFile).catch(() => new Map<string, string>());
        states = got.size === 0 ? '' : `keepalived [], vigil ${showStates(got)}`;
      } else if (keepalivedRuns && vigilRuns) {
        states = await h.sameStates(k, v, c.label, 6000).then(
          () => '',
          async () =>
            `keepalived ${showStates(keepalivedStates(k.log))}, vigil ${showStates(await vigilStates(v.pidFile).catch(() => new Map()))}`,
        );
      }
      const detail = `--- keepalived ---\n${k.log.slice(-1500)}\n--- vigil ---\n${v.log.slice(-1500)}`;
      return { label: c.label, keepalivedRuns, vigilRuns, states, detail };
    } finally {
      await close();
    }
  };
  const worker = async () => {
    while (next < cases.length) {
      const id = next++;
      outcomes.push(await one(id, cases[id]!));
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));

  const ran = outcomes.filter((o) => o.keepalivedRuns);
  const stopped = outcomes.filter((o) => !o.keepalivedRuns);
  t.diagnostic(
    `${outcomes.length} configs: keepalived ran ${ran.length}, vigil ran on ${ran.filter((o) => o.vigilRuns).length} of them ` +
      `(states equal on ${ran.filter((o) => o.vigilRuns && o.states === '').length}); ` +
      `keepalived stopped on ${stopped.length}, vigil stopped on ${stopped.filter((o) => !o.vigilRuns).length} of them`,
  );
  const refused = ran.filter((o) => !o.vigilRuns);
  assert.deepEqual(
    refused.map((o) => `${o.label}\n${o.detail}`),
    [],
    'vigil stopped where keepalived runs',
  );
  const differ = ran.filter((o) => o.states !== '' && KNOWN_STATE_DIFFERENCES[o.label] === undefined);
  assert.deepEqual(
    differ.map((o) => `${o.label}: ${o.states}`),
    [],
    'states differ',
  );
  assert.ok(ran.length > 0 && stopped.length > 0, 'the sample has configs of both kinds');
});
