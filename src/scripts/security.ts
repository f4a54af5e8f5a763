/**
 * Script security (enable_script_security), pure over an injected lstat.
 *
 * keepalived's check_security (core/notify.c) walks every prefix of the script path ('/', '/etc',
 * '/etc/keepalived', '/etc/keepalived/check.sh'). A script that runs as root is refused when any of them
 * - is owned by a non-root user, or
 * - is group-writable with a non-root group, or world-writable -- except a directory with the sticky
 *   bit (like /tmp), whose entries cannot be replaced by others.
 * Every prefix but the last must be a directory; the last a regular file (a symlink is followed and
 * its target checked too). A missing component means the script is not found.
 */

export interface PathStat {
  readonly kind: 'file' | 'directory' | 'symlink' | 'other';
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

export interface SecurityHost {
  /** lstat(2); undefined when the path does not exist or cannot be examined. */
  readonly lstat: (path: string) => PathStat | undefined;
  /** realpath(3) of a symlinked script; undefined when it cannot be resolved. */
  readonly realpath?: (path: string) => string | undefined;
}

export type SecurityVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly kind: 'not-found' | 'wrong-type' | 'insecure';
      /** The path component at fault. */
      readonly path: string;
      readonly reason: string;
    };

const S_ISVTX = 0o1000;

/** Every prefix of an absolute path, '/' first. */
export function pathPrefixes(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  const out = ['/'];
  let acc = '';
  for (const p of parts) {
    acc += `/${p}`;
    out.push(acc);
  }
  return out;
}

/** Why one path component lets a non-root user change what root would run, or undefined. */
export function insecurity(st: PathStat): string | undefined {
  if (st.uid !== 0) return `owned by uid ${st.uid}`;
  const guarded = st.kind === 'file' || (st.kind === 'directory' && (st.mode & S_ISVTX) === 0);
  if (!guarded) return undefined;
  if (st.gid !== 0 && (st.mode & 0o020) !== 0) return `writable by group ${st.gid}`;
  if ((st.mode & 0o002) !== 0) return 'writable by everyone';
  return undefined;
}

/** Check that a script root would run cannot be altered by a non-root user. */
export function checkScriptSecurity(script: string, host: SecurityHost, depth = 0): SecurityVerdict {
  if (!script.startsWith('/'))
    return { ok: false, kind: 'not-found', path: script, reason: `'${script}' is not an absolute path` };
  const prefixes = pathPrefixes(script);
  for (let i = 0; i < prefixes.length; i++) {
    const p = prefixes[i] as string;
    const last = i === prefixes.length - 1;
    const st = host.lstat(p);
    if (st === undefined)
      return { ok: false, kind: 'not-found', path: p, reason: `script '${script}' not found ('${p}')` };
    if (st.kind === 'symlink') {
      // A symlink (the script, or a directory such as /bin -> usr/bin): its owner must be root, and
      // the fully resolved script path is checked instead.
      if (st.uid !== 0)
        return { ok: false, kind: 'insecure', path: p, reason: `'${p}' is insecure: owned by uid ${st.uid}` };
      const target = host.realpath?.(script);
      if (target === undefined || depth > 8)
        return { ok: false, kind: 'not-found', path: p, reason: `symlink '${p}' cannot be resolved` };
      return checkScriptSecurity(target, host, depth + 1);
    }
    if (!last && st.kind !== 'directory')
      return {
        ok: false,
        kind: 'wrong-type',
        path: p,
        reason: `'${p}' in the script path is not a directory`,
      };
    if (last && st.kind !== 'file')
      return { ok: false, kind: 'wrong-type', path: p, reason: `'${p}' is not a regular file` };
    const why = insecurity(st);
    if (why !== undefined)
      return {
        ok: false,
        kind: 'insecure',
        path: p,
        reason: `'${p}' is insecure: ${why} (script '${script}' would run as root)`,
      };
  }
  return { ok: true };
}

/** keepalived only applies the check to scripts that would run as root. */
export function needsSecurityCheck(enableScriptSecurity: boolean, uid: number): boolean {
  return enableScriptSecurity && uid === 0;
}

/** keepalived's warning when scripts run as root without enable_script_security (they still run). */
export const ROOT_WITHOUT_SECURITY_WARNING =
  'SECURITY VIOLATION - scripts are being executed as root but enable_script_security is not enabled';
