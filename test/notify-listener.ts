/**
 * A stand-in for systemd's notification socket: a unix datagram socket (a path, or an abstract
 * '@name') that collects every datagram, through the kernel addon as vigil's sender uses it.
 */
import { AF_UNIX, SOCK_DGRAM } from '../src/kernel/constants.js';
import { kernel } from '../src/kernel/native.js';
import { encodeSockaddrUn } from '../src/kernel/sockaddr.js';

export interface NotifyListener {
  /** Every datagram received so far, in order. */
  readonly messages: string[];
  /** Date.now() when each message arrived. */
  readonly receivedAt: number[];
  close(): void;
}

export function listenNotify(address: string): NotifyListener {
  const sockaddr = encodeSockaddrUn(address);
  if (sockaddr === undefined) throw new Error(`bad unix socket address ${address}`);
  const k = kernel();
  const fd = k.socket(AF_UNIX, SOCK_DGRAM, 0);
  const messages: string[] = [];
  const receivedAt: number[] = [];
  try {
    k.bind(fd, sockaddr);
    k.watch(fd, (data) => {
      if (data) {
        messages.push(data.toString('utf8'));
        receivedAt.push(Date.now());
      }
    });
  } catch (e) {
    k.close(fd);
    throw e;
  }
  return { messages, receivedAt, close: () => k.close(fd) };
}
