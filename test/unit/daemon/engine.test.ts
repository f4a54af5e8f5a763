/**
 * The engine end to end on an in-memory wire: real config text -> plan -> state machine ->
 * encoded adverts -> receive checks -> state machine, with a virtual clock.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type InstancePlan, planInstances, type Vip } from '../../../src/daemon/plan.js';
import { type EngineEvent, type EnginePorts, VrrpEngine } from '../../../src/daemon/vrrp-engine.js';
import { VirtualClock } from '../../../src/sim/clock.js';
import type { AdvertInput } from '../../../src/vrrp/receive.js';
import { modelOf } from '../../config-model.js';

const conf = (prio: number, extra = '') => `
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority ${prio}
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass s3cret
  }
  virtual_ipaddress {
    192.0.2.100/24
  }
  ${extra}
}
`;

interface Node {
  name: string;
  addr: string;
  engine: VrrpEngine;
  vips: Set<string>;
  routes: Set<string>;
  events: EngineEvent[];
  eventTimes: number[];
  garps: number;
  /** VIP and firewall operations in order: `+vip`, `-vip`, `fw A:blocked,...` or `fw stop`. */
  ops: string[];
  up: boolean;
  /** Receives nothing but still sends (a one-way partition). */
  deaf?: boolean;
}

function planText(text: string, addr: string): InstancePlan[] {
  return planInstances(modelOf(text, { valid: true }), { addresses: () => [addr] });
}

function lan() {
  const clock = new VirtualClock();
  const nodes: Node[] = [];
  const receivers = new Map<string, (i: AdvertInput) => void>();
  function add(name: string, addr: string, text: string): Node {
    const plans = planText(text, addr);
    const node: Node = {
      name,
      addr,
      engine: undefined as never,
      vips: new Set(),
      routes: new Set(),
      events: [],
      eventTimes: [],
      garps: 0,
      ops: [],
      up: true,
    };
    const ports: EnginePorts = {
      now: () => clock.now,
      setTimer: (fn, ms) => clock.schedule(clock.now + ms, fn),
      clearTimer: (h) => clock.cancel(h as number),
      openChannel(plan: InstancePlan, onAdvert) {
        receivers.set(addr, onAdvert);
        return {
          send(bytes, dst) {
            for (const [other, deliver] of receivers) {
              const peer = nodes.find((n) => n.addr === other);
              if (other === addr || !peer?.up || peer.deaf || !node.up) continue;
              // One millisecond on the wire.
              clock.schedule(clock.now + 1, () =>
                deliver({ family: plan.family, src: addr, dst, ttl: 255, payload: bytes }),
              );
            }
          },
          close() {
            receivers.delete(addr);
          },
        };
      },
      addVip: async (v: Vip) => {
        node.vips.add(v.spec.address);
        node.ops.push(`+${v.spec.address}`);
      },
      removeVip: async (v: Vip) => {
        node.vips.delete(v.spec.address);
        node.ops.push(`-${v.spec.address}`);
      },
      firewall: async (state) => {
        node.ops.push(
          state === null ? 'fw stop' : `fw ${state.map((s) => `${s.plan.name}:${s.blocked}`).join(',')}`,
        );
      },
      addRoute: async (r) => {
        node.routes.add(r.text);
      },
      removeRoute: async (r) => {
        node.routes.delete(r.text);
      },
      announce: () => {
        node.garps++;
      },
      emit: (e) => {
        node.events.push(e);
        node.eventTimes.push(clock.now);
      },
    };
    node.engine = new VrrpEngine(plans, [], ports);
    nodes.push(node);
    return node;
  }
  async function run(ms: number) {
    const end = clock.now + ms;
    while (clock.step(end)) await new Promise((r) => setImmediate(r));
    clock.runUntil(end);
    await new Promise((r) => setImmediate(r));
  }
  return { clock, nodes, add, run };
}

/** Node a (priority 150) elected master over b (100) after five seconds. */
async function electedPair(l: ReturnType<typeof lan>) {
  const a = l.add('a', '192.0.2.11', conf(150));
  const b = l.add('b', '192.0.2.12', conf(100));
  a.engine.start();
  b.engine.start();
  await l.run(5000);
  return { a, b };
}

