import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createSyslogLogger, sockaddrUn, syslogLine } from '../../../src/daemon/syslog.js';
import { kernel } from '../../../src/kernel/native.js';
import { waitFor } from '../../integration/harness/topology.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-syslog-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('RFC 3164 line: daemon facility, severity by level, tag with pid', () => {
  const d = new Date(2026, 10, 1, 9, 5, 7);
  assert.equal(syslogLine('info', 'x', d, 42), '<30>Nov  1 09:05:07 vigil[42]: x');
  assert.equal(syslogLine('error', 'x', d, 42).slice(0, 4), '<27>');
  assert.equal(syslogLine('warning', 'x', d, 42).slice(0, 4), '<28>');
});

test('no syslog socket: no syslog logger (the daemon falls back to the console)', () => {
  assert.equal(createSyslogLogger({ detail: false }, join(dir, 'absent')), undefined);
});

test('messages reach a real syslog datagram socket', async () => {
  const k = kernel();
  const path = join(dir, 'log');
  const fd = k.socket(1, 2, 0);
  const got: string[] = [];
  try {
    k.bind(fd, sockaddrUn(path));
    k.watch(fd, (data) => {
      if (data) got.push(data.toString('utf8'));
    });
    const log = createSyslogLogger({ detail: false }, path);
    assert.ok(log);
    log.log('info', '(VI_1) Entering MASTER STATE');
    log.log('debug', 'not shown without -D');
    await waitFor(() => got.some((l) => l.endsWith('(VI_1) Entering MASTER STATE')), { timeoutMs: 2000 });
    assert.match(
      got.at(-1)!,
      /^<30>\w{3} [ \d]\d \d\d:\d\d:\d\d vigil\[\d+\]: \(VI_1\) Entering MASTER STATE$/,
    );
    assert.equal(
      got.some((l) => l.includes('not shown')),
      false,
    );
  } finally {
    k.close(fd);
  }
});
