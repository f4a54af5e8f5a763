/**
 * Live capture on one interface (edge), for `vigil sniff -i`: an AF_PACKET socket (packet(7)) read
 * through the addon's watch, with the kernel's receive timestamp (SO_TIMESTAMPNS). Ethernet-like
 * interfaces are read whole (SOCK_RAW, frames as tcpdump sees them); others (tun, ppp, ...) without
 * their link header (SOCK_DGRAM: raw IP). Promiscuous mode, like tcpdump's default, is asked for
 * through a membership that the kernel drops when the socket closes.
 */
import { readFileSync } from 'node:fs';
import { LinkType } from '../net/frame.js';
import { parseControlMessages } from './cmsg.js';
import { AF_PACKET, SOCK_DGRAM, SOCK_RAW, SOL_SOCKET } from './constants.js';
import { ifNameToIndex } from './interfaces.js';
import { isSyscallError, kernel } from './native.js';
import { encodeSockaddrLl } from './sockaddr.js';

// <linux/if_ether.h>, <linux/if_packet.h>, <asm-generic/socket.h>, <linux/if_arp.h>
const ETH_P_ALL = 0x0003;
const SOL_PACKET = 263;
const PACKET_ADD_MEMBERSHIP = 1;
const PACKET_MR_PROMISC = 1;
const SO_TIMESTAMPNS = 35; // SCM_TIMESTAMPNS has the same number
const ARPHRD_ETHER = 1;
const ARPHRD_LOOPBACK = 772;

export interface CapturedFrame {
  readonly data: Uint8Array;
  /** Kernel receive time: seconds and nanoseconds since the epoch. */
  readonly tsSec: number;
  readonly tsNsec: number;
}

export interface PacketCapture {
  /** LINKTYPE_* of the frames delivered (Ethernet, or raw IP). */
  readonly linktype: number;
  close(): void;
}

/** A capture failure worded for the command line (no such interface, not root...). */
export class CaptureError extends Error {}

/** struct timespec from an SCM_TIMESTAMPNS control message, or the clock when there is none. */
function receiveTime(control: Buffer | null): { tsSec: number; tsNsec: number } {
  for (const m of control ? parseControlMessages(control) : []) {
    if (m.level === SOL_SOCKET && m.type === SO_TIMESTAMPNS && m.data.length >= 16) {
      const v = new DataView(m.data.buffer, m.data.byteOffset, 16);
      return { tsSec: Number(v.getBigInt64(0, true)), tsNsec: Number(v.getBigInt64(8, true)) };
    }
  }
  const ms = Date.now();
  return { tsSec: Math.floor(ms / 1000), tsNsec: (ms % 1000) * 1e6 };
}

/** struct packet_mreq { int mr_ifindex; unsigned short mr_type, mr_alen; unsigned char mr_address[8]; } */
function packetMreq(ifindex: number, type: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeInt32LE(ifindex, 0);
  b.writeUInt16LE(type, 4);
  return b;
}

export function openPacketCapture(
  ifname: string,
  onFrame: (frame: CapturedFrame) => void,
  onError: (message: string) => void,
): PacketCapture {
  const ifindex = ifNameToIndex(ifname);
  if (ifindex === undefined) throw new CaptureError(`no such interface '${ifname}'`);
  let hatype = ARPHRD_ETHER;
  try {
    hatype = Number(readFileSync(`/sys/class/net/${ifname}/type`, 'utf8').trim());
  } catch {
    // keep Ethernet
  }
  const whole = hatype === ARPHRD_ETHER || hatype === ARPHRD_LOOPBACK;
  const k = kernel();
  let fd: number;
  try {
    // Protocol 0 receives nothing until bind names the interface: no frame of another one slips in.
    fd = k.socket(AF_PACKET, whole ? SOCK_RAW : SOCK_DGRAM, 0);
  } catch (e) {
    const code = isSyscallError(e) ? e.code : String(e);
    throw new CaptureError(
      code === 'EPERM' ? 'live capture needs root (CAP_NET_RAW): socket: EPERM' : `socket: ${code}`,
    );
  }
  try {
    k.setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1);
    k.bind(fd, encodeSockaddrLl({ protocol: ETH_P_ALL, ifindex }));
    k.setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, packetMreq(ifindex, PACKET_MR_PROMISC));
    k.watch(fd, (data, _source, control, error) => {
      if (error) onError(`receive: ${error.code}`);
      else if (data) onFrame({ data, ...receiveTime(control) });
    });
  } catch (e) {
    k.close(fd);
    throw new CaptureError(`${isSyscallError(e) ? `${e.syscall}: ${e.code}` : String(e)} on ${ifname}`);
  }
  return {
    linktype: whole ? LinkType.ETHERNET : LinkType.RAW,
    close: () => k.close(fd),
  };
}
