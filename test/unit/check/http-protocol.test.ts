import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  buildRequest,
  compileRegex,
  evaluateResponse,
  extractContentLength,
  extractHtml,
  extractStatusCode,
  HEADER_MAX,
  REQUEST_MAX,
  ResponseReader,
  requestVirtualhost,
  sniName,
  statusAccepted,
  type UrlExpectation,
} from '../../../src/check/checkers/http-protocol.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const md5 = (s: string) => createHash('md5').update(s, 'latin1').digest('hex');
const url = (o: Partial<UrlExpectation> = {}): UrlExpectation => ({
  path: '/',
  digests: [],
  regexNoMatch: false,
  ...o,
});

test('request bytes are keepalived’s template for each http_protocol', () => {
  const base = { path: '/index.html', address: '198.51.100.12', port: 80, family: 'ipv4' as const };
  assert.equal(
    buildRequest(base).toString(),
    'GET /index.html HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 198.51.100.12:80\r\n\r\n',
  );
  assert.equal(
    buildRequest({ ...base, protocol: '1.0C' }).toString(),
    'GET /index.html HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: 198.51.100.12:80\r\n\r\n',
  );
  assert.equal(
    buildRequest({ ...base, protocol: '1.0c' }).toString(),
    buildRequest({ ...base, protocol: '1.0C' }).toString(),
  );
  assert.equal(
    buildRequest({ ...base, protocol: '1.1', virtualhost: 'www.example.com' }).toString(),
    'GET /index.html HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.example.com\r\n\r\n',
  );
  assert.equal(
    buildRequest({ path: '/', address: '2001:db8::12', port: 8080, family: 'ipv6' }).toString(),
    'GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: [2001:db8::12]:8080\r\n\r\n',
  );
  // A virtualhost replaces address and port, IPv6 too.
  assert.match(
    buildRequest({
      path: '/',
      address: '2001:db8::12',
      port: 80,
      family: 'ipv6',
      virtualhost: 'v6.example',
    }).toString(),
    /\r\nHost: v6\.example\r\n\r\n$/,
  );
  // snprintf into keepalived's 2048-byte buffer cuts a giant path.
  assert.equal(buildRequest({ ...base, path: `/${'a'.repeat(5000)}` }).length, REQUEST_MAX);
});

test('Host comes from url, checker, real server, virtual server; SNI skips the real server', () => {
  const all = { url: 'u', checker: 'c', realServer: 'r', virtualServer: 'v' };
  assert.equal(requestVirtualhost(all), 'u');
  assert.equal(requestVirtualhost({ ...all, url: undefined }), 'c');
  assert.equal(requestVirtualhost({ realServer: 'r', virtualServer: 'v' }), 'r');
  assert.equal(requestVirtualhost({ virtualServer: 'v' }), 'v');
  assert.equal(requestVirtualhost({}), undefined);
  assert.equal(sniName(true, all), 'u');
  assert.equal(sniName(true, { ...all, url: undefined }), 'c');
  assert.equal(sniName(true, { realServer: 'r', virtualServer: 'v' }), 'v');
  assert.equal(sniName(true, { realServer: 'r' }), undefined);
  assert.equal(sniName(false, all), undefined);
  assert.equal(sniName(undefined, all), undefined);
});

test('status line: three digits between spaces, else 0', () => {
  assert.equal(extractStatusCode(b('HTTP/1.1 200 OK\r\n\r\n')), 200);
  assert.equal(extractStatusCode(b('HTTP/1.0 503 Service Unavailable\r\n\r\n')), 503);
  assert.equal(extractStatusCode(b('HTTP/1.1 200\r\n\r\n')), 0); // no reason phrase: keepalived reads no code
  assert.equal(extractStatusCode(b('HTTP/1.1  200 OK\r\n\r\n')), 0);
  assert.equal(extractStatusCode(b('HTTP/1.1 20x OK\r\n\r\n')), 0);
  assert.equal(extractStatusCode(b('garbage\r\n\r\n')), 0);
  assert.equal(extractStatusCode(b('HTTP/1.1 2000 OK\r\n\r\n')), 0);
});

test('header end and Content-Length as lib/html.c reads them', () => {
  assert.equal(extractHtml(b('a\r\n\r\nbody')), 5);
  assert.equal(extractHtml(b('a\n\nbody')), -1);
  assert.equal(extractContentLength(b('HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n')), 12);
  assert.equal(extractContentLength(b('HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n')), undefined); // case-sensitive
  assert.equal(extractContentLength(b('HTTP/1.1 200 OK\r\nContent-Length:12\r\n\r\n')), 12);
  assert.equal(extractContentLength(b('HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n')), undefined);
  assert.equal(extractContentLength(b('HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n')), 0);
  assert.equal(extractContentLength(b('HTTP/1.1 200 OK\r\n\r\n')), undefined);
});

test('status_code ranges, default 200-299, 100..599 only', () => {
  assert.ok(statusAccepted(200, undefined));
  assert.ok(statusAccepted(299, undefined));
  assert.ok(!statusAccepted(301, undefined));
  assert.ok(
    statusAccepted(401, [
      [200, 299],
      [401, 401],
    ]),
  );
  assert.ok(!statusAccepted(0, [[0, 999]]));
});

