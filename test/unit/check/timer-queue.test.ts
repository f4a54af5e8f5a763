/**
 * The checkers' timer queue (pure, with the time given) and the real clock built on it (one node
 * timer for all): order, ties, cancelling, timers queued while others run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { realClock } from '../../../src/check/lifecycle.js';
import { TimerQueue } from '../../../src/check/timer-queue.js';

test('timer queue: runs what is due, earliest first, ties in the order queued', () => {
  const q = new TimerQueue();
  const ran: string[] = [];
  // A pseudo-random order of due times, with ties.
  const dues = [50, 10, 30, 10, 70, 30, 20, 90, 10, 60];
  for (const [i, at] of dues.entries()) q.push(at, () => ran.push(`${at}#${i}`));
  assert.equal(q.size, 10);
  assert.equal(q.nextAt(), 10);
  q.runDue(30);
  assert.deepEqual(ran, ['10#1', '10#3', '10#8', '20#6', '30#2', '30#5']);
  assert.equal(q.nextAt(), 50);
  q.runDue(1000);
  assert.deepEqual(ran.slice(6), ['50#0', '60#9', '70#4', '90#7']);
  assert.equal(q.size, 0);
  assert.equal(q.nextAt(), undefined);
});

test('timer queue: a cancelled timer never runs and no longer counts', () => {
  const q = new TimerQueue();
  const ran: number[] = [];
  const a = q.push(10, () => ran.push(1));
  q.push(20, () => ran.push(2));
  const c = q.push(30, () => ran.push(3));
  q.cancel(a);
  q.cancel(c);
  q.cancel(a); // twice: nothing
  assert.equal(q.size, 1);
  assert.equal(q.nextAt(), 20);
  q.runDue(100);
  assert.deepEqual(ran, [2]);
  q.push(5, () => ran.push(4));
  q.clear();
  q.runDue(100);
  assert.deepEqual(ran, [2]);
  assert.equal(q.nextAt(), undefined);
});

test('timer queue: a timer may queue or cancel others while it runs', () => {
  const q = new TimerQueue();
  const ran: string[] = [];
  let later = 0;
  q.push(10, () => {
    ran.push('a');
    q.push(10, () => ran.push('a-now')); // due already: runs in the same pass
    q.push(40, () => ran.push('a-later'));
    q.cancel(later);
  });
  later = q.push(20, () => ran.push('cancelled'));
  q.runDue(25);
  assert.deepEqual(ran, ['a', 'a-now']);
  q.runDue(40);
  assert.deepEqual(ran, ['a', 'a-now', 'a-later']);
});

test('timer queue: many timers come out sorted', () => {
  const q = new TimerQueue();
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % 1000;
  };
  const out: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const at = rand();
    q.push(at, () => out.push(at));
  }
  q.runDue(500);
  q.runDue(999);
  assert.equal(out.length, 2000);
  for (let i = 1; i < out.length; i++) assert.ok(out[i - 1]! <= out[i]!, `out of order at ${i}`);
});

test('real clock: timers fire in due order on one node timer; cancel and cancelAll hold', async () => {
  const clock = realClock();
  const ran: string[] = [];
  const t0 = clock.now;
  clock.schedule(t0 + 30, () => ran.push('c'));
  clock.schedule(t0 + 10, () => ran.push('a'));
  const b = clock.schedule(t0 + 20, () => ran.push('b'));
  clock.cancel(b);
  clock.schedule(t0 + 15, () => {
    ran.push('d');
    clock.schedule(clock.now + 5, () => ran.push('e'));
  });
  const deadline = Date.now() + 5000;
  while (ran.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(ran, ['a', 'd', 'e', 'c'].slice(0, ran.length));
  assert.equal(ran.length, 4);
  assert.ok(Date.now() - t0 >= 30, 'c ran before it was due');
  // cancelAll: what was pending never fires; a timer queued after it, due later, does.
  const fired: number[] = [];
  clock.schedule(clock.now + 20, () => fired.push(1));
  clock.cancelAll();
  clock.schedule(clock.now + 40, () => fired.push(2));
  const end = Date.now() + 5000;
  while (fired.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(fired, [2]);
});
