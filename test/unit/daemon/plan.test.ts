/**
 * The plan: what the worker runs for each instance, and the daemon's verdict on the config.
 * Pure: the host's addresses are a fake.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { daemonVerdict } from '../../../src/config/daemon-verdict.js';
import { memoryConfigSource } from '../../../src/config/fs-source.js';
import { loadConfigText } from '../../../src/config/load.js';
import { PERMISSIVE_HOST } from '../../../src/config/validate.js';
import {
  noSourceReason,
  type PlanHost,
  planInstances,
  resolveSource,
  withSource,
} from '../../../src/daemon/plan.js';
import { masterDownIntervalMs } from '../../../src/vrrp/timers.js';
import { modelOf } from '../../config-model.js';

const inst = (body: string, global = '') => `
global_defs {
  ${global}
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  ${body}
}
`;
const VIP = 'virtual_ipaddress {\n  192.0.2.100/24\n}';

/** A host whose eth0 has these addresses (and nothing else exists). */
const host = (...eth0: string[]): PlanHost => ({
  addresses: (ifname, family) =>
    ifname === 'eth0' ? eth0.filter((a) => a.includes(':') === (family === 'ipv6')) : [],
  isLocal: (a) => eth0.includes(a),
});

test('no address on the interface: the plan has no source and says why, as keepalived does', () => {
  const [p] = planInstances(modelOf(inst(VIP)), host());
  assert.equal(p!.srcAddress, undefined);
  assert.equal(p!.params.primaryAddress, '0.0.0.0');
  assert.equal(noSourceReason(p!), 'no IPv4 address for interface eth0');
  // Once one appears, it is the source and the tie-break address.
  const src = resolveSource(p!, host('192.0.2.11'));
  assert.equal(src, '192.0.2.11');
  const q = withSource(p!, src);
  assert.equal(q.srcAddress, '192.0.2.11');
  assert.equal(q.params.primaryAddress, '192.0.2.11');
});

test('unicast_src_ip is used only while it is on the host', () => {
  const text = inst(`unicast_src_ip 192.0.2.77\nunicast_peer {\n  192.0.2.2\n}\n${VIP}`);
  const [p] = planInstances(modelOf(text), host('192.0.2.11'));
  assert.equal(p!.srcAddress, undefined);
  assert.equal(noSourceReason(p!), 'src address 192.0.2.77 not configured');
  assert.equal(resolveSource(p!, host('192.0.2.11', '192.0.2.77')), '192.0.2.77');
});

// keepalived 2.2.7 vrrp_parser.c vrrp_srcip_handler: a source of the other family is skipped
// (and clears the one set before); found by drop-in-corpus (unicast_src_ip ff02::1 after an IPv4
// VIP: keepalived MASTER from the interface's own 192.0.2.1).
test("a source address of the other family is skipped: the interface's address is used", () => {
  const [p] = planInstances(modelOf(inst(`${VIP}\nunicast_src_ip ff02::1`)), host('192.0.2.11'));
  assert.equal(p!.configuredSrc, undefined);
  assert.equal(p!.srcAddress, '192.0.2.11');
  const [q] = planInstances(
    modelOf(inst(`${VIP}\nmcast_src_ip 192.0.2.77\nunicast_src_ip 2001:db8::7`)),
    host(),
  );
  assert.equal(q!.configuredSrc, undefined, 'the skipped line clears the one before it');
  const [r] = planInstances(
    modelOf(inst(`${VIP}\nunicast_src_ip 192.0.2.77\nmcast_src_ip 192.0.2.78`)),
    host(),
  );
  assert.equal(r!.configuredSrc, '192.0.2.78', 'the last line read');
});

test('IPv6 multicast adverts come from the link-local address, unicast ones from a global one', () => {
  const six = 'virtual_ipaddress {\n  2001:db8::100/64\n}';
  const h = host('2001:db8::11', 'fe80::1');
  assert.equal(planInstances(modelOf(inst(six)), h)[0]!.srcAddress, 'fe80::1');
  const uni = inst(`unicast_peer {\n  2001:db8::12\n}\n${six}`);
  assert.equal(planInstances(modelOf(uni), h)[0]!.srcAddress, '2001:db8::11');
});

test('down_timer_adverts (instance, then global, then 3) sets the master-down interval', () => {
  const h = host('192.0.2.11');
  const down = (text: string) => planInstances(modelOf(text), h)[0]!.params.downTimerAdverts;
  assert.equal(down(inst(VIP)), 3);
  assert.equal(down(inst(VIP, 'vrrp_down_timer_adverts 5')), 5);
  assert.equal(down(inst(`down_timer_adverts 7\n${VIP}`, 'vrrp_down_timer_adverts 5')), 7);
  // keepalived VRRP_MS_DOWN_TIMER: adverts x interval + skew; RFC 5798 6.1 with 3.
  assert.equal(masterDownIntervalMs(2, 100, 100, 7), 7000 + ((256 - 100) / 256) * 1000);
  assert.equal(masterDownIntervalMs(2, 100, 100), masterDownIntervalMs(2, 100, 100, 3));
});

