import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RT_SCOPE_LINK } from '../../../src/kernel/constants.js';
import { type Agent, startAgent } from '../harness/agent.js';
import { createTopology, type Topology, waitFor } from '../harness/topology.js';
import { AGENT, kernelSkip } from './paths.js';

interface IpJsonAddr {
  family: string;
  local: string;
  prefixlen: number;
  broadcast?: string;
  scope: string;
  label?: string;
}

const skip = kernelSkip();

describe('rtnetlink client in a namespace', { skip }, () => {
  let topo: Topology;
  let agent: Agent;
  let ifindex: number;

  before(async () => {
    topo = await createTopology({ hosts: ['a'] });
    agent = await startAgent(topo, 'a', AGENT);
    ifindex = await agent.call<number>('ifindex', { ifname: 'eth0' });
  });
  after(() => topo?.destroy());

  const addrs = async (family: '-4' | '-6' = '-4'): Promise<IpJsonAddr[]> => {
    const r = await topo.exec('a', 'ip', ['-j', family, 'addr', 'show', 'dev', 'eth0']);
    return (JSON.parse(r.stdout) as { addr_info: IpJsonAddr[] }[])[0]!.addr_info;
  };

  test('adds a VIP with label, broadcast, scope and prefix; ip -j addr sees it; deletes it', async () => {
    const vip = {
      family: 'ipv4',
      ifindex,
      address: '192.0.2.100',
      // Not /24: since Linux 6.x a secondary address must share the scope of the primary of its subnet.
      prefixLength: 25,
      broadcast: '192.0.2.127',
      label: 'eth0:vip',
      scope: RT_SCOPE_LINK,
    };
    await agent.call('addAddress', vip);
    const added = (await addrs()).find((a) => a.local === '192.0.2.100');
    assert.ok(added, 'VIP present after add');
    assert.equal(added.prefixlen, 25);
    assert.equal(added.broadcast, '192.0.2.127');
    assert.equal(added.scope, 'link');
    assert.equal(added.label, 'eth0:vip');

    const listed = await agent.call<{ address: string; label?: string }[]>('listAddresses', {
      family: 'ipv4',
    });
    assert.ok(listed.some((a) => a.address === '192.0.2.100' && a.label === 'eth0:vip'));

    await agent.call('deleteAddress', vip);
    assert.equal(
      (await addrs()).find((a) => a.local === '192.0.2.100'),
      undefined,
    );
  });

  test('errors carry the errno name: EEXIST on a duplicate add, EADDRNOTAVAIL on a missing delete', async () => {
    const vip = { family: 'ipv4', ifindex, address: '192.0.2.101', prefixLength: 32 };
    await agent.call('addAddress', vip);
    await assert.rejects(agent.call('addAddress', vip), { code: 'EEXIST' });
    await agent.call('deleteAddress', vip);
    await assert.rejects(agent.call('deleteAddress', vip), { code: 'EADDRNOTAVAIL' });
    await assert.rejects(agent.call('addAddress', { ...vip, ifindex: 999999 }), { code: 'ENODEV' });
  });

  test('adds and deletes an IPv6 VIP', async () => {
    const vip = { family: 'ipv6', ifindex, address: '2001:db8::100', prefixLength: 64, flags: 0x02 };
    await agent.call('addAddress', vip);
    assert.ok((await addrs('-6')).some((a) => a.local === '2001:db8::100' && a.prefixlen === 64));
    await agent.call('deleteAddress', vip);
    assert.ok(!(await addrs('-6')).some((a) => a.local === '2001:db8::100'));
  });

  test('adds and deletes a virtual route (gateway, metric, table, src)', async () => {
    const route = {
      family: 'ipv4',
      dst: '198.51.100.0',
      prefixLength: 24,
      gateway: '192.0.2.1',
      oif: ifindex,
      metric: 42,
      src: '192.0.2.11',
    };
    await agent.call('addRoute', route);
    let r = await topo.exec('a', 'ip', ['-j', 'route', 'show', '198.51.100.0/24']);
    const shown = JSON.parse(r.stdout) as {
      dst: string;
      gateway: string;
      dev: string;
      metric: number;
      prefsrc: string;
    }[];
    assert.equal(shown.length, 1);
    assert.deepEqual(
      { dst: shown[0]!.dst, gateway: shown[0]!.gateway, dev: shown[0]!.dev, metric: shown[0]!.metric },
      { dst: '198.51.100.0/24', gateway: '192.0.2.1', dev: 'eth0', metric: 42 },
    );
    assert.equal(shown[0]!.prefsrc, '192.0.2.11');
    await assert.rejects(agent.call('addRoute', route), { code: 'EEXIST' });
    await agent.call('deleteRoute', route);
    r = await topo.exec('a', 'ip', ['-j', 'route', 'show', '198.51.100.0/24']);
    assert.deepEqual(JSON.parse(r.stdout), []);
    await assert.rejects(agent.call('deleteRoute', route), { code: 'ESRCH' });

    const inTable = { family: 'ipv4', dst: '198.51.100.128', prefixLength: 25, oif: ifindex, table: 1000 };
    await agent.call('addRoute', inTable);
    r = await topo.exec('a', 'ip', ['-j', 'route', 'show', 'table', '1000']);
    const t = JSON.parse(r.stdout) as { dst: string; scope: string }[];
    assert.deepEqual(
      t.map((x) => [x.dst, x.scope]),
      [['198.51.100.128/25', 'link']],
    );
    await agent.call('deleteRoute', inTable);
  });

  test('lists links with their state', async () => {
    const links =
      await agent.call<{ name: string; up: boolean; running: boolean; operstate: string }[]>('listLinks');
    const eth0 = links.find((l) => l.name === 'eth0');
    assert.ok(eth0);
    assert.equal(eth0.up, true);
    assert.equal(eth0.running, true);
    assert.equal(eth0.operstate, 'up');
    assert.ok(links.some((l) => l.name === 'lo'));
  });

  test('a dump larger than one datagram is reassembled from its multi-part replies', async () => {
    // 400 addresses make the kernel split the RTM_GETADDR dump over several reads.
    const lines = Array.from(
      { length: 400 },
      (_, i) => `addr add 10.${1 + (i >> 8)}.${i & 255}.1/32 dev eth0`,
    );
    const dir = mkdtempSync(join(tmpdir(), 'vigil-batch-'));
    try {
      writeFileSync(join(dir, 'batch'), `${lines.join('\n')}\n`);
      await topo.exec('a', 'ip', ['-batch', join(dir, 'batch')]);
      const listed = await agent.call<{ address: string }[]>('listAddresses', { family: 'ipv4' });
      const ours = listed.filter((a) => a.address.startsWith('10.'));
      assert.equal(ours.length, 400);
      assert.equal(new Set(ours.map((a) => a.address)).size, 400);
    } finally {
      const del = lines.map((l) => l.replace('addr add', 'addr del'));
      writeFileSync(join(dir, 'batch'), `${del.join('\n')}\n`);
      await topo.exec('a', 'ip', ['-batch', join(dir, 'batch')], { allowFail: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the link watcher sees ip link set down, then up', async () => {
    const names = await agent.call<string[]>('watchLinks');
    assert.ok(names.includes('eth0'));
    const from = agent.events.length;
    await topo.exec('a', 'ip', ['link', 'set', 'eth0', 'down']);
    await agent.waitForEvent((e) => e.event === 'link' && e.kind === 'down' && e.name === 'eth0', { from });
    await topo.exec('a', 'ip', ['link', 'set', 'eth0', 'up']);
    await agent.waitForEvent((e) => e.event === 'link' && e.kind === 'up' && e.name === 'eth0', { from });
    // Links that come and go are reported as added/removed.
    await topo.exec('a', 'ip', ['link', 'add', 'tmp0', 'type', 'veth', 'peer', 'name', 'tmp1']);
    await agent.waitForEvent((e) => e.event === 'link' && e.kind === 'added' && e.name === 'tmp0', { from });
    await topo.exec('a', 'ip', ['link', 'del', 'tmp0']);
    await agent.waitForEvent((e) => e.event === 'link' && e.kind === 'removed' && e.name === 'tmp0', {
      from,
    });
    // Address events arrive on the same subscription.
    const vip = { family: 'ipv4', ifindex, address: '192.0.2.102', prefixLength: 32 };
    await agent.call('addAddress', vip);
    await agent.waitForEvent(
      (e) => e.event === 'address' && e.kind === 'new' && e.address === '192.0.2.102',
      {
        from,
      },
    );
    await agent.call('deleteAddress', vip);
    await agent.waitForEvent(
      (e) => e.event === 'address' && e.kind === 'del' && e.address === '192.0.2.102',
      {
        from,
      },
    );
  });

  test('the link watcher recovers from lost events (ENOBUFS) by re-reading the links', async () => {
    // A second helper whose watcher has a tiny buffer, then a burst while its event loop is blocked.
    const w = await startAgent(topo, 'a', AGENT);
    await w.call('watchLinks', { receiveBuffer: 1 });
    const from = w.events.length;
    const blocked = w.call('block', { ms: 600 });
    const dir = mkdtempSync(join(tmpdir(), 'vigil-burst-'));
    try {
      const burst = Array.from({ length: 200 }, (_, i) => `addr add 10.9.${i}.1/32 dev eth0`);
      writeFileSync(join(dir, 'batch'), `${[...burst, 'link set eth0 down'].join('\n')}\n`);
      await topo.exec('a', 'ip', ['-batch', join(dir, 'batch')]);
      await blocked;
      await w.waitForEvent((e) => e.event === 'resync', { from });
      await w.waitForEvent((e) => e.event === 'link' && e.kind === 'down' && e.name === 'eth0', { from });
    } finally {
      writeFileSync(
        join(dir, 'batch'),
        `${['link set eth0 up', ...Array.from({ length: 200 }, (_, i) => `addr del 10.9.${i}.1/32 dev eth0`)].join('\n')}\n`,
      );
      await topo.exec('a', 'ip', ['-batch', join(dir, 'batch')], { allowFail: true });
      rmSync(dir, { recursive: true, force: true });
    }
    await w.waitForEvent((e) => e.event === 'link' && e.kind === 'up' && e.name === 'eth0', { from });
  });

  test('add+delete latency is small (reported)', async () => {
    const vip = { family: 'ipv4', ifindex, address: '192.0.2.103', prefixLength: 32 };
    const samples = await agent.call<number[]>('latency', { address: vip, n: 50 });
    const sorted = [...samples].sort((x, y) => x - y);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const p95 = sorted[Math.floor(sorted.length * 0.95)]!;
    process.stdout.write(
      `# netlink add+delete latency: median ${median.toFixed(3)} ms, p95 ${p95.toFixed(3)} ms\n`,
    );
    assert.equal(samples.length, 50);
    assert.ok(median < 50, `median ${median} ms`);
    await waitFor(async () => !(await addrs()).some((a) => a.local === '192.0.2.103'));
  });
});
