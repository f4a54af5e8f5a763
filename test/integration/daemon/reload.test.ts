/**
 * SIGHUP with a changed instance (same VRID): keepalived keeps the instance's state; so does
 * vigil. A master applies the new priority and the VIP differences without a flap.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../harness/topology.js';
import { createLab, daemonSkip, type Lab, vrrpConf } from './lab.js';

const skip = daemonSkip();

describe('SIGHUP with a changed instance', { skip, timeout: 60_000 }, () => {
  let lab: Lab;
  before(async () => {
    lab = await createLab(['n1']);
  });
  after(() => lab?.destroy());

  test('a master takes the new priority and VIPs in place, with no transition', async () => {
    const d = lab.start('vigil', 'n1', vrrpConf({ priority: 200, vips: ['192.0.2.100/24'] }));
    await d.waitLog(/Entering MASTER STATE/);
    await waitFor(async () => (await lab.holders('192.0.2.100', ['n1'])).length === 1, {
      message: 'first VIP on n1',
    });
    const from = d.log().length;
    writeFileSync(d.confFile, vrrpConf({ priority: 210, vips: ['192.0.2.101/24', '192.0.2.102/24'] }));
    d.signal('SIGHUP');
    await d.waitLog(/reloaded in place \[VI_1\]/, { from });
    await waitFor(async () => (await lab.holders('192.0.2.102', ['n1'])).length === 1, {
      message: 'new VIP on n1',
    });
    await waitFor(async () => (await lab.holders('192.0.2.100', ['n1'])).length === 0, {
      message: 'dropped VIP removed',
    });
    const s = await lab.status(d);
    assert.equal(s.instances[0]!.state, 'MASTER');
    assert.equal(s.instances[0]!.effectivePriority, 210);
    assert.doesNotMatch(d.log().slice(from), /Entering (BACKUP|FAULT|STOP|MASTER) STATE/);
    d.signal('SIGTERM');
    assert.equal((await d.exited).code, 0);
    assert.deepEqual(await lab.holders('192.0.2.101', ['n1']), []);
  });
});
