/**
 * rtnetlink client (edge): one NETLINK_ROUTE socket carrying requests with sequence numbers; a request
 * resolves on the kernel's ack (or NLMSG_DONE for dumps) and rejects with a NetlinkError whose `code` is
 * the errno name ('EEXIST', 'EADDRNOTAVAIL', ...). All byte layouts live in netlink-codec.ts.
 *
 * This socket joins no multicast group, so every message it reads answers one of its own requests; the
 * link watcher (link-watcher.ts) uses its own socket for events.
 */
import { constants as osConstants } from 'node:os';
import type { IpFamily } from '../net/addr.js';
import {
  AF_NETLINK,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_EXT_ACK,
  NETLINK_ROUTE,
  NLM_F_DUMP_INTR,
  NLM_F_MULTI,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_NOOP,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  SOCK_RAW,
  SOL_NETLINK,
  SOL_SOCKET,
} from './constants.js';
import { kernel, type SyscallError } from './native.js';
import {
  decodeAck,
  decodeAddressMessage,
  decodeLinkMessage,
  type EncodeResult,
  encodeAddressRequest,
  encodeDeleteLinkRequest,
  encodeGetAddressDump,
  encodeGetLinkDump,
  encodeLinkChangeRequest,
  encodeMacvlanRequest,
  encodeRouteRequest,
  type InterfaceAddress,
  type LinkChangeRequest,
  type LinkInfo,
  type MacvlanRequest,
  type NlMessage,
  type RouteSpec,
  splitNlMessages,
} from './netlink-codec.js';
import { encodeSockaddrNl } from './sockaddr.js';

