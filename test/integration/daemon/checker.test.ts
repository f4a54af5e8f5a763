/**
 * The daemon with virtual servers: the checker thread starts, `vigil status --json` shows the
 * virtual and real servers, a quorum_up script runs, SIGHUP removes a real server in place, and
 * SIGTERM shuts the servers down. (No checker module exists in this build yet: alpha decides
 * whether a real server is up; the life cycle itself is unit-tested with a fake clock.)
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLab, daemonSkip, type Lab } from './lab.js';

const skip = daemonSkip();

const conf = (dir: string, withSecond: boolean) => `global_defs {
  router_id chk1
}
virtual_server 192.0.2.100 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  quorum_up "/bin/touch ${join(dir, 'quorum-up')}"
  real_server 198.51.100.1 80 {
    weight 3
    TCP_CHECK {
    }
  }
${
  withSecond
    ? `  real_server 198.51.100.2 80 {
    TCP_CHECK {
    }
  }`
    : ''
}
}
virtual_server 192.0.2.101 443 {
  lb_algo wrr
  lb_kind DR
  protocol TCP
  alpha
  sorry_server 203.0.113.9 443
  real_server 198.51.100.3 443 {
    TCP_CHECK {
    }
  }
}
`;

describe('daemon with virtual servers', { skip, timeout: 60_000 }, () => {
  let lab: Lab;
  before(async () => {
    lab = await createLab(['n1']);
  });
  after(() => lab?.destroy());

  test('status shows the checker state; reload in place; shutdown', async () => {
    const d = lab.start('vigil', 'n1', conf(lab.dir, true));
    await d.waitLog(/Gained quorum 1\+0=1 <= 4 for VS \[192\.0\.2\.100\]:tcp:80/);
    await d.waitLog(/Starting with quorum down 1-0=1 > 0 for VS \[192\.0\.2\.101\]:tcp:443/);
    const s = await lab.status(d);
    assert.deepEqual(
      s.virtualServers?.map((v) => [
        v.name,
        v.quorumUp,
        v.sorryServerActive,
        v.realServers.map((r) => r.alive),
      ]),
      [
        ['[192.0.2.100]:tcp:80', true, false, [true, true]],
        ['[192.0.2.101]:tcp:443', false, true, [false]],
      ],
    );
    const deadline = Date.now() + 5000;
    while (!existsSync(join(lab.dir, 'quorum-up')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(join(lab.dir, 'quorum-up')), 'quorum_up ran');

    const from = d.log().length;
    writeFileSync(d.confFile, conf(lab.dir, false));
    d.signal('SIGHUP');
    await d.waitLog(/service \[198\.51\.100\.2\]:tcp:80 no longer exist/, { from });
    await d.waitLog(/Removing service \[198\.51\.100\.2\]:tcp:80 from VS \[192\.0\.2\.100\]:tcp:80/, {
      from,
    });
    const after = await lab.status(d);
    assert.deepEqual(
      after.virtualServers?.[0]?.realServers.map((r) => `${r.address}:${r.port}`),
      ['198.51.100.1:80'],
    );
    // No flap for the server that stayed.
    assert.doesNotMatch(d.log().slice(from), /(Removing|Adding) service \[198\.51\.100\.1\]/);

    d.signal('SIGTERM');
    const exit = await d.exited;
    assert.equal(exit.code, 0, d.log());
    assert.match(
      d.log(),
      /Shutting down service \[198\.51\.100\.1\]:tcp:80 from VS \[192\.0\.2\.100\]:tcp:80/,
    );
    // A server that is down is still named at shutdown (clear_service_rs with stopping).
    assert.match(
      d.log(),
      /Shutting down service \[198\.51\.100\.3\]:tcp:443 from VS \[192\.0\.2\.101\]:tcp:443/,
    );
  });
});
