/**
 * Trackers against the real system: a vrrp_script flipping with a file, track_file picking up a
 * write through inotify, track_process seeing a spawned `sleep` start and exit, and the
 * TrackingManager pushing TrackingStatus to an engine stub.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TrackFile, TrackProcess, VrrpScript } from '../../../src/config/model.js';
import { runScript } from '../../../src/scripts/runner.js';
import { TrackingManager } from '../../../src/track/manager.js';
import { TrackFileWatcher } from '../../../src/track/track-file.js';
import { ProcessTracker } from '../../../src/track/track-process.js';
import { VrrpScriptTracker } from '../../../src/track/vrrp-script.js';
import type { TrackingStatus } from '../../../src/vrrp/types.js';
import { modelOf } from '../../config-model.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-track-'));
chmodSync(dir, 0o755);
const children: ReturnType<typeof spawn>[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const pos = { file: 'k.conf', line: 1, column: 1 };

async function until<T>(get: () => T | undefined, ms: number): Promise<T | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('vrrp_script: a real script follows a flag file, with rise and fall', async () => {
  const flag = join(dir, 'up');
  const p = join(dir, 'chk.sh');
  writeFileSync(p, `#!/bin/sh\n[ -e ${flag} ]\n`);
  chmodSync(p, 0o755);
  writeFileSync(flag, '');
  const spec: VrrpScript = {
    kind: 'vrrp_script',
    name: 'chk',
    pos,
    keyPos: {},
    script: { argv: [p], command: p, pos },
    intervalMs: 30,
    weight: 0,
    weightReverse: false,
    rise: 2,
    fall: 2,
    initFail: false,
  };
  const seen: string[] = [];
  const t = new VrrpScriptTracker(spec, undefined, {
    run: runScript,
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
    onChange: (_n, h) => seen.push(h),
  });
  t.start();
  try {
    assert.ok(await until(() => (seen.includes('ok') ? true : undefined), 3000), 'became ok');
    unlinkSync(flag);
    assert.ok(await until(() => (seen.includes('failed') ? true : undefined), 3000), 'became failed');
    assert.deepEqual(seen, ['ok', 'failed']);
  } finally {
    t.stop();
  }
});

test('track_file: init_file creates the file, and a write is seen within 100 ms', async () => {
  const file = join(dir, 'weight');
  const spec: TrackFile = {
    kind: 'track_file',
    name: 'tf',
    pos,
    keyPos: {},
    file,
    weight: 1,
    weightReverse: false,
    initFile: ['4'],
  };
  const values: { v: number; at: number }[] = [];
  const w = new TrackFileWatcher(spec, { onValue: (_n, v) => values.push({ v, at: Date.now() }) });
  w.start();
  try {
    assert.deepEqual(
      values.map((x) => x.v),
      [4],
      'init_file value read at start',
    );
    const lat: number[] = [];
    for (const [i, v] of [10, -3, 0x20].entries()) {
      const t0 = Date.now();
      writeFileSync(file, i === 2 ? '0x20\n' : `${v}\n`);
      const got = await until(() => values.find((x) => x.v === v), 1000);
      assert.ok(got, `value ${v} seen`);
      lat.push(got.at - t0);
    }
    // Replace by rename (how editors and atomic writers do it).
    const tmp = join(dir, 'weight.tmp');
    writeFileSync(tmp, '77\n');
    const t0 = Date.now();
    const { renameSync } = await import('node:fs');
    renameSync(tmp, file);
    const got = await until(() => values.find((x) => x.v === 77), 1000);
    assert.ok(got, 'rename seen');
    lat.push(got.at - t0);
    unlinkSync(file);
    assert.ok(await until(() => (values.at(-1)?.v === 0 ? true : undefined), 1000), 'deleted file reads 0');
    console.log(`track_file latencies (ms): ${lat.join(', ')}`);
    assert.ok(Math.max(...lat) < 100, `latencies ${lat.join(', ')}`);
  } finally {
    w.stop();
  }
});

test('track_process: a spawned sleep is seen starting (rescan) and exiting (fast)', async () => {
  const marker = `${process.pid}.${Date.now() % 100000}`;
  const spec: TrackProcess = {
    kind: 'vrrp_track_process',
    name: 'tp',
    pos,
    keyPos: {},
    process: ['sleep', `3${marker}`],
    weight: 0,
    weightReverse: false,
    quorum: 1,
    fullCommand: false,
  };
  const changes: { up: boolean; at: number }[] = [];
  const tracker = new ProcessTracker(
    [spec],
    { onChange: (_n, up) => changes.push({ up, at: Date.now() }) },
    { useConnector: false, exitPollMs: 20, scanMs: 200 },
  );
  tracker.start();
  try {
    assert.deepEqual(
      changes.map((c) => c.up),
      [false],
      'not running at start',
    );
    const child = spawn('sleep', [`3${marker}`], { stdio: 'ignore' });
    children.push(child);
    assert.ok(await until(() => changes.find((c) => c.up), 2000), 'seen starting');
    const t0 = Date.now();
    child.kill('SIGTERM');
    const down = await until(() => changes.slice(1).find((c) => !c.up), 2000);
    assert.ok(down, 'seen exiting');
    console.log(
      `track_process exit seen after ${down.at - t0} ms`,
      JSON.stringify(changes.map((c) => [c.up, c.at - t0])),
    );
    assert.ok(down.at - t0 < 200, `${down.at - t0} ms`);
  } finally {
    tracker.stop();
  }
});

test('track_process with the proc connector: start and exit seen from kernel events', async (t) => {
  const marker = `${process.pid}.${(Date.now() % 100000) + 1}`;
  const spec: TrackProcess = {
    kind: 'vrrp_track_process',
    name: 'tpc',
    pos,
    keyPos: {},
    process: ['sleep', `4${marker}`],
    weight: 0,
    weightReverse: false,
    quorum: 1,
    fullCommand: false,
  };
  const changes: { up: boolean; at: number }[] = [];
  const logs: string[] = [];
  // Polls slowed right down: only kernel events can make this fast.
  const tracker = new ProcessTracker(
    [spec],
    { onChange: (_n, up) => changes.push({ up, at: Date.now() }), log: (m) => logs.push(m) },
    { exitPollMs: 5000, scanMs: 5000 },
  );
  tracker.start();
  try {
    if (!tracker.eventDriven) {
      t.skip(`proc connector unavailable: ${logs.join('; ')}`);
      return;
    }
    const t1 = Date.now();
    const child = spawn('sleep', [`4${marker}`], { stdio: 'ignore' });
    children.push(child);
    const up = await until(() => changes.find((c) => c.up), 2000);
    assert.ok(up, 'seen starting');
    const t0 = Date.now();
    child.kill('SIGTERM');
    const down = await until(() => changes.slice(1).find((c) => !c.up), 2000);
    assert.ok(down, 'seen exiting');
    console.log(`proc connector: start seen after ${up.at - t1} ms, exit after ${down.at - t0} ms`);
    assert.ok(up.at - t1 < 500 && down.at - t0 < 100, `${up.at - t1} / ${down.at - t0} ms`);
  } finally {
    tracker.stop();
  }
});

test('TrackingManager: a script and a file drive the instance TrackingStatus', async () => {
  const flag = join(dir, 'mgr-up');
  const file = join(dir, 'mgr-file');
  writeFileSync(flag, '');
  writeFileSync(file, '0\n');
  const p = join(dir, 'mgr.sh');
  writeFileSync(p, `#!/bin/sh\n[ -e ${flag} ]\n`);
  chmodSync(p, 0o755);
  const text = `
vrrp_script chk {
  script "${p}"
  interval 1
  weight 10
}
track_file tf {
  file "${file}"
  weight 0
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    192.0.2.100/24
  }
  track_script {
    chk
  }
  track_file {
    tf
  }
}`;
  const model = modelOf(text);
  const pushed: TrackingStatus[] = [];
  const m = new TrackingManager(model, { track: (_i, s) => pushed.push(s), log: () => {} });
  m.start();
  try {
    assert.ok(await until(() => pushed.find((s) => s.weight === 10), 3000), 'script ok adds 10');
    writeFileSync(file, '1\n');
    const fault = await until(() => pushed.find((s) => s.fault), 1000);
    assert.ok(fault, 'file value 1 with weight 0 is FAULT');
    assert.match(fault.reason ?? '', /track_file tf/);
    writeFileSync(file, '0\n');
    assert.ok(await until(() => (pushed.at(-1)?.fault === false ? true : undefined), 1000), 'cleared');
  } finally {
    m.stop();
  }
});

test('TrackingManager: bare command names resolve through PATH; missing and insecure scripts are disabled', async () => {
  const open = join(dir, 'open');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(open);
  chmodSync(open, 0o777);
  const insecure = join(open, 'chk.sh');
  writeFileSync(insecure, '#!/bin/sh\nexit 1\n');
  chmodSync(insecure, 0o755);
  const text = `
global_defs {
  enable_script_security
  script_user root
}
vrrp_script bare {
  script "false"
  interval 1
}
vrrp_script missing {
  script "${join(dir, 'does-not-exist.sh')}"
  interval 1
}
vrrp_script insecure {
  script "${insecure}"
  interval 1
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    192.0.2.100/24
  }
  track_script {
    bare
    missing
    insecure
  }
}`;
  const model = modelOf(text);
  const pushed: TrackingStatus[] = [];
  const logs: string[] = [];
  const m = new TrackingManager(model, {
    track: (_i, s) => pushed.push(s),
    log: (l, msg) => logs.push(`${l} ${msg}`),
  });
  m.start();
  try {
    const fault = await until(() => pushed.find((s) => s.fault), 3000);
    assert.ok(fault, 'the PATH-resolved `false` ran and failed: FAULT');
    assert.match(fault.reason ?? '', /track_script bare failed/);
    assert.doesNotMatch(fault.reason ?? '', /missing|insecure/, 'disabled scripts have no effect');
    const all = logs.join('\n');
    assert.match(all, /'false' resolved by PATH to '\/.*\/false'/);
    assert.match(all, /vrrp_script missing disabled: .*no such file/);
    assert.match(all, new RegExp(`vrrp_script insecure disabled by script security: '${open}' is insecure`));
  } finally {
    m.stop();
  }
});
