/**
 * PING_CHECK (keepalived check_ping.c): one ICMP / ICMPv6 echo request per attempt on a fresh "ping
 * socket" (SOCK_DGRAM + IPPROTO_ICMP / IPPROTO_ICMPV6, through the addon's syscalls), 128 bytes of
 * "keepalived check - " as payload and a process-wide incrementing sequence. Success is an echo reply
 * with that sequence within the timeout (the kernel delivers only replies with the socket's
 * identifier); any other ICMP message, or a short one, fails at once (recv_it); silence is a timeout.
 * connect_port is irrelevant. bindto, bind_if (SO_BINDTODEVICE, and the scope of a link-local
 * destination) and fwmark (SO_MARK) are applied to the socket.
 *
 * Ping sockets are allowed to the groups in /proc/sys/net/ipv4/ping_group_range (per network
 * namespace; "1 0", nobody, in a new one). As keepalived's set_ping_group_range does, creating a
 * PING_CHECK makes the range start at gid 0 (ensurePingGroupRange); restorePingGroupRange puts the
 * old value back at stop.
 *
 * Bytes: src/check/icmp-echo.ts (pure).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { PingChecker } from '../../config/model.js';
import {
  AF_INET,
  AF_INET6,
  IPPROTO_ICMPV6,
  SO_BINDTODEVICE,
  SO_RCVBUF,
  SOCK_DGRAM,
  SOL_SOCKET,
} from '../../kernel/constants.js';
import { ifNameToIndex } from '../../kernel/interfaces.js';
import { isSyscallError, kernel } from '../../kernel/native.js';
import { encodeSockaddrIn, encodeSockaddrIn6 } from '../../kernel/sockaddr.js';
import { boundedAttempt } from '../attempt.js';
import { encodeEchoRequest, judgeEcho, PING_PAYLOAD_LENGTH, pingGroupRangeRewrite } from '../icmp-echo.js';
import type { CheckerEnv, CheckerModule, ConnectTarget } from '../types.js';
import { fillerPayload } from '../udp-payload.js';

const IPPROTO_ICMP = 1;
const SO_MARK = 36;
/** keepalived's SOCK_RECV_BUFF. */
const RECEIVE_BUFFER = 128 * 1024;
export const PING_GROUP_RANGE = '/proc/sys/net/ipv4/ping_group_range';

let sequence = 0;

/**
 * Let gid 0 open ping sockets in this network namespace. Returns the previous text when it was
 * changed (for restorePingGroupRange), else undefined. Never throws.
 */
export function ensurePingGroupRange(log?: CheckerEnv['log'], path = PING_GROUP_RANGE): string | undefined {
  try {
    const before = readFileSync(path, 'utf8');
    const next = pingGroupRangeRewrite(before);
    if (next === undefined) return undefined;
    writeFileSync(path, next);
    log?.('info', `set ${path} to ${next.trim().replace('\t', ' ')} (was ${before.trim()}) for PING_CHECK`);
    return before;
  } catch (e) {
    log?.('warning', `cannot set ${path}: ${(e as Error).message}`);
    return undefined;
  }
}

export function restorePingGroupRange(saved: string, path = PING_GROUP_RANGE): void {
  try {
    const [min, max] = saved.trim().split(/\s+/);
    writeFileSync(path, `${min}\t${max}\n`);
  } catch {
    // nothing to do: the namespace may be gone
  }
}

const errName = (e: unknown) => (isSyscallError(e) ? e.code : (e as Error).message);

function destination(target: ConnectTarget): Buffer | undefined {
  if (target.family === 'ipv4') return encodeSockaddrIn(target.address, 0);
  const scope = target.bindIf !== undefined ? (ifNameToIndex(target.bindIf) ?? 0) : 0;
  return encodeSockaddrIn6(target.address, 0, /^fe[89ab]/i.test(target.address) ? scope : 0);
}

/** Opens and prepares the ping socket; returns the fd or why not. */
function openPingSocket(target: ConnectTarget): number | string {
  const k = kernel();
  const v4 = target.family === 'ipv4';
  let fd: number;
  try {
    fd = k.socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM, v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
  } catch (e) {
    return `cannot open ICMP${v4 ? '' : 'v6'} socket (${errName(e)})`;
  }
  try {
    try {
      k.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, RECEIVE_BUFFER);
    } catch {
      // keepalived: OK if it fails
    }
    if (target.fwmark !== undefined) k.setsockopt(fd, SOL_SOCKET, SO_MARK, target.fwmark);
    if (target.bindIf !== undefined)
      k.setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${target.bindIf}\0`));
    if (target.bindto !== undefined) {
      const local = v4 ? encodeSockaddrIn(target.bindto, 0) : encodeSockaddrIn6(target.bindto, 0);
      if (local === undefined) throw new Error(`bad bindto ${target.bindto}`);
      k.bind(fd, local);
    }
    return fd;
  } catch (e) {
    k.close(fd);
    return `cannot set up ICMP socket (${errName(e)})`;
  }
}

export const pingCheck: CheckerModule<'PING_CHECK'> = {
  type: 'PING_CHECK',
  defaults: { retry: 1, delayBeforeRetryMs: 1000 },
  create(_spec: PingChecker, target, env) {
    ensurePingGroupRange(env.log);
    const payload = fillerPayload(PING_PAYLOAD_LENGTH);
    return (ctx) =>
      boundedAttempt(
        ctx,
        () => ({ ok: false, reason: 'no echo reply (timeout)' }),
        (finish) => {
          const dst = destination(target);
          if (dst === undefined) {
            finish({ ok: false, reason: `bad address ${target.address}` });
            return undefined;
          }
          const fd = openPingSocket(target);
          if (typeof fd === 'string') {
            finish({ ok: false, reason: fd });
            return undefined;
          }
          const k = kernel();
          const seq = sequence;
          sequence = (sequence + 1) & 0xffff;
          k.watch(fd, (data, _source, _control, error) => {
            if (error !== undefined || data === null) {
              finish({ ok: false, reason: `receive failed (${error?.code ?? 'no data'})` });
              return;
            }
            const v = judgeEcho(target.family, data, seq);
            if (v.kind === 'reply') finish({ ok: true, detail: `echo reply seq ${seq}` });
            else if (v.kind === 'failure') finish({ ok: false, reason: v.reason });
          });
          try {
            k.sendto(fd, encodeEchoRequest(target.family, 0, seq, payload), dst, 0);
          } catch (e) {
            finish({ ok: false, reason: `send failed (${errName(e)})` });
          }
          return () => k.close(fd);
        },
      );
  },
};
