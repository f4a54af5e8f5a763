/**
 * Seed 001 "dual active with maintenance file": two nodes, two instances (VI_1, VI_2) with
 * nopreempt, each tracking a script that fails while its maintenance file exists (weight 0, so a
 * failing script means FAULT). Touching the file for one VIP on the node holding it moves that VIP
 * to the other node and leaves the other VIP where it is.
 *
 * The seed writes the script as `"/bin/bash -c '[[ -e FILE ]]' && exit 1 || exit 0"`. Scripts run
 * without a shell, so that is bash -c '[[ -e FILE ]]' with `&& exit 1 || exit 0` as $0.. words:
 * it succeeds exactly when the file EXISTS, the opposite of the intent. The scenario uses the
 * quoting the seed means (`'[[ -e FILE ]] && exit 1 || exit 0'`); the last test pins what the
 * literal seed line does (FAULT while there is no maintenance file).
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createLab, type DaemonHandle, type Lab } from '../daemon/lab.js';
import { conf, e2eSkip, instance, timing, waitStatus } from './helpers.js';

const skip = e2eSkip(['bash']);
const VIP1 = '192.0.2.32';
const VIP2 = '192.0.2.33';
const NODES = ['n1', 'n2'] as const;

const maintFile = (lab: Lab, host: string, vip: string) => `${lab.dir}/maint-${host}-${vip}`;

function nodeConf(lab: Lab, host: string, literalSeedQuoting = false): string {
  const script = (vip: string) => {
    const f = maintFile(lab, host, vip);
    const cmd = literalSeedQuoting
      ? `/bin/bash -c '[[ -e ${f} ]]' && exit 1 || exit 0`
      : `/bin/bash -c '[[ -e ${f} ]] && exit 1 || exit 0'`;
    return [`vrrp_script maint-${vip} {`, `  script "${cmd}"`, '  interval 2', '  fall 2', '  rise 2', '}'];
  };
  const inst = (name: string, vrid: number, vip: string) =>
    instance({
      name,
      vrid,
      priority: 100,
      vips: [`${vip}/24 dev eth0`],
      lines: [
        'nopreempt',
        'authentication {',
        '  auth_type PASS',
        '  auth_pass 1111',
        '}',
        'track_script {',
        `  maint-${vip}`,
        '}',
      ],
    });
  return conf({
    routerId: `maint_${host}`,
    body: [...script(VIP1), ...script(VIP2), inst('VI_1', 32, VIP1), inst('VI_2', 33, VIP2)].join('\n'),
  });
}

describe('seed 001: dual active with maintenance files', { skip, timeout: 90_000 }, () => {
  let lab: Lab;
  let n1: DaemonHandle;
  let n2: DaemonHandle;
  const holder = async (vip: string) => (await lab.holders(vip, NODES)).join(',');

  before(async () => {
    lab = await createLab(['n1', 'n2']);
  });
  after(() => lab?.destroy());

  test('the first node up takes both VIPs; the second is backup for both', async () => {
    n1 = lab.start('vigil', 'n1', nodeConf(lab, 'n1'));
    await waitStatus(lab, n1, 'VI_1', (i) => i.state === 'MASTER', { message: 'n1 VI_1 master' });
    await waitStatus(lab, n1, 'VI_2', (i) => i.state === 'MASTER', { message: 'n1 VI_2 master' });
    n2 = lab.start('vigil', 'n2', nodeConf(lab, 'n2'));
    await waitStatus(lab, n2, 'VI_1', (i) => i.state === 'BACKUP' && i.masterAddress !== null);
    await waitStatus(lab, n2, 'VI_2', (i) => i.state === 'BACKUP' && i.masterAddress !== null);
    assert.equal(await holder(VIP1), 'n1');
    assert.equal(await holder(VIP2), 'n1');
  });

  test('maintenance file for VIP2 on n1: VI_2 faults there and moves to n2, VI_1 stays on n1', async () => {
    const from1 = n1.log().length;
    const t0 = Date.now();
    writeFileSync(maintFile(lab, 'n1', VIP2), '');
    const f = await waitStatus(lab, n1, 'VI_2', (i) => i.state === 'FAULT', { message: 'n1 VI_2 FAULT' });
    timing('seed001 touch maintenance file -> FAULT (interval 2, fall 2)', f.ms);
    const m = await waitStatus(lab, n2, 'VI_2', (i) => i.state === 'MASTER', { message: 'n2 VI_2 master' });
    timing('seed001 touch maintenance file -> other node MASTER', Date.now() - t0);
    assert.ok(m.ms >= 0);
    assert.equal(await holder(VIP2), 'n2');
    assert.equal(await holder(VIP1), 'n1');
    assert.equal((await waitStatus(lab, n1, 'VI_1', () => true)).inst.state, 'MASTER');
    assert.match(n1.log(), /VRRP_Script\(maint-192\.0\.2\.33\) failed/);
    assert.doesNotMatch(n1.log().slice(from1), /\(VI_1\) Entering/);
  });

  test('removing the file: n1 VI_2 leaves FAULT as BACKUP (nopreempt) and the nodes are dual active', async () => {
    const t0 = Date.now();
    rmSync(maintFile(lab, 'n1', VIP2));
    const b = await waitStatus(lab, n1, 'VI_2', (i) => i.state === 'BACKUP', { message: 'n1 VI_2 backup' });
    timing('seed001 remove maintenance file -> FAULT left (rise 2)', Date.now() - t0);
    assert.ok(b.ms >= 0);
    assert.equal(await holder(VIP1), 'n1');
    assert.equal(await holder(VIP2), 'n2');
  });

  test('maintenance file for VIP2 on n2 moves VI_2 back to n1 without touching VI_1', async () => {
    const from1 = n1.log().length;
    writeFileSync(maintFile(lab, 'n2', VIP2), '');
    await waitStatus(lab, n2, 'VI_2', (i) => i.state === 'FAULT', { message: 'n2 VI_2 FAULT' });
    await waitStatus(lab, n1, 'VI_2', (i) => i.state === 'MASTER', { message: 'n1 VI_2 master' });
    assert.equal(await holder(VIP2), 'n1');
    assert.equal(await holder(VIP1), 'n1');
    assert.doesNotMatch(n1.log().slice(from1), /\(VI_1\) Entering/);
    assert.equal((await waitStatus(lab, n2, 'VI_1', () => true)).inst.state, 'BACKUP');
  });
});

describe("seed 001's literal quoting: the script succeeds only while the file exists", {
  skip,
  timeout: 60_000,
}, () => {
  let lab: Lab;
  before(async () => {
    lab = await createLab(['n1']);
  });
  after(() => lab?.destroy());

  test('without any maintenance file the instances are in FAULT; creating the file clears it', async () => {
    const d = lab.start('vigil', 'n1', nodeConf(lab, 'n1', true));
    await waitStatus(lab, d, 'VI_1', (i) => i.state === 'FAULT', { message: 'VI_1 FAULT' });
    await waitStatus(lab, d, 'VI_2', (i) => i.state === 'FAULT', { message: 'VI_2 FAULT' });
    writeFileSync(maintFile(lab, 'n1', VIP1), '');
    await waitStatus(lab, d, 'VI_1', (i) => i.state !== 'FAULT', { message: 'VI_1 out of FAULT' });
    assert.equal((await waitStatus(lab, d, 'VI_2', () => true)).inst.state, 'FAULT');
  });
});
