/**
 * DNS_CHECK (keepalived check_dns.c): one UDP query to the target, a random ID per attempt, RD set,
 * the configured `name` (default the root) and `type` (default SOA). Success is a reply with that ID,
 * QR=1 and RCODE 0, whatever its answer section holds. Datagrams with another ID, shorter than a
 * header or with QR=0 are ignored and the attempt keeps waiting; RCODE != 0 fails at once.
 * keepalived's per-type defaults: retry 3, delay_before_retry = delay_loop.
 *
 * Bytes: src/check/dns-codec.ts (pure). I/O: src/check/udp-exchange.ts.
 */
import { randomInt } from 'node:crypto';
import type { DnsChecker } from '../../config/model.js';
import { DEFAULT_DNS_TYPE, encodeQuery, judgeReply } from '../dns-codec.js';
import type { CheckerEnv, CheckerModule, CheckOutcome } from '../types.js';
import { describeSocketError, udpExchange, unappliedOptions } from '../udp-exchange.js';

/** What DNS_CHECK may take from its environment beyond CheckerEnv (tests inject the query ID). */
export interface DnsCheckerEnv extends CheckerEnv {
  /** A 16-bit query ID; default crypto.randomInt. */
  readonly randomId?: () => number;
}

const TIMEOUT: CheckOutcome = { ok: false, reason: 'read timeout from socket' };

export const dnsCheck: CheckerModule<'DNS_CHECK'> = {
  type: 'DNS_CHECK',
  defaults: { retry: 3 },
  create(spec: DnsChecker, target, env: DnsCheckerEnv) {
    const name = spec.name ?? '';
    const type = spec.queryType || DEFAULT_DNS_TYPE;
    const nextId = env.randomId ?? (() => randomInt(0, 0x10000));
    const probe = encodeQuery(0, name, type);
    if (!probe.ok) env.log('error', `DNS_CHECK: ${probe.reason}`);
    const unapplied = unappliedOptions(target);
    if (unapplied.length > 0)
      env.log('warning', `DNS_CHECK: ${unapplied.join(', ')} not applied to its UDP socket`);
    return (ctx) => {
      const id = nextId() & 0xffff;
      const q = encodeQuery(id, name, type);
      if (!q.ok) return Promise.resolve({ ok: false, reason: q.reason });
      return udpExchange(target, ctx, {
        payload: q.query,
        onDatagram: (data) => {
          const v = judgeReply(id, data);
          if (v.kind === 'ignore') return 'wait';
          return v.kind === 'success' ? { ok: true } : { ok: false, reason: v.reason };
        },
        onTimeout: () => TIMEOUT,
        onError: (e) => ({
          ok: false,
          reason:
            e.syscall === 'send'
              ? `failed to write socket. (${describeSocketError(e)})`
              : `failed to read socket (${describeSocketError(e)})`,
        }),
      });
    };
  },
};
