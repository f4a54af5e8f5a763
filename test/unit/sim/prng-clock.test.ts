import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../../src/sim/clock.js';
import { Prng } from '../../../src/sim/prng.js';

test('Prng: same seed, same sequence; values in range', () => {
  const a = new Prng(42);
  const b = new Prng(42);
  const xs = Array.from({ length: 1000 }, () => a.next());
  assert.deepEqual(
    xs,
    Array.from({ length: 1000 }, () => b.next()),
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.notDeepEqual(
    xs.slice(0, 5),
    Array.from({ length: 5 }, () => new Prng(43).next()),
  );
  const c = new Prng(7);
  const ints = Array.from({ length: 1000 }, () => c.int(3, 5));
  assert.deepEqual([...new Set(ints)].sort(), [3, 4, 5]);
  assert.throws(() => c.pick([]), RangeError);
});

test('VirtualClock: runs events in (time, insertion) order and honours cancel', () => {
  const clock = new VirtualClock();
  const seen: string[] = [];
  clock.schedule(20, () => seen.push('b@20'));
  clock.schedule(10, () => seen.push('a@10'));
  clock.schedule(20, () => seen.push('c@20'));
  const x = clock.schedule(15, () => seen.push('cancelled'));
  clock.schedule(10, () => clock.schedule(12, () => seen.push(`nested@${clock.now}`)));
  clock.cancel(x);
  assert.equal(clock.pending, 4);
  clock.runUntil(19);
  assert.deepEqual(seen, ['a@10', 'nested@12']);
  assert.equal(clock.now, 19);
  clock.runFor(100);
  assert.deepEqual(seen, ['a@10', 'nested@12', 'b@20', 'c@20']);
  assert.equal(clock.now, 119);
  assert.equal(clock.pending, 0);
});

test('VirtualClock: scheduling in the past runs at the current time', () => {
  const clock = new VirtualClock();
  clock.runUntil(50);
  let at = -1;
  clock.schedule(10, () => {
    at = clock.now;
  });
  clock.runUntil(50);
  assert.equal(at, 50);
});

test('VirtualClock: a runaway event loop fails with an error instead of hanging', () => {
  const clock = new VirtualClock();
  const again = (): void => {
    clock.schedule(clock.now, again);
  };
  again();
  assert.throws(() => clock.runUntil(10, 1000), /more than 1000 events/);
});
