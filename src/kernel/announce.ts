/**
 * Address announcements (edge): gratuitous ARP over an AF_PACKET socket and unsolicited Neighbour
 * Advertisements over an ICMPv6 raw socket, one sender per interface. The bytes come from arp.ts and
 * ndisc.ts; this file only opens, configures and writes sockets.
 */

import { buildGratuitousArp } from './arp.js';
import {
  AF_INET6,
  AF_PACKET,
  ETH_P_ARP,
  IPPROTO_ICMPV6,
  IPPROTO_IPV6,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  IPV6_MULTICAST_LOOP,
  SO_BINDTODEVICE,
  SOCK_RAW,
  SOL_SOCKET,
} from './constants.js';
import { ifNameToIndex, interfaceMac } from './interfaces.js';
import { kernel } from './native.js';
import { ALL_NODES, buildUnsolicitedNa, NA_HOP_LIMIT } from './ndisc.js';
import { encodeSockaddrIn6, encodeSockaddrLl } from './sockaddr.js';

/** Resolved interface facts; throws a clear Error when the interface does not exist. */
function lookupInterface(ifname: string): { ifindex: number; mac: Uint8Array } {
  const ifindex = ifNameToIndex(ifname);
  if (ifindex === undefined) throw new Error(`interface '${ifname}' not found`);
  const mac = interfaceMac(ifname);
  if (!mac) throw new Error(`interface '${ifname}' has no Ethernet address`);
  return { ifindex, mac };
}

/** Sends gratuitous ARPs for VIPs on one interface. */
export class GarpSender {
  readonly ifname: string;
  readonly ifindex: number;
  readonly mac: Uint8Array;
  #fd: number;

  constructor(ifname: string, mac?: Uint8Array) {
    const facts = lookupInterface(ifname);
    this.ifname = ifname;
    this.ifindex = facts.ifindex;
    this.mac = mac ?? facts.mac; // a VMAC interface would pass its own address
    const k = kernel();
    // Protocol 0: a send-only packet socket never queues received frames.
    this.#fd = k.socket(AF_PACKET, SOCK_RAW, 0);
    try {
      k.bind(this.#fd, encodeSockaddrLl({ protocol: 0, ifindex: this.ifindex }));
    } catch (e) {
      k.close(this.#fd);
      throw e;
    }
  }

  /** One gratuitous ARP for `vip` (callers repeat per garp_master_repeat). */
  send(vip: string): void {
    const built = buildGratuitousArp(this.mac, vip);
    if (!built.ok) throw new Error(`gratuitous ARP for ${vip}: ${built.reason}`);
    const to = encodeSockaddrLl({
      protocol: ETH_P_ARP,
      ifindex: this.ifindex,
      hwaddr: built.frame.subarray(0, 6),
    });
    kernel().sendto(this.#fd, built.frame, to, 0);
  }

  close(): void {
    if (this.#fd < 0) return;
    kernel().close(this.#fd);
    this.#fd = -1;
  }
}

/**
 * Sends unsolicited Neighbour Advertisements for IPv6 VIPs on one interface. Each NA is sourced from the
 * VIP itself, as keepalived does, so every send uses a short-lived ICMPv6 socket bound to the VIP: Linux
 * raw sockets take the source only from bind() (the sticky IPV6_PKTINFO option sets just the interface).
 * The VIP must therefore already be on the interface and not tentative (add it with IFA_F_NODAD).
 */
export class NaSender {
  readonly ifname: string;
  readonly ifindex: number;
  readonly mac: Uint8Array;

  constructor(ifname: string, mac?: Uint8Array) {
    const facts = lookupInterface(ifname);
    this.ifname = ifname;
    this.ifindex = facts.ifindex;
    this.mac = mac ?? facts.mac;
  }

  /** One unsolicited NA for `vip` to ff02::1. Throws (code 'EADDRNOTAVAIL') when the VIP is not ours. */
  send(vip: string, opts: { router?: boolean } = {}): void {
    const built = buildUnsolicitedNa(this.mac, vip, opts);
    if (!built.ok) throw new Error(`neighbour advertisement for ${vip}: ${built.reason}`);
    const k = kernel();
    const fd = k.socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
    try {
      k.setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${this.ifname}\0`));
      k.setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, this.ifindex);
      // RFC 4861 7.1.2: a receiver discards an NA whose hop limit is not 255.
      k.setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, NA_HOP_LIMIT);
      k.setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0);
      // The scope id matters only for a link-local VIP (fe80::/10); it is ignored otherwise.
      k.bind(fd, encodeSockaddrIn6(vip, 0, this.ifindex)!);
      k.sendto(fd, built.message, encodeSockaddrIn6(ALL_NODES, 0, this.ifindex)!, 0);
    } finally {
      k.close(fd);
    }
  }

  close(): void {
    // Nothing is held open between sends.
  }
}
