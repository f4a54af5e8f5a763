/**
 * keepalived 2.2.7's words for checker verdicts, per checker type (check_tcp.c tcp_epilog,
 * check_http.c epilog, check_smtp.c, check_dns.c dns_final, check_udp.c, check_ping.c,
 * check_misc.c misc_check_child_thread): the log line when a checker comes up or goes down and
 * the smtp_alert body. Pure.
 */
import type { CheckerType } from '../config/model.js';

export interface VerdictContext {
  /** FMT_RS of the real server. */
  readonly rs: string;
  /** FMT_VS of the virtual server. */
  readonly vs: string;
  readonly retry: number;
  /** False on the very first verdict (keepalived has_run). */
  readonly hasRun: boolean;
  /** The failure reason from the attempt. */
  readonly reason?: string;
  /** MISC_CHECK: the script's first word. */
  readonly script?: string;
}

const plural = (n: number) => (n === 1 ? 'retry' : 'retries');

/** The line logged when a checker's verdict becomes "up"; undefined where keepalived logs none. */
export function upLine(type: CheckerType, c: VerdictContext): string | undefined {
  switch (type) {
    case 'TCP_CHECK':
      return `TCP connection to ${c.rs} success.`;
    case 'UDP_CHECK':
      return `UDP connection to ${c.rs} success.`;
    case 'PING_CHECK':
      return `ICMP connection to ${c.rs} success.`;
    case 'HTTP_GET':
    case 'SSL_GET':
      return `Remote Web server ${c.rs} succeed on service.`;
    case 'SMTP_CHECK':
      return `Remote SMTP server ${c.rs} succeed on service.`;
    case 'MISC_CHECK':
      return `Misc check for [${c.rs} VS ${c.vs}] by [${c.script ?? ''}] succeeded.`;
    case 'DNS_CHECK':
      return undefined;
    case 'FILE_CHECK':
    case 'BFD_CHECK':
      return `${type} for ${c.rs} succeeded.`;
  }
}

/** The line logged when a checker's verdict becomes "down" (the final failure). */
export function downLine(type: CheckerType, c: VerdictContext): string {
  const after = c.retry > 0 && c.hasRun;
  switch (type) {
    case 'TCP_CHECK':
    case 'UDP_CHECK':
      return after
        ? `${type} on service ${c.rs} failed after ${c.retry} retries.`
        : `${type} on service ${c.rs} failed.`;
    case 'PING_CHECK':
      return after
        ? `ICMP CHECK on service ${c.rs} of ${c.vs} failed after ${c.retry} retries.`
        : `ICMP CHECK on service ${c.rs} failed.`;
    case 'HTTP_GET':
    case 'SSL_GET':
      // keepalived 2.2.7 says HTTP_CHECK for SSL_GET too.
      return after
        ? `HTTP_CHECK on service ${c.rs} failed after ${c.retry} retries.`
        : `HTTP_CHECK on service ${c.rs} failed.`;
    case 'SMTP_CHECK':
      // smtp_final: "SMTP_CHECK " + the reason, which names the connect address ([ip]:port).
      return `SMTP_CHECK ${c.reason ?? 'failed'}`;
    case 'DNS_CHECK':
      return `DNS_CHECK (${c.rs}) ${c.reason ?? 'failed'}${after ? ` after ${c.retry} retries` : ''}`;
    case 'MISC_CHECK': {
      const suffix = c.retry > 0 ? ` after ${c.retry} ${plural(c.retry)}` : ' with retry disabled';
      return miscFailure(c, suffix);
    }
    case 'FILE_CHECK':
    case 'BFD_CHECK':
      return `${type} for ${c.rs} failed.`;
  }
}

/** MISC_CHECK: `failed (exited with status 1)` / `timed out` with keepalived's retry suffix. */
function miscFailure(c: VerdictContext, suffix: string): string {
  const reason = c.reason ?? 'failed';
  const m = /^(exited with status|due to signal) (\d+)$/.exec(reason);
  const head = `Misc check for [${c.rs} VS ${c.vs}] by [${c.script ?? ''}]`;
  if (m) return `${head} failed${suffix} (${m[1]} ${m[2]}).`;
  if (reason === 'timed out') return `${head} timed out${suffix}.`;
  return `${head} failed${suffix} (${reason}).`;
}

