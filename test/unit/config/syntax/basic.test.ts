import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Diagnostic, formatDiagnostic } from '../../../../src/config/diagnostics.js';
import { memoryConfigSource } from '../../../../src/config/fs-source.js';
import { parseConfigText } from '../../../../src/config/parser.js';
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

describe('config syntax: parseConfigText', () => {
  it('parses given text as the named file and resolves includes next to it', () => {
    const source = memoryConfigSource({ '/cfg/inc.conf': 'vrrp_instance V {\n  bad "x\n}\n' });
    const r = parseConfigText('include inc.conf\n', '/cfg/main.conf', { configId: 'n', source });
    assert.deepEqual(r.files, ['/cfg/main.conf', '/cfg/inc.conf']);
    assert.deepEqual(shape(r.nodes), ['vrrp_instance V', ['bad x']]);
    assert.deepEqual(r.diagnostics[0]?.pos, { file: '/cfg/inc.conf', line: 2, column: 7 });
    assert.equal(
      formatDiagnostic(r.diagnostics[0] as Diagnostic),
      '/cfg/inc.conf:2:7: error: unterminated double quote',
    );
  });
});
