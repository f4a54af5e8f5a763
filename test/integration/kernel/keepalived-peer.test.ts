import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseIpv4 } from '../../../src/net/addr.js';
import { internetChecksum } from '../../../src/net/checksum.js';
import { type Agent, startAgent } from '../harness/agent.js';
import { commandExists, createTopology, type Topology, waitFor } from '../harness/topology.js';
import { AGENT, kernelSkip } from './paths.js';

// The VRRP socket edge against the real peer: keepalived 2.2.7 in host A, vigil's socket in host B.
const skip = kernelSkip() || (commandExists('keepalived') ? false : 'needs keepalived');

describe('VRRP sockets against keepalived 2.2.7', { skip }, () => {
  let topo: Topology;
  let b: Agent;
  let dir: string;
  let keepalivedLog = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-ka-'));
    topo = await createTopology({ hosts: ['a', 'b'] });
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(
      conf,
      `global_defs {\n  router_id ka-a\n  vrrp_version 2\n}\n` +
        `vrrp_instance VI_1 {\n  state MASTER\n  interface eth0\n  virtual_router_id 51\n  priority 100\n` +
        `  advert_int 1\n  virtual_ipaddress {\n    192.0.2.100/24\n  }\n}\n`,
    );
    b = await startAgent(topo, 'b', AGENT);
    const ka = topo.spawn('a', 'keepalived', [
      '-n',
      '-l',
      '-D',
      '-P',
      '-f',
      conf,
      '-p',
      join(dir, 'ka.pid'),
      '-r',
      join(dir, 'vrrp.pid'),
    ]);
    ka.stdout?.on('data', (d: Buffer) => {
      keepalivedLog += d.toString();
    });
    ka.stderr?.on('data', (d: Buffer) => {
      keepalivedLog += d.toString();
    });
  });
  after(async () => {
    await topo?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test("keepalived's adverts reach vigil's socket with TTL 255 and keepalived's source", async () => {
    const recv = await b.call<number>('openVrrp', {
      ifname: 'eth0',
      family: 'ipv4',
      srcAddress: '192.0.2.12',
    });
    const advert = await b.waitForEvent((e) => e.event === 'vrrp' && e.socket === recv, { timeoutMs: 15000 });
    assert.equal(advert.src, '192.0.2.11');
    assert.equal(advert.dst, '224.0.0.18');
    assert.equal(advert.ttl, 255);
    const data = Buffer.from(advert.data as string, 'hex');
    assert.equal(data[0], 0x21, 'VRRPv2 advertisement');
    assert.equal(data[1], 51);
    assert.equal(internetChecksum(data), 0, 'checksum verifies');
  });

  test('keepalived accepts an advert sent through vigil and yields to its higher priority', async () => {
    const send = await b.call<number>('openVrrp', {
      ifname: 'eth0',
      family: 'ipv4',
      srcAddress: '192.0.2.12',
    });
    const p = Buffer.alloc(20);
    p[0] = 0x21;
    p[1] = 51;
    p[2] = 200; // higher than keepalived's 100: it must become BACKUP (RFC 3768 section 6.4.3)
    p[3] = 1;
    p[5] = 1;
    p.set(parseIpv4('192.0.2.100')!, 8);
    p.writeUInt16BE(internetChecksum(p), 6);
    // Keep advertising until keepalived reports the transition (it may still be starting up).
    await waitFor(
      async () => {
        await b.call('sendVrrp', { socket: send, hex: p.toString('hex') });
        return /Entering BACKUP STATE/.test(
          keepalivedLog.slice(keepalivedLog.indexOf('Entering MASTER STATE')),
        );
      },
      { timeoutMs: 15000, intervalMs: 250, message: `keepalived to enter BACKUP; log:\n${keepalivedLog}` },
    );
    assert.match(keepalivedLog, /Entering MASTER STATE/);
  });
});
