import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs, buildMessage, defaultFrom, parseReplies, rfc822Date } from '../../../src/notify/mail.js';

test('rfc822Date', () => {
  assert.equal(rfc822Date(new Date(Date.UTC(2026, 10, 21, 22, 7, 5))), 'Sat, 21 Nov 2026 22:07:05 +0000');
});

test('buildMessage: headers, CRLF, dot-stuffing, terminator, no header injection', () => {
  const msg = buildMessage({
    from: 'root@lb1',
    to: ['a@example.com', 'b@example.com'],
    subject: '[lb1] VRRP Instance VI_1 - Entering MASTER state\r\nBcc: evil@example.com',
    body: 'line one\n.dot line',
    date: new Date(Date.UTC(2026, 0, 1)),
  });
  assert.equal(
    msg,
    'Date: Thu, 01 Jan 2026 00:00:00 +0000\r\nFrom: root@lb1\r\n' +
      'Subject: [lb1] VRRP Instance VI_1 - Entering MASTER state Bcc: evil@example.com\r\n' +
      'X-Mailer: vigil\r\nTo: a@example.com, b@example.com\r\n\r\nline one\r\n..dot line\r\n.\r\n',
  );
});

test('parseReplies: single and multi-line replies, partial lines kept', () => {
  assert.deepEqual(parseReplies('220 hi\r\n'), { codes: [220], rest: '' });
  assert.deepEqual(parseReplies('250-one\r\n250-two\r\n250 three\r\n354'), { codes: [250], rest: '354' });
  assert.deepEqual(parseReplies('221\r\n'), { codes: [221], rest: '' });
});

test('backoff doubles and is capped; default from', () => {
  assert.deepEqual(
    [1, 2, 3, 4].map((a) => backoffMs(a, 1000)),
    [1000, 2000, 4000, 8000],
  );
  assert.equal(backoffMs(20, 1000), 60_000);
  assert.equal(defaultFrom('root', 'lb1'), 'root@lb1');
});
