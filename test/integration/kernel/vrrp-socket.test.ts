import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseIpv4 } from '../../../src/net/addr.js';
import { internetChecksum } from '../../../src/net/checksum.js';
import { type Agent, type AgentEvent, startAgent } from '../harness/agent.js';
import { createTopology, type Topology, waitFor } from '../harness/topology.js';
import { AGENT, kernelSkip } from './paths.js';

const skip = kernelSkip();

/** A hand-built VRRPv2 advert (RFC 3768 section 5.1): VRID, priority 100, one VIP, 1 s, no auth. */
function vrrpV2(vrid: number, vip: string): string {
  const b = Buffer.alloc(20);
  b[0] = 0x21; // version 2, type 1 (advertisement)
  b[1] = vrid;
  b[2] = 100;
  b[3] = 1; // count of addresses
  b[4] = 0; // auth type none
  b[5] = 1; // advertisement interval, seconds
  b.set(parseIpv4(vip)!, 8);
  b.writeUInt16BE(internetChecksum(b), 6);
  return b.toString('hex');
}

/** A hand-built VRRPv3 IPv6 advert (RFC 5798 section 5.1); the kernel fills the checksum (IPV6_CHECKSUM). */
function vrrpV3v6(vrid: number): string {
  const b = Buffer.alloc(24);
  b[0] = 0x31;
  b[1] = vrid;
  b[2] = 100;
  b[3] = 1;
  b.writeUInt16BE(100, 4); // max advert interval, centiseconds
  Buffer.from('20010db8000000000000000000000100', 'hex').copy(b, 8);
  return b.toString('hex');
}

describe('VRRP sockets between namespaces', { skip }, () => {
  let topo: Topology;
  let a: Agent;
  let b: Agent;
  let linkLocalA: string;

  before(async () => {
    topo = await createTopology({ hosts: ['a', 'b'] });
    // A second interface on B (a local veth pair) for the "bound to another interface" check.
    await topo.exec('b', 'ip', ['link', 'add', 'other0', 'type', 'veth', 'peer', 'name', 'other1']);
    await topo.exec('b', 'ip', ['link', 'set', 'other0', 'up']);
    await topo.exec('b', 'ip', ['link', 'set', 'other1', 'up']);
    await topo.exec('a', 'ip', ['addr', 'add', '192.0.2.21/24', 'dev', 'eth0']);
    // The kernel adds the link-local address asynchronously once eth0 is up: poll for it.
    linkLocalA = await waitFor(async () => {
      const ll = await topo.exec('a', 'ip', ['-j', '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'link']);
      const parsed = JSON.parse(ll.stdout) as { addr_info?: { local: string }[] }[];
      return parsed[0]?.addr_info?.find((x) => x.local?.startsWith('fe80:'))?.local;
    });
    [a, b] = await Promise.all([startAgent(topo, 'a', AGENT), startAgent(topo, 'b', AGENT)]);
  });
  after(() => topo?.destroy());

  const packetOn = (agent: Agent, socket: number, hex: string, from: number) =>
    agent.waitForEvent((e: AgentEvent) => e.event === 'vrrp' && e.socket === socket && e.data === hex, {
      from,
    });

  test('IPv4: an advert to 224.0.0.18 arrives with TTL 255 and the bound source; not on another interface', async () => {
    const recv = await b.call<number>('openVrrp', {
      ifname: 'eth0',
      family: 'ipv4',
      srcAddress: '192.0.2.12',
    });
    const elsewhere = await b.call<number>('openVrrp', { ifname: 'other0', family: 'ipv4' });
    // Bound to a secondary address: the source must be that one (the VRRPv3 checksum covers it).
    const send = await a.call<number>('openVrrp', {
      ifname: 'eth0',
      family: 'ipv4',
      srcAddress: '192.0.2.21',
    });
    const from = b.events.length;
    const advert = vrrpV2(51, '192.0.2.100');
    await a.call('sendVrrp', { socket: send, hex: advert });
    const got = await packetOn(b, recv, advert, from);
    assert.equal(got.src, '192.0.2.21');
    assert.equal(got.dst, '224.0.0.18');
    assert.equal(got.ttl, 255);

    // Unicast to B's address (unicast_peer) also arrives with TTL 255.
    const unicast = vrrpV2(52, '192.0.2.101');
    await a.call('sendVrrp', { socket: send, hex: unicast, dst: '192.0.2.12' });
    const u = await packetOn(b, recv, unicast, from);
    assert.equal(u.dst, '192.0.2.12');
    assert.equal(u.ttl, 255);
    assert.equal(u.src, '192.0.2.21');

    assert.equal(
      b.events.slice(from).filter((e) => e.socket === elsewhere).length,
      0,
      'other interface got nothing',
    );
    // The sender's own multicast is not looped back to it.
    assert.equal(a.events.filter((e) => e.event === 'vrrp').length, 0);
  });

  test('IPv6: an advert to ff02::12 arrives with hop limit 255 from the link-local source', async () => {
    const recv = await b.call<number>('openVrrp', { ifname: 'eth0', family: 'ipv6' });
    const elsewhere = await b.call<number>('openVrrp', { ifname: 'other0', family: 'ipv6' });
    const send = await a.call<number>('openVrrp', { ifname: 'eth0', family: 'ipv6', srcAddress: linkLocalA });
    const from = b.events.length;
    const advert = vrrpV3v6(52);
    await a.call('sendVrrp', { socket: send, hex: advert });
    const got = await b.waitForEvent((e) => e.event === 'vrrp' && e.socket === recv, { from });
    assert.equal(got.src, linkLocalA);
    assert.equal(got.dst, 'ff02::12');
    assert.equal(got.ttl, 255);
    const data = Buffer.from(got.data as string, 'hex');
    assert.equal(data.length, 24);
    assert.deepEqual(data.subarray(0, 6), Buffer.from(advert, 'hex').subarray(0, 6));
    assert.notEqual(data.readUInt16BE(6), 0, 'kernel filled in the checksum at offset 6');
    assert.deepEqual(data.subarray(8), Buffer.from(advert, 'hex').subarray(8));
    assert.equal(
      b.events.slice(from).filter((e) => e.socket === elsewhere).length,
      0,
      'other interface got nothing',
    );
  });

  test('opening on a missing interface or with a wrong-family source fails clearly', async () => {
    await assert.rejects(
      b.call('openVrrp', { ifname: 'nosuch0', family: 'ipv4' }),
      /interface 'nosuch0' not found/,
    );
    await assert.rejects(
      b.call('openVrrp', { ifname: 'eth0', family: 'ipv4', srcAddress: 'fe80::1' }),
      /not ipv4/,
    );
    // Binding to an address the host does not have is refused by the kernel with its errno name.
    await assert.rejects(b.call('openVrrp', { ifname: 'eth0', family: 'ipv4', srcAddress: '192.0.2.99' }), {
      code: 'EADDRNOTAVAIL',
    });
  });
});
