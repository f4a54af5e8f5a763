import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryConfigSource } from '../../../../src/config/fs-source.js';
import { parseConfig } from '../../../../src/config/parser.js';
import { SCALAR_KEYWORDS, VALUE_BLOCKS } from '../../../../src/config/schema/index.js';
import { errors, MAIN, parse, shape } from './helpers.js';

describe('config syntax: braces', () => {
  it('splits a brace glued to a word (8090{)', () => {
    const r = parse('virtual_server 10.0.0.1 8090{\n  delay_loop 6\n}\n');
    assert.deepEqual(shape(r.nodes), ['virtual_server 10.0.0.1 8090', ['delay_loop 6']]);
    assert.equal(r.nodes[0]?.open?.column, 29);
  });

  it('a { on the next line opens the previous statement block', () => {
    const r = parse('vrrp_instance VI_1\n{\n  state MASTER\n}\n');
    assert.deepEqual(errors(r), []);
    assert.deepEqual(shape(r.nodes), ['vrrp_instance VI_1', ['state MASTER']]);
    assert.equal(r.nodes[0]?.open?.line, 2);
  });

  it('a { line after a keyword that takes no block is skipped, as keepalived does', () => {
    const text =
      'vrrp_instance VI_1 {\n  virtual_router_id 51\n  { stray words\n  priority 100\n}\nvrrp_instance VI_2 {\n}\n';
    const r = parseConfig(MAIN, {
      configId: 'main',
      source: memoryConfigSource({ [MAIN]: text }),
      scalarKeywords: SCALAR_KEYWORDS,
    });
    assert.deepEqual(errors(r), [
      "3:3 unexpected '{' after 'virtual_router_id', which takes no block - ignoring this line",
    ]);
    assert.deepEqual(shape(r.nodes), [
      'vrrp_instance VI_1',
      ['virtual_router_id 51', 'priority 100'],
      'vrrp_instance VI_2',
      [],
    ]);
    // Block keywords still take a `{` from the next line.
    assert.ok(!SCALAR_KEYWORDS.has('vrrp_instance') && !SCALAR_KEYWORDS.has('virtual_ipaddress'));
    assert.ok(!SCALAR_KEYWORDS.has('HTTP_GET') && SCALAR_KEYWORDS.has('priority'));
  });

  it('a value block reads { as a word and ends at its first }, as keepalived alloc_value_block', () => {
    // track_script's closing brace is missing: keepalived reads `track_interface {` as a script
    // name, the next `}` ends track_script, and VI_2 stays a block of its own.
    const text =
      'vrrp_instance VI_1 {\n  track_script {\n    chk\n  track_interface {\n    eth1\n  }\n}\nvrrp_instance VI_2 {\n}\n';
    const r = parseConfig(MAIN, {
      configId: 'main',
      source: memoryConfigSource({ [MAIN]: text }),
      valueBlocks: VALUE_BLOCKS,
    });
    assert.deepEqual(errors(r), []);
    assert.deepEqual(shape(r.nodes), [
      'vrrp_instance VI_1',
      ['track_script', ['chk', 'track_interface {', 'eth1']],
      'vrrp_instance VI_2',
      [],
    ]);
  });

  it('braces act as line breaks: one-line blocks and text after }', () => {
    const r = parse('virtual_ipaddress { 10.0.0.1 10.0.0.2 } track { a b }\ngroup {x}y\n');
    assert.deepEqual(shape(r.nodes), [
      'virtual_ipaddress',
      ['10.0.0.1 10.0.0.2'],
      'track',
      ['a b'],
      'group',
      ['x'],
      'y',
    ]);
  });

  it('empty blocks have children', () => {
    const r = parse('a {}\nb {\n}\n');
    assert.deepEqual(r.nodes[0]?.children, []);
    assert.deepEqual(r.nodes[1]?.children, []);
  });

  it('an unclosed block is reported where it was opened', () => {
    const r = parse('global_defs {\n  router_id R\nvrrp_instance V {\n  state MASTER\n}\n');
    assert.deepEqual(errors(r), ["1:13 block 'global_defs' opened here is never closed (missing '}')"]);
    assert.equal(r.nodes[0]?.close, undefined);
    assert.deepEqual(shape(r.nodes), ['global_defs', ['router_id R', 'vrrp_instance V', ['state MASTER']]]);
  });

  it('an extra } is reported at its position and parsing continues', () => {
    const r = parse('a {\n}\n  }\nb 1\n');
    assert.deepEqual(errors(r), ["3:3 extra '}' with no block open"]);
    assert.deepEqual(shape(r.nodes), ['a', [], 'b 1']);
  });

  it('a { with no statement before it is reported and its content kept', () => {
    const r = parse('a {\n}\n{\n  x 1\n}\n');
    assert.deepEqual(errors(r), ["3:1 unexpected '{' without a keyword before it"]);
    assert.deepEqual(shape(r.nodes), ['a', [], 'x 1']);
  });

  it('a { after a blank or comment line still attaches; after a block it does not', () => {
    const r = parse('a\n# c\n\n{\n}\nb { }\n{ }\n');
    assert.deepEqual(shape(r.nodes), ['a', [], 'b', []]);
    assert.deepEqual(errors(r), ["7:1 unexpected '{' without a keyword before it"]);
  });
});
