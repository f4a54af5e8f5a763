/**
 * Logging to syslog (/dev/log), which is where keepalived logs without -l. The datagram goes
 * out through the kernel addon's bare sendto on an AF_UNIX socket; the RFC 3164 line is built
 * here. Falls back to stderr when there is no syslog socket.
 */
import { kernel } from '../kernel/native.js';
import type { Logger, LogLevel } from './log.js';

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
/** LOG_DAEMON facility (3) << 3. */
const FACILITY_DAEMON = 3 << 3;
const SEVERITY: Record<LogLevel, number> = { error: 3, warning: 4, info: 6, debug: 7 };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** sockaddr_un for a filesystem path. */
export function sockaddrUn(path: string): Buffer {
  const b = Buffer.alloc(2 + 108);
  b.writeUInt16LE(AF_UNIX, 0);
  b.write(path, 2, 107, 'utf8');
  return b;
}

/** `<PRI>Mmm dd hh:mm:ss TAG[pid]: message` (RFC 3164 section 4.1). */
export function syslogLine(level: LogLevel, message: string, now: Date, pid: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${MONTHS[now.getMonth()]} ${String(now.getDate()).padStart(2, ' ')} ${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
  return `<${FACILITY_DAEMON | SEVERITY[level]}>${stamp} vigil[${pid}]: ${message}`;
}

/** A logger writing to syslog at `path`, or undefined when that socket cannot be reached. */
export function createSyslogLogger(opts: { detail: boolean }, path = '/dev/log'): Logger | undefined {
  const k = kernel();
  const to = sockaddrUn(path);
  let fd: number;
  try {
    fd = k.socket(AF_UNIX, SOCK_DGRAM, 0);
  } catch {
    return undefined;
  }
  const send = (level: LogLevel, message: string): boolean => {
    try {
      k.sendto(fd, Buffer.from(syslogLine(level, message, new Date(), process.pid)), to, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!send('info', 'logging to syslog')) {
    k.close(fd);
    return undefined;
  }
  return {
    log(level, message) {
      if (level === 'debug' && !opts.detail) return;
      if (!send(level, message)) process.stderr.write(`${message}\n`);
    },
  };
}