/** A failed attempt as keepalived sees it when it decides whether to log it. */
export interface FailedAttempt {
  /** The checker was up before this attempt (keepalived is_up). */
  readonly isUp: boolean;
  /** This failure takes the checker down (no retry left). */
  readonly final: boolean;
  /** MISC_CHECK: keepalived's retry_it after this failure (1 = the scheduled run failed). */
  readonly n: number;
}

/**
 * With log_all_failures (or global checker_log_all_failures): the line keepalived 2.2.7 logs for a
 * failed attempt, or undefined where it logs none. TCP, UDP and PING log every failure of an up
 * checker, the final one too (check_tcp.c tcp_check_thread, check_udp.c udp_check_thread,
 * check_ping.c icmp_check_thread); HTTP_GET/SSL_GET every failure of an up or not yet run checker
 * (check_http.c timeout_epilog); DNS, SMTP and MISC only the failures that are not final, since
 * their final one is the verdict line (dns_final, smtp_final, misc_check_child_thread).
 */
export function failureLine(type: CheckerType, c: VerdictContext, a: FailedAttempt): string | undefined {
  const reason = c.reason ?? 'failed';
  const upOrFirst = a.isUp || !c.hasRun;
  switch (type) {
    case 'TCP_CHECK':
      if (!a.isUp) return undefined;
      return `TCP connection to ${c.rs} ${reason === 'timeout' ? 'timeout' : 'failed'}.`;
    case 'UDP_CHECK':
      if (!a.isUp) return undefined;
      return reason.startsWith('reply data mismatch')
        ? `UDP check to ${c.rs} reply data mismatch.`
        : `UDP connection to ${c.rs} failed.`;
    case 'PING_CHECK':
      if (!a.isUp) return undefined;
      return reason.includes('timeout')
        ? `ICMP connection to address ${c.rs} timeout.`
        : `ICMP connection to ${c.rs} of ${c.vs} failed.`;
    case 'HTTP_GET':
    case 'SSL_GET':
      // keepalived's phrase "Read, no data received from " ends in a space: its line has two.
      return upOrFirst
        ? `${reason}${reason === 'Read, no data received from' ? ' ' : ''} server ${c.rs}.`
        : undefined;
    case 'DNS_CHECK':
      return upOrFirst && !a.final ? `DNS_CHECK (${c.rs}) ${reason}` : undefined;
    case 'SMTP_CHECK':
      return upOrFirst && !a.final ? `SMTP_CHECK ${reason}` : undefined;
    case 'MISC_CHECK': {
      if (!upOrFirst || a.final) return undefined;
      const suffix =
        a.n === 1 ? `, will do ${c.retry} ${plural(c.retry)}` : ` on retry ${a.n - 1}/${c.retry}`;
      return miscFailure(c, suffix);
    }
    case 'FILE_CHECK':
    case 'BFD_CHECK':
      return undefined;
  }
}

/** The smtp_alert body for a verdict. */
export function mailBody(type: CheckerType, up: boolean, reason?: string): string {
  switch (type) {
    case 'TCP_CHECK':
      return up ? '=> TCP CHECK succeed on service <=' : '=> TCP CHECK failed on service <=';
    case 'UDP_CHECK':
      return up ? '=> UDP CHECK succeed on service <=' : '=> UDP CHECK failed on service <=';
    case 'PING_CHECK':
      return up ? '=> ICMP CHECK succeed on service <=' : '=> ICMP CHECK failed on service <=';
    case 'HTTP_GET':
    case 'SSL_GET':
      return up ? '=> CHECK succeed on service <=' : '=> CHECK failed on service : HTTP request failed <=';
    case 'SMTP_CHECK':
      return up
        ? '=> CHECK succeed on service <='
        : reason !== undefined
          ? `=> CHECK failed on service : ${reason} <=`
          : '=> CHECK failed on service <=';
    case 'DNS_CHECK':
      return up ? '=> DNS_CHECK: succeed on service <=' : '=> DNS_CHECK: failed on service <=';
    case 'MISC_CHECK':
      return `=> MISC CHECK ${up ? 'succeeded' : reason === 'timed out' ? 'timed out' : 'failed'} on service <=`;
    case 'FILE_CHECK':
    case 'BFD_CHECK':
      return `=> ${type === 'FILE_CHECK' ? 'FILE' : 'BFD'} CHECK ${up ? 'succeeded' : 'failed'} on service <=`;
  }
}
