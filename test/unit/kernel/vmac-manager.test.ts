/** The VMAC edge's decisions against a fake rtnetlink: create, keep, update, replace, refuse, remove. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NetlinkError } from '../../../src/kernel/netlink.js';
import type { LinkInfo, MacvlanRequest } from '../../../src/kernel/netlink-codec.js';
import { VmacManager, type VmacRtnl } from '../../../src/kernel/vmac.js';
import type { VmacSpec } from '../../../src/kernel/vmac-spec.js';
import { VmacSysctls } from '../../../src/kernel/vmac-sysctl.js';
import { memorySysctl } from './memory-sysctl.js';

const link = (ifindex: number, name: string, extra: Partial<LinkInfo> = {}): LinkInfo => ({
  ifindex,
  name,
  flags: 0,
  up: true,
  running: true,
  lowerUp: true,
  operstate: 'up',
  ...extra,
});

/** A kernel with some links; records every request. */
function fakeKernel(initial: LinkInfo[]) {
  const links = new Map(initial.map((l) => [l.ifindex, l]));
  const calls: string[] = [];
  let next = 100;
  const rtnl: VmacRtnl = {
    async listLinks() {
      return [...links.values()];
    },
    async setMacvlan(r: MacvlanRequest) {
      calls.push(
        r.op === 'create' ? `create ${r.name} on #${r.link} ${r.mac}` : `update #${r.ifindex} ${r.mac}`,
      );
      if (r.op === 'create') {
        const ifindex = next++;
        links.set(
          ifindex,
          link(ifindex, r.name, { kind: 'macvlan', macvlanMode: r.mode, link: r.link, hwaddr: r.mac }),
        );
      } else {
        const l = links.get(r.ifindex)!;
        links.set(r.ifindex, { ...l, hwaddr: r.mac, macvlanMode: r.mode });
      }
    },
    async changeLink(r) {
      calls.push(`change #${r.ifindex}${r.up ? ' up' : ''}${r.noIpv6AddrGen ? ' addrgen-none' : ''}`);
    },
    async deleteLink(ifindex) {
      calls.push(`delete #${ifindex}`);
      if (!links.delete(ifindex)) throw new NetlinkError('delete link', 19); // ENODEV
    },
    async addAddress(a) {
      calls.push(`address ${a.address}/${a.prefixLength} on #${a.ifindex}`);
    },
  };
  return { rtnl, links, calls };
}

const SPEC: VmacSpec = {
  name: 'vrrp.51',
  base: 'eth0',
  mac: '00:00:5e:00:01:33',
  mode: 'private',
  ipv4Sysctls: true,
  ipv6: false,
};

function setup(initial: LinkInfo[]) {
  const k = fakeKernel(initial);
  const fs = memorySysctl({ 'net/ipv4/conf/eth0/arp_ignore': 0, 'net/ipv4/conf/eth0/arp_filter': 0 });
  const logs: string[] = [];
  const m = new VmacManager(k.rtnl, new VmacSysctls(fs), (_l, msg) => logs.push(msg));
  return { ...k, fs, logs, m };
}

test('creates the macvlan on its base, sets the sysctls, stops address generation, brings it up', async () => {
  const s = setup([link(2, 'eth0')]);
  await s.m.ensure(SPEC);
  assert.deepEqual(s.calls, [
    'create vrrp.51 on #2 00:00:5e:00:01:33',
    'change #100 addrgen-none',
    'change #100 up',
  ]);
  assert.equal(s.fs.values.get('net/ipv4/conf/vrrp.51/arp_ignore'), 1);
  assert.equal(s.fs.values.get('net/ipv4/conf/eth0/arp_filter'), 1);
  assert.equal(s.fs.values.get('net/ipv6/conf/vrrp.51/disable_ipv6'), 1);
  assert.deepEqual(s.m.names(), ['vrrp.51']);
  // The same spec again changes nothing.
  s.calls.length = 0;
  await s.m.ensure(SPEC);
  assert.deepEqual(s.calls, []);
  // Removed: deleted, and the base's ARP settings put back.
  await s.m.remove('vrrp.51');
  assert.deepEqual(s.calls, ['delete #100']);
  assert.equal(s.fs.values.get('net/ipv4/conf/eth0/arp_filter'), 0);
  assert.deepEqual(s.m.names(), []);
});

test('IPv6: the link-local source goes on the VMAC; IPv6 stays enabled', async () => {
  const s = setup([link(2, 'eth0')]);
  await s.m.ensure({
    ...SPEC,
    mac: '00:00:5e:00:02:33',
    ipv4Sysctls: false,
    ipv6: true,
    linkLocal: 'fe80::1',
  });
  assert.deepEqual(s.calls.at(-1), 'address fe80::1/64 on #100');
  assert.equal(s.fs.values.get('net/ipv6/conf/vrrp.51/disable_ipv6'), 0);
  assert.equal(s.fs.values.get('net/ipv4/conf/vrrp.51/arp_ignore'), undefined);
});

test('a leftover: kept as it is, updated when its MAC or mode is wrong, replaced when on another base', async () => {
  const good = link(7, 'vrrp.51', { kind: 'macvlan', macvlanMode: 'private', link: 2, hwaddr: SPEC.mac });
  const kept = setup([link(2, 'eth0'), good]);
  await kept.m.ensure(SPEC);
  assert.deepEqual(kept.calls, ['change #7 addrgen-none', 'change #7 up']);
  assert.ok(kept.logs.includes('using existing VMAC interface vrrp.51'));

  const wrong = setup([link(2, 'eth0'), { ...good, macvlanMode: 'bridge', hwaddr: '02:00:00:00:00:01' }]);
  await wrong.m.ensure(SPEC);
  assert.equal(wrong.calls[0], 'update #7 00:00:5e:00:01:33');
  assert.equal(wrong.links.get(7)?.macvlanMode, 'private');

  const elsewhere = setup([link(2, 'eth0'), link(3, 'eth1'), { ...good, link: 3 }]);
  await elsewhere.m.ensure(SPEC);
  assert.deepEqual(elsewhere.calls.slice(0, 2), ['delete #7', 'create vrrp.51 on #2 00:00:5e:00:01:33']);
});

test('refuses a name held by another kind of interface, and a missing base', async () => {
  const s = setup([link(2, 'eth0'), link(7, 'vrrp.51', { kind: 'veth' })]);
  await assert.rejects(s.m.ensure(SPEC), /vrrp\.51: an interface of that name exists and is not a macvlan/);
  assert.deepEqual(s.m.names(), []);
  const t = setup([]);
  await assert.rejects(t.m.ensure(SPEC), /base interface eth0 does not exist/);
});

test('recreate after someone deleted it; remove tolerates a VMAC already gone; removeAll empties', async () => {
  const s = setup([link(2, 'eth0')]);
  await s.m.ensure(SPEC);
  s.links.delete(100);
  assert.ok(s.m.owns('vrrp.51'));
  await s.m.recreate('vrrp.51');
  assert.ok([...s.links.values()].some((l) => l.name === 'vrrp.51' && l.ifindex === 101));
  assert.equal(
    s.fs.values.get('net/ipv4/conf/eth0/arp_ignore'),
    1,
    'base settings kept across the recreation',
  );
  s.links.delete(101);
  await s.m.removeAll();
  assert.deepEqual(s.m.names(), []);
  assert.ok(!s.logs.some((l) => l.startsWith('cannot remove')), s.logs.join('\n'));
  assert.equal(s.fs.values.get('net/ipv4/conf/eth0/arp_ignore'), 0);
});
