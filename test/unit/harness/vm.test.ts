import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCpio } from '../../integration/harness/vm/cpio.js';
import { resolveModules } from '../../integration/harness/vm/qemu.js';

/** Walks a newc archive: [name, mode, data] per record. */
function entries(b: Buffer): [string, number, string][] {
  const out: [string, number, string][] = [];
  let off = 0;
  for (;;) {
    assert.equal(b.toString('ascii', off, off + 6), '070701');
    const field = (i: number) => Number.parseInt(b.toString('ascii', off + 6 + i * 8, off + 14 + i * 8), 16);
    const mode = field(1);
    const size = field(6);
    const nameSize = field(11);
    const nameStart = off + 110;
    const name = b.toString('utf8', nameStart, nameStart + nameSize - 1);
    const dataStart = (nameStart + nameSize + 3) & ~3;
    out.push([name, mode, b.toString('utf8', dataStart, dataStart + size)]);
    off = (dataStart + size + 3) & ~3;
    if (name === 'TRAILER!!!') return out;
  }
}

test('newc cpio: directories, files with modes, symlinks, 4-byte alignment, the trailer', () => {
  const b = buildCpio([
    { kind: 'dir', path: '/bin' },
    { kind: 'file', path: 'init', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
    { kind: 'symlink', path: 'bin/sh', target: 'busybox' },
    { kind: 'file', path: 'x', data: Buffer.from('abcde') },
  ]);
  assert.equal(b.length % 4, 0);
  assert.deepEqual(entries(b), [
    ['bin', 0o040755, ''],
    ['init', 0o100755, '#!/bin/sh\n'],
    ['bin/sh', 0o120777, 'busybox'],
    ['x', 0o100644, 'abcde'],
    ['TRAILER!!!', 0, ''],
  ]);
});

test('modules are listed dependencies first, once, from modules.dep', () => {
  const dep = [
    'kernel/fs/netfs/netfs.ko:',
    'kernel/fs/fscache/fscache.ko: kernel/fs/netfs/netfs.ko',
    'kernel/net/9p/9pnet.ko:',
    'kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/fscache/fscache.ko kernel/fs/netfs/netfs.ko',
    'kernel/net/9p/9pnet_virtio.ko: kernel/net/9p/9pnet.ko kernel/drivers/virtio/virtio.ko',
    'kernel/drivers/virtio/virtio.ko:',
  ].join('\n');
  assert.deepEqual(resolveModules(dep, ['9pnet-virtio', '9p']), [
    'kernel/net/9p/9pnet.ko',
    'kernel/drivers/virtio/virtio.ko',
    'kernel/net/9p/9pnet_virtio.ko',
    'kernel/fs/netfs/netfs.ko',
    'kernel/fs/fscache/fscache.ko',
    'kernel/fs/9p/9p.ko',
  ]);
  assert.throws(() => resolveModules(dep, ['ip_vs']), /ip_vs not in modules.dep/);
});
