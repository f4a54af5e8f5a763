/**
 * The daemon's HTTP API, served by its main thread (never the VRRP worker: a slow client must not
 * move an advert). Read-only, GET and HEAD only, with every size and time bounded: the URL (414),
 * the headers (431, node's maxHeaderSize), the number of connections (more are dropped), slow
 * clients (headersTimeout/requestTimeout, 408), event-stream clients and what each may leave
 * unread. Bound to loopback it also checks the Host header, so that a web page elsewhere cannot
 * read it through DNS rebinding.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StatusReport } from '../daemon/status-types.js';
import { DASHBOARD_CSP, DASHBOARD_HTML } from './dashboard.js';
import { type EventLog, sseFrame } from './events.js';
import type { HttpListen } from './listen.js';

export interface HttpSources {
  /** `vigil status --json`. */
  status(): Promise<StatusReport>;
  /** The Prometheus text. */
  metrics(): Promise<{ readonly contentType: string; readonly text: string }>;
  readonly events: EventLog;
}

export interface HttpLimits {
  readonly maxConnections: number;
  /** Request line and headers together (node's maxHeaderSize); beyond it: 431. */
  readonly maxHeaderBytes: number;
  readonly maxUrlBytes: number;
  /** The whole header must arrive within this (node's headersTimeout): 408. */
  readonly headersTimeoutMs: number;
  /** The whole request must arrive within this (node's requestTimeout): 408. */
  readonly requestTimeoutMs: number;
  /** How often node looks for the two timeouts above. */
  readonly timeoutCheckMs: number;
  readonly keepAliveMs: number;
  readonly maxEventClients: number;
  /** An event client that leaves more than this unread is cut off. */
  readonly maxUnreadBytes: number;
  /** A comment line this often keeps idle event streams open through proxies. */
  readonly heartbeatMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxConnections: 64,
  maxHeaderBytes: 8192,
  maxUrlBytes: 2048,
  headersTimeoutMs: 5000,
  requestTimeoutMs: 10_000,
  timeoutCheckMs: 1000,
  keepAliveMs: 5000,
  maxEventClients: 32,
  maxUnreadBytes: 1 << 20,
  heartbeatMs: 15_000,
};

export interface HttpServer {
  readonly address: AddressInfo;
  /** Start answering: until then every request gets 503 (the daemon is starting). */
  serve(sources: HttpSources): void;
  close(): Promise<void>;
}

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** localhost, 127.x.x.x or [::1], with or without a port. */
function loopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
  return name === 'localhost' || name === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

export async function startHttpServer(
  listen: HttpListen,
  limits: HttpLimits = DEFAULT_HTTP_LIMITS,
): Promise<HttpServer> {
  let sources: HttpSources | undefined;
  const streams = new Set<ServerResponse>();

  const send = (res: ServerResponse, code: number, type: string, body: string, extra = {}) => {
    res.writeHead(code, {
      ...COMMON_HEADERS,
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      ...extra,
    });
    res.end(body);
  };
  const text = (res: ServerResponse, code: number, body: string, extra = {}) =>
    send(res, code, 'text/plain; charset=utf-8', `${body}\n`, extra);

  const events = (req: IncomingMessage, res: ServerResponse, src: HttpSources) => {
    if (streams.size >= limits.maxEventClients) return text(res, 503, 'too many event clients');
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'x-accel-buffering': 'no',
    });
    if (req.method === 'HEAD') return res.end();
    streams.add(res);
    const write = (chunk: string) => {
      // A client that stops reading is cut off rather than buffered without end.
      if (res.writableLength > limits.maxUnreadBytes) res.destroy();
      else res.write(chunk);
    };
    const last = req.headers['last-event-id'];
    write(
      `retry: 2000\n\n${src.events
        .replay(typeof last === 'string' ? last : undefined)
        .map(sseFrame)
        .join('')}`,
    );
    const unsubscribe = src.events.subscribe((e) => write(sseFrame(e)));
    const heartbeat = setInterval(() => write(': keepalive\n\n'), limits.heartbeatMs);
    res.on('close', () => {
      unsubscribe();
      clearInterval(heartbeat);
      streams.delete(res);
    });
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    if (url.length > limits.maxUrlBytes) return text(res, 414, 'URI too long', { connection: 'close' });
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return text(res, 405, 'only GET and HEAD: this API is read-only', { allow: 'GET, HEAD' });
    if (listen.loopback && !loopbackHost(req.headers.host))
      return text(res, 403, 'this API answers only requests to a loopback host name');
    const src = sources;
    if (src === undefined) return text(res, 503, 'starting');
    const path = url.split('?', 1)[0];
    const fail = (e: unknown) => {
      if (!res.headersSent) text(res, 503, `not available: ${e instanceof Error ? e.message : String(e)}`);
    };
    switch (path) {
      case '/':
        return send(res, 200, 'text/html; charset=utf-8', DASHBOARD_HTML, {
          'content-security-policy': DASHBOARD_CSP,
          'x-frame-options': 'DENY',
        });
      case '/api/v1/status':
        return void src
          .status()
          .then((s) => send(res, 200, 'application/json', `${JSON.stringify(s)}\n`), fail);
      case '/api/v1/events':
        return events(req, res, src);
      case '/metrics':
        return void src.metrics().then((m) => send(res, 200, m.contentType, m.text), fail);
      default:
        return text(res, 404, 'not found: try /, /api/v1/status, /api/v1/events or /metrics');
    }
  };

  const server: Server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.timeoutCheckMs,
      keepAliveTimeout: limits.keepAliveMs,
    },
    handle,
  );
  server.maxConnections = limits.maxConnections;
  // No 'clientError' listener: node itself answers an oversized header 431 and a slow request 408.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: listen.host, port: listen.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    address: server.address() as AddressInfo,
    serve(s) {
      sources = s;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of streams) r.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
