import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyConnectError, formatPair } from '../../../src/check/checkers/connect.js';
import { tcpOutcome } from '../../../src/check/checkers/tcp.js';

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
