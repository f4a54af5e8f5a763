/**
 * HTTP_GET and SSL_GET (keepalived 2.2.7 `check/check_http.c`, `check/check_ssl.c`): the socket edge
 * around the pure protocol in http-protocol.ts, and the two checker modules.
 *
 * One fetch, as keepalived's thread chain does it:
 * 1. TCP connect within connect_timeout (connect.ts); "Timeout connecting", "Connection failed",
 *    "HTTP_CHECK - network unreachable"; a socket that cannot be set up: "WEB socket bind failed".
 * 2. SSL_GET: TLS handshake, no certificate verification (keepalived never sets a verify mode), SNI
 *    only with enable_sni (http-protocol.ts sniName). It must finish by the connect deadline
 *    ("Timeout connecting"); any handshake error is "SSL handshake/communication error connecting to".
 * 3. The request (http-protocol.ts buildRequest); a failed write is "Cannot send get request to".
 * 4. The response, read until the peer closes: no first byte within connect_timeout is
 *    "Timeout WEB read", a later gap of connect_timeout "Timeout HTTP read" ("Timeout SSL read").
 *    A read error is "Read error with" (HTTP); over TLS keepalived judges what it has received.
 *    The body is streamed through MD5, never kept. keepalived would read an endless body for ever;
 *    vigil stops at `limits.maxResponseBytes` ("Response too large from") or after
 *    `limits.maxDurationFactor` x connect_timeout in all ("Timeout HTTP read"/"Timeout SSL read").
 * 5. The verdict (http-protocol.ts evaluateResponse): "Read, no data received from",
 *    "HTTP status code error to", "MD5 digest error to", "Regex match failed".
 *
 * Urls: keepalived checks one url per delay_loop tick, walks the list, and retries a failed url
 * (checkers.md 2.3); that walk belongs to the life cycle. The module gives both shapes:
 * - `create(spec, target, env)`: one attempt checks every url in order and stops at the first
 *   failure (a whole pass, as keepalived's fast_recovery does while the checker is down);
 * - `createUrl(spec, target, env, index)`: one attempt checks url `index` only (`urlCount(spec)`
 *   urls), for a life cycle that walks the urls one per tick as keepalived does.
 * fast_recovery is the life cycle's: it decides when the next url is fetched, not how.
 *
 * Host and SNI need the real server's and virtual server's virtualhost, which the checker spec
 * does not carry: the plan puts them in the env (`realServerVirtualhost`, `virtualServerVirtualhost`,
 * types.ts CheckerContext). The global `SSL { ca certificate key password }` block (`env.ssl`)
 * gives SSL_GET its client certificate, read once at create. Not implemented: tls_compliant, regex_options,
 * regex_stack and the regex offsets (the model has none of them; keepalived 2.2.7 has no sni_name).
 * Regexes are JavaScript RegExps, not PCRE2.
 */
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import type { HttpChecker } from '../../config/model.js';
import { canonicalAddress } from '../../net/addr.js';
import type {
  AttemptContext,
  CheckAttempt,
  CheckerEnv,
  CheckerModule,
  CheckOutcome,
  ConnectTarget,
} from '../types.js';
import { type ConnectResult, ignore, openConnection } from './connect.js';
import {
  buildRequest,
  compileRegex,
  evaluateResponse,
  HTTP_REASON,
  ResponseReader,
  type ResponseSummary,
  requestVirtualhost,
  sniName,
  type UrlExpectation,
} from './http-protocol.js';

/** The client side of the TLS context (keepalived's build_ssl_ctx with a global SSL block). */
export interface TlsClientCredentials {
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly ca?: Buffer;
  readonly passphrase?: string;
}

/**
 * Reads the global SSL block's files once, as keepalived loads them into its SSL_CTX at start-up.
 * keepalived stops its checker process when one cannot be loaded; vigil logs keepalived's message and
 * goes on without a client certificate.
 */
