/**
 * Interoperation with Debian's keepalived 2.2.7 in every role: vigil master with a keepalived
 * backup and the reverse, failover both ways on SIGKILL, priority-0 handover both ways on SIGTERM,
 * preemption both ways; VRRPv2 with PASS auth, VRRPv3 over IPv4 and IPv6, and unicast (v2, and v3 over
 * IPv4 and IPv6, with SIGKILL failover). Each step
 * proves the address moved: the VIP is on the expected node and a client gets that node's answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createLab,
  type DaemonHandle,
  daemonSkip,
  type Impl,
  type InstanceOpts,
  type Lab,
  masterDownMs,
  vrrpConf,
} from './lab.js';

const skip = daemonSkip({ keepalived: true });
const NODES = ['n1', 'n2'] as const;
const SLACK_MS = 700;

/** keepalived logs "(VI_1) Entering MASTER STATE" like vigil. */
const MASTER = /\(VI_1\) Entering MASTER STATE/;
const BACKUP = /\(VI_1\) Entering BACKUP STATE/;

interface Scenario {
  readonly title: string;
  readonly vip: string;
  /** The instance options (without priority) for the node of the given index. */
  readonly inst: (node: 'n1' | 'n2', lab: Lab) => Omit<InstanceOpts, 'priority'>;
  readonly advertInt: number;
  readonly version: 2 | 3;
  /** Also run SIGKILL failovers (slow with 1 s adverts; every scenario runs SIGTERM handovers). */
  readonly kill: boolean;
}

const SCENARIOS: readonly Scenario[] = [
  {
    title: 'VRRPv2 multicast with PASS auth',
    vip: '192.0.2.100',
    inst: () => ({ vips: ['192.0.2.100/24'], authPass: 'k33p', advertInt: 1 }),
    advertInt: 1,
    version: 2,
    kill: true,
  },
  {
    title: 'VRRPv3 IPv4, advert_int 0.2',
    vip: '192.0.2.101',
    inst: () => ({ vips: ['192.0.2.101/24'], version: 3, advertInt: 0.2, vrid: 52 }),
    advertInt: 0.2,
    version: 3,
    kill: true,
  },
  {
    title: 'VRRPv3 IPv6 (2001:db8::100), advert_int 0.2',
    vip: '2001:db8::100',
    inst: () => ({ vips: ['2001:db8::100/64'], version: 3, advertInt: 0.2, vrid: 53 }),
    advertInt: 0.2,
    version: 3,
    kill: true,
  },
  {
    title: 'VRRPv2 unicast',
    vip: '192.0.2.102',
    inst: (node, lab) => {
      const other = node === 'n1' ? 'n2' : 'n1';
      return {
        vips: ['192.0.2.102/24'],
        vrid: 54,
        advertInt: 1,
        authPass: 'uni',
        unicastSrc: lab.topo.host(node).ipv4,
        unicastPeers: [lab.topo.host(other).ipv4],
      };
    },
    advertInt: 1,
    version: 2,
    kill: false,
  },
  {
    title: 'VRRPv3 unicast IPv4, advert_int 0.2',
    vip: '192.0.2.103',
    inst: (node, lab) => {
      const other = node === 'n1' ? 'n2' : 'n1';
      return {
        vips: ['192.0.2.103/24'],
        vrid: 55,
        version: 3,
        advertInt: 0.2,
        unicastSrc: lab.topo.host(node).ipv4,
        unicastPeers: [lab.topo.host(other).ipv4],
      };
    },
    advertInt: 0.2,
    version: 3,
    kill: true,
  },
  {
    title: 'VRRPv3 unicast IPv6 (2001:db8::104), advert_int 0.2',
    vip: '2001:db8::104',
    inst: (node, lab) => {
      const other = node === 'n1' ? 'n2' : 'n1';
      return {
        vips: ['2001:db8::104/64'],
        vrid: 56,
        version: 3,
        advertInt: 0.2,
        unicastSrc: lab.topo.host(node).ipv6,
        unicastPeers: [lab.topo.host(other).ipv6],
      };
    },
    advertInt: 0.2,
    version: 3,
    kill: true,
  },
];

