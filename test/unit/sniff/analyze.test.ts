import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { analyzeCapture, formatPcapTime } from '../../../src/sniff/analyze.js';
import { renderRecords, renderSummary } from '../../../src/sniff/render.js';
import { VECTORS } from '../../fixtures.js';
import { advertFrame, series, synthPcap } from './synth.js';

const FIELDS = [
  'time',
  'src',
  'dst',
  'ttl',
  'version',
  'vrid',
  'priority',
  'adverIntCs',
  'authType',
  'addresses',
  'checksumOk',
  'error',
].sort();

function analyze(bytes: Uint8Array) {
  const r = analyzeCapture(bytes);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r;
}

test('records carry exactly the documented fields, non-VRRP frames are skipped', () => {
  const r = analyze(readFileSync(`${VECTORS}/ka-v2-pass-lifecycle.pcap`));
  assert.equal(r.summary.frames, 14);
  assert.equal(r.records.length, 5, 'IGMP and ARP frames are not VRRP');
  for (const rec of r.records) assert.deepEqual(Object.keys(rec).sort(), FIELDS);
  assert.deepEqual(r.records[0], {
    time: r.records[0]!.time,
    src: '192.0.2.11',
    dst: '224.0.0.18',
    ttl: 255,
    version: 2,
    vrid: 51,
    priority: 100,
    adverIntCs: 100,
    authType: 1,
    addresses: ['192.0.2.100'],
    checksumOk: true,
    error: null,
  });
  assert.match(r.records[0]!.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.equal(r.records.at(-1)!.priority, 0, 'the shutdown advert');
});

test('time: ISO-8601 UTC with the capture precision', () => {
  assert.equal(formatPcapTime(0, 5, false), '1970-01-01T00:00:00.000005Z');
  assert.equal(formatPcapTime(1_700_000_000, 123456789, true), '2023-11-14T22:13:20.123456789Z');
});

test('two sources sending non-zero priority for one VRID at the same time: multiple-masters', () => {
  const pcap = synthPcap([
    ...series('192.0.2.11', 51, 100, 0, 10),
    ...series('192.0.2.12', 51, 100, 0.5, 10.5),
  ]);
  const r = analyze(pcap);
  const c = r.summary.conflicts;
  assert.equal(c.length, 1);
  const m = c[0]!;
  assert.ok(m.kind === 'multiple-masters');
  assert.deepEqual(m.sources, ['192.0.2.11', '192.0.2.12']);
  assert.equal(m.vrid, 51);
  assert.ok(m.from < m.to);
  assert.match(renderSummary(r.summary), /VRID 51 \(ipv4\): two masters 192\.0\.2\.11 and 192\.0\.2\.12/);
});

test('a clean hand-over (old master stops, or sends priority 0, then the new one starts) is no conflict', () => {
  const handover = [...series('192.0.2.11', 51, 100, 0, 5), ...series('192.0.2.12', 51, 150, 5.5, 10)];
  assert.deepEqual(analyze(synthPcap(handover)).summary.conflicts, []);
  const withStop = [
    ...series('192.0.2.11', 51, 100, 0, 5),
    { t: 5, src: '192.0.2.11', vrid: 51, priority: 0 },
    ...series('192.0.2.12', 51, 100, 5.1, 10),
  ];
  assert.deepEqual(analyze(synthPcap(withStop)).summary.conflicts, []);
  // Backups do not send: one master per VRID on several VRIDs is fine, as is one VRID on both families.
  const multi = [
    ...series('192.0.2.11', 51, 100, 0, 5),
    ...series('192.0.2.12', 52, 100, 0, 5),
    ...series('fe80::1', 51, 100, 0, 5),
  ];
  assert.deepEqual(analyze(synthPcap(multi)).summary.conflicts, []);
});

test('different address lists for one VRID are reported; order alone is not', () => {
  const same = [
    ...series('192.0.2.11', 51, 100, 0, 3, 1, { addresses: ['192.0.2.100', '192.0.2.101'] }),
    ...series('192.0.2.12', 51, 100, 10, 13, 1, { addresses: ['192.0.2.101', '192.0.2.100'] }),
  ];
  assert.deepEqual(analyze(synthPcap(same)).summary.conflicts, []);
  const diff = [
    ...series('192.0.2.11', 51, 100, 0, 3, 1, { addresses: ['192.0.2.100', '192.0.2.101'] }),
    ...series('192.0.2.12', 51, 100, 10, 13, 1, { addresses: ['192.0.2.100'] }),
  ];
  const r = analyze(synthPcap(diff));
  const c = r.summary.conflicts;
  assert.equal(c.length, 1);
  assert.ok(c[0]!.kind === 'address-mismatch');
  assert.deepEqual(
    c[0]!.lists.map((l) => [l.addresses, l.sources]),
    [
      [['192.0.2.100', '192.0.2.101'], ['192.0.2.11']],
      [['192.0.2.100'], ['192.0.2.12']],
    ],
  );
  assert.match(renderSummary(r.summary), /not present in MASTER advert/);
});

test('address lists with nothing in common: another cluster uses the VRID (seed 001 FAQ)', () => {
  const r = analyze(
    synthPcap([
      ...series('192.0.2.11', 101, 100, 0, 3, 1, { addresses: ['192.0.2.100'] }),
      ...series('192.0.2.12', 101, 90, 10, 13, 1, { addresses: ['192.0.2.100', '192.0.2.101'] }),
      ...series('192.0.2.13', 101, 100, 20, 23, 1, { addresses: ['192.0.2.150'] }),
    ]),
  );
  const c = r.summary.conflicts;
  assert.deepEqual(
    c.map((x) => x.kind),
    ['address-mismatch', 'shared-vrid'],
  );
  const shared = c[1]!;
  assert.ok(shared.kind === 'shared-vrid');
  assert.deepEqual(
    shared.clusters.map((k) => [[...k.addresses].sort(), k.sources]),
    [
      [
        ['192.0.2.100', '192.0.2.101'],
        ['192.0.2.11', '192.0.2.12'],
      ],
      [['192.0.2.150'], ['192.0.2.13']],
    ],
  );
  assert.match(renderSummary(r.summary), /VRID 101 \(ipv4\): used by 2 clusters/);
});

test('auth, version and interval mismatches within a VRID are reported with their senders', () => {
  const r = analyze(
    synthPcap([
      ...series('192.0.2.11', 7, 100, 0, 3, 1, { pass: 's3cret' }),
      ...series('192.0.2.12', 7, 100, 10, 13, 1, { pass: 'other' }),
      ...series('192.0.2.13', 7, 100, 20, 23, 1, { pass: 's3cret', adverIntCs: 200 }),
      ...series('192.0.2.14', 7, 100, 30, 33, 1, { version: 3 }),
    ]),
  );
  const byKind = new Map(r.summary.conflicts.map((c) => [c.kind, c]));
  const auth = byKind.get('auth-mismatch');
  assert.ok(auth?.kind === 'auth-mismatch');
  assert.deepEqual(
    auth.auths.map((a) => [a.value, a.sources]),
    [
      ['PASS "other"', ['192.0.2.12']],
      ['PASS "s3cret"', ['192.0.2.11', '192.0.2.13']],
    ],
  );
  const version = byKind.get('version-mismatch');
  assert.ok(version?.kind === 'version-mismatch');
  assert.deepEqual(
    version.versions.map((v) => [v.value, v.sources]),
    [
      [2, ['192.0.2.11', '192.0.2.12', '192.0.2.13']],
      [3, ['192.0.2.14']],
    ],
  );
  const interval = byKind.get('interval-mismatch');
  assert.ok(interval?.kind === 'interval-mismatch');
  assert.deepEqual(
    interval.intervals.map((v) => [v.value, v.sources]),
    [
      [100, ['192.0.2.11', '192.0.2.12']],
      [200, ['192.0.2.13']],
    ],
  );
  const text = renderSummary(r.summary);
  assert.match(
    text,
    /VRID 7 \(ipv4\): authentication differs: PASS "other" from 192\.0\.2\.12; PASS "s3cret"/,
  );
  assert.match(text, /VRRP versions differ: v2 from .*; v3 from 192\.0\.2\.14/);
  assert.match(text, /advert intervals differ: 100 cs from .*; 200 cs from 192\.0\.2\.13/);
});

test('speakers: per source, VRID and version with priority range, interval and count', () => {
  const r = analyze(
    synthPcap([
      ...series('192.0.2.11', 51, 100, 0, 3),
      { t: 3, src: '192.0.2.11', vrid: 51, priority: 0 },
      ...series('fe80::2', 52, 200, 0, 2, 0.5, { adverIntCs: 50 }),
    ]),
  );
  assert.deepEqual(
    r.summary.speakers.map((s) => [
      s.family,
      s.src,
      s.vrid,
      s.version,
      s.priorityMin,
      s.priorityMax,
      s.adverIntCs,
      s.packets,
    ]),
    [
      ['ipv4', '192.0.2.11', 51, 2, 0, 100, [100], 4],
      ['ipv6', 'fe80::2', 52, 3, 200, 200, [50], 4],
    ],
  );
  const text = renderRecords(r.records) + renderSummary(r.summary);
  assert.match(text, /fe80::2\s+52\s+v3\s+200\s+50\s+4/);
  assert.match(text, /Conflicts:\n {2}none/);
});

test('invalid packets are reported with a reason and whatever could be read', () => {
  const good = advertFrame({ t: 0, src: '192.0.2.11', vrid: 51, priority: 100 });
  const badCk = Uint8Array.from(good);
  badCk[14 + 20 + 2] = 99; // priority changed after the checksum was computed
  const cut = good.subarray(0, 14 + 20 + 10);
  const r = analyze(
    synthPcap(
      [],
      [
        { tsSec: 1, tsUsec: 0, data: badCk },
        { tsSec: 2, tsUsec: 0, data: cut },
      ],
    ),
  );
  assert.equal(r.records.length, 2);
  assert.deepEqual(
    [r.records[0]!.error, r.records[0]!.checksumOk, r.records[0]!.priority],
    ['bad-checksum', false, 99],
  );
  assert.deepEqual(
    [r.records[1]!.error, r.records[1]!.vrid, r.records[1]!.checksumOk],
    ['truncated', 51, false],
  );
  assert.equal(r.summary.invalidPackets, 2);
  assert.deepEqual(r.summary.speakers, [], 'invalid packets do not make speakers');
});

test('capture-level failures: a truncated capture keeps what was read, unsupported link types are refused', () => {
  const pcap = synthPcap(series('192.0.2.11', 51, 100, 0, 3));
  const r = analyze(pcap.subarray(0, pcap.length - 5));
  assert.equal(r.records.length, 2);
  assert.match(r.summary.stopReason ?? '', /truncated/);
  const fr = Uint8Array.from(pcap);
  fr[20] = 147; // LINKTYPE_USER0
  const bad = analyzeCapture(fr);
  assert.ok(!bad.ok && /link type 147/.test(bad.error));
  const junk = analyzeCapture(new Uint8Array(100));
  assert.ok(!junk.ok && /not a pcap/.test(junk.error));
});
