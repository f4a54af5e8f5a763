// biome-ignore-all lint/suspicious/noTemplateCurlyInString: keepalived ${NAME} parameters, not template literals
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errors, MAIN, parse, shape, warnings } from './helpers.js';

describe('config syntax: parameters', () => {
  it('substitutes $NAME and ${NAME}, at use time and recursively (man page example)', () => {
    const r = parse(
      [
        '$ADDRESS_BASE=10.2.${ADDRESS_BASE_SUB}',
        '$ADDRESS_BASE_SUB=0',
        '${ADDRESS_BASE}.100/32',
        '$ADDRESS_BASE_SUB=10',
        '${ADDRESS_BASE}.100/32',
      ].join('\n'),
    );
    assert.deepEqual(shape(r.nodes), ['10.2.0.100/32', '10.2.10.100/32']);
    assert.deepEqual(errors(r), []);
  });

  it('$NAME needs a blank, comma, ) or line end after it', () => {
    const r = parse('$A=x\nk $A $A,y $Ab ${A}b\n');
    assert.deepEqual(shape(r.nodes), ['k x x,y $Ab xb']);
  });

  it('a definition needs no space before =, and allows an empty value', () => {
    const r = parse('$E=\n$S =1\nk a${E}b\n');
    assert.deepEqual(shape(r.nodes), ['$S =1', 'k ab']);
  });

  it('leaves undefined parameters as written, braces included', () => {
    const r = parse('notify "/bin/x $HOME"\nk ${UNDEF} $UNDEF\n');
    assert.deepEqual(shape(r.nodes), ['notify /bin/x $HOME', 'k ${UNDEF} $UNDEF']);
    assert.deepEqual(errors(r), []);
  });

  it('warns about an undefined unquoted ${NAME} (keepalived would split it at its braces)', () => {
    const r = parse('k a${UNDEF}b "${Q}"\n');
    assert.deepEqual(shape(r.nodes), ['k a${UNDEF}b ${Q}']);
    assert.deepEqual(warnings(r), [
      '1:4 parameter ${UNDEF} is not defined; kept as written (keepalived would split it at its braces)',
    ]);
  });

  it('warns about a trailing \\ outside a definition', () => {
    const r = parse('priority 100 \\\nnext 1\n');
    assert.deepEqual(shape(r.nodes), ['priority 100', 'next 1']);
    assert.deepEqual(warnings(r), ["1:14 a trailing '\\' only continues $NAME= definitions; ignored"]);
  });

  it('gives substituted words the position of the use', () => {
    const r = parse('$IP=10.0.0.1\nvirtual_ipaddress {\n    $IP  dev eth0\n}\n');
    const line = r.nodes[0]?.children?.[0];
    assert.equal(line?.keyword.text, '10.0.0.1');
    assert.deepEqual(line?.keyword.pos, { file: MAIN, line: 3, column: 5 });
    assert.deepEqual(line?.args[0]?.pos, { file: MAIN, line: 3, column: 10 });
  });

  it('multi-line definitions expand into several lines and nest', () => {
    const r = parse(
      [
        '$INSTANCE= \\',
        'vrrp_instance VI_${NUM} { \\',
        '    interface eth0.${NUM} \\',
        '    @high priority 130 \\',
        '    @low priority 120 \\',
        '}',
        '',
        '$NUM=0',
        '$INSTANCE',
        '$NUM=1',
        '$INSTANCE',
      ].join('\n'),
      {},
      'low',
    );
    assert.deepEqual(errors(r), []);
    assert.deepEqual(shape(r.nodes), [
      'vrrp_instance VI_0',
      ['interface eth0.0', 'priority 120'],
      'vrrp_instance VI_1',
      ['interface eth0.1', 'priority 120'],
    ]);
    assert.equal(r.nodes[1]?.children?.[0]?.keyword.pos.line, 11);
  });

  it('nested multi-line definitions (definitions inside them run at use)', () => {
    const r = parse(
      [
        '$RS= \\',
        'real_server 192.168.${VS}.${RS} 80 { \\',
        '   weight 1 \\',
        '}',
        '$V= \\',
        'virtual_server 10.0.${VS}.4 80 { \\',
        '  $RS=1 \\',
        '  $RS= \\',
        '  $RS=2 \\',
        '}',
        '$VS=7',
        '$V',
      ]
        .join('\n')
        .replace('  $RS= \\', '  $RS_LINE \\'),
    );
    // "$RS=1" inside $V redefines RS (the multi-line one) as a single value: keepalived semantics.
    assert.deepEqual(shape(r.nodes), ['virtual_server 10.0.7.4 80', ['$RS_LINE']]);
  });

  it('lines of a multi-line parameter are reported at its use', () => {
    const r = parse('$M= \\\n  a 1 \\\n  b 2\n@main   x $M\n');
    assert.deepEqual(shape(r.nodes), ['x a 1', 'b 2']);
    assert.deepEqual(r.nodes[0]?.keyword.pos, { file: MAIN, line: 4, column: 9 });
    assert.deepEqual(r.nodes[0]?.args[0]?.pos, { file: MAIN, line: 4, column: 11 });
    assert.deepEqual(r.nodes[1]?.keyword.pos, { file: MAIN, line: 4, column: 11 });
  });

  it('a multi-line definition ends at an empty line, not at a comment or blank-looking line', () => {
    const r = parse('$M= \\\n  one \\\n\n  two\n$M\n');
    assert.deepEqual(shape(r.nodes), ['two', 'one']);
    const c = parse('$M= \\\n  one \\\n# comment\n   \n  two\n$M\n');
    assert.deepEqual(shape(c.nodes), ['one', 'two']);
  });

  it('a multi-line parameter is only used when it ends the line', () => {
    const r = parse('$M= \\\n  a 1 \\\n  b 2\nx $M y\nx $M\n');
    assert.deepEqual(shape(r.nodes), ['x $M y', 'x a 1', 'b 2']);
  });

  it('predefined parameters', () => {
    const r = parse('k ${_INSTANCE} ${_PWD} x${_HASH}y ${_BANG} ${_RANDOM} ${_RANDOM 1 11}\n');
    assert.deepEqual(shape(r.nodes), ['k main /etc/keepalived x#y ! 16384 6']);
  });

  it('a parameter loop is an error and does not hang', () => {
    const r = parse('$A=x$B\n$B=${A}y\nk ${A}\nl 1\n');
    assert.deepEqual(errors(r), ['3:1 parameter definition loop: $A -> $B -> $A']);
    assert.equal(shape(r.nodes).at(-1), 'l 1');
  });

  it('a self-referencing multi-line parameter is an error and does not hang', () => {
    const r = parse('$M= \\\n  a \\\n  $M\n$M\nz\n');
    assert.ok(errors(r).some((e) => e.includes('multi-line parameter expands into itself: $M -> $M')));
    assert.equal(shape(r.nodes).at(-1), 'z');
  });

  it('very deep chains of definitions do not overflow the stack', () => {
    const defs = ['$P0=x'];
    for (let i = 1; i <= 20_000; i++) defs.push(`$P${i}=$P${i - 1}`);
    const r = parse(`${defs.join('\n')}\nk $P20000\nend\n`);
    assert.ok(errors(r).some((e) => e.includes('grows too large')));
    assert.equal(shape(r.nodes).at(-1), 'end');
    assert.ok(!errors(r).some((e) => e.includes('internal')));
  });

  it('exponential definitions are cut off with an error', () => {
    const defs = ['$P0=x'];
    for (let i = 1; i <= 40; i++) defs.push(`$P${i}=$P${i - 1} $P${i - 1}`);
    const r = parse(`${defs.join('\n')}\nk $P40\nend\n`);
    assert.ok(errors(r).some((e) => e.includes('grows too large')));
    assert.equal(shape(r.nodes).at(-1), 'end');
  });
});