for (const sc of SCENARIOS) {
  describe(`interop with keepalived 2.2.7: ${sc.title}`, { skip, timeout: 120_000 }, () => {
    let lab: Lab;
    const conf = (node: 'n1' | 'n2', priority: number) => vrrpConf({ ...sc.inst(node, lab), priority });
    const served = (host: string, exclusive = true) =>
      lab.waitServedBy(host, sc.vip, { client: 'client', among: NODES, exclusive, timeoutMs: 8000 });
    const handover = ((256 - 100) / 256) * (sc.version === 2 ? 1000 : sc.advertInt * 1000) + SLACK_MS;

    before(async () => {
      lab = await createLab(['n1', 'n2', 'client']);
      await Promise.all([lab.http('n1'), lab.http('n2')]);
    });
    after(() => lab?.destroy());

    // n1 runs `master`'s implementation with priority 150, n2 the other with priority 100.
    for (const master of ['vigil', 'keepalived'] as const) {
      const backup: Impl = master === 'vigil' ? 'keepalived' : 'vigil';
      test(`${master} master, ${backup} backup: election, ${sc.kill ? 'SIGKILL failover, ' : ''}preemption, SIGTERM handover`, async () => {
        try {
          await run(master, backup);
        } finally {
          await lab.stopAll();
        }
      });
    }

    async function run(master: Impl, backup: Impl): Promise<void> {
      // The master first: started together, either BACKUP may time out first and win for a moment.
      let m: DaemonHandle = lab.start(master, 'n1', conf('n1', 150));
      await m.waitLog(MASTER, { timeoutMs: 10000 });
      const b = lab.start(backup, 'n2', conf('n2', 100));
      await b.waitLog(BACKUP);
      await served('n1');
      assert.doesNotMatch(b.log(), MASTER);

      if (sc.kill) {
        let from = b.log().length;
        const t0 = Date.now();
        m.crash();
        await b.waitLog(MASTER, { from, timeoutMs: 8000 });
        const took = Date.now() - t0;
        const bound = masterDownMs(sc.advertInt, 100, sc.version) + SLACK_MS;
        assert.ok(took < bound, `${backup} took over after ${took} ms, bound ${bound}`);
        await m.exited;
        // The killed daemon left its VIP behind; gratuitous ARP / unsolicited NA moves traffic.
        await served('n2', false);

        // The restarted master preempts (it clears its stale VIP, the backup releases its own).
        from = b.log().length;
        m = lab.start(master, 'n1', conf('n1', 150));
        await m.waitLog(MASTER, { timeoutMs: 10000 });
        await b.waitLog(BACKUP, { from });
        await served('n1');
      }

      const from = b.log().length;
      const t0 = Date.now();
      m.signal('SIGTERM');
      await b.waitLog(MASTER, { from, timeoutMs: 5000 });
      const took = Date.now() - t0;
      assert.ok(took < handover, `priority-0 handover to ${backup} took ${took} ms, bound ${handover}`);
      assert.equal((await m.exited).code, 0);
      await served('n2');
      b.signal('SIGTERM');
      assert.equal((await b.exited).code, 0);
      assert.deepEqual(await lab.holders(sc.vip, NODES), [], 'SIGTERM removes the VIP');
    }
  });
}

describe('interop with keepalived 2.2.7: nopreempt', { skip, timeout: 120_000 }, () => {
  let lab: Lab;
  const VIP = '192.0.2.103';
  before(async () => {
    lab = await createLab(['n1', 'n2', 'client']);
    await Promise.all([lab.http('n1'), lab.http('n2')]);
  });
  after(() => lab?.destroy());

  for (const running of ['vigil', 'keepalived'] as const) {
    const joining: Impl = running === 'vigil' ? 'keepalived' : 'vigil';
    test(`${running} master (priority 100) keeps the VIP when ${joining} (150, nopreempt) joins`, async () => {
      const conf = (priority: number) =>
        vrrpConf({ state: 'BACKUP', nopreempt: true, priority, vrid: 55, vips: [`${VIP}/24`] });
      try {
        const m = lab.start(running, 'n2', conf(100));
        await m.waitLog(MASTER, { timeoutMs: 10000 });
        const j = lab.start(joining, 'n1', conf(150));
        await j.waitLog(BACKUP);
        // Watch for longer than the joiner's master-down interval: it must not take over.
        const until = Date.now() + masterDownMs(1, 150, 2) + 1000;
        while (Date.now() < until) {
          assert.doesNotMatch(j.log(), MASTER, `${joining} preempted despite nopreempt`);
          await new Promise((r) => setTimeout(r, 100));
        }
        await lab.waitServedBy('n2', VIP, { client: 'client', among: NODES });
      } finally {
        await lab.stopAll();
      }
    });
  }
});
