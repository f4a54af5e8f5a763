/** keepalived's VMAC sysctls on an in-memory /proc/sys. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SysctlFs } from '../../../src/kernel/sysctl.js';
import { VmacSysctls } from '../../../src/kernel/vmac-sysctl.js';
import { memorySysctl } from './memory-sysctl.js';

const c = (ifname: string, key: string) => `net/ipv4/conf/${ifname}/${key}`;

test('IPv4 VMAC: its own sysctls, the base arp_ignore/arp_filter set once and restored by the last release', () => {
  const fs = memorySysctl({
    [c('all', 'rp_filter')]: 0,
    [c('eth0', 'arp_ignore')]: 0,
    [c('eth0', 'arp_filter')]: 0,
  });
  const s = new VmacSysctls(fs);
  s.configureIpv4('vrrp.51', 'eth0');
  for (const [k, v] of [
    ['arp_ignore', 1],
    ['accept_local', 1],
    ['rp_filter', 0],
    ['promote_secondaries', 1],
  ] as const) {
    assert.equal(fs.values.get(c('vrrp.51', k)), v, k);
  }
  assert.equal(fs.values.get(c('eth0', 'arp_ignore')), 1);
  assert.equal(fs.values.get(c('eth0', 'arp_filter')), 1);
  s.configureIpv4('vrrp.52', 'eth0');
  s.releaseIpv4('eth0');
  assert.equal(fs.values.get(c('eth0', 'arp_ignore')), 1, 'another VMAC still uses eth0');
  s.releaseIpv4('eth0');
  assert.equal(fs.values.get(c('eth0', 'arp_ignore')), 0);
  assert.equal(fs.values.get(c('eth0', 'arp_filter')), 0);
  assert.equal(fs.values.get(c('all', 'rp_filter')), 0, 'all.rp_filter 0 is left alone');
});

test('a base already at arp_ignore=1/arp_filter=1 is not written, nor restored', () => {
  const fs = memorySysctl({ [c('eth0', 'arp_ignore')]: 1, [c('eth0', 'arp_filter')]: 1 });
  const writes: string[] = [];
  const spy: SysctlFs = {
    ...fs,
    write(p, v) {
      writes.push(p);
      return fs.write(p, v);
    },
  };
  const s = new VmacSysctls(spy);
  s.configureIpv4('vrrp.51', 'eth0');
  s.releaseIpv4('eth0');
  assert.ok(!writes.some((w) => w.includes('/eth0/')), writes.join(' '));
});

test('rp_filter: default and every interface raised to all, all cleared; restored on stop where unchanged', () => {
  const fs = memorySysctl({
    [c('all', 'rp_filter')]: 2,
    [c('default', 'rp_filter')]: 0,
    [c('eth0', 'rp_filter')]: 0,
    [c('eth1', 'rp_filter')]: 1,
    [c('eth2', 'rp_filter')]: 2,
    [c('eth0', 'arp_ignore')]: 0,
    [c('eth0', 'arp_filter')]: 0,
  });
  const logs: string[] = [];
  const s = new VmacSysctls(fs, (_l, m) => logs.push(m));
  s.configureIpv4('vrrp.51', 'eth0');
  assert.equal(fs.values.get(c('all', 'rp_filter')), 0);
  assert.equal(fs.values.get(c('default', 'rp_filter')), 2);
  assert.equal(fs.values.get(c('eth0', 'rp_filter')), 2);
  assert.equal(fs.values.get(c('eth1', 'rp_filter')), 2);
  assert.equal(fs.values.get(c('eth2', 'rp_filter')), 2);
  assert.equal(fs.values.get(c('vrrp.51', 'rp_filter')), 0);
  assert.ok(logs.includes('setting sysctl net.ipv4.conf.all.rp_filter from 2 to 0'), logs.join('\n'));
  // A second VMAC does not redo it.
  s.configureIpv4('vrrp.52', 'eth0');
  // Someone changes eth1 meanwhile: it is not put back.
  fs.values.set(c('eth1', 'rp_filter'), 0);
  s.restore();
  assert.equal(fs.values.get(c('all', 'rp_filter')), 2);
  assert.equal(fs.values.get(c('default', 'rp_filter')), 0);
  assert.equal(fs.values.get(c('eth0', 'rp_filter')), 0);
  assert.equal(fs.values.get(c('eth1', 'rp_filter')), 0);
  assert.equal(fs.values.get(c('eth2', 'rp_filter')), 2);
  s.restore(); // idempotent
  assert.equal(fs.values.get(c('all', 'rp_filter')), 2);
});

test('IPv6 on a VMAC: disable_ipv6', () => {
  const fs = memorySysctl({});
  const s = new VmacSysctls(fs);
  s.setIpv6('vrrp.51', false);
  assert.equal(fs.values.get('net/ipv6/conf/vrrp.51/disable_ipv6'), 1);
  s.setIpv6('vrrp.51', true);
  assert.equal(fs.values.get('net/ipv6/conf/vrrp.51/disable_ipv6'), 0);
});

test('a sysctl the kernel refuses is logged as a warning, not thrown', () => {
  const fs = memorySysctl({ [c('eth0', 'arp_ignore')]: 0 });
  const refusing: SysctlFs = { ...fs, write: () => false };
  const logs: string[] = [];
  new VmacSysctls(refusing, (level, m) => logs.push(`${level}: ${m}`)).configureIpv4('vrrp.51', 'eth0');
  assert.ok(
    logs.some((l) => l.startsWith('warning: cannot set sysctl net.ipv4.conf.vrrp.51.arp_ignore')),
    logs.join('\n'),
  );
});
