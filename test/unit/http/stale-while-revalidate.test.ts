import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StaleWhileRevalidate } from '../../../src/http/stale-while-revalidate.js';

/** A read that resolves only when the test says so. */
function reads() {
  const pending: { resolve: (v: number) => void; reject: (e: Error) => void }[] = [];
  let count = 0;
  return {
    read: () =>
      new Promise<number>((resolve, reject) => {
        count++;
        pending.push({ resolve, reject });
      }),
    resolve: (v: number) => pending.shift()!.resolve(v),
    fail: () => pending.shift()!.reject(new Error('nft failed')),
    get count() {
      return count;
    },
  };
}

test('the first get waits for a read; later ones get the previous read and start the next', async () => {
  let t = 0;
  const r = reads();
  const c = new StaleWhileRevalidate(r.read, 60_000, () => t);
  const first = c.get();
  assert.equal(r.count, 1);
  r.resolve(1);
  assert.equal(await first, 1);
  t = 15_000;
  assert.equal(await c.get(), 1, 'the held value, at once');
  assert.equal(r.count, 2, 'and a new read under way');
  assert.equal(await c.get(), 1);
  assert.equal(r.count, 2, 'one read at a time');
  r.resolve(2);
  await new Promise((done) => setImmediate(done));
  assert.equal(await c.get(), 2);
});

test('a value older than maxAge is not served: the get waits for a fresh read', async () => {
  let t = 0;
  const r = reads();
  const c = new StaleWhileRevalidate(r.read, 60_000, () => t);
  const first = c.get();
  r.resolve(1);
  await first;
  t = 60_001;
  const late = c.get();
  let settled = false;
  void late.then(() => {
    settled = true;
  });
  await new Promise((done) => setImmediate(done));
  assert.equal(settled, false);
  r.resolve(7);
  assert.equal(await late, 7);
});

test('a failed read: the waiting get fails; a background failure keeps the held value', async () => {
  let t = 0;
  const r = reads();
  const c = new StaleWhileRevalidate(r.read, 60_000, () => t);
  const first = c.get();
  r.fail();
  await assert.rejects(first, /nft failed/);
  const second = c.get();
  r.resolve(3);
  assert.equal(await second, 3);
  t = 1000;
  assert.equal(await c.get(), 3);
  r.fail();
  await new Promise((done) => setImmediate(done));
  assert.equal(await c.get(), 3, 'still the held value');
  assert.equal(r.count, 4, 'and a new try');
});

test('freshMs: no new read while the last one is that young; callers meanwhile share one read', async () => {
  let t = 0;
  const r = reads();
  const c = new StaleWhileRevalidate(r.read, 50, () => t, 50);
  const a = c.get();
  const b = c.get();
  assert.equal(r.count, 1, 'one read for both');
  r.resolve(1);
  assert.deepEqual(await Promise.all([a, b]), [1, 1]);
  t = 49;
  assert.equal(await c.get(), 1);
  assert.equal(r.count, 1, 'fresh: no read');
  t = 51;
  const late = c.get();
  assert.equal(r.count, 2, 'older than maxAge: a read, waited for');
  r.resolve(2);
  assert.equal(await late, 2);
});
