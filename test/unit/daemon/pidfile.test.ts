import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { acquirePidFile, PidFileInUse } from '../../../src/daemon/pidfile.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-pid-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('pid file is written and removed by its release function', () => {
  const p = join(dir, 'a.pid');
  const release = acquirePidFile(p);
  assert.equal(readFileSync(p, 'utf8'), `${process.pid}\n`);
  release();
  assert.equal(existsSync(p), false);
});

test('a second daemon on a pid file naming a live process is refused', async () => {
  const p = join(dir, 'b.pid');
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    writeFileSync(p, `${child.pid}\n`);
    assert.throws(() => acquirePidFile(p), PidFileInUse);
    assert.equal(readFileSync(p, 'utf8'), `${child.pid}\n`, 'the other daemon’s pid file is left alone');
  } finally {
    child.kill('SIGKILL');
  }
});

test('a stale pid file (dead process) is replaced', async () => {
  const p = join(dir, 'c.pid');
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => child.on('exit', r));
  writeFileSync(p, `${child.pid}\n`);
  const release = acquirePidFile(p);
  assert.equal(readFileSync(p, 'utf8'), `${process.pid}\n`);
  release();
});
