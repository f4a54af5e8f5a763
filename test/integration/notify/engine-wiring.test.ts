/**
 * The building blocks plugged into the real VRRP engine, in real time: a track_file drives
 * engine.track(), the engine's transitions drive notify scripts and the vrrp_notify_fifo.
 * One lone node (no peers), VRRPv3 with 100 ms adverts so that it becomes master quickly.
 */
import assert from 'node:assert/strict';
import {
  chmodSync,
  createReadStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, test } from 'node:test';
import { planInstances } from '../../../src/daemon/plan.js';
import { type EnginePorts, VrrpEngine } from '../../../src/daemon/vrrp-engine.js';
import { setupNotifications } from '../../../src/notify/setup.js';
import { TrackingManager } from '../../../src/track/manager.js';
import { modelOf } from '../../config-model.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-wiring-'));
chmodSync(dir, 0o755);
const cleanups: (() => void | Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
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

test('track_file -> engine -> notify scripts and FIFO, in real time', async () => {
  const tf = join(dir, 'down');
  const fifo = join(dir, 'vrrp.fifo');
  const log = join(dir, 'notify.log');
  const rec = join(dir, 'rec.sh');
  writeFileSync(rec, `#!/bin/sh\necho "$*" >> ${log}\n`);
  chmodSync(rec, 0o755);
  const text = `
global_defs {
  router_id wiring
  vrrp_notify_fifo ${fifo}
  script_user root
}
track_file tf {
  file "${tf}"
  weight 0
  init_file 0 overwrite
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  version 3
  priority 100
  advert_int 0.1
  virtual_ipaddress {
    192.0.2.100/24
  }
  track_file {
    tf
  }
  notify_master "${rec} master"
  notify_fault "${rec} fault"
}`;
  const model = modelOf(text);
  const logs: string[] = [];
  const notes = setupNotifications(model, { log: (l, m) => logs.push(`${l} ${m}`) });
  cleanups.push(() => notes.close());
  assert.equal(notes.fifos.length, 1, logs.join('\n'));
  let lines = '';
  const reader = createReadStream(fifo, { encoding: 'utf8' });
  reader.on('data', (c) => {
    lines += c;
  });
  cleanups.push(() => {
    reader.destroy();
  });
  const ports: EnginePorts = {
    now: () => performance.now(),
    setTimer: (fn, ms) => {
      // Node timers have whole-millisecond resolution and may fire up to 1 ms early: round up so
      // that the state machine never sees its deadline not yet reached.
      return setTimeout(fn, Math.ceil(ms) + 1);
    },
    clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
    openChannel: () => ({ send() {}, close() {} }),
    addVip: async () => {},
    removeVip: async () => {},
    addRoute: async () => {},
    removeRoute: async () => {},
    announce: () => {},
    emit: (e) => {
      logs.push(`event ${JSON.stringify(e)}`);
      notes.notifier.handle(e);
    },
  };
  const engine = new VrrpEngine(planInstances(model, { addresses: () => ['192.0.2.11'] }), [], ports);
  const tracking = new TrackingManager(model, {
    track: (i, s) => {
      logs.push(`track ${JSON.stringify(s)}`);
      engine.track(i, s);
    },
    log: (l, m) => logs.push(`${l} ${m}`),
  });
  cleanups.push(() => engine.stop());
  cleanups.push(() => tracking.stop());
  engine.start();
  tracking.start();

  assert.ok(
    await until(() => (lines.includes('INSTANCE "VI_1" MASTER') ? true : undefined), 5000),
    `lines: ${lines} ${logs.join('\n')}`,
  );
  writeFileSync(tf, '1\n');
  assert.ok(
    await until(() => (lines.includes('INSTANCE "VI_1" FAULT') ? true : undefined), 2000),
    `lines: ${lines}`,
  );
  writeFileSync(tf, '0\n');
  assert.ok(
    await until(
      () => (lines.split('\n').filter((l) => l.includes('MASTER')).length >= 2 ? true : undefined),
      5000,
    ),
    `lines: ${lines} ${logs.join('\n')}`,
  );
  const states = lines
    .trim()
    .split('\n')
    .map((l) => l.split(' ')[2]);
  const m1 = states.indexOf('MASTER');
  const f = states.indexOf('FAULT');
  assert.ok(m1 >= 0 && f > m1 && states.lastIndexOf('MASTER') > f, states.join(','));
  await notes.notifier.idle();
  const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  assert.deepEqual(calls, ['master', 'fault', 'master']);
});
