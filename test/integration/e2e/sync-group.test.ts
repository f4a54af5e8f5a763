/**
 * A vrrp_sync_group of two instances on two nodes. When one member fails a tracked object -- a
 * track_file on VI_1, then a track_script on VI_2 -- the whole group goes to FAULT on that node and
 * both VIPs move together; the group's notify script runs once per group transition
 * (`GROUP G1 <STATE> 0` appended, keepalived's arguments), never once per member.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createLab, type DaemonHandle, type Lab } from '../daemon/lab.js';
import { waitFor } from '../harness/topology.js';
import { conf, e2eSkip, instance, readLines, timing, waitStatus, writeScript } from './helpers.js';

const skip = e2eSkip();
const VIP1 = '192.0.2.61';
const VIP2 = '192.0.2.62';
const NODES = ['n1', 'n2'] as const;

describe('sync group: one member failing moves every member', { skip, timeout: 90_000 }, () => {
  let lab: Lab;
  const d = new Map<string, DaemonHandle>();
  const trackFile = (h: string) => `${lab.dir}/track-${h}`;
  const scriptFlag = (h: string) => `${lab.dir}/fail-${h}`;
  const groupLog = (h: string) => `${lab.dir}/group-${h}.log`;
  const groupLines = (h: string) => readLines(groupLog(h));

  function nodeConf(h: string, priority: number): string {
    const notify = writeScript(`${lab.dir}/group-notify-${h}.sh`, `echo "$@" >> ${groupLog(h)}`);
    return conf({
      routerId: `sync_${h}`,
      body: [
        'track_file trk {',
        `  file ${trackFile(h)}`,
        '  init_file 0 overwrite',
        '}',
        'vrrp_script chk {',
        `  script "/bin/sh -c '! test -e ${scriptFlag(h)}'"`,
        '  interval 1',
        '  fall 1',
        '  rise 1',
        '}',
        'vrrp_sync_group G1 {',
        '  group {',
        '    VI_1',
        '    VI_2',
        '  }',
        `  notify ${notify}`,
        '}',
        instance({
          name: 'VI_1',
          vrid: 61,
          priority,
          vips: [`${VIP1}/24`],
          lines: ['track_file {', '  trk', '}'],
        }),
        instance({
          name: 'VI_2',
          vrid: 62,
          priority,
          vips: [`${VIP2}/24`],
          lines: ['track_script {', '  chk', '}'],
        }),
      ].join('\n'),
    });
  }

  const holders = async () =>
    `${(await lab.holders(VIP1, NODES)).join(',')}|${(await lab.holders(VIP2, NODES)).join(',')}`;
  async function waitBothOn(h: string): Promise<void> {
    await waitFor(async () => (await holders()) === `${h}|${h}`, {
      timeoutMs: 10_000,
      intervalMs: 50,
      message: `both VIPs on ${h}`,
    });
  }

  before(async () => {
    lab = await createLab(['n1', 'n2']);
  });
  after(() => lab?.destroy());

  test('n1 (150) holds both VIPs, n2 (100) is backup for both; one group notify each', async () => {
    const n1 = lab.start('vigil', 'n1', nodeConf('n1', 150));
    d.set('n1', n1);
    await waitStatus(lab, n1, 'VI_1', (i) => i.state === 'MASTER');
    const n2 = lab.start('vigil', 'n2', nodeConf('n2', 100));
    d.set('n2', n2);
    await waitStatus(lab, n2, 'VI_2', (i) => i.state === 'BACKUP' && i.masterAddress !== null);
    await waitBothOn('n1');
    await waitFor(() => groupLines('n1').includes('GROUP G1 MASTER 0'), { message: 'n1 group MASTER' });
    await waitFor(() => groupLines('n2').includes('GROUP G1 BACKUP 0'), { message: 'n2 group BACKUP' });
  });

  test('track_file of VI_1 failing on n1 moves VI_1 and VI_2 to n2', async () => {
    const n1 = d.get('n1') as DaemonHandle;
    const t0 = Date.now();
    writeFileSync(trackFile('n1'), '1\n');
    await waitStatus(lab, n1, 'VI_2', (i) => i.state === 'FAULT', { message: 'VI_2 follows VI_1 to FAULT' });
    timing('sync group: track_file write -> both members FAULT', Date.now() - t0);
    await waitBothOn('n2');
    timing('sync group: track_file write -> both VIPs on the peer', Date.now() - t0);
    await waitFor(() => groupLines('n2').includes('GROUP G1 MASTER 0'), { message: 'n2 group MASTER' });
    await waitFor(() => groupLines('n1').includes('GROUP G1 FAULT 0'), { message: 'n1 group FAULT' });
    writeFileSync(trackFile('n1'), '0\n');
    await waitBothOn('n1');
    await waitFor(() => groupLines('n2').filter((l) => l.includes('BACKUP')).length === 2, {
      message: 'n2 group back to BACKUP',
    });
  });

  test('track_script of VI_2 failing on n1 moves both again', async () => {
    const n1 = d.get('n1') as DaemonHandle;
    const t0 = Date.now();
    writeFileSync(scriptFlag('n1'), '');
    await waitStatus(lab, n1, 'VI_1', (i) => i.state === 'FAULT', {
      message: 'VI_1 follows VI_2 to FAULT',
    });
    timing('sync group: track_script failing (interval 1, fall 1) -> both members FAULT', Date.now() - t0);
    await waitBothOn('n2');
    rmSync(scriptFlag('n1'));
    await waitBothOn('n1');
    await waitStatus(lab, n1, 'VI_2', (i) => i.state === 'MASTER');
    await waitFor(() => groupLines('n2').filter((l) => l.includes('BACKUP')).length === 3, {
      message: 'n2 group back to BACKUP',
    });
  });

  test('the group notify ran once per group transition, in order', async () => {
    await waitFor(() => groupLines('n1').at(-1) === 'GROUP G1 MASTER 0', {
      message: 'n1 group MASTER again',
    });
    const strip = (ls: string[]) => ls.filter((l, i) => i > 0 || l !== 'GROUP G1 BACKUP 0');
    // n1 may report its start-up BACKUP before it becomes master; after that, exactly this:
    assert.deepEqual(strip(groupLines('n1')), [
      'GROUP G1 MASTER 0',
      'GROUP G1 FAULT 0',
      'GROUP G1 BACKUP 0',
      'GROUP G1 MASTER 0',
      'GROUP G1 FAULT 0',
      'GROUP G1 BACKUP 0',
      'GROUP G1 MASTER 0',
    ]);
    assert.deepEqual(groupLines('n2'), [
      'GROUP G1 BACKUP 0',
      'GROUP G1 MASTER 0',
      'GROUP G1 BACKUP 0',
      'GROUP G1 MASTER 0',
      'GROUP G1 BACKUP 0',
    ]);
  });

  test('shutdown: the group notify runs once more with STOP, after the members stop', async () => {
    for (const h of NODES) {
      const dd = d.get(h) as DaemonHandle;
      dd.signal('SIGTERM');
      await dd.exited;
      assert.equal(groupLines(h).at(-1), 'GROUP G1 STOP 0');
      assert.equal(groupLines(h).filter((l) => l.includes('STOP')).length, 1);
      assert.match(
        dd.log(),
        /\(VI_1\) Entering STOP STATE[\s\S]*\(VI_2\) Entering STOP STATE[\s\S]*VRRP_Group\(G1\) Syncing instances to STOP/,
      );
    }
  });
});
