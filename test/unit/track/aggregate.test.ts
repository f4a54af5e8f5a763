import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  aggregate,
  effectOf,
  initPending,
  instanceTracking,
  type TrackSnapshot,
  trackedObjects,
} from '../../../src/track/aggregate.js';
import { modelOf } from '../../config-model.js';

const obj = (weight: number, up: boolean | undefined, reverse = false) =>
  ({ kind: 'track_script', name: 's', weight, reverse, up }) as const;
const file = (weight: number, value: number, reverse = false) =>
  ({ kind: 'track_file', name: 'f', weight, reverse, value }) as const;

test('weight 0: down means FAULT; reverse: up means FAULT; unknown means nothing', () => {
  assert.deepEqual(effectOf(obj(0, true)), { weight: 0, fault: false });
  assert.deepEqual(effectOf(obj(0, false)), { weight: 0, fault: true });
  assert.deepEqual(effectOf(obj(0, true, true)), { weight: 0, fault: true });
  assert.deepEqual(effectOf(obj(0, false, true)), { weight: 0, fault: false });
  assert.deepEqual(effectOf(obj(0, undefined)), { weight: 0, fault: false });
  assert.deepEqual(effectOf(obj(-20, undefined)), { weight: 0, fault: false });
});

test('positive weight adds while up, negative weight while down; reverse flips the sign', () => {
  assert.equal(effectOf(obj(10, true)).weight, 10);
  assert.equal(effectOf(obj(10, false)).weight, 0);
  assert.equal(effectOf(obj(-10, true)).weight, 0);
  assert.equal(effectOf(obj(-10, false)).weight, -10);
  assert.equal(effectOf(obj(10, true, true)).weight, -10);
  assert.equal(effectOf(obj(-10, false, true)).weight, 10);
});

test('track_file: weight 0 is a status; otherwise value*weight, clamped at 253, below -253 FAULT', () => {
  assert.deepEqual(effectOf(file(0, 0)), { weight: 0, fault: false });
  assert.deepEqual(effectOf(file(0, 3)), { weight: 0, fault: true });
  assert.deepEqual(effectOf(file(0, 0, true)), { weight: 0, fault: true });
  assert.deepEqual(effectOf(file(0, -1, true)), { weight: 0, fault: false });
  assert.deepEqual(effectOf(file(2, 5)), { weight: 10, fault: false });
  assert.deepEqual(effectOf(file(2, 5, true)), { weight: -10, fault: false });
  assert.deepEqual(effectOf(file(1, 500)), { weight: 253, fault: false });
  assert.deepEqual(effectOf(file(1, -253)), { weight: -253, fault: false });
  assert.deepEqual(effectOf(file(1, -254)), { weight: 0, fault: true });
  assert.deepEqual(effectOf(file(254, -1)), { weight: 0, fault: true });
});

test('aggregate sums weights, reports faults, and the address owner ignores weights', () => {
  const objs = [obj(10, true), obj(-5, false), file(1, 3)];
  assert.deepEqual(aggregate(objs), { weight: 8, fault: false });
  assert.deepEqual(aggregate(objs, true), { weight: 0, fault: false });
  const f = aggregate([obj(10, true), obj(0, false)], true);
  assert.equal(f.fault, true);
  assert.match(f.reason ?? '', /track_script s failed/);
});

const conf = `
vrrp_script chk_a {
  script "/bin/true"
  weight 20
}
vrrp_script chk_b {
  script "/bin/true"
  weight -30 reverse
}
vrrp_script chk_c {
  script "/bin/true"
}
track_file tf {
  file "/tmp/vigil-tf"
  weight 3
}
vrrp_track_process tp {
  process nginx
  weight 7
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    192.0.2.100/24
  }
  track_script {
    chk_a
    chk_b
    chk_a weight 5
  }
  track_file {
    tf
  }
  track_process {
    tp
  }
  track_interface {
    eth1 weight -15
  }
}
vrrp_instance VI_2 {
  state BACKUP
  interface eth0
  virtual_router_id 52
  priority 255
  virtual_ipaddress {
    192.0.2.101/24
  }
  track_script {
    chk_a
    chk_c
  }
}
vrrp_instance VI_3 {
  state BACKUP
  interface eth0
  virtual_router_id 53
  priority 100
  virtual_ipaddress {
    192.0.2.102/24
  }
  track_script {
    chk_a
  }
}
vrrp_sync_group G {
  group {
    VI_3
  }
  track_script {
    chk_c
  }
}
`;

const load = () => modelOf(conf);

const snap = (over: Partial<Record<keyof TrackSnapshot, Map<string, unknown>>> = {}): TrackSnapshot =>
  ({
    scripts: new Map(),
    files: new Map(),
    processes: new Map(),
    interfaces: new Map(),
    ...over,
  }) as TrackSnapshot;

test('instanceTracking from a real config: object weights, reference overrides, reverse', () => {
  const cfg = load();
  const vi1 = cfg.instances.find((i) => i.name === 'VI_1');
  assert.ok(vi1);
  // Nothing known yet: scripts in init, file 0, process unknown, interface up.
  assert.deepEqual(instanceTracking(cfg, vi1, snap()), { weight: 0, fault: false });
  const s = snap({
    scripts: new Map([
      ['chk_a', 'ok'],
      ['chk_b', 'failed'],
    ]),
    files: new Map([['tf', 2]]),
    processes: new Map([['tp', true]]),
    interfaces: new Map([['eth1', false]]),
  });
  // chk_a 20 + chk_b (-30 reverse, failed: +30) + chk_a ref weight 5 + tf 2*3 + tp 7 + eth1 down -15
  assert.deepEqual(instanceTracking(cfg, vi1, s), { weight: 20 + 30 + 5 + 6 + 7 - 15, fault: false });
});

