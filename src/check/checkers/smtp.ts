/**
 * SMTP_CHECK (keepalived 2.2.7 `check/check_smtp.c`): connect, read the greeting and require 220,
 * send `HELO <helo_name>\r\n` and require 250, send `QUIT\r\n`, read any line: success.
 *
 * The dialogue is pure (`SmtpLineReader`, `smtpStatus`, `SmtpDialogue`); `smtpCheck` is the socket edge.
 * keepalived's details kept here:
 * - a status is the first three characters read as strtoul and followed by a space or the end of the
 *   line (the `\n` is cut, a `\r` is not): `220-` multi-line banners and a bare `220\r\n` fail;
 * - each expected line is read into a fresh 512-byte buffer; what follows the first `\n` of a read is
 *   dropped; a buffer full without `\n` is cleared and reading goes on;
 * - every read waits at most connect_timeout ("Read timeout from server"); EOF or a read error is
 *   "Read failure from server".
 * Reasons are keepalived's, logged by it as `SMTP_CHECK <reason>`, with `[ip]:port` of the connect
 * address. `host { }` sub-blocks are separate targets: the caller creates one attempt per host.
 * keepalived's SMTP retry rule (every delay_loop starts with retry_it = 0, retries even while down,
 * checkers.md G3) is the life cycle's.
 */
import type { Socket } from 'node:net';
import { canonicalAddress } from '../../net/addr.js';
import type { CheckAttempt, CheckerModule, CheckOutcome } from '../types.js';
import { type ConnectResult, formatPair, openConnection } from './connect.js';

export const SMTP_DEFAULT_HELO = 'smtpchecker.keepalived.org';
/** SMTP_BUFF_MAX - 1 */
const LINE_MAX = 511;

/** `smtp_get_status`: the status code of a line (without its `\n`), or -1. */
export function smtpStatus(line: string): number {
  let i = 0;
  while (i < line.length && ' \t\n\v\f\r'.includes(line[i]!)) i++;
  let sign = 1;
  if (line[i] === '+' || line[i] === '-') {
    if (line[i] === '-') sign = -1;
    i++;
  }
  const digitsAt = i;
  while (i < line.length && line.charCodeAt(i) >= 48 && line.charCodeAt(i) <= 57) i++;
  // strtoul without digits leaves endptr at the start of the string.
  const end = i === digitsAt ? 0 : i;
  if (end !== 3) return -1;
  if (end < line.length && line[end] !== ' ') return -1;
  return sign * Number(line.slice(digitsAt, i));
}

/**
 * Collects one line as `smtp_get_line_cb` does. `push` returns the line (without `\n`) once a read
 * brings a newline, else undefined; the rest of that read is dropped.
 */
export class SmtpLineReader {
  private buf = '';
  /** How many times the buffer filled up without a newline (keepalived logs "Buffer overflow"). */
  overflows = 0;

  push(chunk: Buffer): string | undefined {
    let text = chunk.toString('latin1');
    while (text.length > 0) {
      if (this.buf.length >= LINE_MAX) {
        this.overflows++;
        this.buf = '';
      }
      const room = LINE_MAX - this.buf.length;
      this.buf += text.slice(0, room);
      text = text.slice(room);
      const nl = this.buf.indexOf('\n');
      if (nl >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = '';
        return line;
      }
    }
    return undefined;
  }
}

export type SmtpStep = { readonly send: string } | { readonly outcome: CheckOutcome };

/** The dialogue after connect: each received line gives what to send next, or the verdict. */
export class SmtpDialogue {
  private state: 'banner' | 'helo' | 'quit' = 'banner';

  constructor(
    private readonly heloName: string,
    private readonly server: string,
  ) {}

  onLine(line: string): SmtpStep {
    switch (this.state) {
      case 'banner':
        if (smtpStatus(line) !== 220)
          return { outcome: { ok: false, reason: `Bad greeting banner from server ${this.server}` } };
        this.state = 'helo';
        return { send: `HELO ${this.heloName}\r\n` };
      case 'helo':
        if (smtpStatus(line) !== 250)
          return { outcome: { ok: false, reason: `Bad HELO response from server ${this.server}` } };
        this.state = 'quit';
        return { send: 'QUIT\r\n' };
      case 'quit':
        return { outcome: { ok: true, detail: 'Remote SMTP server succeed on service' } };
    }
  }
}

/** The reason for a failed connect (pure). */
export function smtpConnectReason(
  r: Extract<ConnectResult, { ok: false }>,
  address: string,
  server: string,
): string {
  switch (r.class) {
    case 'timeout':
      return `Connection timeout to server ${server}`;
    case 'fail':
      return `Could not connect to server ${server}`;
    case 'unreachable':
      return `Network unreachable for server ${address}`;
    case 'error':
      return `socket bind failed (${r.code ?? 'error'})`;
    case 'aborted':
      return 'aborted';
  }
}

function converse(
  sock: Socket,
  dialogue: SmtpDialogue,
  server: string,
  timeoutMs: number,
  signal: AbortSignal,
) {
  return new Promise<CheckOutcome>((resolve) => {
    let lines = new SmtpLineReader();
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (o: CheckOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      sock.removeListener('data', onData);
      sock.removeListener('end', onEnd);
      sock.removeListener('close', onEnd);
      sock.removeListener('error', onEnd);
      sock.on('error', () => {});
      sock.destroy();
      resolve(o);
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () => finish({ ok: false, reason: `Read timeout from server ${server}` }),
        timeoutMs,
      );
    };
    const onAbort = () => finish({ ok: false, reason: 'aborted' });
    const onEnd = () => finish({ ok: false, reason: `Read failure from server ${server}` });
    const onData = (chunk: Buffer) => {
      const line = lines.push(chunk);
      if (line === undefined) return arm();
      const step = dialogue.onLine(line);
      if ('outcome' in step) return finish(step.outcome);
      lines = new SmtpLineReader();
      sock.write(step.send, (err) => {
        if (err) finish({ ok: false, reason: `Write failure to server ${server}` });
      });
      arm();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) return onAbort();
    sock.on('data', onData);
    sock.on('end', onEnd);
    sock.on('close', onEnd);
    sock.on('error', onEnd);
    arm();
    sock.resume();
  });
}

/**
 * `retriesEachCycle`: every delay_loop cycle starts with retry_it = 0 and retries happen while down
 * (checkers.md G3; the life cycle's policy flag, see the chk-core branch's types.ts).
 */
export const smtpCheck: CheckerModule<'SMTP_CHECK'> & { readonly retriesEachCycle: true } = {
  type: 'SMTP_CHECK',
  defaults: { retry: 1, delayBeforeRetryMs: 1000 },
  retriesEachCycle: true,
  create(spec, target): CheckAttempt {
    const address = canonicalAddress(target.address)?.address ?? target.address;
    const server = formatPair(address, target.port);
    const helo = spec.heloName ?? SMTP_DEFAULT_HELO;
    return async (ctx) => {
      const c = await openConnection(target, ctx.timeoutMs, ctx.signal);
      if (!c.ok) return { ok: false, reason: smtpConnectReason(c, address, server) };
      return converse(c.socket, new SmtpDialogue(helo, server), server, ctx.timeoutMs, ctx.signal);
    };
  },
};