test('election: the higher priority node becomes master and alone holds the VIP', async () => {
  const l = lan();
  const { a, b } = await electedPair(l);
  assert.equal(a.engine.status()[0]!.state, 'MASTER');
  assert.equal(b.engine.status()[0]!.state, 'BACKUP');
  assert.deepEqual([...a.vips], ['192.0.2.100']);
  assert.equal(b.vips.size, 0);
  assert.equal(b.engine.status()[0]!.masterAddress, '192.0.2.11');
  assert.ok(a.garps > 0, 'the new master announced its VIP');
  assert.ok((b.engine.status()[0]!.counters.advertsReceived ?? 0) >= 1);
});

test('stop: the master sends priority 0 and the backup takes over within the skew time', async () => {
  const l = lan();
  const { a, b } = await electedPair(l);
  const stopAt = l.clock.now;
  await a.engine.stop();
  assert.equal(a.vips.size, 0, 'the stopped master removed its VIP');
  assert.equal(a.engine.status()[0]!.counters.priorityZeroSent, 1);
  await l.run(1000);
  const i = b.events.findIndex((e) => e.type === 'transition' && e.to === 'MASTER');
  assert.ok(i >= 0, 'backup became master');
  assert.deepEqual([...b.vips], ['192.0.2.100']);
  // RFC 5798 6.4.2: on priority 0 the backup waits Skew_Time ((256-100)/256 s for v2) only.
  const took = b.eventTimes[i]! - stopAt;
  assert.ok(took <= 620, `took ${took} ms`);
});

test('crash: the backup takes over after the master-down interval', async () => {
  const l = lan();
  const { a, b } = await electedPair(l);
  a.up = false; // silent crash: no priority-0 advert
  const crashAt = l.clock.now;
  let tookOver: number | undefined;
  while (l.clock.now - crashAt < 10_000 && tookOver === undefined) {
    await l.run(50);
    if (b.engine.status()[0]!.state === 'MASTER') tookOver = l.clock.now;
  }
  assert.ok(tookOver !== undefined, 'backup took over');
  // 3 x 1 s + (256-100)/256 s, plus at most one advert interval of phase.
  assert.ok(tookOver - crashAt <= 3000 + 610 + 1000 + 50, `took ${tookOver - crashAt} ms`);
});

test('a wrong password is dropped and counted by reason, and never elects', async () => {
  const l = lan();
  const a = l.add('a', '192.0.2.11', conf(150));
  const b = l.add('b', '192.0.2.12', conf(100).replace('s3cret', 'other'));
  a.engine.start();
  b.engine.start();
  await l.run(6000);
  // Both see no valid master: both MASTER (split brain that the counters explain).
  assert.equal(b.engine.status()[0]!.state, 'MASTER');
  assert.ok((b.engine.status()[0]!.counters['dropped:auth-failure'] ?? 0) >= 1);
});

test('virtual_routes follow the VIPs: added on MASTER, removed on stop', async () => {
  const l = lan();
  const routes = `virtual_routes {
    198.51.100.0/24 via 192.0.2.1 dev eth0
    src 192.0.2.100 to 203.0.113.0/24 dev eth0 metric 10
  }`;
  const a = l.add('a', '192.0.2.11', conf(150, routes));
  const b = l.add('b', '192.0.2.12', conf(100, routes));
  a.engine.start();
  b.engine.start();
  await l.run(5000);
  assert.equal(a.routes.size, 2, 'the master installed both routes');
  assert.equal(b.routes.size, 0, 'the backup installed none');
  await a.engine.stop();
  assert.equal(a.routes.size, 0, 'stopping removed them');
  await l.run(1000);
  assert.equal(b.routes.size, 2, 'the new master installed them');
});

test('a master hearing a lower-priority advert reports it (notify_master_rx_lower_pri)', async () => {
  const l = lan();
  const a = l.add('a', '192.0.2.11', conf(150));
  const b = l.add('b', '192.0.2.12', conf(100));
  b.up = false; // partitioned: b hears nothing and becomes master too
  a.engine.start();
  b.engine.start();
  await l.run(5000);
  assert.equal(b.engine.status()[0]!.state, 'MASTER');
  // Half healed: a hears b's lower-priority adverts, b does not hear a yet.
  b.up = true;
  b.deaf = true;
  await l.run(1500);
  const e = a.events.find((x) => x.type === 'master-rx-lower-pri');
  assert.ok(e && e.type === 'master-rx-lower-pri');
  assert.deepEqual([e.instance, e.priority, e.from, e.theirPriority], ['VI_1', 150, '192.0.2.12', 100]);
  b.deaf = false;
  await l.run(1500);
  assert.equal(b.engine.status()[0]!.state, 'BACKUP', 'healed: the lower-priority master yields');
});