const ERRNO_NAMES = new Map<number, string>(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

/** errno number -> name ('EEXIST'), or 'E<n>' for an unknown number. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `E${errno}`;
}

/** A request the kernel refused: `code` is the errno name, `errno` the number. */
export class NetlinkError extends Error {
  readonly code: string;
  readonly errno: number;
  constructor(operation: string, errno: number, detail?: string) {
    const code = errnoName(errno);
    super(`netlink ${operation}: ${code}${detail ? ` (${detail})` : ''}`);
    this.name = 'NetlinkError';
    this.code = code;
    this.errno = errno;
  }
}

interface Pending {
  readonly operation: string;
  readonly resolve: (messages: NlMessage[]) => void;
  readonly reject: (e: Error) => void;
  readonly collected: NlMessage[];
  readonly timer: NodeJS.Timeout;
}

export interface NetlinkSocketOptions {
  /** NETLINK_ROUTE (default) or NETLINK_GENERIC (genetlink.ts). */
  protocol?: number;
  /** RTNLGRP_* groups to join (event sockets). */
  groups?: readonly number[];
  /** Receive buffer (bytes) for event sockets, so bursts are not lost (ENOBUFS). */
  receiveBuffer?: number;
  /** Called for messages that answer no request (group events). */
  onEvent?: (m: NlMessage) => void;
  /** Called when the socket reports an error, e.g. ENOBUFS: events were lost and state must be re-read. */
  onError?: (e: SyscallError) => void;
  /** A request without an answer after this long rejects with ETIMEDOUT. Default 5000 ms. */
  timeoutMs?: number;
}

/** A netlink socket (NETLINK_ROUTE unless told otherwise) with request/ack bookkeeping. */
export class NetlinkSocket {
  readonly #fd: number;
  readonly #pending = new Map<number, Pending>();
  readonly #timeoutMs: number;
  readonly #opts: NetlinkSocketOptions;
  #seq: number;
  #closed = false;

  constructor(opts: NetlinkSocketOptions = {}) {
    const k = kernel();
    this.#opts = opts;
    this.#timeoutMs = opts.timeoutMs ?? 5000;
    // Start from a time-derived number so replies meant for an earlier process are never mistaken as ours.
    this.#seq = (Date.now() & 0x3fffffff) + 1;
    this.#fd = k.socket(AF_NETLINK, SOCK_RAW, opts.protocol ?? NETLINK_ROUTE);
    try {
      if (opts.receiveBuffer) {
        try {
          k.setsockopt(this.#fd, SOL_SOCKET, SO_RCVBUFFORCE, opts.receiveBuffer);
        } catch {
          k.setsockopt(this.#fd, SOL_SOCKET, SO_RCVBUF, opts.receiveBuffer);
        }
      }
      try {
        k.setsockopt(this.#fd, SOL_NETLINK, NETLINK_EXT_ACK, 1); // kernel error text in acks (4.12+)
      } catch {
        // Older kernels: plain errno acks are enough.
      }
      k.bind(this.#fd, encodeSockaddrNl(0, 0));
      for (const g of opts.groups ?? []) k.setsockopt(this.#fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, g);
      k.watch(this.#fd, (data, _src, _control, error) => {
        if (error) this.#onSocketError(error);
        else if (data) this.#onDatagram(data);
      });
    } catch (e) {
      k.close(this.#fd);
      throw e;
    }
  }

  /** Sends a request built for sequence number `seq`; resolves with the reply messages on ack/done. */
  request(operation: string, build: (seq: number) => EncodeResult | Buffer): Promise<NlMessage[]> {
    if (this.#closed) return Promise.reject(new NetlinkError(operation, osConstants.errno.EBADF));
    const seq = this.#nextSeq();
    const built = build(seq);
    if (!Buffer.isBuffer(built) && !built.ok)
      return Promise.reject(new Error(`netlink ${operation}: ${built.reason}`));
    const bytes = Buffer.isBuffer(built) ? built : built.bytes;
    return new Promise<NlMessage[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(seq);
        reject(new NetlinkError(operation, osConstants.errno.ETIMEDOUT, 'no answer from the kernel'));
      }, this.#timeoutMs);
      this.#pending.set(seq, { operation, resolve, reject, collected: [], timer });
      try {
        kernel().sendto(this.#fd, bytes, encodeSockaddrNl(0, 0), 0);
      } catch (e) {
        clearTimeout(timer);
        this.#pending.delete(seq);
        reject(e);
      }
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    kernel().close(this.#fd);
    for (const [seq, p] of this.#pending) {
      clearTimeout(p.timer);
      this.#pending.delete(seq);
      p.reject(new NetlinkError(p.operation, osConstants.errno.ECANCELED, 'socket closed'));
    }
  }

  #nextSeq(): number {
    this.#seq = this.#seq >= 0xfffffffe ? 1 : this.#seq + 1;
    return this.#seq;
  }

  #onSocketError(error: SyscallError): void {
    this.#opts.onError?.(error);
  }

  #onDatagram(data: Buffer): void {
    const { messages } = splitNlMessages(data);
    for (const m of messages) {
      const p = this.#pending.get(m.seq);
      if (!p) {
        if (m.type !== NLMSG_NOOP) this.#opts.onEvent?.(m);
        continue;
      }
      if (m.type === NLMSG_ERROR) {
        this.#settle(m.seq, p);
        const ack = decodeAck(m);
        if (!ack.ok) p.reject(new Error(`netlink ${p.operation}: ${ack.reason}`));
        else if (ack.value.errno !== 0)
          p.reject(new NetlinkError(p.operation, ack.value.errno, ack.value.message));
        else p.resolve(p.collected);
      } else if (m.type === NLMSG_DONE) {
        this.#settle(m.seq, p);
        p.resolve(p.collected);
      } else {
        p.collected.push(m);
        // A single-part reply (no NLM_F_MULTI) completes the request by itself.
        if ((m.flags & NLM_F_MULTI) === 0) {
          this.#settle(m.seq, p);
          p.resolve(p.collected);
        }
      }
    }
  }

  #settle(seq: number, p: Pending): void {
    clearTimeout(p.timer);
    this.#pending.delete(seq);
  }
}

/** The operations the daemon needs: VIPs, virtual routes, VMAC interfaces, and the link/address inventory. */
export class RtnlClient {
  readonly #socket: NetlinkSocket;

  constructor(opts: Pick<NetlinkSocketOptions, 'timeoutMs'> = {}) {
    this.#socket = new NetlinkSocket(opts);
  }

  /** `ip addr add` with NLM_F_EXCL: rejects with code 'EEXIST' when the address is already there. */
  async addAddress(a: InterfaceAddress): Promise<void> {
    await this.#socket.request(`add address ${a.address}/${a.prefixLength}`, (seq) =>
      encodeAddressRequest('add', a, seq),
    );
  }

  /** `ip addr del`: rejects with 'EADDRNOTAVAIL' when the address is not present. */
  async deleteAddress(a: InterfaceAddress): Promise<void> {
    await this.#socket.request(`delete address ${a.address}/${a.prefixLength}`, (seq) =>
      encodeAddressRequest('delete', a, seq),
    );
  }

  /** `ip route add` with NLM_F_EXCL: rejects with 'EEXIST' when an identical route exists. */
  async addRoute(r: RouteSpec): Promise<void> {
    await this.#socket.request(`add route ${r.dst ?? 'default'}/${r.prefixLength}`, (seq) =>
      encodeRouteRequest('add', r, seq),
    );
  }

  /** `ip route del`: rejects with 'ESRCH' when no such route exists. */
  async deleteRoute(r: RouteSpec): Promise<void> {
    await this.#socket.request(`delete route ${r.dst ?? 'default'}/${r.prefixLength}`, (seq) =>
      encodeRouteRequest('delete', r, seq),
    );
  }

  /** `ip link add NAME link BASE address MAC type macvlan mode M` (or the same settings on an existing one). */
  async setMacvlan(r: MacvlanRequest): Promise<void> {
    const what = r.op === 'create' ? r.name : `#${r.ifindex}`;
    await this.#socket.request(`${r.op} macvlan ${what}`, (seq) => encodeMacvlanRequest(r, seq));
  }

  /** `ip link set` (up/down, IPv6 address generation). */
  async changeLink(r: LinkChangeRequest): Promise<void> {
    await this.#socket.request(`change link #${r.ifindex}`, (seq) => encodeLinkChangeRequest(r, seq));
  }

  /** `ip link del`: rejects with 'ENODEV' when there is no such interface. */
  async deleteLink(ifindex: number): Promise<void> {
    await this.#socket.request(`delete link #${ifindex}`, (seq) => encodeDeleteLinkRequest(ifindex, seq));
  }

  async listLinks(): Promise<LinkInfo[]> {
    const messages = await this.#dump('list links', (seq) => encodeGetLinkDump(seq));
    const out: LinkInfo[] = [];
    for (const m of messages) {
      const d = decodeLinkMessage(m);
      if (d.ok) out.push(d.value.link);
    }
    return out;
  }

  async listAddresses(family?: IpFamily): Promise<InterfaceAddress[]> {
    const messages = await this.#dump('list addresses', (seq) => encodeGetAddressDump(seq, family));
    const out: InterfaceAddress[] = [];
    for (const m of messages) {
      const d = decodeAddressMessage(m);
      if (d.ok) out.push(d.value.address);
    }
    return out;
  }

  /**
   * A dump that changed while the kernel produced it carries NLM_F_DUMP_INTR and may be inconsistent:
   * repeat it (a few times) as iproute2 does.
   */
  async #dump(operation: string, build: (seq: number) => Buffer): Promise<NlMessage[]> {
    for (let attempt = 1; ; attempt++) {
      const messages = await this.#socket.request(operation, build);
      if (!messages.some((m) => (m.flags & NLM_F_DUMP_INTR) !== 0) || attempt === 5) return messages;
    }
  }

  close(): void {
    this.#socket.close();
  }
}
