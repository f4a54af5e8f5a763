import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { LinkType } from '../../../src/net/frame.js';
import { readPcap, writePcap } from '../../../src/pcap/reader.js';
import { VECTORS } from '../../fixtures.js';

const RECS = [
  { tsSec: 1_700_000_000, tsUsec: 123456, data: Uint8Array.of(1, 2, 3) },
  { tsSec: 1_700_000_001, tsUsec: 7, data: Uint8Array.of(4, 5, 6, 7, 8) },
];

/** Rewrites a little-endian pcap image in big-endian byte order (as a SPARC or a big-endian MIPS writes). */
function toBigEndian(le: Uint8Array): Uint8Array {
  const out = Uint8Array.from(le);
  const src = new DataView(le.buffer, le.byteOffset, le.byteLength);
  const dst = new DataView(out.buffer);
  for (const off of [0, 8, 12, 16, 20]) dst.setUint32(off, src.getUint32(off, true), false);
  dst.setUint16(4, src.getUint16(4, true), false);
  dst.setUint16(6, src.getUint16(6, true), false);
  let off = 24;
  while (off < le.length) {
    const cap = src.getUint32(off + 8, true);
    for (let k = 0; k < 16; k += 4) dst.setUint32(off + k, src.getUint32(off + k, true), false);
    off += 16 + cap;
  }
  return out;
}

test('reads the little-endian microsecond vectors: header, records, frame numbers', () => {
  const r = readPcap(readFileSync(`${VECTORS}/tcpdump/vrrp.pcap`));
  assert.ok(r.ok);
  assert.deepEqual(
    { ...r.header },
    { byteOrder: 'le', nanosecond: false, versionMajor: 2, versionMinor: 4, snaplen: 65535, linktype: 1 },
  );
  assert.equal(r.records.length, 165, 'the README counts 165 frames');
  assert.equal(r.records[0]!.index, 1);
  assert.equal(r.records[164]!.index, 165);
  assert.equal(r.stop, undefined);
});

test('both byte orders read the same records', () => {
  const le = writePcap(LinkType.RAW, RECS);
  const be = toBigEndian(le);
  const a = readPcap(le);
  const b = readPcap(be);
  assert.ok(a.ok && b.ok);
  assert.equal(a.header.byteOrder, 'le');
  assert.equal(b.header.byteOrder, 'be');
  assert.equal(b.header.linktype, LinkType.RAW);
  assert.deepEqual(
    b.records.map((r) => [r.tsSec, r.tsFrac, [...r.data]]),
    a.records.map((r) => [r.tsSec, r.tsFrac, [...r.data]]),
  );
  assert.deepEqual([...a.records[1]!.data], [4, 5, 6, 7, 8]);
});

test('nanosecond magic is recognised in both byte orders', () => {
  const le = writePcap(LinkType.RAW, RECS);
  new DataView(le.buffer).setUint32(0, 0xa1b23c4d, true);
  const r = readPcap(le);
  assert.ok(r.ok && r.header.nanosecond && r.records[0]!.tsFrac === 123456);
  const be = toBigEndian(le);
  const rb = readPcap(be);
  assert.ok(rb.ok && rb.header.nanosecond && rb.header.byteOrder === 'be');
});

test('truncated files stop with a reason and keep the records before the damage', () => {
  const full = writePcap(LinkType.RAW, RECS);
  const midData = readPcap(full.subarray(0, full.length - 2));
  assert.ok(midData.ok && midData.records.length === 1);
  assert.equal(midData.stop?.reason, 'truncated-record-data');
  const midHeader = readPcap(full.subarray(0, 24 + 16 + 3 + 5));
  assert.ok(midHeader.ok && midHeader.records.length === 1);
  assert.equal(midHeader.stop?.reason, 'truncated-record-header');
  const huge = Uint8Array.from(full);
  new DataView(huge.buffer).setUint32(24 + 8, 0xfffffff0, true);
  const h = readPcap(huge);
  assert.ok(h.ok && h.records.length === 0 && h.stop?.reason === 'record-too-large');
});

test('not-pcap inputs: empty, short, pcapng, unknown magic', () => {
  assert.deepEqual(readPcap(new Uint8Array(0)), { ok: false, reason: 'too-short' });
  assert.deepEqual(readPcap(writePcap(1, []).subarray(0, 20)), { ok: false, reason: 'too-short' });
  const ng = Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a);
  assert.deepEqual(readPcap(ng), { ok: false, reason: 'pcapng-unsupported' });
  assert.deepEqual(readPcap(new Uint8Array(64).fill(0x42)), { ok: false, reason: 'bad-magic' });
  // A file with only a header is a valid, empty capture.
  const empty = readPcap(writePcap(1, []));
  assert.ok(empty.ok && empty.records.length === 0 && empty.stop === undefined);
});

test('a subarray view (non-zero byteOffset) reads correctly', () => {
  const img = writePcap(LinkType.RAW, RECS);
  const padded = new Uint8Array(img.length + 3);
  padded.set(img, 3);
  const r = readPcap(padded.subarray(3));
  assert.ok(r.ok && r.records.length === 2);
});
