import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeFamily,
  decodeGenlMessage,
  encodeGenlRequest,
  encodeGetFamily,
  type GenlMessage,
  nlaNest,
  nlaString,
  nlaU16,
  nlaU32,
} from '../../../src/kernel/genetlink-codec.js';
import { encodeAttr, encodeNlMessage, splitNlMessages } from '../../../src/kernel/netlink-codec.js';
import {
  decodeDestReply,
  decodeInfoReply,
  decodeServiceReply,
  destRequest,
  getDestsRequest,
  getServicesRequest,
  type IpvsDest,
  type IpvsService,
  SVC_F,
  serviceRequest,
} from '../../../src/lvs/ipvs-codec.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const FAMILY = 0x20;

const tcp80: IpvsService = {
  family: 'ipv4',
  protocol: 'TCP',
  address: '192.0.2.100',
  port: 80,
  scheduler: 'rr',
  flags: 0,
  timeoutS: 0,
  netmask: '255.255.255.255',
};

const SERVICE_NEST_TCP80 = `
  5400 0180
    0600 0100 0200 0000
    0600 0200 0600 0000
    1400 0300 c0000264 00000000 00000000 00000000
    0600 0400 0050 0000
    0700 0600 727200 00
    0c00 0700 00000000 ffffffff
    0800 0800 00000000
    0800 0900 ffffffff`;

function bytes(
  r: { ok: true; value: Parameters<typeof encodeGenlRequest>[0] } | { ok: false; reason: string },
) {
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return encodeGenlRequest(r.value, 1);
}

test('CTRL_CMD_GETFAMILY "IPVS": nlmsghdr, genlmsghdr, FAMILY_NAME', () => {
  assert.deepEqual(
    encodeGetFamily('IPVS', 7),
    hex(`20000000 1000 0500 07000000 00000000
         03 01 0000
         0900 0200 49505653 00 000000`),
  );
});

test('the controller reply gives the family id, version and max attribute', () => {
  const payload = Buffer.concat([
    Uint8Array.of(1, 2, 0, 0),
    nlaString(2, 'IPVS'),
    nlaU16(1, 0x1c),
    nlaU32(3, 1),
    nlaU32(4, 0),
    nlaU32(5, 4),
  ]);
  const [m] = splitNlMessages(encodeNlMessage(0x10, 0, 7, payload)).messages;
  assert.ok(m);
  assert.deepEqual(decodeFamily(m), {
    ok: true,
    value: { id: 0x1c, name: 'IPVS', version: 1, hdrSize: 0, maxAttr: 4 },
  });
  const [bad] = splitNlMessages(encodeNlMessage(0x10, 0, 7, Uint8Array.of(1, 2))).messages;
  assert.ok(bad);
  assert.equal(decodeGenlMessage(bad).ok, false);
});

test('NEW_SERVICE TCP 192.0.2.100:80 rr: the full entry as libipvs sends it, byte by byte', () => {
  assert.deepEqual(
    bytes(serviceRequest(FAMILY, 'new', tcp80)),
    hex(`68000000 2000 0500 01000000 00000000  01 01 0000 ${SERVICE_NEST_TCP80}`),
  );
  // SET and DEL carry the same nest with their own command.
  assert.equal(bytes(serviceRequest(FAMILY, 'set', tcp80))[16], 2);
  assert.equal(bytes(serviceRequest(FAMILY, 'del', tcp80))[16], 3);
});

test('fwmark service, persistent, IPv4 granularity mask in network order, sh flags, SIP engine', () => {
  const b = bytes(
    serviceRequest(FAMILY, 'new', {
      family: 'ipv4',
      fwmark: 7,
      scheduler: 'sh',
      flags: SVC_F.PERSISTENT | SVC_F.SCHED1 | SVC_F.SCHED2,
      timeoutS: 300,
      netmask: '255.255.255.0',
      peName: 'sip',
    }),
  );
  assert.deepEqual(
    b.subarray(20),
    hex(`4000 0180
           0600 0100 0200 0000
           0800 0500 07000000
           0700 0600 736800 00
           0800 0b00 73697000
           0c00 0700 19000000 ffffffff
           0800 0800 2c010000
           0800 0900 ffffff00`),
  );
});

