import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Notifier } from '../../../src/notify/notifier.js';
import { parseAccounts } from '../../../src/scripts/identity.js';
import type { RunRequest, ScriptResult } from '../../../src/scripts/runner.js';
import type { PathStat } from '../../../src/scripts/security.js';
import { modelOf } from '../../config-model.js';

const conf = (globals: string) => `
global_defs {
  router_id lb1
  ${globals}
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    192.0.2.100/24
  }
  notify_master "/etc/keepalived/master.sh one"
  notify /etc/keepalived/notify.sh
  smtp_alert
}
vrrp_instance VI_2 {
  state BACKUP
  interface eth0
  virtual_router_id 52
  priority 100
  virtual_ipaddress {
    192.0.2.101/24
  }
  notify_backup /etc/keepalived/backup.sh
}
vrrp_sync_group G {
  group {
    VI_2
  }
  notify_backup /etc/keepalived/gbackup.sh
}
`;

const load = (globals = '') => modelOf(conf(globals));

const d = (mode = 0o755): PathStat => ({ kind: 'directory', mode, uid: 0, gid: 0 });
const f: PathStat = { kind: 'file', mode: 0o755, uid: 0, gid: 0 };

function harness(globals = '', etcMode = 0o755) {
  const ran: RunRequest[] = [];
  const logs: string[] = [];
  const fifo: string[] = [];
  const mails: string[] = [];
  const tree: Record<string, PathStat> = {
    '/': d(),
    '/etc': d(),
    '/etc/keepalived': d(etcMode),
    '/etc/keepalived/master.sh': f,
    '/etc/keepalived/notify.sh': f,
    '/etc/keepalived/backup.sh': f,
    '/etc/keepalived/gbackup.sh': f,
  };
  const n = new Notifier(load(globals), {
    run: async (req): Promise<ScriptResult> => {
      ran.push(req);
      return {
        exitCode: req.argv[0]?.includes('master') ? 3 : 0,
        signal: null,
        timedOut: false,
        durationMs: 1,
      };
    },
    accounts: () =>
      parseAccounts('root:x:0:0::/:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n', 'nogroup:x:65534:\n'),
    security: { lstat: (p) => tree[p] },
    fifoWrite: (l) => fifo.push(l),
    mail: (s) => mails.push(s),
    log: (level, m) => logs.push(`${level}: ${m}`),
    self: { uid: 0, gid: 0 },
    hostname: 'host-a',
  });
  return { n, ran, logs, fifo, mails };
}

const tr = (instance: string, to: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP', priority = 100) =>
  ({ type: 'transition', instance, from: 'BACKUP', to, priority, reason: 'test' }) as const;

test('a transition runs notify_master then notify, writes the FIFO and mails once', async () => {
  const h = harness('script_user nobody');
  h.n.handle(tr('VI_1', 'MASTER'));
  await h.n.idle();
  assert.deepEqual(
    h.ran.map((r) => r.argv),
    [
      ['/etc/keepalived/master.sh', 'one'],
      ['/etc/keepalived/notify.sh', 'INSTANCE', 'VI_1', 'MASTER', '100'],
    ],
  );
  assert.deepEqual(h.ran[0]?.identity, { uid: 65534, gid: 65534 }, 'script_user');
  assert.deepEqual(h.fifo, ['INSTANCE "VI_1" MASTER 100\n']);
  assert.deepEqual(h.mails, ['[lb1] VRRP Instance VI_1 - Entering MASTER state']);
  assert.match(
    h.logs.join('\n'),
    /notify_master script '\/etc\/keepalived\/master.sh one' exited with status 3/,
  );
  h.n.handle(tr('VI_1', 'MASTER'));
  await h.n.idle();
  assert.equal(h.mails.length, 1, 'last_email_state');
});

test('script security refuses a root script under a writable directory and names it', async () => {
  const h = harness('enable_script_security', 0o777);
  h.n.handle(tr('VI_1', 'MASTER'));
  await h.n.idle();
  assert.deepEqual(h.ran, []);
  assert.match(h.logs.join('\n'), /refused by script security: '\/etc\/keepalived' is insecure/);
  assert.deepEqual(h.fifo, ['INSTANCE "VI_1" MASTER 100\n'], 'the FIFO still gets the line');
});

test('an unknown script user is logged and nothing runs', async () => {
  const h = harness('script_user ghost');
  h.n.handle(tr('VI_1', 'MASTER'));
  await h.n.idle();
  assert.deepEqual(h.ran, []);
  assert.match(h.logs.join('\n'), /unknown user 'ghost'/);
});

test('STOP runs with the one-second limit; root without script security is warned about once', async () => {
  const h = harness();
  h.n.handle(tr('VI_1', 'STOP'));
  await h.n.idle();
  assert.equal(h.logs.filter((l) => l.includes('SECURITY VIOLATION')).length, 1);
  assert.deepEqual(
    h.ran.map((r) => [r.argv.at(-2), r.timeoutMs, r.killGraceMs]),
    [['STOP', 1000, 0]],
  );
});

test('sync group: group notifies, then a member in the same state stays silent', async () => {
  const h = harness();
  h.n.handle(tr('VI_2', 'BACKUP'));
  h.n.handle({ type: 'group-transition', group: 'G', from: 'INIT', to: 'BACKUP', reason: 'x' });
  h.n.handle(tr('VI_2', 'BACKUP'));
  await h.n.idle();
  assert.deepEqual(
    h.ran.map((r) => r.argv[0]),
    ['/etc/keepalived/backup.sh', '/etc/keepalived/gbackup.sh'],
  );
  assert.deepEqual(h.fifo, ['INSTANCE "VI_2" BACKUP 100\n', 'GROUP "G" BACKUP 0\n']);
});

test('unknown instances and non-notify states are ignored', async () => {
  const h = harness();
  h.n.handle(tr('nope', 'MASTER'));
  h.n.handle({ type: 'log', level: 'info', message: 'x' });
  await h.n.idle();
  assert.deepEqual([h.ran, h.fifo], [[], []]);
});

test('priority changes write a FIFO line only with (vrrp_)notify_priority_changes', async () => {
  const off = harness();
  off.n.priorityChanged('VI_1', 'MASTER', 90);
  await off.n.idle();
  assert.deepEqual(off.fifo, []);
  const on = harness('vrrp_notify_priority_changes');
  on.n.priorityChanged('VI_1', 'MASTER', 90);
  on.n.priorityChanged('VI_2', 'BACKUP', 80);
  await on.n.idle();
  assert.deepEqual(on.fifo, ['INSTANCE "VI_1" MASTER_PRIORITY 90\n', 'INSTANCE "VI_2" BACKUP_PRIORITY 80\n']);
  assert.deepEqual(on.ran, [], 'no script runs for a priority change');
});
