/** rtnetlink encoding of the use_vmac messages: macvlan create/update, link changes, link delete. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AF_INET6,
  IFF_UP,
  IFLA_ADDRESS,
  IFLA_AF_SPEC,
  IFLA_IFNAME,
  IFLA_INET6_ADDR_GEN_MODE,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINK,
  IFLA_LINKINFO,
  IFLA_MACVLAN_MODE,
  IN6_ADDR_GEN_MODE_NONE,
  MACVLAN_MODE_PRIVATE,
  NLA_F_NESTED,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  RTM_DELLINK,
  RTM_NEWLINK,
} from '../../../src/kernel/constants.js';
import {
  decodeLinkMessage,
  type EncodeResult,
  encodeDeleteLinkRequest,
  encodeLinkChangeRequest,
  encodeMacvlanRequest,
  type NlMessage,
  parseAttrs,
  splitNlMessages,
} from '../../../src/kernel/netlink-codec.js';

const one = (r: EncodeResult): NlMessage => {
  assert.ok(r.ok, r.ok ? '' : r.reason);
  const s = splitNlMessages(r.bytes);
  assert.equal(s.error, undefined);
  assert.equal(s.messages.length, 1);
  return s.messages[0]!;
};

/** struct ifinfomsg: family, type, index, flags, change. */
const ifinfo = (p: Uint8Array) => {
  const v = new DataView(p.buffer, p.byteOffset, 16);
  return {
    family: v.getUint8(0),
    index: v.getInt32(4, true),
    flags: v.getUint32(8, true),
    change: v.getUint32(12, true),
  };
};

/** Attribute types in order, with their raw type field (flags included). */
const rawTypes = (b: Uint8Array): number[] => {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let off = 0; off + 4 <= b.length; off += (v.getUint16(off, true) + 3) & ~3) {
    out.push(v.getUint16(off + 2, true));
  }
  return out;
};

const u32 = (a: Uint8Array | undefined) => new DataView(a!.buffer, a!.byteOffset, 4).getUint32(0, true);

