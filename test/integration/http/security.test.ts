/**
 * The HTTP API's limits, tried one by one against a real server on loopback: only GET and HEAD,
 * bounded URL and headers, a connection limit, slow clients timed out, a Host check on loopback,
 * and the event stream's replay and live delivery. The daemon's sources are stand-ins here; the
 * dashboard test (dashboard.test.ts) runs the real daemon.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { StatusReport } from '../../../src/daemon/status-types.js';
import { EventLog } from '../../../src/http/events.js';
import { DEFAULT_HTTP_LIMITS, type HttpServer, startHttpServer } from '../../../src/http/server.js';
import { waitFor } from '../harness/topology.js';

const STATUS: StatusReport = {
  pid: 42,
  configFile: '/x.conf',
  startedAt: 'now',
  instances: [],
  virtualServers: [],
};
const LIMITS = {
  ...DEFAULT_HTTP_LIMITS,
  maxConnections: 4,
  headersTimeoutMs: 400,
  requestTimeoutMs: 800,
  timeoutCheckMs: 100,
};

/** Sends `text`, returns everything the server wrote until it closed (or '' when it dropped us). */
function exchange(port: number, text: string | Buffer, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; got ${JSON.stringify(out.slice(0, 200))}`));
    }, timeoutMs);
    s.on('data', (d) => {
      out += d.toString('latin1');
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    s.write(text);
  });
}

const get = (path: string, extra = '') =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}\r\n`;
const statusLine = (r: string) => r.split('\r\n', 1)[0];

describe('HTTP API security limits on loopback', { timeout: 60_000 }, () => {
  let server: HttpServer;
  let port: number;
  const events = new EventLog(10);
  const open: Socket[] = [];

  before(async () => {
    server = await startHttpServer({ host: '127.0.0.1', port: 0, loopback: true }, LIMITS);
    port = server.address.port;
    server.serve({
      status: async () => STATUS,
      metrics: async () => ({ contentType: 'text/plain; version=0.0.4', text: 'vigil_up 1\n' }),
      events,
    });
  });
  after(async () => {
    for (const s of open) s.destroy();
    await server?.close();
  });

  test('GET and HEAD answer; the status is the JSON of vigil status --json', async () => {
    const r = await exchange(port, get('/api/v1/status'));
    assert.equal(statusLine(r), 'HTTP/1.1 200 OK');
    assert.deepEqual(JSON.parse(r.split('\r\n\r\n')[1]!), STATUS);
    assert.match(r, /cache-control: no-store/i);
    const h = await exchange(port, get('/metrics').replace('GET', 'HEAD'));
    assert.equal(statusLine(h), 'HTTP/1.1 200 OK');
    assert.match(h, /content-length: 11/i);
    assert.equal(h.split('\r\n\r\n')[1], '', 'HEAD has no body');
    assert.equal(statusLine(await exchange(port, get('/nope'))), 'HTTP/1.1 404 Not Found');
  });

  test('the dashboard may run only its own inline script', async () => {
    const r = await exchange(port, get('/'));
    assert.equal(statusLine(r), 'HTTP/1.1 200 OK');
    assert.match(r, /content-security-policy: default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'/i);
    assert.match(r, /<script>/);
    assert.doesNotMatch(r, /<script src|<link /, 'no external asset');
  });

  test('POST, PUT, DELETE: 405 with Allow: GET, HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const r = await exchange(
        port,
        `${method} /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}`,
      );
      assert.equal(statusLine(r), 'HTTP/1.1 405 Method Not Allowed', method);
      assert.match(r, /\r\nallow: GET, HEAD\r\n/i);
    }
  });

  test('a huge URL: 414; beyond the header limit: 431', async () => {
    assert.equal(statusLine(await exchange(port, get(`/${'a'.repeat(4000)}`))), 'HTTP/1.1 414 URI Too Long');
    assert.equal(
      statusLine(await exchange(port, get(`/${'a'.repeat(20_000)}`))),
      'HTTP/1.1 431 Request Header Fields Too Large',
    );
  });

  test('huge headers: 431', async () => {
    const r = await exchange(port, get('/api/v1/status', `X-Big: ${'b'.repeat(16_000)}\r\n`));
    assert.equal(statusLine(r), 'HTTP/1.1 431 Request Header Fields Too Large');
    const many = Array.from({ length: 400 }, (_, i) => `X-H${i}: ${'c'.repeat(30)}\r\n`).join('');
    assert.equal(
      statusLine(await exchange(port, get('/api/v1/status', many))),
      'HTTP/1.1 431 Request Header Fields Too Large',
    );
  });

  test('a client that sends its headers too slowly is answered 408 and closed', async () => {
    const t0 = Date.now();
    const s = connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => {
      out += d.toString();
    });
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    s.on('error', () => undefined);
    s.write('GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    // Trickle a header line every 100 ms, never finishing the request (slowloris).
    const drip = setInterval(() => s.writable && s.write('X-Slow: 1\r\n'), 100);
    await closed;
    clearInterval(drip);
    const took = Date.now() - t0;
    assert.equal(statusLine(out), 'HTTP/1.1 408 Request Timeout');
    assert.ok(
      took >= LIMITS.headersTimeoutMs && took < LIMITS.headersTimeoutMs + 2000,
      `closed after ${took} ms`,
    );
  });

  test('more connections than the limit: the extra one is dropped, the others still served', async () => {
    for (let i = 0; i < LIMITS.maxConnections; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      open.push(s);
      await new Promise((r) => s.once('connect', r));
    }
    // node counts them once it has accepted them.
    await waitFor(async () => (await exchange(port, get('/api/v1/status'))) === '', {
      timeoutMs: 3000,
      intervalMs: 50,
      message: 'connection over the limit dropped',
    });
    for (const s of open.splice(0)) s.destroy();
    await waitFor(async () => statusLine(await exchange(port, get('/api/v1/status'))) === 'HTTP/1.1 200 OK', {
      timeoutMs: 3000,
      intervalMs: 50,
      message: 'served again once the others left',
    });
  });

  test('bound to loopback, a request for another host name is refused (DNS rebinding)', async () => {
    const r = await exchange(
      port,
      'GET /api/v1/status HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n',
    );
    assert.equal(statusLine(r), 'HTTP/1.1 403 Forbidden');
    assert.equal(
      statusLine(await exchange(port, get('/api/v1/status').replace('127.0.0.1', 'localhost:9'))),
      'HTTP/1.1 200 OK',
    );
  });

  test('the event stream replays the ring after Last-Event-ID, then sends new events as they happen', async () => {
    events.publish({ kind: 'reload', ok: true, reason: 'one' });
    events.publish({ kind: 'reload', ok: true, reason: 'two' });
    const s = connect(port, '127.0.0.1');
    open.push(s);
    let out = '';
    s.on('data', (d) => {
      out += d.toString();
    });
    s.write('GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nLast-Event-ID: 1\r\n\r\n');
    await waitFor(() => out.includes('"two"'), { timeoutMs: 3000, message: 'replay' });
    assert.match(out, /content-type: text\/event-stream/i);
    assert.doesNotMatch(out, /"one"/, 'event 1 was seen already');
    events.publish({ kind: 'quorum', virtualServer: 'vs', up: false, reason: 'three' });
    await waitFor(() => out.includes('"three"'), { timeoutMs: 3000, message: 'live event' });
    assert.match(out, /id: 3\ndata: \{"id":3,/);
    s.destroy();
    await waitFor(() => events.subscribers === 0, { timeoutMs: 3000, message: 'unsubscribed on close' });
  });

  test('event-stream clients are bounded too: one over the limit gets 503', async () => {
    const small = await startHttpServer(
      { host: '127.0.0.1', port: 0, loopback: true },
      { ...LIMITS, maxEventClients: 1 },
    );
    try {
      small.serve({
        status: async () => STATUS,
        metrics: async () => ({ contentType: 'x', text: '' }),
        events,
      });
      const first = connect(small.address.port, '127.0.0.1');
      open.push(first);
      let out = '';
      first.on('data', (d) => {
        out += d.toString();
      });
      first.write(get('/api/v1/events').replace('Connection: close', 'Connection: keep-alive'));
      await waitFor(() => out.includes('retry: 2000'), { timeoutMs: 3000, message: 'first stream open' });
      const second = await exchange(small.address.port, get('/api/v1/events'));
      assert.equal(statusLine(second), 'HTTP/1.1 503 Service Unavailable');
      first.destroy();
    } finally {
      await small.close();
    }
  });

  test('an event-stream client that stops reading is cut off, not buffered without end', async () => {
    const big = new EventLog(1);
    const small = await startHttpServer(
      { host: '127.0.0.1', port: 0, loopback: true },
      { ...LIMITS, maxUnreadBytes: 256 << 10 },
    );
    try {
      small.serve({
        status: async () => STATUS,
        metrics: async () => ({ contentType: 'x', text: '' }),
        events: big,
      });
      const s = connect(small.address.port, '127.0.0.1');
      open.push(s);
      let closed = false;
      s.on('close', () => {
        closed = true;
      });
      s.on('error', () => undefined);
      s.write(get('/api/v1/events').replace('Connection: close', 'Connection: keep-alive'));
      await waitFor(() => big.subscribers === 1, { timeoutMs: 3000, message: 'subscribed' });
      s.pause(); // reads nothing more: the kernel's buffers fill, then node's
      const reason = 'x'.repeat(64 << 10);
      await waitFor(
        () => {
          for (let i = 0; i < 16; i++) big.publish({ kind: 'reload', ok: true, reason });
          return big.subscribers === 0;
        },
        { timeoutMs: 10_000, intervalMs: 10, message: 'the stalled client dropped' },
      );
      s.resume();
      await waitFor(() => closed, { timeoutMs: 3000, message: 'its connection closed' });
    } finally {
      await small.close();
    }
  });
});
