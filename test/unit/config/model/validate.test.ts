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
  assert.match(e[0]!.message, /address family of 2001:db8::1 does not match the instance \(IPv4\)/);
  assert.equal(e[0]!.pos.line, 7);
  accepts(instance('virtual_ipaddress_excluded {\n 2001:db8::1\n}'));
  rejects(
    instance('unicast_peer {\n 2001:db8::9\n}'),
    /unicast peer 2001:db8::9 must be of the instance's address family/,
  );
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
  assert.equal(check(withUser, { isRoot: true, files: trueBin }).exitCode, 0);
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