test('IPv6 UDP and SCTP services: 16-byte address, prefix-length netmask', () => {
  const b = bytes(
    serviceRequest(FAMILY, 'new', {
      family: 'ipv6',
      protocol: 'UDP',
      address: '2001:db8::100',
      port: 53,
      scheduler: 'wlc',
      flags: SVC_F.ONEPACKET,
      timeoutS: 0,
      netmask: '128',
    }),
  );
  assert.deepEqual(
    b.subarray(20),
    hex(`5400 0180
           0600 0100 0a00 0000
           0600 0200 1100 0000
           1400 0300 20010db8 00000000 00000000 00000100
           0600 0400 0035 0000
           0800 0600 776c6300
           0c00 0700 04000000 ffffffff
           0800 0800 00000000
           0800 0900 80000000`),
  );
  const sctp = bytes(serviceRequest(FAMILY, 'new', { ...tcp80, protocol: 'SCTP' }));
  assert.deepEqual(sctp.subarray(32, 40), hex('0600 0200 8400 0000'));
});

test('bad services are refused with a reason', () => {
  const reasons = [
    serviceRequest(FAMILY, 'new', { ...tcp80, address: '300.1.1.1' }),
    serviceRequest(FAMILY, 'new', { ...tcp80, scheduler: '' }),
    serviceRequest(FAMILY, 'new', { ...tcp80, scheduler: 'a-very-long-scheduler' }),
    serviceRequest(FAMILY, 'new', { ...tcp80, netmask: '255.255.0' }),
    serviceRequest(FAMILY, 'new', {
      family: 'ipv6',
      scheduler: 'rr',
      flags: 0,
      timeoutS: 0,
      netmask: '129',
      fwmark: 1,
    }),
    serviceRequest(FAMILY, 'new', {
      family: 'ipv4',
      scheduler: 'rr',
      flags: 0,
      timeoutS: 0,
      netmask: '255.255.255.255',
    }),
  ];
  for (const r of reasons) assert.equal(r.ok, false);
});

const drDest: IpvsDest = {
  family: 'ipv4',
  address: '198.51.100.3',
  port: 443,
  method: 'DR',
  weight: 2,
  uThreshold: 0,
  lThreshold: 0,
};

test('NEW_DEST: the SERVICE identity nest then the DEST nest, byte by byte', () => {
  assert.deepEqual(
    bytes(destRequest(FAMILY, 'new', tcp80, drDest)),
    hex(`b0000000 2000 0500 01000000 00000000  05 01 0000 ${SERVICE_NEST_TCP80}
         4800 0280
           0600 0b00 0200 0000
           1400 0100 c6336403 00000000 00000000 00000000
           0600 0200 01bb 0000
           0800 0300 03000000
           0800 0400 02000000
           0800 0500 00000000
           0800 0600 00000000`),
  );
  assert.equal(bytes(destRequest(FAMILY, 'set', tcp80, drDest))[16], 6);
  assert.equal(bytes(destRequest(FAMILY, 'del', tcp80, drDest))[16], 7);
});

