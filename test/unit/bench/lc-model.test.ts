import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countFlows } from '../../../bench/lc-conntrack.js';
import {
  fillShares,
  ImbalanceMeter,
  ipvs,
  LittleController,
  leastConnection,
  toSlots,
} from '../../../bench/lc-model.js';

test('toSlots: whole slots summing to the total, largest remainders first', () => {
  assert.deepEqual(toSlots([0.5, 0.5], 1000), [500, 500]);
  assert.deepEqual(toSlots([1, 1, 1], 1000), [334, 333, 333]);
  assert.deepEqual(toSlots([0.2494, 0.7506], 1000), [249, 751]);
  assert.deepEqual(toSlots([3, 1], 1000), [750, 250]);
  assert.deepEqual(toSlots([0, 1], 10), [0, 10]);
  assert.deepEqual(toSlots([0, 0], 10), [5, 5]);
});

test('leastConnection: least overhead/weight, the first of equals (ip_vs_wlc.c)', () => {
  assert.equal(leastConnection([3, 2, 2], [1, 1, 1], true), 1);
  assert.equal(leastConnection([4, 2], [3, 1], true), 0); // 4/3 < 2/1
  assert.equal(leastConnection([4, 2], [3, 1], false), 1);
});

test('ipvs picker: inactive connections weigh 1/256 of an active one, until they expire', () => {
  const p = ipvs([1, 1], true, 120);
  for (let k = 0; k < 300; k++) p.depart?.(0, 0); // 300 inactive on server 0
  assert.equal(p.pick(1, [1, 2]), 1); // 256 + 300 > 512
  assert.equal(p.pick(1, [0, 2]), 0); // 300 < 512
  assert.equal(p.pick(121, [1, 2]), 0); // expired: 256 < 512
  assert.equal(ipvs([1, 1], true).pick(0, [2, 1]), 1);
});

test('fillShares: fills the least loaded first, levelling active/weight', () => {
  assert.deepEqual(
    fillShares([0, 10], [1, 1], 10).map((x) => Math.round(x * 100)),
    [100, 0],
  );
  const s = fillShares([0, 0], [3, 1], 8);
  assert.ok(Math.abs(s[0]! - 0.75) < 1e-6);
});

test('LittleController: shares ∝ weight / mean connection time, once every server has one', () => {
  const c = new LittleController([1, 1]);
  assert.deepEqual(c.shares, [0.5, 0.5]);
  assert.deepEqual(c.update(1, [10, 0], [20, 0]), [0.5, 0.5]); // server 1 unknown yet
  // Server 0: 30 active at 50/s → 0.6 s; server 1: 10 active at 50/s → 0.2 s.
  const c2 = new LittleController([1, 1]);
  const shares = c2.update(1, [60, 20], [100, 100]); // means (0+60)/2/100 = 0.3, (0+20)/2/100 = 0.1
  assert.ok(Math.abs(shares[0]! - 0.25) < 1e-9, String(shares));
  // Smoothed: the next read moves the estimate 30% of the way.
  const next = c2.update(1, [60, 20], [100, 100]); // 0.7·0.3 + 0.3·0.6 = 0.39; 0.7·0.1 + 0.3·0.2 = 0.13
  assert.ok(Math.abs(next[0]! - 0.25) < 1e-9, String(next));
});

test('ImbalanceMeter: time-weighted (max − min of active/w) over mean active/w', () => {
  const m = new ImbalanceMeter([1, 1]);
  m.sample([10, 10], 1);
  assert.equal(m.imbalance, 0);
  m.sample([15, 5], 1); // spread 0 + 10, level 10 + 10
  assert.equal(m.imbalance, 0.5);
  const w = new ImbalanceMeter([2, 1]);
  w.sample([20, 10], 3);
  assert.equal(w.imbalance, 0);
});

test('countFlows: active and new flows per real server from /proc/net/nf_conntrack', () => {
  const line = (state: string, sport: number, rs: string) =>
    `ipv4     2 tcp      6 100 ${state} src=198.51.100.10 dst=198.51.100.100 sport=${sport} dport=80 src=${rs} dst=198.51.100.10 sport=80 dport=${sport} [ASSURED] mark=0 zone=0 use=2`;
  const text = [
    line('ESTABLISHED', 40000, '192.0.2.11'),
    line('ESTABLISHED', 40001, '192.0.2.12'),
    line('TIME_WAIT', 40002, '192.0.2.12'),
    line('ESTABLISHED', 40003, '192.0.2.99'), // not one of ours
    'ipv4     2 udp      17 20 src=198.51.100.10 dst=198.51.100.100 sport=5000 dport=80 src=192.0.2.11 dst=198.51.100.10 sport=80 dport=5000 mark=0 use=1',
    line('ESTABLISHED', 40004, '192.0.2.11').replace('dport=80 src=192', 'dport=81 src=192'),
  ].join('\n');
  const servers = ['192.0.2.11', '192.0.2.12'];
  const first = countFlows(text, '198.51.100.100', 80, servers, new Set());
  assert.deepEqual(first.active, [1, 1]);
  assert.deepEqual(first.arrivals, [1, 2]);
  const again = countFlows(
    `${text}\n${line('SYN_SENT', 40005, '192.0.2.11')}`,
    '198.51.100.100',
    80,
    servers,
    first.seen,
  );
  assert.deepEqual(again.active, [1, 1]);
  assert.deepEqual(again.arrivals, [1, 0]);
});