test('reader: header split across reads, MD5 of the body truncated at Content-Length', () => {
  const r = new ResponseReader({ digest: true });
  assert.ok(r.feed(b('HTTP/1.1 200 OK\r\nContent-Le')));
  assert.ok(r.feed(b('ngth: 5\r\n\r\nhel')));
  assert.ok(r.feed(b('lo, and more bytes than announced')));
  const s = r.finish();
  assert.equal(s.extracted, true);
  assert.equal(s.statusCode, 200);
  assert.equal(s.contentLength, 5);
  assert.equal(s.rxBytes, 36);
  assert.equal(s.digest, md5('hello'));
});

test('reader: without Content-Length the whole body is hashed; an empty body hashes to MD5("")', () => {
  const r = new ResponseReader({ digest: true });
  r.feed(b('HTTP/1.0 200 OK\r\n\r\nab'));
  r.feed(b('cd'));
  assert.equal(r.finish().digest, md5('abcd'));
  const e = new ResponseReader({ digest: true });
  e.feed(b('HTTP/1.0 200 OK\r\n\r\n'));
  assert.equal(e.finish().digest, 'd41d8cd98f00b204e9800998ecf8427e');
});

test('reader: a header that does not end within 4095 bytes stops the read (no data)', () => {
  const r = new ResponseReader({ digest: false });
  assert.ok(r.feed(b(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(HEADER_MAX - 100)}`)));
  assert.equal(r.feed(b('a'.repeat(200))), false);
  assert.equal(r.finish().extracted, false);
  // Exactly at the limit still counts.
  const head = `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(HEADER_MAX - 24)}\r\n\r\n`;
  assert.equal(head.length, HEADER_MAX);
  const ok = new ResponseReader({ digest: false });
  assert.ok(ok.feed(b(`${head}body`)));
  assert.equal(ok.finish().extracted, true);
});

test('reader: regex across reads, and over the header with the first body bytes', () => {
  const r = new ResponseReader({ digest: false, regex: /needle in/ });
  r.feed(b('HTTP/1.0 200 OK\r\n\r\n'));
  r.feed(b('x'.repeat(10000)));
  r.feed(b('a need'));
  r.feed(b('le in a haystack'));
  assert.equal(r.finish().regexMatched, true);
  const h = new ResponseReader({ digest: false, regex: /Server: nginx/ });
  h.feed(b('HTTP/1.0 200 OK\r\nServer: nginx\r\n\r\nbody'));
  assert.equal(h.finish().regexMatched, true);
  const n = new ResponseReader({ digest: false, regex: /absent/ });
  n.feed(b('HTTP/1.0 200 OK\r\n\r\nbody'));
  assert.equal(n.finish().regexMatched, false);
});

test('verdict order and keepalived’s phrases', () => {
  const ok = (head: string, body: string, o: { regex?: RegExp } = {}) => {
    const r = new ResponseReader({ digest: true, ...o });
    r.feed(b(head + body));
    return r.finish();
  };
  const good = ok('HTTP/1.1 200 OK\r\n\r\n', 'page');
  assert.deepEqual(evaluateResponse(good, url()), { ok: true, detail: 'HTTP status code success url(/)' });
  assert.deepEqual(evaluateResponse(good, url({ digests: [md5('page')] })), {
    ok: true,
    detail: 'MD5 digest success url(/)',
  });
  assert.deepEqual(evaluateResponse(good, url({ digests: [md5('page').toUpperCase()] })).ok, true);
  assert.deepEqual(evaluateResponse(good, url({ digests: [md5('other')] })), {
    ok: false,
    reason: 'MD5 digest error to',
  });
  const bad = ok('HTTP/1.1 503 Unavailable\r\n\r\n', 'page');
  assert.deepEqual(evaluateResponse(bad, url({ digests: [md5('other')] })), {
    ok: false,
    reason: 'HTTP status code error to',
  });
  assert.equal(evaluateResponse(bad, url({ statusCode: [[500, 599]] })).ok, true);
  const none = new ResponseReader({ digest: true });
  none.feed(b('HTTP/1.1 200 OK\r\n'));
  assert.deepEqual(evaluateResponse(none.finish(), url()), {
    ok: false,
    reason: 'Read, no data received from',
  });
  const withRe = ok('HTTP/1.1 200 OK\r\n\r\n', 'status: healthy', { regex: /healthy/ });
  assert.equal(evaluateResponse(withRe, url({ regex: /healthy/ })).ok, true);
  assert.deepEqual(evaluateResponse(withRe, url({ regex: /healthy/, regexNoMatch: true })), {
    ok: false,
    reason: 'Regex match failed',
  });
});

test('regex: PCRE2 leading inline options become RegExp flags', () => {
  assert.ok(compileRegex('(?i)HEALTHY').test('status: healthy'));
  assert.ok(compileRegex('(?is)a.b').test('A\nB'));
  assert.ok(!compileRegex('HEALTHY').test('healthy'));
  assert.ok(compileRegex('ok|fine').test('all fine'));
  assert.throws(() => compileRegex('(unclosed'), SyntaxError);
});
