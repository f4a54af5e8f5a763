import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  IFF_LOWER_UP,
  IFF_RUNNING,
  IFF_UP,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  RT_SCOPE_LINK,
  RT_SCOPE_NOWHERE,
  RT_SCOPE_UNIVERSE,
  RTM_DELADDR,
  RTM_DELROUTE,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_NEWADDR,
  RTM_NEWLINK,
  RTM_NEWROUTE,
} from '../../../src/kernel/constants.js';
import { applyLinkEvent, resyncLinks } from '../../../src/kernel/link-state.js';
import {
  decodeAck,
  decodeAddressMessage,
  decodeLinkMessage,
  decodeRouteMessage,
  encodeAddressRequest,
  encodeAttr,
  encodeGetAddressDump,
  encodeGetLinkDump,
  encodeNlMessage,
  encodeRouteRequest,
  type LinkInfo,
  type NlMessage,
  parseAttrs,
  parseScope,
  scopeName,
  splitNlMessages,
} from '../../../src/kernel/netlink-codec.js';

const one = (b: Buffer): NlMessage => {
  const s = splitNlMessages(b);
  assert.equal(s.error, undefined);
  assert.equal(s.messages.length, 1);
  return s.messages[0]!;
};

test('nlmsghdr framing: length, type, flags, seq; padded to 4', () => {
  const b = encodeNlMessage(RTM_GETLINK, NLM_F_REQUEST, 7, Buffer.from([1, 2, 3]));
  assert.equal(b.length, 20);
  assert.equal(b.toString('hex'), '13000000' + '1200' + '0100' + '07000000' + '00000000' + '01020300');
  const m = one(b);
  assert.deepEqual([m.type, m.flags, m.seq, m.payload.length], [RTM_GETLINK, NLM_F_REQUEST, 7, 3]);
});

test('multi-part datagrams split; a bad length stops with a reason but keeps earlier messages', () => {
  const two = Buffer.concat([
    encodeNlMessage(RTM_NEWLINK, NLM_F_MULTI, 1, Buffer.alloc(16)),
    encodeNlMessage(NLMSG_DONE, NLM_F_MULTI, 1, Buffer.alloc(4)),
  ]);
  assert.deepEqual(
    splitNlMessages(two).messages.map((m) => m.type),
    [RTM_NEWLINK, NLMSG_DONE],
  );
  const broken = Buffer.concat([two, Buffer.from('ff000000000000000000000000000000', 'hex')]);
  const s = splitNlMessages(broken);
  assert.equal(s.messages.length, 2);
  assert.match(s.error ?? '', /bad nlmsg_len 255/);
  assert.deepEqual(splitNlMessages(Buffer.alloc(3)).messages, []);
});

test('attributes: 4-byte alignment, first occurrence wins, truncated attributes ignored', () => {
  const b = Buffer.concat([
    encodeAttr(3, Buffer.from('eth0\0')),
    encodeAttr(3, Buffer.from('x\0')),
    Buffer.from([0x20, 0, 1, 0]),
  ]);
  const a = parseAttrs(b);
  assert.equal(Buffer.from(a.get(3)!).toString(), 'eth0\0');
  assert.equal(a.size, 1);
});

