/**
 * MISC_CHECK with real scripts (through the script runner: process group, user, script security,
 * misc_timeout) and FILE_CHECK with a real file (attempts and the inotify form). Each checker fails
 * for each reason and recovers. Runs as root (scripts as another user).
 */
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileCheck, watchFileCheck } from '../../../src/check/checkers/file.js';
import { miscCheck } from '../../../src/check/checkers/misc.js';
import type { LifecycleEvent } from '../../../src/check/lifecycle.js';
import { defaultRegistry } from '../../../src/check/registry.js';
import { CheckerService } from '../../../src/check/service.js';
import type { CheckAttempt, CheckOutcome, ConnectTarget } from '../../../src/check/types.js';
import type { FileChecker, MiscChecker, TrackFile } from '../../../src/config/model.js';
import { RecordingDriver } from '../../../src/lvs/driver.js';
import { planOf, vs } from '../../unit/check/helpers.js';
import { waitFor } from '../harness/topology.js';

const skip =
  typeof process.getuid === 'function' && process.getuid() !== 0
    ? 'needs root (scripts as another user)'
    : false;
const TARGET: ConnectTarget = { family: 'ipv4', address: '192.0.2.10', port: 80 };
const ctx = () => ({ timeoutMs: 5000, signal: new AbortController().signal });

