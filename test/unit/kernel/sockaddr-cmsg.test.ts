import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseControlMessages, receiveInfo } from '../../../src/kernel/cmsg.js';
import {
  IP_PKTINFO,
  IP_TTL,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPV6_HOPLIMIT,
  IPV6_PKTINFO,
} from '../../../src/kernel/constants.js';
import { isValidInterfaceName, parseMac } from '../../../src/kernel/interfaces.js';
import {
  decodeSockaddr,
  encodeIpMreqn,
  encodeIpv6Mreq,
  encodeSockaddrIn,
  encodeSockaddrIn6,
  encodeSockaddrLl,
  encodeSockaddrNl,
} from '../../../src/kernel/sockaddr.js';

test('sockaddr_in layout and round trip', () => {
  const b = encodeSockaddrIn('192.0.2.18', 0x1234)!;
  assert.equal(b.toString('hex'), '02001234c000021200000000' + '00000000');
  assert.deepEqual(decodeSockaddr(b), {
    ok: true,
    value: { family: 'ipv4', address: '192.0.2.18', port: 0x1234 },
  });
  assert.equal(encodeSockaddrIn('300.1.1.1'), undefined);
});

test('sockaddr_in6 layout (scope id little-endian at 24) and round trip', () => {
  const b = encodeSockaddrIn6('fe80::1', 0, 7)!;
  assert.equal(b.length, 28);
  assert.equal(b.readUInt16LE(0), 10);
  assert.equal(b.readUInt32LE(24), 7);
  assert.deepEqual(decodeSockaddr(b), {
    ok: true,
    value: { family: 'ipv6', address: 'fe80::1', port: 0, scopeId: 7 },
  });
  assert.equal(encodeSockaddrIn6('fe80::g'), undefined);
});

test('sockaddr_ll and sockaddr_nl layouts', () => {
  const ll = encodeSockaddrLl({ protocol: 0x0806, ifindex: 3, hwaddr: Uint8Array.of(1, 2, 3, 4, 5, 6) });
  assert.equal(
    ll.toString('hex'),
    '1100' + '0806' + '03000000' + '0000' + '00' + '06' + '010203040506' + '0000',
  );
  const d = decodeSockaddr(ll);
  assert.ok(d.ok && d.value.family === 'packet');
  assert.equal(d.value.protocol, 0x0806);
  assert.deepEqual([...d.value.hwaddr], [1, 2, 3, 4, 5, 6]);
  assert.equal(encodeSockaddrNl(0, 1).toString('hex'), '100000000000000001000000');
  assert.deepEqual(decodeSockaddr(encodeSockaddrNl(42, 5)), {
    ok: true,
    value: { family: 'netlink', pid: 42, groups: 5 },
  });
});

test('decodeSockaddr never throws on short or unknown input', () => {
  assert.equal(decodeSockaddr(new Uint8Array(0)).ok, false);
  assert.equal(decodeSockaddr(Uint8Array.of(2, 0, 0)).ok, false);
  assert.deepEqual(decodeSockaddr(Uint8Array.of(99, 0)), { ok: false, reason: 'unknown address family 99' });
  for (let i = 0; i < 500; i++) {
    const b = Uint8Array.from({ length: i % 40 }, (_, j) => (i * 31 + j * 7) & 0xff);
    assert.equal(typeof decodeSockaddr(b).ok, 'boolean');
  }
});

test('multicast membership requests', () => {
  assert.equal(encodeIpMreqn('224.0.0.18', 4)!.toString('hex'), 'e000001200000000' + '04000000');
  const m6 = encodeIpv6Mreq('ff02::12', 4)!;
  assert.equal(m6.toString('hex'), 'ff020000000000000000000000000012' + '04000000');
  assert.equal(encodeIpMreqn('ff02::12', 1), undefined);
});

/** A 64-bit Linux cmsg: 8-byte length, level, type, data, padded to 8. */
function cmsg(level: number, type: number, data: Buffer): Buffer {
  const len = 16 + data.length;
  const b = Buffer.alloc((len + 7) & ~7);
  b.writeBigUInt64LE(BigInt(len), 0);
  b.writeInt32LE(level, 8);
  b.writeInt32LE(type, 12);
  data.copy(b, 16);
  return b;
}

test('IPv4 control messages: IP_TTL and IP_PKTINFO', () => {
  const ttl = Buffer.alloc(4);
  ttl.writeInt32LE(255);
  const pktinfo = Buffer.from('0300000000000000e0000012', 'hex'); // ifindex 3, spec_dst 0, addr 224.0.0.18
  const control = Buffer.concat([cmsg(IPPROTO_IP, IP_PKTINFO, pktinfo), cmsg(IPPROTO_IP, IP_TTL, ttl)]);
  const msgs = parseControlMessages(control);
  assert.equal(msgs.length, 2);
  assert.deepEqual(receiveInfo(msgs), { ifindex: 3, dst: '224.0.0.18', ttl: 255 });
});

test('IPv6 control messages: IPV6_HOPLIMIT and IPV6_PKTINFO', () => {
  const hop = Buffer.alloc(4);
  hop.writeInt32LE(254);
  const pktinfo = Buffer.concat([
    Buffer.from('ff020000000000000000000000000012', 'hex'),
    Buffer.from('05000000', 'hex'),
  ]);
  const control = Buffer.concat([
    cmsg(IPPROTO_IPV6, IPV6_HOPLIMIT, hop),
    cmsg(IPPROTO_IPV6, IPV6_PKTINFO, pktinfo),
  ]);
  assert.deepEqual(receiveInfo(parseControlMessages(control)), { ttl: 254, dst: 'ff02::12', ifindex: 5 });
});

test('malformed control buffers stop parsing without throwing', () => {
  assert.deepEqual(parseControlMessages(new Uint8Array(5)), []);
  const bad = Buffer.alloc(32);
  bad.writeBigUInt64LE(1000n, 0); // claims more than the buffer holds
  assert.deepEqual(parseControlMessages(bad), []);
  const zero = Buffer.alloc(32); // cmsg_len 0 would loop forever if accepted
  assert.deepEqual(parseControlMessages(zero), []);
  assert.deepEqual(receiveInfo([{ level: IPPROTO_IP, type: IP_TTL, data: new Uint8Array(2) }]), {});
});

test('interface names and MAC text', () => {
  assert.ok(isValidInterfaceName('eth0'));
  assert.ok(!isValidInterfaceName('../etc'));
  assert.ok(!isValidInterfaceName('a-very-long-name0'));
  assert.ok(!isValidInterfaceName(''));
  assert.deepEqual([...parseMac('92:c3:07:42:e6:de')!], [0x92, 0xc3, 0x07, 0x42, 0xe6, 0xde]);
  assert.equal(parseMac('92:c3:07:42:e6'), undefined);
});