test('RTM_NEWADDR request: flags, ifaddrmsg and attributes round-trip through the decoder', () => {
  const vip = {
    family: 'ipv4' as const,
    ifindex: 2,
    address: '192.0.2.100',
    prefixLength: 24,
    broadcast: '192.0.2.255',
    label: 'eth0:1',
    scope: RT_SCOPE_LINK,
  };
  const r = encodeAddressRequest('add', vip, 9);
  assert.ok(r.ok);
  const m = one(r.bytes);
  assert.equal(m.type, RTM_NEWADDR);
  assert.equal(m.flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  assert.equal(Buffer.from(m.payload.subarray(0, 8)).toString('hex'), '021800fd02000000');
  const d = decodeAddressMessage(m);
  assert.ok(d.ok);
  assert.deepEqual(d.value, { kind: 'new', address: { ...vip, flags: 0 } });

  const del = encodeAddressRequest('delete', vip, 10);
  assert.ok(del.ok);
  const dm = one(del.bytes);
  assert.equal(dm.type, RTM_DELADDR);
  assert.equal(dm.flags, NLM_F_REQUEST | NLM_F_ACK);
});

test('IPv6 address with NODAD; peer address decodes as peer', () => {
  const r = encodeAddressRequest(
    'add',
    { family: 'ipv6', ifindex: 3, address: '2001:db8::100', prefixLength: 64, flags: 2 },
    1,
  );
  assert.ok(r.ok);
  const d = decodeAddressMessage(one(r.bytes));
  assert.ok(d.ok);
  assert.equal(d.value.address.address, '2001:db8::100');
  assert.equal(d.value.address.flags, 2);
  const p = encodeAddressRequest(
    'add',
    { family: 'ipv4', ifindex: 3, address: '10.0.0.1', peer: '10.0.0.2', prefixLength: 32 },
    1,
  );
  assert.ok(p.ok);
  const pd = decodeAddressMessage(one(p.bytes));
  assert.ok(pd.ok);
  assert.equal(pd.value.address.peer, '10.0.0.2');
});

test('address requests with bad fields return reasons, never bytes', () => {
  const base = { family: 'ipv4' as const, ifindex: 2, address: '192.0.2.1', prefixLength: 24 };
  const reasons = [
    encodeAddressRequest('add', { ...base, prefixLength: 33 }, 1),
    encodeAddressRequest('add', { ...base, address: '2001:db8::1' }, 1),
    encodeAddressRequest('add', { ...base, label: 'x'.repeat(16) }, 1),
    encodeAddressRequest('add', { ...base, family: 'ipv6', address: '2001:db8::1', label: 'eth0:1' }, 1),
    encodeAddressRequest('add', { ...base, ifindex: 0 }, 1),
    encodeAddressRequest('add', { ...base, broadcast: 'nope' }, 1),
  ];
  for (const r of reasons) assert.equal(r.ok, false);
});

test('RTM_NEWROUTE request: iproute2 defaults (main table, boot protocol, link scope without gateway)', () => {
  const r = encodeRouteRequest('add', { family: 'ipv4', dst: '198.51.100.0', prefixLength: 24, oif: 2 }, 1);
  assert.ok(r.ok);
  const m = one(r.bytes);
  assert.equal(m.type, RTM_NEWROUTE);
  assert.equal(Buffer.from(m.payload.subarray(0, 12)).toString('hex'), '02180000fe03fd0100000000');
  const d = decodeRouteMessage(m);
  assert.ok(d.ok);
  assert.deepEqual(d.value.route, {
    family: 'ipv4',
    dst: '198.51.100.0',
    prefixLength: 24,
    oif: 2,
    table: 254,
    protocol: 3,
    scope: RT_SCOPE_LINK,
    type: 'unicast',
  });
  const gw = encodeRouteRequest(
    'add',
    { family: 'ipv6', prefixLength: 0, gateway: 'fe80::1', oif: 2, metric: 5, table: 1000 },
    2,
  );
  assert.ok(gw.ok);
  const g = decodeRouteMessage(one(gw.bytes));
  assert.ok(g.ok);
  assert.equal(g.value.route.scope, RT_SCOPE_UNIVERSE);
  assert.equal(g.value.route.table, 1000);
  assert.equal(g.value.route.gateway, 'fe80::1');
  assert.equal(g.value.route.metric, 5);
  assert.equal(g.value.route.dst, undefined, 'default route');
  const del = encodeRouteRequest('delete', { family: 'ipv4', dst: '198.51.100.0', prefixLength: 24 }, 3);
  assert.ok(del.ok);
  const dm = one(del.bytes);
  assert.equal(dm.type, RTM_DELROUTE);
  assert.equal(dm.payload[6], RT_SCOPE_NOWHERE, 'delete matches any scope');
  assert.equal(encodeRouteRequest('add', { family: 'ipv4', dst: 'x', prefixLength: 8 }, 1).ok, false);
  assert.equal(encodeRouteRequest('add', { family: 'ipv4', prefixLength: 40 }, 1).ok, false);
});

test('dump requests', () => {
  const l = one(encodeGetLinkDump(4));
  assert.deepEqual([l.type, l.flags, l.payload.length], [RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 16]);
  const a = one(encodeGetAddressDump(5, 'ipv6'));
  assert.deepEqual([a.type, a.payload[0]], [RTM_GETADDR, 10]);
});

/** An RTM_NEWLINK as the kernel sends it: ifinfomsg + IFLA_IFNAME/OPERSTATE/MTU/ADDRESS. */
function linkMessage(ifindex: number, name: string, flags: number, oper: number): Buffer {
  const hdr = Buffer.alloc(16);
  hdr.writeUInt16LE(1, 2); // ARPHRD_ETHER
  hdr.writeInt32LE(ifindex, 4);
  hdr.writeUInt32LE(flags, 8);
  const mtu = Buffer.alloc(4);
  mtu.writeUInt32LE(1500);
  const payload = Buffer.concat([
    hdr,
    encodeAttr(3, Buffer.from(`${name}\0`)),
    encodeAttr(4, mtu),
    encodeAttr(16, Buffer.from([oper])),
    encodeAttr(1, Buffer.from('92c30742e6de', 'hex')),
  ]);
  return encodeNlMessage(RTM_NEWLINK, 0, 0, payload);
}

test('RTM_NEWLINK decodes name, flags, operstate, mtu and MAC', () => {
  const d = decodeLinkMessage(one(linkMessage(2, 'eth0', IFF_UP | IFF_RUNNING | IFF_LOWER_UP, 6)));
  assert.ok(d.ok);
  assert.deepEqual(d.value.link, {
    ifindex: 2,
    name: 'eth0',
    flags: IFF_UP | IFF_RUNNING | IFF_LOWER_UP,
    up: true,
    running: true,
    lowerUp: true,
    operstate: 'up',
    mtu: 1500,
    hwaddr: '92:c3:07:42:e6:de',
  });
  assert.equal(decodeLinkMessage(one(encodeNlMessage(RTM_NEWLINK, 0, 0, Buffer.alloc(4)))).ok, false);
});

test('NLMSG_ERROR: ack, errno, and the extended-ack message', () => {
  const ack = Buffer.alloc(20);
  assert.deepEqual(decodeAck(one(encodeNlMessage(NLMSG_ERROR, 0, 5, ack))), {
    ok: true,
    value: { seq: 5, errno: 0 },
  });
  // errno -EINVAL, capped echo of the 16-byte request header, then NLMSGERR_ATTR_MSG.
  const err = Buffer.alloc(20);
  err.writeInt32LE(-22, 0);
  err.writeUInt32LE(40, 4);
  const withMsg = Buffer.concat([err, encodeAttr(1, Buffer.from('ipv4: Invalid scope value\0'))]);
  const d = decodeAck(one(encodeNlMessage(NLMSG_ERROR, 0x300, 6, withMsg)));
  assert.deepEqual(d, { ok: true, value: { seq: 6, errno: 22, message: 'ipv4: Invalid scope value' } });
  assert.equal(decodeAck(one(encodeNlMessage(NLMSG_ERROR, 0, 1, Buffer.alloc(2)))).ok, false);
});

test('decoders never throw on arbitrary bytes', () => {
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed & 0xff;
  };
  let decoded = 0;
  for (let i = 0; i < 2000; i++) {
    const payload = Uint8Array.from({ length: i % 64 }, rnd);
    for (const type of [RTM_NEWLINK, RTM_NEWADDR, RTM_DELADDR, RTM_NEWROUTE, NLMSG_ERROR]) {
      const m: NlMessage = { type, flags: 0, seq: 0, pid: 0, payload };
      for (const r of [decodeLinkMessage(m), decodeAddressMessage(m), decodeRouteMessage(m), decodeAck(m)])
        if (r.ok) decoded++;
    }
    assert.ok(Array.isArray(splitNlMessages(payload).messages));
  }
  assert.ok(decoded > 0, 'some random inputs decode');
});

