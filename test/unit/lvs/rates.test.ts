/**
 * `vigil lvs --rate`: rates between two counter reads (nftables), the IPVS driver's own figures
 * matched to the table, and the layout of ipvsadm's --rate listing (ipvsadm.c print_title and
 * print_service_entry: service figures in print_largenum, a real server's CPS/InPPS/OutPPS as
 * ` %8u`, its InBPS/OutBPS in print_largenum).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LvsView } from '../../../src/lvs/driver.js';
import { formatLvs } from '../../../src/lvs/format.js';
import { ipvsFigures, toIpvsService } from '../../../src/lvs/ipvs-driver.js';
import { ratesBetween } from '../../../src/lvs/rates.js';
import { dest, svc, table } from '../../lvs-fixtures.js';

const KEY = 'TCP 192.0.2.100:80';
const RS1 = '198.51.100.2:80';
const RS2 = '198.51.100.3:80';
const t = table(svc('rr', [dest('198.51.100.2'), dest('198.51.100.3')]));

const read = (at: number, conns: number, rs1: number, bytes: number): LvsView => ({
  driver: 'nftables',
  table: t,
  statsAt: at,
  stats: {
    [KEY]: {
      conns,
      inPkts: conns * 5,
      outPkts: conns * 4,
      inBytes: bytes,
      outBytes: bytes * 20,
      dests: {
        [RS1]: { conns: rs1, inPkts: rs1 * 5, outPkts: rs1 * 4, inBytes: bytes / 2, outBytes: bytes * 10 },
        [RS2]: { conns: conns - rs1 },
      },
    },
  },
});

test('rates between two reads: per second, rounded; figures a driver lacks stay absent', () => {
  const r = ratesBetween(read(1_000, 100, 50, 1_000), read(3_000, 2_101, 1_051, 1_000_001_000));
  assert.deepEqual(r?.[KEY], {
    cps: 1001,
    inPps: 5003, // (10505 - 500) / 2
    outPps: 4002,
    inBps: 500_000_000,
    outBps: 10_000_000_000,
    dests: {
      [RS1]: { cps: 501, inPps: 2503, outPps: 2002, inBps: 250_000_000, outBps: 5_000_000_000 },
      [RS2]: { cps: 500 },
    },
  });
});

test('no rates without two timed reads in order; a counter that went down reads 0', () => {
  assert.equal(ratesBetween(read(2_000, 1, 1, 1), read(2_000, 2, 1, 1)), undefined);
  assert.equal(ratesBetween({ driver: 'nftables', table: t }, read(3_000, 2, 1, 1)), undefined);
  // a reload recreated the counters: nothing negative
  assert.equal(ratesBetween(read(1_000, 500, 250, 10), read(2_000, 3, 1, 10))?.[KEY]?.cps, 0);
  // a service new in the second read counts from zero
  const a = read(1_000, 0, 0, 0);
  const fresh = ratesBetween({ ...a, stats: {} }, read(2_000, 7, 3, 100))?.[KEY];
  assert.equal(fresh?.cps, 7);
  assert.equal(fresh?.inBps, 100);
  assert.equal(fresh?.dests['198.51.100.2:80']?.inPps, 15);
});

test('the --rate listing is laid out as ipvsadm -Ln --rate', () => {
  const view: LvsView = {
    driver: 'ipvs',
    table: t,
    rates: {
      [KEY]: {
        cps: 1234,
        inPps: 6170,
        outPps: 4936,
        inBps: 123_456_789,
        outBps: 2_000_000_000,
        dests: {
          [RS1]: { cps: 617, inPps: 3085, outPps: 2468, inBps: 61_728_394, outBps: 1_000_000_000 },
          [RS2]: { cps: 617 },
        },
      },
    },
  };
  assert.deepEqual(formatLvs(view, { rate: true }).split('\n'), [
    'vigil LVS table (driver ipvs)',
    'Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS',
    '  -> RemoteAddress:Port',
    'TCP  192.0.2.100:80                   1234     6170     4936  123456K    2000M',
    '  -> 198.51.100.2:80                   617     3085     2468 61728394    1000M',
    '  -> 198.51.100.3:80                   617        -        -        -        -',
    '',
  ]);
  // no rates at all (a driver without counters): dashes, the layout kept
  assert.equal(
    formatLvs({ driver: 'none', table: t }, { rate: true }).split('\n')[3],
    `TCP  192.0.2.100:80              ${'        -'.repeat(5)}`,
  );
});

test("the IPVS driver's figures: the kernel's counters and estimates, matched by service and real server", () => {
  const stats = (n: number) => ({
    conns: n,
    inPkts: 2 * n,
    outPkts: 3 * n,
    inBytes: 4 * n,
    outBytes: 5 * n,
    cps: n + 1,
    inPps: n + 2,
    outPps: n + 3,
    inBps: n + 4,
    outBps: n + 5,
  });
  const service = toIpvsService(t.services[0]!);
  const kdest = (address: string, n: number) => ({
    family: 'ipv4' as const,
    address,
    port: 80,
    method: 'NAT' as const,
    weight: 1,
    uThreshold: 0,
    lThreshold: 0,
    activeConns: 0,
    inactConns: 0,
    persistConns: 0,
    stats: stats(n),
  });
  const other = { ...service, port: 443 };
  const f = ipvsFigures(t, [
    { service: { ...other, stats: stats(9) }, dests: [], owned: false },
    {
      service: { ...service, stats: stats(10) },
      dests: [kdest('198.51.100.3', 4), kdest('198.51.100.2', 6)],
      owned: true,
    },
  ]);
  assert.deepEqual(f.stats[KEY], {
    conns: 10,
    inPkts: 20,
    outPkts: 30,
    inBytes: 40,
    outBytes: 50,
    dests: {
      [RS1]: { conns: 6, inPkts: 12, outPkts: 18, inBytes: 24, outBytes: 30 },
      [RS2]: { conns: 4, inPkts: 8, outPkts: 12, inBytes: 16, outBytes: 20 },
    },
  });
  assert.deepEqual(f.rates[KEY], {
    cps: 11,
    inPps: 12,
    outPps: 13,
    inBps: 14,
    outBps: 15,
    dests: {
      [RS1]: { cps: 7, inPps: 8, outPps: 9, inBps: 10, outBps: 11 },
      [RS2]: { cps: 5, inPps: 6, outPps: 7, inBps: 8, outBps: 9 },
    },
  });
  // a service the kernel does not have: no figures for it
  assert.deepEqual(ipvsFigures(t, []), { stats: {}, rates: {} });
});
