/**
 * use_vmac on one vigil node: the VMAC's link state follows its base interface (and the instance
 * goes to FAULT and back with it), a VMAC set down by hand is tracked too, one deleted by hand is
 * created again, and a reload that drops an instance removes that instance's VMAC while the other
 * one stays, untouched.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../harness/topology.js';
import { addressesOn, createLab, daemonSkip, ipLink, type Lab, vrrpConf } from './lab.js';

const skip = daemonSkip();

const linkState = (lab: Lab, name: string) => ipLink(lab, 'n1', name);
const holds = async (lab: Lab, dev: string, address: string) =>
  (await addressesOn(lab, 'n1', dev)).includes(address);

async function txPackets(lab: Lab, dev: string): Promise<number> {
  const r = await lab.topo.exec('n1', 'ip', ['-j', '-s', 'link', 'show', 'dev', dev]);
  return (JSON.parse(r.stdout) as { stats64: { tx: { packets: number } } }[])[0]!.stats64.tx.packets;
}

const ip = (lab: Lab, ...args: string[]) => lab.topo.exec('n1', 'ip', args);

describe('use_vmac on one node', { skip, timeout: 90_000 }, () => {
  let lab: Lab;
  before(async () => {
    lab = await createLab(['n1']);
  });
  after(() => lab?.destroy());

  test('the VMAC follows its base interface down and up; set down it means FAULT; deleted, it comes back', async () => {
    const d = lab.start(
      'vigil',
      'n1',
      vrrpConf({
        vips: ['192.0.2.120/24'],
        vrid: 71,
        version: 3,
        advertInt: 0.2,
        priority: 150,
        extra: ['use_vmac'],
      }),
    );
    try {
      await d.waitLog(/\(VI_1\) Entering MASTER STATE/);
      await waitFor(() => holds(lab, 'vrrp.71', '192.0.2.120'), { message: 'VIP on vrrp.71' });

      let from = d.log().length;
      await ip(lab, 'link', 'set', 'eth0', 'down');
      await d.waitLog(/\(VI_1\) Entering FAULT STATE/, { from });
      await waitFor(async () => (await linkState(lab, 'vrrp.71'))?.flags.includes('LOWER_UP') === false, {
        message: 'vrrp.71 lost its carrier with eth0',
      });
      assert.equal(await holds(lab, 'vrrp.71', '192.0.2.120'), false, 'FAULT releases the VIP');

      from = d.log().length;
      await ip(lab, 'link', 'set', 'eth0', 'up');
      await d.waitLog(/\(VI_1\) Entering MASTER STATE/, { from });
      assert.equal((await linkState(lab, 'vrrp.71'))?.operstate, 'UP');
      await waitFor(() => holds(lab, 'vrrp.71', '192.0.2.120'), { message: 'VIP back on vrrp.71' });

      // The VMAC itself is tracked: set down by hand, the instance goes to FAULT until it is up.
      from = d.log().length;
      await ip(lab, 'link', 'set', 'vrrp.71', 'down');
      await d.waitLog(/\(VI_1\) Entering FAULT STATE/, { from });
      from = d.log().length;
      await ip(lab, 'link', 'set', 'vrrp.71', 'up');
      await d.waitLog(/\(VI_1\) Entering MASTER STATE/, { from });

      // Deleted by hand, the VMAC is created again (as keepalived does) and the instance returns.
      from = d.log().length;
      await ip(lab, 'link', 'del', 'vrrp.71');
      await d.waitLog(/\(VI_1\) Entering FAULT STATE/, { from });
      await d.waitLog(/\(VI_1\) Entering MASTER STATE/, { from });
      assert.equal((await linkState(lab, 'vrrp.71'))?.address, '00:00:5e:00:01:47');
      await waitFor(() => holds(lab, 'vrrp.71', '192.0.2.120'), { message: 'VIP on the new vrrp.71' });
      // Its adverts go out of the new interface (the socket was opened again on it).
      const sent = await txPackets(lab, 'vrrp.71');
      await waitFor(async () => (await txPackets(lab, 'vrrp.71')) >= sent + 3, {
        message: 'adverts on vrrp.71',
      });
      const recreated = d.log().indexOf('creating it again', from);
      assert.ok(recreated > 0);
      assert.doesNotMatch(d.log().slice(recreated), /not sent/);
    } finally {
      await lab.stopAll();
    }
    assert.equal((await d.exited).code, 0);
    assert.equal(await linkState(lab, 'vrrp.71'), undefined, 'vrrp.71 removed on stop');
  });

  test('a reload that drops an instance removes its VMAC; the kept instance keeps its VMAC and VIP', async () => {
    const one = (name: string, vrid: number, vip: string) => {
      const c = vrrpConf({
        name,
        vips: [vip],
        vrid,
        version: 3,
        advertInt: 0.2,
        priority: 150,
        extra: ['use_vmac'],
      });
      return c.slice(c.indexOf('vrrp_instance'));
    };
    const head = (c: string) => c.slice(0, c.indexOf('vrrp_instance'));
    const first = one('VI_1', 73, '192.0.2.121/24');
    const conf = head(vrrpConf({ vips: [], priority: 1 })) + first + one('VI_2', 74, '192.0.2.122/24');
    const d = lab.start('vigil', 'n1', conf);
    try {
      await d.waitLog(/\(VI_1\) Entering MASTER STATE/);
      await d.waitLog(/\(VI_2\) Entering MASTER STATE/);
      await waitFor(() => holds(lab, 'vrrp.74', '192.0.2.122'), { message: 'VIP on vrrp.74' });
      const before = await linkState(lab, 'vrrp.73');
      assert.ok(before);

      const from = d.log().length;
      writeFileSync(d.confFile, head(conf) + first);
      d.signal('SIGHUP');
      await d.waitLog(/reload: kept \[VI_1\]/, { from });
      await waitFor(async () => (await linkState(lab, 'vrrp.74')) === undefined, {
        message: 'vrrp.74 removed',
      });
      assert.ok(await holds(lab, 'vrrp.73', '192.0.2.121'), 'the kept instance keeps its VIP');
      assert.doesNotMatch(d.log().slice(from), /\(VI_1\) Entering/);
    } finally {
      await lab.stopAll();
    }
    assert.equal((await d.exited).code, 0);
    assert.equal(await linkState(lab, 'vrrp.73'), undefined, 'vrrp.73 removed on stop');
  });
});