describe('config syntax: conditional lines', () => {
  const text = 'global_defs {\n  @main router_id main_router\n  @backup router_id backup_router\n}\n';
  it('@id keeps the line when the config id matches', () => {
    assert.deepEqual(shape(parse(text, {}, 'main').nodes), ['global_defs', ['router_id main_router']]);
    assert.deepEqual(shape(parse(text, {}, 'other').nodes), ['global_defs', []]);
  });

  it('@^id keeps the line when the config id does not match', () => {
    const t = 'unicast_peer {\n  @^main 1.2.3.4\n  @^backup 1.2.3.5\n}\n';
    assert.deepEqual(shape(parse(t, {}, 'main').nodes), ['unicast_peer', ['1.2.3.5']]);
  });

  it('keeps positions after removing the @id', () => {
    const r = parse(text, {}, 'main');
    assert.equal(r.nodes[0]?.children?.[0]?.keyword.pos.column, 9);
  });

  it('a non-matching multi-line definition skips its continuation lines too', () => {
    const r = parse('@backup $X= \\\n  vrrp_instance X { \\\n  }\nok 1\n', {}, 'main');
    assert.deepEqual(shape(r.nodes), ['ok 1']);
    assert.deepEqual(errors(r), []);
  });

  it('works with definitions: @main $PRIORITY=240 and $IF_MAIN=@main', () => {
    const t = '@main $P=240\n@backup $P=200\npriority $P\n$IF=@main\n$IF weight 3\n';
    assert.deepEqual(shape(parse(t, {}, 'backup').nodes), ['priority 200']);
    assert.deepEqual(shape(parse(t, {}, 'main').nodes), ['priority 240', 'weight 3']);
  });
});

