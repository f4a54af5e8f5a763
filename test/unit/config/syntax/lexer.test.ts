import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DiagnosticSink } from '../../../../src/config/diagnostics.js';
import { stripComment, tokenizeLine } from '../../../../src/config/lexer.js';
import { errors, parse, shape, warnings } from './helpers.js';

function words(text: string): string[] {
  const sink = new DiagnosticSink();
  const l = { text, file: 'f', line: 1 };
  const dc = stripComment(l, sink);
  return tokenizeLine({ ...l, text: dc.text }, { sink, spaceWarned: new Set() }).map((w) => w.text);
}

describe('config syntax: comments', () => {
  it('# and ! start comments anywhere outside quotes', () => {
    const r = parse('a 1 # one\nb 2! two\n! whole line\n# whole line\nc "x # y" \'p ! q\'\n');
    assert.deepEqual(shape(r.nodes), ['a 1', 'b 2', 'c x # y p ! q']);
    assert.deepEqual(errors(r), []);
  });

  it('\\# and \\! are literal characters', () => {
    assert.deepEqual(words('a b\\#c d\\!e'), ['a', 'b#c', 'd!e']);
  });

  it('a word starting with // is an error at its column and the rest of the line is ignored', () => {
    const r = parse('global_defs {\n  router_id R1 // the router\n}\n');
    assert.deepEqual(errors(r), ['2:16 `//` is not a comment in keepalived.conf; use # or !']);
    assert.deepEqual(shape(r.nodes), ['global_defs', ['router_id R1']]);
  });

  it('// inside a word or in quotes is not a comment', () => {
    const r = parse('url http://example.com/ "//x"\n');
    assert.deepEqual(errors(r), []);
    assert.deepEqual(shape(r.nodes), ['url http://example.com/ //x']);
  });
});

describe('config syntax: quoting and escapes', () => {
  it('quotes group words and are removed, also mid-word', () => {
    assert.deepEqual(words('notify "/bin/x a b" \'c "d"\' ab"c d"e'), [
      'notify',
      '/bin/x a b',
      'c "d"',
      'abc de',
    ]);
  });

  it('an apostrophe inside a word is an ordinary character and does not hide a comment', () => {
    const r = parse("notification_email_from o'brien@example.com # it's me\nnext 1\n");
    assert.deepEqual(shape(r.nodes), ["notification_email_from o'brien@example.com", 'next 1']);
    assert.deepEqual(errors(r), []);
  });

  it('processes keepalived escapes', () => {
    assert.deepEqual(words('"\\a\\b\\E\\f\\n\\r\\t\\v"'), ['\x07\b\x1b\f\n\r\t\v']);
    assert.deepEqual(words('"\\101\\x42\\cC\\\\\\"\\q"'), ['AB\x03\\"q']);
    assert.deepEqual(words('a\\ b'), ['a b']);
  });

  it('marks quoted tokens', () => {
    const r = parse('k "v" w\n');
    assert.equal(r.nodes[0]?.args[0]?.quoted, true);
    assert.equal(r.nodes[0]?.args[1]?.quoted, false);
  });

  it('braces and comment characters inside quotes are literal', () => {
    const r = parse('script "/bin/echo {a} #b"\n');
    assert.deepEqual(shape(r.nodes), ['script /bin/echo {a} #b']);
  });

  it('an unterminated quote is an error at the opening quote and ends at the line end', () => {
    const r = parse('a {\n  notify "/bin/x y\n  b 1\n}\n');
    assert.deepEqual(errors(r), ['2:10 unterminated double quote']);
    assert.deepEqual(shape(r.nodes), ['a', ['notify /bin/x y', 'b 1']]);
  });
});

describe('config syntax: Unicode spaces', () => {
  it('treats U+00A0 as a space with one warning per line naming it', () => {
    const r = parse('priority\u00a0150\u00a0\u00a0# comment\nx 1\n');
    assert.deepEqual(shape(r.nodes), ['priority 150', 'x 1']);
    assert.deepEqual(warnings(r), ['1:9 non-breaking space (U+00A0) treated as a space']);
  });

  it('treats U+3000 (ideographic space) as a space', () => {
    const r = parse('a\u3000b\u3000c\n');
    assert.deepEqual(shape(r.nodes), ['a b c']);
    assert.deepEqual(warnings(r), ['1:2 ideographic space (U+3000) treated as a space']);
  });

  it('keeps Unicode spaces inside quotes', () => {
    const r = parse('a "x\u00a0y"\n');
    assert.deepEqual(shape(r.nodes), ['a x\u00a0y']);
    assert.deepEqual(warnings(r), []);
  });

  it('warns once per line about typographic quotes, which keepalived reads as plain characters', () => {
    const r = parse('notify \u201c/bin/x a\u201d\n');
    assert.deepEqual(shape(r.nodes), ['notify \u201c/bin/x a\u201d']);
    assert.deepEqual(warnings(r), [
      '1:8 typographic quote \u201c (U+201C) is not a quote in keepalived.conf; use " or \'',
    ]);
  });

  it('counts columns in code points', () => {
    const r = parse('k "\u{1F600}\u{1F600}" v\n');
    assert.equal(r.nodes[0]?.args[1]?.pos.column, 8);
  });
});
