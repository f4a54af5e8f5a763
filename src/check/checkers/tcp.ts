/**
 * TCP_CHECK (keepalived `check/check_tcp.c`): a TCP connect to connect_ip:connect_port within
 * connect_timeout, with bindto/bind_port/bind_if/fwmark applied (see connect.ts); no payload; the
 * socket is closed as soon as the handshake completes.
 *
 * Reasons: keepalived logs `TCP connection to <RS> timeout.` and `TCP connection to <RS> failed.`, so
 * a failure's reason starts with that word: `timeout`, `failed (<errno>)`. A socket keepalived cannot
 * set up (bind, SO_MARK, SO_BINDTODEVICE) makes it log `TCP socket bind failed. Rescheduling.` and
 * keep the checker's state; vigil reports `socket bind failed (<errno>)` as a failure.
 */
import type { CheckAttempt, CheckerModule, CheckOutcome } from '../types.js';
import { type ConnectResult, openConnection } from './connect.js';

const SUCCESS: CheckOutcome = Object.freeze({ ok: true, detail: 'TCP connection success' });

/** The verdict of a connect result (pure). */
export function tcpOutcome(r: ConnectResult): CheckOutcome {
  if (r.ok) return SUCCESS;
  switch (r.class) {
    case 'timeout':
      return { ok: false, reason: 'timeout' };
    case 'fail':
    case 'unreachable':
      return { ok: false, reason: `failed (${r.code ?? 'error'})` };
    case 'aborted':
      return { ok: false, reason: 'aborted' };
    case 'error':
      return { ok: false, reason: `socket bind failed (${r.code ?? 'error'})` };
  }
}

/**
 * `retriesWhileDown`: keepalived 2.2.7's tcp_epilog retries a down checker's failure after
 * delay_before_retry too (the life cycle's policy flag; see the chk-core branch's types.ts).
 */
export const tcpCheck: CheckerModule<'TCP_CHECK'> & { readonly retriesWhileDown: true } = {
  type: 'TCP_CHECK',
  defaults: { retry: 1, delayBeforeRetryMs: 1000 },
  retriesWhileDown: true,
  create(_spec, target): CheckAttempt {
    return async (ctx) => {
      const r = await openConnection(target, ctx.timeoutMs, ctx.signal);
      if (r.ok) r.socket.destroy();
      return tcpOutcome(r);
    };
  },
};
