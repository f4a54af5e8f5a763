/**
 * The script runner against real processes: timeouts kill the whole process group, failures to
 * start are results, identities are applied, and script security reads the real filesystem.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fsSecurityHost, resolveCommand } from '../../../src/scripts/fs-host.js';
import { runScript, signalAllScripts, startScript } from '../../../src/scripts/runner.js';
import { checkScriptSecurity } from '../../../src/scripts/security.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-runner-'));
chmodSync(dir, 0o755);
after(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string, mode = 0o755): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, mode);
  return p;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return false;
  }
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return cond();
}

test('exit status and a clean environment', async () => {
  const out = join(dir, 'env.out');
  const p = script('env.sh', `env > ${out}; exit 7`);
  process.env.VIGIL_SECRET_TEST = 'leak';
  const r = await runScript({ argv: [p] });
  delete process.env.VIGIL_SECRET_TEST;
  assert.equal(r.exitCode, 7);
  assert.equal(r.timedOut, false);
  const env = readFileSync(out, 'utf8');
  assert.match(env, /^PATH=/m);
  assert.doesNotMatch(env, /VIGIL_SECRET_TEST/);
});

test('arguments are passed verbatim, without a shell', async () => {
  const out = join(dir, 'args.out');
  const p = script('args.sh', `for a in "$@"; do echo "[$a]"; done > ${out}`);
  const r = await runScript({ argv: [p, 'a b', '$HOME', '*'] });
  assert.equal(r.exitCode, 0);
  assert.equal(readFileSync(out, 'utf8'), '[a b]\n[$HOME]\n[*]\n');
});

test('a hanging script is killed at its timeout, with its children', async () => {
  const pids = join(dir, 'hang.pids');
  // The child ignores SIGTERM: only the group SIGKILL after the grace period gets it.
  const p = script('hang.sh', `(trap '' TERM; sleep 30) & echo $! > ${pids}; sleep 30`);
  const t0 = Date.now();
  const r = await runScript({ argv: [p], timeoutMs: 300, killGraceMs: 200 });
  const took = Date.now() - t0;
  assert.equal(r.timedOut, true);
  assert.equal(r.signal, 'SIGTERM');
  assert.ok(took >= 280 && took < 2000, `took ${took} ms`);
  const child = Number(readFileSync(pids, 'utf8').trim());
  assert.ok(child > 0);
  assert.ok(await until(() => !alive(child), 2000), `child ${child} survived`);
});

test('a script that ignores SIGTERM is SIGKILLed after the grace period', async () => {
  const p = script('stubborn.sh', `trap '' TERM; sleep 30 & wait; sleep 30`);
  const r = await runScript({ argv: [p], timeoutMs: 200, killGraceMs: 200 });
  assert.equal(r.timedOut, true);
  assert.equal(r.signal, 'SIGKILL');
  assert.ok(r.durationMs >= 350 && r.durationMs < 2000, `${r.durationMs} ms`);
});

test('a missing or non-executable script is a result with the reason, not an exception', async () => {
  const missing = await runScript({ argv: [join(dir, 'nope.sh')] });
  assert.match(missing.spawnError ?? '', /no such file/);
  const noexec = await runScript({ argv: [script('noexec.sh', 'exit 0', 0o644)] });
  assert.match(noexec.spawnError ?? '', /not executable/);
  assert.equal(noexec.exitCode, null);
  const notInPath = await runScript({ argv: ['vigil-no-such-command-xyz'] });
  assert.match(notInPath.spawnError ?? '', /not found/);
});

test('runs as the given uid/gid (nobody)', {
  skip: process.getuid?.() !== 0 ? 'needs root' : false,
}, async () => {
  const p = script('whoami.sh', '[ "$(id -u)" = 65534 ] && [ "$(id -g)" = 65534 ] && [ "$(id -G)" = 65534 ]');
  const r = await runScript({ argv: [p], identity: { uid: 65534, gid: 65534 } });
  assert.equal(r.exitCode, 0, 'uid, gid and no supplementary groups');
  const denied = await runScript({
    argv: [script('owner-only.sh', 'exit 0', 0o700)],
    identity: { uid: 65534, gid: 65534 },
  });
  assert.match(denied.spawnError ?? '', /not executable by uid 65534/);
});

test('script security on the real filesystem: a world-writable directory is refused and named', () => {
  const sub = join(dir, 'open');
  mkdirSync(sub);
  chmodSync(sub, 0o777);
  const p = join(sub, 'check.sh');
  writeFileSync(p, '#!/bin/sh\n');
  chmodSync(p, 0o755);
  const v = checkScriptSecurity(p, fsSecurityHost);
  assert.equal(v.ok, false);
  if (!v.ok) {
    assert.equal(v.path, sub);
    assert.equal(v.kind, 'insecure');
  }
  chmodSync(sub, 0o755);
  if (process.getuid?.() === 0) assert.deepEqual(checkScriptSecurity(p, fsSecurityHost), { ok: true });
  assert.ok(existsSync('/bin/sh'));
  assert.deepEqual(
    checkScriptSecurity('/bin/sh', fsSecurityHost),
    { ok: true },
    'merged-usr symlink /bin is followed',
  );
});

test('signalAllScripts stops every running script group (shutdown)', async () => {
  const a = startScript({ argv: ['/bin/sleep', '30'] });
  const b = startScript({ argv: ['/bin/sh', '-c', 'sleep 30 & wait'] });
  assert.ok(signalAllScripts('SIGKILL') >= 2);
  const [ra, rb] = await Promise.all([a.done, b.done]);
  assert.equal(ra.signal, 'SIGKILL');
  assert.equal(rb.signal, 'SIGKILL');
  assert.equal(signalAllScripts('SIGKILL'), 0, 'reaped scripts are forgotten');
});

test('resolveCommand finds bare names in PATH like keepalived find_path, skipping non-executables', () => {
  const a = join(dir, 'pa');
  const b = join(dir, 'pb');
  mkdirSync(a);
  mkdirSync(b);
  writeFileSync(join(a, 'tool'), '#!/bin/sh\n');
  chmodSync(join(a, 'tool'), 0o644);
  writeFileSync(join(b, 'tool'), '#!/bin/sh\n');
  chmodSync(join(b, 'tool'), 0o755);
  assert.equal(resolveCommand('tool', undefined, `${a}:${b}`), join(b, 'tool'));
  assert.equal(resolveCommand('tool', undefined, a), undefined);
  assert.equal(resolveCommand('/x/y', undefined, a), '/x/y', 'paths are left alone');
  assert.equal(resolveCommand('', undefined, a), undefined);
  assert.match(resolveCommand('sh') ?? '', /\/sh$/);
});
