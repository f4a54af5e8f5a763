import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NotifyScripts, ScriptSpec } from '../../../src/config/model.js';
import {
  asNotifyState,
  fifoLine,
  instanceNotifiesSuppressed,
  mailFor,
  planMasterRxLowerPri,
  planPriorityChange,
  planTransition,
  STOP_SCRIPT_LIMIT_MS,
} from '../../../src/notify/plan.js';

const pos = { file: 'k.conf', line: 1, column: 1 };
const spec = (command: string, user?: string): ScriptSpec => ({
  argv: command.split(' '),
  command,
  pos,
  ...(user ? { user } : {}),
});
const all: NotifyScripts = {
  notifyMaster: spec('/m.sh a'),
  notifyBackup: spec('/b.sh', 'nobody'),
  notifyFault: spec('/f.sh'),
  notifyStop: spec('/s.sh'),
  notify: spec('/n.sh x'),
  notifyMasterRxLowerPri: spec('/rx.sh'),
};
const noMail = { enabled: false, routerId: 'lb1' };
const VI = { kind: 'INSTANCE', name: 'VI_1', priority: 100 } as const;

test('fifo lines use keepalived format, priority 0 for groups', () => {
  assert.equal(fifoLine(VI, 'MASTER'), 'INSTANCE "VI_1" MASTER 100\n');
  assert.equal(fifoLine({ kind: 'GROUP', name: 'G' }, 'BACKUP'), 'GROUP "G" BACKUP 0\n');
});

test('state script first, then notify with INSTANCE NAME STATE PRIORITY, then the FIFO line', () => {
  const p = planTransition(VI, 'MASTER', all, noMail);
  assert.deepEqual(
    p.scripts.map((s) => [s.what, s.argv]),
    [
      ['notify_master', ['/m.sh', 'a']],
      ['notify', ['/n.sh', 'x', 'INSTANCE', 'VI_1', 'MASTER', '100']],
    ],
  );
  assert.equal(p.fifoLine, 'INSTANCE "VI_1" MASTER 100\n');
  assert.equal(p.mail, undefined);
  assert.equal(p.scripts[0]?.timeoutMs, undefined, 'not STOP: no limit');
});

test('each state picks its own script; users are carried', () => {
  assert.deepEqual(planTransition(VI, 'BACKUP', all, noMail).scripts[0], {
    what: 'notify_backup',
    argv: ['/b.sh'],
    user: 'nobody',
  });
  assert.equal(planTransition(VI, 'FAULT', all, noMail).scripts[0]?.what, 'notify_fault');
  assert.deepEqual(
    planTransition(VI, 'DELETED', { notify: spec('/n.sh') }, noMail).scripts.map((s) => s.argv),
    [['/n.sh', 'INSTANCE', 'VI_1', 'DELETED', '100']],
  );
});

test('STOP scripts get a one-second limit and are then killed outright', () => {
  const p = planTransition(VI, 'STOP', all, noMail);
  assert.deepEqual(
    p.scripts.map((s) => [s.what, s.timeoutMs, s.killGraceMs]),
    [
      ['notify_stop', STOP_SCRIPT_LIMIT_MS, 0],
      ['notify', STOP_SCRIPT_LIMIT_MS, 0],
    ],
  );
  assert.equal(STOP_SCRIPT_LIMIT_MS, 1000);
});

test('groups: GROUP word and priority 0', () => {
  const p = planTransition({ kind: 'GROUP', name: 'G1' }, 'FAULT', all, noMail);
  assert.deepEqual(p.scripts[1]?.argv, ['/n.sh', 'x', 'GROUP', 'G1', 'FAULT', '0']);
  assert.equal(p.fifoLine, 'GROUP "G1" FAULT 0\n');
});

test('no scripts configured: only the FIFO line', () => {
  const p = planTransition(VI, 'BACKUP', {}, noMail);
  assert.deepEqual(p.scripts, []);
  assert.equal(p.fifoLine, 'INSTANCE "VI_1" BACKUP 100\n');
});

test('mail subjects and bodies follow keepalived smtp_alert', () => {
  const on = { enabled: true, routerId: 'lb1' };
  assert.deepEqual(mailFor(VI, 'MASTER', on), {
    subject: '[lb1] VRRP Instance VI_1 - Entering MASTER state',
    body: '=> VRRP Instance is now owning VRRP VIPs <=',
  });
  assert.equal(mailFor(VI, 'BACKUP', on)?.body, '=> VRRP Instance is no longer owning VRRP VIPs <=');
  assert.equal(mailFor(VI, 'STOP', on)?.subject, '[lb1] VRRP Instance VI_1 - Stopping');
  assert.deepEqual(mailFor({ kind: 'GROUP', name: 'G' }, 'FAULT', on), {
    subject: '[lb1] VRRP Group G - Entering FAULT state',
    body: '=> All VRRP group instances are now in FAULT state <=',
  });
  assert.equal(
    mailFor(VI, 'MASTER', { ...on, lastMailed: 'MASTER' }),
    undefined,
    'same state not mailed twice',
  );
  assert.equal(mailFor(VI, 'FAULT', { ...on, noEmailFaults: true }), undefined);
  assert.equal(mailFor(VI, 'DELETED', on), undefined);
  assert.equal(mailFor(VI, 'MASTER', noMail), undefined);
  assert.ok(planTransition(VI, 'MASTER', {}, on).mail);
  assert.equal(
    mailFor(VI, 'BACKUP', { ...on, host: 'node-a' })?.body,
    '=> VRRP Instance is no longer owning VRRP VIPs <=\n\nHost: node-a',
  );
});

test('master_rx_lower_pri and priority change events', () => {
  const rx = planMasterRxLowerPri('VI_1', 150, all);
  assert.deepEqual(
    rx.scripts.map((s) => s.argv),
    [['/rx.sh']],
  );
  assert.equal(rx.fifoLine, 'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 150\n');
  assert.deepEqual(planMasterRxLowerPri('VI_1', 150, {}).scripts, []);
  assert.equal(planPriorityChange('VI_1', 'MASTER', 90).fifoLine, 'INSTANCE "VI_1" MASTER_PRIORITY 90\n');
  assert.equal(planPriorityChange('VI_1', 'BACKUP', 80).fifoLine, 'INSTANCE "VI_1" BACKUP_PRIORITY 80\n');
});

test('sync group members stay silent for a state their group is already in, after the first notify', () => {
  assert.equal(instanceNotifiesSuppressed(false, 'MASTER', 'MASTER'), false);
  assert.equal(instanceNotifiesSuppressed(true, 'MASTER', 'MASTER'), true);
  assert.equal(instanceNotifiesSuppressed(true, 'BACKUP', 'MASTER'), false);
  assert.equal(instanceNotifiesSuppressed(true, undefined, 'MASTER'), false);
});

test('asNotifyState accepts only the notify states', () => {
  assert.equal(asNotifyState('MASTER'), 'MASTER');
  assert.equal(asNotifyState('INIT'), undefined);
});
