/**
 * What vigil puts on the host as master, checked with iproute2 inside the namespace:
 * virtual_ipaddress with dev/label/brd/scope and prefix, virtual_ipaddress_excluded and
 * virtual_routes, all added over netlink and all removed on stop — and an address vigil did not
 * configure is never touched.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { DUMP_FILE } from '../../../src/daemon/daemon.js';
import { waitFor } from '../harness/topology.js';
import { createLab, type DaemonHandle, daemonSkip, type Lab, vrrpConf } from './lab.js';

const skip = daemonSkip();

interface IpAddr {
  ifname: string;
  addr_info: { local: string; prefixlen: number; label?: string; scope: string; broadcast?: string }[];
}
interface IpRoute {
  dst: string;
  gateway?: string;
  prefsrc?: string;
  metric?: number;
}

describe('VIPs, excluded addresses and virtual routes on a real interface', { skip, timeout: 60_000 }, () => {
  let lab: Lab;
  let node: DaemonHandle;
  const addrs = async () =>
    (
      JSON.parse((await lab.topo.exec('n1', 'ip', ['-j', 'addr', 'show', 'dev', 'eth0'])).stdout) as IpAddr[]
    )[0]!.addr_info;
  const routes = async () =>
    JSON.parse((await lab.topo.exec('n1', 'ip', ['-j', 'route', 'show'])).stdout) as IpRoute[];

  before(async () => {
    lab = await createLab(['n1']);
    // Not vigil's: must survive the daemon's whole life.
    await lab.topo.exec('n1', 'ip', ['addr', 'add', '192.0.2.150/24', 'dev', 'eth0']);
  });
  after(() => lab?.destroy());

  test('as master: every configured address and route is there, with its attributes', async () => {
    node = lab.start(
      'vigil',
      'n1',
      vrrpConf({
        state: 'MASTER',
        priority: 255,
        vips: ['192.0.2.100/24', '192.0.2.101/24 dev eth0 label eth0:web brd 192.0.2.255'],
        extra: [
          'virtual_ipaddress_excluded {',
          '  192.0.2.120/24',
          '}',
          'virtual_routes {',
          '  198.51.100.0/24 via 192.0.2.1 dev eth0',
          '  src 192.0.2.100 203.0.113.0/24 dev eth0 metric 10',
          '}',
        ],
      }),
    );
    await node.waitLog(/Entering MASTER STATE/);
    await waitFor(async () => (await routes()).some((r) => r.dst === '203.0.113.0/24'), {
      message: 'virtual routes installed',
    });
    const a = await addrs();
    const find = (ip: string) => a.find((x) => x.local === ip);
    assert.equal(find('192.0.2.100')?.prefixlen, 24);
    assert.equal(find('192.0.2.101')?.label, 'eth0:web');
    assert.equal(find('192.0.2.101')?.broadcast, '192.0.2.255');
    assert.ok(find('192.0.2.120'), 'virtual_ipaddress_excluded is added too');
    const r = await routes();
    assert.equal(r.find((x) => x.dst === '198.51.100.0/24')?.gateway, '192.0.2.1');
    const viaSrc = r.find((x) => x.dst === '203.0.113.0/24');
    assert.equal(viaSrc?.prefsrc, '192.0.2.100');
    assert.equal(viaSrc?.metric, 10);
    // The excluded address is not in the advert: status lists it among the instance's VIPs all the same.
    const s = await lab.status(node);
    assert.ok(s.instances[0]!.vips.includes('192.0.2.120/24'));
  });

  test('SIGUSR1 writes a state dump to /tmp/keepalived.data, as keepalived does', async () => {
    rmSync(DUMP_FILE, { force: true });
    try {
      node.signal('SIGUSR1');
      const text = await waitFor(() => (existsSync(DUMP_FILE) ? readFileSync(DUMP_FILE, 'utf8') : ''), {
        message: 'dump written',
      });
      assert.match(text, /VI_1\s+MASTER\s+51\s+255/);
      assert.ok(text.includes('192.0.2.101/24'));
    } finally {
      rmSync(DUMP_FILE, { force: true });
    }
  });

  test('on stop: everything vigil added is gone, and nothing else was touched', async () => {
    node.signal('SIGTERM');
    const exit = await node.exited;
    assert.equal(exit.code, 0);
    const a = await addrs();
    for (const ip of ['192.0.2.100', '192.0.2.101', '192.0.2.120']) {
      assert.equal(
        a.some((x) => x.local === ip),
        false,
        `${ip} removed`,
      );
    }
    assert.ok(
      a.some((x) => x.local === '192.0.2.150'),
      'the address vigil did not configure is still there',
    );
    const r = await routes();
    assert.equal(
      r.some((x) => x.dst === '198.51.100.0/24' || x.dst === '203.0.113.0/24'),
      false,
      'virtual routes removed',
    );
  });
});
