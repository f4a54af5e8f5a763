/** `vigil -t` script security with a full lstat: directories above the script are checked too. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryConfigSource } from '../../../src/config/fs-source.js';
import { loadConfigText } from '../../../src/config/load.js';
import type { HostFacts } from '../../../src/config/validate.js';
import type { PathStat } from '../../../src/scripts/security.js';

const conf = `
global_defs {
  enable_script_security
  script_user root
}
vrrp_script chk {
  script "/etc/keepalived/chk.sh"
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
}`;

const d = (mode: number, uid = 0): PathStat => ({ kind: 'directory', mode, uid, gid: 0 });

function check(tree: Record<string, PathStat>) {
  const host: HostFacts = {
    interfaces: ['eth0'],
    inspectFile: (p) =>
      tree[p] ? { isFile: tree[p].kind === 'file', mode: tree[p].mode, uid: tree[p].uid } : undefined,
    userExists: () => false,
    isRoot: true,
    lstat: (p) => tree[p],
  };
  const r = loadConfigText(conf, 'k.conf', { configId: 'k', source: memoryConfigSource({}), host });
  return r.diagnostics.filter((x) => x.code === 'script-insecure').map((x) => x.message);
}

const base: Record<string, PathStat> = {
  '/': d(0o755),
  '/etc': d(0o755),
  '/etc/keepalived': d(0o755),
  '/etc/keepalived/chk.sh': { kind: 'file', mode: 0o755, uid: 0, gid: 0 },
};

test('a secure path passes', () => {
  assert.deepEqual(check(base), []);
});

test('a directory owned by a user above a root-owned script is reported by name', () => {
  const msgs = check({ ...base, '/etc/keepalived': d(0o755, 1000) });
  assert.equal(msgs.length, 1);
  assert.match(msgs[0] ?? '', /vrrp_script chk: '\/etc\/keepalived' is insecure: owned by uid 1000/);
});
