/** The real-filesystem edge for scripts: lstat, realpath, PATH lookup, /etc/passwd, /etc/group. */
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { type AccountDb, parseAccounts } from './identity.js';
import { isExecutableBy, type ScriptIdentity } from './runner.js';
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

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * keepalived find_path(): a command without '/' is looked up in PATH for a regular file the script's
 * identity may execute, and replaced by the full path (keepalived logs "Please specify full path").
 * A command with '/' is returned as is. undefined when nothing suitable is found.
 */
export function resolveCommand(
  cmd: string,
  identity?: ScriptIdentity,
  path = process.env.PATH || DEFAULT_PATH,
): string | undefined {
  if (cmd === '') return undefined;
  if (cmd.includes('/')) return cmd;
  const who = identity ?? { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  for (const dir of path.split(':')) {
    const p = `${dir === '' ? '.' : dir}/${cmd}`;
    try {
      const st = statSync(p);
      if (st.isFile() && isExecutableBy(st.mode, st.uid, st.gid, who)) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}
