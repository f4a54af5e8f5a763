/**
 * VRRP keywords that act on the wire and in the kernel, each run with vigil and with keepalived
 * 2.2.7 on the same config so that both are held to the same result:
 * - unicast_ttl: the TTL of unicast adverts;
 * - promote_secondaries: the interface sysctl set while running, restored at stop;
 * - down_timer_adverts: a backup waits that many master adverts (plus skew) before taking over.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Capture, startCapture } from '../harness/capture.js';
import { waitFor } from '../harness/topology.js';
import { createLab, daemonSkip, type Impl, type Lab, vrrpConf } from './lab.js';

const skip = daemonSkip({ keepalived: true });
const IMPLS: readonly Impl[] = ['vigil', 'keepalived'];

describe('unicast_ttl, promote_secondaries, down_timer_adverts: vigil as keepalived 2.2.7', {
  skip,
  timeout: 180_000,
}, () => {
  let lab: Lab;
  before(async () => {
    lab = await createLab(['n1', 'n2']);
  });
  after(() => lab?.destroy());

  for (const impl of IMPLS) {
    test(`${impl}: unicast_ttl 7 sets the TTL of unicast adverts`, async () => {
      let cap: Capture | undefined;
      try {
        cap = await startCapture(lab.topo, 'n2', 'eth0', 'ip proto 112');
        const n1 = lab.topo.host('n1').ipv4;
        const n2 = lab.topo.host('n2').ipv4;
        const d = lab.start(
          impl,
          'n1',
          vrrpConf({
            priority: 150,
            vrid: 81,
            vips: ['192.0.2.181/24'],
            unicastSrc: n1,
            unicastPeers: [n2],
            extra: ['unicast_ttl 7'],
          }),
        );
        await d.waitLog(/Entering MASTER STATE/);
        // Ethernet (14 bytes), then the IPv4 header: TTL at offset 8, source at 12.
        const frame = await cap.waitForFrame((f) => f.subarray(26, 30).join('.') === n1, 5000);
        assert.equal(frame[14 + 8], 7, `TTL of ${impl}'s unicast advert`);
      } finally {
        await cap?.stop();
        await lab.stopAll();
      }
    });

    test(`${impl}: promote_secondaries is set while running and restored at stop`, async () => {
      const sysctl = async () =>
        (
          await lab.topo.exec('n1', 'cat', ['/proc/sys/net/ipv4/conf/eth0/promote_secondaries'])
        ).stdout.trim();
      try {
        assert.equal(await sysctl(), '0', 'the test starts from the kernel default');
        const d = lab.start(
          impl,
          'n1',
          vrrpConf({ priority: 150, vrid: 82, vips: ['192.0.2.182/24'], extra: ['promote_secondaries'] }),
        );
        await d.waitLog(/Entering (MASTER|BACKUP) STATE/);
        await waitFor(async () => (await sysctl()) === '1', {
          timeoutMs: 5000,
          message: 'promote_secondaries 1',
        });
        d.signal('SIGTERM');
        await d.exited;
        assert.equal(await sysctl(), '0', `${impl} restores promote_secondaries at stop`);
      } finally {
        await lab.stopAll();
      }
    });

    test(`${impl} as backup: down_timer_adverts 10 waits ten adverts before taking over`, async () => {
      try {
        const conf = (priority: number) =>
          vrrpConf({
            priority,
            vrid: 83,
            version: 3,
            advertInt: 0.1,
            vips: ['192.0.2.183/24'],
            extra: ['down_timer_adverts 10'],
          });
        const m = lab.start('vigil', 'n1', conf(150));
        await m.waitLog(/Entering MASTER STATE/);
        const b = lab.start(impl, 'n2', conf(100));
        await b.waitLog(/Entering BACKUP STATE/);
        // Let the backup hear the master for a while: it then runs on the master's interval.
        await waitFor(async () => (await lab.holders('192.0.2.183', ['n1', 'n2'])).join() === 'n1', {
          timeoutMs: 5000,
        });
        const from = b.log().length;
        const t0 = Date.now();
        m.crash();
        await b.waitLog(/Entering MASTER STATE/, { from, timeoutMs: 5000 });
        const took = Date.now() - t0;
        // 10 x 100 ms + skew ((256 - 100) x 10 ms / 256 = 61 ms); RFC 5798's 3 adverts would be 361 ms.
        assert.ok(took >= 900, `took ${took} ms: ${impl} must wait about ten adverts, not three`);
        assert.ok(took < 1061 + 700, `took ${took} ms, bound 1761 ms`);
      } finally {
        await lab.stopAll();
      }
    });
  }
});
