/**
 * SMTP alerts (keepalived core/smtp.c): HELO, MAIL FROM, one RCPT TO per notification_email,
 * DATA with Date/From/Subject/X-Mailer/To headers and the body, QUIT. A connection that does not
 * complete within smtp_connect_timeout fails; a failed send is logged and retried a bounded number
 * of times with a doubling delay (keepalived does not retry: one lost mail server blip should not
 * lose the alert). Message building is pure; SmtpClient is the socket edge.
 */
import { createConnection, type Socket } from 'node:net';

export interface MailEnvelope {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly body: string;
  readonly date: Date;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** RFC 5322 date in UTC: `Sat, 21 Nov 2026 22:47:45 +0000`. */
export function rfc822Date(d: Date): string {
  return (
    `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
  );
}

/** Strip CR/LF so a name in a header cannot add headers. */
const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');

/** The DATA payload, dot-stuffed and terminated by CRLF.CRLF. */
export function buildMessage(m: MailEnvelope): string {
  const headers = [
    `Date: ${rfc822Date(m.date)}`,
    `From: ${oneLine(m.from)}`,
    `Subject: ${oneLine(m.subject)}`,
    'X-Mailer: vigil',
    `To: ${m.to.map(oneLine).join(', ')}`,
  ];
  const body = m.body
    .split(/\r?\n/)
    .map((l) => (l.startsWith('.') ? `.${l}` : l))
    .join('\r\n');
  return `${headers.join('\r\n')}\r\n\r\n${body}\r\n.\r\n`;
}

/** keepalived's defaults: router_id = host name, email_from = USER@host name. */
export function defaultFrom(user: string, hostname: string): string {
  return `${user}@${hostname}`;
}

/** The delay before retry `attempt` (1-based): base, 2*base, 4*base... capped. */
export function backoffMs(attempt: number, baseMs: number, capMs = 60_000): number {
  return Math.min(baseMs * 2 ** Math.max(attempt - 1, 0), capMs);
}

export interface SmtpServer {
  readonly host: string;
  readonly port: number;
  readonly heloName: string;
  readonly connectTimeoutMs: number;
  /** Limit for the whole dialogue after connecting (default 30 s). */
  readonly replyTimeoutMs?: number;
}

export type SendResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** Parse complete SMTP replies from a buffer: returns the codes of finished replies and the rest. */
export function parseReplies(buf: string): { codes: number[]; rest: string } {
  const codes: number[] = [];
  let rest = buf;
  for (;;) {
    const nl = rest.indexOf('\n');
    if (nl < 0) break;
    const line = rest.slice(0, nl).replace(/\r$/, '');
    rest = rest.slice(nl + 1);
    // `250-...` continues a multi-line reply; `250 ...` (or a bare code) ends it.
    if (/^\d{3}(?: |$)/.test(line)) codes.push(Number(line.slice(0, 3)));
  }
  return { codes, rest };
}

/** Send one mail; resolves with the outcome, never rejects. */
export function sendMail(server: SmtpServer, m: MailEnvelope): Promise<SendResult> {
  return new Promise((resolve) => {
    let settled = false;
    let sock: Socket | undefined;
    const done = (r: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(replyTimer);
      sock?.destroy();
      resolve(r);
    };
    const connectTimer = setTimeout(
      () => done({ ok: false, error: `timeout connecting to ${server.host}:${server.port}` }),
      server.connectTimeoutMs,
    );
    let replyTimer: NodeJS.Timeout | undefined;
    // Each step: the command sent once the previous reply arrived, and the code expected back.
    const steps: { send?: string; expect: number; what: string }[] = [
      { expect: 220, what: 'greeting' },
      { send: `HELO ${server.heloName}\r\n`, expect: 250, what: 'HELO' },
      { send: `MAIL FROM:<${m.from}>\r\n`, expect: 250, what: 'MAIL' },
      ...m.to.map((t) => ({ send: `RCPT TO:<${t}>\r\n`, expect: 250, what: 'RCPT' })),
      { send: 'DATA\r\n', expect: 354, what: 'DATA' },
      { send: buildMessage(m), expect: 250, what: 'DOT' },
      { send: 'QUIT\r\n', expect: 221, what: 'QUIT' },
    ];
    let i = 0;
    let buf = '';
    try {
      sock = createConnection({ host: server.host, port: server.port });
    } catch (e) {
      done({ ok: false, error: (e as Error).message });
      return;
    }
    sock.setEncoding('utf8');
    sock.once('connect', () => {
      clearTimeout(connectTimer);
      replyTimer = setTimeout(
        () => done({ ok: false, error: `SMTP server ${server.host}:${server.port} stopped answering` }),
        server.replyTimeoutMs ?? 30_000,
      );
    });
    sock.on('error', (e) =>
      done({ ok: false, error: `SMTP server ${server.host}:${server.port}: ${e.message}` }),
    );
    sock.on('close', () => {
      // A close after the message was accepted (e.g. no reply to QUIT) is still a success.
      if (i >= steps.length - 1) done({ ok: true });
      else done({ ok: false, error: `SMTP server ${server.host}:${server.port} closed the connection` });
    });
    sock.on('data', (chunk: string) => {
      const parsed = parseReplies(buf + chunk);
      buf = parsed.rest;
      for (const code of parsed.codes) {
        const step = steps[i];
        if (step === undefined) return;
        if (code !== step.expect) {
          if (step.what === 'QUIT') return done({ ok: true });
          return done({
            ok: false,
            error: `Error processing ${step.what} on SMTP server: status code ${code}`,
          });
        }
        i++;
        const next = steps[i];
        if (next === undefined) return done({ ok: true });
        if (next.send !== undefined) sock?.write(next.send);
      }
    });
  });
}

export interface MailerOptions {
  readonly server: SmtpServer;
  readonly from: string;
  readonly to: readonly string[];
  /** Attempts in all (default 3). */
  readonly attempts?: number;
  readonly backoffBaseMs?: number;
  readonly log?: (level: 'info' | 'warning', msg: string) => void;
  readonly now?: () => Date;
}

/** Fire-and-forget alerts with bounded retries; `send` returns the final outcome for tests/logs. */
export class Mailer {
  private pending = new Map<NodeJS.Timeout, () => void>();
  private closed = false;

  constructor(private readonly opts: MailerOptions) {}

  async send(subject: string, body: string): Promise<SendResult> {
    const attempts = Math.max(this.opts.attempts ?? 3, 1);
    const envelope: MailEnvelope = {
      from: this.opts.from,
      to: this.opts.to,
      subject,
      body,
      date: (this.opts.now ?? (() => new Date()))(),
    };
    let last: SendResult = { ok: false, error: 'not sent' };
    for (let a = 1; a <= attempts && !this.closed; a++) {
      last = await sendMail(this.opts.server, envelope);
      if (last.ok) {
        this.opts.log?.('info', `SMTP alert successfully sent: ${subject}`);
        return last;
      }
      const retry = a < attempts;
      this.opts.log?.('warning', `SMTP alert '${subject}' failed (attempt ${a}/${attempts}): ${last.error}`);
      if (retry) await this.sleep(backoffMs(a, this.opts.backoffBaseMs ?? 2000));
    }
    return last;
  }

  /** Abandon pending retries. */
  close(): void {
    this.closed = true;
    for (const [t, wake] of this.pending) {
      clearTimeout(t);
      wake();
    }
    this.pending.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.pending.delete(t);
        resolve();
      }, ms);
      t.unref();
      this.pending.set(t, resolve);
    });
  }
}
