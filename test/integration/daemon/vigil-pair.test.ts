/**
 * Two vigil daemons on a real (namespaced) LAN: election, failover on SIGKILL within the
 * master-down interval, priority-0 handover on SIGTERM, preemption on return, link down -> FAULT,
 * SIGHUP reload without a flap, `vigil status --json`, and a second daemon on the same pid file.
 * The VIP must sit on exactly one node and a client must get that node's HTTP answer.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../harness/topology.js';
import { createLab, type DaemonHandle, daemonSkip, type Lab, masterDownMs, vrrpConf } from './lab.js';

const skip = daemonSkip();
const VIP = '192.0.2.100';
const NODES = ['n1', 'n2'] as const;
/** Scheduling, netlink and the client's poll on a shared 2-core machine. */
const SLACK_MS = 600;

const conf = (priority: number) =>
  vrrpConf({ priority, vips: [`${VIP}/24`], authPass: 'secret1', advertInt: 1 });

describe('two vigil nodes, VRRPv2 multicast with PASS auth', { skip, timeout: 120_000 }, () => {
  let lab: Lab;
  let n1: DaemonHandle;
  let n2: DaemonHandle;
  const served = (host: string, exclusive = true) =>
    lab.waitServedBy(host, VIP, { client: 'client', among: NODES, exclusive, timeoutMs: 8000 });

  before(async () => {
    lab = await createLab(['n1', 'n2', 'client']);
    await Promise.all([lab.http('n1'), lab.http('n2')]);
  });
  after(() => lab?.destroy());

  test('elects the higher priority; the VIP is on it alone and the client reaches it', async () => {
    // The master first: started together, either BACKUP may time out first and win for a moment.
    n1 = lab.start('vigil', 'n1', conf(150));
    await n1.waitLog(/\(VI_1\) Entering MASTER STATE/);
    n2 = lab.start('vigil', 'n2', conf(100));
    await n2.waitLog(/\(VI_1\) Entering BACKUP STATE/);
    await served('n1');
    assert.doesNotMatch(n2.log(), /Entering MASTER/);
  });

  test('vigil status --json reports state, priority, VIPs, master and counters', async () => {
    const s1 = await lab.status(n1);
    assert.equal(s1.pid, n1.child.pid);
    assert.equal(s1.configFile, n1.confFile);
    const i1 = s1.instances[0]!;
    assert.equal(i1.name, 'VI_1');
    assert.equal(i1.state, 'MASTER');
    assert.equal(i1.vrid, 51);
    assert.equal(i1.version, 2);
    assert.equal(i1.interface, 'eth0');
    assert.equal(i1.basePriority, 150);
    assert.equal(i1.effectivePriority, 150);
    assert.ok(
      i1.vips.some((v) => v.startsWith(VIP)),
      `VIPs ${i1.vips}`,
    );
    assert.equal(i1.masterAddress, lab.topo.host('n1').ipv4);
    assert.ok(i1.lastTransition?.reason, 'transition reason');
    // The backup learns the master from its next advert (n2 has only just started).
    const i2 = await waitFor(
      async () => {
        const i = (await lab.status(n2)).instances[0]!;
        return i.masterAddress !== null ? i : undefined;
      },
      { timeoutMs: 3000, intervalMs: 100, message: 'backup status names the master' },
    );
    assert.equal(i2.state, 'BACKUP');
    assert.equal(i2.masterAddress, lab.topo.host('n1').ipv4);
    // The backup counts the master's adverts.
    const received = Object.entries(i2.counters).filter(([k]) => /recv|rx|received/i.test(k));
    assert.ok(
      received.some(([, v]) => v > 0),
      `receive counters ${JSON.stringify(i2.counters)}`,
    );
  });

  test('a second daemon on the same pid file is refused and the first keeps running', async () => {
    const dup = lab.start('vigil', 'n1', conf(150), { pidFile: n1.pidFile });
    const { code } = await dup.exited;
    assert.notEqual(code, 0);
    assert.match(dup.log(), /pid|running/i);
    assert.equal(n1.child.exitCode, null);
    assert.equal((await lab.status(n1)).pid, n1.child.pid);
  });

  test('SIGHUP with an unchanged config keeps state without a flap; an invalid config is refused', async () => {
    let from = n1.log().length;
    n1.signal('SIGHUP');
    await n1.waitLog(/reload: kept \[VI_1\]/, { from });
    assert.doesNotMatch(n1.log().slice(from), /Entering/);
    assert.deepEqual(await lab.holders(VIP, NODES), ['n1']);

    writeFileSync(n1.confFile, 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 300\n');
    from = n1.log().length;
    n1.signal('SIGHUP');
    await n1.waitLog(/invalid; keeping the running configuration/, { from });
    assert.doesNotMatch(n1.log().slice(from), /Entering/);
    writeFileSync(n1.confFile, conf(150));
    assert.equal((await lab.status(n1)).instances[0]!.state, 'MASTER');
    assert.deepEqual(await lab.holders(VIP, NODES), ['n1']);
    assert.doesNotMatch(n2.log(), /Entering MASTER/);
  });

  test('SIGTERM: the master sends priority 0, the backup takes over within skew time', async () => {
    const from = n2.log().length;
    const t0 = Date.now();
    n1.signal('SIGTERM');
    await n2.waitLog(/Entering MASTER STATE/, { from, timeoutMs: 5000 });
    const took = Date.now() - t0;
    // RFC 3768 6.4.2: on priority 0 the backup waits only Skew_Time ((256-100)/256 s).
    const bound = ((256 - 100) / 256) * 1000 + SLACK_MS;
    assert.ok(took < bound, `handover took ${took} ms, bound ${bound}`);
    assert.deepEqual(await n1.exited, { code: 0, signal: null });
    await served('n2');
  });

  test('the higher priority node preempts on its return', async () => {
    n1 = lab.start('vigil', 'n1', conf(150));
    const from = n2.log().length;
    await n1.waitLog(/Entering MASTER STATE/);
    await n2.waitLog(/Entering BACKUP STATE/, { from });
    await served('n1');
  });

  test('SIGKILL of the master: the backup takes over within the master-down interval', async () => {
    const from = n2.log().length;
    const t0 = Date.now();
    n1.signal('SIGKILL');
    await n2.waitLog(/Entering MASTER STATE/, { from, timeoutMs: 8000 });
    const took = Date.now() - t0;
    const bound = masterDownMs(1, 100, 2) + SLACK_MS;
    assert.ok(took < bound, `failover took ${took} ms, bound ${bound}`);
    // A killed daemon cannot remove its VIP; the new master's gratuitous ARP moves the traffic.
    await served('n2', false);
  });

  test('the restarted node clears its stale VIP at once and preempts again', async () => {
    assert.deepEqual(await lab.holders(VIP, NODES), ['n1', 'n2'], 'the killed master left its VIP');
    n1 = lab.start('vigil', 'n1', conf(150));
    await n1.waitLog(/removed leftover VIP 192\.0\.2\.100/);
    // Before it preempts (a master-down interval after startup), only the backup holds the VIP.
    assert.doesNotMatch(n1.log(), /Entering MASTER/);
    assert.deepEqual(await lab.holders(VIP, NODES), ['n2']);
    await n1.waitLog(/Entering MASTER STATE/);
    await served('n1');
  });

  test('link down on the master: FAULT, the backup takes over; link up: back to MASTER', async () => {
    let from1 = n1.log().length;
    let from2 = n2.log().length;
    const t0 = Date.now();
    await lab.topo.exec('n1', 'ip', ['link', 'set', 'eth0', 'down']);
    await n1.waitLog(/Entering FAULT STATE/, { from: from1 });
    await n2.waitLog(/Entering MASTER STATE/, { from: from2, timeoutMs: 8000 });
    assert.ok(Date.now() - t0 < masterDownMs(1, 100, 2) + SLACK_MS);
    await served('n2');
    from1 = n1.log().length;
    from2 = n2.log().length;
    await lab.topo.exec('n1', 'ip', ['link', 'set', 'eth0', 'up']);
    await n1.waitLog(/Entering MASTER STATE/, { from: from1, timeoutMs: 8000 });
    await n2.waitLog(/Entering BACKUP STATE/, { from: from2 });
    await served('n1');
  });
});

describe('two vigil nodes: nopreempt and preempt_delay', { skip, timeout: 120_000 }, () => {
  let lab: Lab;
  before(async () => {
    lab = await createLab(['n1', 'n2', 'client']);
    await Promise.all([lab.http('n1'), lab.http('n2')]);
  });
  after(() => lab?.destroy());

  test('nopreempt: a returning higher priority node stays BACKUP', async () => {
    const np = (priority: number) =>
      vrrpConf({ state: 'BACKUP', nopreempt: true, priority, vips: [`${VIP}/24`], advertInt: 1 });
    const n2 = lab.start('vigil', 'n2', np(100));
    await n2.waitLog(/Entering MASTER STATE/);
    const n1 = lab.start('vigil', 'n1', np(150));
    await n1.waitLog(/Entering BACKUP STATE/);
    // Observe for longer than a master-down interval: n1 must not take over.
    const until = Date.now() + masterDownMs(1, 150, 2) + 500;
    await waitFor(
      () => {
        if (/Entering MASTER/.test(n1.log())) throw new Error('n1 preempted despite nopreempt');
        return Date.now() > until;
      },
      { timeoutMs: 10000, intervalMs: 100 },
    );
    assert.doesNotMatch(n1.log(), /Entering MASTER/);
    await lab.waitServedBy('n2', VIP, { client: 'client', among: NODES });
    n1.signal('SIGTERM');
    n2.signal('SIGTERM');
    assert.equal((await n1.exited).code, 0);
    assert.equal((await n2.exited).code, 0);
  });

  test('preempt_delay: the higher priority node preempts only after the delay', async () => {
    const n2 = lab.start('vigil', 'n2', vrrpConf({ priority: 100, vips: [`${VIP}/24`], advertInt: 1 }));
    await n2.waitLog(/Entering MASTER STATE/);
    await lab.waitServedBy('n2', VIP, { client: 'client', among: NODES });
    const t0 = Date.now();
    const n1 = lab.start(
      'vigil',
      'n1',
      vrrpConf({ state: 'BACKUP', preemptDelay: 3, priority: 150, vips: [`${VIP}/24`], advertInt: 1 }),
    );
    await n1.waitLog(/Entering BACKUP STATE/);
    await n1.waitLog(/Entering MASTER STATE/, { timeoutMs: 10000 });
    const took = Date.now() - t0;
    assert.ok(took >= 3000, `preempted after ${took} ms, before the 3 s delay`);
    // keepalived's model (src/vrrp/instance.ts): the delay starts at the first lower-priority advert
    // (within one interval of startup); adverts are accepted until it ends; the master-down timer
    // armed by the last accepted one (up to one interval later) then runs out.
    const bound = 1000 + 3000 + 1000 + masterDownMs(1, 150, 2) + SLACK_MS;
    assert.ok(took < bound, `preempted after ${took} ms, bound ${bound}`);
    await lab.waitServedBy('n1', VIP, { client: 'client', among: NODES });
  });
});
