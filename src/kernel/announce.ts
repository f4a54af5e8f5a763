/**
 * Address announcements (edge): gratuitous ARP over an AF_PACKET socket and unsolicited Neighbour
 * Advertisements over an ICMPv6 raw socket, one sender per interface. The bytes come from arp.ts and
 * ndisc.ts; this file only opens, configures and writes sockets.
 */

import { parseIpv6 } from '../net/addr.js';
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
  IPV6_PKTINFO,
  IPV6_UNICAST_HOPS,
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

/** Sends unsolicited Neighbour Advertisements for IPv6 VIPs on one interface. */
export class NaSender {
  readonly ifname: string;
  readonly ifindex: number;
  readonly mac: Uint8Array;
  #fd: number;

  constructor(ifname: string, mac?: Uint8Array) {
    const facts = lookupInterface(ifname);
    this.ifname = ifname;
    this.ifindex = facts.ifindex;
    this.mac = mac ?? facts.mac;
    const k = kernel();
    this.#fd = k.socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
    try {
      k.setsockopt(this.#fd, SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${ifname}\0`));
      k.setsockopt(this.#fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, this.ifindex);
      // RFC 4861 7.1.2: a receiver discards an NA whose hop limit is not 255.
      k.setsockopt(this.#fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, NA_HOP_LIMIT);
      k.setsockopt(this.#fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, NA_HOP_LIMIT);
      k.setsockopt(this.#fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0);
    } catch (e) {
      k.close(this.#fd);
      throw e;
    }
  }

  /**
   * One unsolicited NA for `vip` to ff02::1, sourced from the VIP itself as keepalived does. The VIP
   * must already be on the interface: the source is set with the sticky IPV6_PKTINFO option (RFC 3542
   * section 6), which the kernel refuses (EADDRNOTAVAIL) for an address the host does not own.
   */
  send(vip: string, opts: { router?: boolean } = {}): void {
    const built = buildUnsolicitedNa(this.mac, vip, opts);
    if (!built.ok) throw new Error(`neighbour advertisement for ${vip}: ${built.reason}`);
    const pktinfo = Buffer.alloc(20); // struct in6_pktinfo { in6_addr addr; int ifindex }
    pktinfo.set(parseIpv6(vip)!, 0);
    pktinfo.writeInt32LE(this.ifindex, 16);
    const k = kernel();
    k.setsockopt(this.#fd, IPPROTO_IPV6, IPV6_PKTINFO, pktinfo);
    k.sendto(this.#fd, built.message, encodeSockaddrIn6(ALL_NODES, 0, this.ifindex)!, 0);
  }

  close(): void {
    if (this.#fd < 0) return;
    kernel().close(this.#fd);
    this.#fd = -1;
  }
}
