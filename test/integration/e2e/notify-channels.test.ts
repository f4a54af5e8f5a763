/**
 * Notification channels end to end, one node each:
 * - smtp_alert mail to a real SMTP server (python's smtpd DebuggingServer, started in the node's
 *   namespace) names the instance, the state and the host;
 * - notify_fifo (a FIFO the test creates and reads with cat) shows every transition in order, in
 *   keepalived's `INSTANCE "NAME" STATE PRIORITY` line format.
 * Transitions are driven by a weight-0 track_file (non-zero value = FAULT). Each scenario also runs
 * against keepalived 2.2.7, so the expected mail text and FIFO lines are the real thing's.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { createLab, type DaemonHandle, type Lab } from '../daemon/lab.js';
import { waitFor } from '../harness/topology.js';
import {
  conf,
  e2eSkip,
  type FifoReader,
  fifoReader,
  instance,
  pythonWithSmtpd,
  type SmtpSink,
  smtpSink,
  timing,
} from './helpers.js';

const python = pythonWithSmtpd();
const VIP = '192.0.2.71';

function nodeConf(lab: Lab, global: string[], lines: string[] = []): string {
  return conf({
    routerId: 'notify_n1',
    global,
    body: [
      'track_file trk {',
      `  file ${lab.dir}/trk`,
      '  weight 0',
      '  init_file 0 overwrite',
      '}',
      instance({
        name: 'VI_1',
        vrid: 71,
        priority: 100,
        vips: [`${VIP}/24`],
        lines: ['track_file {', '  trk', '}', ...lines],
      }),
    ].join('\n'),
  });
}

/** The messages the debugging server printed, split at its banner. */
function messages(text: string): string[] {
  return text.split('---------- MESSAGE FOLLOWS ----------').slice(1);
}

// keepalived 2.2.7 in the same scenario: same subject and text (the Host line is vigil's addition).
for (const impl of ['vigil', 'keepalived'] as const)
  describe(`smtp_alert (${impl}): mails reach a real SMTP server`, {
    skip:
      e2eSkip(impl === 'keepalived' ? ['keepalived'] : []) || (python ? false : 'needs python3 with smtpd'),
    timeout: 60_000,
  }, () => {
    let lab: Lab;
    let d: DaemonHandle;
    let smtp: SmtpSink;
    before(async () => {
      lab = await createLab(['n1']);
      smtp = await smtpSink(lab, 'n1', python as string, 2525);
    });
    after(() => lab?.destroy());

    const mailFor = (state: string) =>
      messages(smtp.text()).find((m) =>
        m.includes(`Subject: [notify_n1] VRRP Instance VI_1 - Entering ${state} state`),
      );

    test('becoming MASTER sends a mail naming the instance, the state and the host', async () => {
      d = lab.start(
        impl,
        'n1',
        nodeConf(
          lab,
          [
            'notification_email {',
            '  ops@example.com',
            '  oncall@example.com',
            '}',
            'notification_email_from vigil@example.com',
            `smtp_server 127.0.0.1 ${smtp.port}`,
            'smtp_connect_timeout 5',
          ],
          ['smtp_alert'],
        ),
      );
      await d.waitLog(/\(VI_1\) Entering MASTER STATE/);
      const t0 = Date.now();
      const m = await waitFor(() => mailFor('MASTER'), {
        timeoutMs: 10_000,
        message: `MASTER mail\n${smtp.text()}`,
      });
      timing(`mail (${impl}): MASTER in the log -> mail printed by smtpd`, Date.now() - t0);
      assert.match(m, /From: vigil@example\.com/);
      assert.match(m, /To: ops@example\.com, oncall@example\.com/);
      assert.match(m, /=> VRRP Instance is now owning VRRP VIPs <=/);
      if (impl === 'vigil') {
        assert.ok(m.includes(`Host: ${hostname()}`), `host named in ${m}`);
        await d.waitLog(/SMTP alert successfully sent/);
      }
    });

    test('FAULT is mailed too', async () => {
      const t0 = Date.now();
      writeFileSync(`${lab.dir}/trk`, '1\n');
      await d.waitLog(/\(VI_1\) Entering FAULT STATE/);
      const m = await waitFor(() => mailFor('FAULT'), {
        timeoutMs: 10_000,
        message: `FAULT mail\n${smtp.text()}`,
      });
      timing(`mail (${impl}): track_file write -> FAULT mail printed by smtpd`, Date.now() - t0);
      assert.match(m, /=> VRRP Instance is no longer owning VRRP VIPs <=/);
      // One mail per state, in order (keepalived mails the start-up BACKUP too).
      const subjects = messages(smtp.text()).map((x) => /Subject: \[notify_n1\] (.*? state)/.exec(x)?.[1]);
      assert.deepEqual(subjects, [
        'VRRP Instance VI_1 - Entering BACKUP state',
        'VRRP Instance VI_1 - Entering MASTER state',
        'VRRP Instance VI_1 - Entering FAULT state',
      ]);
      if (impl === 'vigil') assert.ok(m.includes(`Host: ${hostname()}`));
    });
  });

