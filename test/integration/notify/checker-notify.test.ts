/**
 * Health-checker notifications on the real system: RS/VS lines go to notify_fifo and
 * lvs_notify_fifo (not vrrp_notify_fifo), and notify_up runs with no arguments appended.
 */
import assert from 'node:assert/strict';
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setupNotifications } from '../../../src/notify/setup.js';
import { modelOf } from '../../config-model.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-chknotify-'));
chmodSync(dir, 0o755);
after(() => rmSync(dir, { recursive: true, force: true }));

function drain(fd: number): string {
  const buf = Buffer.alloc(4096);
  let out = '';
  for (;;) {
    try {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) return out;
      out += buf.subarray(0, n).toString();
    } catch {
      return out; // EAGAIN: empty
    }
  }
}

test('checker lines reach notify_fifo and lvs_notify_fifo only; notify_up runs without arguments', async () => {
  const all = join(dir, 'all.fifo');
  const vrrp = join(dir, 'vrrp.fifo');
  const lvs = join(dir, 'lvs.fifo');
  const out = join(dir, 'up.out');
  const script = join(dir, 'up.sh');
  writeFileSync(script, `#!/bin/sh\necho "args:$#:$*" > ${out}\n`);
  chmodSync(script, 0o755);
  const cfg = modelOf(`
global_defs {
  notify_fifo ${all}
  vrrp_notify_fifo ${vrrp}
  lvs_notify_fifo ${lvs}
}
virtual_server 192.0.2.100 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 198.51.100.1 80 {
    notify_up "${script} x"
    TCP_CHECK {
    }
  }
}`);
  const s = setupNotifications(cfg, { log: () => {} });
  const fds: number[] = [];
  try {
    assert.equal(s.fifos.length, 3);
    for (const p of [all, vrrp, lvs]) fds.push(openSync(p, constants.O_RDONLY | constants.O_NONBLOCK));
    s.lvsFifoWrite('RS [198.51.100.1]:tcp:80 [192.0.2.100]:tcp:80 UP\n');
    s.notifier.handle({
      type: 'transition',
      instance: 'VI_1',
      from: 'BACKUP',
      to: 'MASTER',
      priority: 100,
      reason: 't',
    });
    const rsScript = cfg.virtualServers[0]!.realServers[0]!.notifyUp!;
    s.notifier.runCheckerScript('notify_up', rsScript, false);
    const [a, v, l] = fds.map(drain);
    assert.equal(a, 'RS [198.51.100.1]:tcp:80 [192.0.2.100]:tcp:80 UP\n');
    assert.equal(v, '', 'vrrp_notify_fifo takes no checker lines');
    assert.equal(l, 'RS [198.51.100.1]:tcp:80 [192.0.2.100]:tcp:80 UP\n');
    await s.notifier.idle();
    // keepalived notify_exec: the command as configured, nothing appended.
    assert.equal(readFileSync(out, 'utf8'), 'args:1:x\n');
  } finally {
    for (const fd of fds) closeSync(fd);
    await s.close();
  }
  assert.equal(existsSync(lvs), false);
});
