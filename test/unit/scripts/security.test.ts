import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkScriptSecurity,
  insecurity,
  needsSecurityCheck,
  type PathStat,
  pathPrefixes,
} from '../../../src/scripts/security.js';

const dir = (mode = 0o755, uid = 0, gid = 0): PathStat => ({ kind: 'directory', mode, uid, gid });
const file = (mode = 0o755, uid = 0, gid = 0): PathStat => ({ kind: 'file', mode, uid, gid });

function host(tree: Record<string, PathStat>, links: Record<string, string> = {}) {
  return { lstat: (p: string) => tree[p], realpath: (p: string) => links[p] };
}

const secureTree = {
  '/': dir(),
  '/etc': dir(),
  '/etc/keepalived': dir(),
  '/etc/keepalived/check.sh': file(),
};

test('pathPrefixes lists / and every parent in order', () => {
  assert.deepEqual(pathPrefixes('/etc/keepalived/check.sh'), [
    '/',
    '/etc',
    '/etc/keepalived',
    '/etc/keepalived/check.sh',
  ]);
  assert.deepEqual(pathPrefixes('/a//b/'), ['/', '/a', '/a/b']);
});

test('insecurity: owner, group write with non-root group, world write, sticky directories', () => {
  assert.equal(insecurity(file()), undefined);
  assert.match(insecurity(file(0o755, 1000)) ?? '', /owned by uid 1000/);
  assert.equal(insecurity(file(0o775, 0, 0)), undefined, 'group root may write');
  assert.match(insecurity(file(0o775, 0, 50)) ?? '', /writable by group 50/);
  assert.match(insecurity(file(0o757)) ?? '', /writable by everyone/);
  assert.equal(insecurity(dir(0o1777)), undefined, 'sticky /tmp-like directory');
  assert.match(insecurity(dir(0o777)) ?? '', /everyone/);
  assert.match(
    insecurity(dir(0o1777, 1000)) ?? '',
    /owned by uid 1000/,
    'sticky does not excuse a non-root owner',
  );
});

test('a secure script passes', () => {
  assert.deepEqual(checkScriptSecurity('/etc/keepalived/check.sh', host(secureTree)), { ok: true });
});

test('a writable directory above the script is named in the refusal', () => {
  const v = checkScriptSecurity(
    '/etc/keepalived/check.sh',
    host({ ...secureTree, '/etc/keepalived': dir(0o777) }),
  );
  assert.equal(v.ok, false);
  if (!v.ok) {
    assert.equal(v.kind, 'insecure');
    assert.equal(v.path, '/etc/keepalived');
    assert.match(v.reason, /'\/etc\/keepalived' is insecure: writable by everyone/);
  }
});

test('a script owned by a user is refused', () => {
  const v = checkScriptSecurity(
    '/etc/keepalived/check.sh',
    host({ ...secureTree, '/etc/keepalived/check.sh': file(0o755, 1000) }),
  );
  assert.equal(v.ok, false);
  if (!v.ok) assert.equal(v.path, '/etc/keepalived/check.sh');
});

test('missing component, file in the middle, non-regular final, relative path', () => {
  const missing = checkScriptSecurity('/etc/nope/check.sh', host(secureTree));
  assert.equal(missing.ok === false && missing.kind, 'not-found');
  const mid = checkScriptSecurity('/etc/keepalived/check.sh/x', host(secureTree));
  assert.equal(mid.ok === false && mid.kind, 'wrong-type');
  const fin = checkScriptSecurity('/etc/keepalived', host(secureTree));
  assert.equal(fin.ok === false && fin.kind, 'wrong-type');
  const rel = checkScriptSecurity('check.sh', host(secureTree));
  assert.equal(rel.ok === false && rel.kind, 'not-found');
});

test('symlinks: root-owned links are followed and the target checked', () => {
  const tree = {
    ...secureTree,
    '/bin': { kind: 'symlink', mode: 0o777, uid: 0, gid: 0 } as PathStat,
    '/usr': dir(),
    '/usr/bin': dir(),
    '/usr/bin/true': file(),
    '/home': dir(),
    '/home/u': dir(0o755, 1000),
    '/home/u/t': file(),
  };
  assert.deepEqual(checkScriptSecurity('/bin/true', host(tree, { '/bin/true': '/usr/bin/true' })), {
    ok: true,
  });
  const bad = checkScriptSecurity('/bin/true', host(tree, { '/bin/true': '/home/u/t' }));
  assert.equal(bad.ok === false && bad.path, '/home/u');
  const userLink = checkScriptSecurity(
    '/bin/true',
    host({ ...tree, '/bin': { kind: 'symlink', mode: 0o777, uid: 5, gid: 0 } }),
  );
  assert.equal(userLink.ok === false && userLink.kind, 'insecure');
  const dangling = checkScriptSecurity('/bin/true', host(tree, {}));
  assert.equal(dangling.ok === false && dangling.kind, 'not-found');
});

test('only scripts run as root are checked, and only with enable_script_security', () => {
  assert.equal(needsSecurityCheck(true, 0), true);
  assert.equal(needsSecurityCheck(true, 1000), false);
  assert.equal(needsSecurityCheck(false, 0), false);
});
