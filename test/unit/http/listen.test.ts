import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs } from '../../../src/cli/args.js';
import { parseHttpListen } from '../../../src/http/listen.js';

test('--http takes loopback addresses, IPv4 and IPv6, and localhost', () => {
  assert.deepEqual(parseHttpListen('127.0.0.1:9100', false), {
    host: '127.0.0.1',
    port: 9100,
    loopback: true,
  });
  assert.deepEqual(parseHttpListen('[::1]:80', false), { host: '::1', port: 80, loopback: true });
  assert.deepEqual(parseHttpListen('localhost:9100', false), {
    host: '127.0.0.1',
    port: 9100,
    loopback: true,
  });
  assert.deepEqual(parseHttpListen('127.8.9.10:1', false), { host: '127.8.9.10', port: 1, loopback: true });
});

test('--http on any other address needs --http-allow-remote', () => {
  const e = parseHttpListen('192.0.2.1:9100', false);
  assert.ok(e instanceof Error);
  assert.match(e.message, /not a loopback address: add --http-allow-remote/);
  assert.deepEqual(parseHttpListen('192.0.2.1:9100', true), {
    host: '192.0.2.1',
    port: 9100,
    loopback: false,
  });
  assert.deepEqual(parseHttpListen('[::]:9100', true), { host: '::', port: 9100, loopback: false });
  assert.ok(parseHttpListen('0.0.0.0:9100', false) instanceof Error);
});

test('--http rejects what is not ADDR:PORT', () => {
  for (const bad of [
    '9100',
    '127.0.0.1',
    '127.0.0.1:0',
    '127.0.0.1:65536',
    '::1:9100',
    '[127.0.0.1]:80',
    'example.com:80',
    ':80',
  ])
    assert.ok(parseHttpListen(bad, true) instanceof Error, bad);
});

test('the daemon flags: --http off by default; errors are errors, not exceptions', () => {
  const off = parseArgs(['-n']);
  assert.ok(!(off instanceof Error) && off.command === 'daemon');
  assert.equal(off.http, undefined);
  const on = parseArgs(['--http', '[::1]:9100']);
  assert.ok(!(on instanceof Error) && on.command === 'daemon');
  assert.deepEqual(on.http, { host: '::1', port: 9100, loopback: true });
  const remote = parseArgs(['--http=0.0.0.0:9100', '--http-allow-remote']);
  assert.ok(!(remote instanceof Error) && remote.command === 'daemon');
  assert.equal(remote.http?.loopback, false);
  assert.match(String(parseArgs(['--http=192.0.2.1:80'])), /--http-allow-remote/);
  assert.match(String(parseArgs(['--http-allow-remote'])), /needs --http/);
  assert.match(String(parseArgs(['--http'])), /needs a value/);
});
