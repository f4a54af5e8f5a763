import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  fileCheck,
  fileCheckOutcome,
  fileCheckStatus,
  fileCheckWeight,
} from '../../../src/check/checkers/file.js';
import {
  miscCheck,
  miscOutcome,
  miscTimeoutMs,
  prepareMiscScript,
} from '../../../src/check/checkers/misc.js';
import type { FileChecker, MiscChecker, TrackFile } from '../../../src/config/model.js';
import { parseAccounts } from '../../../src/scripts/identity.js';
import type { ScriptResult } from '../../../src/scripts/runner.js';

const exited = (exitCode: number): ScriptResult => ({
  exitCode,
  signal: null,
  timedOut: false,
  durationMs: 1,
});
const killed = (signal: NodeJS.Signals, timedOut: boolean): ScriptResult => ({
  exitCode: null,
  signal,
  timedOut,
  durationMs: 1,
});

test('misc exit status: 0 success, anything else failure without misc_dynamic', () => {
  assert.deepEqual(miscOutcome(exited(0), false), { ok: true, detail: 'exited with status 0' });
  assert.deepEqual(miscOutcome(exited(1), false), { ok: false, reason: 'exited with status 1' });
  assert.deepEqual(miscOutcome(exited(7), false), { ok: false, reason: 'exited with status 7' });
});

test('misc_dynamic: 1 fails, 2..255 succeed with weight status - 2, 0 keeps the configured weight', () => {
  assert.equal(miscOutcome(exited(1), true).ok, false);
  assert.deepEqual(miscOutcome(exited(7), true), { ok: true, weight: 5, detail: 'exited with status 7' });
  assert.deepEqual(miscOutcome(exited(2), true), { ok: true, weight: 0, detail: 'exited with status 2' });
  assert.deepEqual(miscOutcome(exited(255), true), {
    ok: true,
    weight: 253,
    detail: 'exited with status 255',
  });
  const zero = miscOutcome(exited(0), true);
  assert.equal(zero.ok, true);
  assert.equal(zero.ok && zero.weight, undefined);
});

test('misc signals: ours after the limit is "timed out", another is "due to signal N"', () => {
  assert.deepEqual(miscOutcome(killed('SIGTERM', true), false), { ok: false, reason: 'timed out' });
  assert.deepEqual(miscOutcome(killed('SIGKILL', true), true), { ok: false, reason: 'timed out' });
  assert.deepEqual(miscOutcome(killed('SIGSEGV', false), false), { ok: false, reason: 'due to signal 11' });
  assert.deepEqual(miscOutcome(killed('SIGTERM', false), false), { ok: false, reason: 'due to signal 15' });
  // a script that exits on our SIGTERM is judged by its status, as keepalived does
  assert.equal(miscOutcome({ ...exited(0), timedOut: true }, false).ok, true);
  assert.match(
    (miscOutcome({ ...exited(0), spawnError: 'x: not found' }, false) as { reason: string }).reason,
    /not started/,
  );
});

const misc = (over: Partial<MiscChecker> = {}): MiscChecker =>
  ({
    type: 'MISC_CHECK',
    miscPath: { argv: ['/etc/keepalived/check.sh', 'a'], command: '/etc/keepalived/check.sh a' },
    miscDynamic: false,
    ...over,
  }) as MiscChecker;

test('misc_timeout, else the virtual server delay_loop, else 60 s', () => {
  assert.equal(miscTimeoutMs(misc({ miscTimeoutMs: 3000 }), 10_000), 3000);
  assert.equal(miscTimeoutMs(misc(), 10_000), 10_000);
  assert.equal(miscTimeoutMs(misc(), undefined), 60_000);
});

const accounts = () =>
  parseAccounts('root:x:0:0::/root:/bin/sh\nwww:x:33:33::/:/bin/false\n', 'root:x:0:\nweb:x:50:\n');
const baseEnv = { log: () => {}, accounts, self: { uid: 0, gid: 0 }, resolve: (c: string) => c };
const rootOwned = { kind: 'directory' as const, mode: 0o755, uid: 0, gid: 0 };

test('misc scripts: user/group, script security refuses insecure scripts run as root', () => {
  const asWww = prepareMiscScript(misc({ user: 'www', group: 'web' }), baseEnv);
  assert.deepEqual(asWww, {
    ok: true,
    argv: ['/etc/keepalived/check.sh', 'a'],
    identity: { uid: 33, gid: 50 },
    user: 'www',
  });
  const insecure = {
    lstat: (p: string) =>
      p === '/etc/keepalived/check.sh' ? { kind: 'file' as const, mode: 0o777, uid: 0, gid: 0 } : rootOwned,
  };
  const refused = prepareMiscScript(misc(), { ...baseEnv, enableScriptSecurity: true, security: insecure });
  assert.equal(refused.ok, false);
  assert.match((refused as { reason: string }).reason, /due to insecure/);
  // without enable_script_security it runs (keepalived only warns)
  assert.equal(prepareMiscScript(misc(), { ...baseEnv, security: insecure }).ok, true);
  assert.equal(prepareMiscScript(misc({ user: 'nobody' }), baseEnv).ok, false);
  assert.equal(prepareMiscScript(misc({ miscPath: undefined }), baseEnv).ok, false);
  assert.equal(prepareMiscScript(misc(), { ...baseEnv, resolve: () => undefined }).ok, false);
});

