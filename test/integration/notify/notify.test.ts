/**
 * Notifications end to end on the real system: notify scripts run in keepalived's order with its
 * arguments, the FIFO shows transitions in order (and never blocks when nobody reads), a
 * vrrp_notify_fifo_script reader receives the lines, and SMTP alerts reach a real SMTP server.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  createReadStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { NotifyFifo } from '../../../src/notify/fifo.js';
import { Mailer, sendMail } from '../../../src/notify/mail.js';
import { Notifier } from '../../../src/notify/notifier.js';
import { modelOf } from '../../config-model.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-notify-'));
chmodSync(dir, 0o755);
const procs: ChildProcess[] = [];
/** FIFOs and readers to close even when a test fails half-way. */
const cleanups: (() => void)[] = [];
after(() => {
  for (const c of cleanups) c();
  for (const p of procs) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(get: () => T | undefined, ms: number): Promise<T | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
}

const load = (text: string) => modelOf(text);

const tr = (to: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP', priority: number) =>
  ({ type: 'transition', instance: 'VI_1', from: 'BACKUP', to, priority, reason: 'test' }) as const;

test('notify scripts run with keepalived arguments; a missing one is logged and blocks nothing', async () => {
  const log = join(dir, 'calls.log');
  const s = join(dir, 'rec.sh');
  writeFileSync(s, `#!/bin/sh\necho "$(basename $0) $*" >> ${log}\n`);
  chmodSync(s, 0o755);
  const cfg = load(`
global_defs {
  script_user root
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    192.0.2.100/24
  }
  notify_master "${s} master-arg"
  notify_fault ${join(dir, 'missing.sh')}
  notify ${s}
}`);
  const logs: string[] = [];
  const n = new Notifier(cfg, { log: (l, m) => logs.push(`${l} ${m}`) });
  n.handle(tr('MASTER', 100));
  await n.idle();
  n.handle(tr('FAULT', 90));
  await n.idle();
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  // Both MASTER scripts are started in order but run concurrently (as keepalived forks them), so
  // their lines may land in either order; the FAULT one came after waiting for them.
  assert.deepEqual(lines.slice(0, 2).sort(), ['rec.sh INSTANCE VI_1 MASTER 100', 'rec.sh master-arg']);
  assert.deepEqual(lines.slice(2), ['rec.sh INSTANCE VI_1 FAULT 90']);
  assert.match(logs.join('\n'), /notify_fault script '.*missing.sh' not started: .*no such file/);
});

test('FIFO: created, lines in transition order, removed on close', async () => {
  const path = join(dir, 'vrrp.fifo');
  const fifo = new NotifyFifo({ path });
  cleanups.push(() => fifo.close());
  assert.equal(fifo.open(), true);
  const reader = createReadStream(path, { encoding: 'utf8' });
  cleanups.push(() => reader.destroy());
  let got = '';
  reader.on('data', (c) => {
    got += c;
  });
  const cfg = load(`
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    192.0.2.100/24
  }
}
vrrp_sync_group G {
  group {
    VI_1
  }
}`);
  const n = new Notifier(cfg, { log: () => {}, fifoWrite: (l) => fifo.write(l) });
  n.handle(tr('BACKUP', 100));
  n.handle(tr('MASTER', 100));
  n.handle({ type: 'group-transition', group: 'G', from: 'BACKUP', to: 'MASTER', reason: 'x' });
  n.handle(tr('FAULT', 100));
  n.handle(tr('STOP', 100));
  const want =
    'INSTANCE "VI_1" BACKUP 100\nINSTANCE "VI_1" MASTER 100\nGROUP "G" MASTER 0\nINSTANCE "VI_1" FAULT 100\nINSTANCE "VI_1" STOP 100\n';
  assert.ok(await until(() => (got === want ? true : undefined), 2000), `got ${JSON.stringify(got)}`);
  reader.destroy();
  fifo.close();
  assert.equal(existsSync(path), false, 'the FIFO vigil created is removed');
});

test('FIFO: nobody reading never blocks; lines are dropped once the pipe is full', () => {
  const path = join(dir, 'unread.fifo');
  const fifo = new NotifyFifo({ path });
  cleanups.push(() => fifo.close());
  assert.equal(fifo.open(), true);
  const t0 = Date.now();
  for (let i = 0; i < 5000; i++) fifo.write(`INSTANCE "VI_${i}" MASTER 100\n`);
  const took = Date.now() - t0;
  assert.ok(took < 2000, `${took} ms`);
  assert.ok(fifo.dropped > 0, 'pipe filled up');
  assert.ok(fifo.written > 0);
  fifo.close();
});

test('vrrp_notify_fifo_script: the reader script gets the FIFO name and the lines', async () => {
  const path = join(dir, 'scripted.fifo');
  const out = join(dir, 'scripted.out');
  const reader = join(dir, 'reader.sh');
  writeFileSync(reader, `#!/bin/sh\nwhile read -r line; do echo "$line" >> ${out}; done < "$1"\n`);
  chmodSync(reader, 0o755);
  const fifo = new NotifyFifo({ path, script: [reader] });
  cleanups.push(() => fifo.close());
  assert.equal(fifo.open(), true);
  fifo.write('INSTANCE "VI_1" MASTER 100\n');
  fifo.write('INSTANCE "VI_1" BACKUP 90\n');
  const got = await until(() => {
    const t = existsSync(out) ? readFileSync(out, 'utf8') : '';
    return t.split('\n').length > 2 ? t : undefined;
  }, 3000);
  const pid = fifo.readerScript?.pid;
  fifo.close();
  assert.equal(got, 'INSTANCE "VI_1" MASTER 100\nINSTANCE "VI_1" BACKUP 90\n');
  assert.ok(pid !== undefined);
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function listening(port: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = createConnection({ host: '127.0.0.1', port });
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

test('SMTP alert reaches a real SMTP server and names the instance, state and host', async () => {
  const port = await freePort();
  const server = spawn(
    'python3',
    ['-u', '-W', 'ignore', '-m', 'smtpd', '-n', '-c', 'DebuggingServer', `127.0.0.1:${port}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  procs.push(server);
  let received = '';
  server.stdout?.on('data', (c) => {
    received += c;
  });
  server.stderr?.on('data', (c) => {
    received += c;
  });
  assert.ok(await listening(port, 5000), 'smtpd started');
  const host = hostname();
  const cfg = load(`
global_defs {
  notification_email {
    ops@example.com
    oncall@example.com
  }
  notification_email_from vigil@${host}
  smtp_server 127.0.0.1 ${port}
  smtp_connect_timeout 5
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    192.0.2.100/24
  }
  smtp_alert
}`);
  const g = cfg.globalDefs;
  assert.ok(g.smtpServer);
  const logs: string[] = [];
  const mailer = new Mailer({
    server: {
      host: g.smtpServer.host,
      port: g.smtpServer.port,
      heloName: host,
      connectTimeoutMs: g.smtpConnectTimeoutMs,
    },
    from: g.notificationEmailFrom ?? `root@${host}`,
    to: g.notificationEmail,
    log: (_l, m) => logs.push(m),
  });
  const sent: Promise<unknown>[] = [];
  const n = new Notifier(cfg, { log: () => {}, mail: (s, b) => sent.push(mailer.send(s, b)) });
  n.handle(tr('MASTER', 100));
  assert.equal(sent.length, 1);
  assert.deepEqual(await sent[0], { ok: true });
  const mail = await until(
    () =>
      received.includes('Entering MASTER state') && received.includes('END MESSAGE') ? received : undefined,
    5000,
  );
  assert.ok(mail, `received: ${received}`);
  assert.match(mail, new RegExp(`Subject: \\[${host}\\] VRRP Instance VI_1 - Entering MASTER state`));
  assert.match(mail, /To: ops@example.com, oncall@example.com/);
  assert.match(mail, /=> VRRP Instance is now owning VRRP VIPs <=/);
  assert.match(mail, new RegExp(`Host: ${host}`));
  assert.match(logs.join('\n'), /successfully sent/);
});

test('a dead SMTP server is retried a bounded number of times, then given up, asynchronously', async () => {
  const port = await freePort();
  const logs: string[] = [];
  const mailer = new Mailer({
    server: { host: '127.0.0.1', port, heloName: 'h', connectTimeoutMs: 500 },
    from: 'a@b',
    to: ['c@d'],
    attempts: 3,
    backoffBaseMs: 20,
    log: (l, m) => logs.push(`${l} ${m}`),
  });
  const t0 = Date.now();
  const r = await mailer.send('s', 'b');
  assert.equal(r.ok, false);
  assert.equal(logs.filter((l) => l.startsWith('warning')).length, 3);
  assert.match(logs[2] ?? '', /attempt 3\/3/);
  assert.ok(Date.now() - t0 >= 60, 'backed off 20 + 40 ms');
  const direct = await sendMail(
    { host: '127.0.0.1', port, heloName: 'h', connectTimeoutMs: 500 },
    {
      from: 'a@b',
      to: ['c@d'],
      subject: 's',
      body: 'b',
      date: new Date(),
    },
  );
  assert.match(direct.ok ? '' : direct.error, /ECONNREFUSED/);
});

test('setupNotifications wires vrrp_notify_fifo with its reader script and notify_fifo from the config', async () => {
  const { setupNotifications } = await import('../../../src/notify/setup.js');
  const fifoA = join(dir, 'setup-all.fifo');
  const fifoV = join(dir, 'setup-vrrp.fifo');
  const out = join(dir, 'setup.out');
  const reader = join(dir, 'setup-reader.sh');
  writeFileSync(reader, `#!/bin/sh\nwhile read -r line; do echo "$1 $line" >> ${out}; done < "$2"\n`);
  chmodSync(reader, 0o755);
  const cfg = load(`
global_defs {
  router_id lbtest
  notify_fifo ${fifoA}
  vrrp_notify_fifo ${fifoV}
  vrrp_notify_fifo_script "${reader} tag" root
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    192.0.2.100/24
  }
}`);
  const logs: string[] = [];
  const s = setupNotifications(cfg, { log: (l, m) => logs.push(`${l} ${m}`) });
  cleanups.push(() => {
    for (const f of s.fifos) f.close();
  });
  try {
    assert.equal(s.fifos.length, 2, logs.join('\n'));
    assert.equal(s.mailer, undefined, 'no smtp_server: no mailer');
    s.notifier.handle(tr('BACKUP', 100));
    s.notifier.handle(tr('MASTER', 110));
    const got = await until(() => {
      const t = existsSync(out) ? readFileSync(out, 'utf8') : '';
      return t.split('\n').length > 2 ? t : undefined;
    }, 3000);
    assert.equal(got, 'tag INSTANCE "VI_1" BACKUP 100\ntag INSTANCE "VI_1" MASTER 110\n');
  } finally {
    await s.close();
  }
  assert.equal(existsSync(fifoV), false);
  assert.equal(existsSync(fifoA), false);
});
