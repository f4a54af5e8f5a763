// biome-ignore-all lint/suspicious/noTemplateCurlyInString: keepalived ${NAME} parameters, not template literals
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fsConfigSource } from '../../../../src/config/fs-source.js';
import { parseConfig } from '../../../../src/config/parser.js';
import { SHARED } from '../../../shared.js';
import { errors, parse, shape } from './helpers.js';

const SAMPLES = '/usr/share/doc/keepalived/samples';
const SEEDS = `${SHARED}/configs/from-seeds`;

function listConfigs(dir: string, keep: (name: string) => boolean): string[] {
  try {
    return readdirSync(dir)
      .sort()
      .filter(keep)
      .map((n) => join(dir, n));
  } catch {
    return []; // directory absent on this machine: the suite below skips with the reason
  }
}

function parsesCleanly(f: string): void {
  const r = parseConfig(f, { configId: 'main', source: fsConfigSource(), random: () => 0 });
  assert.ok(r.nodes.length > 0, 'no nodes');
  assert.equal(r.files[0], f);
  assert.ok(!r.diagnostics.some((d) => d.class === 'file'));
  // Only the seed with C-style comments has syntax errors.
  if (!f.includes('001-annotated')) assert.deepEqual(errors(r), []);
}

for (const [title, dir, keep, atLeast] of [
  ["keepalived's samples", SAMPLES, (n: string) => n.startsWith('keepalived.conf.'), 20],
  ['the seed configs', SEEDS, (n: string) => n.endsWith('.conf'), 10],
] as const) {
  const files = listConfigs(dir, keep);
  const skip = files.length === 0 ? `${dir} is not present` : undefined;
  describe(`config syntax: ${title}`, { skip }, () => {
    it(`finds at least ${atLeast} configs in ${dir}`, () => {
      assert.ok(files.length >= atLeast, `only ${files.length} configs found`);
    });
    for (const f of files) it(`parses ${f}`, () => parsesCleanly(f));
  });
}

describe('config syntax: malformed and huge input', () => {
  it('parses 200k lines quickly', () => {
    const block =
      'vrrp_instance VI_$I {\n  state BACKUP # c\n  virtual_ipaddress {\n    10.0.0.1/24 dev eth0\n  }\n}\n';
    const parts: string[] = [];
    for (let i = 0; i < 200_000 / 6; i++) parts.push(block.replace('$I', String(i)));
    const text = parts.join('');
    const t0 = performance.now();
    const r = parse(text);
    const ms = performance.now() - t0;
    assert.equal(r.nodes.length, parts.length);
    assert.deepEqual(errors(r), []);
    assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);
  });

  it('parses a huge single line without quadratic blow-up', () => {
    const t0 = performance.now();
    const r = parse(`k ${'\u00a0x'.repeat(200_000)}\n`);
    assert.equal(r.nodes[0]?.args.length, 200_000);
    assert.ok(performance.now() - t0 < 3000);
  });

  it('binary garbage never throws', () => {
    let seed = 12345;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 30; round++) {
      let s = '';
      for (let i = 0; i < 4000; i++) s += String.fromCharCode(Math.floor(rnd() * 256));
      // Mix in the characters that drive the syntax.
      s += '{{{"\'$A=$A\n$A\n~SEQ(Q,1,3) ${Q}\n\\\n@\n}}}}';
      const r = parse(s);
      assert.ok(Array.isArray(r.nodes));
    }
  });

  it('unbalanced everything still yields nodes and errors', () => {
    const r = parse('}}\na {\n b "x\n c {\n');
    assert.ok(errors(r).length >= 4);
    assert.deepEqual(shape(r.nodes), ['a', ['b x', 'c', []]]);
  });

  it('CRLF line endings are accepted', () => {
    const r = parse('a {\r\n  b 1\r\n}\r\n');
    assert.deepEqual(shape(r.nodes), ['a', ['b 1']]);
    assert.deepEqual(errors(r), []);
  });

  it('a huge ~SEQ is bounded', () => {
    const r = parse('~SEQ(A,1,100000000) x\n');
    assert.equal(errors(r).length, 1);
  });
});
