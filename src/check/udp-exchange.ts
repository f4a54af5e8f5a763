/**
 * The I/O edge shared by DNS_CHECK and UDP_CHECK: one connected UDP socket (node:dgram), one datagram
 * sent, then datagrams and errors handed to the checker's pure judgement until it decides, the
 * timeout passes or the attempt is aborted. The socket and timer are always released.
 *
 * keepalived connects the socket (core/layer4.c socket_bind_connect / udp_bind_connect), so an ICMP
 * destination unreachable for it is reported on the socket: node:dgram surfaces it as an 'error'
 * (ECONNREFUSED for port unreachable, EHOSTUNREACH / ENETUNREACH for the others).
 *
 * Not done through node:dgram: `bind_if` (SO_BINDTODEVICE) is only used as the scope of an IPv6
 * link-local destination, and `fwmark` (SO_MARK) cannot be set; unappliedOptions names them so the
 * checker logs them once when it is created.
 */
import { createSocket } from 'node:dgram';
import { boundedAttempt } from './attempt.js';
import type { AttemptContext, CheckOutcome, ConnectTarget } from './types.js';

/** What the checker makes of one datagram: keep waiting, or the attempt's verdict. */
export type DatagramJudgement = 'wait' | CheckOutcome;

export interface UdpExchange {
  readonly payload: Uint8Array;
  readonly onDatagram: (data: Buffer) => DatagramJudgement;
  /** The verdict when nothing decided within the timeout. */
  readonly onTimeout: () => CheckOutcome;
  /** The verdict for a socket error (ICMP unreachable, send failure...). */
  readonly onError: (err: NodeJS.ErrnoException) => CheckOutcome;
}

const isLinkLocal = (t: ConnectTarget) => t.family === 'ipv6' && /^fe[89ab]/i.test(t.address);

/** The connection options a UDP exchange cannot apply to its socket, in words for a warning. */
export function unappliedOptions(target: ConnectTarget): string[] {
  const out: string[] = [];
  if (target.fwmark !== undefined) out.push(`fwmark ${target.fwmark}`);
  if (target.bindIf !== undefined && !isLinkLocal(target)) out.push(`bind_if ${target.bindIf}`);
  return out;
}

/** The destination as node:dgram wants it: an IPv6 link-local address carries its interface. */
export function dgramAddress(target: ConnectTarget): string {
  if (target.bindIf !== undefined && isLinkLocal(target)) return `${target.address}%${target.bindIf}`;
  return target.address;
}

export function udpExchange(
  target: ConnectTarget,
  ctx: AttemptContext,
  ex: UdpExchange,
): Promise<CheckOutcome> {
  return boundedAttempt(ctx, ex.onTimeout, (finish, isDone) => {
    const s = createSocket({ type: target.family === 'ipv4' ? 'udp4' : 'udp6' });
    s.on('error', (e: NodeJS.ErrnoException) => finish(ex.onError(e)));
    s.on('message', (msg) => {
      if (isDone()) return;
      const j = ex.onDatagram(msg);
      if (j !== 'wait') finish(j);
    });
    const connectAndSend = (): void => {
      s.connect(target.port, dgramAddress(target), (err?: Error) => {
        if (isDone()) return;
        if (err) {
          finish(ex.onError(err as NodeJS.ErrnoException));
          return;
        }
        s.send(ex.payload, (e) => {
          if (e) finish(ex.onError(e as NodeJS.ErrnoException));
        });
      });
    };
    if (target.bindto !== undefined || target.bindPort !== undefined) {
      const local = target.bindto !== undefined ? { address: target.bindto } : {};
      s.bind({ port: target.bindPort ?? 0, ...local }, () => {
        if (!isDone()) connectAndSend();
      });
    } else connectAndSend();
    return () => s.close();
  });
}

/** errno name to keepalived's strerror-style words, for reasons. */
export function describeSocketError(e: NodeJS.ErrnoException): string {
  return e.code ?? e.message;
}
