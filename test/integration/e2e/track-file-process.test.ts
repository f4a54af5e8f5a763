/**
 * track_file and vrrp_track_process on a live daemon, read back through `vigil status --json`:
 * - writing a value to a track_file (weight 1) changes the effective priority by that value
 *   within about a second (inotify); a non-number reads as 0;
 * - a tracked process (a `sleep` with a unique argument, matched on its full command line) exiting
 *   lowers the priority of the instance tracking it with weight -30 and faults the one tracking
 *   it with weight 0; starting it again restores both.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createLab, type DaemonHandle, type Lab } from '../daemon/lab.js';
import { commandExists } from '../harness/topology.js';
import { conf, e2eSkip, instance, timing, waitStatus } from './helpers.js';

const SLEEP = '/usr/bin/sleep';
const skip = e2eSkip() || (commandExists(SLEEP) ? false : `needs ${SLEEP}`);

describe('track_file and track_process change priority and state', { skip, timeout: 60_000 }, () => {
  let lab: Lab;
  let d: DaemonHandle;
  let sleeper: ChildProcess | undefined;
  // A duration no other process on the machine uses, so only our sleep matches.
  const arg = `${(process.pid % 100000) + 100000}.25`;
  const startSleeper = () => {
    sleeper = lab.topo.spawn('n1', SLEEP, [arg]);
  };
  const stopSleeper = async () => {
    const s = sleeper;
    if (s === undefined || s.exitCode !== null || s.signalCode !== null) return;
    const gone = new Promise((r) => s.once('exit', r));
    s.kill('SIGKILL');
    await gone;
  };

  before(async () => {
    lab = await createLab(['n1']);
    startSleeper();
    d = lab.start(
      'vigil',
      'n1',
      conf({
        routerId: 'track_n1',
        body: [
          'track_file tf {',
          `  file ${lab.dir}/tf`,
          '  weight 1',
          '  init_file 0 overwrite',
          '}',
          'vrrp_track_process sleeper {',
          `  process ${SLEEP} ${arg}`,
          '  weight -30',
          '}',
          'vrrp_track_process sleeper_fault {',
          `  process ${SLEEP} ${arg}`,
          '  weight 0',
          '}',
          instance({
            name: 'VI_1',
            vrid: 91,
            priority: 100,
            vips: ['192.0.2.91/24'],
            lines: ['track_file {', '  tf', '}', 'track_process {', '  sleeper', '}'],
          }),
          instance({
            name: 'VI_2',
            vrid: 92,
            priority: 100,
            vips: ['192.0.2.92/24'],
            lines: ['track_process {', '  sleeper_fault', '}'],
          }),
        ].join('\n'),
      }),
    );
    await waitStatus(lab, d, 'VI_1', (i) => i.state === 'MASTER', { message: 'VI_1 master' });
    await waitStatus(lab, d, 'VI_2', (i) => i.state === 'MASTER', { message: 'VI_2 master' });
  });
  after(() => lab?.destroy());

  test('track_file: each value written shows in the effective priority within ~1 s', async () => {
    assert.equal((await waitStatus(lab, d, 'VI_1', () => true)).inst.effectivePriority, 100);
    for (const [text, want] of [
      ['5\n', 105],
      ['-20\n', 80],
      ['0x10\n', 116],
      ['not a number\n', 100],
    ] as const) {
      const t0 = Date.now();
      writeFileSync(`${lab.dir}/tf`, text);
      const s = await waitStatus(lab, d, 'VI_1', (i) => i.effectivePriority === want, {
        timeoutMs: 3000,
        message: `priority ${want} after writing ${JSON.stringify(text)}`,
      });
      timing(`track_file write ${JSON.stringify(text.trim())} -> status priority ${want}`, Date.now() - t0);
      assert.ok(Date.now() - t0 < 1500, `seen after ${Date.now() - t0} ms`);
      assert.equal(s.inst.state, 'MASTER');
    }
    // Each write is seen once, with its final value: `writeFileSync` truncates first, and reading
    // the empty file in between (as 0) would flap the priority through 100 each time.
    const changes = [...d.log().matchAll(/\(VI_1\) effective priority \d+ -> (\d+) \(track_file tf now/g)];
    assert.deepEqual(
      changes.map((m) => Number(m[1])),
      [105, 80, 116, 100],
    );
  });

  test('track_process: the sleep exiting drops VI_1 by 30 and faults VI_2; restarting restores both', async () => {
    let t0 = Date.now();
    await stopSleeper();
    const p = await waitStatus(lab, d, 'VI_1', (i) => i.effectivePriority === 70, { message: 'VI_1 at 70' });
    timing('track_process: sleep killed -> priority 70 in status', Date.now() - t0);
    assert.ok(p.ms >= 0);
    await waitStatus(lab, d, 'VI_2', (i) => i.state === 'FAULT', { message: 'VI_2 FAULT' });
    timing('track_process: sleep killed -> weight-0 instance FAULT', Date.now() - t0);
    t0 = Date.now();
    startSleeper();
    await waitStatus(lab, d, 'VI_1', (i) => i.effectivePriority === 100, { message: 'VI_1 back at 100' });
    timing('track_process: sleep started -> priority 100 again', Date.now() - t0);
    await waitStatus(lab, d, 'VI_2', (i) => i.state !== 'FAULT', { message: 'VI_2 out of FAULT' });
  });
});
