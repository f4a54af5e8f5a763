/**
 * Link watcher (edge): a netlink socket subscribed to RTNLGRP_LINK and the IPv4/IPv6 address groups.
 * It seeds its inventory with a link dump, then reports up/down/added/removed/renamed changes and raw
 * address events. When the kernel reports ENOBUFS (events were dropped) it re-dumps and reports the
 * difference, so a burst never leaves vigil with a stale view.
 */
import { RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_LINK } from './constants.js';
import { applyLinkEvent, type LinkChange, resyncLinks } from './link-state.js';
import { NetlinkSocket, RtnlClient } from './netlink.js';
import {
  type AddressEvent,
  decodeAddressMessage,
  decodeLinkMessage,
  type LinkInfo,
  type NlMessage,
} from './netlink-codec.js';

export interface LinkWatcherOptions {
  onLinkChange: (change: LinkChange) => void;
  onAddress?: (event: AddressEvent) => void;
  /** A resync failed (the inventory may be stale until the next event). */
  onError?: (error: Error) => void;
  /** Events were lost (ENOBUFS) and the inventory was re-read; `changes` is how many were reported. */
  onResync?: (changes: number) => void;
  /** Socket receive buffer in bytes (default 1 MiB; tests shrink it to provoke ENOBUFS). */
  receiveBuffer?: number;
}

export class LinkWatcher {
  readonly #links = new Map<number, LinkInfo>();
  readonly #events: NetlinkSocket;
  readonly #opts: LinkWatcherOptions;
  #closed = false;

  private constructor(opts: LinkWatcherOptions) {
    this.#opts = opts;
    this.#events = new NetlinkSocket({
      groups: [RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR],
      receiveBuffer: opts.receiveBuffer ?? 1 << 20,
      onEvent: (m) => this.#onEvent(m),
      onError: (e) => {
        if (e.code === 'ENOBUFS') void this.resync();
        else opts.onError?.(e);
      },
    });
  }

  /** Subscribes first, then dumps, so no change between the two is missed. */
  static async start(opts: LinkWatcherOptions): Promise<LinkWatcher> {
    const w = new LinkWatcher(opts);
    try {
      await w.resync(false);
    } catch (e) {
      w.close();
      throw e;
    }
    return w;
  }

  /** Current inventory by ifindex. */
  links(): ReadonlyMap<number, LinkInfo> {
    return this.#links;
  }

  linkByName(name: string): LinkInfo | undefined {
    for (const l of this.#links.values()) if (l.name === name) return l;
    return undefined;
  }

  /** Re-reads every link and reports what changed (reported = false only for the initial seed). */
  async resync(report = true): Promise<void> {
    const client = new RtnlClient();
    try {
      const dump = await client.listLinks();
      if (this.#closed) return;
      const changes = resyncLinks(this.#links, dump);
      if (report) {
        for (const c of changes) this.#opts.onLinkChange(c);
        this.#opts.onResync?.(changes.length);
      }
    } catch (e) {
      if (report) this.#opts.onError?.(e as Error);
      else throw e;
    } finally {
      client.close();
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#events.close();
  }

  #onEvent(m: NlMessage): void {
    const link = decodeLinkMessage(m);
    if (link.ok) {
      for (const c of applyLinkEvent(this.#links, link.value)) this.#opts.onLinkChange(c);
      return;
    }
    const addr = decodeAddressMessage(m);
    if (addr.ok) this.#opts.onAddress?.(addr.value);
  }
}
