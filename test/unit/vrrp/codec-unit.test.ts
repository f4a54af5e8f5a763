import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { canonicalAddress, formatIpv6, isMulticast, parseIpv4, parseIpv6 } from '../../../src/net/addr.js';
import { internetChecksum } from '../../../src/net/checksum.js';
import { decodeFrame, encodeEthernet, LinkType } from '../../../src/net/frame.js';
import { decodeIp, encodeIp, IPPROTO_VRRP } from '../../../src/net/ip.js';
import { readPcap } from '../../../src/pcap/reader.js';
import { analyzeCapture } from '../../../src/sniff/analyze.js';
import {
  type DecodeResult,
  decodeVrrp,
  decodeVrrpFrame,
  encodeVrrp,
  type VrrpContext,
  type VrrpPacket,
  vrrpChecksum,
} from '../../../src/vrrp/packet.js';
import { VECTORS } from '../../fixtures.js';

const V4: VrrpContext = { family: 'ipv4', src: '192.0.2.11', dst: '224.0.0.18' };
const V6: VrrpContext = { family: 'ipv6', src: 'fe80::1', dst: 'ff02::12' };

const v2: VrrpPacket = {
  version: 2,
  type: 1,
  vrid: 51,
  priority: 100,
  family: 'ipv4',
  addresses: ['192.0.2.100'],
  adverIntCs: 100,
  checksum: 0,
  authType: 1,
  authData: new TextEncoder().encode('s3cret\0\0'),
};
const v3: VrrpPacket = {
  version: 3,
  type: 1,
  vrid: 52,
  priority: 100,
  family: 'ipv6',
  addresses: ['2001:db8::100'],
  adverIntCs: 100,
  checksum: 0,
};

function enc(p: VrrpPacket, ctx: VrrpContext): Uint8Array {
  const r = encodeVrrp(p, ctx);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.bytes;
}
function reason(r: DecodeResult): string {
  return r.ok ? 'ok' : r.reason;
}

test('v2 PASS advert encodes to the bytes keepalived sent (ka-v2-pass-steady frame 2)', () => {
  // RFC 3768 5.1: checksum over the VRRP message only; auth data follows the addresses.
  const hex = ['21', '33', '64', '01', '0101', '7b4b', 'c0000264', '7333637265740000'].join('');
  assert.equal(Buffer.from(enc(v2, V4)).toString('hex'), hex);
});

test('v2 keeps 8 bytes of auth data even with auth type 0', () => {
  const b = enc({ ...v2, authType: 0, authData: new Uint8Array(8) }, V4);
  assert.equal(b.length, 8 + 4 + 8);
  const d = decodeVrrp(b, V4);
  assert.ok(d.ok && d.packet.version === 2 && d.packet.authType === 0 && d.packet.authData.length === 8);
});

test('v3 checksum covers the IPv4 / IPv6 pseudo-header (RFC 5798 5.2.8)', () => {
  const b4 = enc({ ...v3, family: 'ipv4', addresses: ['192.0.2.100'] }, V4);
  assert.ok(decodeVrrp(b4, V4).ok);
  // Same bytes from another source fail: the source address is part of the sum.
  assert.equal(reason(decodeVrrp(b4, { ...V4, src: '192.0.2.12' })), 'bad-checksum');
  const b6 = enc(v3, V6);
  assert.ok(decodeVrrp(b6, V6).ok);
  assert.equal(reason(decodeVrrp(b6, { ...V6, dst: 'ff02::13' })), 'bad-checksum');
  // A v2 checksum ignores the envelope.
  assert.ok(decodeVrrp(enc(v2, V4), { ...V4, src: '10.0.0.1' }).ok);
});

test('v3 interval is 12 bits of centiseconds; the 4 reserved bits are ignored on receive', () => {
  const b = enc({ ...v3, adverIntCs: 4095 }, V6);
  assert.equal((b[4]! << 8) | b[5]!, 4095);
  const withRsvd = Uint8Array.from(b);
  withRsvd[4] = withRsvd[4]! | 0xf0;
  const ck = vrrpChecksum(withRsvd, 3, V6)!;
  withRsvd[6] = ck >> 8;
  withRsvd[7] = ck & 0xff;
  const d = decodeVrrp(withRsvd, V6);
  assert.ok(d.ok && d.packet.adverIntCs === 4095);
  assert.equal(encodeVrrp({ ...v3, adverIntCs: 4096 }, V6).ok, false);
  assert.equal(encodeVrrp({ ...v2, adverIntCs: 150 }, V4).ok, false, 'v2 intervals are whole seconds');
});