test('a refused misc script is never run; attempts fail with the reason', async () => {
  let started = 0;
  const logs: string[] = [];
  const attempt = miscCheck.create(
    misc({ user: 'nobody' }),
    { family: 'ipv4', address: '192.0.2.1', port: 0 },
    {
      ...baseEnv,
      log: (_l: string, m: string) => logs.push(m),
      start: () => {
        started++;
        throw new Error('must not run');
      },
    } as Parameters<typeof miscCheck.create>[2],
  );
  const r = await attempt({ timeoutMs: 1000, signal: new AbortController().signal });
  assert.equal(r.ok, false);
  assert.equal(started, 0);
  assert.equal(logs.length, 1);
});

const tf = (over: Partial<TrackFile> = {}): TrackFile =>
  ({ kind: 'track_file', name: 'tf', file: '/run/x', weight: 0, weightReverse: false, ...over }) as TrackFile;
const fc = (over: Partial<FileChecker> = {}): FileChecker =>
  ({ type: 'FILE_CHECK', trackFile: 'tf', dynamic: false, weightReverse: false, ...over }) as FileChecker;

test('file check weight: the checker overrides the track_file block', () => {
  assert.deepEqual(fileCheckWeight(fc(), tf({ weight: 3, weightReverse: true })), {
    weight: 3,
    reverse: true,
  });
  assert.deepEqual(fileCheckWeight(fc({ weight: -2 }), tf({ weight: 3, weightReverse: true })), {
    weight: -2,
    reverse: false,
  });
});

test('file check with weight 0: non-zero is down (reverse: zero is down)', () => {
  assert.deepEqual(fileCheckStatus(0, { weight: 0, reverse: false }), { up: true, contribution: 0 });
  assert.deepEqual(fileCheckStatus(5, { weight: 0, reverse: false }), { up: false });
  assert.deepEqual(fileCheckStatus(-1, { weight: 0, reverse: false }), { up: false });
  assert.deepEqual(fileCheckStatus(0, { weight: 0, reverse: true }), { up: false });
  assert.deepEqual(fileCheckStatus(5, { weight: 0, reverse: true }), { up: true, contribution: 0 });
});

test('file check with a weight: value x weight (negated by reverse) added; INT32_MIN is down', () => {
  assert.deepEqual(fileCheckStatus(3, { weight: 2, reverse: false }), { up: true, contribution: 6 });
  assert.deepEqual(fileCheckStatus(3, { weight: 2, reverse: true }), { up: true, contribution: -6 });
  assert.deepEqual(fileCheckStatus(-4, { weight: 5, reverse: false }), { up: true, contribution: -20 });
  assert.deepEqual(fileCheckStatus(2 ** 31, { weight: 1, reverse: false }), {
    up: true,
    contribution: 2 ** 31 - 1,
  });
  assert.deepEqual(fileCheckStatus(-(2 ** 31), { weight: 1, reverse: false }), { up: false });
  assert.deepEqual(fileCheckStatus(2 ** 30, { weight: -4, reverse: false }), { up: false });
  assert.deepEqual(fileCheckOutcome('tf', 3, { weight: 2, reverse: false }, 10), {
    ok: true,
    weight: 16,
    detail: 'tracked file tf value 3: weight +6',
  });
  assert.deepEqual(fileCheckOutcome('tf', 0, { weight: 2, reverse: false }, 10), {
    ok: true,
    detail: 'tracked file tf value 0',
  });
});

test('file check attempts read the file; an out-of-range number keeps the previous value', async () => {
  let text: string | undefined = '2';
  const attempt = fileCheck.create(fc({ weight: 3 }), { family: 'ipv4', address: '192.0.2.1', port: 0 }, {
    log: () => {},
    trackFiles: [tf()],
    realServerWeight: 1,
    readText: () => text,
  } as Parameters<typeof fileCheck.create>[2]);
  const ctx = { timeoutMs: 1000, signal: new AbortController().signal };
  assert.deepEqual(await attempt(ctx), { ok: true, weight: 7, detail: 'tracked file tf value 2: weight +6' });
  text = '99999999999';
  assert.deepEqual(await attempt(ctx), { ok: true, weight: 7, detail: 'tracked file tf value 2: weight +6' });
  text = undefined;
  assert.deepEqual(await attempt(ctx), { ok: true, detail: 'tracked file tf value 0' });
  const missing = fileCheck.create(
    fc({ trackFile: 'nope' }),
    { family: 'ipv4', address: '192.0.2.1', port: 0 },
    {
      log: () => {},
      trackFiles: [tf()],
    } as Parameters<typeof fileCheck.create>[2],
  );
  assert.deepEqual(await missing(ctx), { ok: false, reason: 'track_file nope not found' });
});
