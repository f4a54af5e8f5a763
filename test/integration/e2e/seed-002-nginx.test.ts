/**
 * Seed 002 (API gateway with nginx): two vigil nodes with unicast peers, `chk_nginx` (killall -0,
 * interval 1, weight 2, fall 2, rise 1) against a real nginx in each namespace, and the seed's
 * keepalived_policy.sh writing the state and node name into nginx's index page.
 *
 * Arithmetic the seed relies on: both nginx up -> 202 (master) vs 201; nginx stopped on the master
 * -> it loses its +2: 200 vs 201, so the backup preempts; nginx back -> 202 vs 201 and it returns.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLab, type DaemonHandle, type Lab } from '../daemon/lab.js';
import { waitFor } from '../harness/topology.js';
import {
  conf,
  e2eSkip,
  instance,
  type Nginx,
  nginx,
  readLines,
  timing,
  waitStatus,
  writeScript,
} from './helpers.js';

const skip = e2eSkip(['killall', 'nginx']);
const VIP = '192.0.2.105';
const NODES = ['n1', 'n2'] as const;
const INST = 'YN_API_GATEWAY';

/**
 * n1 is always vigil; n2 is vigil, then keepalived 2.2.7 (the same failover with a mixed pair).
 * keepalived has no `vigil status`, so its side is checked through its log.
 */
