import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyConnectError, formatPair } from '../../../src/check/checkers/connect.js';
import { httpCheck, sslCheck } from '../../../src/check/checkers/http.js';
import { smtpCheck } from '../../../src/check/checkers/smtp.js';
import { tcpCheck, tcpOutcome } from '../../../src/check/checkers/tcp.js';
import type { CheckerModule } from '../../../src/check/types.js';
import type { CheckerType } from '../../../src/config/model.js';

test('connect errors fall into keepalived’s classes', () => {
  assert.equal(classifyConnectError('ECONNREFUSED', 'connect'), 'fail');
  assert.equal(classifyConnectError('EHOSTUNREACH', 'connect'), 'fail');
  assert.equal(classifyConnectError('ETIMEDOUT', 'connect'), 'timeout');
  assert.equal(classifyConnectError('ENETUNREACH', 'connect'), 'unreachable');
  assert.equal(classifyConnectError('EADDRNOTAVAIL', 'bind'), 'error');
  assert.equal(classifyConnectError('EPERM', 'setsockopt'), 'error');
  assert.equal(classifyConnectError('EINVAL', 'connect'), 'error');
});

test('TCP_CHECK reasons start with keepalived’s word', () => {
  assert.deepEqual(tcpOutcome({ ok: false, class: 'timeout' }), { ok: false, reason: 'timeout' });
  assert.deepEqual(tcpOutcome({ ok: false, class: 'fail', code: 'ECONNREFUSED' }), {
    ok: false,
    reason: 'failed (ECONNREFUSED)',
  });
  assert.deepEqual(tcpOutcome({ ok: false, class: 'error', code: 'EADDRNOTAVAIL' }), {
    ok: false,
    reason: 'socket bind failed (EADDRNOTAVAIL)',
  });
  assert.equal(formatPair('2001:db8::1', 25), '[2001:db8::1]:25');
});

test('every module is a CheckerModule of its one type (what a registry keyed by type needs)', () => {
  type AnyCheckerModule = { [T in CheckerType]: CheckerModule<T> }[CheckerType];
  const modules: AnyCheckerModule[] = [tcpCheck, httpCheck, sslCheck, smtpCheck];
  assert.deepEqual(
    modules.map((m) => m.type),
    ['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'SMTP_CHECK'],
  );
  assert.deepEqual(
    modules.map((m) => m.defaults),
    [
      { retry: 1, delayBeforeRetryMs: 1000 },
      { retry: 1, delayBeforeRetryMs: 3000 },
      { retry: 1, delayBeforeRetryMs: 3000 },
      { retry: 1, delayBeforeRetryMs: 1000 },
    ],
  );
});

test('the plan gives HTTP checkers the real and virtual servers’ virtualhost and the SSL block', async () => {
  const { planOf } = await import('./helpers.js');
  const plan = planOf(
    [
      'SSL {',
      '  certificate /etc/vigil/client.pem',
      '  key /etc/vigil/client.key',
      '}',
      'virtual_server 192.0.2.100 443 {',
      '  protocol TCP',
      '  virtualhost vs.example',
      '  real_server 198.51.100.1 443 {',
      '    virtualhost rs.example',
      '    SSL_GET {',
      '      url {',
      '        path /',
      '      }',
      '    }',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const ctx = plan.virtualServers[0]?.realServers[0]?.checkers[0]?.context;
  assert.equal(ctx?.realServerVirtualhost, 'rs.example');
  assert.equal(ctx?.virtualServerVirtualhost, 'vs.example');
  assert.deepEqual(ctx?.ssl, { certificate: '/etc/vigil/client.pem', key: '/etc/vigil/client.key' });
});
