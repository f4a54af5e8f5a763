import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeUdpReply, udpPlan } from '../../../src/check/checkers/udp.js';
import { dgramAddress, unappliedOptions } from '../../../src/check/udp-exchange.js';
import { fillerPayload, parseHexString, replyMismatch } from '../../../src/check/udp-payload.js';
import type { UdpChecker } from '../../../src/config/model.js';

const hex = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString('hex'));

test('hex strings as read_hex_str reads them', () => {
  const cases: [string, string | undefined][] = [
    ['Ab12f 3', 'ab120f03'],
    ['0102', '0102'],
    ['  01 2 \t 3', '010203'],
    ['a', '0a'],
    ['abc', 'ab0c'],
    ['', undefined],
    ['   ', undefined],
    ['0g', undefined],
    ['zz', undefined],
    ['A\tB', undefined],
    // keepalived's quirk: a last octet of FF reads as its error marker
    ['ff', undefined],
    ['01 ff', undefined],
    ['ff 01', 'ff01'],
  ];
  for (const [text, want] of cases) assert.equal(hex(parseHexString(text, false)?.data), want, text);
});

test('x/X nibbles are wildcards only in a reply pattern', () => {
  assert.equal(parseHexString('1x', false), undefined);
  const p = parseHexString('1x X2 xX 5', true);
  assert.equal(hex(p?.data), '10020005');
  assert.equal(hex(p?.mask), '0ff0ff00');
  assert.equal(parseHexString('12', true)?.mask, undefined);
});

test('the default payload is 32 bytes of "keepalived check - "', () => {
  assert.equal(fillerPayload(32).toString(), 'keepalived check - keepalived ch');
  assert.equal(fillerPayload(128).length, 128);
  const spec: UdpChecker = { type: 'UDP_CHECK', minReplyLength: 0, maxReplyLength: 255 } as UdpChecker;
  assert.equal(udpPlan(spec).payload.toString(), 'keepalived check - keepalived ch');
  assert.equal(hex(udpPlan({ ...spec, payload: 'de ad' }).payload), 'dead');
  assert.equal(udpPlan({ ...spec, payload: 'zz' }).payload.length, 32);
});

test('reply matching: length window, prefix, wildcards', () => {
  const expected = parseHexString('ab xc', true)!;
  const rule = { expected, minLength: 2, maxLength: 4 };
  assert.equal(replyMismatch(Buffer.from('ab1c', 'hex'), rule), undefined);
  assert.equal(replyMismatch(Buffer.from('abfc0000', 'hex'), rule), undefined);
  assert.match(replyMismatch(Buffer.from('ab1d', 'hex'), rule)!, /octet 1/);
  assert.match(replyMismatch(Buffer.from('ac1c', 'hex'), rule)!, /octet 0/);
  assert.match(replyMismatch(Buffer.from('ab', 'hex'), { ...rule, minLength: 3 })!, /length 1/);
  assert.match(replyMismatch(Buffer.from('ab1c000000', 'hex'), rule)!, /length 5/);
  // a reply shorter than the pattern is compared on its own length
  assert.equal(replyMismatch(Buffer.from('ab', 'hex'), { ...rule, minLength: 0 }), undefined);
});

test('plans: bare require_reply accepts any reply (2.2.7 checks lengths only with data)', () => {
  const spec = { type: 'UDP_CHECK', minReplyLength: 5, maxReplyLength: 6 } as UdpChecker;
  const none = udpPlan(spec);
  assert.equal(none.requireReply, false);
  const bare = udpPlan({ ...spec, requireReply: true });
  assert.equal(bare.requireReply, true);
  assert.equal(judgeUdpReply(bare, Buffer.from('x')).ok, true);
  const data = udpPlan({ ...spec, requireReply: '6f 6b' });
  assert.equal(judgeUdpReply(data, Buffer.from('ok!!!')).ok, true);
  assert.equal(judgeUdpReply(data, Buffer.from('ok')).ok, false);
  assert.equal(judgeUdpReply(data, Buffer.from('no!!!')).ok, false);
  assert.equal(judgeUdpReply(data, Buffer.from('ok!!!!!!!!!')).ok, false);
});

test('node:dgram cannot apply fwmark or bind_if (except as a link-local scope): named for a warning', () => {
  const t = { family: 'ipv6' as const, address: 'fe80::1', port: 53 };
  assert.equal(dgramAddress({ ...t, bindIf: 'eth0' }), 'fe80::1%eth0');
  assert.equal(dgramAddress({ ...t, address: '2001:db8::1', bindIf: 'eth0' }), '2001:db8::1');
  assert.deepEqual(unappliedOptions({ ...t, bindIf: 'eth0' }), []);
  assert.deepEqual(unappliedOptions({ ...t, address: '2001:db8::1', bindIf: 'eth0', fwmark: 3 }), [
    'fwmark 3',
    'bind_if eth0',
  ]);
});