for (const peer of ['vigil', 'keepalived'] as const)
  describe(`seed 002 (n2 ${peer}): nginx check with weight 2 moves the VIP (unicast)`, {
    skip: skip || (peer === 'keepalived' ? e2eSkip(['keepalived']) : false),
    timeout: 90_000,
  }, () => {
    let lab: Lab;
    const ngx = new Map<string, Nginx>();
    const daemons = new Map<string, DaemonHandle>();
    const policyLog = (host: string) => `${lab.dir}/policy-${host}.log`;

    /** The node whose namespace alone holds the VIP and whose nginx page the client gets. */
    async function waitServed(host: string, timeoutMs = 12_000): Promise<number> {
      const t0 = Date.now();
      await waitFor(
        async () => {
          const held = await lab.holders(VIP, NODES);
          if (held.length !== 1 || held[0] !== host) throw new Error(`VIP held by [${held.join(', ')}]`);
          const body = await lab.fetch('client', VIP, 500);
          // The page is written by notify_master (or the generic notify) of the new master.
          if (body === undefined || !body.includes(` ${host} `) || !/MASTER|notify_master/.test(body))
            throw new Error(`client got ${JSON.stringify(body)}`);
          return true;
        },
        { timeoutMs, intervalMs: 50, message: `${VIP} served by ${host}` },
      );
      return Date.now() - t0;
    }

    before(async () => {
      lab = await createLab(['n1', 'n2', 'client']);
      for (const h of NODES) {
        const n = nginx(lab, h);
        ngx.set(h, n);
        await n.start();
        // keepalived_policy.sh from the seed: log every call, and put date, node and arguments on the
        // web page (written to a temp file and renamed, so nginx never serves a half-written page).
        // The node name is given explicitly: both namespaces share one hostname.
        writeScript(
          `${lab.dir}/policy-${h}.sh`,
          [
            `line="$(date '+%F %T') ${h} $1 $2 $3 $4 $5 $6"`,
            `echo "$line" >> ${policyLog(h)}`,
            `echo "$line" > ${n.htmlDir}/.index.$$ && mv ${n.htmlDir}/.index.$$ ${n.indexFile}`,
          ].join('\n'),
        );
      }
    });
    after(() => lab?.destroy());

    const nodeConf = (h: 'n1' | 'n2') => {
      const self = lab.topo.host(h).ipv4;
      const peer = lab.topo.host(h === 'n1' ? 'n2' : 'n1').ipv4;
      const policy = `${lab.dir}/policy-${h}.sh`;
      return conf({
        routerId: `proxy-${h}`,
        body: [
          'vrrp_script chk_nginx {',
          // As in the seed: a bare `killall`, found through PATH.
          `  script "killall -0 ${ngx.get(h)?.procName}"`,
          '  interval 1',
          '  weight 2',
          '  fall 2',
          '  rise 1',
          '}',
          instance({
            name: INST,
            vrid: 101,
            state: h === 'n1' ? 'MASTER' : 'BACKUP',
            priority: h === 'n1' ? 200 : 199,
            vips: [VIP],
            lines: [
              `unicast_src_ip ${self}`,
              'unicast_peer {',
              `  ${peer}`,
              '}',
              'authentication {',
              '  auth_type PASS',
              '  auth_pass testpass',
              '}',
              'track_script {',
              '  chk_nginx',
              '}',
              `notify_master "${policy} notify_master"`,
              `notify_backup "${policy} policy_backup"`,
              `notify_fault "${policy} policy_fault"`,
              `notify "${policy} restart y"`,
            ],
          }),
        ].join('\n'),
      });
    };

    test('n1 (200+2) is master over n2 (199+2) and the client sees n1 on the page', async () => {
      const n1 = lab.start('vigil', 'n1', nodeConf('n1'));
      daemons.set('n1', n1);
      await n1.waitLog(new RegExp(`\\(${INST}\\) Entering MASTER STATE`));
      const n2 = lab.start(peer, 'n2', nodeConf('n2'));
      daemons.set('n2', n2);
      await n2.waitLog(new RegExp(`\\(${INST}\\) Entering BACKUP STATE`));
      await waitStatus(lab, n1, INST, (i) => i.effectivePriority === 202, { message: 'n1 at 202' });
      if (peer === 'vigil')
        await waitStatus(lab, n2, INST, (i) => i.effectivePriority === 201, { message: 'n2 at 201' });
      else await n2.waitLog(/VRRP_Script\(chk_nginx\) succeeded/);
      assert.match(n1.log(), /chk_nginx: 'killall' resolved by PATH to '\/usr\/bin\/killall'/);
      await waitServed('n1');
      // keepalived's notify arguments: the generic script gets INSTANCE NAME STATE PRIORITY appended.
      await waitFor(() => readLines(policyLog('n1')).some((l) => l.endsWith(`n1 notify_master`)), {
        message: 'notify_master ran on n1',
      });
      await waitFor(
        () =>
          readLines(policyLog('n1')).some((l) =>
            /n1 restart y INSTANCE YN_API_GATEWAY MASTER 20[02]$/.test(l),
          ),
        { message: 'notify ran on n1 with keepalived arguments' },
      );
      await waitFor(() => readLines(policyLog('n2')).some((l) => l.endsWith('n2 policy_backup')), {
        message: 'notify_backup ran on n2',
      });
    });

    test('stopping nginx on the master (200 < 201) moves the VIP to n2, whose page the client gets', async () => {
      const n1 = daemons.get('n1') as DaemonHandle;
      const n2 = daemons.get('n2') as DaemonHandle;
      const from = n1.log().length;
      const t0 = Date.now();
      await ngx.get('n1')?.stop();
      await n1.waitLog(/VRRP_Script\(chk_nginx\) failed/, { from, timeoutMs: 6000 });
      const detected = Date.now() - t0;
      await waitStatus(lab, n1, INST, (i) => i.effectivePriority === 200, { message: 'n1 at 200' });
      const served = await waitServed('n2');
      timing(`seed002 (n2 ${peer}) nginx stop -> chk_nginx failed (fall 2, interval 1)`, detected);
      timing(`seed002 (n2 ${peer}) nginx stop -> client served by n2`, Date.now() - t0);
      assert.ok(served >= 0);
      await waitStatus(lab, n1, INST, (i) => i.state === 'BACKUP');
      if (peer === 'vigil') {
        const s2 = await waitStatus(lab, n2, INST, (i) => i.state === 'MASTER');
        assert.equal(s2.inst.effectivePriority, 201);
      } else await n2.waitLog(new RegExp(`\\(${INST}\\) Entering MASTER STATE`));
      await waitFor(() => readLines(policyLog('n2')).some((l) => l.endsWith('n2 notify_master')), {
        message: 'notify_master ran on n2',
      });
      await waitFor(() => readLines(policyLog('n1')).some((l) => l.endsWith('n1 policy_backup')), {
        message: 'notify_backup ran on n1',
      });
    });

    test('starting nginx again (202 > 201) moves the VIP back to n1', async () => {
      const n1 = daemons.get('n1') as DaemonHandle;
      const from = n1.log().length;
      const t0 = Date.now();
      await ngx.get('n1')?.start();
      await n1.waitLog(/VRRP_Script\(chk_nginx\) succeeded/, { from, timeoutMs: 5000 });
      timing(`seed002 (n2 ${peer}) nginx start -> chk_nginx succeeded (rise 1)`, Date.now() - t0);
      await waitServed('n1');
      timing(`seed002 (n2 ${peer}) nginx start -> client served by n1 again`, Date.now() - t0);
      const s1 = await waitStatus(lab, n1, INST, (i) => i.state === 'MASTER');
      assert.equal(s1.inst.effectivePriority, 202);
      const n2 = daemons.get('n2') as DaemonHandle;
      if (peer === 'vigil') await waitStatus(lab, n2, INST, (i) => i.state === 'BACKUP');
      else await n2.waitLog(/Entering BACKUP STATE[\s\S]*Entering MASTER STATE[\s\S]*Entering BACKUP STATE/);
      // Neither node ever went to FAULT: chk_nginx has a weight, so failing only lowers priority.
      for (const h of NODES) assert.doesNotMatch(daemons.get(h)?.log() ?? '', /Entering FAULT/);
      assert.ok(!readLines(policyLog('n1')).some((l) => l.includes('policy_fault')));
    });
  });
