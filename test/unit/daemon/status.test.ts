import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { formatStatus } from '../../../src/daemon/status-format.js';
import { startStatusServer } from '../../../src/daemon/status-server.js';
import { type StatusReport, statusSocketPath } from '../../../src/daemon/status-types.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-status-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const report: StatusReport = {
  pid: 42,
  configFile: '/etc/keepalived/keepalived.conf',
  startedAt: '2026-11-21T00:00:00.000Z',
  instances: [
    {
      name: 'VI_1',
      state: 'MASTER',
      vrid: 51,
      version: 2,
      interface: 'eth0',
      effectivePriority: 102,
      basePriority: 100,
      vips: ['192.0.2.100/32'],
      masterAddress: '192.0.2.11',
      lastTransition: { at: '2026-11-21T00:00:03.600Z', reason: 'master-down timer expired' },
      counters: { advertsSent: 3 },
    },
  ],
  virtualServers: [
    {
      name: '[192.0.2.100]:tcp:80',
      address: '192.0.2.100',
      port: 80,
      protocol: 'TCP',
      fwmark: null,
      quorumUp: false,
      sorryServerActive: true,
      realServers: [
        {
          address: '198.51.100.1',
          port: 80,
          weight: 2,
          effectiveWeight: 5,
          alive: true,
          checkers: [{ type: 'MISC_CHECK', ok: true, reason: null, lastRunAt: '2026-11-21T00:00:04.000Z' }],
        },
        {
          address: '2001:db8::2',
          port: 80,
          weight: 1,
          effectiveWeight: 1,
          alive: false,
          checkers: [
            {
              type: 'TCP_CHECK',
              ok: false,
              reason: 'connection refused',
              lastRunAt: '2026-11-21T00:00:04.000Z',
            },
          ],
        },
      ],
    },
  ],
};

test('status socket path sits beside the pid file', () => {
  assert.equal(statusSocketPath('/run/vigil.pid'), '/run/vigil.sock');
  assert.equal(statusSocketPath('/tmp/x'), '/tmp/x.sock');
});

test('status server answers with JSON over an owner-only unix socket', async () => {
  const path = join(dir, 's.sock');
  const server = await startStatusServer(path, async () => report);
  try {
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const text = await new Promise<string>((resolve, reject) => {
      const c = connect(path);
      let buf = '';
      c.on('connect', () => c.write('status\n'));
      c.on('data', (d) => {
        buf += d;
      });
      c.on('end', () => resolve(buf));
      c.on('error', reject);
    });
    assert.deepEqual(JSON.parse(text), report);
  } finally {
    await server.close();
  }
});

test('status socket is created owner-only under a permissive umask, and the umask is restored', async () => {
  const path = join(dir, 'umask.sock');
  const saved = process.umask(0); // the most permissive: bind alone would create the file 0777
  try {
    const server = await startStatusServer(path, async () => report);
    try {
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(process.umask(0), 0, 'startStatusServer must put the umask back');
    } finally {
      await server.close();
    }
  } finally {
    process.umask(saved);
  }
});

test('readable status names instance, state, priorities, master and reason', () => {
  const s = formatStatus(report);
  for (const part of [
    'VI_1',
    'MASTER',
    '102',
    '100',
    '192.0.2.11',
    '192.0.2.100/32',
    'master-down timer expired',
  ]) {
    assert.ok(s.includes(part), part);
  }
});

test('readable status has a row per real server under its virtual server', () => {
  const lines = formatStatus(report).split('\n');
  const header = lines.findIndex((l) => l.startsWith('VIRTUAL SERVER'));
  assert.ok(header > 0);
  assert.match(
    lines[header + 1]!,
    /^\[192\.0\.2\.100\]:tcp:80 +down \(sorry server\) +198\.51\.100\.1:80 +yes +5 \(2\) +MISC_CHECK ok$/,
  );
  assert.match(lines[header + 2]!, /^ +\[2001:db8::2\]:80 +no +1 +TCP_CHECK FAILED \(connection refused\)$/);
});
