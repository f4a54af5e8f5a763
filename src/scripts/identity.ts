/**
 * Which uid/gid a script runs as (keepalived: `user USER [GROUP]` on the script, else global
 * `script_user USER [GROUP]`, else keepalived_script if that user exists, else vigil's own identity).
 * A group defaults to the user's primary group. Pure over the text of /etc/passwd and /etc/group.
 */
import type { ScriptIdentity } from './runner.js';

export interface Account {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

export interface AccountDb {
  readonly users: ReadonlyMap<string, Account>;
  readonly groups: ReadonlyMap<string, number>;
}

/** Parse passwd(5) and group(5) text; malformed lines are skipped. */
export function parseAccounts(passwd: string, group: string): AccountDb {
  const users = new Map<string, Account>();
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || f[0] === '' || line.startsWith('#')) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    if (!users.has(f[0] as string)) users.set(f[0] as string, { name: f[0] as string, uid, gid });
  }
  const groups = new Map<string, number>();
  for (const line of group.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || f[0] === '' || line.startsWith('#')) continue;
    const gid = Number(f[2]);
    if (Number.isInteger(gid) && !groups.has(f[0] as string)) groups.set(f[0] as string, gid);
  }
  return { users, groups };
}

export const DEFAULT_SCRIPT_USER = 'keepalived_script';

export type IdentityResult =
  | { readonly ok: true; readonly identity: ScriptIdentity; readonly user: string }
  | { readonly ok: false; readonly reason: string };

function lookup(db: AccountDb, user: string, group: string | undefined): IdentityResult {
  const u =
    db.users.get(user) ?? (/^\d+$/.test(user) ? { name: user, uid: Number(user), gid: -1 } : undefined);
  if (u === undefined) return { ok: false, reason: `unknown user '${user}'` };
  let gid = u.gid;
  if (group !== undefined) {
    const g = db.groups.get(group) ?? (/^\d+$/.test(group) ? Number(group) : undefined);
    if (g === undefined) return { ok: false, reason: `unknown group '${group}'` };
    gid = g;
  }
  if (gid < 0) return { ok: false, reason: `user '${user}' has no group: give one` };
  return { ok: true, identity: { uid: u.uid, gid }, user };
}

export interface IdentityInput {
  /** The script's own `user [group]`. */
  readonly user?: string;
  readonly group?: string;
  /** global_defs script_user [group]. */
  readonly scriptUser?: string;
  readonly scriptGroup?: string;
  /** vigil's own identity, used when neither is set and keepalived_script does not exist. */
  readonly self: ScriptIdentity;
}

/** The identity a script runs as; the user name is 'self' when running as vigil's own identity. */
export function resolveScriptIdentity(db: AccountDb, input: IdentityInput): IdentityResult {
  if (input.user !== undefined) return lookup(db, input.user, input.group);
  if (input.scriptUser !== undefined) return lookup(db, input.scriptUser, input.scriptGroup);
  if (db.users.has(DEFAULT_SCRIPT_USER)) return lookup(db, DEFAULT_SCRIPT_USER, undefined);
  return { ok: true, identity: input.self, user: 'self' };
}