test('address owner: weights ignored, an unweighted failed script still means FAULT', () => {
  const cfg = load();
  const vi2 = cfg.instances.find((i) => i.name === 'VI_2');
  assert.ok(vi2);
  const ok = snap({
    scripts: new Map([
      ['chk_a', 'ok'],
      ['chk_c', 'ok'],
    ]),
  });
  assert.deepEqual(instanceTracking(cfg, vi2, ok), { weight: 0, fault: false });
  const bad = snap({
    scripts: new Map([
      ['chk_a', 'ok'],
      ['chk_c', 'failed'],
    ]),
  });
  assert.equal(instanceTracking(cfg, vi2, bad).fault, true);
});

test("sync group members: the group's tracking applies; the instance's own weighted script is dropped", () => {
  const cfg = load();
  const vi3 = cfg.instances.find((i) => i.name === 'VI_3');
  assert.ok(vi3);
  const s1 = snap({
    scripts: new Map([
      ['chk_a', 'ok'],
      ['chk_c', 'ok'],
    ]),
  });
  assert.deepEqual(instanceTracking(cfg, vi3, s1), { weight: 0, fault: false });
  // keepalived 2.2.7 vrrp.c vrrp_complete_instance: "ignoring tracked script chk_a with weights
  // due to SYNC group" (free_track_script): its failure changes nothing.
  const s2 = snap({
    scripts: new Map([
      ['chk_a', 'failed'],
      ['chk_c', 'ok'],
    ]),
  });
  assert.deepEqual(instanceTracking(cfg, vi3, s2), { weight: 0, fault: false });
  const s3 = snap({
    scripts: new Map([
      ['chk_a', 'ok'],
      ['chk_c', 'failed'],
    ]),
  });
  assert.equal(instanceTracking(cfg, vi3, s3).fault, true, "the group's script");
});

const twoInGroup = (groupTrack: string, ownTrack = '', prio2 = 100) => `
vrrp_script chk {
  script /bin/true
}
track_file tf {
  file /tmp/vigil-tf
}
vrrp_track_process tp {
  process nginx
  weight 7
}
vrrp_instance A {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    192.0.2.100/24
  }
${ownTrack}
}
vrrp_instance B {
  state BACKUP
  interface eth0
  virtual_router_id 52
  priority ${prio2}
  virtual_ipaddress {
    192.0.2.101/24
  }
}
vrrp_sync_group G {
  group {
    A
    B
  }
${groupTrack}
}
`;

// keepalived 2.2.7 vrrp.c sync_group_tracking_init: a sync group's own tracked objects keep their
// weight (and reverse) for every member; the weight is cleared only when a member has priority 255.
// Checked against keepalived's SIGUSR1 dump: "Effective priority = 90" for both members.
test("a sync group's weighted track_script keeps its weight and reverse", () => {
  const cfg = modelOf(twoInGroup('  track_script {\n    chk weight 10 reverse\n  }'));
  const ok = snap({ scripts: new Map([['chk', 'ok']]) });
  for (const i of cfg.instances)
    assert.deepEqual(instanceTracking(cfg, i, ok), { weight: -10, fault: false });
  const failed = snap({ scripts: new Map([['chk', 'failed']]) });
  for (const i of cfg.instances)
    assert.deepEqual(instanceTracking(cfg, i, failed), { weight: 0, fault: false });
});

test("a sync group's weights become 0 when a member is the address owner", () => {
  const cfg = modelOf(twoInGroup('  track_script {\n    chk weight 10 reverse\n  }', '', 255));
  const a = cfg.instances.find((i) => i.name === 'A');
  assert.ok(a);
  // weight 0 reverse: the script succeeding means FAULT.
  assert.equal(instanceTracking(cfg, a, snap({ scripts: new Map([['chk', 'ok']]) })).fault, true);
});

test("an instance's own weighted objects in a sync group (vrrp.c vrrp_complete_instance)", () => {
  const own =
    '  track_interface {\n    eth1 weight -15\n  }\n  track_file {\n    tf\n  }\n  track_process {\n    tp\n  }';
  const cfg = modelOf(twoInGroup('', own));
  const a = cfg.instances.find((i) => i.name === 'A');
  assert.ok(a);
  const g = cfg.syncGroups[0];
  const objs = trackedObjects(cfg, a, g, snap());
  // interface: weight set to 0; file of the default weight 1: weight 0; process: left as it is.
  assert.deepEqual(
    objs.map((o) => [o.kind, o.weight]),
    [
      ['track_process', 7],
      ['track_interface', 0],
      ['track_file', 0],
    ],
  );
  // With sync_group_tracking_weight the weights stay.
  const kept = modelOf(twoInGroup('  sync_group_tracking_weight', own));
  const ka = kept.instances.find((i) => i.name === 'A');
  assert.ok(ka);
  assert.deepEqual(
    trackedObjects(kept, ka, kept.syncGroups[0], snap()).map((o) => [o.kind, o.weight]),
    [
      ['track_process', 7],
      ['track_interface', -15],
      ['track_file', 1],
    ],
  );
});

test('initPending: only unweighted scripts that have not reported hold the owner shortcut', () => {
  assert.equal(initPending([obj(0, undefined)]), true);
  assert.equal(initPending([obj(10, undefined), obj(0, true)]), false);
  const cfg = load();
  const vi2 = cfg.instances.find((i) => i.name === 'VI_2');
  assert.ok(vi2);
  assert.equal(initPending(trackedObjects(cfg, vi2, undefined, snap())), true, 'chk_c has weight 0');
  assert.equal(
    initPending(trackedObjects(cfg, vi2, undefined, snap({ scripts: new Map([['chk_c', 'failed']]) }))),
    false,
  );
});
