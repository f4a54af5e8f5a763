import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseIpv4, parseIpv6 } from '../../../src/net/addr.js';
import { internetChecksum } from '../../../src/net/checksum.js';
import { type Agent, type AgentEvent, startAgent } from '../harness/agent.js';
import { commandExists, createTopology, type Topology, waitFor } from '../harness/topology.js';
import { AGENT, kernelSkip } from './paths.js';

// The VRRP socket edge against the real peer: keepalived 2.2.7 in host A, vigil's sockets in host B.
const skip = kernelSkip() || (commandExists('keepalived') ? false : 'needs keepalived');

const KEEPALIVED_CONF = `global_defs {
  router_id ka-a
}
vrrp_instance VI_1 {
  version 2
  state MASTER
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  virtual_ipaddress {
    192.0.2.100/24
  }
}
vrrp_instance VI_3 {
  version 3
  state MASTER
  interface eth0
  virtual_router_id 53
  priority 100
  advert_int 1
  virtual_ipaddress {
    192.0.2.103/24
  }
}
vrrp_instance VI_6 {
  state MASTER
  interface eth0
  virtual_router_id 52
  priority 100
  advert_int 1
  virtual_ipaddress {
    2001:db8::100/64
  }
}
`;

/** An advert with priority 200 (above keepalived's 100): RFC 5798 section 6.4.3 makes it back off. */
function advert(version: 2 | 3, vrid: number, vip: Uint8Array): Buffer {
  const p = Buffer.alloc(8 + vip.length + (version === 2 ? 8 : 0));
  p[0] = (version << 4) | 1;
  p[1] = vrid;
  p[2] = 200;
  p[3] = 1;
  if (version === 2)
    p[5] = 1; // seconds
  else p.writeUInt16BE(100, 4); // centiseconds
  p.set(vip, 8);
  return p;
}

/** RFC 5798 section 5.2.8: the VRRPv3 IPv4 checksum covers a pseudo-header with the source address. */
function v3Ipv4Checksum(src: string, dst: string, packet: Buffer): number {
  const pseudo = Buffer.alloc(12);
  pseudo.set(parseIpv4(src)!, 0);
  pseudo.set(parseIpv4(dst)!, 4);
  pseudo[9] = 112;
  pseudo.writeUInt16BE(packet.length, 10);
  return internetChecksum(pseudo, packet);
}

describe('VRRP sockets against keepalived 2.2.7', { skip }, () => {
  let topo: Topology;
  let b: Agent;
  let dir: string;
  let log = '';
  let v4: number;
  let v6: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-ka-'));
    topo = await createTopology({ hosts: ['a', 'b'] });
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, KEEPALIVED_CONF);
    b = await startAgent(topo, 'b', AGENT);
    v4 = await b.call<number>('openVrrp', { ifname: 'eth0', family: 'ipv4', srcAddress: '192.0.2.12' });
    v6 = await b.call<number>('openVrrp', { ifname: 'eth0', family: 'ipv6' });
    const args = ['-n', '-l', '-D', '-P', '-f', conf, '-p', join(dir, 'ka.pid'), '-r', join(dir, 'vrrp.pid')];
    const ka = topo.spawn('a', 'keepalived', args);
    const collect = (d: Buffer) => {
      log += d.toString();
    };
    ka.stdout?.on('data', collect);
    ka.stderr?.on('data', collect);
  });
  after(async () => {
    await topo?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const fromKeepalived = (socket: number, vrid: number) => (e: AgentEvent) =>
    e.event === 'vrrp' && e.socket === socket && Buffer.from(e.data as string, 'hex')[1] === vrid;

  test('VRRPv2 and v3 IPv4 adverts from keepalived arrive with TTL 255 and its source', async () => {
    for (const [vrid, version] of [
      [51, 2],
      [53, 3],
    ] as const) {
      const e = await b.waitForEvent(fromKeepalived(v4, vrid), { timeoutMs: 15000 });
      assert.equal(e.src, '192.0.2.11');
      assert.equal(e.dst, '224.0.0.18');
      assert.equal(e.ttl, 255);
      const data = Buffer.from(e.data as string, 'hex');
      assert.equal(data[0]! >> 4, version);
      const sum = version === 2 ? internetChecksum(data) : v3Ipv4Checksum('192.0.2.11', '224.0.0.18', data);
      assert.equal(sum, 0, `v${version} checksum verifies`);
    }
  });

  test('VRRPv3 IPv6 adverts from keepalived arrive with hop limit 255 from its link-local address', async () => {
    const e = await b.waitForEvent(fromKeepalived(v6, 52), { timeoutMs: 15000 });
    assert.match(e.src as string, /^fe80::/);
    assert.equal(e.dst, 'ff02::12');
    assert.equal(e.ttl, 255);
  });

  /** Sends `bytes` every 250 ms until keepalived's instance logs that it entered BACKUP. */
  async function untilBackup(instance: string, socket: number, bytes: Buffer): Promise<void> {
    const backup = new RegExp(`\\(${instance}\\) Entering BACKUP STATE`);
    await waitFor(
      async () => {
        await b.call('sendVrrp', { socket, hex: bytes.toString('hex') });
        const sinceMaster = log.slice(log.indexOf(`(${instance}) Entering MASTER STATE`));
        return log.includes(`(${instance}) Entering MASTER STATE`) && backup.test(sinceMaster);
      },
      { timeoutMs: 15000, intervalMs: 250, message: `keepalived ${instance} to enter BACKUP` },
    );
  }

  test('keepalived accepts a VRRPv2 advert sent through vigil and yields to its priority', async () => {
    const p = advert(2, 51, parseIpv4('192.0.2.100')!);
    p.writeUInt16BE(internetChecksum(p), 6);
    await untilBackup('VI_1', v4, p);
  });

  test('keepalived accepts a VRRPv3 IPv4 advert whose checksum covers the bound source address', async () => {
    const p = advert(3, 53, parseIpv4('192.0.2.103')!);
    p.writeUInt16BE(v3Ipv4Checksum('192.0.2.12', '224.0.0.18', p), 6);
    await untilBackup('VI_3', v4, p);
  });

  test('keepalived accepts a VRRPv3 IPv6 advert checksummed by the kernel (IPV6_CHECKSUM)', async () => {
    await untilBackup('VI_6', v6, advert(3, 52, parseIpv6('2001:db8::100')!));
  });
});
