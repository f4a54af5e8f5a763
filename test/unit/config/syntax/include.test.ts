// biome-ignore-all lint/suspicious/noTemplateCurlyInString: keepalived ${NAME} parameters, not template literals
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fsConfigSource, memoryConfigSource } from '../../../../src/config/fs-source.js';
import { parseConfig } from '../../../../src/config/parser.js';
import { errors, MAIN, parse, shape, warnings } from './helpers.js';

describe('config syntax: include (in memory)', () => {
  it('includes relative to the including file, globs sorted, braces in order', () => {
    const r = parse('include conf.d/*.conf\ninclude /x/{b,a}.conf\nlast 1\n', {
      '/etc/keepalived/conf.d/20.conf': 'twenty 20\ninclude ../sub/s.conf\n',
      '/etc/keepalived/conf.d/10.conf': 'ten 10\n',
      '/etc/keepalived/conf.d/skip.txt': 'no\n',
      '/etc/keepalived/sub/s.conf': 'sub 1\n',
      '/x/a.conf': 'a 1\n',
      '/x/b.conf': 'b 1\n',
    });
    assert.deepEqual(errors(r), []);
    assert.deepEqual(shape(r.nodes), ['ten 10', 'twenty 20', 'sub 1', 'b 1', 'a 1', 'last 1']);
    assert.deepEqual(r.files, [
      MAIN,
      '/etc/keepalived/conf.d/10.conf',
      '/etc/keepalived/conf.d/20.conf',
      '/etc/keepalived/sub/s.conf',
      '/x/b.conf',
      '/x/a.conf',
    ]);
    assert.deepEqual(r.nodes[1]?.keyword.pos, { file: '/etc/keepalived/conf.d/20.conf', line: 1, column: 1 });
  });

  it('an include inside a block contributes to that block', () => {
    const r = parse('vrrp_instance V {\n  include vips.conf\n}\n', {
      '/etc/keepalived/vips.conf': 'state BACKUP\n',
    });
    assert.deepEqual(shape(r.nodes), ['vrrp_instance V', ['state BACKUP']]);
  });

  it('a glob matching nothing is silent; a missing named file is a warning (keepalived logs it)', () => {
    const r = parse('include none/*.conf\ninclude missing.conf\nx 1\n');
    assert.deepEqual(errors(r), []);
    assert.deepEqual(warnings(r), ["2:9 included file '/etc/keepalived/missing.conf' not found"]);
    assert.deepEqual(shape(r.nodes), ['x 1']);
  });

  it('includem/includew/includea make missing files errors', () => {
    assert.equal(errors(parse('includem missing.conf\n')).length, 1);
    assert.equal(errors(parse('includem none/*.conf\n')).length, 0);
    assert.equal(errors(parse('includew none/*.conf\n')).length, 1);
    assert.equal(errors(parse('includea none/*.conf\n')).length, 1);
    assert.equal(errors(parse('includeb /x/{a,b}.conf\n', { '/x/a.conf': 'a\n' })).length, 1);
    assert.equal(errors(parse('include /x/{a,b}.conf\n', { '/x/a.conf': 'a\n' })).length, 0);
  });

  it('include_check makes plain include strict, for the rest of the file and the files it includes', () => {
    const r = parse(
      'include a.conf\nglobal_defs {\n  include_check\n}\ninclude /x/sub.conf\ninclude b.conf\n',
      {
        '/x/sub.conf': 'include_check -match -wildcard_match -brace_match -readable\ninclude c.conf\n',
      },
    );
    // a.conf: before include_check, a warning; c.conf: checks removed in sub.conf, a warning;
    // b.conf: the setting is restored when sub.conf closes, an error.
    assert.deepEqual(errors(r), ["6:9 included file '/etc/keepalived/b.conf' not found"]);
    assert.deepEqual(warnings(r), [
      "1:9 included file '/etc/keepalived/a.conf' not found",
      "2:9 included file '/x/c.conf' not found",
    ]);
    assert.deepEqual(shape(r.nodes), [
      'global_defs',
      ['include_check'],
      'include_check -match -wildcard_match -brace_match -readable',
    ]);
  });

  it('include_check with options', () => {
    assert.equal(errors(parse('include_check wildcard_match\ninclude none/*.conf\n')).length, 1);
    assert.equal(errors(parse('include_check match\ninclude none/*.conf\n')).length, 0);
    assert.equal(errors(parse('include_check match\ninclude none.conf\n')).length, 1);
    assert.deepEqual(warnings(parse('include_check bogus\n')), ["1:15 unknown include_check option 'bogus'"]);
  });

  it('include works after parameter substitution and @id, like keepalived 2.2.7', () => {
    const r = parse('$F=/x/a.conf\ninclude $F\n@main include /x/b.conf\n@other include /x/c.conf\n', {
      '/x/a.conf': 'a 1\n',
      '/x/b.conf': 'b 1\n',
      '/x/c.conf': 'c 1\n',
    });
    assert.deepEqual(shape(r.nodes), ['a 1', 'b 1']);
  });

  it('include with more words, or quoted, is an ordinary statement', () => {
    const r = parse('include a b\n"include" x\n');
    assert.deepEqual(shape(r.nodes), ['include a b', 'include x']);
  });

  it('reports an include cycle with its chain and does not follow it', () => {
    const r = parse('include a.conf\nmain 1\n', {
      '/etc/keepalived/a.conf': 'include b.conf\na 1\n',
      '/etc/keepalived/b.conf': 'include keepalived.conf\nb 1\n',
    });
    assert.deepEqual(errors(r), [
      '1:9 include cycle: /etc/keepalived/keepalived.conf -> /etc/keepalived/a.conf -> /etc/keepalived/b.conf -> /etc/keepalived/keepalived.conf; not followed',
    ]);
    assert.equal(r.diagnostics[0]?.pos.file, '/etc/keepalived/b.conf');
    assert.deepEqual(shape(r.nodes), ['b 1', 'a 1', 'main 1']);
  });

  it('a self-include is a cycle', () => {
    const r = parse('include keepalived.conf\nx\n');
    assert.equal(errors(r).length, 1);
    assert.deepEqual(shape(r.nodes), ['x']);
  });

  it('limits include depth', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 50; i++) files[`/d/f${i}.conf`] = `include f${i + 1}.conf\nl${i}\n`;
    const r = parse('include /d/f0.conf\n', files);
    assert.equal(errors(r).length, 1);
    assert.match(errors(r)[0] ?? '', /nested more than 32 deep/);
  });

  it('sets ${_PWD} to the directory of the file being read', () => {
    const r = parse('include /x/y/a.conf\n', { '/x/y/a.conf': 'pwd ${_PWD}\n' });
    assert.deepEqual(shape(r.nodes), ['pwd /x/y']);
  });
});

