import assert from 'node:assert/strict';
import { test } from 'node:test';
import { monotonicUsec, notifyMessage, systemdNotifier } from '../../../src/daemon/sd-notify.js';
import { kernelAvailable } from '../../../src/kernel/native.js';
import { encodeSockaddrUn } from '../../../src/kernel/sockaddr.js';
import { waitFor } from '../../integration/harness/topology.js';
import { listenNotify } from '../../notify-listener.js';

test('sd_notify messages: READY, RELOADING with MONOTONIC_USEC, STOPPING, one-line STATUS', () => {
  assert.equal(notifyMessage({ type: 'ready' }), 'READY=1');
  assert.equal(notifyMessage({ type: 'ready', status: 'bad\nconfig' }), 'READY=1\nSTATUS=bad config');
  assert.equal(
    notifyMessage({ type: 'reloading', monotonicUsec: 1234567n }),
    'RELOADING=1\nMONOTONIC_USEC=1234567',
  );
  assert.equal(notifyMessage({ type: 'stopping' }), 'STOPPING=1');
  assert.equal(notifyMessage({ type: 'status', status: 'x' }), 'STATUS=x');
});

test('sockaddr_un: a path ends with NUL, an abstract @name starts with one; too long is refused', () => {
  assert.deepEqual([...encodeSockaddrUn('/run/n')!], [1, 0, ...Buffer.from('/run/n'), 0]);
  assert.deepEqual([...encodeSockaddrUn('@sd/x')!], [1, 0, 0, ...Buffer.from('sd/x')]);
  assert.equal(encodeSockaddrUn(''), undefined);
  assert.equal(encodeSockaddrUn(`/${'a'.repeat(107)}`), undefined);
  assert.equal(encodeSockaddrUn(`/${'a'.repeat(106)}`)!.length, 110);
});

test('the notifier takes NOTIFY_SOCKET out of the environment and sends to an abstract socket', {
  skip: kernelAvailable() ? false : 'the kernel addon is not built',
}, async () => {
  const name = `@vigil-sd-test-${process.pid}`;
  const listener = listenNotify(name);
  try {
    const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: name };
    const warnings: string[] = [];
    const n = systemdNotifier(env, (m) => warnings.push(m));
    assert.ok(n);
    assert.equal(env.NOTIFY_SOCKET, undefined);
    const before = monotonicUsec();
    n.notify({ type: 'ready' });
    n.notify({ type: 'reloading', monotonicUsec: monotonicUsec() });
    n.notify({ type: 'stopping' });
    n.close();
    await waitFor(() => listener.messages.length === 3, { message: 'three datagrams' });
    assert.equal(listener.messages[0], 'READY=1');
    const usec = BigInt(/^RELOADING=1\nMONOTONIC_USEC=(\d+)$/.exec(listener.messages[1]!)![1]!);
    assert.ok(usec >= before && usec - before < 5_000_000n, `MONOTONIC_USEC ${usec} vs ${before}`);
    assert.equal(listener.messages[2], 'STOPPING=1');
    assert.deepEqual(warnings, []);
  } finally {
    listener.close();
  }
});

test('a dead NOTIFY_SOCKET is reported once and never throws; no variable, no notifier', {
  skip: kernelAvailable() ? false : 'the kernel addon is not built',
}, () => {
  const warnings: string[] = [];
  const n = systemdNotifier({ NOTIFY_SOCKET: `/nonexistent/vigil-${process.pid}` }, (m) => warnings.push(m));
  assert.ok(n);
  n.notify({ type: 'ready' });
  n.notify({ type: 'stopping' });
  n.close();
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /cannot notify systemd at \/nonexistent\/.*: ENOENT/);
  assert.equal(
    systemdNotifier({}, () => {}),
    undefined,
  );
});
