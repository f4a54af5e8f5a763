/**
 * The edge that gathers HostFacts for the validator: interface names from /sys/class/net,
 * stat() for scripts, /etc/passwd for users.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fsSecurityHost } from '../scripts/fs-host.js';
import type { FileInfo, HostFacts } from './validate.js';

export function readHostFacts(): HostFacts {
  let interfaces: string[] = [];
  try {
    interfaces = readdirSync('/sys/class/net');
  } catch {
    interfaces = [];
  }
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    passwd = '';
  }
  const users = new Set(passwd.split('\n').map((l) => l.split(':')[0]));
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
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    searchPath: (process.env.PATH ?? '').split(':').filter((p) => p.startsWith('/')),
    // Script security walks every directory above a script (src/scripts/security.ts).
    lstat: fsSecurityHost.lstat,
    ...(fsSecurityHost.realpath ? { realpath: fsSecurityHost.realpath } : {}),
  };
}
