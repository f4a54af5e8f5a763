/**
 * Generic netlink client (edge): a NETLINK_GENERIC socket over the shared request/ack plumbing
 * (netlink.ts), the controller lookup of a family by name, and request/dump helpers. All bytes in
 * genetlink-codec.ts.
 */
import { NETLINK_GENERIC, NLM_F_DUMP_INTR } from './constants.js';
import {
  decodeFamily,
  decodeGenlMessage,
  encodeGenlRequest,
  encodeGetFamily,
  type GenlFamily,
  type GenlMessage,
  type GenlRequest,
} from './genetlink-codec.js';
import { NetlinkError, NetlinkSocket, type NetlinkSocketOptions } from './netlink.js';

export class GenlSocket {
  readonly #socket: NetlinkSocket;

  constructor(opts: Pick<NetlinkSocketOptions, 'timeoutMs'> = {}) {
    this.#socket = new NetlinkSocket({ ...opts, protocol: NETLINK_GENERIC });
  }

  /** The family registered under `name`, or undefined when the kernel has none (module not loaded). */
  async family(name: string): Promise<GenlFamily | undefined> {
    try {
      const replies = await this.#socket.request(`resolve genetlink family ${name}`, (seq) =>
        encodeGetFamily(name, seq),
      );
      for (const m of replies) {
        const f = decodeFamily(m);
        if (f.ok) return f.value;
      }
      return undefined;
    } catch (e) {
      if (e instanceof NetlinkError && e.code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** An acknowledged request: resolves on the kernel's ack, rejects with a NetlinkError (code = errno name). */
  async request(operation: string, r: GenlRequest): Promise<GenlMessage[]> {
    const replies = await this.#socket.request(operation, (seq) => encodeGenlRequest(r, seq));
    return decodeAll(replies);
  }

  /** A dump, repeated (up to 5 times) while the kernel flags it interrupted by a concurrent change. */
  async dump(operation: string, r: GenlRequest): Promise<GenlMessage[]> {
    for (let attempt = 1; ; attempt++) {
      const replies = await this.#socket.request(operation, (seq) =>
        encodeGenlRequest({ ...r, dump: true }, seq),
      );
      if (!replies.some((m) => (m.flags & NLM_F_DUMP_INTR) !== 0) || attempt === 5) return decodeAll(replies);
    }
  }

  close(): void {
    this.#socket.close();
  }
}

function decodeAll(replies: readonly Parameters<typeof decodeGenlMessage>[0][]): GenlMessage[] {
  const out: GenlMessage[] = [];
  for (const m of replies) {
    const g = decodeGenlMessage(m);
    if (g.ok) out.push(g.value);
  }
  return out;
}
