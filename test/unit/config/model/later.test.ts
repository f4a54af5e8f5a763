/** Parsed but not implemented yet: always warned about by name, never silently accepted. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryConfigSource } from '../../../../src/config/fs-source.js';
import { loadConfigText } from '../../../../src/config/load.js';
import { PERMISSIVE_HOST } from '../../../../src/config/validate.js';

const warnings = (text: string) =>
  loadConfigText(text, 'k.conf', {
    configId: 'k',
    source: memoryConfigSource({}),
    host: PERMISSIVE_HOST,
    skipHostChecks: true,
  }).diagnostics.filter((d) => d.severity === 'warning');

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

test('auth_type AH is warned about: vigil neither signs nor verifies AH', () => {
  const w = warnings(instance('authentication {\n    auth_type AH\n    auth_pass abc\n  }'));
  assert.ok(w.some((x) => /auth_type AH is accepted but not implemented/.test(x.message)));
  const pass = warnings(instance('authentication {\n    auth_type PASS\n    auth_pass abc\n  }'));
  assert.equal(pass.length, 0);
});
