/**
 * global_defs timing knobs on a real host: vrrp_startup_delay holds the instances back, and
 * vrrp_garp_interval spaces the gratuitous ARPs of a burst (keepalived.conf(5)).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startCapture } from '../harness/capture.js';
import { waitFor } from '../harness/topology.js';
import { createLab, daemonSkip, type Lab } from './lab.js';

const skip = daemonSkip();

const conf = `
global_defs {
  vrrp_startup_delay 1.5
  vrrp_garp_interval 0.2
  vrrp_garp_master_repeat 3
  vrrp_garp_master_delay 0
}
vrrp_instance VI_1 {
  state MASTER
  interface eth0
  virtual_router_id 61
  priority 255
  advert_int 1
  virtual_ipaddress {
    192.0.2.161/24
  }
}
`;

describe('vrrp_startup_delay and vrrp_garp_interval', { skip, timeout: 60_000 }, () => {
  let lab: Lab;
  before(async () => {
    lab = await createLab(['n1', 'n2']);
  });
  after(() => lab?.destroy());

  test('instances start after the delay; the GARP burst is paced', async () => {
    const cap = await startCapture(lab.topo, 'n2', 'eth0', 'arp');
    try {
      const t0 = Date.now();
      const d = lab.start('vigil', 'n1', conf);
      await d.waitLog(/delaying VRRP startup for 1500 ms/);
      await d.waitLog(/Entering MASTER STATE/);
      assert.ok(Date.now() - t0 >= 1500, `master after ${Date.now() - t0} ms`);
      // ARP frames for the VIP: sender protocol address 192.0.2.161 at offset 28.
      const vipArps = () =>
        cap.frames().filter((f) => f.length >= 32 && f.subarray(28, 32).join('.') === '192.0.2.161');
      const first = await waitFor(() => (vipArps().length >= 1 ? Date.now() : 0), { intervalMs: 5 });
      const third = await waitFor(() => (vipArps().length >= 3 ? Date.now() : 0), { intervalMs: 5 });
      // Three announcements 200 ms apart span about 400 ms; back to back they would arrive at once.
      assert.ok(third - first >= 300, `burst spanned ${third - first} ms`);
      d.signal('SIGTERM');
      assert.equal((await d.exited).code, 0);
    } finally {
      await cap.stop();
    }
  });
});
