import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeResult, isExecutableBy, preflight, scriptEnvironment } from '../../../src/scripts/runner.js';

test('scriptEnvironment keeps only PATH and LANG, plus extras', () => {
  assert.deepEqual(scriptEnvironment({ PATH: '/bin', LANG: 'C.UTF-8', SECRET: 'x', HOME: '/root' }), {
    PATH: '/bin',
    LANG: 'C.UTF-8',
  });
  assert.deepEqual(scriptEnvironment({}, { A: '1' }), {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    A: '1',
  });
});

test('isExecutableBy follows keepalived is_executable', () => {
  const u = { uid: 1000, gid: 100 };
  assert.equal(isExecutableBy(0o001, 0, 0, { uid: 0, gid: 0 }), true, 'root: any x bit');
  assert.equal(isExecutableBy(0o644, 0, 0, { uid: 0, gid: 0 }), false);
  assert.equal(isExecutableBy(0o700, 1000, 5, u), true, 'owner bit');
  assert.equal(isExecutableBy(0o077, 1000, 100, u), false, 'owner without u+x, even if g+x');
  assert.equal(isExecutableBy(0o010, 0, 100, u), true, 'group bit');
  assert.equal(isExecutableBy(0o001, 0, 100, u), false, 'group member without g+x');
  assert.equal(isExecutableBy(0o001, 0, 5, u), true, 'other bit');
});

test('preflight: empty, missing and directories are reasons; PATH names are left to spawn', () => {
  assert.equal(preflight([]), 'empty command');
  assert.match(preflight(['/nonexistent/vigil-x']) ?? '', /no such file/);
  assert.match(preflight(['/tmp']) ?? '', /not a regular file/);
  assert.equal(preflight(['true']), undefined);
  assert.equal(preflight(['/bin/sh']), undefined);
});

test('describeResult covers each outcome', () => {
  const base = { exitCode: null, signal: null, timedOut: false, durationMs: 12 } as const;
  assert.equal(describeResult({ ...base, exitCode: 3 }), 'exited with status 3');
  assert.equal(describeResult({ ...base, signal: 'SIGSEGV' }), 'killed by SIGSEGV');
  assert.equal(
    describeResult({ ...base, timedOut: true, signal: 'SIGTERM' }),
    'timed out after 12 ms (SIGTERM)',
  );
  assert.equal(
    describeResult({ ...base, spawnError: 'x: not executable' }),
    'not started: x: not executable',
  );
});
