/**
 * VRRP socket edge: raw IPPROTO_VRRP (112) sockets for one (interface, family), shared by every VRRP
 * instance on that interface. Sends advert bytes built elsewhere (src/vrrp/packet.ts) and delivers every
 * received VRRP datagram with its source, destination and TTL/hop limit (RFC 5798 section 7.1 requires
 * receivers to check TTL/hop limit 255, so it is reported, never filtered here).
 *
 * IPv4 uses two descriptors, as keepalived does: a send socket bound to the source address (the
 * VRRPv3 IPv4 checksum covers a pseudo-header with it, RFC 5798 section 5.2.8) and a receive socket
 * that is not bound to an address, because a raw IPv4 socket bound to an address only receives datagrams
 * addressed to it, never 224.0.0.18. An IPv6 raw socket bound to an address still receives the groups it
 * joined, so IPv6 uses one descriptor.
 */
import { type IpFamily, parseIpv4, parseIpv6 } from '../net/addr.js';
import { decodeIpv4 } from '../net/ip.js';
import { parseControlMessages, receiveInfo } from './cmsg.js';
import {
  AF_INET,
  AF_INET6,
  IP_ADD_MEMBERSHIP,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IP_PKTINFO,
  IP_RECVTTL,
  IP_TTL,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_VRRP,
  IPV6_CHECKSUM,
  IPV6_JOIN_GROUP,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  IPV6_MULTICAST_LOOP,
  IPV6_RECVHOPLIMIT,
  IPV6_RECVPKTINFO,
  IPV6_UNICAST_HOPS,
  SO_BINDTODEVICE,
  SOCK_RAW,
  SOL_SOCKET,
  VRRP_GROUP_IPV4,
  VRRP_GROUP_IPV6,
} from './constants.js';
import { ifNameToIndex } from './interfaces.js';
import { kernel, type SyscallError } from './native.js';
import {
  decodeSockaddr,
  encodeIpMreqn,
  encodeIpv6Mreq,
  encodeSockaddrIn,
  encodeSockaddrIn6,
} from './sockaddr.js';

/** RFC 5798 section 5.1.1.3 / 5.1.2.3: adverts are sent with TTL / hop limit 255. */
export const VRRP_TTL = 255;

export interface VrrpSocketOptions {
  readonly ifname: string;
  readonly family: IpFamily;
  /**
   * Source address of sent adverts: the interface's primary IPv4 address, or its IPv6 link-local
   * address (RFC 5798 section 5.1.2.1). When omitted the kernel picks one.
   */
  readonly srcAddress?: string;
  /** Join the VRRP multicast group (default true; false for unicast_peer-only interfaces). */
  readonly multicast?: boolean;
  /** TTL / hop limit of unicast sends (keepalived `unicast_ttl`; default 255). */
  readonly unicastTtl?: number;
}

/** A received VRRP datagram. */
export interface ReceivedVrrp {
  /** The VRRP message (IPv4 header and any AH header stripped, Ethernet padding trimmed). */
  readonly data: Buffer;
  readonly family: IpFamily;
  readonly src: string;
  /** Destination (IPv4 header, or IPV6_PKTINFO for IPv6). */
  readonly dst?: string;
  /** IPv4 TTL or IPv6 hop limit as received. */
  readonly ttl: number;
  /** IPv4 only: an IPsec AH header preceded the VRRP message (VRRPv2 auth type 2). */
  readonly ah?: boolean;
  /** Interface the packet arrived on. */
  readonly ifindex: number;
}

export type VrrpPacketHandler = (packet: ReceivedVrrp) => void;

export class VrrpSocket {
  readonly ifname: string;
  readonly ifindex: number;
  readonly family: IpFamily;
  readonly #sendFd: number;
  readonly #recvFd: number;
  readonly #handlers: VrrpPacketHandler[] = [];
  readonly #errorHandlers: ((e: SyscallError) => void)[] = [];
  #closed = false;

