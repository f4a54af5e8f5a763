/** `./bin/vigil sniff` end to end (needs the build: tests run from dist/ after `tsc`). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { VECTORS } from '../../fixtures.js';
import { series, synthPcap } from './synth.js';

// dist/test/unit/sniff/cli.test.js -> repository root
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const VIGIL = join(ROOT, 'bin', 'vigil');

function vigil(...args: string[]) {
  const r = spawnSync(VIGIL, args, { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('sniff --json on a vector: one parseable object per VRRP packet, then the summary line', () => {
  const r = vigil('sniff', '-r', `${VECTORS}/ka-v3-ipv6-ll-lifecycle.pcap`, '--json');
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trimEnd().split('\n');
  const objs = lines.map((l) => JSON.parse(l));
  const packets = objs.slice(0, -1);
  assert.equal(packets.length, 5);
  for (const p of packets) {
    assert.equal(p.version, 3);
    assert.equal(p.vrid, 52);
    assert.deepEqual(p.addresses, ['fe80::5200', '2001:db8::100']);
    assert.equal(p.checksumOk, true);
    assert.equal(p.error, null);
  }
  const last = objs.at(-1);
  assert.deepEqual(Object.keys(last), ['summary']);
  assert.equal(last.summary.vrrpPackets, 5);
  assert.deepEqual(last.summary.conflicts, []);
});

test('sniff on a synthetic two-master capture reports the conflict (JSON and table)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-sniff-'));
  try {
    const file = join(dir, 'two-masters.pcap');
    writeFileSync(
      file,
      synthPcap([...series('192.0.2.11', 7, 100, 0, 6), ...series('192.0.2.12', 7, 90, 0.3, 6.3)]),
    );
    const j = vigil('sniff', '-r', file, '--json');
    assert.equal(j.code, 0, j.err);
    const summary = JSON.parse(j.out.trimEnd().split('\n').at(-1)!).summary;
    assert.equal(summary.conflicts.length, 1);
    assert.equal(summary.conflicts[0].kind, 'multiple-masters');
    assert.deepEqual(summary.conflicts[0].sources, ['192.0.2.11', '192.0.2.12']);
    assert.equal(summary.speakers.length, 2);
    const t = vigil('sniff', `--read=${file}`);
    assert.equal(t.code, 0, t.err);
    assert.match(t.out, /^TIME\s+SRC\s+DST/);
    assert.match(t.out, /two masters 192\.0\.2\.11 and 192\.0\.2\.12/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sniff -r - reads the capture from standard input', () => {
  const r = spawnSync(VIGIL, ['sniff', '-r', '-', '--json'], {
    encoding: 'utf8',
    timeout: 20_000,
    input: readFileSync(`${VECTORS}/ka-v2-pass-steady.pcap`),
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 4);
  assert.equal(JSON.parse(lines[0]!).vrid, 51);
});

test('sniff errors: missing -r/-i, bad live options, no such interface, unreadable file, not a pcap; --help documents the JSON', () => {
  const none = vigil('sniff');
  assert.equal(none.code, 1);
  assert.match(none.err, /-r FILE or -i IFACE is required/);
  const both = vigil('sniff', '-r', 'x.pcap', '-i', 'lo');
  assert.match(both.err, /-r FILE or -i IFACE is required \(one of them\)/);
  const fileSummary = vigil('sniff', '-r', `${VECTORS}/ka-v2-pass-steady.pcap`, '--summary');
  assert.equal(fileSummary.code, 1);
  assert.match(fileSummary.err, /--summary, --count and --duration go with -i/);
  const badCount = vigil('sniff', '-i', 'lo', '--count=0');
  assert.equal(badCount.code, 1);
  assert.match(badCount.err, /--count needs a positive whole number, not '0'/);
  const noIface = vigil('sniff', '-i', 'vigil-nonexistent0', '-c', '1');
  assert.equal(noIface.code, 1);
  assert.match(noIface.err, /no such interface 'vigil-nonexistent0'/);
  const missing = vigil('sniff', '-r', '/nonexistent/x.pcap');
  assert.equal(missing.code, 1);
  assert.match(missing.err, /cannot read .*ENOENT/);
  const notPcap = vigil('sniff', '-r', `${VECTORS}/README.md`);
  assert.equal(notPcap.code, 1);
  assert.match(notPcap.err, /not a pcap/);
  const help = vigil('sniff', '--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /\{"summary"/);
});
