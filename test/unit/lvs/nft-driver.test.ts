/** The nftables LVS driver with a recording runner: one transaction per change, recovery, stop, view. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DesiredTable } from '../../../src/check/table.js';
import { NftLvsDriver } from '../../../src/lvs/nft-driver.js';
import { dest, svc, table } from '../../lvs-fixtures.js';

const tableOf = (weights: number[], scheduler: 'rr' | 'wlc' = 'rr'): DesiredTable =>
  table(
    svc(
      scheduler,
      weights.map((w, i) => dest(`198.51.100.${i + 2}`, w)),
    ),
  );

test('one transaction per change; a failed one makes the next replace the table whole', async () => {
  const scripts: string[] = [];
  let fail = false;
  const logs: string[] = [];
  const d = new NftLvsDriver({
    run: async (s) => {
      scripts.push(s);
      if (fail) throw new Error('nft exited with 1: boom');
    },
    log: (level, m) => logs.push(`${level} ${m}`),
  });
  await d.apply(tableOf([1, 1]));
  assert.equal(scripts.length, 1);
  // the first transaction clears whatever is left in both of vigil's tables
  assert.match(
    scripts[0]!,
    /^table netdev vigil_lvs \{\}\ndelete table netdev vigil_lvs\ntable inet vigil_lvs \{\}\ndelete table inet vigil_lvs\n/,
  );
  assert.match(
    logs[0]!,
    /^debug LVS table applied with nftables in \d+\.\d ms \(1 services, 2 real servers\)/,
  );
  await d.apply(tableOf([1, 1])); // nothing changed: no transaction
  assert.equal(scripts.length, 1);
  await d.apply(tableOf([1, 0]));
  assert.match(scripts[1]!, /^flush table inet vigil_lvs\n/);
  fail = true;
  await assert.rejects(d.apply(tableOf([1])), /boom/);
  fail = false;
  await d.apply(tableOf([1]));
  assert.match(
    scripts[3]!,
    /^table netdev vigil_lvs \{\}\ndelete table netdev vigil_lvs\ntable inet vigil_lvs \{\}\n/,
  );
  await d.stop();
  assert.equal(
    scripts[4],
    'table inet vigil_lvs {}\ndelete table inet vigil_lvs\ntable netdev vigil_lvs {}\ndelete table netdev vigil_lvs\n',
  );
});

test('a service nftables cannot hold is left out and named, once; the others are applied', async () => {
  const scripts: string[] = [];
  const logs: string[] = [];
  const d = new NftLvsDriver({
    run: async (s) => void scripts.push(s),
    log: (level, m) => logs.push(`${level} ${m}`),
  });
  const wlc = svc('wlc', [dest('198.51.100.2')], {
    key: 'TCP 192.0.2.101:80',
    vs: '[192.0.2.101]:tcp:80',
    address: '192.0.2.101',
  });
  const rr = svc('rr', [dest('198.51.100.3')]);
  await d.apply(table(rr, wlc));
  await d.apply(table(rr, { ...wlc, dests: [dest('198.51.100.2'), dest('198.51.100.4')] }));
  const errors = logs.filter((l) => l.startsWith('error'));
  assert.equal(errors.length, 1, logs.join('\n'));
  assert.match(
    errors[0]!,
    /^error LVS \(nftables driver\): virtual server \[192\.0\.2\.101\]:tcp:80: scheduler wlc is not supported.*IPVS driver.*; not written to the kernel: 1 of 2 services \(the others are\)$/,
  );
  assert.equal(scripts.length, 1, 'the rr service once; the wlc one never');
  assert.match(scripts[0]!, /192\.0\.2\.100/);
  assert.doesNotMatch(scripts[0]!, /192\.0\.2\.101|198\.51\.100\.2/);
  assert.deepEqual(
    (await d.view()).table.services.map((s) => s.key),
    ['TCP 192.0.2.100:80'],
    'vigil lvs shows what the kernel holds',
  );
  // Nothing refused any more: said by the absence of the error; a new refusal is said again.
  await d.apply(table(rr));
  await d.apply(table(rr, wlc));
  assert.equal(logs.filter((l) => l.startsWith('error')).length, 2);
});

test('view: the applied table with per-service and per-server connection counters', async () => {
  const d = new NftLvsDriver({
    run: async () => {},
    readCounters: async () =>
      new Map(
        Object.entries({
          svc_tcp_192_0_2_100_80: [10, 600],
          rs_tcp_192_0_2_100_80__198_51_100_2_80: [7, 420],
          rs_tcp_192_0_2_100_80__198_51_100_3_80: [3, 180],
          in_tcp_192_0_2_100_80__198_51_100_2_80: [50, 5000],
          out_tcp_192_0_2_100_80__198_51_100_2_80: [40, 40000],
          in_tcp_192_0_2_100_80__198_51_100_3_80: [20, 2000],
          out_tcp_192_0_2_100_80__198_51_100_3_80: [15, 15000],
        }).map(([k, [packets, bytes]]) => [k, { packets: packets!, bytes: bytes! }]),
      ),
  });
  await d.apply(tableOf([3, 1]));
  const v = await d.view();
  assert.equal(v.driver, 'nftables');
  assert.deepEqual(v.stats, {
    'TCP 192.0.2.100:80': {
      conns: 10,
      inPkts: 70,
      outPkts: 55,
      inBytes: 7000,
      outBytes: 55000,
      dests: {
        '198.51.100.2:80': { conns: 7, inPkts: 50, outPkts: 40, inBytes: 5000, outBytes: 40000 },
        '198.51.100.3:80': { conns: 3, inPkts: 20, outPkts: 15, inBytes: 2000, outBytes: 15000 },
      },
    },
  });
});

test('the first apply adopts the tables a crashed daemon left: rules replaced, sets and counters kept', async () => {
  const persistent = table(
    svc('rr', [dest('198.51.100.2'), dest('198.51.100.3')], { persistenceTimeoutS: 60 }),
  );
  // What the previous daemon's transaction left, as `nft -j list table inet vigil_lvs` shows it,
  // plus a chain and a set it no longer wants and a set whose declaration changed.
  const sets = [
    ['aff_tcp_192_0_2_100_80__198_51_100_2_80', 60],
    ['aff_tcp_192_0_2_100_80__198_51_100_3_80', 30],
    ['aff_gone', 60],
  ] as const;
  const left = {
    nftables: [
      { metainfo: { version: '1.0.6' } },
      { table: { family: 'inet', name: 'vigil_lvs', handle: 1 } },
      {
        counter: {
          family: 'inet',
          name: 'svc_tcp_192_0_2_100_80',
          table: 'vigil_lvs',
          packets: 9,
          bytes: 540,
        },
      },
      ...sets.map(([name, timeout]) => ({
        set: { family: 'inet', name, table: 'vigil_lvs', type: 'ipv4_addr', flags: ['timeout'], timeout },
      })),
      { chain: { family: 'inet', table: 'vigil_lvs', name: 'prerouting', type: 'nat', hook: 'prerouting' } },
      { chain: { family: 'inet', table: 'vigil_lvs', name: 'svc_old', handle: 7 } },
    ],
  };
  const scripts: string[] = [];
  const logs: string[] = [];
  const d = new NftLvsDriver({
    run: async (s) => {
      scripts.push(s);
    },
    readTable: async (family) => (family === 'inet' ? left : undefined),
    log: (level, m) => logs.push(`${level} ${m}`),
  });
  await d.apply(persistent);
  const [script] = scripts;
  // the table is never deleted: its rules are flushed and refilled in the same transaction
  assert.match(script!, /^flush table inet vigil_lvs\n/);
  assert.doesNotMatch(script!, /delete table inet/);
  assert.match(script!, /\ndelete chain inet vigil_lvs svc_old\n/);
  assert.match(script!, /\ndelete set inet vigil_lvs aff_gone\n/);
  assert.match(
    script!,
    /\ndelete set inet vigil_lvs aff_tcp_192_0_2_100_80__198_51_100_3_80\n/,
    'timeout changed',
  );
  assert.doesNotMatch(script!, /delete set inet vigil_lvs aff_tcp_192_0_2_100_80__198_51_100_2_80\n/);
  assert.doesNotMatch(script!, /delete counter/);
  assert.match(
    logs.join('\n'),
    /info LVS: adopting the nftables table inet vigil_lvs left by a previous run/,
  );

  // adoption is tried once; a failed adopting transaction falls back to replacing the tables whole
  scripts.length = 0;
  let failures = 1;
  const e = new NftLvsDriver({
    run: async (s) => {
      scripts.push(s);
      if (failures-- > 0) throw new Error('nft exited with 1: set exists');
    },
    readTable: async (family) => (family === 'inet' ? left : undefined),
    log: (level, m) => logs.push(`${level} ${m}`),
  });
  await e.apply(persistent);
  assert.equal(scripts.length, 2);
  assert.match(
    scripts[1]!,
    /^table netdev vigil_lvs \{\}\ndelete table netdev vigil_lvs\ntable inet vigil_lvs \{\}\ndelete table inet vigil_lvs\n/,
  );
  assert.match(
    logs.join('\n'),
    /warning LVS: adopting the tables left in the kernel failed .*set exists.*; replacing them/,
  );
});

test('lvs_flush (adopt: false): nothing is read, the first transaction replaces the tables whole', async () => {
  const scripts: string[] = [];
  let reads = 0;
  const d = new NftLvsDriver({
    run: async (s) => {
      scripts.push(s);
    },
    readTable: async () => {
      reads++;
      return undefined;
    },
    adopt: false,
  });
  await d.apply(tableOf([1, 1]));
  assert.equal(reads, 0);
  assert.match(
    scripts[0]!,
    /^table netdev vigil_lvs \{\}\ndelete table netdev vigil_lvs\ntable inet vigil_lvs \{\}\ndelete table inet vigil_lvs\n/,
  );
});
