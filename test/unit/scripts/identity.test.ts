import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAccounts, resolveScriptIdentity } from '../../../src/scripts/identity.js';

const passwd = `root:x:0:0:root:/root:/bin/bash
# comment
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
broken:x:zz:1
keepalived_script:x:999:998::/:/usr/sbin/nologin
`;
const group = 'root:x:0:\nnogroup:x:65534:\nwheel:x:10:a,b\nbad\n';
const self = { uid: 0, gid: 0 };

test('parseAccounts skips malformed lines and comments', () => {
  const db = parseAccounts(passwd, group);
  assert.deepEqual([...db.users.keys()], ['root', 'nobody', 'keepalived_script']);
  assert.equal(db.groups.get('wheel'), 10);
  assert.equal(db.groups.has('bad'), false);
});

test('identity order: the script user, then script_user, then keepalived_script, then self', () => {
  const db = parseAccounts(passwd, group);
  const r1 = resolveScriptIdentity(db, { user: 'nobody', scriptUser: 'root', self });
  assert.deepEqual(r1, { ok: true, identity: { uid: 65534, gid: 65534 }, user: 'nobody' });
  const r2 = resolveScriptIdentity(db, { scriptUser: 'nobody', scriptGroup: 'wheel', self });
  assert.deepEqual(r2, { ok: true, identity: { uid: 65534, gid: 10 }, user: 'nobody' });
  const r3 = resolveScriptIdentity(db, { self });
  assert.deepEqual(r3, { ok: true, identity: { uid: 999, gid: 998 }, user: 'keepalived_script' });
  const noKs = parseAccounts('root:x:0:0::/:/bin/sh\n', group);
  assert.deepEqual(resolveScriptIdentity(noKs, { self: { uid: 5, gid: 6 } }), {
    ok: true,
    identity: { uid: 5, gid: 6 },
    user: 'self',
  });
});

test('unknown users and groups are reasons, numeric ids are accepted', () => {
  const db = parseAccounts(passwd, group);
  assert.deepEqual(resolveScriptIdentity(db, { user: 'ghost', self }), {
    ok: false,
    reason: "unknown user 'ghost'",
  });
  assert.deepEqual(resolveScriptIdentity(db, { user: 'root', group: 'ghosts', self }), {
    ok: false,
    reason: "unknown group 'ghosts'",
  });
  assert.deepEqual(resolveScriptIdentity(db, { user: '4242', group: '77', self }), {
    ok: true,
    identity: { uid: 4242, gid: 77 },
    user: '4242',
  });
  assert.equal(resolveScriptIdentity(db, { user: '4242', self }).ok, false, 'a bare uid has no group');
});
