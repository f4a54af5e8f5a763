/**
 * Loads the vigil_kernel N-API addon (native/vigil_kernel.c, built by `npm install` into build/Release)
 * and gives it TypeScript types. The addon exposes bare syscalls only; every byte layout is built and
 * parsed in TypeScript next to this file.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Error thrown by a failed syscall: `code` is the errno name ('EPERM'), `errno` the positive number. */
export interface SyscallError extends Error {
  code: string;
  errno: number;
  syscall: string;
}

/**
 * Called once per datagram read by recvmsg: payload, source sockaddr bytes, raw control-message bytes.
 * When recvmsg fails with something other than EAGAIN (e.g. ENOBUFS on netlink: events were lost) the
 * first three arguments are null and `error` carries the errno name in `code`.
 */
export type DatagramCallback = (
  data: Buffer | null,
  source: Buffer | null,
  control: Buffer | null,
  error?: SyscallError,
) => void;

export interface KernelAddon {
  /** socket(2); the descriptor is always non-blocking and close-on-exec. */
  socket(domain: number, type: number, protocol: number): number;
  /** setsockopt(2): a number is passed as a C int, a Buffer verbatim. */
  setsockopt(fd: number, level: number, name: number, value: Buffer | number): void;
  bind(fd: number, sockaddr: Buffer): void;
  /** sendto(2) with MSG_DONTWAIT; returns the bytes sent. */
  sendto(fd: number, data: Buffer, sockaddr: Buffer | null, flags: number): number;
  /** close(2); stops a watcher on the descriptor first. */
  close(fd: number): void;
  /** Drain the socket with recvmsg whenever it becomes readable. Replaces an existing watch. */
  watch(fd: number, callback: DatagramCallback): void;
  unwatch(fd: number): void;
}

let cached: KernelAddon | undefined;
let loadError: Error | undefined;

/** Path of the built addon: <package root>/build/Release/vigil_kernel.node (this file is dist/src/kernel). */
export function addonPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, '..', '..', '..', 'build', 'Release', 'vigil_kernel.node');
}

/** The addon, loaded on first use. Throws a clear error when it has not been built. */
export function kernel(): KernelAddon {
  if (cached) return cached;
  if (loadError) throw loadError;
  try {
    const require = createRequire(import.meta.url);
    cached = require(addonPath()) as KernelAddon;
    return cached;
  } catch (e) {
    loadError = new Error(
      `vigil: the kernel addon is not built (${addonPath()}): run \`npm install\` (needs gcc, make, python3). ` +
        `Cause: ${(e as Error).message}`,
    );
    throw loadError;
  }
}

/** True when the addon can be loaded (used by tests to skip with a reason). */
export function kernelAvailable(): boolean {
  try {
    kernel();
    return true;
  } catch {
    return false;
  }
}

export function isSyscallError(e: unknown): e is SyscallError {
  return e instanceof Error && typeof (e as SyscallError).code === 'string' && 'errno' in e;
}