export function loadTlsClient(
  ssl: CheckerEnv['ssl'],
  env: CheckerEnv,
  read: (path: string) => Buffer = readFileSync,
): TlsClientCredentials | undefined {
  if (ssl === undefined) return undefined;
  const files: [keyof TlsClientCredentials, string | undefined, string][] = [
    ['cert', ssl.certificate, 'certificate'],
    ['key', ssl.key, 'key'],
    ['ca', ssl.ca, 'CA'],
  ];
  const out: { -readonly [K in keyof TlsClientCredentials]: TlsClientCredentials[K] } = {};
  for (const [field, path, what] of files) {
    if (path === undefined) continue;
    try {
      (out as Record<string, Buffer>)[field] = read(path);
    } catch (e) {
      env.log(
        'error',
        `SSL error : Cant load ${what} file ${path} (${(e as Error).message}); SSL_GET runs without a client certificate`,
      );
      return undefined;
    }
  }
  if (ssl.password !== undefined) out.passphrase = ssl.password;
  return out;
}

export interface FetchLimits {
  /** Response bytes (header and body) after which the attempt fails. */
  readonly maxResponseBytes?: number;
  /** The whole fetch may last this many connect_timeouts. */
  readonly maxDurationFactor?: number;
}

/** Checkers' bounds: a health page is small; 16 MiB is far above any keepalived user's digest page. */
export const CHECKER_LIMITS: FetchLimits = { maxResponseBytes: 16 << 20, maxDurationFactor: 10 };

export interface FetchRequest {
  readonly target: ConnectTarget;
  /** TLS (SSL_GET); `servername` = SNI, undefined = none. */
  readonly tls?: { readonly servername?: string; readonly client?: TlsClientCredentials };
  readonly request: Buffer;
  readonly reader: ResponseReader;
  readonly limits?: FetchLimits;
}

export type FetchResult =
  | { readonly ok: true; readonly summary: ResponseSummary }
  | { readonly ok: false; readonly reason: string };

function connectReason(r: Extract<ConnectResult, { ok: false }>): string {
  switch (r.class) {
    case 'timeout':
      return HTTP_REASON.timeoutConnect;
    case 'fail':
      return HTTP_REASON.connectFailed;
    case 'unreachable':
      return HTTP_REASON.unreachable;
    case 'error':
      return HTTP_REASON.bindFailed;
    case 'aborted':
      return HTTP_REASON.aborted;
  }
}

/** One GET: connect, (TLS), request, response. Resolves, never rejects; leaves nothing open. */
export async function fetchOnce(req: FetchRequest, ctx: AttemptContext): Promise<FetchResult> {
  const started = Date.now();
  const c = await openConnection(req.target, ctx.timeoutMs, ctx.signal);
  if (!c.ok) return { ok: false, reason: connectReason(c) };
  let sock: Socket | TLSSocket = c.socket;
  if (req.tls !== undefined) {
    const hs = await handshake(c.socket, req.tls, c.deadline - Date.now(), ctx.signal);
    if ('reason' in hs) return hs;
    sock = hs.socket;
  }
  return exchange(sock, req, ctx, started);
}

