/**
 * The nftables firewall for instances not in accept mode: which instances need it (keepalived
 * 2.2.7's accept rules), the settings, the desired ruleset and the transaction between rulesets.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  desiredTables,
  type FirewalledInstance,
  type FirewallSettings,
  needsFirewall,
  nftTransaction,
  planFirewall,
  renderTable,
} from '../../../src/daemon/firewall.js';
import { NftFirewall } from '../../../src/daemon/nft.js';
import { type InstancePlan, planInstances } from '../../../src/daemon/plan.js';
import { modelOf } from '../../config-model.js';

const inst = (name: string, body: string, vips = '192.0.2.100/24') => `
vrrp_instance ${name} {
  interface eth0
  virtual_router_id ${name.length + 50}
  priority 100
  ${body}
  virtual_ipaddress {
    ${vips}
  }
}
`;

function plan(text: string, valid = true) {
  const model = modelOf(text, { valid });
  const plans = planInstances(model, {
    addresses: (_i, f) => (f === 'ipv4' ? ['192.0.2.11'] : ['fe80::11', '2001:db8::11']),
  });
  return { model, plans, fw: planFirewall(model, plans) };
}

const SETTINGS: FirewallSettings = { table: 'keepalived', priority: -1, counters: false, ifindex: false };

test('accept mode follows keepalived 2.2.7: on by default, off with no_accept or vrrp_strict', () => {
  const needs = (text: string) => plan(text).plans.map(needsFirewall);
  assert.deepEqual(needs(inst('A', '')), [false]);
  assert.deepEqual(needs(inst('A', 'no_accept')), [true]);
  assert.deepEqual(needs(inst('A', 'no_accept\n accept')), [false], 'the last of accept/no_accept wins');
  assert.deepEqual(needs(`global_defs {\n vrrp_strict\n}\n${inst('A', '')}`), [true]);
  assert.deepEqual(needs(inst('A', 'strict_mode on')), [true]);
  // The address owner (priority 255) accepts anyway, and needs no rules even with no_accept.
  assert.deepEqual(needs(inst('A', 'no_accept\n priority 255')), [false]);
  // VRRPv3 strict with accept: accept mode.
  assert.deepEqual(needs(`global_defs {\n vrrp_strict\n}\n${inst('A', 'accept\n version 3')}`), [false]);
});

test('vrrp_strict with accept on VRRPv2 is reset, with keepalived warning', () => {
  // `vigil -t` rejects it (keepalived -t exits 5 too); the plan resets it as keepalived's daemon does.
  const { plans } = plan(`global_defs {\n vrrp_strict\n}\n${inst('A', 'accept')}`, false);
  assert.equal(plans[0]!.accept, false);
  assert.ok(
    plans[0]!.warnings.includes(
      '(A) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting',
    ),
    plans[0]!.warnings.join('\n'),
  );
});

test('settings: nftables [TABLE], nftables_priority/counters/ifindex, vrrp_iptables, and the default', () => {
  assert.deepEqual(plan(`global_defs {\n nftables\n}\n${inst('A', '')}`).fw, {
    settings: SETTINGS,
    notes: [],
  });
  assert.deepEqual(
    plan(
      `global_defs {\n nftables vigil_fw\n nftables_priority -5\n nftables_counters\n nftables_ifindex\n}\n${inst('A', '')}`,
    ).fw.settings,
    { table: 'vigil_fw', priority: -5, counters: true, ifindex: true },
  );
  // Debian's keepalived has no iptables: vrrp_iptables means nftables with the default table.
  // (`-t` reports vrrp_iptables as keepalived 2.2.7 does; the daemon runs with it.)
  assert.equal(
    plan(`global_defs {\n vrrp_iptables\n}\n${inst('A', '')}`, false).fw.settings?.table,
    'keepalived',
  );
  // Nothing configured and every instance in accept mode: no firewall at all.
  assert.deepEqual(plan(inst('A', '')).fw, { settings: null, notes: [] });
  // Nothing configured but an instance needs it: keepalived uses nftables anyway, and says so.
  assert.deepEqual(plan(inst('A', 'no_accept')).fw, {
    settings: SETTINGS,
    notes: ['use_vmac or no_accept/strict specified, but no firewall configured - using nftables'],
  });
});

test('the firewall keywords are implemented: no "not implemented" warning; vrrp_iptables reported as keepalived', async () => {
  const { check, errors, warnings } = await import('../config/model/helpers.js');
  const r = check(
    `global_defs {\n nftables\n nftables_priority 0\n nftables_counters\n nftables_ifindex\n}\n${inst('A', 'no_accept')}`,
  );
  assert.deepEqual(
    warnings(r).filter((d) => d.message.includes('not implemented')),
    [],
  );
  const i = check(`global_defs {\n vrrp_iptables\n}\n${inst('A', '')}`);
  const e = errors(i).find((d) => d.message.startsWith('iptables not supported, using nftables instead'));
  assert.ok(e);
  assert.notEqual(e.stopsDaemon, true, 'the daemon runs with it, as keepalived does');
});

function firewalled(text: string, blocked: boolean[]): FirewalledInstance[] {
  return plan(text)
    .plans.filter(needsFirewall)
    .map((p: InstancePlan, i) => ({ plan: p, blocked: blocked[i] ?? false }));
}

test('IPv4: a set of the blocked VIPs and drop rules on input and output, as keepalived builds them', () => {
  const fi = firewalled(
    inst('A', 'no_accept\n virtual_ipaddress_excluded {\n  192.0.2.150/24\n }') +
      inst('BB', 'no_accept', '192.0.2.101/24') +
      inst('CCC', '', '192.0.2.102/24'),
    [true, false],
  );
  const t = desiredTables(SETTINGS, fi);
  assert.equal(t.length, 1);
  assert.equal(
    renderTable(t[0]!),
    [
      'table ip keepalived {',
      '  set vips { type ipv4_addr; elements = { 192.0.2.100, 192.0.2.150 }; }',
      '  chain out {',
      '    type filter hook output priority -1; policy accept;',
      '    ip saddr @vips drop',
      '  }',
      '  chain in {',
      '    type filter hook input priority -1; policy accept;',
      '    ip daddr @vips drop',
      '  }',
      '}',
    ].join('\n'),
  );
  // Nobody blocked: the same shape with an empty set (counters survive transitions).
  const idle = desiredTables(SETTINGS, firewalled(inst('A', 'no_accept'), [false]));
  assert.deepEqual(idle[0]!.sets[0]!.elements, []);
  // Counters on every rule with nftables_counters.
  const c = renderTable(desiredTables({ ...SETTINGS, counters: true }, fi)[0]!);
  assert.match(c, /ip saddr @vips counter drop/);
  assert.match(c, /ip daddr @vips counter drop/);
});

test('IPv6: neighbour discovery passes, link-local VIPs are matched with their interface', () => {
  const text =
    inst('A', 'no_accept', '2001:db8::100/64\n    fe80::100/64') +
    inst('BB', 'no_accept\n dont_track_primary', '2001:db8::101/64\n    fe80::101/64');
  const t = desiredTables(SETTINGS, firewalled(text, [true, true]));
  assert.deepEqual(
    t.map((x) => `${x.family} ${x.name}`),
    ['ip6 keepalived'],
  );
  const ip6 = t[0]!;
  const set = (n: string) => ip6.sets.find((s) => s.name === n)?.elements;
  assert.deepEqual(set('vips'), ['2001:db8::100', '2001:db8::101']);
  assert.deepEqual(set('neighbor-discovery'), ['nd-neighbor-solicit', 'nd-neighbor-advert']);
  // By index unless dont_track_primary (and the VIP on the instance's interface): then by name.
  assert.deepEqual(set('vips_link_local'), ['fe80::100 . "eth0"']);
  assert.deepEqual(set('vips_link_local_name'), ['fe80::101 . "eth0"']);
  const chain = (n: string) => ip6.chains.find((c) => c.name === n)?.body;
  assert.deepEqual(chain('in'), [
    'type filter hook input priority -1; policy accept;',
    'icmpv6 type @neighbor-discovery accept',
    'ip6 daddr fe80::/10 goto in_link_local',
    'ip6 daddr @vips drop',
  ]);
  assert.deepEqual(chain('out_link_local'), [
    'ip6 saddr . oif @vips_link_local drop',
    'ip6 saddr . oifname @vips_link_local_name drop',
  ]);
  // nftables_ifindex: always by index.
  const byIndex = desiredTables({ ...SETTINGS, ifindex: true }, firewalled(text, [true, true]))[0]!;
  assert.deepEqual(
    byIndex.sets.map((s) => s.name),
    ['vips', 'neighbor-discovery', 'vips_link_local'],
  );
});

test('transactions: create replaces any leftover, a transition only refills sets, stop deletes', () => {
  const text = inst('A', 'no_accept');
  const idle = desiredTables(SETTINGS, firewalled(text, [false]));
  const master = desiredTables(SETTINGS, firewalled(text, [true]));
  const create = nftTransaction([], idle);
  assert.ok(create.startsWith('table ip keepalived {}\ndelete table ip keepalived\ntable ip keepalived {\n'));
  assert.equal(
    nftTransaction(idle, master),
    'flush set ip keepalived vips\nadd element ip keepalived vips { 192.0.2.100 }\n',
  );
  assert.equal(nftTransaction(master, idle), 'flush set ip keepalived vips\n');
  assert.equal(nftTransaction(master, master), '');
  assert.equal(nftTransaction(master, []), 'table ip keepalived {}\ndelete table ip keepalived\n');
  // A new table name (reload): the old table goes in the same transaction as the new one comes.
  const renamed = desiredTables({ ...SETTINGS, table: 'other' }, firewalled(text, [true]));
  const t = nftTransaction(master, renamed);
  assert.ok(t.startsWith('table ip keepalived {}\ndelete table ip keepalived\ntable ip other {}\n'), t);
});

test('NftFirewall: one transaction per change; a failed one leaves the applied state as it was', async () => {
  const scripts: string[] = [];
  let fail = false;
  const fw = new NftFirewall(SETTINGS, async (s) => {
    if (fail) throw new Error('nft exited with 1');
    scripts.push(s);
  });
  const text = inst('A', 'no_accept');
  await fw.apply(firewalled(text, [false]));
  await fw.apply(firewalled(text, [false]));
  assert.equal(scripts.length, 1, 'no change, no transaction');
  fail = true;
  await assert.rejects(fw.apply(firewalled(text, [true])));
  fail = false;
  await fw.apply(firewalled(text, [true]));
  assert.equal(scripts[1], 'flush set ip keepalived vips\nadd element ip keepalived vips { 192.0.2.100 }\n');
  await fw.apply(null);
  assert.equal(scripts[2], 'table ip keepalived {}\ndelete table ip keepalived\n');
  await fw.apply(null);
  assert.equal(scripts.length, 3, 'nothing of ours left: nothing to do');
});
