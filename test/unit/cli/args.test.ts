import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONFIG_FILE, parseArgs } from '../../../src/cli/args.js';

test('keepalived flags parse in short, attached and long forms', () => {
  const o = parseArgs(['-t', '-f', 'a.conf', '-iNODE1', '--pid=/run/x.pid', '-n', '-l', '-D']);
  assert.ok(!(o instanceof Error) && o.command === 'daemon');
  assert.equal(o.configFile, 'a.conf');
  assert.equal(o.configId, 'NODE1');
  assert.equal(o.pidFile, '/run/x.pid');
  assert.deepEqual([o.configTest, o.foreground, o.logConsole, o.logDetail], [true, true, true, true]);
});

test('default config file is keepalived’s', () => {
  const o = parseArgs([]);
  assert.ok(!(o instanceof Error) && o.command === 'daemon');
  assert.equal(o.configFile, DEFAULT_CONFIG_FILE);
});

test('unknown options and missing values are errors, not exceptions', () => {
  assert.ok(parseArgs(['--bogus']) instanceof Error);
  assert.ok(parseArgs(['-f']) instanceof Error);
});

test('subcommands pass the rest of argv through', () => {
  assert.deepEqual(parseArgs(['sniff', '-r', 'x.pcap']), { command: 'sniff', argv: ['-r', 'x.pcap'] });
});

test('--lvs-driver takes ipvs or nftables; default undefined (probe); `lvs` is a subcommand', () => {
  for (const v of ['ipvs', 'nftables']) {
    const o = parseArgs([`--lvs-driver=${v}`]);
    assert.ok(!(o instanceof Error) && o.command === 'daemon' && o.lvsDriver === v);
  }
  const d = parseArgs(['-n']);
  assert.ok(!(d instanceof Error) && d.command === 'daemon' && d.lvsDriver === undefined);
  assert.match(String(parseArgs(['--lvs-driver', 'bpf'])), /--lvs-driver must be one of ipvs, nftables/);
  assert.deepEqual(parseArgs(['lvs', '--stats']), { command: 'lvs', argv: ['--stats'] });
});