function handshake(
  raw: Socket,
  tls: NonNullable<FetchRequest['tls']>,
  remainingMs: number,
  signal: AbortSignal,
): Promise<{ socket: TLSSocket } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    const t = tlsConnect({
      socket: raw,
      rejectUnauthorized: false,
      ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
      ...tls.client,
    });
    let done = false;
    const finish = (r: { socket: TLSSocket } | { ok: false; reason: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      t.removeListener('secureConnect', onSecure);
      t.removeListener('error', onError);
      t.on('error', ignore);
      if ('reason' in r) {
        t.destroy();
        raw.destroy();
      }
      resolve(r);
    };
    const onSecure = () => finish({ socket: t });
    const onError = () => finish({ ok: false, reason: HTTP_REASON.sslHandshake });
    const onAbort = () => finish({ ok: false, reason: HTTP_REASON.aborted });
    const timer = setTimeout(
      () => finish({ ok: false, reason: HTTP_REASON.timeoutConnect }),
      Math.max(0, remainingMs),
    );
    t.once('secureConnect', onSecure);
    t.once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function exchange(
  sock: Socket | TLSSocket,
  req: FetchRequest,
  ctx: AttemptContext,
  started: number,
): Promise<FetchResult> {
  const isTls = req.tls !== undefined;
  const readTimeout = isTls ? HTTP_REASON.timeoutSslRead : HTTP_REASON.timeoutHttpRead;
  const maxBytes = req.limits?.maxResponseBytes;
  const factor = req.limits?.maxDurationFactor;
  return new Promise((resolve) => {
    let done = false;
    let received = 0;
    let idle: NodeJS.Timeout | undefined;
    let ceiling: NodeJS.Timeout | undefined;
    const finish = (r: FetchResult) => {
      if (done) return;
      done = true;
      clearTimeout(idle);
      clearTimeout(ceiling);
      ctx.signal.removeEventListener('abort', onAbort);
      sock.removeListener('data', onData);
      sock.removeListener('end', onEnd);
      sock.removeListener('close', onEnd);
      sock.removeListener('error', onError);
      sock.on('error', ignore);
      sock.destroy();
      resolve(r);
    };
    const onEnd = () => finish({ ok: true, summary: req.reader.finish() });
    const armIdle = (reason: string) => {
      clearTimeout(idle);
      idle = setTimeout(() => finish({ ok: false, reason }), ctx.timeoutMs);
    };
    const onAbort = () => finish({ ok: false, reason: HTTP_REASON.aborted });
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (maxBytes !== undefined && received > maxBytes)
        return finish({ ok: false, reason: HTTP_REASON.tooLarge });
      if (!req.reader.feed(chunk)) return onEnd();
      armIdle(readTimeout);
    };
    // Over TLS keepalived judges whatever it has on any SSL_read error; a plain read error fails.
    const onError = () => (isTls ? onEnd() : finish({ ok: false, reason: HTTP_REASON.readError }));
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    if (ctx.signal.aborted) return onAbort();
    if (factor !== undefined) {
      const left = started + factor * ctx.timeoutMs - Date.now();
      ceiling = setTimeout(() => finish({ ok: false, reason: readTimeout }), Math.max(0, left));
    }
    sock.on('data', onData);
    sock.on('end', onEnd);
    sock.on('close', onEnd);
    sock.on('error', onError);
    sock.write(req.request, (err) => {
      if (err) finish({ ok: false, reason: HTTP_REASON.send });
    });
    armIdle(HTTP_REASON.timeoutWebRead);
    sock.resume();
  });
}

/** A url of the spec with its regex compiled; urls without a path are dropped, as keepalived does. */
interface PreparedUrl extends UrlExpectation {
  readonly virtualhost?: string;
}

function prepareUrls(spec: HttpChecker, env: CheckerEnv): PreparedUrl[] {
  const out: PreparedUrl[] = [];
  for (const u of spec.url) {
    if (u.path === undefined) continue;
    let regex: RegExp | undefined;
    if (u.regex !== undefined) {
      try {
        regex = compileRegex(u.regex);
      } catch (e) {
        env.log(
          'warning',
          `HTTP_GET url ${u.path}: regex '${u.regex}' does not compile (${(e as Error).message}); ignored`,
        );
      }
    }
    out.push({
      path: u.path,
      digests: u.digests,
      regexNoMatch: u.regexNoMatch,
      ...(u.statusCode !== undefined ? { statusCode: u.statusCode } : {}),
      ...(regex !== undefined ? { regex } : {}),
      ...(u.virtualhost !== undefined ? { virtualhost: u.virtualhost } : {}),
    });
  }
  return out;
}