test('macvlan create: RTM_NEWLINK, create|excl|ack, name, base index, MAC, kind macvlan mode private', () => {
  const m = one(
    encodeMacvlanRequest(
      { op: 'create', name: 'vrrp.51', link: 7, mac: '00:00:5e:00:01:33', mode: 'private' },
      42,
    ),
  );
  assert.equal(m.type, RTM_NEWLINK);
  assert.equal(m.flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  assert.equal(m.seq, 42);
  assert.deepEqual(ifinfo(m.payload), { family: 0, index: 0, flags: 0, change: 0 });
  const body = m.payload.subarray(16);
  assert.deepEqual(rawTypes(body), [IFLA_IFNAME, IFLA_LINK, IFLA_ADDRESS, IFLA_LINKINFO | NLA_F_NESTED]);
  const attrs = parseAttrs(body);
  assert.equal(
    Buffer.from(attrs.get(IFLA_IFNAME)!).toString('hex'),
    Buffer.from('vrrp.51\0').toString('hex'),
  );
  assert.equal(u32(attrs.get(IFLA_LINK)), 7);
  assert.equal(Buffer.from(attrs.get(IFLA_ADDRESS)!).toString('hex'), '00005e000133');
  const info = attrs.get(IFLA_LINKINFO)!;
  assert.deepEqual(rawTypes(info), [IFLA_INFO_KIND, IFLA_INFO_DATA | NLA_F_NESTED]);
  const infoAttrs = parseAttrs(info);
  assert.equal(Buffer.from(infoAttrs.get(IFLA_INFO_KIND)!).toString(), 'macvlan');
  assert.equal(u32(parseAttrs(infoAttrs.get(IFLA_INFO_DATA)!).get(IFLA_MACVLAN_MODE)), MACVLAN_MODE_PRIVATE);
  // The exact bytes of the IFLA_LINKINFO nest: len 28, kind "macvlan" (len 11, padded), data nest
  // (len 12) holding IFLA_MACVLAN_MODE (len 8) = 1.
  assert.equal(
    Buffer.from(body.subarray(body.length - 28)).toString('hex'),
    '1c001280' + '0b000100' + '6d6163766c616e00' + '0c000280' + '08000100' + '01000000',
  );
});

test('the link decoder reads back kind, mode, base index and MAC (as from a link dump)', () => {
  const m = one(
    encodeMacvlanRequest(
      { op: 'create', name: 'vrrp6.51', link: 3, mac: '00:00:5e:00:02:33', mode: 'private' },
      1,
    ),
  );
  const d = decodeLinkMessage(m);
  assert.ok(d.ok);
  assert.equal(d.value.link.name, 'vrrp6.51');
  assert.equal(d.value.link.kind, 'macvlan');
  assert.equal(d.value.link.macvlanMode, 'private');
  assert.equal(d.value.link.link, 3);
  assert.equal(d.value.link.hwaddr, '00:00:5e:00:02:33');
});

test('macvlan update: the existing index, no create flags, no name or base, MAC and mode', () => {
  const m = one(
    encodeMacvlanRequest({ op: 'update', ifindex: 9, mac: '00:00:5e:00:01:01', mode: 'private' }, 2),
  );
  assert.equal(m.type, RTM_NEWLINK);
  assert.equal(m.flags, NLM_F_REQUEST | NLM_F_ACK);
  assert.equal(ifinfo(m.payload).index, 9);
  assert.deepEqual(rawTypes(m.payload.subarray(16)), [IFLA_ADDRESS, IFLA_LINKINFO | NLA_F_NESTED]);
});

test('macvlan requests with bad fields return reasons, never bytes', () => {
  const base = { op: 'create', name: 'vrrp.1', link: 2, mac: '00:00:5e:00:01:01', mode: 'private' } as const;
  for (const bad of [
    { ...base, name: '' },
    { ...base, name: 'a-name-longer-than-15' },
    { ...base, name: 'bad/name' },
    { ...base, link: 0 },
    { ...base, mac: '00:00:5e:00:01' },
    { ...base, mac: '01:00:5e:00:01:01' }, // multicast
  ]) {
    assert.equal(encodeMacvlanRequest(bad, 1).ok, false, JSON.stringify(bad));
  }
  assert.equal(
    encodeMacvlanRequest({ op: 'update', ifindex: -1, mac: base.mac, mode: 'private' }, 1).ok,
    false,
  );
});

test('link change: up sets IFF_UP in flags and change; address generation mode none nests under AF_INET6', () => {
  const up = one(encodeLinkChangeRequest({ ifindex: 5, up: true }, 3));
  assert.equal(up.type, RTM_NEWLINK);
  assert.equal(up.flags, NLM_F_REQUEST | NLM_F_ACK);
  assert.deepEqual(ifinfo(up.payload), { family: 0, index: 5, flags: IFF_UP, change: IFF_UP });
  assert.equal(up.payload.length, 16);

  const down = one(encodeLinkChangeRequest({ ifindex: 5, up: false }, 3));
  assert.deepEqual(ifinfo(down.payload), { family: 0, index: 5, flags: 0, change: IFF_UP });

  const gen = one(encodeLinkChangeRequest({ ifindex: 5, noIpv6AddrGen: true }, 4));
  assert.deepEqual(ifinfo(gen.payload), { family: 0, index: 5, flags: 0, change: 0 });
  const spec = gen.payload.subarray(16);
  assert.deepEqual(rawTypes(spec), [IFLA_AF_SPEC | NLA_F_NESTED]);
  const inet6 = parseAttrs(spec).get(IFLA_AF_SPEC)!;
  assert.deepEqual(rawTypes(inet6), [AF_INET6 | NLA_F_NESTED]);
  const mode = parseAttrs(parseAttrs(inet6).get(AF_INET6)!).get(IFLA_INET6_ADDR_GEN_MODE)!;
  assert.deepEqual([...mode], [IN6_ADDR_GEN_MODE_NONE]);
});

test('link delete: RTM_DELLINK with the index and an ack, nothing else', () => {
  const r = encodeDeleteLinkRequest(12, 8);
  assert.ok(r.ok);
  assert.equal(
    r.bytes.toString('hex'),
    '20000000' +
      '1100' +
      '0500' +
      '08000000' +
      '00000000' +
      '00000000' +
      '0c000000' +
      '00000000' +
      '00000000',
  );
  const m = one(r);
  assert.equal(m.type, RTM_DELLINK);
  assert.equal(encodeDeleteLinkRequest(0, 1).ok, false);
});
