/**
 * HTTP_GET / SSL_GET protocol logic, pure (keepalived 2.2.7 `check/check_http.c`, `check/check_ssl.c`,
 * `lib/html.c`): the request bytes, the Host header and SNI name, a streaming response reader (header
 * extraction, status code, Content-Length, MD5 of the body, regex) and the verdict.
 *
 * keepalived reads the response into a 4096-byte buffer: the header (status line to CRLFCRLF) must
 * fit in its first 4095 bytes, the body is streamed through MD5 and never kept. The reader here does
 * the same; it keeps at most the header and, with a regex, a 4095-byte window of the body.
 */
import { createHash, type Hash } from 'node:crypto';
import type { CheckOutcome } from '../types.js';

/** keepalived's MAX_BUFFER_LENGTH - 1: the header must end within this many bytes. */
export const HEADER_MAX = 4095;
/** keepalived's GET_BUFFER_LENGTH - 1: snprintf truncates a longer request. */
export const REQUEST_MAX = 2047;
const STATUS_MIN = 100;
const STATUS_MAX = 599;
export const DEFAULT_STATUS_CODES: readonly (readonly [number, number])[] = [[200, 299]];

export type HttpProtocol = '1.0' | '1.0C' | '1.0c' | '1.1';

/** Where the Host header and SNI values come from (keepalived's lookup chains). */
export interface VirtualhostSources {
  readonly url?: string;
  readonly checker?: string;
  readonly realServer?: string;
  readonly virtualServer?: string;
}

/** Host header value: url -> checker -> real_server -> virtual_server virtualhost (`http_request_thread`). */
export function requestVirtualhost(v: VirtualhostSources): string | undefined {
  return v.url ?? v.checker ?? v.realServer ?? v.virtualServer;
}

/**
 * SNI (`check_ssl.c:ssl_connect`), only with enable_sni: url -> checker -> virtual_server virtualhost.
 * The real server's virtualhost is skipped, although the Host header uses it.
 */
export function sniName(enableSni: boolean | undefined, v: VirtualhostSources): string | undefined {
  if (!enableSni) return undefined;
  return v.url ?? v.checker ?? v.virtualServer;
}

/**
 * keepalived's request template, byte for byte:
 * `GET <path> HTTP/1.<0|1>\r\nUser-Agent: KeepAliveClient\r\n[Connection: close\r\n]Host: <host>\r\n\r\n`.
 * Host is the virtualhost as written (no port), else `address:port` (`[address]:port` for IPv6).
 * 1.0C/1.0c and 1.1 add `Connection: close`; only 1.1 says HTTP/1.1.
 */
export function buildRequest(o: {
  readonly path: string;
  readonly protocol?: string;
  readonly virtualhost?: string;
  readonly address: string;
  readonly port: number;
  readonly family: 'ipv4' | 'ipv6';
}): Buffer {
  const minor = o.protocol === '1.1' ? 1 : 0;
  const close =
    o.protocol === '1.0C' || o.protocol === '1.0c' || o.protocol === '1.1' ? 'Connection: close\r\n' : '';
  const host = o.virtualhost ?? (o.family === 'ipv6' ? `[${o.address}]:${o.port}` : `${o.address}:${o.port}`);
  const text = `GET ${o.path} HTTP/1.${minor}\r\nUser-Agent: KeepAliveClient\r\n${close}Host: ${host}\r\n\r\n`;
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length > REQUEST_MAX ? bytes.subarray(0, REQUEST_MAX) : bytes;
}

/** `lib/html.c:extract_html`: the offset just after the first CRLFCRLF, or -1. */
export function extractHtml(buf: Uint8Array): number {
  for (let i = 0; i + 3 < buf.length; i++) {
    if (buf[i] === 13 && buf[i + 1] === 10 && buf[i + 2] === 13 && buf[i + 3] === 10) return i + 4;
  }
  return -1;
}

const isDigit = (c: number | undefined) => c !== undefined && c >= 48 && c <= 57;

/**
 * `lib/html.c:extract_status_code`: the three digits after the first space of the status line,
 * which must be followed by a space (so `HTTP/1.1 200\r\n`, without a reason phrase, gives 0). 0 = none.
 */
