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
const warnings = (text: string) => diagnostics(text).filter((d) => d.severity === 'warning');

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

test('notify_fifo with an owner: the owner part is warned about at its column', () => {
  const w = warnings(`global_defs {\n  notify_fifo /run/k.fifo root root\n}\n${instance('')}`);
  const d = w.find((x) => x.message.includes("'notify_fifo' FIFO owner"));
  assert.ok(d, w.map((x) => x.message).join('\n'));
  assert.deepEqual([d.pos.line, d.pos.column], [2, 27]);
  assert.equal(warnings(`global_defs {\n  notify_fifo /run/k.fifo\n}\n${instance('')}`).length, 0);
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