test('decode reasons: too-short, bad-version, v2-over-ipv6, truncated, length-mismatch, bad-checksum, bad-context', () => {
  const b = enc(v2, V4);
  assert.equal(reason(decodeVrrp(new Uint8Array(0), V4)), 'too-short');
  assert.equal(reason(decodeVrrp(b.subarray(0, 7), V4)), 'too-short');
  const bad = Uint8Array.from(b);
  bad[0] = 0x41;
  assert.equal(reason(decodeVrrp(bad, V4)), 'bad-version');
  assert.equal(reason(decodeVrrp(b, { ...V6 })), 'v2-over-ipv6');
  const r = decodeVrrp(b.subarray(0, b.length - 1), V4);
  assert.equal(reason(r), 'truncated');
  assert.ok(
    !r.ok && r.partial.vrid === 51 && r.partial.addresses?.[0] === '192.0.2.100',
    'partial fields kept',
  );
  assert.equal(reason(decodeVrrp(Uint8Array.from([...b, 0]), V4)), 'length-mismatch');
  const flipped = Uint8Array.from(b);
  flipped[2] = 99;
  assert.equal(reason(decodeVrrp(flipped, V4)), 'bad-checksum');
  assert.equal(reason(decodeVrrp(enc(v3, V6), { ...V6, src: 'not-an-address' })), 'bad-context');
});

test('encode refuses what the wire cannot carry', () => {
  assert.equal(encodeVrrp({ ...v2, vrid: 256 }, V4).ok, false);
  assert.equal(encodeVrrp({ ...v2, addresses: ['2001:db8::1'] }, V4).ok, false);
  assert.equal(encodeVrrp(v3, V4).ok, false, 'family of packet and envelope differ');
  assert.equal(encodeVrrp({ ...v2, family: 'ipv6', addresses: [] }, V6).ok, false, 'v2 is IPv4-only');
});

test('internet checksum (RFC 1071 example) and odd lengths', () => {
  assert.equal(
    internetChecksum(Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7)),
    ~0xddf2 & 0xffff,
  );
  assert.equal(internetChecksum(Uint8Array.of(0xff)), 0x00ff);
});

