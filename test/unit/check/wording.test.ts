import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failureLine } from '../../../src/check/wording.js';

const RS = '[198.51.100.1]:tcp:80';
const VS = '[192.0.2.100]:tcp:80';
const ctx = (reason: string, hasRun = true) => ({
  rs: RS,
  vs: VS,
  retry: 2,
  hasRun,
  reason,
  script: '/bin/chk',
});
const up = { isUp: true, final: false, n: 1 };

test("log_all_failures: keepalived 2.2.7's per-attempt line for each checker", () => {
  const cases: [Parameters<typeof failureLine>, string | undefined][] = [
    [['TCP_CHECK', ctx('timeout'), up], `TCP connection to ${RS} timeout.`],
    [['TCP_CHECK', ctx('failed (ECONNREFUSED)'), { ...up, final: true }], `TCP connection to ${RS} failed.`],
    [['UDP_CHECK', ctx('reply data mismatch: length 3'), up], `UDP check to ${RS} reply data mismatch.`],
    [['UDP_CHECK', ctx('connection failed (port unreachable)'), up], `UDP connection to ${RS} failed.`],
    [['PING_CHECK', ctx('no echo reply (timeout)'), up], `ICMP connection to address ${RS} timeout.`],
    [['PING_CHECK', ctx('send failed (EPERM)'), up], `ICMP connection to ${RS} of ${VS} failed.`],
    [['HTTP_GET', ctx('Timeout connecting'), { ...up, final: true }], `Timeout connecting server ${RS}.`],
    [['SSL_GET', ctx('Read, no data received from'), up], `Read, no data received from  server ${RS}.`],
    [['DNS_CHECK', ctx('read timeout from socket'), up], `DNS_CHECK (${RS}) read timeout from socket`],
    [['DNS_CHECK', ctx('read timeout from socket'), { ...up, final: true }], undefined],
    [
      ['SMTP_CHECK', ctx('Bad greeting banner from server [198.51.100.1]:25'), up],
      'SMTP_CHECK Bad greeting banner from server [198.51.100.1]:25',
    ],
    [
      ['MISC_CHECK', ctx('exited with status 1'), up],
      `Misc check for [${RS} VS ${VS}] by [/bin/chk] failed, will do 2 retries (exited with status 1).`,
    ],
    [
      ['MISC_CHECK', ctx('timed out'), { ...up, n: 2 }],
      `Misc check for [${RS} VS ${VS}] by [/bin/chk] timed out on retry 1/2.`,
    ],
    [['FILE_CHECK', ctx('x'), up], undefined],
  ];
  for (const [args, want] of cases) assert.equal(failureLine(...args), want, args[0]);
  // A checker that is down already: TCP/UDP/PING say nothing; the others only before their first verdict.
  const down = { isUp: false, final: false, n: 1 };
  assert.equal(failureLine('TCP_CHECK', ctx('timeout', false), down), undefined);
  assert.equal(failureLine('HTTP_GET', ctx('Timeout connecting'), down), undefined);
  assert.equal(
    failureLine('HTTP_GET', ctx('Timeout connecting', false), down),
    `Timeout connecting server ${RS}.`,
  );
});