test('reload in place: priority and VIP changes apply to a master without a flap', async () => {
  const l = lan();
  const { a, b } = await electedPair(l);
  const transitions = () => a.events.filter((e) => e.type === 'transition').length;
  const before = transitions();
  const more = conf(160).replace('192.0.2.100/24', '192.0.2.100/24\n    192.0.2.101/24');
  const r = await a.engine.reconfigure(planText(more, '192.0.2.11'), []);
  assert.deepEqual(r.reloaded, ['VI_1']);
  await l.run(3000);
  assert.equal(transitions(), before, 'no transition');
  assert.deepEqual([...a.vips].sort(), ['192.0.2.100', '192.0.2.101']);
  assert.equal(a.engine.status()[0]!.effectivePriority, 160);
  assert.equal(b.engine.status()[0]!.state, 'BACKUP');
  // Drop the first VIP: only it goes.
  await a.engine.reconfigure(planText(more.replace('192.0.2.100/24\n', ''), '192.0.2.11'), []);
  await l.run(100);
  assert.deepEqual([...a.vips], ['192.0.2.101']);
  // Unchanged after all that: kept, and stop still removes every address it holds.
  const again = await a.engine.reconfigure(planText(more.replace('192.0.2.100/24\n', ''), '192.0.2.11'), []);
  assert.deepEqual(again.kept, ['VI_1']);
  await a.engine.stop();
  assert.equal(a.vips.size, 0);
});

test('reload with a new VRID replaces the instance (stop, then start)', async () => {
  const l = lan();
  const a = l.add('a', '192.0.2.11', conf(150));
  a.engine.start();
  await l.run(5000);
  const r = await a.engine.reconfigure(
    planText(conf(150).replace('virtual_router_id 51', 'virtual_router_id 52'), '192.0.2.11'),
    [],
  );
  assert.deepEqual([r.stopped, r.started], [['VI_1'], ['VI_1']]);
  assert.ok(a.events.some((e) => e.type === 'transition' && e.to === 'STOP'));
});

test('a tracking change of the effective priority is reported (notify_priority_changes)', async () => {
  const l = lan();
  const a = l.add('a', '192.0.2.11', conf(150));
  a.engine.start();
  await l.run(5000);
  a.engine.track('VI_1', { weight: -20, fault: false, reason: 'track_script chk failed' });
  const e = a.events.find((x) => x.type === 'priority-change');
  assert.ok(e && e.type === 'priority-change');
  assert.deepEqual([e.instance, e.state, e.priority], ['VI_1', 'MASTER', 130]);
});

test('no_accept: the VIPs are firewalled before they are added and released after they are removed', async () => {
  const l = lan();
  const a = l.add('a', '192.0.2.11', conf(150, 'no_accept'));
  a.engine.start();
  await l.run(5000);
  assert.equal(a.engine.status()[0]!.state, 'MASTER');
  // Each update applies the state current when it runs (here already MASTER for the first one).
  assert.ok(a.ops.indexOf('fw VI_1:true') < a.ops.indexOf('+192.0.2.100'), a.ops.join(' '));
  const n = a.ops.length;
  await a.engine.stop();
  assert.deepEqual(a.ops.slice(n), ['-192.0.2.100', 'fw ', 'fw stop']);
  assert.ok(a.events.some((e) => e.type === 'log' && e.message === '(VI_1) setting firewall drop rule'));
});

test('accept mode (the default without vrrp_strict): no instance is firewalled', async () => {
  const l = lan();
  const a = l.add('a', '192.0.2.11', conf(150));
  a.engine.start();
  await l.run(5000);
  assert.deepEqual(
    a.ops.filter((o) => o.startsWith('fw')),
    ['fw '],
  );
});

test('reload: switching a master to no_accept firewalls its VIPs at once, and back', async () => {
  const l = lan();
  const a = l.add('a', '192.0.2.11', conf(150));
  a.engine.start();
  await l.run(5000);
  await a.engine.reconfigure(planText(conf(150, 'no_accept'), a.addr), []);
  await l.run(10);
  assert.equal(a.ops.at(-1), 'fw VI_1:true');
  await a.engine.reconfigure(planText(conf(150, 'accept'), a.addr), []);
  await l.run(10);
  assert.equal(a.ops.at(-1), 'fw ');
  assert.equal(a.engine.status()[0]!.state, 'MASTER', 'no flap');
});
