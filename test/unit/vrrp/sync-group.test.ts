import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VrrpInstance } from '../../../src/vrrp/instance.js';
import { SyncGroup, type SyncGroupOutput } from '../../../src/vrrp/sync-group.js';
import { type InstanceEvent, instanceParams } from '../../../src/vrrp/types.js';

function group(opts: { prioA?: number; prioB?: number } = {}) {
  const a = new VrrpInstance<string>(
    instanceParams<string>({
      name: 'VI_A',
      vrid: 1,
      primaryAddress: '10.0.0.1',
      basePriority: opts.prioA ?? 100,
      initialState: opts.prioA === 255 ? 'MASTER' : 'BACKUP',
    }),
  );
  const b = new VrrpInstance<string>(
    instanceParams<string>({
      name: 'VI_B',
      vrid: 2,
      primaryAddress: '10.0.0.1',
      basePriority: opts.prioB ?? 100,
    }),
  );
  const g = new SyncGroup<string>('G1', [a, b]);
  const start = g.startup(0);
  return { a, b, g, start };
}

const groupNotifies = (out: SyncGroupOutput[]) =>
  out.flatMap((o) => (o.kind === 'group-notify' ? [o.state] : []));
const advertsOf = (out: SyncGroupOutput[], inst: string) =>
  out.flatMap((o) =>
    o.kind === 'instance' && o.instance === inst && o.action.type === 'send-advert'
      ? [o.action.priority]
      : [],
  );

const fault = (on: boolean): InstanceEvent => ({ type: 'tracking', status: { weight: 0, fault: on } });
const expire = (g: SyncGroup<string>, name: string) => {
  const at = g.member(name)!.snapshot().timers['master-down']!;
  return { at, out: g.handle(name, { type: 'timer', kind: 'master-down' }, at) };
};

test('keepalived vrrp_sync_group: startup announces the group BACKUP state once', () => {
  const { g, start } = group();
  assert.equal(g.state, 'BACKUP');
  assert.deepEqual(groupNotifies(start), ['BACKUP']);
});

test('keepalived vrrp_sync_can_goto_master: a member goes MASTER only when all members want MASTER', () => {
  const { a, b, g } = group();
  const first = expire(g, 'VI_A');
  assert.equal(a.currentState, 'BACKUP', 'held back: VI_B still hears its master');
  assert.equal(a.snapshot().wantState, 'MASTER');
  assert.deepEqual(groupNotifies(first.out), []);
  const second = expire(g, 'VI_B');
  assert.equal(b.currentState, 'MASTER');
  assert.equal(a.currentState, 'MASTER', 'VI_A forced to MASTER with VI_B');
  assert.deepEqual(groupNotifies(second.out), ['MASTER'], 'one group notify per group transition');
  assert.deepEqual(advertsOf(second.out, 'VI_A'), [100]);
});

test('keepalived vrrp_sync_backup: one member yielding to a higher master takes the group to BACKUP', () => {
  const { a, b, g } = group();
  expire(g, 'VI_A');
  expire(g, 'VI_B');
  const out = g.handle(
    'VI_A',
    { type: 'advert', advert: { src: '10.0.0.9', priority: 200, adverIntCs: 100, version: 2 } },
    10_000,
  );
  assert.equal(a.currentState, 'BACKUP');
  assert.equal(b.currentState, 'BACKUP');
  assert.equal(g.state, 'BACKUP');
  assert.deepEqual(groupNotifies(out), ['BACKUP']);
});

test('keepalived 2.x sync group FAULT: one member fault takes all to FAULT, masters send priority 0', () => {
  const { a, b, g } = group();
  expire(g, 'VI_A');
  expire(g, 'VI_B');
  const out = g.handle('VI_A', fault(true), 10_000);
  assert.equal(a.currentState, 'FAULT');
  assert.equal(b.currentState, 'FAULT');
  assert.deepEqual(advertsOf(out, 'VI_A'), [0]);
  assert.deepEqual(advertsOf(out, 'VI_B'), [0]);
  assert.deepEqual(groupNotifies(out), ['FAULT']);
  const back = g.handle('VI_A', fault(false), 11_000);
  assert.equal(a.currentState, 'BACKUP');
  assert.equal(b.currentState, 'BACKUP');
  assert.deepEqual(groupNotifies(back), ['BACKUP']);
});

test('sync group stays FAULT while any member still has its own fault', () => {
  const { a, b, g } = group();
  g.handle('VI_A', fault(true), 100);
  g.handle('VI_B', fault(true), 200);
  const out = g.handle('VI_A', fault(false), 300);
  assert.deepEqual([a.currentState, b.currentState, g.state], ['FAULT', 'FAULT', 'FAULT']);
  assert.deepEqual(groupNotifies(out), []);
  g.handle('VI_B', fault(false), 400);
  assert.deepEqual([a.currentState, b.currentState, g.state], ['BACKUP', 'BACKUP', 'BACKUP']);
});

test('sync group with an address owner: the whole group starts MASTER', () => {
  const { a, b, g, start } = group({ prioA: 255 });
  assert.deepEqual([a.currentState, b.currentState, g.state], ['MASTER', 'MASTER', 'MASTER']);
  assert.deepEqual(groupNotifies(start), ['MASTER']);
});
