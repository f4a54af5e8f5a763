import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { parseControlMessages, receiveInfo } from '../../../src/kernel/cmsg.js';
import {
  AF_INET,
  AF_NETLINK,
  IP_PKTINFO,
  IPPROTO_IP,
  NETLINK_ROUTE,
  SOCK_DGRAM,
  SOCK_RAW,
} from '../../../src/kernel/constants.js';
import { addonPath, kernel } from '../../../src/kernel/native.js';
import { decodeSockaddr, encodeSockaddrIn, encodeSockaddrNl } from '../../../src/kernel/sockaddr.js';
import { waitFor } from '../harness/topology.js';
import { kernelSkip } from './paths.js';

// Loopback only: these tests need the addon and (for raw/netlink sockets) root, no namespaces.
const skip = kernelSkip();

describe('kernel addon syscalls', { skip }, () => {
  test('socket/bind/close on UDP and netlink sockets', () => {
    const k = kernel();
    const fd = k.socket(AF_INET, SOCK_DGRAM, 0);
    assert.ok(Number.isInteger(fd) && fd > 2);
    k.bind(fd, encodeSockaddrIn('127.0.0.1', 0)!);
    k.close(fd);
    const nl = k.socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    k.bind(nl, encodeSockaddrNl());
    k.close(nl);
  });

  test('errors are thrown with the errno name and number', () => {
    const k = kernel();
    assert.throws(() => k.socket(9999, SOCK_DGRAM, 0), {
      code: 'EAFNOSUPPORT',
      errno: 97,
      syscall: 'socket',
    });
    assert.throws(() => k.close(987654), { code: 'EBADF', errno: 9 });
    const fd = k.socket(AF_INET, SOCK_DGRAM, 0);
    try {
      assert.throws(() => k.bind(fd, encodeSockaddrIn('192.0.2.254', 0)!), { code: 'EADDRNOTAVAIL' });
      assert.throws(() => k.setsockopt(fd, IPPROTO_IP, 9999, 1), { code: 'ENOPROTOOPT' });
      assert.throws(() => k.bind(fd, Buffer.alloc(2)), { code: 'EINVAL' });
    } finally {
      k.close(fd);
    }
    assert.throws(() => k.bind(-1 as number, 'nope' as unknown as Buffer), TypeError);
    assert.throws(() => k.socket('x' as unknown as number, 0, 0), TypeError);
  });

  test('sendto + watch deliver data, source sockaddr and IP_PKTINFO control messages', async () => {
    const k = kernel();
    const rx = k.socket(AF_INET, SOCK_DGRAM, 0);
    const tx = k.socket(AF_INET, SOCK_DGRAM, 0);
    const port = 20000 + (process.pid % 20000);
    try {
      k.bind(rx, encodeSockaddrIn('127.0.0.1', port)!);
      k.bind(tx, encodeSockaddrIn('127.0.0.1', port + 1)!);
      k.setsockopt(rx, IPPROTO_IP, IP_PKTINFO, 1);
      const got: { data: string; src: unknown; dst?: string }[] = [];
      k.watch(rx, (data, src, control) => {
        if (!data || !src || !control) return;
        const s = decodeSockaddr(src);
        got.push({
          data: data.toString(),
          src: s.ok ? s.value : s.reason,
          dst: receiveInfo(parseControlMessages(control)).dst,
        });
      });
      const to = encodeSockaddrIn('127.0.0.1', port)!;
      assert.equal(k.sendto(tx, Buffer.from('one'), to, 0), 3);
      assert.equal(k.sendto(tx, Buffer.from('two'), to, 0), 3);
      await waitFor(() => got.length === 2);
      assert.deepEqual(got, [
        { data: 'one', src: { family: 'ipv4', address: '127.0.0.1', port: port + 1 }, dst: '127.0.0.1' },
        { data: 'two', src: { family: 'ipv4', address: '127.0.0.1', port: port + 1 }, dst: '127.0.0.1' },
      ]);
      // After unwatch the old callback gets nothing; the datagram waits in the socket for a new watch.
      k.unwatch(rx);
      k.sendto(tx, Buffer.from('three'), to, 0);
      const later: string[] = [];
      k.watch(rx, (data) => {
        if (data) later.push(data.toString());
      });
      await waitFor(() => later.length === 1);
      assert.deepEqual(later, ['three']);
      assert.equal(got.length, 2);
    } finally {
      k.close(rx);
      k.close(tx);
    }
  });

  test('an exception thrown by a watch callback surfaces as an uncaught exception', async () => {
    const k = kernel();
    const rx = k.socket(AF_INET, SOCK_DGRAM, 0);
    const tx = k.socket(AF_INET, SOCK_DGRAM, 0);
    const port = 40000 + (process.pid % 20000);
    const listeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    let caught: Error | undefined;
    process.once('uncaughtException', (e) => {
      caught = e;
    });
    try {
      k.bind(rx, encodeSockaddrIn('127.0.0.1', port)!);
      k.watch(rx, () => {
        throw new Error('boom from callback');
      });
      k.sendto(tx, Buffer.from('x'), encodeSockaddrIn('127.0.0.1', port)!, 0);
      await waitFor(() => caught);
      assert.equal(caught?.message, 'boom from callback');
    } finally {
      for (const l of listeners) process.on('uncaughtException', l);
      k.close(rx);
      k.close(tx);
    }
  });

  test('a worker thread with open watches can terminate, and the process can exit, without aborting', () => {
    // libuv aborts when a loop closes with open handles; the addon closes its watchers on teardown.
    const script = `
      const { Worker } = require('node:worker_threads');
      const code = \`
        const k = require(${JSON.stringify(addonPath())});
        const fd = k.socket(2, 2, 0);
        k.watch(fd, () => {});
        require('node:worker_threads').parentPort.postMessage('watching');
      \`;
      const first = new Worker(code, { eval: true });
      first.once('message', async () => {
        await first.terminate();
        const second = new Worker(code, { eval: true });
        second.once('message', () => { console.log('clean'); process.exit(0); });
      });
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'clean');
  });
});
