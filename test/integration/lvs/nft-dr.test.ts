/**
 * DR with the nftables driver, for real in namespaces: the director's netdev ingress hook on its
 * VIP interface forwards each flow, unchanged but for the MAC, to a real server holding the VIP on
 * `lo`; replies go straight to the client. Flows hash per flow (a flow never splits), rr spreads
 * new flows, a quiesced server keeps its established flow, and stop removes the netdev table.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DesiredTable } from '../../../src/check/table.js';
import { NftLvsDriver, resolveDevice } from '../../../src/lvs/nft-driver.js';
import { dest, svc, table } from '../../lvs-fixtures.js';
import type { Lab } from '../daemon/lab.js';
import { e2eSkip, NGINX } from '../e2e/helpers.js';
import { countersIn, createLvsLab, holdConnection, load, nftIn, RS1, RS2 } from './lvs-lab.js';

const skip = e2eSkip(['nft', NGINX]);
const dr = (w1: number, w2: number): DesiredTable =>
  table(svc('rr', [dest(RS1, w1, 80, 'DR'), dest(RS2, w2, 80, 'DR')]));

describe('nftables LVS driver, DR', { skip }, () => {
  let lab: Lab;
  let driver: NftLvsDriver;
  const nft = async (...args: string[]) => (await lab.topo.exec('dir', 'nft', args)).stdout;

  before(async () => {
    lab = await createLvsLab('dr');
    driver = new NftLvsDriver({
      run: nftIn(lab, 'dir'),
      readCounters: () => countersIn(lab, 'dir'),
      resolveDevice: (a) =>
        resolveDevice(a, async (args) =>
          JSON.parse((await lab.topo.exec('dir', 'ip', ['-j', ...args])).stdout || '[]'),
        ),
    });
  });
  after(() => lab?.destroy());

  test('flows reach both real servers directly; each flow stays whole; counters count SYNs', async () => {
    await lab.topo.exec('dir', 'nft', [
      'add table inet probe; add chain inet probe fw { type filter hook forward priority 0; }; add rule inet probe fw ip saddr 192.0.2.100 tcp sport 80 counter',
    ]);
    await driver.apply(dr(1, 1));
    assert.match(await nft('list', 'table', 'netdev', 'vigil_lvs'), /type filter hook ingress device "eth0"/);
    const r = await load(lab, 2000, 8);
    assert.equal(r.failed, 0, JSON.stringify(r));
    console.log(`DR rr (flow hash): ${JSON.stringify(r.counts)}`);
    // a hash of the flow, not a counter: binomial spread (±5% is 4.5 standard deviations)
    assert.ok(Math.abs((r.counts.rs1 ?? 0) / 2000 - 0.5) <= 0.05, JSON.stringify(r.counts));
    const v = await driver.view();
    const st = v.stats?.['TCP 192.0.2.100:80'];
    assert.equal(st?.conns, 2000);
    assert.equal(st?.dests[`${RS1}:80`]?.conns, r.counts.rs1);
    // replies bypass the director: no traffic figures for DR
    assert.equal(st?.inPkts, undefined);
    // replies bypass the director: a probe on its forward path saw none of them
    assert.match(await nft('list', 'chain', 'inet', 'probe', 'fw'), /counter packets 0 bytes 0/);
  });

  test('weight 0: new flows go to the other server, the established flow continues', async () => {
    await driver.apply(dr(1, 1));
    const hold = holdConnection(lab);
    const first = await hold.first();
    const other = first === 'rs1' ? 'rs2' : 'rs1';
    await driver.apply(first === 'rs1' ? dr(0, 1) : dr(1, 0));
    const r = await load(lab, 100, 4);
    assert.deepEqual(r.counts, { [other]: 100 });
    assert.deepEqual(await hold.again(), [first, first], 'the established flow stays');
    hold.close();
  });

  test('stop removes both of vigil tables', async () => {
    await driver.stop();
    const tables = await nft('list', 'tables');
    assert.doesNotMatch(tables, /vigil_lvs/);
    assert.match(tables, /table inet probe/);
  });
});
