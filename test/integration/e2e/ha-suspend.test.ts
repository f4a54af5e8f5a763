/**
 * virtual_server ha_suspend end to end, in a namespace: the director `dir` runs vigil with one
 * virtual server on 192.0.2.100 whose real server is MISC_CHECK-ed by a script that records each
 * run. keepalived (check_api.c update_checker_activity) suspends a virtual server's checkers while
 * none of its addresses is configured on the host: the checker thread learns address changes from
 * netlink (src/daemon/local-addresses.ts), so adding 192.0.2.100 (as a VRRP master does) activates
 * the checker and deleting it suspends it again, with keepalived's log lines.
 *
 * The namespace, the daemon and the files go in lab.destroy(), even on failure.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLab, type DaemonHandle, type Lab } from '../daemon/lab.js';
import { conf, e2eSkip, readLines, writeScript } from './helpers.js';

const skip = e2eSkip(['nft']);
const VIP = '192.0.2.100';
const NAMES = 'service \\[198\\.51\\.100\\.2\\]:tcp:80 for VS \\[192\\.0\\.2\\.100\\]:tcp:80';

/** Waits `ms` and returns: only to observe that nothing happens in a window (no event can say so). */
const quietWindow = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ha_suspend: checkers follow the virtual server address', { skip, timeout: 60_000 }, () => {
  let lab: Lab;
  let d: DaemonHandle;
  const runs = () => readLines(join(lab.dir, 'runs')).length;
  const ip = (op: 'add' | 'del') => lab.topo.exec('dir', 'ip', ['addr', op, `${VIP}/32`, 'dev', 'eth0']);

  before(async () => {
    lab = await createLab(['dir']);
  });
  after(() => lab?.destroy());

  test('no address: Deactivating, no run; address added: Activating, runs; deleted: Suspending, runs stop', async () => {
    const script = writeScript(join(lab.dir, 'check.sh'), `echo run >> ${join(lab.dir, 'runs')}`);
    d = lab.start(
      'vigil',
      'dir',
      conf({
        routerId: 'ha_suspend',
        body: `virtual_server ${VIP} 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  ha_suspend
  delay_loop 0.2
  warmup 0
  real_server 198.51.100.2 80 {
    MISC_CHECK {
      misc_path ${script}
    }
  }
}`,
      }),
    );
    await d.waitLog(new RegExp(`Deactivating healthchecker for ${NAMES}`), { timeoutMs: 15_000 });
    // First run would be 1 s (bootstrap) after start, then every 0.2 s: none while suspended.
    await quietWindow(1800);
    assert.equal(runs(), 0, d.log());

    let from = d.log().length;
    await ip('add');
    await d.waitLog(new RegExp(`Activating healthchecker for ${NAMES}`), { from });
    await d.waitLog(/Misc check for .* succeeded\./, { from });
    assert.ok(runs() >= 1);

    from = d.log().length;
    await ip('del');
    await d.waitLog(new RegExp(`Suspending healthchecker for ${NAMES}`), { from });
    const n = runs();
    await quietWindow(1000);
    assert.ok(runs() <= n + 1, `runs went on while suspended: ${n} -> ${runs()}`);
    // The server keeps its state while suspended.
    const s = await lab.status(d);
    assert.equal(s.virtualServers?.[0]?.realServers[0]?.alive, true);
  });
});
