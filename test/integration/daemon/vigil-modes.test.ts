/**
 * Two vigil daemons in the other wire modes: VRRPv3 with a sub-second interval (advert_int 0.1),
 * VRRPv3 over IPv6 (VIP 2001:db8::100) and VRRPv2 unicast (unicast_src_ip + unicast_peer). Each
 * elects, fails over on SIGKILL within the master-down interval, and moves the client's traffic.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLab, daemonSkip, type InstanceOpts, type Lab, masterDownMs, vrrpConf } from './lab.js';

const skip = daemonSkip();
const NODES = ['n1', 'n2'] as const;
const SLACK_MS = 600;

interface Mode {
  readonly title: string;
  readonly vip: string;
  readonly version: 2 | 3;
  readonly advertInt: number;
  readonly inst: (node: 'n1' | 'n2', lab: Lab) => Omit<InstanceOpts, 'priority'>;
}

const MODES: readonly Mode[] = [
  {
    title: 'VRRPv3 IPv4 with advert_int 0.1',
    vip: '192.0.2.110',
    version: 3,
    advertInt: 0.1,
    inst: () => ({ vips: ['192.0.2.110/24'], version: 3, advertInt: 0.1, vrid: 70 }),
  },
  {
    title: 'VRRPv3 IPv6, VIP 2001:db8::100, advert_int 0.2',
    vip: '2001:db8::100',
    version: 3,
    advertInt: 0.2,
    inst: () => ({ vips: ['2001:db8::100/64'], version: 3, advertInt: 0.2, vrid: 71 }),
  },
  {
    title: 'VRRPv2 unicast',
    vip: '192.0.2.111',
    version: 2,
    advertInt: 1,
    inst: (node, lab) => ({
      vips: ['192.0.2.111/24'],
      vrid: 72,
      unicastSrc: lab.topo.host(node).ipv4,
      unicastPeers: [lab.topo.host(node === 'n1' ? 'n2' : 'n1').ipv4],
    }),
  },
];

describe('two vigil nodes: v3 sub-second, IPv6, unicast', { skip, timeout: 120_000 }, () => {
  let lab: Lab;
  before(async () => {
    lab = await createLab(['n1', 'n2', 'client']);
    await Promise.all([lab.http('n1'), lab.http('n2')]);
  });
  after(() => lab?.destroy());

  for (const mode of MODES) {
    test(`${mode.title}: election, SIGKILL failover within the master-down interval`, async () => {
      const conf = (node: 'n1' | 'n2', priority: number) => vrrpConf({ ...mode.inst(node, lab), priority });
      const served = (host: string, exclusive: boolean) =>
        lab.waitServedBy(host, mode.vip, { client: 'client', among: NODES, exclusive, timeoutMs: 8000 });
      try {
        const m = lab.start('vigil', 'n1', conf('n1', 150));
        await m.waitLog(/Entering MASTER STATE/);
        const b = lab.start('vigil', 'n2', conf('n2', 100));
        await b.waitLog(/Entering BACKUP STATE/);
        await served('n1', true);
        const seen = await lab.status(b);
        assert.equal(seen.instances[0]!.version, mode.version);
        const from = b.log().length;
        const t0 = Date.now();
        m.signal('SIGKILL');
        await b.waitLog(/Entering MASTER STATE/, { from, timeoutMs: 8000 });
        const took = Date.now() - t0;
        const bound = masterDownMs(mode.advertInt, 100, mode.version) + SLACK_MS;
        assert.ok(took < bound, `failover took ${took} ms, bound ${bound}`);
        await served('n2', false);
        assert.equal(b.log().match(/Entering MASTER STATE/g)?.length, 1, 'one takeover, no flap');
      } finally {
        await lab.stopAll();
        // A killed master leaves its VIP: clean up for the next mode.
        const prefix = mode.vip.includes(':') ? '64' : '24';
        await lab.topo.exec('n1', 'ip', ['addr', 'del', `${mode.vip}/${prefix}`, 'dev', 'eth0'], {
          allowFail: true,
        });
      }
    });
  }
});
