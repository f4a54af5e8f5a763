/**
 * The kernel's process events connector (NETLINK_CONNECTOR, CN_IDX_PROC), as keepalived's
 * track_process uses it: the kernel multicasts fork/exec/comm/exit events, so an exit is seen at
 * once instead of at the next /proc poll. Needs CAP_NET_ADMIN; callers fall back to polling.
 *
 * Wire format (linux/connector.h, linux/cn_proc.h), host byte order:
 *   nlmsghdr (16) | cn_msg: idx u32, val u32, seq u32, ack u32, len u16, flags u16 (20) | payload
 * Subscribe payload: u32 PROC_CN_MCAST_LISTEN (1). Event payload: what u32, cpu u32,
 * timestamp u64, then per event: fork = parent pid, parent tgid, child pid, child tgid;
 * exec/comm/exit = pid, tgid, ...
 */
import { kernel } from '../kernel/native.js';
import { encodeSockaddrNl } from '../kernel/sockaddr.js';

export const NETLINK_CONNECTOR = 11;
export const CN_IDX_PROC = 1;
export const CN_VAL_PROC = 1;
const AF_NETLINK = 16;
const SOCK_DGRAM = 2;
const NLMSG_DONE = 3;
const NLMSG_HDRLEN = 16;
const CN_MSG_LEN = 20;
export const PROC_CN_MCAST_LISTEN = 1;
export const PROC_CN_MCAST_IGNORE = 2;

export type ProcEvent =
  | {
      readonly kind: 'fork';
      readonly parentPid: number;
      readonly childPid: number;
      readonly childTgid: number;
    }
  | { readonly kind: 'exec' | 'comm' | 'exit'; readonly pid: number; readonly tgid: number };

const WHAT: Record<number, 'exec' | 'comm' | 'exit'> = { 2: 'exec', 512: 'comm', 2147483648: 'exit' };

/** The subscribe (or unsubscribe) request. */
export function encodeMcastOp(op: number, seq = 0): Buffer {
  const b = Buffer.alloc(NLMSG_HDRLEN + CN_MSG_LEN + 4);
  b.writeUInt32LE(b.length, 0);
  b.writeUInt16LE(NLMSG_DONE, 4);
  b.writeUInt16LE(0, 6);
  b.writeUInt32LE(seq, 8);
  b.writeUInt32LE(process.pid, 12);
  b.writeUInt32LE(CN_IDX_PROC, 16);
  b.writeUInt32LE(CN_VAL_PROC, 20);
  b.writeUInt32LE(seq, 24);
  b.writeUInt32LE(0, 28);
  b.writeUInt16LE(4, 32);
  b.writeUInt16LE(0, 34);
  b.writeUInt32LE(op, 36);
  return b;
}

/** Every process event in one datagram; anything malformed or unrelated is skipped. Never throws. */
export function decodeProcEvents(data: Uint8Array): ProcEvent[] {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out: ProcEvent[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= b.length) {
    const len = b.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > b.length) break;
    const cn = off + NLMSG_HDRLEN;
    if (
      len >= NLMSG_HDRLEN + CN_MSG_LEN + 16 &&
      b.readUInt32LE(cn) === CN_IDX_PROC &&
      b.readUInt32LE(cn + 4) === CN_VAL_PROC
    ) {
      const ev = cn + CN_MSG_LEN;
      const what = b.readUInt32LE(ev);
      const data0 = ev + 16;
      const end = off + len;
      if (what === 0x1 && data0 + 16 <= end) {
        out.push({
          kind: 'fork',
          parentPid: b.readUInt32LE(data0),
          childPid: b.readUInt32LE(data0 + 8),
          childTgid: b.readUInt32LE(data0 + 12),
        });
      } else if (WHAT[what] !== undefined && data0 + 8 <= end) {
        out.push({ kind: WHAT[what], pid: b.readUInt32LE(data0), tgid: b.readUInt32LE(data0 + 4) });
      }
    }
    off += (len + 3) & ~3;
  }
  return out;
}

/** A subscription to process events; `open` returns an Error (e.g. EPERM) instead of throwing. */
export class ProcConnector {
  private constructor(private fd: number | undefined) {}

  static open(
    onEvents: (events: ProcEvent[]) => void,
    onLost?: (why: string) => void,
  ): ProcConnector | Error {
    let fd: number | undefined;
    try {
      const k = kernel();
      fd = k.socket(AF_NETLINK, SOCK_DGRAM, NETLINK_CONNECTOR);
      k.bind(fd, encodeSockaddrNl(0, CN_IDX_PROC));
      k.watch(fd, (data, _src, _ctl, error) => {
        // ENOBUFS: events were dropped; the caller rescans /proc.
        if (error !== undefined || data === null) onLost?.(error?.code ?? 'no data');
        else onEvents(decodeProcEvents(data));
      });
      k.sendto(fd, encodeMcastOp(PROC_CN_MCAST_LISTEN), encodeSockaddrNl(0, 0), 0);
      return new ProcConnector(fd);
    } catch (e) {
      if (fd !== undefined) {
        try {
          kernel().close(fd);
        } catch {
          // ignore
        }
      }
      return e instanceof Error ? e : new Error(String(e));
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      kernel().sendto(this.fd, encodeMcastOp(PROC_CN_MCAST_IGNORE), encodeSockaddrNl(0, 0), 0);
    } catch {
      // best effort
    }
    kernel().close(this.fd);
    this.fd = undefined;
  }
}
