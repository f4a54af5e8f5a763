import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errors, parse, shape } from './helpers.js';

describe('config syntax: blocks and statements', () => {
  it('parses nested blocks with positions', () => {
    const r = parse('global_defs {\n  router_id R1\n}\nvrrp_instance VI_1 {\n  state MASTER\n}\n');
    assert.deepEqual(errors(r), []);
    assert.deepEqual(shape(r.nodes), [
      'global_defs',
      ['router_id R1'],
      'vrrp_instance VI_1',
      ['state MASTER'],
    ]);
    const rid = r.nodes[0]?.children?.[0];
    assert.deepEqual(rid?.keyword.pos, { file: '/etc/keepalived/keepalived.conf', line: 2, column: 3 });
    assert.deepEqual(rid?.args[0]?.pos.column, 13);
    assert.deepEqual(r.nodes[0]?.open, { file: '/etc/keepalived/keepalived.conf', line: 1, column: 13 });
    assert.deepEqual(r.nodes[0]?.close?.line, 3);
  });
});
