/**
 * use_vmac against keepalived 2.2.7, both with a VMAC, in both roles, over IPv4 and IPv6: the
 * master's VMAC is a private macvlan on eth0 with the virtual MAC and carries the VIP, its adverts
 * and the client's neighbour entry carry the virtual MAC, a SIGKILL failover moves the VIP to the
 * other node's VMAC, the restarted master takes over the VMAC its crash left behind, and once vigil
 * stops its VMAC is gone. Then vmac_xmit_base: adverts from eth0's own MAC, VIP on the VMAC, and
 * keepalived's sysctls set while running and restored after.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { formatIpv4, formatIpv6 } from '../../../src/net/addr.js';
import { type Capture, startCapture } from '../harness/capture.js';
import { waitFor } from '../harness/topology.js';
import {
  addressesOn,
  createLab,
  type DaemonHandle,
  daemonSkip,
  type Impl,
  ipLink,
  type Lab,
  vrrpConf,
} from './lab.js';

const skip = daemonSkip({ keepalived: true });
const NODES = ['n1', 'n2'] as const;
const MASTER = /\(VI_1\) Entering MASTER STATE/;
const BACKUP = /\(VI_1\) Entering BACKUP STATE/;

/** What identifies a VMAC: its MAC, kind, macvlan mode and base. */
async function linkFacts(lab: Lab, host: string, name: string) {
  const l = await ipLink(lab, host, name);
  return (
    l && { address: l.address, kind: l.linkinfo?.info_kind, mode: l.linkinfo?.info_data?.mode, link: l.link }
  );
}

async function sysctl(lab: Lab, host: string, path: string): Promise<string> {
  return (await lab.topo.exec(host, 'cat', [`/proc/sys/${path}`])).stdout.trim();
}