const FIFO_LINES = [
  'INSTANCE "VI_1" BACKUP 100',
  'INSTANCE "VI_1" MASTER 100',
  'INSTANCE "VI_1" FAULT 100',
  'INSTANCE "VI_1" BACKUP 100',
  'INSTANCE "VI_1" MASTER 100',
  'INSTANCE "VI_1" STOP 100',
];

// The same scenario against keepalived 2.2.7 pins the expected lines to the real thing.
for (const impl of ['vigil', 'keepalived'] as const)
  describe(`notify_fifo (${impl}): every transition in order, keepalived line format`, {
    skip: e2eSkip(impl === 'keepalived' ? ['keepalived'] : []),
    timeout: 60_000,
  }, () => {
    let lab: Lab;
    let d: DaemonHandle;
    let fifo: FifoReader;
    before(async () => {
      lab = await createLab(['n1']);
      fifo = fifoReader(lab, 'n1', `${lab.dir}/notify.fifo`);
    });
    after(() => lab?.destroy());

    const waitLine = (line: string, count = 1) =>
      waitFor(() => fifo.lines().filter((l) => l === line).length >= count, {
        timeoutMs: 10_000,
        message: `FIFO line ${line} (x${count}); have ${JSON.stringify(fifo.lines())}`,
      });

    test('startup, MASTER, FAULT, recovery and shutdown appear in order', async () => {
      d = lab.start(impl, 'n1', nodeConf(lab, [`notify_fifo ${lab.dir}/notify.fifo`]));
      await waitLine('INSTANCE "VI_1" MASTER 100');
      let t0 = Date.now();
      writeFileSync(`${lab.dir}/trk`, '1\n');
      await waitLine('INSTANCE "VI_1" FAULT 100');
      timing(`fifo (${impl}): track_file write -> FAULT line read`, Date.now() - t0);
      t0 = Date.now();
      writeFileSync(`${lab.dir}/trk`, '0\n');
      await waitLine('INSTANCE "VI_1" MASTER 100', 2);
      timing(
        `fifo (${impl}): track_file cleared -> MASTER line again (via BACKUP + master-down)`,
        Date.now() - t0,
      );
      d.signal('SIGTERM');
      await d.exited;
      // keepalived writes the STOP transition at shutdown too, before the FIFO is closed.
      await waitFor(() => fifo.lines().at(-1)?.includes('STOP'), {
        timeoutMs: 5000,
        message: `STOP line; have ${JSON.stringify(fifo.lines())}`,
      });
      assert.deepEqual(fifo.lines(), FIFO_LINES);
    });
  });

// keepalived reads track files before its instances start: an instance whose track_file means FAULT
// starts in FAULT (no BACKUP first), and the first notification carries the tracked priority.
for (const impl of ['vigil', 'keepalived'] as const)
  describe(`start-up with tracking already in effect (${impl})`, {
    skip: e2eSkip(impl === 'keepalived' ? ['keepalived'] : []),
    timeout: 60_000,
  }, () => {
    let lab: Lab;
    before(async () => {
      lab = await createLab(['n1']);
    });
    after(() => lab?.destroy());

    test('first FIFO lines: VI_1 FAULT 100 (track_file weight 0 = 1), VI_2 BACKUP 105 (weight 1 x 5)', async () => {
      const fifo = fifoReader(lab, 'n1', `${lab.dir}/notify.fifo`);
      writeFileSync(`${lab.dir}/fault`, '1\n');
      writeFileSync(`${lab.dir}/five`, '5\n');
      const d = lab.start(
        impl,
        'n1',
        conf({
          routerId: 'start_n1',
          global: [`notify_fifo ${lab.dir}/notify.fifo`],
          body: [
            'track_file fault {',
            `  file ${lab.dir}/fault`,
            '  weight 0',
            '}',
            'track_file five {',
            `  file ${lab.dir}/five`,
            '  weight 1',
            '}',
            instance({
              name: 'VI_1',
              vrid: 72,
              priority: 100,
              vips: ['192.0.2.72/24'],
              lines: ['track_file {', '  fault', '}'],
            }),
            instance({
              name: 'VI_2',
              vrid: 73,
              priority: 100,
              vips: ['192.0.2.73/24'],
              lines: ['track_file {', '  five', '}'],
            }),
          ].join('\n'),
        }),
      );
      await waitFor(() => fifo.lines().length >= 2, {
        message: `start-up lines; have ${JSON.stringify(fifo.lines())}`,
      });
      assert.deepEqual([...fifo.lines()].sort(), ['INSTANCE "VI_1" FAULT 100', 'INSTANCE "VI_2" BACKUP 105']);
      assert.doesNotMatch(d.log(), /\(VI_1\) Entering BACKUP/);
    });
  });

