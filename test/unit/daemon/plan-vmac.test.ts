/** use_vmac / vmac_xmit_base in the plan: names, MACs, where adverts and VIPs go. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateVmacName, type InstancePlan, planInstances, vmacAddress } from '../../../src/daemon/plan.js';
import type { IpFamily } from '../../../src/net/addr.js';
import { modelOf } from '../../config-model.js';

const HOST = {
  addresses: (ifname: string, family: IpFamily) =>
    ifname !== 'eth0' ? [] : family === 'ipv4' ? ['192.0.2.1'] : ['2001:db8::1', 'fe80::1'],
};

const inst = (name: string, vrid: number, vip: string, extra: string) => `
vrrp_instance ${name} {
  interface eth0
  virtual_router_id ${vrid}
  priority 100
  ${extra}
  virtual_ipaddress {
    ${vip}
  }
}
`;

const plan = (text: string): InstancePlan[] => planInstances(modelOf(text, { valid: true }), HOST);
/** For configs `vigil -t` rejects (as keepalived does) but the plan still copes with. */
const planInvalid = (text: string): InstancePlan[] => planInstances(modelOf(text), HOST);

test('use_vmac (IPv4): vrrp.VRID, 00:00:5e:00:01:VRID, VIPs and adverts on the VMAC, source from the base', () => {
  const [p] = plan(inst('VI_1', 51, '192.0.2.100/24', 'use_vmac'));
  assert.ok(p);
  assert.deepEqual(p.vmac, {
    name: 'vrrp.51',
    base: 'eth0',
    mac: '00:00:5e:00:01:33',
    mode: 'private',
    ipv4Sysctls: true,
    ipv6: false,
  });
  assert.equal(p.interface, 'eth0');
  assert.equal(p.advertInterface, 'vrrp.51');
  assert.equal(p.srcAddress, '192.0.2.1');
  assert.deepEqual(
    p.params.vips.map((v) => v.dev),
    ['vrrp.51'],
  );
});

test('use_vmac NAME and a MAC; a VIP with its own dev stays there; IPv6 VIP on the VMAC keeps IPv6 on', () => {
  const [p] = plan(
    inst(
      'VI_1',
      7,
      '192.0.2.100/24\n    192.0.2.101/24 dev eth1',
      'use_vmac vmac7 02:11:22:33:44:55\n  virtual_ipaddress_excluded {\n    2001:db8::7/64\n  }',
    ),
  );
  assert.ok(p?.vmac);
  assert.equal(p.vmac.name, 'vmac7');
  assert.equal(p.vmac.mac, '02:11:22:33:44:55');
  assert.equal(p.vmac.ipv6, true);
  assert.deepEqual(
    p.params.vips.map((v) => v.dev),
    ['vmac7', 'eth1', 'vmac7'],
  );
});

test('use_vmac (IPv6): 00:00:5e:00:02:VRID, the base link-local goes on the VMAC and sources adverts', () => {
  const [p] = plan(inst('VI_6', 51, '2001:db8::100/64', 'use_vmac'));
  assert.ok(p?.vmac);
  assert.equal(p.vmac.name, 'vrrp.51');
  assert.equal(p.vmac.mac, '00:00:5e:00:02:33');
  assert.equal(p.vmac.ipv6, true);
  assert.equal(p.vmac.ipv4Sysctls, false);
  assert.equal(p.vmac.linkLocal, 'fe80::1');
  assert.equal(p.srcAddress, 'fe80::1');
  assert.equal(p.advertInterface, 'vrrp.51');
});

