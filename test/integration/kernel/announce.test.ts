import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildGratuitousArp } from '../../../src/kernel/arp.js';
import { buildUnsolicitedNa, icmpv6Checksum } from '../../../src/kernel/ndisc.js';
import { formatIpv6, parseIpv6 } from '../../../src/net/addr.js';
import { type Agent, startAgent } from '../harness/agent.js';
import { type Capture, startCapture } from '../harness/capture.js';
import { commandExists, createTopology, type Topology } from '../harness/topology.js';
import { AGENT, kernelSkip } from './paths.js';

const skip = kernelSkip() || (commandExists('tcpdump') ? false : 'needs tcpdump');

describe('gratuitous ARP and unsolicited NA on the wire', { skip }, () => {
  let topo: Topology;
  let a: Agent;
  let macA: Buffer;
  const captures: Capture[] = [];

  before(async () => {
    topo = await createTopology({ hosts: ['a', 'b'] });
    a = await startAgent(topo, 'a', AGENT);
    macA = Buffer.from(await a.call<string>('mac', { ifname: 'eth0' }), 'hex');
  });
  after(async () => {
    for (const c of captures) await c.stop();
    await topo?.destroy();
  });

  test('host B captures a gratuitous ARP for 192.0.2.100 from host A, byte for byte', async () => {
    const cap = await startCapture(topo, 'b', 'eth0', 'arp');
    captures.push(cap);
    await a.call('garp', { ifname: 'eth0', vip: '192.0.2.100' });
    const frame = await cap.waitForFrame((f) => f.length >= 42 && f.readUInt16BE(12) === 0x0806);
    const expected = buildGratuitousArp(macA, '192.0.2.100');
    assert.ok(expected.ok);
    // The sender may pad to the 60-byte Ethernet minimum; the first 42 bytes are ours.
    assert.deepEqual(frame.subarray(0, 42), expected.frame);
    assert.equal(frame.subarray(0, 6).toString('hex'), 'ffffffffffff');
    assert.deepEqual(frame.subarray(6, 12), macA);
    assert.equal(frame.readUInt16BE(20), 1, 'ARP request');
    assert.equal(frame.subarray(28, 32).join('.'), '192.0.2.100');
    assert.equal(frame.subarray(38, 42).join('.'), '192.0.2.100');
  });

  test('host B captures an unsolicited NA for 2001:db8::100 (override, hop limit 255, to ff02::1)', async () => {
    const ifindex = await a.call<number>('ifindex', { ifname: 'eth0' });
    const vip = { family: 'ipv6', ifindex, address: '2001:db8::100', prefixLength: 64, flags: 0x02 };
    await a.call('addAddress', vip); // the NA is sourced from the VIP, which must be ours
    const cap = await startCapture(topo, 'b', 'eth0', 'icmp6 and ip6[40] == 136');
    captures.push(cap);
    await a.call('na', { ifname: 'eth0', vip: '2001:db8::100' });
    const frame = await cap.waitForFrame(
      (f) => f.length >= 86 && f.readUInt16BE(12) === 0x86dd && f[54] === 136,
    );
    assert.equal(frame.subarray(0, 6).toString('hex'), '333300000001', 'all-nodes multicast MAC');
    assert.deepEqual(frame.subarray(6, 12), macA);
    const ip6 = frame.subarray(14, 54);
    assert.equal(ip6[6], 58, 'next header ICMPv6');
    assert.equal(ip6[7], 255, 'hop limit 255 (RFC 4861 7.1.2)');
    assert.equal(formatIpv6(ip6, 8), '2001:db8::100', 'sourced from the VIP');
    assert.equal(formatIpv6(ip6, 24), 'ff02::1');
    const icmp = frame.subarray(54, 86);
    const expected = buildUnsolicitedNa(macA, '2001:db8::100');
    assert.ok(expected.ok);
    const withoutChecksum = Buffer.from(icmp);
    withoutChecksum.writeUInt16BE(0, 2);
    assert.deepEqual(withoutChecksum, expected.message);
    assert.equal(
      icmpv6Checksum(parseIpv6('2001:db8::100')!, parseIpv6('ff02::1')!, icmp),
      0,
      'kernel checksum',
    );
    await a.call('deleteAddress', vip);
  });

  test('sending an NA for an address the host does not own fails with an errno code', async () => {
    await assert.rejects(
      a.call('na', { ifname: 'eth0', vip: '2001:db8::199' }),
      (e: Error & { code?: string }) => {
        assert.match(e.code ?? '', /^E[A-Z]+$/);
        return true;
      },
    );
  });
});
