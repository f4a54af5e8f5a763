/**
 * genhash (keepalived 2.2.7 `check/check_genhash.c`): one HTTP_GET/SSL_GET fetch with the checker's
 * own code (checkers/http.ts fetchOnce) that prints the MD5 of the body, so a `digest` line can be
 * written for a url.
 *
 * As keepalived: the status code is not checked; the digest covers the body up to Content-Length;
 * the output is 32 lowercase hex digits and a newline on stdout; no header in the response gives
 * `no data received from remote webserver` on stderr; a connect/read failure prints its reason
 * (e.g. `Timeout connecting`) on stdout; all of these exit 0. There is no bound on the body (the MD5
 * is streamed); every read waits at most the timeout (-t, default UINT_MAX microseconds).
 * -v adds keepalived's dumps: header in hex and ASCII, the digested body in hex, the digest, and
 * `Global response time for [<url>] = <n> usecs`.
 */
import type { GenhashOptions } from '../cli/args.js';
import { fetchOnce } from './checkers/http.js';
import { buildRequest, ResponseReader, sniName } from './checkers/http-protocol.js';

const DELIM_BEGIN = '-----------------------[';
const DELIM_END = ']-----------------------\n';
export const HTTP_HEADER_HEXA = `${DELIM_BEGIN}    HTTP Header Buffer    ${DELIM_END}`;
export const HTTP_HEADER_ASCII = `${DELIM_BEGIN} HTTP Header Ascii Buffer ${DELIM_END}`;
export const HTML_HEADER_HEXA = `${DELIM_BEGIN}        HTML Buffer        ${DELIM_END}`;
export const HTML_HASH = `${DELIM_BEGIN}    HTML hash resulting    ${DELIM_END}`;
export const HTML_HASH_FINAL = `${DELIM_BEGIN} HTML hash final resulting ${DELIM_END}`;

/** keepalived's `dump_buffer`: 16 bytes a line, decimal offset, hex, ASCII (pure). */
export function dumpBuffer(buf: Uint8Array): string {
  let out = '';
  const count = buf.length;
  const c = count % 16 ? count + (16 - (count % 16)) : count;
  for (let i = 0; i < c; i++) {
    if (i % 16 === 0) out += `${String(i & 0xffff).padStart(4, '0')} `;
    out += i < count ? ` ${buf[i]!.toString(16).padStart(2, '0')}` : '   ';
    if ((i + 1) % 8 === 0) {
      if ((i + 1) % 16) out += ' -';
      else {
        out += '   ';
        for (let j = i - 15; j <= i; j++) {
          if (j < count) {
            const b = buf[j]!;
            out += b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '.';
          } else out += ' ';
        }
        out += '\n';
      }
    }
  }
  return out;
}

export interface GenhashOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Runs one genhash fetch and writes what keepalived's genhash writes. */
export async function genhash(o: GenhashOptions, out: GenhashOutput, signal: AbortSignal): Promise<void> {
  const started = process.hrtime.bigint();
  let firstBody = true;
  const reader = new ResponseReader({
    digest: true,
    ...(o.verbose
      ? {
          onHeader: (header: Buffer) =>
            out.stdout(
              `${HTTP_HEADER_HEXA}${dumpBuffer(header)}${HTTP_HEADER_ASCII}${header.toString('latin1')}\n`,
            ),
          onDigested: (bytes: Buffer) => {
            if (firstBody) out.stdout(HTML_HEADER_HEXA);
            firstBody = false;
            out.stdout(dumpBuffer(bytes));
          },
        }
      : {}),
  });
  const request = buildRequest({
    path: o.url,
    protocol: o.protocol,
    virtualhost: o.virtualhost,
    address: o.server,
    port: o.port,
    family: o.family,
  });
  const servername = o.ssl ? sniName(o.sni, { checker: o.virtualhost }) : undefined;
  const r = await fetchOnce(
    {
      target: {
        family: o.family,
        address: o.server,
        port: o.port,
        ...(o.fwmark !== undefined ? { fwmark: o.fwmark } : {}),
      },
      request,
      reader,
      ...(o.ssl ? { tls: servername !== undefined ? { servername } : {} } : {}),
    },
    { timeoutMs: o.timeoutMs, signal },
  );
  if (!r.ok) {
    // Stopped by SIGINT/SIGTERM: keepalived's genhash just ends.
    if (signal.aborted) return;
    out.stdout(`${r.reason}\n`);
  } else if (!r.summary.extracted) {
    out.stderr('no data received from remote webserver\n');
  } else {
    const digest = r.summary.digest ?? '';
    if (o.verbose) out.stdout(`\n${HTML_HASH}${dumpBuffer(Buffer.from(digest, 'hex'))}${HTML_HASH_FINAL}`);
    out.stdout(`${digest}\n`);
  }
  if (o.verbose) {
    const us = (process.hrtime.bigint() - started) / 1000n;
    out.stdout(`\nGlobal response time for [${o.url}] = ${us} usecs\n`);
  }
}