describe('config syntax: ~SEQ and ~LST', () => {
  it('~SEQ(var, start, end) repeats the rest of the line', () => {
    const r = parse('~SEQ(SUBNET, 0, 3) ip_address 10.0.${SUBNET}.1\n');
    assert.deepEqual(shape(r.nodes), [
      'ip_address 10.0.0.1',
      'ip_address 10.0.1.1',
      'ip_address 10.0.2.1',
      'ip_address 10.0.3.1',
    ]);
    assert.equal(r.nodes[0]?.keyword.pos.column, 20);
  });

  it('~SEQ(var, end) and ~SEQ(var, start, step, end), counting down', () => {
    assert.deepEqual(shape(parse('~SEQ(I,3) a$I\n').nodes), ['a1', 'a2', 'a3']);
    assert.deepEqual(shape(parse('~SEQ(I,3) a ${I}\n').nodes), ['a 1', 'a 2', 'a 3']);
    assert.deepEqual(shape(parse('~SEQ(I,10,-4,1) a ${I}\n').nodes), ['a 10', 'a 6', 'a 2']);
    assert.deepEqual(shape(parse('~SEQ(I,-2) a ${I}\n').nodes), ['a -1', 'a -2']);
  });

  it('~SEQx formats in hex and reads 0x numbers', () => {
    const r = parse('~SEQx(S, 0x90, 0x10, 0xc0) ip fe80::20:${S}:1\n');
    assert.deepEqual(shape(r.nodes), [
      'ip fe80::20:90:1',
      'ip fe80::20:a0:1',
      'ip fe80::20:b0:1',
      'ip fe80::20:c0:1',
    ]);
  });

  it('nests ~SEQ, and takes parameters in its arguments', () => {
    const r = parse('$MAX=2\n~SEQ(A,1,$MAX) ~SEQ(B,1,2) x ${A}.${B}\n');
    assert.deepEqual(shape(r.nodes), ['x 1.1', 'x 1.2', 'x 2.1', 'x 2.2']);
  });

  it('~LST with one and several variables, combined with ~SEQ', () => {
    assert.deepEqual(shape(parse('~LST(IP, 1, 2) ~LST(J,5,6) 192.${IP}.${J}\n').nodes), [
      '192.1.5',
      '192.1.6',
      '192.2.5',
      '192.2.6',
    ]);
    assert.deepEqual(
      shape(parse('~LST({IP, IP1}, {10,1},{20,4}) ~SEQ(P,168,2,170) ${P}.${IP}.${IP1}\n').nodes),
      ['168.10.1', '170.10.1', '168.20.4', '170.20.4'],
    );
  });

  it('~SEQ with a multi-line parameter repeats the whole block', () => {
    const r = parse('$B= \\\nb${I} { \\\n x ${I} \\\n}\n~SEQ(I,1,2) $B\n');
    assert.deepEqual(shape(r.nodes), ['b1', ['x 1'], 'b2', ['x 2']]);
  });

  it('a ~SEQ kept in a parameter runs when the parameter is used', () => {
    const r = parse('$S=~SEQ(I,1,2) x ${I}\n$S\n');
    assert.deepEqual(shape(r.nodes), ['x 1', 'x 2']);
  });

  it('a parameter whose ~SEQ uses itself is an error, reported once, without hanging', () => {
    const r = parse('$S=~SEQ(I,1,2) $S\n$S\nend 1\n');
    assert.deepEqual(errors(r), ['2:1 parameter expands into itself: $S -> $S']);
    assert.deepEqual(shape(r.nodes), ['end 1']);
  });

  it('invalid specifications are errors', () => {
    assert.deepEqual(errors(parse('~SEQ(I,1,-1,5) x\n')), [
      '1:1 invalid ~SEQ specification: invalid ~SEQ values (1, -1, 5)',
    ]);
    assert.equal(errors(parse('~SEQ(I,1,2 x\n')).length, 1);
    assert.equal(errors(parse('~LST(I) x\n')).length, 1);
    assert.equal(errors(parse('~SEQx(I,-3,1) x\n')).length, 1);
  });
});