test('unicast_ttl applies to unicast adverts only; promote_secondaries to IPv4 instances', () => {
  const h = host('192.0.2.11');
  const uni = inst(`unicast_ttl 5\npromote_secondaries\nunicast_peer {\n  192.0.2.2\n}\n${VIP}`);
  const [p] = planInstances(modelOf(uni), h);
  assert.equal(p!.unicastTtl, 5);
  assert.equal(p!.promoteSecondaries, true);
  const [q] = planInstances(modelOf(inst(VIP)), h);
  assert.equal(q!.unicastTtl, 255);
  assert.equal(q!.promoteSecondaries, false);
});

test('authentication is ignored in VRRPv3 and in strict mode, as keepalived does', () => {
  const h = host('192.0.2.11');
  const auth = 'authentication {\n  auth_type PASS\n  auth_pass secret\n}';
  assert.equal(planInstances(modelOf(inst(`${auth}\n${VIP}`)), h)[0]!.authType, 1);
  assert.equal(planInstances(modelOf(inst(`version 3\n${auth}\n${VIP}`)), h)[0]!.authType, 0);
});

test('a virtual route the plan cannot use is left out with a warning; the instance still runs', () => {
  const h = host('192.0.2.11');
  const text = inst(
    `${VIP}\nvirtual_routes {\n  198.51.100.0/24 dev eth0 table bogus\n  198.51.100.0/25 dev eth0\n}`,
  );
  const [p] = planInstances(modelOf(text), h);
  assert.deepEqual(
    p!.routes.map((r) => `${r.route.dst}/${r.route.prefixLength}`),
    ['198.51.100.0/25'],
  );
  assert.ok(
    p!.warnings.some((w) => /virtual_routes: bad table 'bogus'; ignoring it/.test(w)),
    p!.warnings.join('\n'),
  );
});

const verdictOf = (text: string, file = 'k.conf') => {
  const r = loadConfigText(text, file, {
    configId: 'k',
    source: memoryConfigSource({}),
    host: { ...PERMISSIVE_HOST, interfaces: ['eth0', 'lo'] },
  });
  return { r, v: daemonVerdict(r.diagnostics, r.model !== undefined) };
};

test("daemon verdict: config errors keepalived's daemon runs with do not stop vigil", () => {
  for (const text of [
    // A sync group with one member (seed 001).
    `vrrp_sync_group G {\n  group {\n    VI_1\n  }\n}\n${inst(VIP)}`,
    inst('priority 100'), // v2 without VIPs
    inst(`version 3\nauthentication {\n  auth_type PASS\n  auth_pass x\n}\n${VIP}`),
    inst(`foo_bar 1\n${VIP}`),
    inst('virtual_ipaddress {\n  xxx/23\n  192.0.2.100/24\n}'),
    `${inst(VIP)}\nvirtual_server 192.0.2.100 80 {\n  lb_kind nat\n  quorum 100\n  real_server 198.51.100.1 80 {\n    weight\n  }\n}\n`,
  ]) {
    const { r, v } = verdictOf(text);
    assert.notEqual(r.exitCode, 0, `-t finds errors in:\n${text}`);
    assert.equal(v.run, true, `the daemon runs:\n${text}\n${r.diagnostics.map((d) => d.message).join('\n')}`);
  }
});

test('daemon verdict: what stops keepalived (exit 2) stops vigil, naming the line', () => {
  const cases: [string, RegExp][] = [
    [inst(`interface eth9\n${VIP}`), /interface 'eth9'/],
    [inst(`priority\n${VIP}`), /'priority' needs a value/],
    [inst('version 3'), /no virtual_ipaddress/],
    [
      `${inst(VIP)}vrrp_instance VI_2 {\n  interface eth0\n  virtual_router_id 51\n  ${VIP}\n}\n`,
      /both use VRID 51/,
    ],
    [inst(`authentication {\n  auth_type AH\n  auth_pass x\n}\n${VIP}`), /auth_type AH is not supported/],
  ];
  for (const [text, re] of cases) {
    const { v } = verdictOf(text);
    assert.equal(v.run, false, text);
    if (v.run) continue;
    assert.equal(v.exitCode, 2);
    assert.ok(
      v.because.some((d) => re.test(d.message) && d.pos.line > 0),
      v.because.map((d) => d.message).join('\n'),
    );
  }
  // dynamic_interfaces waits for a missing interface instead.
  assert.equal(verdictOf(inst(`interface eth9\n${VIP}`, 'dynamic_interfaces')).v.run, true);
});

test('daemon verdict: a missing config file ends it with keepalived NO_CONFIG (6)', () => {
  const v = daemonVerdict([], false);
  assert.deepEqual(v.run ? 0 : v.exitCode, 6);
});