test('dest methods, thresholds and tunnel options (ipip: type only; gue: port and flags; gre: flags)', () => {
  const destNest = (d: IpvsDest) => {
    const b = bytes(destRequest(FAMILY, 'new', tcp80, d));
    return b.subarray(20 + 0x54);
  };
  const nat = destNest({ ...drDest, method: 'NAT', port: 8080, weight: 0, uThreshold: 100, lThreshold: 50 });
  assert.deepEqual(nat.subarray(40, 48), hex('0800 0300 00000000'));
  assert.deepEqual(nat.subarray(48, 56), hex('0800 0400 00000000'));
  assert.deepEqual(nat.subarray(56), hex('0800 0500 64000000 0800 0600 32000000'));
  assert.deepEqual(destNest({ ...drDest, method: 'LOCAL' }).subarray(40, 48), hex('0800 0300 01000000'));
  const ipip = destNest({ ...drDest, method: 'TUN' });
  assert.deepEqual(ipip.subarray(40, 64), hex('0800 0300 02000000 0800 0400 02000000 0500 0d00 00 000000'));
  assert.deepEqual(ipip.subarray(64), hex('0800 0500 00000000 0800 0600 00000000'));
  const gue = destNest({ ...drDest, method: 'TUN', tunType: 'gue', tunPort: 5555, tunFlags: 1 });
  assert.deepEqual(gue.subarray(56, 80), hex('0500 0d00 01 000000 0600 0e00 15b3 0000 0600 0f00 0100 0000'));
  const gre = destNest({ ...drDest, method: 'TUN', tunType: 'gre', tunFlags: 2 });
  assert.deepEqual(gre.subarray(56, 72), hex('0500 0d00 02 000000 0600 0f00 0200 0000'));
  // A NAT dest never carries tunnel attributes.
  assert.equal(destNest({ ...drDest, method: 'NAT', tunType: 'gue', tunPort: 1 }).length, 0x48);
  // An IPv6 dest of an IPv4 service (tunnelled): its own family.
  const v6 = destNest({ ...drDest, family: 'ipv6', address: '2001:db8::1', method: 'TUN' });
  assert.deepEqual(
    v6.subarray(4, 32),
    hex('0600 0b00 0a00 0000 1400 0100 20010db8 00000000 00000000 00000001'),
  );
  assert.equal(destRequest(FAMILY, 'new', tcp80, { ...drDest, weight: -1 }).ok, false);
  assert.equal(destRequest(FAMILY, 'new', tcp80, { ...drDest, address: 'nope' }).ok, false);
});

test('dumps: GET_SERVICE with no attributes, GET_DEST with the service identity, both NLM_F_DUMP', () => {
  assert.deepEqual(
    encodeGenlRequest(getServicesRequest(FAMILY), 9),
    hex('14000000 2000 0103 09000000 00000000 04 01 0000'),
  );
  const r = getDestsRequest(FAMILY, tcp80);
  assert.ok(r.ok);
  const b = encodeGenlRequest(r.value, 9);
  assert.deepEqual(b.subarray(0, 20), hex('68000000 2000 0103 09000000 00000000 08 01 0000'));
  assert.deepEqual(b.subarray(20), hex(SERVICE_NEST_TCP80));
});

const u64 = (type: number, n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return encodeAttr(type, b);
};
const reply = (cmd: number, attrs: Uint8Array[]): GenlMessage => ({
  type: FAMILY,
  flags: 2,
  seq: 1,
  cmd,
  version: 1,
  attrs: Buffer.concat(attrs),
});

