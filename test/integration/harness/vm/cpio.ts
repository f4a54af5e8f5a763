/**
 * A cpio archive in the "newc" format (what the kernel unpacks as an initramfs), written in memory.
 * Only what an initramfs needs: directories, regular files and symlinks, all owned by root.
 */

export type CpioEntry =
  | { readonly kind: 'dir'; readonly path: string; readonly mode?: number }
  | { readonly kind: 'file'; readonly path: string; readonly data: Uint8Array; readonly mode?: number }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
const pad4 = (n: number) => (4 - (n % 4)) % 4;

function record(ino: number, mode: number, name: string, data: Uint8Array): Buffer {
  const nameBytes = Buffer.from(`${name}\0`, 'utf8');
  // c_magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor,
  // namesize, check.
  const fields = [ino, mode, 0, 0, mode & S_IFDIR ? 2 : 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
  const header = Buffer.from(`070701${fields.map(hex8).join('')}`, 'ascii');
  const namePad = pad4(header.length + nameBytes.length);
  return Buffer.concat([header, nameBytes, Buffer.alloc(namePad), data, Buffer.alloc(pad4(data.length))]);
}

/** The archive bytes: the entries in order, then the TRAILER!!! record. Paths are relative ("init"). */
export function buildCpio(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) {
    const path = e.path.replace(/^\/+/, '');
    if (e.kind === 'dir') parts.push(record(ino++, S_IFDIR | (e.mode ?? 0o755), path, new Uint8Array()));
    else if (e.kind === 'file') parts.push(record(ino++, S_IFREG | (e.mode ?? 0o644), path, e.data));
    else parts.push(record(ino++, S_IFLNK | 0o777, path, Buffer.from(e.target, 'utf8')));
  }
  parts.push(record(0, 0, 'TRAILER!!!', new Uint8Array()));
  return Buffer.concat(parts);
}
