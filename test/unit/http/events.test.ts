import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventLog, fromCheckerEvent, fromEngineEvent, sseFrame } from '../../../src/http/events.js';

const clock = () => {
  let t = Date.parse('2026-01-01T00:00:00.000Z');
  return () => (t += 10);
};

test('VRRP transitions and checker changes become stream events; the rest does not', () => {
  assert.deepEqual(
    fromEngineEvent({
      type: 'transition',
      instance: 'VI_1',
      from: 'BACKUP',
      to: 'MASTER',
      priority: 100,
      reason: 'master-down timer expired (no advert from master 192.0.2.1 (prio 150))',
    }),
    {
      kind: 'vrrp-transition',
      instance: 'VI_1',
      from: 'BACKUP',
      to: 'MASTER',
      priority: 100,
      reason: 'master-down timer expired (no advert from master 192.0.2.1 (prio 150))',
    },
  );
  assert.equal(fromEngineEvent({ type: 'log', level: 'info', message: 'x' }), undefined);
  assert.equal(
    fromEngineEvent({ type: 'priority-change', instance: 'VI_1', state: 'MASTER', priority: 90 }),
    undefined,
  );
  assert.deepEqual(
    fromCheckerEvent({ type: 'quorum', vs: '[192.0.2.100]:tcp:80', up: false, reason: 'Lost quorum' }),
    {
      kind: 'quorum',
      virtualServer: '[192.0.2.100]:tcp:80',
      up: false,
      reason: 'Lost quorum',
    },
  );
  assert.equal(fromCheckerEvent({ type: 'fifo', line: 'RS x y UP\n' }), undefined);
});

test('events are numbered and stamped; an SSE frame is id + one data line', () => {
  const log = new EventLog(10, clock());
  const e = log.publish({ kind: 'reload', ok: true, reason: 'SIGHUP: a\nb.conf loaded' });
  assert.equal(e.id, 1);
  assert.equal(e.at, '2026-01-01T00:00:00.010Z');
  const frame = sseFrame(e);
  assert.match(frame, /^id: 1\ndata: \{.*\}\n\n$/);
  assert.equal(frame.split('\n').length, 4, 'a newline in a reason stays escaped inside the JSON');
  assert.deepEqual(JSON.parse(frame.split('\n')[1]!.slice(6)), e);
});

test('the ring keeps the newest events and replays after Last-Event-ID', () => {
  const log = new EventLog(3, clock());
  for (let i = 0; i < 5; i++) log.publish({ kind: 'reload', ok: true, reason: `r${i}` });
  assert.deepEqual(
    log.replay().map((e) => e.id),
    [3, 4, 5],
  );
  assert.deepEqual(
    log.replay('3').map((e) => e.id),
    [4, 5],
  );
  assert.deepEqual(log.replay('5'), []);
  // An id from before a restart (larger than any issued) or garbage: everything there is.
  assert.deepEqual(
    log.replay('99').map((e) => e.id),
    [3, 4, 5],
  );
  assert.deepEqual(
    log.replay('x').map((e) => e.id),
    [3, 4, 5],
  );
});

test('subscribers hear each new event until they unsubscribe', () => {
  const log = new EventLog(10, clock());
  const heard: number[] = [];
  const off = log.subscribe((e) => heard.push(e.id));
  log.publish({ kind: 'reload', ok: true, reason: 'a' });
  assert.equal(log.subscribers, 1);
  off();
  log.publish({ kind: 'reload', ok: false, reason: 'b' });
  assert.deepEqual(heard, [1]);
  assert.equal(log.subscribers, 0);
});
