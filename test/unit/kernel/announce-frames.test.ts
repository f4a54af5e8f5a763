import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildGratuitousArp } from '../../../src/kernel/arp.js';
import { buildUnsolicitedNa, icmpv6Checksum } from '../../../src/kernel/ndisc.js';
import { parseIpv6 } from '../../../src/net/addr.js';
import { readPcap } from '../../../src/pcap/reader.js';
import { VECTORS } from '../../fixtures.js';

// keepalived 2.2.7's own announcements, captured on the wire (see test/fixtures/vectors/README.md).
const KA_MAC = Uint8Array.of(0x92, 0xc3, 0x07, 0x42, 0xe6, 0xde);

function frames(name: string): Buffer[] {
  const r = readPcap(readFileSync(`${VECTORS}/${name}`));
  assert.ok(r.ok);
  return r.records.map((x) => Buffer.from(x.data));
}

test('gratuitous ARP is byte-identical to keepalived 2.2.7', () => {
  const garps = frames('ka-v2-pass-lifecycle.pcap').filter((f) => f.readUInt16BE(12) === 0x0806);
  assert.ok(garps.length >= 5, 'the capture holds a GARP burst');
  const built = buildGratuitousArp(KA_MAC, '192.0.2.100');
  assert.ok(built.ok);
  for (const f of garps) assert.deepEqual(f.subarray(0, 42), built.frame);
});

test('gratuitous ARP rejects a bad MAC or address with a reason', () => {
  assert.deepEqual(buildGratuitousArp(Uint8Array.of(1, 2, 3), '192.0.2.1'), {
    ok: false,
    reason: 'MAC must be 6 bytes, got 3',
  });
  const r = buildGratuitousArp(KA_MAC, '2001:db8::1');
  assert.equal(r.ok, false);
});

test('unsolicited NA equals keepalived 2.2.7 once the kernel checksum is filled in', () => {
  const nas = frames('ka-v3-ipv6-ll-lifecycle.pcap').filter(
    (f) => f.readUInt16BE(12) === 0x86dd && f[20] === 58 && f[54] === 136,
  );
  assert.ok(nas.length >= 2);
  const targets = new Set<string>();
  for (const f of nas) {
    const src = f.subarray(22, 38);
    const dst = f.subarray(38, 54);
    const icmp = f.subarray(54, 86);
    assert.equal(f[21], 255, 'hop limit 255');
    assert.deepEqual(dst, Buffer.from(parseIpv6('ff02::1')!));
    assert.deepEqual(src, icmp.subarray(8, 24), 'keepalived sources the NA from the target (the VIP)');
    const target = Buffer.from(icmp.subarray(8, 24));
    const text = target.toString('hex');
    targets.add(text);
    const built = buildUnsolicitedNa(KA_MAC, text.replace(/(.{4})(?!$)/g, '$1:'));
    assert.ok(built.ok);
    const withSum = Buffer.from(built.message);
    withSum.writeUInt16BE(icmpv6Checksum(src, dst, built.message), 2);
    assert.deepEqual(withSum, icmp);
    assert.equal(icmpv6Checksum(src, dst, icmp), 0);
  }
  assert.ok(targets.size >= 2, 'fe80::5200 and 2001:db8::100');
});

test('NA router flag and bad input', () => {
  const r = buildUnsolicitedNa(KA_MAC, '2001:db8::1', { router: true });
  assert.ok(r.ok);
  assert.equal(r.message[4], 0xa0, 'router + override, never solicited');
  assert.equal(buildUnsolicitedNa(KA_MAC, '192.0.2.1').ok, false);
  assert.equal(buildUnsolicitedNa(new Uint8Array(8), '2001:db8::1').ok, false);
});
