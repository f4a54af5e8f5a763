/** The real-filesystem edge for script security and identity: lstat, realpath, /etc/passwd, /etc/group. */
import { lstatSync, readFileSync, realpathSync } from 'node:fs';
import { type AccountDb, parseAccounts } from './identity.js';
import type { PathStat, SecurityHost } from './security.js';

export function lstatPath(path: string): PathStat | undefined {
  try {
    const st = lstatSync(path);
    const kind = st.isSymbolicLink()
      ? 'symlink'
      : st.isDirectory()
        ? 'directory'
        : st.isFile()
          ? 'file'
          : 'other';
    return { kind, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  } catch {
    return undefined;
  }
}

export const fsSecurityHost: SecurityHost = {
  lstat: lstatPath,
  realpath: (p) => {
    try {
      return realpathSync(p);
    } catch {
      return undefined;
    }
  },
};

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The local account database (read each time: users may be added while vigil runs). */
export function loadAccounts(): AccountDb {
  return parseAccounts(readOr('/etc/passwd'), readOr('/etc/group'));
}