  private constructor(ifname: string, ifindex: number, family: IpFamily, sendFd: number, recvFd: number) {
    this.ifname = ifname;
    this.ifindex = ifindex;
    this.family = family;
    this.#sendFd = sendFd;
    this.#recvFd = recvFd;
    const k = kernel();
    k.watch(recvFd, (data, source, control, error) => {
      if (error) for (const h of this.#errorHandlers) h(error);
      else if (data && source && control) this.#deliver(data, source, control);
    });
    // The IPv4 send socket also queues unicast VRRP addressed to its source; drain and drop it (the
    // receive socket gets its own copy).
    if (sendFd !== recvFd) k.watch(sendFd, () => {});
  }

  /** Opens and configures the socket(s); throws (with an errno `code`) when the kernel refuses. */
  static open(opts: VrrpSocketOptions): VrrpSocket {
    const ifindex = ifNameToIndex(opts.ifname);
    if (ifindex === undefined) throw new Error(`interface '${opts.ifname}' not found`);
    if (opts.srcAddress !== undefined) {
      const ok = opts.family === 'ipv4' ? parseIpv4(opts.srcAddress) : parseIpv6(opts.srcAddress);
      if (!ok) throw new Error(`source address '${opts.srcAddress}' is not ${opts.family}`);
    }
    const opened: number[] = [];
    try {
      if (opts.family === 'ipv4') {
        const sendFd = openIpv4Send(opts, ifindex, opened);
        const recvFd = openIpv4Receive(opts, ifindex, opened);
        return new VrrpSocket(opts.ifname, ifindex, 'ipv4', sendFd, recvFd);
      }
      const fd = openIpv6(opts, ifindex, opened);
      return new VrrpSocket(opts.ifname, ifindex, 'ipv6', fd, fd);
    } catch (e) {
      for (const fd of opened) kernel().close(fd);
      throw e;
    }
  }

  /** Sends one VRRP message to `dst` (the multicast group or a unicast peer). Throws on a send error. */
  send(bytes: Uint8Array, dst: string = this.family === 'ipv4' ? VRRP_GROUP_IPV4 : VRRP_GROUP_IPV6): number {
    if (this.#closed) throw new Error('VRRP socket is closed');
    const to = this.family === 'ipv4' ? encodeSockaddrIn(dst) : encodeSockaddrIn6(dst, 0, this.ifindex);
    if (!to) throw new Error(`destination '${dst}' is not ${this.family}`);
    return kernel().sendto(
      this.#sendFd,
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      to,
      0,
    );
  }

  onPacket(handler: VrrpPacketHandler): void {
    this.#handlers.push(handler);
  }

  /** Receive errors reported by the kernel (rare: e.g. ENOBUFS). */
  onError(handler: (e: SyscallError) => void): void {
    this.#errorHandlers.push(handler);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const k = kernel();
    k.close(this.#recvFd);
    if (this.#sendFd !== this.#recvFd) k.close(this.#sendFd);
  }

  #deliver(data: Buffer, source: Buffer, control: Buffer): void {
    const info = receiveInfo(parseControlMessages(control));
    let packet: ReceivedVrrp;
    if (this.family === 'ipv4') {
      // A raw IPv4 socket hands us the IP header: source, destination and TTL come from it.
      const ip = decodeIpv4(data);
      if (!ip.ok) return;
      const payload = ip.ip.payload;
      packet = {
        data: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
        family: 'ipv4',
        src: ip.ip.src,
        dst: ip.ip.dst,
        ttl: ip.ip.ttl,
        ah: ip.ip.ah,
        ifindex: info.ifindex ?? this.ifindex,
      };
    } else {
      // IPv6 raw sockets deliver the payload only: source from recvmsg, hop limit/destination from cmsgs.
      const src = decodeSockaddr(source);
      if (!src.ok || src.value.family !== 'ipv6') return;
      packet = {
        data,
        family: 'ipv6',
        src: src.value.address,
        ttl: info.ttl ?? -1,
        ifindex: info.ifindex ?? this.ifindex,
        ...(info.dst !== undefined ? { dst: info.dst } : {}),
      };
    }
    for (const h of this.#handlers) h(packet);
  }
}

function bindToDevice(fd: number, ifname: string): void {
  kernel().setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${ifname}\0`));
}

function openIpv4Send(opts: VrrpSocketOptions, ifindex: number, opened: number[]): number {
  const k = kernel();
  const fd = k.socket(AF_INET, SOCK_RAW, IPPROTO_VRRP);
  opened.push(fd);
  bindToDevice(fd, opts.ifname);
  if (opts.srcAddress !== undefined) k.bind(fd, encodeSockaddrIn(opts.srcAddress)!);
  // ip_mreqn form: outgoing interface by index, and the source for multicast sends.
  k.setsockopt(
    fd,
    IPPROTO_IP,
    IP_MULTICAST_IF,
    encodeIpMreqn('0.0.0.0', ifindex, opts.srcAddress ?? '0.0.0.0')!,
  );
  k.setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, VRRP_TTL);
  k.setsockopt(fd, IPPROTO_IP, IP_TTL, opts.unicastTtl ?? VRRP_TTL);
  k.setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0);
  return fd;
}

function openIpv4Receive(opts: VrrpSocketOptions, ifindex: number, opened: number[]): number {
  const k = kernel();
  const fd = k.socket(AF_INET, SOCK_RAW, IPPROTO_VRRP);
  opened.push(fd);
  bindToDevice(fd, opts.ifname);
  k.setsockopt(fd, IPPROTO_IP, IP_PKTINFO, 1);
  k.setsockopt(fd, IPPROTO_IP, IP_RECVTTL, 1);
  if (opts.multicast !== false)
    k.setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, encodeIpMreqn(VRRP_GROUP_IPV4, ifindex)!);
  return fd;
}

function openIpv6(opts: VrrpSocketOptions, ifindex: number, opened: number[]): number {
  const k = kernel();
  const fd = k.socket(AF_INET6, SOCK_RAW, IPPROTO_VRRP);
  opened.push(fd);
  bindToDevice(fd, opts.ifname);
  // RFC 5798 section 5.2.8: the kernel computes (and verifies on receive) the checksum at offset 6.
  k.setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, 6);
  if (opts.srcAddress !== undefined) k.bind(fd, encodeSockaddrIn6(opts.srcAddress, 0, ifindex)!);
  k.setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex);
  k.setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, VRRP_TTL);
  k.setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, opts.unicastTtl ?? VRRP_TTL);
  k.setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0);
  k.setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
  k.setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
  if (opts.multicast !== false)
    k.setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, encodeIpv6Mreq(VRRP_GROUP_IPV6, ifindex)!);
  return fd;
}