test('scope names as keepalived and iproute2 spell them', () => {
  assert.equal(parseScope('link'), RT_SCOPE_LINK);
  assert.equal(parseScope('global'), 0);
  assert.equal(parseScope('host'), 254);
  assert.equal(parseScope('site'), 200);
  assert.equal(parseScope('17'), 17);
  assert.equal(parseScope('bogus'), undefined);
  assert.equal(parseScope('256'), undefined);
  assert.equal(scopeName(253), 'link');
  assert.equal(scopeName(0), 'global');
});

test('link reducer: added, down, up, renamed, removed; resync reports differences', () => {
  const links = new Map<number, LinkInfo>();
  const link = (name: string, up: boolean, running: boolean): LinkInfo => ({
    ifindex: 2,
    name,
    flags: 0,
    up,
    running,
    lowerUp: running,
    operstate: running ? 'up' : 'down',
  });
  assert.deepEqual(
    applyLinkEvent(links, { kind: 'new', link: link('eth0', true, true) }).map((c) => c.kind),
    ['added'],
  );
  assert.deepEqual(applyLinkEvent(links, { kind: 'new', link: link('eth0', true, true) }), []);
  assert.deepEqual(
    applyLinkEvent(links, { kind: 'new', link: link('eth0', true, false) }).map((c) => c.kind),
    ['down'],
  );
  assert.deepEqual(
    applyLinkEvent(links, { kind: 'new', link: link('eth1', true, true) }).map((c) => c.kind),
    ['renamed', 'up'],
  );
  assert.deepEqual(
    resyncLinks(links, []).map((c) => c.kind),
    ['removed'],
  );
  assert.equal(links.size, 0);
  assert.deepEqual(applyLinkEvent(links, { kind: 'del', link: link('eth1', false, false) }), []);
});
