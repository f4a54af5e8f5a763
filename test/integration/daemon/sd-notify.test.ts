/**
 * sd_notify as systemd sees it (contrib/vigil.service, Type=notify). systemd cannot run on this
 * machine's test hosts, so the test binds the notification socket itself, as systemd would, and
 * checks the daemon's datagrams in order: READY=1 once VRRP runs; on SIGHUP RELOADING=1 with
 * MONOTONIC_USEC, then READY=1 (also when the new config is refused, with a STATUS saying so); on
 * SIGTERM STOPPING=1.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { monotonicUsec } from '../../../src/daemon/sd-notify.js';
import { listenNotify, type NotifyListener } from '../../notify-listener.js';
import { waitFor } from '../harness/topology.js';
import { createLab, daemonSkip, type Lab, vrrpConf } from './lab.js';

/** The daemon's timestamp (ms) of the first log line matching `re`. */
function loggedAt(log: string, re: RegExp): number {
  const line = log.split('\n').find((x) => re.test(x)) ?? '';
  return Date.parse(line.split(' ')[0] ?? '');
}

const systemdRuns = spawnSync('systemctl', ['is-system-running'], { encoding: 'utf8' }).stdout?.trim();
const skip = daemonSkip();

describe('sd_notify over $NOTIFY_SOCKET', { skip, timeout: 60_000 }, () => {
  let lab: Lab;
  let listener: NotifyListener | undefined;
  before(async () => {
    lab = await createLab(['n1']);
  });
  after(async () => {
    listener?.close();
    await lab?.destroy();
  });

  test(`READY, RELOADING + MONOTONIC_USEC, READY, STOPPING in order (systemd here: ${systemdRuns || 'none'})`, async () => {
    const path = join(lab.dir, 'notify.sock');
    const l = listenNotify(path);
    listener = l;
    const conf = vrrpConf({ priority: 200, vips: ['192.0.2.100/24'] });
    const d = lab.start('vigil', 'n1', conf, { env: { NOTIFY_SOCKET: path } });
    const next = async (n: number, what: string) => {
      await waitFor(() => l.messages.length >= n, { timeoutMs: 10000, message: what });
      return l.messages[n - 1]!;
    };
    assert.equal(await next(1, 'READY=1 at start'), 'READY=1');
    // The log comes over a pipe and the datagram over a socket, so the test may read them in
    // either order: compare the daemon's own timestamp of the line with the datagram's arrival.
    const started = loggedAt(
      await d.waitLog(/VRRP worker started/, { timeoutMs: 5000 }),
      /VRRP worker started/,
    );
    assert.ok(
      started <= l.receivedAt[0]!,
      `ready only once the VRRP worker runs (${started} > ${l.receivedAt[0]})`,
    );

    const before = monotonicUsec();
    d.signal('SIGHUP');
    const reloading = await next(2, 'RELOADING=1');
    const usec = BigInt(/^RELOADING=1\nMONOTONIC_USEC=(\d+)$/.exec(reloading)?.[1] ?? '0');
    assert.ok(usec >= before && usec - before < 5_000_000n, `MONOTONIC_USEC ${usec}, before ${before}`);
    assert.equal(await next(3, 'READY=1 after the reload'), 'READY=1');
    await d.waitLog(/reload: kept \[VI_1\]/, { timeoutMs: 5000 });

    writeFileSync(d.confFile, 'vrrp_instance VI_1 {\n  virtual_router_id 300\n}\n');
    d.signal('SIGHUP');
    assert.match(await next(4, 'RELOADING=1 (refused config)'), /^RELOADING=1\n/);
    assert.equal(
      await next(5, 'READY=1 with a STATUS (refused config)'),
      'READY=1\nSTATUS=new configuration is invalid; running the previous one',
    );

    d.signal('SIGTERM');
    assert.equal(await next(6, 'STOPPING=1'), 'STOPPING=1');
    assert.deepEqual((await d.exited).code, 0);
    assert.equal(l.messages.length, 6, `no more datagrams: ${JSON.stringify(l.messages.slice(6))}`);
    assert.doesNotMatch(d.log(), /cannot notify systemd/);
  });
});
