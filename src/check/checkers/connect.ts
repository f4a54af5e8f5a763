/**
 * The TCP connect every connection checker starts with (TCP_CHECK, HTTP_GET, SSL_GET, SMTP_CHECK),
 * as keepalived's `core/layer4.c:socket_bind_connect` + `socket_state` do it: optional SO_MARK
 * (fwmark), SO_BINDTODEVICE (bind_if) and bind (bindto/bind_port), then a non-blocking connect
 * bounded by connect_timeout.
 *
 * keepalived sorts the outcome into four classes, and each checker words them its own way:
 * - `timeout`: no answer within connect_timeout (or SO_ERROR ETIMEDOUT);
 * - `fail`: the peer or the path said no (ECONNREFUSED, EHOSTUNREACH, ECONNRESET...);
 * - `unreachable`: connect() itself failed with ENETUNREACH/ENETDOWN (keepalived's synchronous
 *   connect_fail, which HTTP and SMTP report as "network unreachable");
 * - `error`: the socket could not be set up (setsockopt, bind, an unexpected connect errno). keepalived
 *   logs "... socket bind failed. Rescheduling." and gives no verdict; vigil has to give one and
 *   reports a failure with that wording (see each checker).
 *
 * Node cannot set SO_MARK or SO_BINDTODEVICE on a net.Socket. When the checker has `fwmark` or
 * `bind_if`, the socket is created by vigil's own addon (native/vigil_kernel.c: socket + setsockopt),
 * the options are set on it, and net.Socket adopts the descriptor before connecting. Without them
 * plain node:net is used and the addon is not needed.
 */
import { Socket } from 'node:net';
import { AF_INET, AF_INET6, SO_BINDTODEVICE, SOL_SOCKET } from '../../kernel/constants.js';
import { kernel } from '../../kernel/native.js';
import type { ConnectTarget } from '../types.js';

/** SO_MARK (asm-generic/socket.h); not in src/kernel/constants.ts because only checkers use it. */
const SO_MARK = 36;
const SOCK_STREAM = 1;
const IPPROTO_TCP = 6;

export type ConnectClass = 'timeout' | 'fail' | 'unreachable' | 'error' | 'aborted';

export type ConnectResult =
  | { readonly ok: true; readonly socket: Socket; readonly deadline: number }
  | { readonly ok: false; readonly class: ConnectClass; readonly code?: string };

const FAIL_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
]);

/**
 * Sorts a connect error into keepalived's classes (pure). `syscall` is Node's: 'bind' and
 * 'setsockopt' failures are set-up errors; for 'connect', keepalived's errno lists apply.
 */
export function classifyConnectError(code: string | undefined, syscall: string | undefined): ConnectClass {
  if (syscall !== undefined && syscall !== 'connect') return 'error';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (code === 'ENETUNREACH' || code === 'ENETDOWN') return 'unreachable';
  if (code !== undefined && FAIL_CODES.has(code)) return 'fail';
  return 'error';
}

/** keepalived's `inet_sockaddrtopair`: `[address]:port` for both families. */
export function formatPair(address: string, port: number): string {
  return `[${address}]:${port}`;
}

/**
 * Connects to `target` within `timeoutMs`. On success the caller owns the socket, which emits no
 * 'data' until the caller listens or resumes it; `deadline` is when the connect timer would have fired (SSL_GET's handshake must
 * finish by then, as keepalived keeps the connect thread's timer for SSL_connect). On failure
 * nothing is left open.
 */
export function openConnection(
  target: ConnectTarget,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<ConnectResult> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve({ ok: false, class: 'aborted' });
      return;
    }
    let socket: Socket;
    try {
      socket = makeSocket(target);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      resolve({ ok: false, class: 'error', code: err.code ?? err.message });
      return;
    }
    let settled = false;
    const finish = (r: ConnectResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      socket.removeListener('connect', onConnect);
      // An error between now and the caller's own listener must not be thrown (it shows as a closed socket).
      socket.on('error', ignore);
      if (!r.ok) socket.destroy();
      resolve(r);
    };
    const onAbort = () => finish({ ok: false, class: 'aborted' });
    const onError = (err: NodeJS.ErrnoException) =>
      finish({ ok: false, class: classifyConnectError(err.code, err.syscall), code: err.code });
    const onConnect = () => finish({ ok: true, socket, deadline });
    const timer = setTimeout(() => finish({ ok: false, class: 'timeout' }), timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once('connect', onConnect);
    socket.connect({
      host: target.address,
      port: target.port,
      family: target.family === 'ipv6' ? 6 : 4,
      ...(target.bindto !== undefined ? { localAddress: target.bindto } : {}),
      ...(target.bindPort !== undefined ? { localPort: target.bindPort } : {}),
    });
  });
}

/** The listener that keeps a late socket error from being thrown (one function for all sockets). */
export function ignore(): void {}

/** A paused, unconnected socket; through the addon when SO_MARK or SO_BINDTODEVICE is needed. */
function makeSocket(target: ConnectTarget): Socket {
  const needsAddon = (target.fwmark !== undefined && target.fwmark !== 0) || target.bindIf !== undefined;
  // A plain socket emits no 'data' before its owner listens (paused mode buffers); pauseOnCreate
  // would cost ~2 KB more per attempt (bench/README.md "Checker storm").
  if (!needsAddon) return new Socket();
  const k = kernel();
  const fd = k.socket(target.family === 'ipv6' ? AF_INET6 : AF_INET, SOCK_STREAM, IPPROTO_TCP);
  try {
    if (target.fwmark !== undefined && target.fwmark !== 0) {
      const mark = Buffer.alloc(4);
      mark.writeUInt32LE(target.fwmark >>> 0);
      k.setsockopt(fd, SOL_SOCKET, SO_MARK, mark);
    }
    if (target.bindIf !== undefined)
      k.setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${target.bindIf}\0`));
    // pauseOnCreate: Node would otherwise start reading the not yet connected descriptor.
    return new Socket({ fd, pauseOnCreate: true } as ConstructorParameters<typeof Socket>[0]);
  } catch (e) {
    k.close(fd);
    const err = e as NodeJS.ErrnoException;
    err.syscall ??= 'setsockopt';
    throw err;
  }
}
