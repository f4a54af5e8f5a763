import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VrrpScript } from '../../../src/config/model.js';
import type { RunRequest, ScriptResult } from '../../../src/scripts/runner.js';
import {
  initialCounter,
  outcomeOf,
  type ScriptCounter,
  type ScriptOutcome,
  scheduleOf,
  step,
  VrrpScriptTracker,
} from '../../../src/track/vrrp-script.js';

const OK: ScriptOutcome = { success: true };
const KO: ScriptOutcome = { success: false, why: 'exited with status 1' };
const pos = { file: 'k.conf', line: 1, column: 1 };

function run(c: ScriptCounter, seq: ScriptOutcome[], rf: { rise: number; fall: number }) {
  const changes: string[] = [];
  for (const o of seq) {
    const r = step(c, o, rf);
    c = r.counter;
    changes.push(r.changed ? c.health : '-');
  }
  return { c, changes };
}

test('initial counter: init at rise-1, or failed at 0 with init_fail', () => {
  assert.deepEqual(initialCounter({ rise: 3, fall: 2 }, false), { health: 'init', result: 2 });
  assert.deepEqual(initialCounter({ rise: 3, fall: 2 }, true), { health: 'failed', result: 0 });
});

test('one success is enough to leave init; one failure too (keepalived vrrp_init_script)', () => {
  const rf = { rise: 3, fall: 3 };
  assert.deepEqual(run(initialCounter(rf, false), [OK], rf).changes, ['ok']);
  assert.deepEqual(run(initialCounter(rf, false), [KO], rf).changes, ['failed']);
});

test('fall consecutive failures turn an OK script FAILED; a success in between resets', () => {
  const rf = { rise: 2, fall: 3 };
  const { changes } = run(initialCounter(rf, false), [OK, KO, KO, OK, KO, KO, KO], rf);
  assert.deepEqual(changes, ['ok', '-', '-', '-', '-', '-', 'failed']);
});

test('rise consecutive successes turn a FAILED script OK; a failure in between resets', () => {
  const rf = { rise: 3, fall: 1 };
  const { changes } = run(initialCounter(rf, true), [OK, OK, KO, OK, OK, OK, OK], rf);
  assert.deepEqual(changes, ['-', '-', '-', '-', '-', 'ok', '-']);
});

test('init_fail with rise 1: the first success turns it OK', () => {
  const rf = { rise: 1, fall: 1 };
  assert.deepEqual(run(initialCounter(rf, true), [OK, KO, KO, OK], rf).changes, ['ok', 'failed', '-', 'ok']);
});

test('outcomeOf: only exit status 0 succeeds', () => {
  const base = { exitCode: null, signal: null, timedOut: false, durationMs: 1 } as const;
  assert.deepEqual(outcomeOf({ ...base, exitCode: 0 }), { success: true });
  assert.deepEqual(outcomeOf({ ...base, exitCode: 2 }), { success: false, why: 'exited with status 2' });
  assert.deepEqual(outcomeOf({ ...base, exitCode: 127 }), { success: false, why: 'exited with status 127' });
  assert.deepEqual(outcomeOf({ ...base, signal: 'SIGSEGV' }), { success: false, why: 'killed by SIGSEGV' });
  assert.deepEqual(outcomeOf({ ...base, timedOut: true, signal: 'SIGTERM' }), {
    success: false,
    why: 'timed out',
  });
  assert.equal(outcomeOf({ ...base, spawnError: 'x: not executable' }).success, false);
});

const script = (over: Partial<VrrpScript> = {}): VrrpScript => ({
  kind: 'vrrp_script',
  name: 'chk',
  pos,
  keyPos: {},
  script: { argv: ['/bin/true'], command: '/bin/true', pos },
  intervalMs: 1000,
  weight: 0,
  weightReverse: false,
  rise: 1,
  fall: 1,
  initFail: false,
  ...over,
});

test('timeout defaults to the interval', () => {
  assert.deepEqual(scheduleOf(script()), { intervalMs: 1000, timeoutMs: 1000 });
  assert.deepEqual(scheduleOf(script({ timeoutMs: 300 })), { intervalMs: 1000, timeoutMs: 300 });
});

test('the tracker runs at once, every interval, skips a tick while running and reports changes', async () => {
  const timers: { fn: () => void; ms: number }[] = [];
  const requests: RunRequest[] = [];
  const pending: ((r: ScriptResult) => void)[] = [];
  const changes: string[] = [];
  const logs: string[] = [];
  const t = new VrrpScriptTracker(
    script({ timeoutMs: 500 }),
    { uid: 65534, gid: 65534 },
    {
      run: (req) => {
        requests.push(req);
        return new Promise((resolve) => pending.push(resolve));
      },
      setTimer: (fn, ms) => {
        timers.push({ fn, ms });
        return timers.length;
      },
      clearTimer: () => {},
      onChange: (name, health, why) => changes.push(`${name}:${health}:${why}`),
      log: (m) => logs.push(m),
    },
  );
  t.start();
  assert.equal(requests.length, 1);
  assert.deepEqual(requests[0], {
    argv: ['/bin/true'],
    timeoutMs: 500,
    identity: { uid: 65534, gid: 65534 },
  });
  assert.equal(timers.at(-1)?.ms, 1000);
  timers.at(-1)?.fn(); // next tick while the first run is still going
  assert.equal(requests.length, 1, 'skipped');
  assert.match(logs.join('\n'), /already running/);
  pending.shift()?.({ exitCode: 1, signal: null, timedOut: false, durationMs: 3 });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(changes, ['chk:failed:exited with status 1']);
  assert.equal(t.health, 'failed');
  timers.at(-1)?.fn();
  assert.equal(requests.length, 2);
  pending.shift()?.({ exitCode: 0, signal: null, timedOut: false, durationMs: 3 });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(changes, ['chk:failed:exited with status 1', 'chk:ok:succeeded']);
  t.stop();
});
