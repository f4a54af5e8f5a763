import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExitCode } from '../../../../src/config/diagnostics.js';
import { check, errors, instance, show, warnings } from './helpers.js';

/** Asserts the config fails with exit 5 and an error whose message matches `re`. */
function rejects(text: string, re: RegExp, host = {}): void {
  const r = check(text, host);
  assert.ok(
    errors(r).some((d) => re.test(d.message)),
    `expected an error matching ${re}, got:\n${show(r)}`,
  );
  assert.equal(r.exitCode, ExitCode.CONFIG, show(r));
}
function accepts(text: string, host = {}): void {
  const r = check(text, host);
  assert.equal(errors(r).length, 0, show(r));
  assert.equal(r.exitCode, ExitCode.OK);
}

test('a minimal valid instance passes', () => accepts(instance('priority 100')));

test('virtual_router_id must be 1..255 and present', () => {
  rejects(
    instance().replace('virtual_router_id 51', 'virtual_router_id 0'),
    /virtual_router_id: number '0' is outside the range 1\.\.255/,
  );
  rejects(instance().replace('virtual_router_id 51', 'virtual_router_id 256'), /outside the range 1\.\.255/);
  rejects(instance().replace('virtual_router_id 51', ''), /virtual_router_id must be set/);
});

test('priority must be 1..255', () => {
  rejects(instance('priority 0'), /priority: number '0' is outside the range 1\.\.255/);
  rejects(instance('priority 256'), /outside the range 1\.\.255/);
  accepts(instance('priority 255'));
});

test('advert_int: v2 whole seconds, v3 below 40.96s, 0 invalid', () => {
  rejects(instance('advert_int 0.5'), /VRRPv2 advert_int must be a whole number of seconds/);
  accepts(instance('version 3\nadvert_int 0.5'));
  rejects(instance('version 3\nadvert_int 41'), /must be less than 40\.96s/);
  rejects(instance('advert_int 0'), /advert_int: number '0' is outside the range 0\.01\.\.255/);
  rejects(instance('advert_int 256'), /outside the range/);
});

test('vrrp_garp_interval 0 is invalid in 2.2.7 and the message gives the valid range', () => {
  const r = check(`global_defs {\n vrrp_garp_interval 0\n vrrp_gna_interval 0.5\n}\n${instance()}`);
  const e = errors(r);
  assert.equal(e.length, 1, show(r));
  assert.match(
    e[0]!.message,
    /vrrp_garp_interval '0' is invalid \(out of range\): valid range is 0\.000001\.\.4294\.967295 seconds/,
  );
  assert.deepEqual([e[0]!.pos.line, e[0]!.pos.column], [2, 21]);
  assert.equal(r.model!.globalDefs.vrrpGnaIntervalUs, 500000);
});

test('nopreempt and preempt_delay are incompatible with state MASTER (keepalived -t exits 5)', () => {
  rejects(
    instance('state MASTER\npriority 100\nnopreempt'),
    /nopreempt will not work with initial state MASTER/,
  );
  rejects(instance('state MASTER\nnopreempt'), /nopreempt is incompatible with priority 255/);
  rejects(
    instance('state MASTER\npriority 100\npreempt_delay 10'),
    /preempt_delay will not work with initial state MASTER/,
  );
  accepts(instance('state BACKUP\nnopreempt\npreempt_delay 300'));
  rejects(instance('preempt_delay 1001'), /preempt_delay: number '1001' is outside the range 0\.\.1000/);
});

test('vrrp_strict: no authentication, MASTER must be the address owner; unicast is allowed in 2.2.7', () => {
  const strict = 'global_defs {\n vrrp_strict\n}\n';
  rejects(
    strict + instance('authentication {\n auth_type PASS\n auth_pass 1111\n}'),
    /vrrp_strict does not allow authentication/,
  );
  rejects(strict + instance('state MASTER\npriority 100'), /vrrp_strict: state MASTER requires priority 255/);
  accepts(strict + instance('state MASTER\npriority 255'));
  accepts(strict + instance('unicast_peer {\n 192.0.2.9\n}'));
  accepts(instance('strict_mode off\nauthentication {\n auth_type PASS\n auth_pass 1111\n}'));
});

test('authentication: auth_pass longer than 8, AH with MASTER, auth with VRRPv3', () => {
  rejects(
    instance('authentication {\n auth_type PASS\n auth_pass 123456789\n}'),
    /auth_pass is longer than 8 characters/,
  );
  rejects(instance('state MASTER\nauthentication {\n auth_type AH\n auth_pass 1\n}'), /incompatible with AH/);
  rejects(
    instance('version 3\nauthentication {\n auth_type PASS\n auth_pass 1\n}'),
    /VRRPv3 has no authentication/,
  );
});

