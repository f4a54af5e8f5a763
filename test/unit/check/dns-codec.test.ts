import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dnsTypeCode, encodeName, encodeQuery, judgeReply } from '../../../src/check/dns-codec.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('query bytes: ID, RD only, one question, name/type/IN', () => {
  const q = encodeQuery(0xbeef, 'example.com', 'A');
  assert.ok(q.ok);
  // header: id beef, flags 0100 (RD), qd 1, an/ns/ar 0; qname 7example3com0; type 1; class 1
  assert.equal(hex(q.query), `beef01000001000000000000076578616d706c6503636f6d0000010001`);
});

test('the root and a trailing dot; the default SOA', () => {
  for (const name of ['', '.']) {
    const q = encodeQuery(1, name, 'SOA');
    assert.ok(q.ok);
    assert.equal(hex(q.query.subarray(12)), '0000060001', name);
  }
  const dotted = encodeQuery(2, 'a.b.', 'soa');
  assert.ok(dotted.ok);
  assert.equal(hex(dotted.query.subarray(12)), '016101620000060001');
});

test('every type keepalived knows, case-insensitive; others refused', () => {
  const want = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28, RRSIG: 46, DNSKEY: 48 };
  for (const [name, code] of Object.entries(want)) {
    assert.equal(dnsTypeCode(name), code);
    assert.equal(dnsTypeCode(name.toLowerCase()), code);
  }
  assert.equal(dnsTypeCode('PTR'), undefined);
  assert.equal(dnsTypeCode('constructor'), undefined);
  assert.deepEqual(encodeQuery(1, 'x', 'PTR'), { ok: false, reason: "unknown DNS query type 'PTR'" });
});

test('empty and over-long labels are refused', () => {
  assert.equal(typeof encodeName('a..b'), 'string');
  assert.equal(typeof encodeName('.a'), 'string');
  assert.equal(typeof encodeName(`${'x'.repeat(64)}.com`), 'string');
  assert.equal(typeof encodeName(`${'x'.repeat(63)}.com`), 'object');
});

function reply(id: number, flags: number, extra = 0): Buffer {
  const b = Buffer.alloc(12 + extra);
  b.writeUInt16BE(id, 0);
  b.writeUInt16BE(flags, 2);
  return b;
}

test('a response with the ID and RCODE 0 is success, answers or not', () => {
  assert.deepEqual(judgeReply(0x1234, reply(0x1234, 0x8180)), { kind: 'success' });
  assert.deepEqual(judgeReply(0x1234, reply(0x1234, 0x8580, 40)), { kind: 'success' });
});

test('RCODE != 0 fails with keepalived words', () => {
  assert.deepEqual(judgeReply(7, reply(7, 0x8183)), {
    kind: 'failure',
    reason: 'read error occurred. (rcode = 3)',
  });
  assert.deepEqual(judgeReply(7, reply(7, 0x8182)), {
    kind: 'failure',
    reason: 'read error occurred. (rcode = 2)',
  });
});

test('mismatched ID, short datagram and QR=0 are ignored', () => {
  assert.equal(judgeReply(1, reply(2, 0x8180)).kind, 'ignore');
  assert.equal(judgeReply(1, reply(1, 0x8180).subarray(0, 11)).kind, 'ignore');
  assert.equal(judgeReply(1, Buffer.alloc(0)).kind, 'ignore');
  assert.equal(judgeReply(1, reply(1, 0x0100)).kind, 'ignore');
  // an ignored query with an error code does not fail the check either
  assert.equal(judgeReply(1, reply(1, 0x0103)).kind, 'ignore');
});