export function extractStatusCode(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length && buf[i] !== 32 && buf[i] !== 13) i++;
  if (buf[i] !== 32) return 0;
  i++;
  if (i + 3 >= buf.length || buf[i + 3] !== 32) return 0;
  if (!isDigit(buf[i]) || !isDigit(buf[i + 1]) || !isDigit(buf[i + 2])) return 0;
  return (buf[i]! - 48) * 100 + (buf[i + 1]! - 48) * 10 + (buf[i + 2]! - 48);
}

/**
 * `lib/html.c:extract_content_length`: the first `Content-Length:` (case-sensitive, as keepalived's
 * strstr) read as strtoul: blanks skipped, digits up to CR/LF/end; anything else after the digits
 * means "no length". undefined = no (usable) Content-Length. vigil looks in the header only;
 * keepalived's strstr also scans the body bytes of the first read.
 */
export function extractContentLength(header: Uint8Array): number | undefined {
  const text = Buffer.from(header).toString('latin1');
  const at = text.indexOf('Content-Length:');
  if (at < 0) return undefined;
  let i = at + 'Content-Length:'.length;
  const start = i;
  while (i < text.length && ' \t\n\v\f\r'.includes(text[i]!)) i++;
  let negative = false;
  if (text[i] === '+' || text[i] === '-') {
    negative = text[i] === '-';
    i++;
  }
  const digitsAt = i;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  // strtoul with no digits leaves the end pointer at the start: the value is 0 when CR/LF follows.
  const end = i === digitsAt ? start : i;
  const next = text[end];
  if (next !== undefined && next !== '\r' && next !== '\n') return undefined;
  if (i === digitsAt) return 0;
  // A negative or overflowing value is huge in C (ULONG_MAX - n): it never truncates the digest.
  if (negative) return Number.MAX_SAFE_INTEGER;
  const n = Number(text.slice(digitsAt, i));
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Whether `code` passes the url's status_code ranges (default 200-299); 100..599 only. */
export function statusAccepted(
  code: number,
  ranges: readonly (readonly [number, number])[] | undefined,
): boolean {
  if (code < STATUS_MIN || code > STATUS_MAX) return false;
  return (ranges ?? DEFAULT_STATUS_CODES).some(([lo, hi]) => code >= lo && code <= hi);
}

/** What a finished response looked like. */
export interface ResponseSummary {
  /** The header (up to and including CRLFCRLF) was found within HEADER_MAX bytes. */
  readonly extracted: boolean;
  readonly statusCode: number;
  readonly contentLength: number | undefined;
  /** Body bytes received (all of them, not bounded by Content-Length). */
  readonly rxBytes: number;
  /** MD5 (lowercase hex) of the body up to Content-Length, when a digest was asked for. */
  readonly digest: string | undefined;
  readonly regexMatched: boolean;
  readonly header: Buffer | undefined;
}

export interface ReaderOptions {
  readonly digest: boolean;
  readonly regex?: RegExp;
  /** Called with each piece of the body that goes into the digest (genhash -v dumps it). */
  readonly onDigested?: (bytes: Buffer) => void;
  /** Called once with the header, when it is complete (genhash -v dumps it). */
  readonly onHeader?: (header: Buffer) => void;
}

/**
 * Streams a response as keepalived's `http_process_response` does. `feed` returns false when reading
 * should stop at once: the header did not end within HEADER_MAX bytes (keepalived's buffer is full,
 * its next read asks for 0 bytes and is taken as end of stream).
 */
export class ResponseReader {
  private pending: Buffer = Buffer.alloc(0);
  private header: Buffer | undefined;
  private statusCode = 0;
  private contentLength: number | undefined;
  private rxBytes = 0;
  private regexMatched = false;
  private regexCarry = '';
  private readonly md5: Hash | undefined;

  constructor(private readonly opts: ReaderOptions) {
    this.md5 = opts.digest ? createHash('md5') : undefined;
  }

  feed(chunk: Buffer): boolean {
    if (this.header !== undefined) {
      this.body(chunk, undefined);
      return true;
    }
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const end = extractHtml(this.pending.subarray(0, HEADER_MAX));
    if (end < 0) {
      if (this.pending.length >= HEADER_MAX) {
        this.pending = Buffer.alloc(0);
        return false;
      }
      return true;
    }
    this.header = Buffer.from(this.pending.subarray(0, end));
    this.statusCode = extractStatusCode(this.header);
    this.contentLength = extractContentLength(this.header);
    this.opts.onHeader?.(this.header);
    const rest = this.pending.subarray(end);
    this.pending = Buffer.alloc(0);
    // keepalived runs the regex on its whole buffer, header included, when the first read has body bytes.
    if (rest.length > 0) this.body(rest, this.header);
    return true;
  }

  private body(bytes: Buffer, header: Buffer | undefined): void {
    if (this.md5 !== undefined && (this.contentLength === undefined || this.contentLength > this.rxBytes)) {
      const n =
        this.contentLength === undefined
          ? bytes.length
          : Math.min(bytes.length, this.contentLength - this.rxBytes);
      const part = bytes.subarray(0, n);
      this.md5.update(part);
      this.opts.onDigested?.(part);
    }
    this.rxBytes += bytes.length;
    const re = this.opts.regex;
    if (re !== undefined && !this.regexMatched) {
      // A window of the last HEADER_MAX bytes stands for PCRE2's partial matching across reads.
      const text = this.regexCarry + (header ? header.toString('latin1') : '') + bytes.toString('latin1');
      if (re.test(text)) {
        this.regexMatched = true;
        this.regexCarry = '';
      } else {
        this.regexCarry = text.length > HEADER_MAX ? text.slice(-HEADER_MAX) : text;
      }
    }
  }

  finish(): ResponseSummary {
    return {
      extracted: this.header !== undefined,
      statusCode: this.statusCode,
      contentLength: this.contentLength,
      rxBytes: this.rxBytes,
      digest: this.md5?.digest('hex'),
      regexMatched: this.regexMatched,
      header: this.header,
    };
  }
}

/**
 * A url's `regex` as a JavaScript RegExp. PCRE2 patterns mostly read the same; a leading inline
 * option group `(?i)`, `(?m)`, `(?s)` (or several, `(?is)`) becomes the RegExp's flags, since
 * JavaScript (Node 20) has no inline options. Throws a SyntaxError when the pattern does not compile.
 */
export function compileRegex(pattern: string): RegExp {
  const m = /^\(\?([ims]+)\)/.exec(pattern);
  if (m === null) return new RegExp(pattern);
  return new RegExp(pattern.slice(m[0].length), [...new Set(m[1]!)].join(''));
}

/** What a url asks of the response (the model's HttpUrl, regex compiled). */
export interface UrlExpectation {
  readonly path: string;
  readonly statusCode?: readonly (readonly [number, number])[];
  readonly digests: readonly string[];
  readonly regex?: RegExp;
  readonly regexNoMatch: boolean;
}

/**
 * keepalived's failure phrases (`timeout_epilog` debug messages); its log line is
 * `<phrase> server <RS>.` so the phrases end where that sentence continues.
 */
export const HTTP_REASON = {
  noData: 'Read, no data received from',
  status: 'HTTP status code error to',
  digest: 'MD5 digest error to',
  regex: 'Regex match failed',
  timeoutConnect: 'Timeout connecting',
  errorConnect: 'Error connecting',
  connectFailed: 'Connection failed',
  unreachable: 'HTTP_CHECK - network unreachable',
  bindFailed: 'WEB socket bind failed',
  sslHandshake: 'SSL handshake/communication error connecting to',
  send: 'Cannot send get request to',
  timeoutWebRead: 'Timeout WEB read',
  timeoutHttpRead: 'Timeout HTTP read',
  timeoutSslRead: 'Timeout SSL read',
  readError: 'Read error with',
  /** vigil only: keepalived reads an endless body for ever; vigil stops at a bound. */
  tooLarge: 'Response too large from',
  aborted: 'aborted',
} as const;

/** The verdict on a finished response, in keepalived's order: data, status, digest, regex (`http_handle_response`). */
export function evaluateResponse(r: ResponseSummary, url: UrlExpectation): CheckOutcome {
  if (!r.extracted) return { ok: false, reason: HTTP_REASON.noData };
  if (!statusAccepted(r.statusCode, url.statusCode)) return { ok: false, reason: HTTP_REASON.status };
  let what = 'HTTP status code';
  if (url.digests.length > 0) {
    const got = r.digest ?? '';
    if (!url.digests.some((d) => d.toLowerCase() === got)) return { ok: false, reason: HTTP_REASON.digest };
    what = 'MD5 digest';
  }
  if (url.regex !== undefined) {
    if (r.regexMatched === url.regexNoMatch) return { ok: false, reason: HTTP_REASON.regex };
    what = 'Regex match';
  }
  return { ok: true, detail: `${what} success url(${url.path})` };
}