test('address text: RFC 5952 formatting, parsing, canonical forms, multicast', () => {
  const p = (s: string) => {
    const b = parseIpv6(s);
    assert.ok(b, s);
    return formatIpv6(b);
  };
  assert.equal(p('2001:0DB8:0:0:0:0:0:100'), '2001:db8::100');
  assert.equal(p('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1', 'a single zero group is not compressed');
  assert.equal(p('1:0:0:2:0:0:0:3'), '1:0:0:2::3', 'longest run wins');
  assert.equal(p('1:0:0:2:2:0:0:3'), '1::2:2:0:0:3', 'first run wins a tie');
  assert.equal(p('::'), '::');
  assert.equal(p('::ffff:192.0.2.1'), '::ffff:c000:201');
  assert.equal(p('fe80::1%eth0'), 'fe80::1');
  for (const bad of ['1::2::3', '12345::', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', 'g::', '']) {
    assert.equal(parseIpv6(bad), undefined, bad);
  }
  assert.equal(parseIpv4('256.1.1.1'), undefined);
  assert.equal(parseIpv4('1.2.3'), undefined);
  assert.deepEqual(canonicalAddress('FE80:0::5200'), { family: 'ipv6', address: 'fe80::5200' });
  assert.ok(isMulticast('ipv4', '224.0.0.18') && !isMulticast('ipv4', '192.0.2.12'));
  assert.ok(isMulticast('ipv6', 'ff02::12') && !isMulticast('ipv6', 'fe80::1'));
});

function ipv4Vrrp(extra: { ihl?: number; frag?: number } = {}): Uint8Array {
  const vrrp = enc(v2, V4);
  const ihl = extra.ihl ?? 20;
  const out = new Uint8Array(ihl + vrrp.length);
  out[0] = 0x40 | (ihl / 4);
  out[2] = out.length >> 8;
  out[3] = out.length & 0xff;
  out[6] = (extra.frag ?? 0) >> 8;
  out[7] = (extra.frag ?? 0) & 0xff;
  out[8] = 255;
  out[9] = IPPROTO_VRRP;
  out.set(parseIpv4(V4.src)!, 12);
  out.set(parseIpv4(V4.dst)!, 16);
  for (let i = 20; i < ihl; i++) out[i] = 1; // NOP options
  const ck = internetChecksum(out.subarray(0, ihl));
  out[10] = ck >> 8;
  out[11] = ck & 0xff;
  out.set(vrrp, ihl);
  return out;
}

test('IPv4: options are skipped, fragments flagged, padding trimmed, header checksum verified', () => {
  const withOpts = decodeIp(ipv4Vrrp({ ihl: 28 }));
  assert.ok(withOpts.ok && withOpts.ip.protocol === IPPROTO_VRRP && withOpts.ip.headerChecksumOk);
  assert.ok(decodeVrrp(withOpts.ip.payload, withOpts.ip).ok);
  const frag = decodeIp(ipv4Vrrp({ frag: 0x2000 }));
  assert.ok(frag.ok && frag.ip.fragment && frag.ip.fragmentOffset === 0);
  const padded = decodeIp(Uint8Array.from([...ipv4Vrrp(), 0, 0, 0, 0]));
  assert.ok(padded.ok && decodeVrrp(padded.ip.payload, padded.ip).ok, 'Ethernet padding is not part of VRRP');
  const corrupt = ipv4Vrrp();
  corrupt[8] = 254;
  const c = decodeIp(corrupt);
  assert.ok(c.ok && !c.ip.headerChecksumOk);
  const cut = decodeIp(ipv4Vrrp().subarray(0, 30));
  assert.ok(cut.ok && cut.ip.truncated);
  assert.equal(decodeIp(Uint8Array.of(0x45, 0, 0)).ok, false);
  const badIhl = ipv4Vrrp();
  badIhl[0] = 0x44;
  assert.deepEqual(decodeIp(badIhl), { ok: false, reason: 'bad-ip-header-length' });
});

test('IPv6: extension headers are walked to VRRP; ESP stops with a reason', () => {
  const vrrp = enc(v3, V6);
  const base = encodeIp({
    family: 'ipv6',
    src: V6.src,
    dst: V6.dst,
    ttl: 255,
    protocol: IPPROTO_VRRP,
    payload: vrrp,
  });
  assert.ok(!(base instanceof Error));
  // Insert a hop-by-hop header (8 bytes, router alert) and a destination-options header.
  const hbh = Uint8Array.of(60, 0, 5, 2, 0, 0, 1, 0);
  const dopt = Uint8Array.of(IPPROTO_VRRP, 0, 1, 4, 0, 0, 0, 0);
  const b = new Uint8Array(40 + 16 + vrrp.length);
  b.set(base.subarray(0, 40));
  b[6] = 0;
  b[4] = (16 + vrrp.length) >> 8;
  b[5] = (16 + vrrp.length) & 0xff;
  b.set(hbh, 40);
  b.set(dopt, 48);
  b.set(vrrp, 56);
  const r = decodeIp(b);
  assert.ok(r.ok && r.ip.protocol === IPPROTO_VRRP && r.ip.ttl === 255);
  assert.ok(decodeVrrp(r.ip.payload, r.ip).ok);
  const esp = Uint8Array.from(b);
  esp[6] = 50;
  assert.deepEqual(decodeIp(esp), { ok: false, reason: 'esp-encrypted' });
  const short = Uint8Array.from(b.subarray(0, 44));
  assert.deepEqual(decodeIp(short), { ok: false, reason: 'bad-extension-header' });
});

test('link layers: Ethernet with 802.1Q, Linux SLL and SLL2, raw IP, unsupported types', () => {
  const ip = ipv4Vrrp();
  const mac = Uint8Array.of(0, 0, 0x5e, 0, 1, 51);
  const eth = encodeEthernet(Uint8Array.of(1, 0, 0x5e, 0, 0, 18), mac, ip);
  const tagged = new Uint8Array(eth.length + 4);
  tagged.set(eth.subarray(0, 12));
  tagged.set([0x81, 0x00, 0x00, 0x0a], 12);
  tagged.set(eth.subarray(12), 16);
  const sll = new Uint8Array(16 + ip.length);
  sll.set([0x08, 0x00], 14);
  sll.set(ip, 16);
  const sll2 = new Uint8Array(20 + ip.length);
  sll2.set([0x08, 0x00], 0);
  sll2.set(ip, 20);
  for (const [lt, bytes] of [
    [LinkType.ETHERNET, eth],
    [LinkType.ETHERNET, tagged],
    [LinkType.LINUX_SLL, sll],
    [LinkType.LINUX_SLL2, sll2],
    [LinkType.RAW, ip],
  ] as const) {
    const f = decodeFrame(lt, bytes);
    assert.ok(f.ok && f.ip.protocol === IPPROTO_VRRP && f.ip.src === V4.src, `linktype ${lt}`);
  }
  assert.deepEqual(decodeFrame(147, eth), { ok: false, reason: 'unsupported-linktype' });
  // Frame Relay, RFC 2427 (Q.922 address, UI, NLPID 0xcc) and Cisco (address, ethertype) encapsulations.
  const fr = Uint8Array.from([0x18, 0x41, 0x03, 0xcc, ...ip]);
  const cisco = Uint8Array.from([0x18, 0x41, 0x08, 0x00, ...ip]);
  for (const b of [fr, cisco]) {
    const f = decodeFrame(LinkType.FRELAY, b);
    assert.ok(f.ok && f.ip.protocol === IPPROTO_VRRP);
  }
  assert.deepEqual(decodeFrame(LinkType.ETHERNET, eth.subarray(0, 10)), {
    ok: false,
    reason: 'truncated-link-header',
  });
  const arp = Uint8Array.from(eth);
  arp[12] = 0x08;
  arp[13] = 0x06;
  assert.deepEqual(decodeFrame(LinkType.ETHERNET, arp), { ok: false, reason: 'not-ip' });
});

test('tcpdump malformed captures (vrrp_print-oobr*) yield reasons, never exceptions', () => {
  const dir = `${VECTORS}/tcpdump`;
  // oobr-2: Ethernet frames cut by a 41-byte snaplen, first fragments with bogus headers.
  const r2 = analyzeCapture(readFileSync(`${dir}/vrrp-vrrp_print-oobr-2.pcap`));
  assert.ok(r2.ok);
  assert.equal(r2.records.length, 10);
  for (const rec of r2.records) {
    assert.equal(typeof rec.error, 'string', 'every one is reported invalid');
    assert.equal(rec.checksumOk, false);
  }
  // oobr: Frame Relay (link type 107, Cisco encapsulation) around IPv4 with bogus options and VRRP cut short.
  const buf = readFileSync(`${dir}/vrrp-vrrp_print-oobr.pcap`);
  const r1 = analyzeCapture(buf);
  assert.ok(r1.ok);
  assert.equal(r1.summary.linktype, 107);
  // tcpdump: "VRRPv2, Advertisement, (ttl 254), vrid 2, prio 0, authtype simple, intvl 255s, length 6 [|vrrp]"
  assert.deepEqual(
    r1.records.map((r) => [r.version, r.vrid, r.priority, r.ttl, r.authType, r.adverIntCs, r.error]),
    [
      [2, 2, 0, 254, 1, 25500, 'too-short'],
      [2, 2, 0, 254, 1, 25500, 'truncated'],
      [2, 2, 0, 254, 1, 25500, 'truncated'],
    ],
  );
  // Still feed its damaged bytes to every decoder at every offset: totality, not luck.
  const pcap = readPcap(buf);
  assert.ok(pcap.ok && pcap.records.length > 0);
  let results = 0;
  for (const rec of pcap.records) {
    for (let off = 0; off < rec.data.length; off++) {
      const slice = rec.data.subarray(off);
      for (const r of [decodeIp(slice), decodeFrame(LinkType.ETHERNET, slice)]) {
        assert.ok(r.ok || typeof r.reason === 'string');
        results++;
      }
      for (const ctx of [V4, V6]) {
        const d = decodeVrrp(slice, ctx);
        assert.ok(d.ok || typeof d.reason === 'string');
        results++;
      }
    }
  }
  assert.ok(results > 100);
});

test('decodeVrrpFrame: whole frames to adverts, with reasons for non-VRRP, fragments and bad IP checksums', () => {
  const mac = Uint8Array.of(0, 0, 0x5e, 0, 1, 51);
  const frame = (ip: Uint8Array) => encodeEthernet(Uint8Array.of(1, 0, 0x5e, 0, 0, 18), mac, ip);
  const good = decodeVrrpFrame(LinkType.ETHERNET, frame(ipv4Vrrp()));
  assert.ok(good.ok);
  assert.deepEqual(good.envelope, { family: 'ipv4', src: V4.src, dst: V4.dst, ttl: 255 });
  assert.equal(good.packet.vrid, 51);
  const udp = ipv4Vrrp();
  udp[9] = 17;
  assert.equal(reasonOf(decodeVrrpFrame(LinkType.ETHERNET, frame(udp))), 'not-vrrp');
  const first = decodeVrrpFrame(LinkType.ETHERNET, frame(ipv4Vrrp({ frag: 0x2000 })));
  assert.ok(
    !first.ok && first.reason === 'ip-fragment' && first.partial?.vrid === 51,
    'first fragment: fields kept',
  );
  const later = decodeVrrpFrame(LinkType.ETHERNET, frame(ipv4Vrrp({ frag: 0x0003 })));
  assert.ok(!later.ok && later.reason === 'ip-fragment' && later.partial === undefined);
  const badHdr = ipv4Vrrp();
  badHdr[8] = 1;
  const b = decodeVrrpFrame(LinkType.ETHERNET, frame(badHdr));
  assert.ok(!b.ok && b.reason === 'bad-ip-checksum' && b.envelope?.ttl === 1 && b.partial?.priority === 100);
  const short = decodeVrrpFrame(LinkType.ETHERNET, frame(ipv4Vrrp()).subarray(0, 14 + 20 + 9));
  assert.ok(!short.ok && short.reason === 'truncated');
  assert.equal(reasonOf(decodeVrrpFrame(LinkType.ETHERNET, new Uint8Array(5))), 'truncated-link-header');
});

function reasonOf(r: { ok: boolean; reason?: string }): string {
  return r.ok ? 'ok' : (r.reason ?? '');
}
