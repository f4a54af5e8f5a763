/**
 * SIGHUP with tracking in place: the main thread's services are rebuilt, and vrrp_script results
 * and a track_file value must carry over without a flap: the effective priority stays what it was
 * (no intermediate value is pushed while the new trackers read their first values), and no notify
 * script runs for a transition that did not happen.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createLab, type DaemonHandle, type Lab } from '../daemon/lab.js';
import { conf, e2eSkip, instance, readLines, waitStatus, writeScript } from './helpers.js';

const skip = e2eSkip();

describe('SIGHUP keeps tracked priorities and state', { skip, timeout: 60_000 }, () => {
  let lab: Lab;
  let d: DaemonHandle;
  const notifyLog = () => `${lab.dir}/notify.log`;
  before(async () => {
    lab = await createLab(['n1']);
  });
  after(() => lab?.destroy());

  test('failing (-20) and passing (+10) scripts and a track_file (+5): 95, before and after a reload', async () => {
    const fail = writeScript(`${lab.dir}/fail.sh`, 'exit 1');
    const ok = writeScript(`${lab.dir}/ok.sh`, 'exit 0');
    const notify = writeScript(`${lab.dir}/notify.sh`, `echo "$@" >> ${notifyLog()}`);
    writeFileSync(`${lab.dir}/tf`, '5\n');
    d = lab.start(
      'vigil',
      'n1',
      conf({
        routerId: 'reload_n1',
        body: [
          'vrrp_script chk {',
          `  script "${fail}"`,
          '  interval 1',
          '  weight -20',
          '}',
          'vrrp_script chk_ok {',
          `  script "${ok}"`,
          '  interval 1',
          '  weight 10',
          '}',
          'track_file tf {',
          `  file ${lab.dir}/tf`,
          '}',
          instance({
            name: 'VI_1',
            vrid: 95,
            priority: 100,
            vips: ['192.0.2.95/24'],
            lines: [
              'track_script {',
              '  chk',
              '  chk_ok',
              '}',
              'track_file {',
              '  tf',
              '}',
              `notify ${notify}`,
            ],
          }),
        ].join('\n'),
      }),
    );
    await waitStatus(lab, d, 'VI_1', (i) => i.state === 'MASTER' && i.effectivePriority === 95, {
      message: 'MASTER at 95',
    });
    const before = readLines(notifyLog());
    const from = d.log().length;
    d.signal('SIGHUP');
    await d.waitLog(/reload: kept \[VI_1\]/, { from });
    // keepalived clear_diff_script: "considered successful on reload"; vigil carries a failure too.
    await d.waitLog(/VRRP_Script\(chk\) considered failed on reload/, { from });
    await d.waitLog(/VRRP_Script\(chk_ok\) considered successful on reload/, { from });
    // Both scripts have run again under the new configuration.
    await d.waitLog(/Script `chk` now exited with status 1/, { from, timeoutMs: 5000 });
    await d.waitLog(/Script `chk_ok` now returning 0/, { from, timeoutMs: 5000 });
    const s = await waitStatus(lab, d, 'VI_1', () => true);
    assert.equal(s.inst.state, 'MASTER');
    assert.equal(s.inst.effectivePriority, 95);
    const after = d.log().slice(from);
    assert.doesNotMatch(after, /Entering/);
    const prios = [...after.matchAll(/effective priority (\d+) -> (\d+)/g)].map((m) => `${m[1]}->${m[2]}`);
    assert.deepEqual(prios, [], `priority changes after reload: ${prios.join(', ')}`);
    assert.deepEqual(readLines(notifyLog()), before);
  });
});