// A sync group on one node: instance and group lines through MASTER, FAULT, recovery and shutdown.
// keepalived announces the group's start-up BACKUP before its members'; vigil after: the start-up
// block is compared as a set, everything after it line by line.
const GROUP_LINES = [
  'INSTANCE "VI_2" MASTER 100',
  'INSTANCE "VI_1" MASTER 100',
  'GROUP "G1" MASTER 0',
  'INSTANCE "VI_1" FAULT 100',
  'INSTANCE "VI_2" FAULT 100',
  'GROUP "G1" FAULT 0',
  'INSTANCE "VI_1" BACKUP 100',
  'INSTANCE "VI_2" BACKUP 100',
  'GROUP "G1" BACKUP 0',
  'INSTANCE "VI_2" MASTER 100',
  'INSTANCE "VI_1" MASTER 100',
  'GROUP "G1" MASTER 0',
  'INSTANCE "VI_1" STOP 100',
  'INSTANCE "VI_2" STOP 100',
  'GROUP "G1" STOP 0',
];
for (const impl of ['vigil', 'keepalived'] as const)
  describe(`notify_fifo with a sync group (${impl})`, {
    skip: e2eSkip(impl === 'keepalived' ? ['keepalived'] : []),
    timeout: 60_000,
  }, () => {
    let lab: Lab;
    before(async () => {
      lab = await createLab(['n1']);
    });
    after(() => lab?.destroy());

    test('instance lines, then the group line, for every group transition', async () => {
      const fifo = fifoReader(lab, 'n1', `${lab.dir}/notify.fifo`);
      const count = (line: string) => fifo.lines().filter((l) => l === line).length;
      const waitCount = (line: string, n: number) =>
        waitFor(() => count(line) >= n, {
          timeoutMs: 10_000,
          message: `${line} x${n}; have ${JSON.stringify(fifo.lines())}`,
        });
      const d = lab.start(
        impl,
        'n1',
        conf({
          routerId: 'group_n1',
          global: [`notify_fifo ${lab.dir}/notify.fifo`],
          body: [
            'track_file tf {',
            `  file ${lab.dir}/tf`,
            '  weight 0',
            '  init_file 0 overwrite',
            '}',
            'vrrp_sync_group G1 {',
            '  group {',
            '    VI_1',
            '    VI_2',
            '  }',
            '}',
            instance({
              name: 'VI_1',
              vrid: 74,
              priority: 100,
              vips: ['192.0.2.74/24'],
              lines: ['track_file {', '  tf', '}'],
            }),
            instance({ name: 'VI_2', vrid: 75, priority: 100, vips: ['192.0.2.75/24'] }),
          ].join('\n'),
        }),
      );
      await waitCount('GROUP "G1" MASTER 0', 1);
      writeFileSync(`${lab.dir}/tf`, '1\n');
      await waitCount('GROUP "G1" FAULT 0', 1);
      writeFileSync(`${lab.dir}/tf`, '0\n');
      await waitCount('GROUP "G1" MASTER 0', 2);
      d.signal('SIGTERM');
      await d.exited;
      await waitCount('GROUP "G1" STOP 0', 1);
      const lines = fifo.lines();
      assert.deepEqual([...lines.slice(0, 3)].sort(), [
        'GROUP "G1" BACKUP 0',
        'INSTANCE "VI_1" BACKUP 100',
        'INSTANCE "VI_2" BACKUP 100',
      ]);
      // Members of a group time out together; which one reports first is a race in both daemons.
      const norm = (ls: string[]) => ls.map((l, i) => (/MASTER 100$/.test(l) ? `${i}:* MASTER` : l));
      assert.deepEqual(norm(lines.slice(3)), norm(GROUP_LINES));
    });
  });