test('VIP address families must not mix; excluded addresses may', () => {
  const r = check(instance('', '192.0.2.1\n    2001:db8::1'));
  const e = errors(r);
  assert.equal(e.length, 1, show(r));
  assert.match(
    e[0]!.message,
    /address family of 2001:db8::1 does not match the instance \(IPv4, set by virtual_ipaddress on line 6\)/,
  );
  assert.equal(e[0]!.pos.line, 7);
  accepts(instance('virtual_ipaddress_excluded {\n 2001:db8::1\n}'));
  // The first address-bearing line sets the family (keepalived 2.2.7): here the peer, so the VIP is wrong.
  rejects(
    instance('unicast_peer {\n 2001:db8::9\n}'),
    /address family of 192\.0\.2\.100 does not match the instance \(IPv6, set by unicast_peer on line 5\)/,
  );
  const vipFirst =
    'vrrp_instance V {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  192.0.2.1\n }\n unicast_peer {\n  2001:db8::9\n }\n}\n';
  rejects(vipFirst, /unicast peer 2001:db8::9 must be of the instance's address family/);
  rejects(instance('mcast_src_ip 2001:db8::5'), /set by mcast_src_ip on line 4/);
});

test('an instance needs at least one VIP', () => {
  rejects('vrrp_instance V {\n interface eth0\n virtual_router_id 1\n}\n', /no virtual_ipaddress specified/);
});

test('invalid IP addresses are reported with their line and column', () => {
  const r = check(instance('', 'xxx/23 dev eth0'));
  const e = errors(r).find((d) => d.message === "invalid IP address 'xxx/23'");
  assert.ok(e, show(r));
  assert.deepEqual([e.pos.line, e.pos.column], [6, 5]);
  rejects(
    instance('virtual_rules {\n to 192.168.100./24 table 1\n}'),
    /invalid rule to address '192\.168\.100\.\/24'/,
  );
  rejects(instance('virtual_routes {\n 10.0.0.0/33 dev eth0\n}'), /invalid route destination/);
  rejects(instance('mcast_src_ip <IPADDR>'), /mcast_src_ip: invalid IP address '<IPADDR>'/);
});

test('duplicate instance and sync group names are errors that point at both definitions', () => {
  const text = `${instance('', '192.0.2.1', 'A')}${instance('', '192.0.2.2', 'A')}
vrrp_sync_group G {\n group {\n  A\n }\n}\nvrrp_sync_group G {\n group {\n  A\n }\n}\n`;
  const r = check(text);
  const dup = errors(r).filter((d) => d.code === 'duplicate-name');
  assert.equal(dup.length, 2, show(r));
  assert.equal(dup[0]!.pos.line, 9);
  assert.equal(dup[0]!.related?.[0]?.pos.line, 1);
  assert.match(dup[0]!.message, /vrrp_instance 'A' is already defined \(line 1\)/);
  assert.match(dup[1]!.message, /vrrp_sync_group 'G' is already defined/);
  assert.ok(show(r).includes('note: first definition of vrrp_sync_group'));
});

test('duplicate vrrp_script names warn (keepalived accepts them silently) with both locations', () => {
  const s = 'vrrp_script s {\n script "/bin/true"\n}\n';
  const r = check(s + s + instance('track_script {\n s\n}'), {
    files: { '/bin/true': { isFile: true, mode: 0o755, uid: 0 } },
  });
  const w = warnings(r).find((d) => d.code === 'duplicate-name');
  assert.ok(w, show(r));
  assert.equal(w.pos.line, 4);
  assert.equal(w.related?.[0]?.pos.line, 1);
  assert.equal(r.exitCode, 0);
});

test('track_script must reference a defined script; sync group members must exist', () => {
  rejects(instance('track_script {\n nosuch\n}'), /track script 'nosuch' is not defined/);
  rejects(
    `${instance()}vrrp_sync_group G {\n group {\n  VI_1\n  ghost\n }\n}\n`,
    /vrrp_instance 'ghost' is not defined/,
  );
  rejects('vrrp_sync_group G {\n}\n', /has no members/);
});

test('weights have their ranges: vrrp_script -253..253, track_process -254..254, track refs', () => {
  const bin = { files: { '/bin/true': { isFile: true, mode: 0o755, uid: 0 } } };
  rejects(
    `vrrp_script s {\n script "/bin/true"\n weight 254\n}\n${instance()}`,
    /vrrp_script weight: number '254' is outside the range -253\.\.253/,
    bin,
  );
  accepts(`vrrp_script s {\n script "/bin/true"\n weight -253 reverse\n}\n${instance()}`, bin);
  accepts(`vrrp_track_process p {\n process nginx\n weight 254\n}\n${instance()}`);
  rejects(
    `vrrp_track_process p {\n process nginx\n weight 255\n}\n${instance()}`,
    /outside the range -254\.\.254/,
  );
  rejects(
    `vrrp_script s {\n script "/bin/true"\n}\n${instance('track_script {\n s weight 300\n}')}`,
    /weight for 's': number '300'/,
    bin,
  );
});

test('interfaces that do not exist on the host are config errors (exit 5); loopback is refused', () => {
  rejects(
    instance().replace('eth0', 'bond0'),
    /interface 'bond0' for vrrp_instance VI_1 does not exist on this host/,
  );
  rejects(instance('track_interface {\n eth9\n}'), /interface 'eth9' tracked by vrrp_instance VI_1/);
  rejects(instance('', '192.0.2.1/24 dev eth7'), /interface 'eth7' for address 192\.0\.2\.1/);
  rejects(instance().replace('eth0', 'lo'), /cannot use the loopback interface/);
  // The host facts are injected: the same config passes where the interface exists.
  accepts(instance().replace('eth0', 'bond0'), { interfaces: ['bond0'] });
});

const trueBin = { '/bin/true': { isFile: true, mode: 0o755, uid: 0 } };
const tracked = (path: string) =>
  `vrrp_script s {\n script "${path} arg"\n}\n${instance('track_script {\n s\n}')}`;

test('a tracked script that does not exist is a config error (exit 5); a missing notify script warns', () => {
  rejects(tracked('/usr/local/bin/check_running'), /script '\/usr\/local\/bin\/check_running' not found/);
  const r = check(instance('notify_master "/nonexistent/x.sh MASTER"'));
  assert.equal(r.exitCode, 0, show(r));
  assert.ok(warnings(r).some((d) => d.code === 'script-not-found'));
});

test('scripts run as root without enable_script_security: security class, exit 6', () => {
  const r = check(tracked('/bin/true'), { isRoot: true, files: trueBin });
  const e = errors(r);
  assert.equal(e.length, 1, show(r));
  assert.equal(e[0]!.class, 'security');
  assert.equal(r.exitCode, ExitCode.SECURITY);
  // keepalived 2.2.7: the security status wins over other config errors...
  assert.equal(
    check(tracked('/bin/true') + instance('priority 0', '192.0.2.9', 'B'), { isRoot: true, files: trueBin })
      .exitCode,
    6,
  );
  // ...but a missing interface stops keepalived before the script checks: exit 5.
  assert.equal(
    check(tracked('/bin/true').replace('eth0', 'bond0'), { isRoot: true, files: trueBin }).exitCode,
    5,
  );
  // Not root, or a non-root script_user: no violation.
  assert.equal(check(tracked('/bin/true'), { isRoot: false, files: trueBin }).exitCode, 0);
  const withUser = `global_defs {\n script_user nobody\n}\n${tracked('/bin/true')}`;
  assert.equal(check(withUser, { isRoot: true, files: trueBin, users: ['nobody'] }).exitCode, 0);
  assert.equal(check(withUser, { isRoot: true, files: trueBin }).exitCode, 5, 'script_user must exist');
});

test('enable_script_security: writable scripts are insecure; a script user must be resolvable', () => {
  const sec = 'global_defs {\n enable_script_security\n script_user root\n}\n';
  const ww = { '/tmp/x.sh': { isFile: true, mode: 0o777, uid: 0 } };
  rejects(sec + tracked('/tmp/x.sh'), /is insecure/, { isRoot: true, files: ww });
  accepts(sec + tracked('/bin/true'), { isRoot: true, files: trueBin });
  rejects(
    `global_defs {\n enable_script_security\n}\n${tracked('/bin/true')}`,
    /no script_user is configured/,
    { isRoot: true, files: trueBin },
  );
  accepts(`global_defs {\n enable_script_security\n}\n${tracked('/bin/true')}`, {
    isRoot: true,
    files: trueBin,
    users: ['keepalived_script'],
  });
});

test('a script named without a path is looked up on the search path', () => {
  const r = check(tracked('true'), { files: trueBin });
  assert.equal(r.exitCode, 0, show(r));
  rejects(tracked('killall-0'), /script 'killall-0' not found/);
});

test('virtual servers: group must exist, fwmark services take no protocol', () => {
  rejects('virtual_server group NOPE {\n}\n', /virtual_server group 'NOPE' is not defined/);
  rejects('virtual_server fwmark 1 {\n protocol TCP\n}\n', /protocol does not apply to a fwmark service/);
  rejects('virtual_server 192.0.2.1 80 {\n lb_algo foo\n}\n', /invalid lb_algo 'foo'/);
  rejects(
    'virtual_server 192.0.2.1 80 {\n real_server 198.51.100.1 80 {\n  weight -1\n }\n}\n',
    /weight: number '-1'/,
  );
});

test('a missing config file exits 4', async () => {
  const { loadConfig } = await import('../../../../src/config/load.js');
  const { memoryConfigSource } = await import('../../../../src/config/fs-source.js');
  const { fakeHost } = await import('./helpers.js');
  const r = loadConfig('/nonexistent.conf', {
    configId: 'x',
    source: memoryConfigSource({}),
    host: fakeHost(),
  });
  assert.equal(r.exitCode, ExitCode.FILE);
  assert.equal(r.model, undefined);
});

const VS_OK =
  'virtual_server 192.0.2.10 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n real_server 198.51.100.1 80 {\n  weight 1\n }\n}\n';

test('virtual_server: keepalived reports missing protocol, scheduler and method as config errors', () => {
  accepts(VS_OK);
  rejects(VS_OK.replace(' protocol TCP\n', ''), /no protocol set \(keepalived defaults to UDP\)/);
  rejects(VS_OK.replace(' lb_algo rr\n', ''), /no scheduler set \(keepalived defaults to wlc\)/);
  rejects(VS_OK.replace(' lb_kind NAT\n', ''), /no forwarding method set \(keepalived defaults to NAT\)/);
  assert.equal(check(VS_OK.replace(' protocol TCP\n', '')).model!.virtualServers[0]!.protocol, 'UDP');
});

test('virtual_server: no real servers, zero port without persistence, real server family', () => {
  rejects(
    'virtual_server 192.0.2.10 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n}\n',
    /has no real servers/,
  );
  rejects(VS_OK.replace('192.0.2.10 80 {', '192.0.2.10 {'), /only valid for persistent services/);
  accepts(VS_OK.replace('192.0.2.10 80 {', '192.0.2.10 {\n persistence_timeout 60'));
  rejects(VS_OK.replace('192.0.2.10 80', '2001:db8::10 80'), /address family differs from virtual_server/);
  accepts(
    VS_OK.replace('192.0.2.10 80', '2001:db8::10 80').replace('weight 1', 'weight 1\n  lvs_method TUN'),
  );
});

test('sync groups: at least two members, and an instance in one group only', () => {
  const two =
    instance('', '192.0.2.1', 'A') +
    instance('', '192.0.2.2', 'B').replace('virtual_router_id 51', 'virtual_router_id 52');
  accepts(`${two}vrrp_sync_group G {\n group {\n  A\n  B\n }\n}\n`);
  rejects(`${two}vrrp_sync_group G {\n group {\n  A\n }\n}\n`, /has only 1 vrrp_instance/);
  const r = check(
    `${two}vrrp_sync_group G {\n group {\n  A B\n }\n}\nvrrp_sync_group H {\n group {\n  A B\n }\n}\n`,
  );
  const e = errors(r).filter((d) => d.code === 'sync-group-member');
  assert.equal(e.length, 2, show(r));
  assert.match(e[0]!.message, /vrrp_instance A is already in vrrp_sync_group G/);
  assert.equal(e[0]!.related?.[0]?.pos.line, 19);
});

test('two multicast instances with the same VRID, family and interface clash; unicast ones do not', () => {
  const r = check(instance('', '192.0.2.1', 'A') + instance('', '192.0.2.2', 'B'));
  const e = errors(r).find((d) => d.code === 'vrid-clash');
  assert.ok(e, show(r));
  assert.match(e.message, /A and B both use VRID 51 with IPv4 on interface eth0/);
  assert.equal(e.related?.[0]?.pos.line, 3);
  accepts(instance('', '192.0.2.1', 'A') + instance('', '2001:db8::2', 'B'));
  accepts(instance('', '192.0.2.1', 'A') + instance('', '192.0.2.2', 'B').replace('eth0', 'eth1'));
  accepts(instance('', '192.0.2.1', 'A') + instance('unicast_peer {\n 192.0.2.9\n}', '192.0.2.2', 'B'));
});

test('routes need a dev to be tracked; rules need a preference', () => {
  rejects(instance('virtual_routes {\n 10.1.0.0/16 via 192.0.2.1\n}'), /route 10\.1\.0\.0\/16 has no dev/);
  accepts(
    instance(
      'virtual_routes {\n 10.1.0.0/16 via 192.0.2.1 dev eth0\n 10.2.0.0/16 via 192.0.2.1 no_track\n blackhole 10.3.0.0/16 no_track\n}',
    ),
  );
  rejects(instance('virtual_rules {\n from 10.1.0.0/16 table 100\n}'), /rule has no preference/);
  accepts(instance('virtual_rules {\n from 10.1.0.0/16 table 100 preference 100\n}'));
  rejects('static_rules {\n to 10.0.0.0/8 table 5\n}\n', /rule has no preference/);
});

test('global multicast groups must be multicast addresses', () => {
  rejects(
    `global_defs {\n vrrp_mcast_group4 10.0.0.1\n}\n${instance()}`,
    /vrrp_mcast_group4 10\.0\.0\.1 is not a multicast address/,
  );
  rejects(`global_defs {\n vrrp_mcast_group6 2001:db8::1\n}\n${instance()}`, /not a multicast address/);
  accepts(`global_defs {\n vrrp_mcast_group4 224.0.0.19\n vrrp_mcast_group6 ff02::99\n}\n${instance()}`);
});

test('use_vmac with unicast peers needs vmac_xmit_base', () => {
  rejects(
    instance('use_vmac\nunicast_peer {\n 192.0.2.9\n}'),
    /unicast with use_vmac requires vmac_xmit_base/,
  );
  const r = check(instance('use_vmac\nvmac_xmit_base\nunicast_peer {\n 192.0.2.9\n}'));
  assert.equal(errors(r).length, 0, show(r));
});

test('use_vmac arguments and vmac_xmit_base as keepalived 2.2.7 checks them', () => {
  accepts(instance('use_vmac vm1 02:11:22:33:44:55'));
  accepts(instance('use_vmac 02:11:22:33:44: vm1')); // five octets: the VRID is the sixth
  rejects(instance('use_vmac foo/bar'), /interface name 'foo\/bar' is too long or has invalid characters/);
  rejects(instance('use_vmac a-name-too-long-0'), /too long or has invalid characters/);
  rejects(instance('use_vmac 02:11:22:33:44:zz'), /invalid MAC address '02:11:22:33:44:zz'/);
  rejects(instance('use_vmac 01:00:5e:00:00:01'), /is multicast/);
  rejects(instance('use_vmac 00:00:5e:00:01:05'), /RFC 5798 virtual router address/);
  rejects(instance('use_vmac vm1 vm2'), /the interface name is given twice/);
  rejects(instance('vmac_xmit_base'), /vmac_xmit_base is only valid with use_vmac/);
  rejects(
    instance('use_vmac\nvmac_xmit_base\nstrict_mode'),
    /vmac_xmit_base is incompatible with strict mode/,
  );
  const two = instance('use_vmac vm1') + instance('use_vmac vm1').replace('VI_1', 'VI_2').replace('51', '52');
  rejects(two, /\(VI_2\) use_vmac vm1 is already used by VI_1/);
});

test('garp delays accept large values like keepalived (no 255 s cap)', () => {
  accepts(instance('garp_master_delay 4000\ngarp_master_refresh 100000'));
});

test('quorum is bounded by the real servers’ total weight; hysteresis below quorum; fwmark real servers have no port', () => {
  rejects(
    VS_OK.replace(' protocol TCP\n', ' protocol TCP\n quorum 2\n'),
    /quorum 2 exceeds the total weight of its real servers \(1\)/,
  );
  rejects(
    VS_OK.replace(' protocol TCP\n', ' protocol TCP\n hysteresis 1\n'),
    /hysteresis 1 must be less than quorum 1/,
  );
  accepts(
    VS_OK.replace(' protocol TCP\n', ' protocol TCP\n quorum 3\n hysteresis 2\n').replace(
      'weight 1',
      'weight 3',
    ),
  );
  const fw =
    'virtual_server fwmark 1 {\n lb_algo rr\n lb_kind DR\n real_server 198.51.100.1 80 {\n  weight 1\n }\n}\n';
  rejects(fw, /a fwmark virtual_server's real servers take no port/);
  accepts(fw.replace('198.51.100.1 80', '198.51.100.1'));
});

test('vrrp_strict with IPv6: version 2 is refused, the first VIP must be link-local; accept needs v3', () => {
  const strict = 'global_defs {\n vrrp_strict\n}\n';
  rejects(strict + instance('version 2', 'fe80::1'), /VRRP version 2 cannot carry IPv6/);
  rejects(strict + instance('', '2001:db8::1'), /the first IPv6 VIP must be link-local/);
  accepts(strict + instance('', 'fe80::1\n    2001:db8::1'));
  rejects(strict + instance('accept'), /accept mode is not part of VRRPv2/);
  accepts(strict + instance('version 3\naccept'));
});

test('an IPv6 instance runs VRRPv3 even when version 2 is configured (RFC 3768 is IPv4-only)', () => {
  const r = check(instance('version 2', '2001:db8::1'));
  assert.equal(errors(r).length, 0, show(r));
  assert.equal(r.model!.instances[0]!.version, 3);
  assert.equal(r.model!.instances[0]!.versionSource, 'ipv6');
  assert.equal(check(instance()).model!.instances[0]!.versionSource, 'global');
});

test('not-implemented keywords that need a value are rejected bare, like keepalived', () => {
  rejects(instance('debug'), /'debug' needs a value/);
  accepts(instance('debug 1'));
  rejects('global_defs {\n process_name\n}\n', /'process_name' needs a value/);
});

test('namespace keywords are top-level only (keepalived rejects them inside global_defs)', () => {
  accepts('net_namespace blue\nuse_pid_dir\n');
  rejects('global_defs {\n net_namespace blue\n}\n', /unknown keyword 'net_namespace' in global_defs/);
});

test('duplicates inside an instance or group: track_interface, sync group members', () => {
  rejects(instance('track_interface {\n eth1\n eth1 weight 5\n}'), /track_interface eth1 is listed twice/);
  const two =
    instance('', '192.0.2.1', 'A') +
    instance('', '192.0.2.2', 'B').replace('virtual_router_id 51', 'virtual_router_id 52');
  rejects(`${two}vrrp_sync_group G {\n group {\n  A\n  B\n  A\n }\n}\n`, /lists vrrp_instance A twice/);
});

test('global_defs: an empty notification_email block and a malformed smtp_server are errors', () => {
  rejects(`global_defs {\n notification_email {\n }\n}\n${instance()}`, /notification_email block is empty/);
  rejects(`global_defs {\n smtp_server 65535.200.1\n}\n${instance()}`, /invalid smtp_server '65535\.200\.1'/);
  rejects(`global_defs {\n smtp_server 1.2.3.x\n}\n${instance()}`, /invalid smtp_server/);
  // inet_aton forms and host names are accepted, as keepalived resolves them.
  accepts(`global_defs {\n smtp_server 255.200.1\n}\n${instance()}`);
  accepts(`global_defs {\n smtp_server mail.example.org 587\n}\n${instance()}`);
});

test('HTTP_GET url blocks need a path; checker timers have keepalived’s ranges', () => {
  const vs = (checker: string) =>
    `virtual_server 192.0.2.10 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n real_server 198.51.100.1 80 {\n  ${checker}\n }\n}\n`;
  rejects(vs('HTTP_GET {\n   url {\n    digest 00\n   }\n  }'), /HTTP_GET url has no path/);
  rejects(
    vs('TCP_CHECK {\n   connect_timeout 65535\n  }'),
    /connect_timeout: number '65535' is outside the range 0\.000001\.\.4294\.967295/,
  );
  accepts(vs('TCP_CHECK {\n   delay_loop 65536\n   delay_before_retry 100000\n  }'));
});

test('virtual_server_group members: addresses, ranges, ports and fwmarks', () => {
  const g = (m: string) =>
    `virtual_server_group G {\n ${m}\n}\nvirtual_server group G {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n real_server 198.51.100.1 80 {\n }\n}\n`;
  accepts(g('192.0.2.3-10 80\n fwmark 7\n 2001:db8::1-ff 80'));
  rejects(g('192.0.2.10-3 80'), /range end is not greater than its start/);
  rejects(g('ae00::1000-9 80'), /range end is not greater than its start/);
  rejects(g('192.0.2.x 80'), /invalid address '192\.0\.2\.x'/);
  rejects(g('192.0.2.1 99999'), /invalid port '99999'/);
});

test('vrrp scripts are only checked when a vrrp_instance exists; shell-syntax commands are not checked', () => {
  const missing = 'vrrp_script s {\n script "/nonexistent/check.sh"\n}\n';
  accepts(missing);
  rejects(missing + instance(), /not found or not accessible/);
  accepts(`vrrp_script s {\n script "</dev/tcp/127.0.0.1/80"\n}\n${instance()}`);
});

test('an instance without interface uses the default interface; its absence is an ordinary config error', () => {
  const noIf = instance().replace('  interface eth0\n', '');
  accepts(noIf);
  const r = check(noIf, { interfaces: ['ens3'] });
  assert.ok(
    errors(r).some((d) => d.code === 'unknown-interface'),
    show(r),
  );
  accepts(`global_defs {\n default_interface ens3\n}\n${noIf}`, { interfaces: ['ens3'] });
});

test('authentication without auth_type only warns (keepalived accepts it)', () => {
  const r = check(instance('authentication {\n auth_pass 1111\n}'));
  assert.equal(r.exitCode, 0, show(r));
  assert.ok(warnings(r).some((d) => d.code === 'auth-type'));
});

test('auth_type without auth_pass is an error', () => {
  rejects(instance('authentication {\n auth_type PASS\n}'), /auth_type PASS without auth_pass/);
});

test('url digests: several allowed, each 32 hex digits, no duplicates', () => {
  const vs = (url: string) =>
    `virtual_server 192.0.2.10 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n real_server 198.51.100.1 80 {\n  HTTP_GET {\n   url {\n    path /\n${url}\n   }\n  }\n }\n}\n`;
  const d1 = 'digest 640205b7b0fc66c1ea91c463fac6334d';
  const r = check(vs(`${d1}\ndigest 9b3a0c85a887a256d6939da88aabd8cd`));
  assert.equal(errors(r).length, 0, show(r));
  const c = r.model!.virtualServers[0]!.realServers[0]!.checkers[0]!;
  assert.ok(c.type === 'HTTP_GET' && c.url[0]!.digests.length === 2);
  rejects(vs(`${d1}\n${d1}`), /is a duplicate/);
  rejects(vs('digest xyz'), /not an MD5 digest/);
});

test('a repeated notify script is an error and the first one is kept', () => {
  const r = check(instance('notify_master "/bin/a.sh"\nnotify_master "/bin/b.sh"'));
  const e = errors(r).find((d) => d.code === 'duplicate-keyword');
  assert.ok(e, show(r));
  assert.equal(e.related?.[0]?.pos.line, 4);
  assert.equal(r.model!.instances[0]!.notifyMaster?.command, '/bin/a.sh');
});

test('addresses and routes: unknown options, scopes, peers, gateway families, route protocols', () => {
  rejects(instance('', '192.0.2.1 dev eth0 foo'), /unknown option 'foo' for address 192\.0\.2\.1/);
  rejects(instance('', '192.0.2.1 scope bogus'), /invalid scope 'bogus'/);
  rejects(instance('', '192.0.2.1 peer 192.0.2.9/24'), /invalid peer address/);
  accepts(instance('', '192.0.2.1/24 brd + dev eth0 scope link label eth0:1 -nodad'));
  rejects(instance('', '192.0.2.1 track_group G'), /unknown option 'track_group'/);
  const route = (r: string) => instance(`virtual_routes {\n ${r}\n}`);
  rejects(route('10.1.0.0/16 via 192.0.2.1 dev eth0 foo'), /unknown route option 'foo'/);
  rejects(route('10.1.0.0/16 via 2001:db8::1 dev eth0'), /mix IPv4 and IPv6/);
  rejects(route('10.1.0.0/16 dev eth0 protocol bird'), /must be protocol keepalived/);
  rejects(route('unreachable 10.1.0.0/16'), /has no dev/);
  rejects(route('10.1.0.0/16 nexthop via 192.0.2.1 dev eth0'), /has no dev/);
  accepts(route('10.1.0.0/16 dev eth0 tos 0x04 protocol bird no_track'));
  accepts(route('src 192.0.2.1 to 10.1.0.0/16 via 192.0.2.254 dev eth0 ssthresh lock 107 mtu 1400'));
});

test('rules: one action, known options, one address family', () => {
  const rule = (r: string) => instance(`virtual_rules {\n ${r}\n}`);
  accepts(rule('from 10.1.0.0/16 iif eth0 tos 22 fwmark 24/12 table 1 preference 5'));
  accepts(rule('not from all lookup 100 priority 5'));
  rejects(rule('from 10.1.0.0/16 preference 5'), /rule has no action/);
  rejects(rule('from 10.1.0.0/16 table 1 goto 40 preference 5'), /only one of table\/goto/);
  rejects(rule('from 10.1.0.0/16 table 1 prio 5'), /unknown rule option 'prio'/);
  rejects(rule('from 10.1.0.0/16 to 2001:db8::/64 table 1 preference 5'), /mixes IPv4 and IPv6/);
});

test('vrrp_script: whole-second interval/timeout, weight options, script users must exist', () => {
  const bin = { files: { '/bin/true': { isFile: true, mode: 0o755, uid: 0 } }, users: ['nobody'] };
  const s = (line: string) => `vrrp_script s {\n script /bin/true\n ${line}\n}\n${instance()}`;
  rejects(s('interval 1.5'), /invalid number '1\.5' \(whole seconds\)/, bin);
  rejects(s('interval 0'), /outside the range 1\.\.2147483/, bin);
  rejects(s('weight 10 foo'), /unknown option 'foo' \(only 'reverse'\)/, bin);
  accepts(s('weight -10 reverse\n rise 1000000'), bin);
  rejects(s('user nosuchuser'), /user 'nosuchuser' does not exist/, bin);
  accepts(s('user nobody'), bin);
});

test('global_defs timers and repeats follow keepalived ranges', () => {
  rejects(`global_defs {\n smtp_connect_timeout 1.5\n}\n${instance()}`, /whole seconds/);
  rejects(`global_defs {\n vrrp_garp_master_repeat 0\n}\n${instance()}`, /outside the range 1\.\./);
  accepts(`global_defs {\n vrrp_garp_lower_prio_repeat 300\n}\n${instance()}`);
  rejects(
    `global_defs {\n script_user nosuchuser\n}\n${instance()}`,
    /script_user 'nosuchuser' does not exist/,
  );
});

test('unicast keywords need peers; mcast_dst_ip must be multicast; native_ipv6 sets the family', () => {
  rejects(instance('unicast_src_ip 192.0.2.5'), /unicast_src_ip needs unicast_peer/);
  rejects(instance('unicast_ttl 5'), /unicast_ttl needs unicast_peer/);
  accepts(
    instance('unicast_src_ip 192.0.2.5\nunicast_ttl 5\nunicast_peer {\n 192.0.2.9 min_ttl 5 max_ttl 10\n}'),
  );
  rejects(instance('unicast_peer {\n 192.0.2.9 foo\n}'), /unknown or incomplete option 'foo'/);
  rejects(instance('mcast_dst_ip 10.0.0.1'), /mcast_dst_ip 10\.0\.0\.1 is not a multicast address/);
  accepts(instance('mcast_dst_ip 224.0.0.99'));
  rejects(instance('native_ipv6'), /set by native_ipv6/);
  rejects(instance('garp_master_delay 1.5'), /whole seconds/);
});

test('virtual_server options: families, granularity, sorry_server order, checker values', () => {
  const vs = (opts: string, rs = '') =>
    `virtual_server 192.0.2.10 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n ${opts}\n real_server 198.51.100.1 80 {\n  weight 1\n  ${rs}\n }\n}\n`;
  rejects(vs('ip_family inet6'), /ip_family inet6 conflicts/);
  rejects(vs('persistence_granularity 300.1.1.1'), /invalid persistence_granularity/);
  accepts(vs('persistence_granularity 255.255.255.0'));
  rejects(vs('sorry_server 2001:db8::1 80'), /sorry_server 2001:db8::1 is of another address family/);
  rejects(vs('sorry_server_inhibit'), /sorry_server_inhibit must follow a sorry_server line/);
  accepts(vs('sorry_server 192.0.2.200 80\n sorry_server_inhibit'));
  rejects(vs('lb_kind tun'), /invalid lb_kind 'tun'/);
  rejects(
    vs('', 'TCP_CHECK {\n   connect_port 0\n  }'),
    /connect_port: number '0' is outside the range 1\.\.65535/,
  );
  rejects(
    vs('', 'HTTP_GET {\n   url {\n    path /\n   }\n   http_protocol 2.0\n  }'),
    /invalid http_protocol '2\.0'/,
  );
  rejects(vs('', 'UDP_CHECK {\n   payload xyz\n  }'), /payload 'xyz' is not a hex string/);
  rejects(vs('', 'FILE_CHECK {\n   track_file tf\n  }'), /FILE_CHECK track_file 'tf' is not defined/);
  accepts(`track_file tf {\n file /tmp/x\n}\n${vs('', 'FILE_CHECK {\n   track_file tf\n  }')}`);
});

test('sync group track references, track_file needs a file, track_process quorum_max, static routes/addresses', () => {
  const two =
    instance('', '192.0.2.1', 'A') +
    instance('', '192.0.2.2', 'B').replace('virtual_router_id 51', 'virtual_router_id 52');
  rejects(
    `${two}vrrp_sync_group G {\n group {\n  A B\n }\n track_file {\n  nosuch\n }\n}\n`,
    /track file 'nosuch' is not defined/,
  );
  rejects('track_file tf {\n weight 5\n}\n', /track_file tf has no 'file' line/);
  rejects(
    'vrrp_track_process p {\n process nginx\n quorum 3\n quorum_max 2\n}\n',
    /quorum_max 2 is less than quorum 3/,
  );
  rejects('vrrp_track_process p {\n process\n}\n', /'process' needs a value/);
  rejects('static_routes {\n 10.8.0.0/16 via 10.9.9.1\n}\n', /static route 10\.8\.0\.0\/16 has no dev/);
  accepts(
    'static_routes {\n 10.8.0.0/16 via 10.9.9.1 dev eth0\n}\nstatic_ipaddress {\n 10.9.9.9/24 dev eth0\n}\n',
  );
  // keepalived treats an address with neither dev nor a default interface as fatal: exit 4.
  const r = check('static_ipaddress {\n 10.9.9.9/24\n}\n', { interfaces: ['lo'] });
  assert.equal(r.exitCode, 4, show(r));
  accepts('static_ipaddress {\n 10.9.9.9/24\n}\n');
  const g = check(`${two}vrrp_sync_group G {\n group {\n  A B\n }\n global_tracking\n}\n`);
  assert.ok(
    warnings(g).some((d) => d.code === 'deprecated'),
    show(g),
  );
});
