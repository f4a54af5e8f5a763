/**
 * Rules found by the generated differential corpus (test/integration/config/generated.test.ts):
 * each verdict here was checked against keepalived 2.2.7's `keepalived -t`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExitCode } from '../../../../src/config/diagnostics.js';
import { check, errors, instance, show } from './helpers.js';

/** The exit status and, for an error, that one of the error codes is `code`. */
function verdict(text: string, exit: number, code?: string): void {
  const r = check(text);
  assert.equal(r.exitCode, exit, show(r));
  if (code !== undefined)
    assert.ok(
      errors(r).some((d) => d.code === code),
      show(r),
    );
}

const vs = (kind: string, rs: string, extra = '') =>
  `virtual_server 192.0.2.10 80 {\n lb_algo rr\n lb_kind ${kind}\n protocol TCP\n${extra}\n real_server ${rs} {\n  weight 1\n }\n}\n`;

test('a keyword missing its value: exit 2, unless keepalived checks the value itself (5) or ignores it (0)', () => {
  verdict(instance('  priority'), ExitCode.MISSING_PARAMETER, 'missing-value');
  verdict(`global_defs {\n router_id\n}\n${instance()}`, ExitCode.CONFIG, 'missing-value');
  verdict(instance('  track_script'), ExitCode.OK);
  verdict('vrrp_instance {\n}\n', ExitCode.MISSING_PARAMETER);
});

test('DR/TUN real servers keep the virtual server port; NAT and port 0 may differ', () => {
  verdict(vs('DR', '198.51.100.1 8080'), ExitCode.CONFIG, 'rs-port-mismatch');
  verdict(vs('TUN', '198.51.100.1 8080'), ExitCode.CONFIG, 'rs-port-mismatch');
  verdict(vs('NAT', '198.51.100.1 8080'), ExitCode.OK);
  verdict(vs('DR', '198.51.100.1 0'), ExitCode.OK);
});

test('a sorry server equal to a real server must have the same inhibit setting', () => {
  verdict(
    vs('NAT', '198.51.100.1 80', ' sorry_server 198.51.100.1 80\n sorry_server_inhibit'),
    ExitCode.CONFIG,
    'sorry-inhibit',
  );
  verdict(vs('NAT', '198.51.100.1 80', ' sorry_server 198.51.100.1 80'), ExitCode.OK);
});

test('track_interface on the own interface; weighted tracking in a sync group or the owner', () => {
  verdict(instance('  track_interface {\n    eth0\n  }'), ExitCode.CONFIG, 'track-own-interface');
  verdict(
    instance('  track_interface {\n    eth1 weight 10\n  }\n  priority 255'),
    5,
    'track-weight-ignored',
  );
  const group = (w: string) =>
    `${instance(`  track_interface {\n    eth1${w}\n  }`)}${instance('  virtual_router_id 52', '192.0.2.101', 'VI_2')}` +
    'vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n}\n';
  verdict(group(' weight 10'), ExitCode.CONFIG, 'track-weight-ignored');
  verdict(group(''), ExitCode.OK);
});

test('VRRPv3 intervals are whole 10 ms; unicast with use_vmac needs vmac_xmit_base', () => {
  verdict(instance('  version 3\n  advert_int 0.015'), ExitCode.CONFIG, 'advert-int-units');
  verdict(instance('  version 3\n  advert_int 0.02'), ExitCode.OK);
  verdict(instance('  vmac_xmit_base'), ExitCode.CONFIG, 'xmit-base-without-vmac');
});

test('bfd_instance needs a neighbor; vrrp_iptables is unsupported; quorum above the total weight', () => {
  verdict(`bfd_instance b {\n}\n${instance()}`, ExitCode.CONFIG, 'bfd-no-neighbor');
  verdict(`bfd_instance b {\n neighbor_ip 192.0.2.9\n}\n${instance()}`, ExitCode.OK);
  verdict(`global_defs {\n vrrp_iptables\n}\n${instance()}`, ExitCode.CONFIG, 'unsupported-keyword');
  verdict(vs('NAT', '198.51.100.1 80', ' quorum 5'), ExitCode.CONFIG, 'vs-quorum');
});

test('checker keyword sets and ranges are keepalived’s', () => {
  const rs = (c: string) => vs('NAT', '198.51.100.1 80').replace('  weight 1', `  weight 1\n  ${c}`);
  verdict(rs('MISC_CHECK {\n   misc_path /bin/true\n   connect_port 80\n  }'), 5, 'unknown-keyword');
  verdict(rs('TCP_CHECK {\n   retry 0\n  }'), ExitCode.OK);
  verdict(vs('NAT', '198.51.100.1 80', ' retry 0'), ExitCode.CONFIG, 'invalid-value');
  verdict(vs('NAT', '198.51.100.1 80', ' alpha whatever'), ExitCode.OK);
});

test('AH with state MASTER is an error except for the address owner', () => {
  const ah = '  authentication {\n    auth_type AH\n    auth_pass 1111\n  }';
  verdict(instance(`  state MASTER\n  priority 100\n${ah}`), ExitCode.CONFIG, 'ah-master');
  assert.ok(!errors(check(instance(`  state MASTER\n${ah}`))).some((d) => d.code === 'ah-master'));
});

test('unicast keywords without peers are errors unless unicast_fault_no_peer allows that', () => {
  verdict(instance('  unicast_src_ip 192.0.2.1'), ExitCode.CONFIG, 'unicast-without-peers');
  verdict(instance('  unicast_src_ip 192.0.2.1\n  unicast_fault_no_peer'), ExitCode.OK);
});

test('enable_script_security without a script user matters only for scripts that name no user', () => {
  const g = 'global_defs {\n enable_script_security\n}\n';
  verdict(`${g}${instance('  notify_master /bin/true')}`, ExitCode.CONFIG, 'script-user');
  const r = check(`${g}${instance('  notify_master /bin/true root')}`);
  assert.ok(!errors(r).some((d) => d.code === 'script-user'), show(r));
});

test('SMTP_CHECK hosts: bindto of the family of their connect_ip; a group of addresses needs a protocol', () => {
  const smtp = (b: string) =>
    vs('NAT', '198.51.100.1 25').replace(
      '  weight 1',
      `  weight 1\n  SMTP_CHECK {\n   host {\n    connect_ip 2001:db8::1\n    bindto ${b}\n   }\n  }`,
    );
  verdict(smtp('192.0.2.1'), ExitCode.CONFIG, 'checker-family');
  verdict(smtp('2001:db8::2'), ExitCode.OK);
  const group = 'virtual_server_group G {\n 192.0.2.10 80\n}\n';
  verdict(
    `${group}${vs('NAT', '198.51.100.1 80').replace('192.0.2.10 80', 'group G').replace(' protocol TCP\n', '')}`,
    5,
    'vs-default',
  );
});
