/**
 * Which IPVS services vigil created, kept across a crash (edge): the IPVS driver writes the
 * identity of every service it creates into a small record beside the pid file
 * (/run/vigil.pid -> /run/vigil.ipvs) and a restarted vigil adopts exactly those (ipvs-driver.ts).
 * A service that the record does not name is never touched, even when the configuration names it
 * exactly (keepalived 2.2.7 would take it over: its ADD's EEXIST counts as success).
 *
 * - Written atomically (a temporary file renamed over the record), removed when vigil owns no
 *   service any more (a clean stop).
 * - Valid for one boot and one network namespace only: it carries the kernel's boot_id and the
 *   namespace's inode, so a record left on persistent storage never claims services that a boot
 *   script (ipvsadm-restore) or another namespace created with the same identity.
 */
import { readFileSync, statSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import type { IpvsService } from './ipvs-codec.js';

/** Where the driver keeps its record: load() the identities, save() them (empty: none owned). */
export interface OwnershipStore {
  load(): Promise<readonly string[]>;
  save(identities: readonly string[]): Promise<void>;
}

/** A kernel service's identity as the kernel keys it: `ipv4 TCP 192.0.2.100:80`, `ipv6 FWM 7`. */
export function serviceIdentity(s: Pick<IpvsService, 'family' | 'protocol' | 'address' | 'port' | 'fwmark'>) {
  if (s.fwmark !== undefined) return `${s.family} FWM ${s.fwmark}`;
  const a = s.address ?? '';
  return `${s.family} ${s.protocol ?? 'TCP'} ${a.includes(':') ? `[${a}]` : a}:${s.port ?? 0}`;
}

/** The record beside the pid file, as the status socket is: /run/vigil.pid -> /run/vigil.ipvs. */
export function ipvsRecordPath(pidFile: string): string {
  return pidFile.endsWith('.pid') ? `${pidFile.slice(0, -4)}.ipvs` : `${pidFile}.ipvs`;
}

interface RecordText {
  readonly scope: string;
  readonly services: readonly string[];
}

/** The record's text. */
export function formatRecord(scope: string, identities: readonly string[]): string {
  return `${JSON.stringify({ scope, services: [...identities].sort() } satisfies RecordText, null, 1)}\n`;
}

/** The identities a record names if it was written in `scope`; none for another scope or bad text. */
export function parseRecord(text: string, scope: string): string[] {
  let r: Partial<RecordText>;
  try {
    r = JSON.parse(text) as Partial<RecordText>;
  } catch {
    return [];
  }
  if (r.scope !== scope || !Array.isArray(r.services)) return [];
  return r.services.filter((s): s is string => typeof s === 'string');
}

/** This boot and this network namespace: `<boot_id> netns:<inode>`. */
export function hostScope(): string {
  const read = (f: () => string) => {
    try {
      return f();
    } catch {
      return '?';
    }
  };
  const boot = read(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
  const netns = read(() => String(statSync('/proc/self/ns/net').ino));
  return `${boot} netns:${netns}`;
}

/** The record in a file; a missing or unreadable one names nothing. */
export function fileOwnershipStore(path: string, scope: () => string = hostScope): OwnershipStore {
  let written: string | undefined;
  return {
    async load() {
      try {
        return parseRecord(readFileSync(path, 'utf8'), scope());
      } catch {
        return [];
      }
    },
    async save(identities) {
      const text = identities.length === 0 ? '' : formatRecord(scope(), identities);
      if (text === written) return;
      if (text === '') await rm(path, { force: true });
      else {
        const tmp = `${path}.${process.pid}.tmp`;
        await writeFile(tmp, text, { mode: 0o644 });
        await rename(tmp, path);
      }
      written = text;
    },
  };
}
