/**
 * The edge that gathers HostFacts for the validator: interface names from /sys/class/net,
 * stat() for scripts, /etc/passwd for users.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fsSecurityHost } from '../scripts/fs-host.js';
import type { FileInfo, HostFacts } from './validate.js';

/** The first field of each line of /etc/passwd or /etc/group (empty when unreadable). */
function namesIn(path: string): Set<string> {
  try {
    return new Set(
      readFileSync(path, 'utf8')
        .split('\n')
        .map((l) => l.split(':')[0] ?? ''),
    );
  } catch {
    return new Set();
  }
}

export function readHostFacts(): HostFacts {
  let interfaces: string[] = [];
  try {
    interfaces = readdirSync('/sys/class/net');
  } catch {
    interfaces = [];
  }
  const users = namesIn('/etc/passwd');
  const groups = namesIn('/etc/group');
  return {
    interfaces,
    inspectFile(path: string): FileInfo | undefined {
      try {
        const st = statSync(path);
        return { isFile: st.isFile(), mode: st.mode & 0o7777, uid: st.uid };
      } catch {
        return undefined;
      }
    },
    userExists: (name) => users.has(name),
    groupExists: (name) => groups.has(name),
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    searchPath: (process.env.PATH ?? '').split(':').filter((p) => p.startsWith('/')),
    // Script security walks every directory above a script (src/scripts/security.ts).
    lstat: fsSecurityHost.lstat,
    ...(fsSecurityHost.realpath ? { realpath: fsSecurityHost.realpath } : {}),
  };
}
