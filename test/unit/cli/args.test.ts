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

test('genhash flags as keepalived’s getopt_long reads them', async () => {
  const { parseGenhashArgs, GENHASH_DEFAULT_TIMEOUT_MS } = await import('../../../src/cli/args.js');
  assert.deepEqual(parseArgs(['genhash', '-s', '1.2.3.4']), { command: 'genhash', argv: ['-s', '1.2.3.4'] });
  assert.deepEqual(parseArgs(['--genhash', '-h']), { command: 'genhash', argv: ['-h'] });
  const o = parseGenhashArgs([
    '-S',
    '-I',
    '-s',
    '2001:DB8::12',
    '-p443',
    '--url=/x',
    '--use-virt',
    'www',
    '-P',
    '1.0c',
  ]);
  assert.ok(!(o instanceof Error));
  assert.equal(o.server, '2001:db8::12');
  assert.equal(o.family, 'ipv6');
  assert.equal(o.port, 443);
  assert.equal(o.url, '/x');
  assert.equal(o.virtualhost, 'www');
  assert.equal(o.protocol, '1.0C');
  assert.deepEqual([o.ssl, o.sni, o.verbose], [true, true, false]);
  assert.equal(o.timeoutMs, GENHASH_DEFAULT_TIMEOUT_MS);
  const t = parseGenhashArgs(['-s', '1.2.3.4', '-p', '80', '-u', '/', '-t', '3', '-m', '7', '-v']);
  assert.ok(!(t instanceof Error));
  assert.deepEqual([t.timeoutMs, t.fwmark, t.verbose], [3000, 7, true]);
  const err = (argv: string[]) => {
    const r = parseGenhashArgs(argv);
    assert.ok(r instanceof Error, argv.join(' '));
    return r.message;
  };
  assert.equal(
    err(['-s', 'www.example.com', '-p', '80', '-u', '/']),
    'server should be an IP, not www.example.com',
  );
  assert.equal(err(['-s', '1.2.3.4', '-p', '0', '-u', '/']), "invalid port number '0'");
  assert.equal(err(['-s', '1.2.3.4', '-p', '80', '-u', '/', '-P', '2']), "invalid HTTP protocol version '2'");
  assert.equal(err(['-s', '1.2.3.4', '-p', '80', '-u', '/', '-t', '-1']), "invalid timeout '-1'");
  assert.equal(err(['-s', '1.2.3.4', '-p', '80']), ''); // url missing: usage only
  assert.equal(err(['-s', '1.2.3.4', '-p', '80', '-u', '/', '-h']), ''); // -h: usage, exit 1
  assert.equal(err(['-s', '1.2.3.4', '-x', '-u', '/']), 'Unknown option -x');
  assert.equal(err(['-s', '1.2.3.4', '-p', '80', '-u']), 'Missing parameter for option -u');
  assert.equal(err(['-s', '1.2.3.4', '-p', '80', '-u', '/', 'extra']), 'Unexpected argument(s): extra');
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
