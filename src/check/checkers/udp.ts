/**
 * UDP_CHECK (keepalived check_udp.c, core/layer4.c udp_bind_connect / udp_socket_state): one datagram
 * on a connected socket -- `payload` (hex) or 32 bytes of "keepalived check - " repeated.
 *
 * - Without `require_reply`: silence until the timeout is success, and so is any reply; only an error
 *   on the socket (an ICMP destination unreachable: ECONNREFUSED, EHOSTUNREACH...) is failure.
 * - With `require_reply`: a reply must come within the timeout. With `require_reply HEX`, the reply's
 *   length must be in [min_reply_length, max_reply_length] and its first min(length, HEX length)
 *   octets must match HEX (x/X nibbles match anything). keepalived 2.2.7 applies the length limits
 *   only when HEX is given (check_udp_thread tests reply_data first): a bare `require_reply` accepts
 *   any reply, and so does vigil.
 * An invalid hex string (keepalived reports a config error) is treated as absent: the default
 * payload, or a bare require_reply.
 *
 * Bytes: src/check/udp-payload.ts (pure). I/O: src/check/udp-exchange.ts.
 */
import type { UdpChecker } from '../../config/model.js';
import type { CheckerModule, CheckOutcome } from '../types.js';
import { describeSocketError, udpExchange, unappliedOptions } from '../udp-exchange.js';
import {
  DEFAULT_UDP_PAYLOAD_LENGTH,
  fillerPayload,
  parseHexString,
  type ReplyRule,
  replyMismatch,
} from '../udp-payload.js';

/** What the checker does with a UdpChecker: the payload and the reply rule (pure). */
export interface UdpPlan {
  readonly payload: Buffer;
  readonly requireReply: boolean;
  /** Only with `require_reply HEX`. */
  readonly rule?: ReplyRule;
}

export function udpPlan(spec: UdpChecker): UdpPlan {
  const parsed = spec.payload !== undefined ? parseHexString(spec.payload, false) : undefined;
  const payload = parsed?.data ?? fillerPayload(DEFAULT_UDP_PAYLOAD_LENGTH);
  if (spec.requireReply === undefined) return { payload, requireReply: false };
  const expected =
    typeof spec.requireReply === 'string' ? parseHexString(spec.requireReply, true) : undefined;
  if (expected === undefined) return { payload, requireReply: true };
  return {
    payload,
    requireReply: true,
    rule: { expected, minLength: spec.minReplyLength, maxLength: spec.maxReplyLength },
  };
}

/** The verdict for a reply datagram (pure). keepalived reads at most max_reply_length + 1 octets. */
export function judgeUdpReply(plan: UdpPlan, reply: Uint8Array): CheckOutcome {
  if (plan.rule === undefined) return { ok: true, detail: `reply of ${reply.length} bytes` };
  const seen = reply.subarray(0, plan.rule.maxLength + 1);
  const why = replyMismatch(seen, plan.rule);
  return why === undefined
    ? { ok: true, detail: `reply of ${reply.length} bytes` }
    : { ok: false, reason: `reply data mismatch: ${why}` };
}

export const udpCheck: CheckerModule<'UDP_CHECK'> = {
  type: 'UDP_CHECK',
  defaults: { retry: 1, delayBeforeRetryMs: 1000 },
  create(spec: UdpChecker, target, env) {
    const plan = udpPlan(spec);
    const unapplied = unappliedOptions(target);
    if (unapplied.length > 0)
      env.log('warning', `UDP_CHECK: ${unapplied.join(', ')} not applied to its UDP socket`);
    return (ctx) =>
      udpExchange(target, ctx, {
        payload: plan.payload,
        onDatagram: (data) => judgeUdpReply(plan, data),
        onTimeout: () =>
          plan.requireReply
            ? { ok: false, reason: 'no reply (timeout)' }
            : { ok: true, detail: 'no ICMP error' },
        onError: (e) => ({ ok: false, reason: `connection failed (${describeSocketError(e)})` }),
      });
  },
};