describe('config syntax: missing main file', () => {
  it('is an error of class file', () => {
    const r = parseConfig('/nope/keepalived.conf', { configId: 'x', source: memoryConfigSource({}) });
    assert.equal(r.diagnostics.length, 1);
    assert.equal(r.diagnostics[0]?.severity, 'error');
    assert.equal(r.diagnostics[0]?.class, 'file');
    assert.deepEqual(r.nodes, []);
    assert.deepEqual(r.files, []);
  });

  it('is an error of class file with the real file system too', () => {
    const r = parseConfig('/nonexistent/vigil/keepalived.conf', { configId: 'x', source: fsConfigSource() });
    assert.equal(r.diagnostics[0]?.class, 'file');
  });
});

describe('config syntax: main file given as a pattern', () => {
  it('reads the first match and warns when several match', () => {
    const source = memoryConfigSource({ '/c/a.conf': 'a 1\n', '/c/b.conf': 'b 1\n' });
    const r = parseConfig('/c/*.conf', { configId: 'x', source });
    assert.deepEqual(shape(r.nodes), ['a 1']);
    assert.deepEqual(warnings(r), ['1:1 more than one file matches; using /c/a.conf']);
    const none = parseConfig('/d/*.conf', { configId: 'x', source });
    assert.equal(none.diagnostics[0]?.class, 'file');
  });
});

describe('config syntax: fsConfigSource globbing', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-syntax-'));
    mkdirSync(join(dir, 'conf.d'));
    mkdirSync(join(dir, 'conf.d', 'sub.conf')); // a directory matching the glob is skipped
    mkdirSync(join(dir, 'x'));
    writeFileSync(
      join(dir, 'keepalived.conf'),
      'include conf.d/*.conf\ninclude {x/one,x/two}.conf\ninclude x/t?o.conf\n',
    );
    writeFileSync(join(dir, 'conf.d', 'b.conf'), 'b 1\n');
    writeFileSync(join(dir, 'conf.d', 'a.conf'), 'a 1\n');
    writeFileSync(join(dir, 'conf.d', '.hidden.conf'), 'hidden 1\n');
    writeFileSync(join(dir, 'x', 'one.conf'), 'one 1\n');
    writeFileSync(join(dir, 'x', 'two.conf'), 'two 1\n');
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('expands globs (sorted, no dot files, no directories) and braces (in order)', () => {
    const r = parseConfig(join(dir, 'keepalived.conf'), { configId: 'x', source: fsConfigSource() });
    assert.deepEqual(errors(r), []);
    assert.deepEqual(shape(r.nodes), ['a 1', 'b 1', 'one 1', 'two 1', 'two 1']);
    assert.deepEqual(r.files, [
      join(dir, 'keepalived.conf'),
      join(dir, 'conf.d', 'a.conf'),
      join(dir, 'conf.d', 'b.conf'),
      join(dir, 'x', 'one.conf'),
      join(dir, 'x', 'two.conf'),
    ]);
  });

  it('glob() returns [] for no match and for a directory', () => {
    const src = fsConfigSource();
    assert.deepEqual(src.glob(join(dir, 'conf.d', '*.none')), []);
    assert.deepEqual(src.glob(join(dir, 'conf.d')), []);
    assert.deepEqual(src.glob(join(dir, '{conf.d/a,x/one}.conf')), [
      join(dir, 'conf.d', 'a.conf'),
      join(dir, 'x', 'one.conf'),
    ]);
    assert.ok(src.readFile(join(dir, 'conf.d')) instanceof Error);
  });

  it('refuses an executable config file, as keepalived does', () => {
    const p = join(dir, 'exec.conf');
    writeFileSync(p, 'x 1\n', { mode: 0o755 });
    const r = parseConfig(p, { configId: 'x', source: fsConfigSource() });
    assert.equal(r.diagnostics[0]?.class, 'file');
    assert.match(r.diagnostics[0]?.message ?? '', /executable/);
  });
});
