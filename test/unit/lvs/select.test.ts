/** Driver selection (injected probe), the lazy driver's logging and fallback, and `vigil lvs` output. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planChecks } from '../../../src/check/plan.js';
import { type LvsDriver, RecordingDriver } from '../../../src/lvs/driver.js';
import { formatLvs, largeNum } from '../../../src/lvs/format.js';
import { chooseLvsDriver, lazyDriver, planUnsupported } from '../../../src/lvs/select.js';
import { modelOf } from '../../config-model.js';

const conf = (algo: string, kind = 'NAT') => `
virtual_server 192.0.2.100 80 {
  lb_algo ${algo}
  lb_kind ${kind}
  protocol TCP
  real_server 198.51.100.2 80 {
    weight 3
  }
  real_server 198.51.100.3 80 {
    weight 1
  }
}
`;
const plan = (algo: string, kind = 'NAT') => planChecks(modelOf(conf(algo, kind)), { hostname: 'h' });

test('choice: forced wins; else IPVS when the family resolves, nftables when not', async () => {
  assert.deepEqual(await chooseLvsDriver('nftables', async () => true), {
    kind: 'nftables',
    why: 'forced by --lvs-driver',
  });
  assert.equal((await chooseLvsDriver(undefined, async () => true)).kind, 'ipvs');
  assert.equal((await chooseLvsDriver(undefined, async () => false)).kind, 'nftables');
});

test('planUnsupported: from the configuration, before anything runs', () => {
  assert.equal(planUnsupported(plan('wrr')), undefined);
  assert.match(planUnsupported(plan('wlc')) ?? '', /scheduler wlc is not supported by the nftables driver/);
  assert.equal(planUnsupported(plan('rr', 'DR')), undefined);
  assert.match(planUnsupported(plan('rr', 'TUN')) ?? '', /lvs_method TUN/);
});

test('lazy driver: logs the choice once; falls back without an IPVS driver', async () => {
  const logs: string[] = [];
  const made: string[] = [];
  const rec = new RecordingDriver();
  const nft: LvsDriver = { apply: async () => void made.push('apply'), stop: async () => {} };
  const d = lazyDriver({
    forced: undefined,
    plan: plan('lc'),
    probe: async () => false,
    log: (level, m) => logs.push(`${level}: ${m}`),
    factories: { nftables: () => nft },
    fallback: () => rec,
  });
  await d.apply({ services: [] });
  await d.apply({ services: [] });
  assert.deepEqual(made, ['apply', 'apply']);
  assert.equal(logs.length, 1);
  assert.match(logs[0]!, /^info: LVS driver: nftables \(the kernel has no IPVS/);

  const logs2: string[] = [];
  const d2 = lazyDriver({
    forced: 'ipvs',
    plan: plan('wlc'),
    log: (level, m) => logs2.push(`${level}: ${m}`),
    factories: { nftables: () => nft },
    fallback: () => rec,
  });
  await d2.apply({ services: [] });
  assert.equal(rec.applied.length, 1);
  assert.match(logs2[0]!, /no IPVS driver yet/);
});

test('vigil lvs: ipvsadm -Ln layout, --stats with the connection counters', () => {
  const view = {
    driver: 'nftables',
    table: {
      services: [
        {
          key: 'TCP 192.0.2.100:80',
          vs: '[192.0.2.100]:tcp:80',
          family: 'ipv4' as const,
          protocol: 'TCP' as const,
          address: '192.0.2.100',
          port: 80,
          scheduler: 'wrr' as const,
          persistenceTimeoutS: 300,
          dests: [
            {
              family: 'ipv4' as const,
              address: '198.51.100.2',
              port: 80,
              weight: 3,
              method: 'NAT' as const,
              sorry: false,
            },
          ],
        },
      ],
    },
    stats: {
      'TCP 192.0.2.100:80': {
        conns: 1500,
        inPkts: 9000,
        outPkts: 7500,
        inBytes: 123456789,
        outBytes: 2e9,
        dests: { '198.51.100.2:80': { conns: 1500 } },
      },
    },
  };
  assert.equal(
    formatLvs(view),
    [
      'vigil LVS table (driver nftables)',
      'Prot LocalAddress:Port Scheduler Flags',
      '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
      'TCP  192.0.2.100:80 wrr persistent 300',
      '  -> 198.51.100.2:80              Masq    3      -          -',
      '',
    ].join('\n'),
  );
  const s = formatLvs(view, { stats: true }).split('\n');
  assert.equal(s[1], 'Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes');
  assert.equal(s[3], 'TCP  192.0.2.100:80                   1500     9000     7500  123456K    2000M');
  assert.equal(s[4], '  -> 198.51.100.2:80                  1500        -        -        -        -');
  assert.equal(largeNum(123456789), '  123456K');
});
