import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimLan } from '../../../src/sim/lan.js';
import { Prng } from '../../../src/sim/prng.js';
import { masterDownIntervalMs } from '../../../src/vrrp/timers.js';
import { type InstanceParams, instanceParams } from '../../../src/vrrp/types.js';

function node(id: string, address: string, prio: number, over: Partial<InstanceParams<string>> = {}) {
  return {
    id,
    address,
    instances: [
      instanceParams<string>({
        name: 'VI_1',
        vrid: 51,
        primaryAddress: address,
        basePriority: prio,
        vips: ['10.0.0.100/24'],
        ...over,
      }),
    ],
  };
}

function lan3(seed = 1) {
  const lan = new SimLan({ prng: new Prng(seed) });
  lan.addNode(node('a', '10.0.0.1', 200));
  lan.addNode(node('b', '10.0.0.2', 150));
  lan.addNode(node('c', '10.0.0.3', 100));
  for (const id of lan.nodeIds()) lan.start(id);
  lan.runFor(10_000);
  return lan;
}

const masters = (lan: SimLan) =>
  lan
    .view(51)
    .filter((v) => v.state === 'MASTER')
    .map((v) => v.node);

test('sim: the highest priority node becomes the single master and holds the VIPs', () => {
  const lan = lan3();
  assert.deepEqual(masters(lan), ['a']);
  assert.deepEqual(lan.vipHolders(51), ['a']);
  assert.deepEqual(lan.violations, []);
  // 'a' timed out after its own Master_Down_Interval (v2, prio 200).
  assert.equal(lan.vipLog[0]?.t, masterDownIntervalMs(2, 200, 100));
});

test('sim: crash of the master -> next highest takes over within the master-down interval', () => {
  const lan = lan3();
  const crashAt = lan.now;
  lan.crash('a');
  lan.runFor(10_000);
  assert.deepEqual(masters(lan), ['b']);
  const takeover = lan.vipLog.find((r) => r.node === 'b' && r.held);
  assert.ok(takeover);
  assert.ok(takeover.t - crashAt <= masterDownIntervalMs(2, 150, 100) + 1, `took ${takeover.t - crashAt}`);
  assert.ok(
    lan.vipLog.some((r) => r.node === 'a' && !r.held && r.t === crashAt),
    'crash drops VIPs',
  );
});

test('sim: graceful stop sends priority 0, the backup takes over after Skew_Time', () => {
  const lan = lan3();
  const stopAt = lan.now;
  lan.stop('a');
  assert.ok(lan.adverts.some((r) => r.node === 'a' && r.priority === 0 && r.t === stopAt));
  lan.runFor(5_000);
  const takeover = lan.vipLog.find((r) => r.node === 'b' && r.held);
  assert.ok(takeover && takeover.t - stopAt < 500, 'skew of prio 150 is ~414 ms');
  assert.ok(lan.transitions.some((t) => t.node === 'a' && t.to === 'STOP'));
});

test('sim: restart of the higher node preempts the current master', () => {
  const lan = lan3();
  lan.crash('a');
  lan.runFor(10_000);
  lan.start('a');
  lan.runFor(10_000);
  assert.deepEqual(masters(lan), ['a']);
  assert.deepEqual(lan.violations, []);
});

test('sim: a partition gives one master per side; healing leaves one', () => {
  const lan = lan3();
  lan.partition([['a'], ['b', 'c']]);
  lan.runFor(10_000);
  assert.deepEqual(masters(lan).sort(), ['a', 'b']);
  lan.heal();
  lan.runFor(5_000);
  assert.deepEqual(masters(lan), ['a']);
  assert.deepEqual(lan.violations, []);
});

test('sim: total loss on a link makes both ends master; the link back fixes it', () => {
  const lan = new SimLan({ prng: new Prng(3) });
  lan.addNode(node('a', '10.0.0.1', 100));
  lan.addNode(node('b', '10.0.0.2', 100));
  lan.setLink('a', 'b', { loss: 1 });
  lan.start('a');
  lan.start('b');
  lan.runFor(10_000);
  assert.deepEqual(masters(lan).sort(), ['a', 'b']);
  lan.setLink('a', 'b', { loss: 0 });
  lan.runFor(5_000);
  assert.deepEqual(masters(lan), ['b'], 'equal priority: the higher address wins');
});

test('sim: tracking fault moves the master to FAULT and the backup takes over', () => {
  const lan = lan3();
  lan.setTracking('a', 'VI_1', { weight: 0, fault: true, reason: 'eth0 down' });
  lan.runFor(5_000);
  assert.deepEqual(masters(lan), ['b']);
  assert.equal(lan.instance('a', 'VI_1')?.currentState, 'FAULT');
  lan.setTracking('a', 'VI_1', { weight: 0, fault: false });
  lan.runFor(10_000);
  assert.deepEqual(masters(lan), ['a']);
});

test('sim: sync groups on nodes move their members together', () => {
  const lan = new SimLan({ prng: new Prng(9) });
  const mk = (id: string, address: string, prio: number) => ({
    id,
    address,
    instances: [1, 2].map((vrid) =>
      instanceParams<string>({
        name: `VI_${vrid}`,
        vrid,
        primaryAddress: address,
        basePriority: prio,
        vips: [`v${vrid}`],
      }),
    ),
    syncGroups: { G: ['VI_1', 'VI_2'] },
  });
  lan.addNode(mk('a', '10.0.0.1', 200));
  lan.addNode(mk('b', '10.0.0.2', 100));
  lan.start('a');
  lan.start('b');
  lan.runFor(10_000);
  assert.deepEqual([lan.vipHolders(1), lan.vipHolders(2)], [['a'], ['a']]);
  lan.setTracking('a', 'VI_2', { weight: 0, fault: true });
  lan.runFor(5_000);
  assert.deepEqual([lan.vipHolders(1), lan.vipHolders(2)], [['b'], ['b']]);
  assert.equal(lan.instance('a', 'VI_1')?.currentState, 'FAULT');
  assert.deepEqual(lan.violations, []);
});

test('sim: same seed, same history', () => {
  const run = () => {
    const lan = new SimLan({ prng: new Prng(77), defaultLink: { loss: 0.3, jitterMs: 50 } });
    lan.addNode(node('a', '10.0.0.1', 100));
    lan.addNode(node('b', '10.0.0.2', 100));
    lan.start('a');
    lan.start('b');
    lan.runFor(60_000);
    return JSON.stringify(lan.transitions);
  };
  assert.equal(run(), run());
});

test('sim: IPv6 / VRRPv3 with equal priorities elects the numerically highest address', () => {
  const lan = new SimLan({ prng: new Prng(5) });
  const v6 = (id: string, address: string) => node(id, address, 100, { version: 3, adverIntCs: 50 });
  lan.addNode(v6('a', 'fe80::9'));
  lan.addNode(v6('b', 'fe80::10'));
  lan.addNode(v6('c', 'fe80::a'));
  for (const id of lan.nodeIds()) lan.start(id);
  lan.runFor(5_000);
  assert.deepEqual(masters(lan), ['b'], 'fe80::10 > fe80::a > fe80::9');
  assert.equal(lan.instance('a', 'VI_1')?.snapshot().lastMaster?.address, 'fe80::10');
  assert.equal(lan.instance('b', 'VI_1')?.snapshot().lastMaster?.address, 'fe80::10');
});
