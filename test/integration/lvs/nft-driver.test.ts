/**
 * The nftables LVS driver for real, as root, in network namespaces: a director (the driver's nft
 * runs there), two nginx real servers on 198.51.100.0/24 routed through the director, and a client
 * on 192.0.2.0/24 reaching the VIP 192.0.2.100. NAT end to end; rr and wrr 3:1 distribution over
 * 2,000 connections; sh and persistence keep a client on one server; weight 0 and removal keep
 * established connections; stop removes vigil's table and leaves a foreign one alone.
 * Everything lives in the lab's namespaces and directory, removed by lab.destroy() in `after`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DesiredTable } from '../../../src/check/table.js';
import { NftLvsDriver } from '../../../src/lvs/nft-driver.js';
import { dest, svc, table } from '../../lvs-fixtures.js';
import type { Lab } from '../daemon/lab.js';
import { e2eSkip, NGINX } from '../e2e/helpers.js';
import { CLIENT2, countersIn, createLvsLab, holdConnection, load, nftIn, RS1, RS2 } from './lvs-lab.js';

const skip = e2eSkip(['nft', NGINX]);

describe('nftables LVS driver in namespaces', { skip }, () => {
  let lab: Lab;
  let driver: NftLvsDriver;
  const applyTimes: number[] = [];

  const nft = async (...args: string[]) => (await lab.topo.exec('dir', 'nft', args)).stdout;
  const apply = async (t: DesiredTable) => {
    await driver.apply(t);
    if (driver.lastApplyMs !== undefined) applyTimes.push(driver.lastApplyMs);
  };
  before(async () => {
    lab = await createLvsLab();
    // A table that is not vigil's, and a stale vigil table a crashed daemon could have left.
    await nft('add', 'table', 'inet', 'foreign');
    await nft('add', 'chain', 'inet', 'foreign', 'c');
    await nft('add', 'rule', 'inet', 'foreign', 'c', 'counter');
    await nft('add', 'table', 'inet', 'vigil_lvs');
    await nft('add', 'chain', 'inet', 'vigil_lvs', 'stale');
    driver = new NftLvsDriver({ run: nftIn(lab, 'dir'), readCounters: () => countersIn(lab, 'dir') });
  });

  after(async () => {
    if (applyTimes.length > 0) {
      const sorted = [...applyTimes].sort((a, b) => a - b);
      console.log(
        `apply() → nft done: n=${sorted.length} median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms`,
      );
    }
    await lab?.destroy();
  });

  test('NAT end to end; the first apply replaces a stale vigil table', async () => {
    await apply(table(svc('rr', [dest(RS1), dest(RS2)])));
    assert.doesNotMatch(await nft('list', 'table', 'inet', 'vigil_lvs'), /chain stale/);
    const r = await load(lab, 20, 2);
    assert.equal(r.failed, 0);
    assert.deepEqual(r.counts, { rs1: 10, rs2: 10 });
    // connections scheduled, per real server, from the named counters
    const v = await driver.view();
    const rs1 = v.stats?.['TCP 192.0.2.100:80']?.dests[`${RS1}:80`];
    assert.equal(rs1?.conns, 10);
    // packets both ways went through the director (NAT): at least SYN, request, FIN per connection
    assert.ok((rs1?.inPkts ?? 0) >= 30 && (rs1?.outPkts ?? 0) >= 30, JSON.stringify(rs1));
    assert.ok((rs1?.outBytes ?? 0) > (rs1?.inBytes ?? 0), JSON.stringify(rs1));
  });

  test('rr and wrr 3:1 over 2,000 connections each, within ±3%', async () => {
    await apply(table(svc('rr', [dest(RS1), dest(RS2)])));
    const rr = await load(lab, 2000, 8);
    assert.equal(rr.failed, 0);
    console.log(`rr: ${JSON.stringify(rr.counts)}`);
    assert.ok(Math.abs((rr.counts.rs1 ?? 0) / 2000 - 0.5) <= 0.03, JSON.stringify(rr.counts));
    await apply(table(svc('wrr', [dest(RS1, 3), dest(RS2, 1)])));
    const wrr = await load(lab, 2000, 8);
    assert.equal(wrr.failed, 0);
    console.log(`wrr 3:1: ${JSON.stringify(wrr.counts)}`);
    assert.ok(Math.abs((wrr.counts.rs1 ?? 0) / 2000 - 0.75) <= 0.03, JSON.stringify(wrr.counts));
  });

  test('sh keeps a client on one server', async () => {
    await apply(table(svc('sh', [dest(RS1), dest(RS2)])));
    for (const a of [lab.topo.host('cli').ipv4, CLIENT2]) {
      const r = await load(lab, 40, 4, [a]);
      assert.equal(r.failed, 0);
      assert.equal(Object.keys(r.counts).length, 1, `${a}: ${JSON.stringify(r.counts)}`);
    }
  });

  test('persistence: a client (and its /24) stays on one server while rr alternates', async () => {
    await apply(
      table(
        svc('rr', [dest(RS1), dest(RS2)], {
          persistenceTimeoutS: 60,
          persistenceGranularity: '255.255.255.0',
        }),
      ),
    );
    const r = await load(lab, 60, 4, [lab.topo.host('cli').ipv4, CLIENT2]);
    assert.equal(r.failed, 0);
    assert.equal(Object.keys(r.counts).length, 1, JSON.stringify(r.counts));
    const sets = await nft('list', 'sets', 'inet');
    assert.match(sets, /elements = \{ 192\.0\.2\.0 (timeout 1m )?expires/);
  });

  test('weight 0: no new connections, the established one continues; removal too', async () => {
    await apply(table(svc('rr', [dest(RS1), dest(RS2)])));
    const hold = holdConnection(lab);
    const first = await hold.first();
    const other = first === 'rs1' ? 'rs2' : 'rs1';
    const addr = (h: string) => (h === 'rs1' ? RS1 : RS2);
    await apply(table(svc('rr', [dest(addr(first), 0), dest(addr(other))])));
    const r = await load(lab, 40, 4);
    assert.deepEqual(r.counts, { [other]: 40 });
    assert.deepEqual(await hold.again(), [first, first], 'the established connection stays');
    // Removed altogether: conntrack still carries the established connection.
    await apply(table(svc('rr', [dest(addr(other))])));
    assert.deepEqual(await hold.again(), [first, first, first], 'after removal');
    hold.close();
  });

  test('the kernel takes every scheduler, IPv6, port 0, fwmark, persistence and DR, and changes between them', async () => {
    const v6 = { family: 'ipv6' as const, address: '2001:db8::100' };
    const many = (w: number) =>
      table(
        ...(['rr', 'wrr', 'sh', 'dh', 'mh', 'fo'] as const).flatMap((sched, i) => [
          svc(sched, [dest(RS1, w), dest(RS2, 2)], {
            key: `TCP 192.0.2.${110 + i}:80`,
            address: `192.0.2.${110 + i}`,
            persistenceTimeoutS: 30 + i,
            persistenceGranularity: '255.255.255.0',
          }),
          svc(sched, [dest('2001:db8:1::2', w, 8080), dest('2001:db8:1::3', 2, 8080)], {
            ...v6,
            key: `UDP [2001:db8::${110 + i}]:53`,
            address: `2001:db8::${110 + i}`,
            protocol: 'UDP',
            port: 53,
            persistenceTimeoutS: 60,
            persistenceGranularity: '64',
          }),
        ]),
        svc('rr', [dest(RS1, 1, 0)], {
          key: 'TCP 192.0.2.120:0',
          address: '192.0.2.120',
          port: 0,
          persistenceTimeoutS: 300,
        }),
        {
          key: 'FWM 7 ipv4',
          vs: 'FWM 7',
          family: 'ipv4',
          fwmark: 7,
          scheduler: 'wrr',
          dests: [dest(RS1, 1, 0), dest(RS2, 3, 0)],
        },
        svc('mh', [dest(RS1, w, 80, 'DR'), dest(RS2, 1, 80, 'DR')], {
          key: 'TCP 192.0.2.121:80',
          address: '192.0.2.121',
        }),
      );
    const devices = new Map([
      ['192.0.2.121', 'eth0'],
      [RS1, 'eth0'],
      [RS2, 'eth0'],
    ]);
    const d = new NftLvsDriver({ run: nftIn(lab, 'dir'), resolveDevice: async (a) => devices.get(a) });
    await d.apply(many(1));
    await d.apply(many(0)); // quiesce, then remove: flush-and-refill transactions on both tables
    await d.apply(table(svc('rr', [dest(RS2)])));
    const tables = await nft('list', 'tables');
    assert.doesNotMatch(tables, /netdev vigil_lvs/);
    assert.match(tables, /inet vigil_lvs/);
    await d.apply(many(3));
    assert.match(
      await nft('list', 'table', 'netdev', 'vigil_lvs'),
      /fwd ip to 198\.51\.100\.2 device "eth0"/,
    );
    assert.match(await nft('list', 'table', 'inet', 'vigil_lvs'), /dnat ip6 to \[2001:db8:1::2\]:8080/);
    await d.stop();
    assert.doesNotMatch(await nft('list', 'tables'), /vigil_lvs/);
  });

  test('stop removes vigil_lvs and leaves the foreign table untouched', async () => {
    await driver.stop();
    const tables = await nft('list', 'tables');
    assert.doesNotMatch(tables, /vigil_lvs/);
    assert.match(tables, /table inet foreign/);
    assert.match(await nft('list', 'chain', 'inet', 'foreign', 'c'), /counter packets/);
  });
});
