import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  SmtpDialogue,
  SmtpLineReader,
  smtpConnectReason,
  smtpStatus,
} from '../../../src/check/checkers/smtp.js';

test('status: three digits then a space or the end, as smtp_get_status', () => {
  assert.equal(smtpStatus('220 mail.example ESMTP'), 220);
  assert.equal(smtpStatus('220'), 220);
  assert.equal(smtpStatus('220-mail.example ESMTP'), -1); // multi-line banner
  assert.equal(smtpStatus('220\r'), -1); // the \r stays on the line
  assert.equal(smtpStatus('2200 x'), -1);
  assert.equal(smtpStatus('ab'), -1);
  assert.equal(smtpStatus(''), -1);
});

test('line reader: a line ends at the first \\n of a read; the rest of that read is dropped', () => {
  const r = new SmtpLineReader();
  assert.equal(r.push(Buffer.from('220 hel')), undefined);
  assert.equal(r.push(Buffer.from('lo\r\n250 dropped\r\n')), '220 hello\r');
  const o = new SmtpLineReader();
  assert.equal(o.push(Buffer.from('x'.repeat(600))), undefined);
  assert.equal(o.overflows, 1);
  assert.equal(o.push(Buffer.from('220 ok\n')), `${'x'.repeat(89)}220 ok`);
});

test('dialogue: banner 220, HELO, 250, QUIT, any line', () => {
  const d = new SmtpDialogue('smtpchecker.keepalived.org', '[198.51.100.12]:25');
  assert.deepEqual(d.onLine('220 mx ESMTP'), { send: 'HELO smtpchecker.keepalived.org\r\n' });
  assert.deepEqual(d.onLine('250 mx'), { send: 'QUIT\r\n' });
  assert.deepEqual(d.onLine('221 bye'), {
    outcome: { ok: true, detail: 'Remote SMTP server succeed on service' },
  });
});

test('dialogue failures use keepalived’s words and the [ip]:port of the connect address', () => {
  const s = '[198.51.100.12]:25';
  assert.deepEqual(new SmtpDialogue('h', s).onLine('220-mx ESMTP'), {
    outcome: { ok: false, reason: 'Bad greeting banner from server [198.51.100.12]:25' },
  });
  const d = new SmtpDialogue('h', s);
  d.onLine('220 mx');
  assert.deepEqual(d.onLine('501 no'), {
    outcome: { ok: false, reason: 'Bad HELO response from server [198.51.100.12]:25' },
  });
  assert.equal(
    smtpConnectReason({ ok: false, class: 'timeout' }, '198.51.100.12', s),
    `Connection timeout to server ${s}`,
  );
  assert.equal(
    smtpConnectReason({ ok: false, class: 'fail' }, '198.51.100.12', s),
    `Could not connect to server ${s}`,
  );
  assert.equal(
    smtpConnectReason({ ok: false, class: 'unreachable' }, '198.51.100.12', s),
    'Network unreachable for server 198.51.100.12',
  );
});
