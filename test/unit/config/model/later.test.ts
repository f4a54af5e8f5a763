/** Parsed but not implemented yet: always warned about by name, never silently accepted. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryConfigSource } from '../../../../src/config/fs-source.js';
import { loadConfigText } from '../../../../src/config/load.js';
import { PERMISSIVE_HOST } from '../../../../src/config/validate.js';

const diagnostics = (text: string) =>
  loadConfigText(text, 'k.conf', {
    configId: 'k',
    source: memoryConfigSource({}),
    host: PERMISSIVE_HOST,
    skipHostChecks: true,
  }).diagnostics;

const instance = (auth: string) => `
vrrp_instance V {
  interface eth0
  virtual_router_id 1
  ${auth}
  virtual_ipaddress {
    192.0.2.1
  }
}
`;

test('notify_fifo FILE user group: the owner is read, with no warning; the fifo scripts are scripts', () => {
  const text = `global_defs {\n  notify_fifo /run/k.fifo root daemon\n  vrrp_notify_fifo /run/v.fifo nobody\n  notify_fifo_script "/usr/bin/reader -v" root\n  fifo_write_vrrp_states_on_reload\n}\n${instance('')}`;
  assert.deepEqual(
    diagnostics(text).map((x) => x.message),
    [],
  );
  const m = loadConfigText(text, 'k.conf', {
    configId: 'k',
    source: memoryConfigSource({}),
    host: PERMISSIVE_HOST,
    skipHostChecks: true,
  }).model!;
  assert.deepEqual(m.globalDefs.notifyFifoOwner, { user: 'root', group: 'daemon' });
  assert.deepEqual(m.globalDefs.vrrpNotifyFifoOwner, { user: 'nobody' });
  assert.deepEqual(m.globalDefs.notifyFifoScript?.argv, ['/usr/bin/reader', '-v']);
  assert.equal(m.globalDefs.notifyFifoScript?.user, 'root');
  assert.equal(m.globalDefs.fifoWriteVrrpStatesOnReload, true);
});

test('auth_type AH is refused with the fix, by -t and by the daemon: vigil neither signs nor verifies AH', () => {
  const d = diagnostics(instance('authentication {\n    auth_type AH\n    auth_pass abc\n  }'));
  const ah = d.find((x) => x.code === 'ah-unsupported');
  assert.ok(ah, d.map((x) => x.message).join('\n'));
  assert.equal(ah.severity, 'error');
  assert.equal(ah.stopsDaemon, true);
  assert.match(ah.message, /auth_type AH is not supported by vigil: use auth_type PASS/);
  assert.deepEqual([ah.pos.line, ah.pos.column], [5, 3]);
  const pass = diagnostics(instance('authentication {\n    auth_type PASS\n    auth_pass abc\n  }'));
  assert.equal(pass.length, 0);
});

test('unicast_ttl, down_timer_adverts, promote_secondaries and vrrp_down_timer_adverts are implemented: no warning', () => {
  const text = `global_defs {\n  vrrp_down_timer_adverts 5\n}\n${instance(
    'unicast_src_ip 192.0.2.5\n  unicast_ttl 5\n  down_timer_adverts 4\n  promote_secondaries\n  unicast_peer {\n    192.0.2.9\n  }',
  )}`;
  assert.deepEqual(
    diagnostics(text).map((x) => x.message),
    [],
  );
});
