/**
 * systemd's readiness protocol (sd_notify(3), Type=notify units): newline-separated KEY=VALUE
 * datagrams on the unix datagram socket named by $NOTIFY_SOCKET, a path or an abstract '@name'.
 * node:dgram has no unix datagrams, so the kernel addon's socket/sendto carry them.
 *
 * The daemon says READY=1 once VRRP and the health checker are up, RELOADING=1 with MONOTONIC_USEC
 * on SIGHUP (systemd >= 253 needs the timestamp for Type=notify-reload; older ones ignore it), READY=1
 * again once the reload is applied, and STOPPING=1 when it begins to stop. Nothing here may stop the
 * daemon: a missing or dead socket is logged once and the messages are dropped.
 */
import { AF_UNIX, SOCK_DGRAM } from '../kernel/constants.js';
import { isSyscallError, kernel } from '../kernel/native.js';
import { encodeSockaddrUn } from '../kernel/sockaddr.js';

export type NotifyState =
  | { readonly type: 'ready'; readonly status?: string }
  | { readonly type: 'reloading'; readonly monotonicUsec: bigint }
  | { readonly type: 'stopping' }
  | { readonly type: 'status'; readonly status: string };

/** The datagram for a state change (pure). STATUS= is one line: newlines would start new keys. */
export function notifyMessage(s: NotifyState): string {
  const status = (text: string | undefined) =>
    text === undefined ? [] : [`STATUS=${text.replace(/\n/g, ' ')}`];
  switch (s.type) {
    case 'ready':
      return ['READY=1', ...status(s.status)].join('\n');
    case 'reloading':
      return ['RELOADING=1', `MONOTONIC_USEC=${s.monotonicUsec}`].join('\n');
    case 'stopping':
      return 'STOPPING=1';
    case 'status':
      return status(s.status).join('\n');
  }
}

/** CLOCK_MONOTONIC in microseconds: libuv's hrtime reads that clock on Linux, as systemd compares it. */
export function monotonicUsec(): bigint {
  return process.hrtime.bigint() / 1000n;
}

export interface SystemdNotifier {
  notify(s: NotifyState): void;
  close(): void;
}

/**
 * The notifier for $NOTIFY_SOCKET, or undefined when systemd did not ask for one. The variable is
 * removed from the environment, as sd_notify's unset_environment does, so that scripts and threads
 * started later do not talk to systemd in the daemon's name.
 */
export function systemdNotifier(
  env: NodeJS.ProcessEnv,
  warn: (message: string) => void,
): SystemdNotifier | undefined {
  const target = env.NOTIFY_SOCKET;
  delete env.NOTIFY_SOCKET;
  if (target === undefined || target === '') return undefined;
  const address = encodeSockaddrUn(target);
  if (address === undefined) {
    warn(`NOTIFY_SOCKET '${target}' is not a usable unix socket address; not notifying systemd`);
    return undefined;
  }
  let fd: number | undefined;
  let warned = false;
  const fail = (e: unknown) => {
    if (warned) return;
    warned = true;
    warn(`cannot notify systemd at ${target}: ${isSyscallError(e) ? e.code : String(e)}`);
  };
  try {
    fd = kernel().socket(AF_UNIX, SOCK_DGRAM, 0);
  } catch (e) {
    fail(e);
    return undefined;
  }
  return {
    notify(s) {
      if (fd === undefined) return;
      try {
        kernel().sendto(fd, Buffer.from(notifyMessage(s)), address, 0);
      } catch (e) {
        fail(e);
      }
    },
    close() {
      if (fd !== undefined) kernel().close(fd);
      fd = undefined;
    },
  };
}