/** Builds the per-url attempts of one checker; `tls` selects SSL_GET. */
function urlAttempts(
  spec: HttpChecker,
  target: ConnectTarget,
  env: CheckerEnv,
  tls: boolean,
): CheckAttempt[] {
  const address = canonicalAddress(target.address)?.address ?? target.address;
  const client = tls ? loadTlsClient(env.ssl, env) : undefined;
  return prepareUrls(spec, env).map((url) => {
    const sources = {
      url: url.virtualhost,
      checker: spec.virtualhost,
      realServer: env.realServerVirtualhost,
      virtualServer: env.virtualServerVirtualhost,
    };
    const request = buildRequest({
      path: url.path,
      protocol: spec.httpProtocol,
      virtualhost: requestVirtualhost(sources),
      address,
      port: target.port,
      family: target.family,
    });
    const servername = tls ? sniName(spec.enableSni, sources) : undefined;
    let lenMismatch = 0;
    return async (ctx: AttemptContext): Promise<CheckOutcome> => {
      const reader = new ResponseReader({
        digest: url.digests.length > 0,
        ...(url.regex ? { regex: url.regex } : {}),
      });
      const r = await fetchOnce(
        {
          target,
          request,
          reader,
          limits: CHECKER_LIMITS,
          ...(tls
            ? {
                tls: {
                  ...(servername !== undefined ? { servername } : {}),
                  ...(client !== undefined ? { client } : {}),
                },
              }
            : {}),
        },
        ctx,
      );
      if (!r.ok) return { ok: false, reason: r.reason };
      const s = r.summary;
      // keepalived logs a Content-Length mismatch once per distinct difference.
      if (s.extracted && s.contentLength !== undefined && s.contentLength !== s.rxBytes) {
        const diff = s.contentLength - s.rxBytes;
        if (diff !== lenMismatch) {
          lenMismatch = diff;
          env.log(
            'info',
            `http_check url ${url.virtualhost ?? ''}${url.path}: content_length (${s.contentLength}) does not match received bytes (${s.rxBytes})`,
          );
        }
      } else lenMismatch = 0;
      return evaluateResponse(s, url);
    };
  });
}

/**
 * HTTP_GET's or SSL_GET's module. Its `type` is one literal, so that it is a `CheckerModule<'HTTP_GET'>`
 * (resp. `<'SSL_GET'>`) for a registry keyed by type; `create` takes the HttpChecker both share.
 */
export interface HttpCheckerModule<T extends HttpChecker['type'] = HttpChecker['type']>
  extends CheckerModule<T> {
  /** One attempt that checks every url in order, stopping at the first failure. */
  create(spec: HttpChecker, target: ConnectTarget, env: CheckerEnv): CheckAttempt;
  /** How many urls the checker has (urls without a path do not count, as in keepalived). */
  urlCount(spec: HttpChecker): number;
  /** One attempt that checks url `index` (0-based, among the counted urls) only. */
  createUrl(spec: HttpChecker, target: ConnectTarget, env: CheckerEnv, index: number): CheckAttempt;
  /** One attempt per counted url, in order (the life cycle walks them, checkers.md 2.3). */
  createUrls(spec: HttpChecker, target: ConnectTarget, env: CheckerEnv): CheckAttempt[];
}

function httpModule<T extends HttpChecker['type']>(type: T, tls: boolean): HttpCheckerModule<T> {
  return {
    type,
    defaults: { retry: 1, delayBeforeRetryMs: 3000 },
    urlCount: (spec) => spec.url.filter((u) => u.path !== undefined).length,
    create(spec, target, env) {
      const attempts = urlAttempts(spec, target, env, tls);
      return async (ctx) => {
        let last: CheckOutcome = { ok: true, detail: 'no url to check' };
        for (const attempt of attempts) {
          last = await attempt(ctx);
          if (!last.ok) return last;
        }
        return last;
      };
    },
    createUrls: (spec, target, env) => urlAttempts(spec, target, env, tls),
    createUrl(spec, target, env, index) {
      const attempt = urlAttempts(spec, target, env, tls)[index];
      if (attempt === undefined) throw new RangeError(`${type} has no url ${index}`);
      return attempt;
    },
  };
}

export const httpCheck: HttpCheckerModule<'HTTP_GET'> = httpModule('HTTP_GET', false);
export const sslCheck: HttpCheckerModule<'SSL_GET'> = httpModule('SSL_GET', true);