describe('MISC_CHECK and FILE_CHECK on a real host', { skip }, () => {
  let dir: string;
  const logs: string[] = [];
  const env = { log: (level: string, m: string) => logs.push(`${level}: ${m}`) };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-chk-'));
    chmodSync(dir, 0o755);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const script = (name: string, body: string, mode = 0o755): string => {
    const p = join(dir, name);
    writeFileSync(p, `#!/bin/sh\n${body}\n`);
    chmodSync(p, mode);
    return p;
  };
  const misc = (argv: string[], over: Partial<MiscChecker> = {}): MiscChecker =>
    ({
      type: 'MISC_CHECK',
      miscPath: { argv, command: argv.join(' ') },
      miscDynamic: false,
      miscTimeoutMs: 5000,
      ...over,
    }) as MiscChecker;
  /** No live (non-zombie) process is left in the group: dead children wait for pid 1 to reap them. */
  const gone = (pgid: number) =>
    readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .every((pid) => {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          return Number(f[2]) !== pgid || f[0] === 'Z';
        } catch {
          return true;
        }
      });

  /** The attempt times out within `window` ms and leaves nothing of the script's group alive. */
  const expectTimedOut = async (attempt: CheckAttempt, pidFile: string, window: [number, number]) => {
    const t0 = Date.now();
    assert.deepEqual(await attempt(ctx()), { ok: false, reason: 'timed out' });
    const took = Date.now() - t0;
    assert.ok(took >= window[0] && took < window[1], `${took} ms`);
    const pgid = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(() => gone(pgid), { timeoutMs: 3000, message: 'process group gone' });
  };

  test('exit 0 succeeds, exit 1 fails, and the check recovers when the script does', async () => {
    const flag = join(dir, 'healthy');
    const check = script('check.sh', `[ -e ${flag} ] && exit 0 || exit 1`);
    const attempt = miscCheck.create(misc([check]), TARGET, env);
    assert.deepEqual(await attempt(ctx()), { ok: false, reason: 'exited with status 1' });
    writeFileSync(flag, '');
    assert.deepEqual(await attempt(ctx()), { ok: true, detail: 'exited with status 0' });
    unlinkSync(flag);
    assert.equal((await attempt(ctx())).ok, false);
  });

  test('misc_dynamic: exit 7 is success with weight 5, exit 1 failure, exit 0 the configured weight', async () => {
    const status = join(dir, 'status');
    const dyn = script('dyn.sh', `exit $(cat ${status})`);
    const attempt = miscCheck.create(misc([dyn], { miscDynamic: true }), TARGET, env);
    writeFileSync(status, '7');
    assert.deepEqual(await attempt(ctx()), { ok: true, weight: 5, detail: 'exited with status 7' });
    writeFileSync(status, '1');
    assert.deepEqual(await attempt(ctx()), { ok: false, reason: 'exited with status 1' });
    writeFileSync(status, '0');
    assert.deepEqual(await attempt(ctx()), { ok: true, detail: 'exited with status 0' });
  });

  test('a hung script is killed at misc_timeout (SIGTERM), with everything it started', async () => {
    const pidFile = join(dir, 'hung.pid');
    const hung = script('hung.sh', `echo $$ > ${pidFile}\nsleep 30 &\nsleep 30`);
    const attempt = miscCheck.create(misc([hung], { miscTimeoutMs: 300 }), TARGET, env);
    await expectTimedOut(attempt, pidFile, [250, 2000]);
  });

  test('a script ignoring SIGTERM is SIGKILLed 2 s later; without misc_timeout the VS delay_loop is the limit', async () => {
    const pidFile = join(dir, 'stubborn.pid');
    const stubborn = script('stubborn.sh', `trap '' TERM\necho $$ > ${pidFile}\nsleep 30`);
    const attempt = miscCheck.create(misc([stubborn], { miscTimeoutMs: undefined }), TARGET, {
      ...env,
      vsDelayLoopMs: 300,
    } as Parameters<typeof miscCheck.create>[2]);
    await expectTimedOut(attempt, pidFile, [2200, 4500]);
  });

  test('the script runs as its user; an insecure script is not run under enable_script_security', async () => {
    const out = join(dir, 'uid');
    writeFileSync(out, '');
    chmodSync(out, 0o666);
    const whoami = script('whoami.sh', 'id -u > "$1"');
    const asNobody = miscCheck.create(misc([whoami, out], { user: 'nobody' }), TARGET, env);
    assert.equal((await asNobody(ctx())).ok, true);
    assert.equal(readFileSync(out, 'utf8').trim(), '65534');

    const marker = join(dir, 'ran');
    const insecure = script('insecure.sh', `touch ${marker}`, 0o777);
    const secured = { ...env, enableScriptSecurity: true } as Parameters<typeof miscCheck.create>[2];
    const refused = miscCheck.create(misc([insecure]), TARGET, secured);
    const r = await refused(ctx());
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, /^not run: Disabling misc script .* due to insecure/);
    assert.equal(existsSync(marker), false);
    // secured again, it runs
    chmodSync(insecure, 0o755);
    assert.equal((await miscCheck.create(misc([insecure]), TARGET, secured)(ctx())).ok, true);
    assert.equal(existsSync(marker), true);
    // a missing script is not run either
    const missing = await miscCheck.create(misc([join(dir, 'nope.sh')]), TARGET, env)(ctx());
    assert.match((missing as { reason: string }).reason, /not found/);
  });

  test('a MISC_CHECK whose script is missing or insecure is removed at load; the server is judged without it', async () => {
    const ok = script('ok.sh', 'exit 0');
    const insecure = script('world-writable.sh', 'exit 0', 0o777);
    const conf = (global: string) => `${global}
${vs(`  delay_loop 0.05
  warmup 0
  real_server 198.51.100.1 80 {
    MISC_CHECK { misc_path ${join(dir, 'absent.sh')} }
    MISC_CHECK { misc_path ${ok} }
  }
  real_server 198.51.100.2 80 {
    MISC_CHECK { misc_path ${insecure} }
  }`)}`;
    const events: LifecycleEvent[] = [];
    const driver = new RecordingDriver();
    const svc = new CheckerService(planOf(conf('global_defs {\n  enable_script_security\n}')), {
      registry: defaultRegistry,
      driver,
      emit: (e) => events.push(e),
      bootstrapDelayMs: 0,
    });
    const lines = () => events.flatMap((e) => (e.type === 'log' ? [e.message] : []));
    try {
      svc.start();
      // check_misc_script_security's lines, and the checkers are gone from the status.
      assert.ok(
        lines().some((l) =>
          l.startsWith(`Disabling misc script ${join(dir, 'absent.sh')} since not found/accessible`),
        ),
        lines().join('\n'),
      );
      assert.ok(
        lines().some((l) => l.startsWith(`Disabling misc script ${insecure} due to insecure`)),
        lines().join('\n'),
      );
      const status = () => svc.status()[0]!.realServers.map((r) => [r.alive, r.checkers.length]);
      await waitFor(() => svc.status()[0]!.realServers[0]!.checkers[0]!.lastRunAt !== null, {
        message: 'the remaining MISC_CHECK ran',
      });
      // rs1: judged by its one remaining checker; rs2: no checker left, in service (keepalived).
      assert.deepEqual(status(), [
        [true, 1],
        [true, 0],
      ]);
      assert.ok(!lines().some((l) => /Removing service/.test(l)), lines().join('\n'));
    } finally {
      await svc.stop();
    }
  });

  test('FILE_CHECK in the checker service: a write is seen at once (inotify), not at the next delay_loop', async () => {
    const file = join(dir, 'watched');
    writeFileSync(file, '0\n');
    const events: LifecycleEvent[] = [];
    const svc = new CheckerService(
      planOf(
        `track_file tf {\n  file ${file}\n}\n${vs(`  delay_loop 60
  warmup 0
  real_server 198.51.100.1 80 {
    FILE_CHECK {
      track_file tf
      weight 0
    }
  }`)}`,
      ),
      {
        registry: defaultRegistry,
        driver: new RecordingDriver(),
        emit: (e) => events.push(e),
        bootstrapDelayMs: 0,
      },
    );
    const alive = () => svc.status()[0]!.realServers[0]!.alive;
    try {
      svc.start();
      await waitFor(() => svc.status()[0]!.realServers[0]!.checkers[0]!.lastRunAt !== null, {
        message: 'first FILE_CHECK attempt',
      });
      assert.equal(alive(), true);
      const t0 = Date.now();
      writeFileSync(file, '1\n');
      await waitFor(() => !alive(), {
        timeoutMs: 3000,
        message: 'down within 3 s of the write (delay_loop is 60 s)',
      });
      writeFileSync(file, '0\n');
      await waitFor(() => alive(), { timeoutMs: 3000, message: 'up again within 3 s' });
      console.log(`# FILE_CHECK write -> down -> up in ${Date.now() - t0} ms`);
    } finally {
      await svc.stop();
    }
  });

  test('an aborted script run ends the attempt at once and the group is killed', async () => {
    const pidFile = join(dir, 'abort.pid');
    const slow = script('slow.sh', `echo $$ > ${pidFile}\nsleep 30`);
    const ac = new AbortController();
    const p = miscCheck.create(misc([slow]), TARGET, env)({ timeoutMs: 5000, signal: ac.signal });
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', {
      message: 'script started',
    });
    ac.abort();
    assert.deepEqual(await p, { ok: false, reason: 'aborted' });
    const pgid = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(() => gone(pgid), { timeoutMs: 3000, message: 'process group gone' });
  });

  const trackFile = (file: string, over: Partial<TrackFile> = {}): TrackFile =>
    ({ kind: 'track_file', name: 'tf', file, weight: 0, weightReverse: false, ...over }) as TrackFile;
  const fc = (over: Partial<FileChecker> = {}): FileChecker =>
    ({ type: 'FILE_CHECK', trackFile: 'tf', dynamic: false, weightReverse: false, ...over }) as FileChecker;

  test('FILE_CHECK weight 0: non-zero is down, zero up again; a deleted file reads 0', async () => {
    const file = join(dir, 'state');
    const fenv = { ...env, trackFiles: [trackFile(file)], realServerWeight: 10 };
    const attempt: CheckAttempt = fileCheck.create(fc(), TARGET, fenv as never);
    assert.equal((await attempt(ctx())).ok, true); // missing = 0
    writeFileSync(file, '1\n');
    assert.deepEqual(await attempt(ctx()), { ok: false, reason: 'tracked file tf value 1: FAULT' });
    writeFileSync(file, '0\n');
    assert.equal((await attempt(ctx())).ok, true);
    writeFileSync(file, '5\n');
    assert.equal((await attempt(ctx())).ok, false);
    unlinkSync(file);
    assert.equal((await attempt(ctx())).ok, true);
  });

  test('FILE_CHECK with a weight: the file changes the weight (inotify form), INT32_MIN is down', async () => {
    const file = join(dir, 'weight');
    writeFileSync(file, '2\n');
    const seen: CheckOutcome[] = [];
    const fenv = { ...env, trackFiles: [trackFile(file, { weight: 9 })], realServerWeight: 10 };
    const stop = watchFileCheck(fc({ weight: 3 }), fenv, (o) => seen.push(o));
    try {
      assert.deepEqual(seen[0], { ok: true, weight: 16, detail: 'tracked file tf value 2: weight +6' });
      const last = () => seen[seen.length - 1];
      writeFileSync(file, '-4\n');
      await waitFor(
        () => last()?.ok && last()?.ok === true && (last() as { weight?: number }).weight === -2,
        {
          message: 'weight 10 - 12',
        },
      );
      writeFileSync(file, '-2147483648\n');
      await waitFor(() => last()?.ok === false, { message: 'down at INT32_MIN' });
      writeFileSync(file, '0\n');
      await waitFor(() => last()?.ok === true && (last() as { weight?: number }).weight === undefined, {
        message: 'up, configured weight',
      });
    } finally {
      stop();
    }
    const reverse = fileCheck.create(fc({ weight: 3, weightReverse: true }), TARGET, fenv as never);
    writeFileSync(file, '2\n');
    assert.deepEqual(await reverse(ctx()), {
      ok: true,
      weight: 4,
      detail: 'tracked file tf value 2: weight -6',
    });
  });
});