test('GET_SERVICE replies decode with flags, persistence and STATS64 counters', () => {
  const stats64 = nlaNest(12, [
    u64(1, 5),
    u64(2, 100),
    u64(3, 90),
    u64(4, 2 ** 40),
    u64(5, 7000),
    u64(6, 1),
    u64(9, 800),
  ]);
  const stats32 = nlaNest(10, [nlaU32(1, 9)]);
  const m = reply(1, [
    nlaNest(1, [
      nlaU16(1, 2),
      nlaU32(5, 7),
      nlaString(6, 'sh'),
      encodeAttr(7, hex('0b000000 ffffffff')),
      nlaU32(8, 300),
      encodeAttr(9, hex('ffffff00')),
      stats32,
      stats64,
    ]),
  ]);
  const d = decodeServiceReply(m);
  assert.ok(d.ok);
  assert.deepEqual(d.value, {
    family: 'ipv4',
    fwmark: 7,
    scheduler: 'sh',
    flags: 0x0b,
    timeoutS: 300,
    netmask: '255.255.255.0',
    stats: {
      conns: 5,
      inPkts: 100,
      outPkts: 90,
      inBytes: 2 ** 40,
      outBytes: 7000,
      cps: 1,
      inPps: 0,
      outPps: 0,
      inBps: 800,
      outBps: 0,
    },
  });
  // Older kernels: STATS only (u32 counters, u64 bytes).
  const v6 = decodeServiceReply(
    reply(1, [
      nlaNest(1, [
        nlaU16(1, 10),
        nlaU16(2, 17),
        encodeAttr(3, hex('20010db8 00000000 00000000 00000100')),
        encodeAttr(4, hex('0035')),
        nlaString(6, 'wlc'),
        nlaString(11, 'sip'),
        nlaU32(9, 64),
        nlaNest(10, [nlaU32(1, 3), u64(4, 1234)]),
      ]),
    ]),
  );
  assert.ok(v6.ok);
  assert.equal(v6.value.address, '2001:db8::100');
  assert.equal(v6.value.protocol, 'UDP');
  assert.equal(v6.value.port, 53);
  assert.equal(v6.value.netmask, '64');
  assert.equal(v6.value.peName, 'sip');
  assert.equal(v6.value.stats?.conns, 3);
  assert.equal(v6.value.stats?.inBytes, 1234);
  assert.equal(decodeServiceReply(reply(1, [])).ok, false);
  assert.equal(decodeServiceReply(reply(1, [nlaNest(1, [nlaU16(1, 7)])])).ok, false);
  assert.equal(decodeServiceReply(reply(1, [nlaNest(1, [nlaU16(1, 2), nlaU16(2, 6)])])).ok, false);
});

test('GET_DEST replies decode with method, connections and tunnel options', () => {
  const m = reply(5, [
    nlaNest(2, [
      encodeAttr(1, hex('c6336403 00000000 00000000 00000000')),
      encodeAttr(2, hex('01bb')),
      nlaU32(3, 2),
      nlaU32(4, 7),
      nlaU32(5, 10),
      nlaU32(6, 5),
      nlaU32(7, 3),
      nlaU32(8, 4),
      nlaU32(9, 1),
      nlaU16(11, 2),
      encodeAttr(13, Uint8Array.of(1)),
      encodeAttr(14, hex('15b3')),
      nlaU16(15, 1),
    ]),
  ]);
  assert.deepEqual(decodeDestReply(m, 'ipv6'), {
    ok: true,
    value: {
      family: 'ipv4',
      address: '198.51.100.3',
      port: 443,
      method: 'TUN',
      weight: 7,
      uThreshold: 10,
      lThreshold: 5,
      activeConns: 3,
      inactConns: 4,
      persistConns: 1,
      tunType: 'gue',
      tunPort: 5555,
      tunFlags: 1,
    },
  });
  // Without ADDR_FAMILY (kernels before 4.x): the service's family.
  const old = decodeDestReply(
    reply(5, [
      nlaNest(2, [
        encodeAttr(1, hex('20010db8000000000000000000000002')),
        encodeAttr(2, hex('0035')),
        nlaU32(3, 0),
      ]),
    ]),
    'ipv6',
  );
  assert.ok(old.ok);
  assert.equal(old.value.address, '2001:db8::2');
  assert.equal(old.value.method, 'NAT');
  assert.equal(decodeDestReply(reply(5, []), 'ipv4').ok, false);
});

test('GET_INFO reply: version 0x010201 is "1.2.1"', () => {
  assert.deepEqual(decodeInfoReply(reply(14, [nlaU32(1, 0x010201), nlaU32(2, 4096)])), {
    ok: true,
    value: { version: '1.2.1', connTabSize: 4096 },
  });
  assert.equal(decodeInfoReply(reply(14, [])).ok, false);
});
