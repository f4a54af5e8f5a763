import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeIcmp,
  encodeEchoRequest,
  judgeEcho,
  pingGroupRangeRewrite,
} from '../../../src/check/icmp-echo.js';
import { fillerPayload } from '../../../src/check/udp-payload.js';
import { internetChecksum } from '../../../src/net/checksum.js';

test('ICMPv4 echo request: type 8, id, sequence, payload, valid checksum', () => {
  const b = encodeEchoRequest('ipv4', 0x1234, 0x0102, Buffer.from('abcd'));
  assert.equal(b.toString('hex').slice(0, 4), '0800');
  assert.equal(b.readUInt16BE(4), 0x1234);
  assert.equal(b.readUInt16BE(6), 0x0102);
  assert.equal(b.subarray(8).toString(), 'abcd');
  assert.equal(internetChecksum(b), 0);
  // a known message: 08 00 cksum 00 01 00 01 (no payload) -> checksum f7fd
  assert.equal(encodeEchoRequest('ipv4', 1, 1, Buffer.alloc(0)).toString('hex'), '0800f7fd00010001');
});

test('ICMPv6 echo request: type 128, checksum left to the kernel', () => {
  const b = encodeEchoRequest('ipv6', 7, 9, fillerPayload(128));
  assert.equal(b.length, 136);
  assert.equal(b[0], 128);
  assert.equal(b.readUInt16BE(2), 0);
  assert.equal(decodeIcmp(b)?.sequence, 9);
});

test('echo replies: ours succeed, another sequence or id is ignored, other types fail', () => {
  const reply = (type: number, id: number, seq: number) => {
    const b = encodeEchoRequest('ipv4', id, seq, Buffer.from('x'));
    b[0] = type;
    return b;
  };
  assert.deepEqual(judgeEcho('ipv4', reply(0, 5, 3), 3), { kind: 'reply' });
  assert.deepEqual(judgeEcho('ipv4', reply(0, 5, 3), 3, 5), { kind: 'reply' });
  assert.equal(judgeEcho('ipv4', reply(0, 5, 4), 3).kind, 'ignore');
  assert.equal(judgeEcho('ipv4', reply(0, 6, 3), 3, 5).kind, 'ignore');
  assert.equal(judgeEcho('ipv4', reply(3, 5, 3), 3).kind, 'failure');
  assert.equal(judgeEcho('ipv6', reply(129, 5, 3), 3).kind, 'reply');
  assert.equal(judgeEcho('ipv6', reply(0, 5, 3), 3).kind, 'failure');
  assert.equal(judgeEcho('ipv4', Buffer.alloc(7), 3).kind, 'failure');
});

test('ping_group_range is made to start at gid 0, as keepalived does', () => {
  assert.equal(pingGroupRangeRewrite('1\t0\n'), '0\t0\n');
  assert.equal(pingGroupRangeRewrite('100\t2147483647\n'), '0\t2147483647\n');
  assert.equal(pingGroupRangeRewrite('0\t0\n'), undefined);
  assert.equal(pingGroupRangeRewrite('garbage'), undefined);
});