const mac = (b: Buffer, off: number) =>
  [...b.subarray(off, off + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');

/** A VRRP frame's Ethernet source MAC and IP source, or undefined for anything else. */
function vrrpFrame(f: Buffer): { srcMac: string; src: string } | undefined {
  const type = f.readUInt16BE(12);
  if (type === 0x0800 && f[14 + 9] === 112) return { srcMac: mac(f, 6), src: formatIpv4(f, 26) };
  if (type === 0x86dd && f[14 + 6] === 112) return { srcMac: mac(f, 6), src: formatIpv6(f, 22) };
  return undefined;
}

/**
 * The MAC a gratuitous ARP (sender address) or an unsolicited neighbour advertisement (target
 * link-layer option) announces for `address`, with the frame's Ethernet source; else undefined.
 */
function announced(f: Buffer, address: string): { mac: string; srcMac: string } | undefined {
  const type = f.readUInt16BE(12);
  if (type === 0x0806 && f.length >= 42 && formatIpv4(f, 28) === address)
    return { mac: mac(f, 22), srcMac: mac(f, 6) };
  // IPv6, next header ICMPv6, type 136 (NA), target = address, first option = target link-layer address.
  if (
    type === 0x86dd &&
    f.length >= 86 &&
    f[20] === 58 &&
    f[54] === 136 &&
    formatIpv6(f, 62) === address &&
    f[78] === 2
  )
    return { mac: mac(f, 80), srcMac: mac(f, 6) };
  return undefined;
}

/** One describe block's lab (n1 and n2 with HTTP servers, a client) and capture, removed after. */
interface LabSlot {
  lab: Lab;
  capture: Capture | undefined;
  /** After each test: the capture and every daemon stop. */
  settle(): Promise<void>;
}

function useLab(): LabSlot {
  const slot: LabSlot = {
    lab: undefined as unknown as Lab,
    capture: undefined,
    async settle() {
      await slot.capture?.stop();
      slot.capture = undefined;
      await slot.lab.stopAll();
    },
  };
  before(async () => {
    slot.lab = await createLab(['n1', 'n2', 'client']);
    await Promise.all([slot.lab.http('n1'), slot.lab.http('n2')]);
  });
  after(async () => {
    await slot.capture?.stop();
    await slot.lab?.destroy();
  });
  return slot;
}

interface Scenario {
  readonly title: string;
  readonly vip: string;
  readonly cidr: string;
  readonly vrid: number;
  readonly vmac: string;
  readonly virtualMac: string;
  /** tcpdump filter for adverts and announcements. */
  readonly filter: string;
}

const SCENARIOS: readonly Scenario[] = [
  {
    title: 'IPv4',
    vip: '192.0.2.110',
    cidr: '192.0.2.110/24',
    vrid: 61,
    vmac: 'vrrp.61',
    virtualMac: '00:00:5e:00:01:3d',
    filter: 'arp or ip proto 112',
  },
  {
    title: 'IPv6',
    vip: '2001:db8::110',
    cidr: '2001:db8::110/64',
    vrid: 62,
    vmac: 'vrrp.62',
    virtualMac: '00:00:5e:00:02:3e',
    filter: 'icmp6 or ip6 proto 112',
  },
];

for (const sc of SCENARIOS) {
  describe(`use_vmac interop with keepalived 2.2.7: ${sc.title}`, { skip, timeout: 120_000 }, () => {
    const slot = useLab();
    const conf = (priority: number) =>
      vrrpConf({ vips: [sc.cidr], vrid: sc.vrid, version: 3, advertInt: 0.2, priority, extra: ['use_vmac'] });
    const served = (host: string, exclusive = true) =>
      slot.lab.waitServedBy(host, sc.vip, { client: 'client', among: NODES, exclusive, timeoutMs: 8000 });

    for (const master of ['vigil', 'keepalived'] as const) {
      const backup: Impl = master === 'vigil' ? 'keepalived' : 'vigil';
      test(`${master} master, ${backup} backup: VMAC with the VIP, SIGKILL failover, VMAC reused, removed on stop`, async () => {
        try {
          await run(master, backup);
        } finally {
          await slot.settle();
        }
      });
    }

    async function run(master: Impl, backup: Impl): Promise<void> {
      const lab = slot.lab;
      const capture = await startCapture(lab.topo, 'client', 'eth0', sc.filter);
      slot.capture = capture;
      let m: DaemonHandle = lab.start(master, 'n1', conf(150));
      await m.waitLog(MASTER, { timeoutMs: 10000 });
      const b = lab.start(backup, 'n2', conf(100));
      await b.waitLog(BACKUP);
      await served('n1');

      // Both nodes have the VMAC: a private macvlan on eth0 with the virtual MAC; the master's has the VIP.
      for (const host of NODES) {
        const facts = await waitFor(() => linkFacts(lab, host, sc.vmac), {
          message: `${sc.vmac} on ${host}`,
        });
        assert.deepEqual(
          facts,
          { address: sc.virtualMac, kind: 'macvlan', mode: 'private', link: 'eth0' },
          host,
        );
      }
      assert.ok((await addressesOn(lab, 'n1', sc.vmac)).includes(sc.vip), `${sc.vip} on n1 ${sc.vmac}`);
      assert.ok(!(await addressesOn(lab, 'n2', sc.vmac)).includes(sc.vip), `${sc.vip} not on n2 ${sc.vmac}`);
      // Announcements for the VIP and the adverts (the master's come first) carry the virtual MAC.
      const garp = await capture.waitForFrame((f) => announced(f, sc.vip) !== undefined, 5000);
      assert.deepEqual(announced(garp, sc.vip), { mac: sc.virtualMac, srcMac: sc.virtualMac });
      const advert = await capture.waitForFrame((f) => vrrpFrame(f) !== undefined, 5000);
      assert.equal(vrrpFrame(advert)?.srcMac, sc.virtualMac, 'adverts come from the VMAC');

      // SIGKILL: the backup takes over on its own VMAC.
      let from = b.log().length;
      m.crash();
      await b.waitLog(MASTER, { from, timeoutMs: 8000 });
      await m.exited;
      await served('n2', false);
      assert.ok((await addressesOn(lab, 'n2', sc.vmac)).includes(sc.vip), `${sc.vip} on n2 ${sc.vmac}`);

      // The restarted master takes the VMAC its crash left behind and preempts.
      assert.ok(await linkFacts(lab, 'n1', sc.vmac), 'the crash left the VMAC');
      from = b.log().length;
      m = lab.start(master, 'n1', conf(150));
      await m.waitLog(MASTER, { timeoutMs: 10000 });
      await b.waitLog(BACKUP, { from });
      await served('n1');
      if (master === 'vigil')
        assert.match(m.log(), new RegExp(`using existing VMAC interface ${sc.vmac.replace('.', '\\.')}`));

      // SIGTERM both (the master first): each removes its VMAC.
      from = b.log().length;
      m.signal('SIGTERM');
      assert.equal((await m.exited).code, 0);
      await b.waitLog(MASTER, { from, timeoutMs: 5000 });
      await served('n2');
      b.signal('SIGTERM');
      assert.equal((await b.exited).code, 0);
      const vigilHost = master === 'vigil' ? 'n1' : 'n2';
      await waitFor(async () => (await linkFacts(lab, vigilHost, sc.vmac)) === undefined, {
        message: `vigil's ${sc.vmac} on ${vigilHost} removed`,
      });
      assert.deepEqual(await lab.holders(sc.vip, NODES), [], 'SIGTERM removes the VIP');
    }
  });
}

describe('use_vmac with vmac_xmit_base, vigil master and keepalived 2.2.7 backup', {
  skip,
  timeout: 120_000,
}, () => {
  const slot = useLab();
  const VIP = '192.0.2.111';
  const conf = (priority: number) =>
    vrrpConf({
      vips: [`${VIP}/24`],
      vrid: 63,
      version: 3,
      advertInt: 0.2,
      priority,
      extra: ['use_vmac', 'vmac_xmit_base'],
    });

  test('adverts from eth0, the VIP on the VMAC, sysctls set while running and restored on stop', async () => {
    try {
      const lab = slot.lab;
      const n1 = lab.topo.host('n1');
      const baseMac = (await lab.topo.exec('n1', 'cat', ['/sys/class/net/eth0/address'])).stdout.trim();
      const capture = await startCapture(lab.topo, 'client', 'eth0', 'arp or ip proto 112');
      slot.capture = capture;
      const m = lab.start('vigil', 'n1', conf(150));
      await m.waitLog(MASTER, { timeoutMs: 10000 });
      const b = lab.start('keepalived', 'n2', conf(100));
      await b.waitLog(BACKUP);
      await lab.waitServedBy('n1', VIP, { client: 'client', among: NODES, timeoutMs: 8000 });

      assert.equal((await linkFacts(lab, 'n1', 'vrrp.63'))?.address, '00:00:5e:00:01:3f');
      assert.ok((await addressesOn(lab, 'n1', 'vrrp.63')).includes(VIP));
      const garp = await capture.waitForFrame((f) => announced(f, VIP) !== undefined, 5000);
      assert.deepEqual(announced(garp, VIP), { mac: '00:00:5e:00:01:3f', srcMac: '00:00:5e:00:01:3f' });
      const advert = await capture.waitForFrame((f) => vrrpFrame(f)?.src === n1.ipv4, 5000);
      assert.equal(vrrpFrame(advert)?.srcMac, baseMac, 'adverts from the base interface');
      assert.ok(
        !capture.frames().some((f) => vrrpFrame(f)?.src === n1.ipv4 && vrrpFrame(f)?.srcMac !== baseMac),
        'no advert from the VMAC',
      );

      // keepalived's sysctls: on the VMAC, and on its base (restored when vigil stops).
      for (const [key, want] of [
        ['arp_ignore', '1'],
        ['accept_local', '1'],
        ['rp_filter', '0'],
      ] as const) {
        assert.equal(await sysctl(lab, 'n1', `net/ipv4/conf/vrrp.63/${key}`), want, key);
      }
      assert.equal(await sysctl(lab, 'n1', 'net/ipv6/conf/vrrp.63/disable_ipv6'), '1');
      assert.equal(await sysctl(lab, 'n1', 'net/ipv4/conf/eth0/arp_ignore'), '1');
      assert.equal(await sysctl(lab, 'n1', 'net/ipv4/conf/eth0/arp_filter'), '1');

      const from = b.log().length;
      m.signal('SIGTERM');
      assert.equal((await m.exited).code, 0);
      await b.waitLog(MASTER, { from, timeoutMs: 5000 });
      assert.equal(await linkFacts(lab, 'n1', 'vrrp.63'), undefined, 'the VMAC is removed');
      assert.equal(await sysctl(lab, 'n1', 'net/ipv4/conf/eth0/arp_ignore'), '0');
      assert.equal(await sysctl(lab, 'n1', 'net/ipv4/conf/eth0/arp_filter'), '0');
    } finally {
      await slot.settle();
    }
  });
});