test('vmac_xmit_base: adverts on the base interface, VIPs still on the VMAC, no link-local on it', () => {
  const [v4] = plan(inst('VI_1', 51, '192.0.2.100/24', 'use_vmac\n  vmac_xmit_base'));
  assert.equal(v4?.advertInterface, 'eth0');
  assert.equal(v4?.params.vips[0]?.dev, 'vrrp.51');
  const [v6] = plan(inst('VI_6', 51, '2001:db8::100/64', 'use_vmac\n  vmac_xmit_base'));
  assert.equal(v6?.advertInterface, 'eth0');
  assert.equal(v6?.vmac?.linkLocal, undefined);
  // Without use_vmac, vmac_xmit_base changes nothing (keepalived resets it; a config error).
  const [plain] = planInvalid(inst('VI_1', 51, '192.0.2.100/24', 'vmac_xmit_base'));
  assert.equal(plain?.vmac, undefined);
  assert.equal(plain?.advertInterface, 'eth0');
  assert.equal(plain?.params.vips[0]?.dev, 'eth0');
});

test('no use_vmac: no VMAC, everything on the interface', () => {
  const [p] = plan(inst('VI_1', 51, '192.0.2.100/24', ''));
  assert.equal(p?.vmac, undefined);
  assert.equal(p?.advertInterface, 'eth0');
});

test('names as keepalived assigns them: the same VRID in both families, clashes, configured names first', () => {
  // D4's name is VI_1's (a config error; keepalived ignores the name).
  const plans = planInvalid(
    inst('A4', 51, '192.0.2.100/24', 'use_vmac') +
      inst('A6', 51, '2001:db8::100/64', 'use_vmac') +
      inst('B4', 52, '192.0.2.101/24', 'use_vmac') +
      // Configured names are claimed before any name is generated: B6 gets vrrp6.52.
      inst('C4', 53, '192.0.2.102/24', 'use_vmac vrrp.52') +
      inst('B6', 52, '2001:db8::101/64', 'use_vmac') +
      inst('D4', 54, '192.0.2.103/24', 'use_vmac vrrp.52'),
  );
  assert.deepEqual(
    plans.map((p) => [p.name, p.vmac?.name]),
    [
      ['A4', 'vrrp.51'],
      ['A6', 'vrrp6.51'],
      ['B4', 'vrrp1.52'],
      ['C4', 'vrrp.52'],
      ['B6', 'vrrp6.52'],
      // A name another instance already uses is ignored (keepalived: "already using").
      ['D4', 'vrrp.54'],
    ],
  );
});

test('generated names: the IPv4 and IPv6 sequences, and the prefix shortened to fit 15 characters', () => {
  const all = (family: IpFamily, n: number) => {
    const taken = new Set<string>();
    for (let i = 0; i < n; i++) taken.add(generateVmacName(200, family, (x) => taken.has(x)));
    return [...taken];
  };
  assert.deepEqual(all('ipv4', 4), ['vrrp.200', 'vrrp1.200', 'vrrp2.200', 'vrrp3.200']);
  assert.deepEqual(all('ipv6', 9), [
    'vrrp.200',
    'vrrp6.200',
    'vrrp1.200',
    'vrrp2.200',
    'vrrp3.200',
    'vrrp4.200',
    'vrrp5.200',
    'vrrp7.200',
    'vrrp8.200',
  ]);
  assert.equal(
    generateVmacName(255, 'ipv4', () => false, 'a-long-prefix'),
    'a-long-pref.255',
  );
  assert.equal(
    generateVmacName(255, 'ipv4', (n) => n === 'a-long-pref.255', 'a-long-prefix'),
    'a-long-pre1.255',
  );
});

test('virtual MACs; a configured five-octet MAC takes the VRID as its sixth', () => {
  assert.equal(vmacAddress(1, 'ipv4'), '00:00:5e:00:01:01');
  assert.equal(vmacAddress(255, 'ipv6'), '00:00:5e:00:02:ff');
  const [p] = plan(inst('VI_1', 51, '192.0.2.100/24', 'use_vmac 02:AA:bb:1:2:'));
  assert.equal(p?.vmac?.mac, '02:aa:bb:01:02:33');
});

test('virtual_routes without a device go out of the VMAC', () => {
  const [p] = plan(
    inst(
      'VI_1',
      51,
      '192.0.2.100/24',
      'use_vmac\n  virtual_routes {\n    198.51.100.0/24 src 192.0.2.100 no_track\n  }',
    ),
  );
  assert.equal(p?.routes[0]?.dev, 'vrrp.51');
});
