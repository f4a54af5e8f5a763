/**
 * `--http ADDR:PORT`: where the daemon's HTTP API listens. Pure: parses and checks the address; a
 * non-loopback one needs `--http-allow-remote` (the API is read-only but shows the whole cluster).
 */
import { canonicalAddress } from '../net/addr.js';

export interface HttpListen {
  /** The IP literal to bind, canonical (IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
  /** 127.0.0.0/8 or ::1: reachable from this host only. */
  readonly loopback: boolean;
}

/** `127.0.0.1:9100`, `[::1]:9100`, `localhost:9100` (as 127.0.0.1), `0.0.0.0:9100`, `[::]:9100`. */
export function parseHttpListen(text: string, allowRemote: boolean): HttpListen | Error {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (m === null)
    return new Error(`--http wants ADDR:PORT (e.g. 127.0.0.1:9100 or [::1]:9100), not '${text}'`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return new Error(`--http port must be 1-65535, not '${m[3]}'`);
  const name = m[1] ?? m[2]!;
  const parsed = canonicalAddress(name === 'localhost' ? '127.0.0.1' : name);
  if (parsed === undefined || (m[1] !== undefined && parsed.family !== 'ipv6'))
    return new Error(`--http address must be an IP address (or localhost), not '${name}'`);
  const loopback = parsed.family === 'ipv4' ? parsed.address.startsWith('127.') : parsed.address === '::1';
  if (!loopback && !allowRemote)
    return new Error(
      `--http ${text} is not a loopback address: add --http-allow-remote to serve the API beyond this host`,
    );
  return { host: parsed.address, port, loopback };
}
