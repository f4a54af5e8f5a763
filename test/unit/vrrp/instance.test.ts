import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareAddresses, effectivePriority, VrrpInstance } from '../../../src/vrrp/instance.js';
import { masterDownIntervalMs, skewTimeMs } from '../../../src/vrrp/timers.js';
import {
  DEFAULT_GARP,
  type InstanceAction,
  type InstanceEvent,
  type InstanceParams,
  instanceParams,
  normalizeInstanceParams,
  type TimerKind,
  type VrrpVersion,
} from '../../../src/vrrp/types.js';

const ME = '192.0.2.10';
const VIPS = ['192.0.2.100/24'];

function params(over: Partial<InstanceParams<string>> = {}): InstanceParams<string> {
  return instanceParams<string>({ name: 'VI_1', vrid: 51, primaryAddress: ME, vips: VIPS, ...over });
}

function started(over: Partial<InstanceParams<string>> = {}, now = 0) {
  const i = new VrrpInstance<string>(params(over));
  const acts = i.handle({ type: 'startup' }, now);
  return { i, acts };
}

function advert(src: string, priority: number, adverIntCs = 100, version: VrrpVersion = 2): InstanceEvent {
  return { type: 'advert', advert: { src, priority, adverIntCs, version } };
}

/** Fire an armed timer at its deadline. */
function fire(i: VrrpInstance<string>, kind: TimerKind) {
  const at = i.snapshot().timers[kind];
  assert.ok(at !== undefined, `timer ${kind} should be armed`);
  return { at, acts: i.handle({ type: 'timer', kind }, at) };
}

function master(over: Partial<InstanceParams<string>> = {}) {
  const { i } = started(over);
  fire(i, 'master-down');
  assert.equal(i.currentState, 'MASTER');
  return i;
}

const notifyOf = (acts: InstanceAction[]) => acts.find((a) => a.type === 'notify');
const adverts = (acts: InstanceAction[]) =>
  acts.flatMap((a) => (a.type === 'send-advert' ? [a.priority] : []));
const kinds = (acts: InstanceAction[]) => acts.map((a) => a.type);

describe('interval math', () => {
  test('RFC 3768 6.1: v2 Skew_Time = (256 - priority) / 256 s, independent of advert_int', () => {
    assert.equal(skewTimeMs(2, 100, 100), 609.375);
    assert.equal(skewTimeMs(2, 100, 300), 609.375);
    assert.equal(masterDownIntervalMs(2, 100, 100), 3609.375);
  });

  test('RFC 5798 6.1: v3 Skew_Time = ((256 - priority) * Master_Adver_Interval) / 256', () => {
    assert.equal(skewTimeMs(3, 100, 100), 609.375);
    // 156 * 50 cs / 256 = 304.6875 ms, truncated to whole microseconds like keepalived.
    assert.equal(skewTimeMs(3, 100, 50), 304.687);
    assert.equal(masterDownIntervalMs(3, 200, 50), 1500 + 109.375);
  });

  test('effective priority = base + weights clamped to 1..254; owner 255 never changes', () => {
    assert.equal(effectivePriority(100, 20), 120);
    assert.equal(effectivePriority(100, 200), 254);
    assert.equal(effectivePriority(100, -200), 1);
    assert.equal(effectivePriority(255, -50), 255);
  });

  test('RFC 5798 6.4.3 tie-break compares addresses numerically', () => {
    assert.ok(compareAddresses('10.0.0.10', '10.0.0.9') > 0);
    assert.ok(compareAddresses('192.0.2.1', '192.0.2.1') === 0);
    assert.ok(compareAddresses('fe80::2', 'fe80::10') < 0);
    assert.ok(compareAddresses('2001:db8::1', '2001:db8:0:0:0:0:0:1') === 0);
    assert.ok(compareAddresses('::ffff:10.0.0.2', '::ffff:10.0.0.1') > 0);
  });
});

describe('startup', () => {
  test('RFC 5798 6.4.1: a backup starts in BACKUP with Master_Down_Timer = Master_Down_Interval', () => {
    const { i, acts } = started({}, 1000);
    assert.equal(i.currentState, 'BACKUP');
    assert.deepEqual(notifyOf(acts), { type: 'notify', from: 'INIT', state: 'BACKUP', reason: 'startup' });
    assert.equal(i.snapshot().timers['master-down'], 1000 + 3609.375);
    assert.deepEqual(adverts(acts), []);
  });

  test('keepalived 2.2.7: state MASTER below 255 starts BACKUP with the full Master_Down_Interval', () => {
    const { i, acts } = started({ initialState: 'MASTER' });
    assert.equal(i.currentState, 'BACKUP');
    assert.equal(i.snapshot().timers['master-down'], 3609.375);
    assert.deepEqual(adverts(acts), []);
  });

  test('keepalived.conf(5) state: an owner (255) with state BACKUP waits for its master-down timer', () => {
    const { i } = started({ basePriority: 255, initialState: 'BACKUP' });
    assert.equal(i.currentState, 'BACKUP');
    assert.equal(i.snapshot().timers['master-down'], 3003.906);
  });

  test('RFC 5798 6.4.1: the address owner (priority 255, state MASTER) becomes MASTER at once', () => {
    const { i, acts } = started({ basePriority: 255, initialState: 'MASTER' }, 0);
    assert.equal(i.currentState, 'MASTER');
    assert.deepEqual(kinds(acts), [
      'send-advert',
      'add-vips',
      'send-garp',
      'set-timer',
      'set-timer',
      'notify',
    ]);
    assert.deepEqual(adverts(acts), [255]);
    assert.deepEqual(i.snapshot().timers, { 'garp-delay': 5000, advert: 1000 });
  });

  test('keepalived: a failed unweighted tracker at startup means FAULT', () => {
    const i = new VrrpInstance<string>(params());
    i.handle({ type: 'tracking', status: { weight: 0, fault: true } }, 0);
    const acts = i.handle({ type: 'startup' }, 0);
    assert.equal(i.currentState, 'FAULT');
    assert.equal(notifyOf(acts)?.type === 'notify' && notifyOf(acts)!.state, 'FAULT');
    assert.deepEqual(i.snapshot().timers, {});
  });
});

describe('BACKUP', () => {
  test('RFC 5798 6.4.2: master-down timer expiry makes the backup MASTER (advert first, then VIPs and GARP)', () => {
    const { i } = started();
    const { at, acts } = fire(i, 'master-down');
    assert.equal(at, 3609.375);
    assert.equal(i.currentState, 'MASTER');
    assert.deepEqual(kinds(acts).slice(0, 3), ['send-advert', 'add-vips', 'send-garp']);
    const n = notifyOf(acts);
    assert.ok(n?.type === 'notify' && n.from === 'BACKUP' && n.state === 'MASTER');
    assert.match(n.reason, /master-down timer expired/);
    assert.ok(acts.some((a) => a.type === 'send-garp' && a.count === DEFAULT_GARP.masterRepeat));
  });

  test('RFC 5798 6.4.2: an advert of higher or equal priority resets the Master_Down_Timer', () => {
    const { i } = started();
    i.handle(advert('192.0.2.12', 150), 2000);
    assert.equal(i.snapshot().timers['master-down'], 2000 + 3609.375);
    i.handle(advert('192.0.2.1', 100), 3000); // equal priority, lower address: still accepted
    assert.equal(i.snapshot().timers['master-down'], 3000 + 3609.375);
    assert.deepEqual(i.snapshot().lastMaster, { address: '192.0.2.1', priority: 100 });
  });

  test('RFC 5798 6.4.2: a v3 backup adopts the master advertised interval; FAULT resets it', () => {
    const { i } = started({ version: 3, adverIntCs: 100 });
    i.handle(advert('192.0.2.12', 150, 50, 3), 0);
    assert.equal(i.snapshot().masterAdverIntCs, 50);
    assert.equal(i.snapshot().timers['master-down'], masterDownIntervalMs(3, 100, 50));
    i.handle({ type: 'tracking', status: { weight: 0, fault: true } }, 10);
    i.handle({ type: 'tracking', status: { weight: 0, fault: false } }, 20);
    assert.equal(i.snapshot().masterAdverIntCs, 100);
  });

  test('RFC 3768: a v2 backup keeps its own advert interval', () => {
    const { i } = started({ version: 2, adverIntCs: 100 });
    i.handle(advert('192.0.2.12', 150, 300, 2), 0);
    assert.equal(i.snapshot().masterAdverIntCs, 100);
  });

  test('RFC 5798 6.4.2: with preempt, a lower-priority advert is discarded and the timer keeps running', () => {
    const { i } = started();
    const acts = i.handle(advert('192.0.2.12', 50), 1000);
    assert.equal(i.snapshot().timers['master-down'], 3609.375);
    assert.ok(acts.some((a) => a.type === 'log' && /lower priority \(50\)/.test(a.message)));
    const { acts: t } = fire(i, 'master-down');
    const n = notifyOf(t);
    assert.ok(n?.type === 'notify' && n.state === 'MASTER');
    assert.match(n.reason, /preempting lower priority master 192\.0\.2\.12/);
  });

  test('keepalived nopreempt: a lower-priority advert still resets the timer; no takeover', () => {
    const { i } = started({ nopreempt: true });
    for (let t = 1000; t < 20_000; t += 1000) i.handle(advert('192.0.2.12', 50), t);
    assert.equal(i.currentState, 'BACKUP');
    assert.equal(i.snapshot().timers['master-down'], 19_000 + 3609.375);
  });

  test('keepalived preempt_delay: starts on the first lower-priority advert, preempts after it', () => {
    const { i } = started({ preemptDelayMs: 5000 });
    i.handle(advert('192.0.2.12', 50), 1000);
    assert.equal(i.snapshot().preemptAt, 6000);
    for (let t = 2000; t < 6000; t += 1000) {
      i.handle(advert('192.0.2.12', 50), t);
      assert.equal(i.snapshot().timers['master-down'], t + 3609.375, `accepted at ${t}`);
    }
    i.handle(advert('192.0.2.12', 50), 6000); // delay over: discarded
    assert.equal(i.snapshot().timers['master-down'], 5000 + 3609.375);
    fire(i, 'master-down');
    assert.equal(i.currentState, 'MASTER');
  });

  test('keepalived preempt_delay: a higher-priority advert stops the preempt delay', () => {
    const { i } = started({ preemptDelayMs: 5000 });
    i.handle(advert('192.0.2.12', 50), 1000);
    i.handle(advert('192.0.2.13', 200), 1500);
    assert.equal(i.snapshot().preemptAt, undefined);
  });

  test('RFC 5798 6.4.2: a priority-0 advert sets the Master_Down_Timer to Skew_Time', () => {
    const { i } = started();
    i.handle(advert('192.0.2.12', 150), 1000);
    i.handle(advert('192.0.2.12', 0), 1500);
    assert.equal(i.snapshot().timers['master-down'], 1500 + 609.375);
    const { acts } = fire(i, 'master-down');
    const n = notifyOf(acts);
    assert.ok(n?.type === 'notify' && /priority 0 advert from 192\.0\.2\.12/.test(n.reason));
  });

  test('RFC 5798 6.4.2: the skew makes the higher-priority backup time out first', () => {
    const hi = started({ basePriority: 200 }).i.snapshot().timers['master-down']!;
    const lo = started({ basePriority: 100 }).i.snapshot().timers['master-down']!;
    assert.ok(hi < lo);
  });

  test('a stale timer firing (re-armed or cancelled) is ignored', () => {
    const { i } = started();
    i.handle(advert('192.0.2.12', 150), 1000);
    assert.deepEqual(i.handle({ type: 'timer', kind: 'master-down' }, 3609.375), []);
    assert.deepEqual(i.handle({ type: 'timer', kind: 'advert' }, 5000), []);
    assert.equal(i.currentState, 'BACKUP');
  });
});

describe('MASTER', () => {
  test('RFC 5798 6.4.3: the advert timer sends an advert every Advertisement_Interval', () => {
    const i = master({ basePriority: 120 });
    const start = i.snapshot().timers.advert!;
    const { acts } = fire(i, 'advert');
    assert.deepEqual(adverts(acts), [120]);
    assert.equal(i.snapshot().timers.advert, start + 1000);
  });

  test('RFC 5798 6.4.3: master with lower priority than received advert becomes backup', () => {
    const i = master();
    const acts = i.handle(advert('192.0.2.12', 150), 5000);
    assert.equal(i.currentState, 'BACKUP');
    assert.deepEqual(adverts(acts), [], 'no priority-0 advert when yielding');
    assert.ok(acts.some((a) => a.type === 'remove-vips'));
    const n = notifyOf(acts);
    assert.ok(n?.type === 'notify' && n.from === 'MASTER' && n.state === 'BACKUP');
    assert.equal(n.reason, 'higher priority advert from 192.0.2.12 (prio 150 > 100)');
    assert.deepEqual(i.snapshot().timers, { 'master-down': 5000 + 3609.375 });
  });

  test('RFC 5798 6.4.3: equal priority, higher primary address wins; lower address is answered', () => {
    const a = master();
    a.handle(advert('192.0.2.9', 100), 5000);
    assert.equal(a.currentState, 'MASTER');
    const b = master();
    const acts = b.handle(advert('192.0.2.11', 100), 5000);
    assert.equal(b.currentState, 'BACKUP');
    assert.match(
      notifyOf(acts)?.type === 'notify' ? notifyOf(acts)!.reason : '',
      /equal priority.*higher address/,
    );
  });

  test('RFC 5798 6.4.3 / keepalived: a lower-priority advert is answered with our advert', () => {
    const i = master();
    const acts = i.handle(advert('192.0.2.12', 50), 5000);
    assert.equal(i.currentState, 'MASTER');
    assert.deepEqual(adverts(acts), [100]);
  });

  test('keepalived.conf(5): by default a lower-priority advert triggers a GARP burst and a delayed second one', () => {
    const i = master();
    const acts = i.handle(advert('192.0.2.12', 50), 5000);
    assert.ok(acts.some((a) => a.type === 'send-garp' && a.count === 5));
    assert.equal(i.snapshot().timers['garp-lower-prio'], 10_000);
  });

  test('garp_lower_prio_repeat 0: no GARP on a lower-priority advert', () => {
    const i = master({ garp: { ...DEFAULT_GARP, lowerPrioRepeat: 0 } });
    const acts = i.handle(advert('192.0.2.12', 50), 5000);
    assert.ok(!acts.some((a) => a.type === 'send-garp'));
    assert.equal(i.snapshot().timers['garp-lower-prio'], undefined);
  });

  test('keepalived lower_prio_no_advert: no answer to a lower-priority advert', () => {
    const i = master({ lowerPrioNoAdvert: true });
    assert.deepEqual(adverts(i.handle(advert('192.0.2.12', 50), 5000)), []);
  });

  test('keepalived garp_lower_prio_repeat/delay: GARP burst on a lower-priority advert, then again later', () => {
    const i = master({ garp: { ...DEFAULT_GARP, lowerPrioRepeat: 3, lowerPrioDelayMs: 2000 } });
    const acts = i.handle(advert('192.0.2.12', 50), 5000);
    assert.ok(acts.some((a) => a.type === 'send-garp' && a.count === 3));
    assert.equal(i.snapshot().timers['garp-lower-prio'], 7000);
    const { acts: later } = fire(i, 'garp-lower-prio');
    assert.ok(later.some((a) => a.type === 'send-garp' && a.count === 3));
  });

  test('keepalived higher_prio_send_advert: one advert before yielding', () => {
    const i = master({ higherPrioSendAdvert: true });
    const acts = i.handle(advert('192.0.2.12', 150), 5000);
    assert.deepEqual(adverts(acts), [100]);
    assert.equal(i.currentState, 'BACKUP');
  });

  test('RFC 5798 6.4.3: a priority-0 advert is answered at once and the master stays', () => {
    const i = master();
    const acts = i.handle(advert('192.0.2.12', 0), 5000);
    assert.deepEqual(adverts(acts), [100]);
    assert.equal(i.currentState, 'MASTER');
  });

  test('keepalived: two address owners is a config error; we drop to 254 and yield', () => {
    const { i } = started({ basePriority: 255, initialState: 'MASTER' });
    const acts = i.handle(advert('192.0.2.1', 255), 100);
    assert.ok(acts.some((a) => a.type === 'log' && /CONFIGURATION ERROR/.test(a.message)));
    assert.equal(i.currentState, 'BACKUP');
    assert.equal(i.snapshot().effectivePriority, 254);
  });

  test('keepalived garp_master_delay / garp_master_refresh: second burst and periodic refresh', () => {
    const garp = {
      ...DEFAULT_GARP,
      masterDelayMs: 2000,
      masterRepeat: 2,
      masterRefreshMs: 10_000,
      masterRefreshRepeat: 4,
    };
    const { i } = started({ garp });
    const { at } = fire(i, 'master-down');
    assert.equal(i.snapshot().timers['garp-delay'], at + 2000);
    assert.ok(fire(i, 'garp-delay').acts.some((a) => a.type === 'send-garp' && a.count === 2));
    const r = fire(i, 'garp-refresh');
    assert.ok(r.acts.some((a) => a.type === 'send-garp' && a.count === 4));
    assert.equal(i.snapshot().timers['garp-refresh'], r.at + 10_000);
  });

  test('garp_master_delay 0: no second burst', () => {
    const { i } = started({ garp: { ...DEFAULT_GARP, masterDelayMs: 0 } });
    fire(i, 'master-down');
    assert.equal(i.snapshot().timers['garp-delay'], undefined);
  });

  test('RFC 5798 6.4.3 Shutdown: master sends priority 0, releases VIPs, cancels timers', () => {
    const i = master();
    const acts = i.handle({ type: 'shutdown' }, 9000);
    assert.deepEqual(adverts(acts), [0]);
    assert.ok(acts.some((a) => a.type === 'remove-vips'));
    assert.ok(acts.some((a) => a.type === 'notify' && a.state === 'STOP' && a.from === 'MASTER'));
    assert.equal(i.currentState, 'INIT');
    assert.deepEqual(i.snapshot().timers, {});
  });

  test('shutdown as BACKUP sends nothing', () => {
    const { i } = started();
    const acts = i.handle({ type: 'shutdown' }, 10);
    assert.deepEqual(adverts(acts), []);
    assert.equal(i.currentState, 'INIT');
  });
});

describe('tracking', () => {
  test('keepalived: leaving MASTER for FAULT sends a priority-0 advert and releases the VIPs', () => {
    const i = master();
    const acts = i.handle(
      { type: 'tracking', status: { weight: 0, fault: true, reason: 'track_interface eth0 down' } },
      5000,
    );
    assert.equal(i.currentState, 'FAULT');
    assert.deepEqual(adverts(acts), [0]);
    assert.ok(acts.some((a) => a.type === 'remove-vips'));
    assert.ok(acts.some((a) => a.type === 'notify' && a.reason === 'track_interface eth0 down'));
    assert.deepEqual(i.snapshot().timers, {});
  });

  test('keepalived: FAULT ignores adverts and returns to BACKUP when the fault clears', () => {
    const { i } = started();
    i.handle({ type: 'tracking', status: { weight: 0, fault: true } }, 100);
    assert.equal(i.currentState, 'FAULT');
    assert.deepEqual(i.handle(advert('192.0.2.12', 0), 200), []);
    const acts = i.handle({ type: 'tracking', status: { weight: 0, fault: false } }, 300);
    assert.equal(i.currentState, 'BACKUP');
    assert.equal(i.snapshot().timers['master-down'], 300 + 3609.375);
    assert.ok(acts.some((a) => a.type === 'notify' && a.from === 'FAULT' && a.state === 'BACKUP'));
  });

  test('RFC 5798 6.4.1: an owner (state MASTER) leaving FAULT becomes MASTER at once', () => {
    const { i } = started({ basePriority: 255, initialState: 'MASTER' });
    i.handle({ type: 'tracking', status: { weight: 0, fault: true } }, 100);
    i.handle({ type: 'tracking', status: { weight: 0, fault: false } }, 200);
    assert.equal(i.currentState, 'MASTER');
  });

  test('keepalived: weights change the effective priority (clamped) carried in the next advert', () => {
    const i = master({ basePriority: 100 });
    i.handle({ type: 'tracking', status: { weight: -30, fault: false } }, 1500);
    assert.equal(i.snapshot().effectivePriority, 70);
    assert.deepEqual(adverts(fire(i, 'advert').acts), [70]);
    i.handle({ type: 'tracking', status: { weight: 500, fault: false } }, 1600);
    assert.equal(i.snapshot().effectivePriority, 254);
  });

  test('a backup whose priority rises above the master preempts via its master-down timer', () => {
    const { i } = started({ basePriority: 100 });
    i.handle(advert('192.0.2.12', 150), 1000);
    i.handle({ type: 'tracking', status: { weight: 100, fault: false } }, 1500);
    i.handle(advert('192.0.2.12', 150), 2000); // now lower than ours: discarded
    assert.equal(i.snapshot().timers['master-down'], 1000 + 3609.375);
    fire(i, 'master-down');
    assert.equal(i.currentState, 'MASTER');
  });
});

describe('sync group hooks', () => {
  test('keepalived vrrp_sync_can_goto_master: a held member stays BACKUP wanting MASTER', () => {
    const { i } = started();
    const at = i.snapshot().timers['master-down']!;
    const acts = i.handle({ type: 'timer', kind: 'master-down' }, at, { groupAllowsMaster: false });
    assert.equal(i.currentState, 'BACKUP');
    assert.equal(i.snapshot().wantState, 'MASTER');
    assert.deepEqual(adverts(acts), []);
    assert.equal(i.snapshot().timers['master-down'], at + 3609.375);
    i.handle(advert('192.0.2.12', 150), at + 10);
    assert.equal(i.snapshot().wantState, 'BACKUP');
  });

  test('group directives: MASTER, BACKUP, FAULT and FAULT-CLEARED', () => {
    const { i } = started();
    i.handle({ type: 'group', directive: 'MASTER', group: 'G', reason: 'VI_2 became MASTER' }, 10);
    assert.equal(i.currentState, 'MASTER');
    i.handle({ type: 'group', directive: 'BACKUP', group: 'G', reason: 'VI_2 left MASTER' }, 20);
    assert.equal(i.currentState, 'BACKUP');
    i.handle({ type: 'group', directive: 'FAULT', group: 'G', reason: 'x' }, 30);
    assert.equal(i.currentState, 'FAULT');
    i.handle({ type: 'group', directive: 'FAULT-CLEARED', group: 'G', reason: 'y' }, 40);
    assert.equal(i.currentState, 'BACKUP');
  });
});

describe('reload', () => {
  test('keepalived SIGHUP: a master reloads without a flap, applying only the VIP changes', () => {
    const i = master({ vips: ['10.0.0.1/24', '10.0.0.2/24'] });
    const acts = i.handle(
      { type: 'reload', params: params({ vips: ['10.0.0.2/24', '10.0.0.3/24'], basePriority: 90 }) },
      5000,
    );
    assert.equal(i.currentState, 'MASTER');
    assert.equal(notifyOf(acts), undefined, 'no transition, no notify');
    assert.deepEqual(
      acts.filter((a) => a.type === 'remove-vips' || a.type === 'add-vips'),
      [
        { type: 'remove-vips', vips: ['10.0.0.1/24'] },
        { type: 'add-vips', vips: ['10.0.0.3/24'] },
      ],
    );
    assert.equal(i.snapshot().effectivePriority, 90);
    assert.deepEqual(adverts(fire(i, 'advert').acts), [90]);
  });

  test('reload: a changed advert interval re-arms the master advert timer', () => {
    const i = master();
    i.handle({ type: 'reload', params: params({ adverIntCs: 300 }) }, 5000);
    assert.equal(i.snapshot().timers.advert, 8000);
  });

  test('reload keeps a backup backing up and its master-down timer running', () => {
    const { i } = started();
    i.handle(advert('192.0.2.12', 150), 1000);
    const acts = i.handle({ type: 'reload', params: params({ basePriority: 120 }) }, 2000);
    assert.equal(i.currentState, 'BACKUP');
    assert.deepEqual(kinds(acts), ['log']);
    assert.equal(i.snapshot().timers['master-down'], 1000 + 3609.375);
  });

  test('reload that changes the VRID is refused (the driver replaces the instance)', () => {
    const i = master();
    const acts = i.handle({ type: 'reload', params: params({ vrid: 52 }) }, 5000);
    assert.ok(acts.length === 1 && acts[0]?.type === 'log' && acts[0].level === 'warning');
    assert.equal(i.params.vrid, 51);
  });
});

describe('keepalived parameter rules (vrrp_complete_instance)', () => {
  test('state MASTER clears nopreempt and preempt_delay; owner clears nopreempt', () => {
    const a = normalizeInstanceParams(
      params({ initialState: 'MASTER', nopreempt: true, preemptDelayMs: 5000 }),
    );
    assert.equal(a.params.nopreempt, false);
    assert.equal(a.params.preemptDelayMs, 0);
    assert.equal(a.warnings.length, 2);
    assert.match(a.warnings[0]!, /nopreempt will not work with initial state MASTER/);
    const b = normalizeInstanceParams(params({ basePriority: 255, nopreempt: true }));
    assert.equal(b.params.nopreempt, false);
  });

  test('preempt_delay with nopreempt is reset; a clean config is unchanged', () => {
    const a = normalizeInstanceParams(params({ nopreempt: true, preemptDelayMs: 3000 }));
    assert.deepEqual([a.params.nopreempt, a.params.preemptDelayMs], [true, 0]);
    const clean = params({ preemptDelayMs: 3000 });
    assert.deepEqual(normalizeInstanceParams(clean), { params: clean, warnings: [] });
  });

  test('strict mode forces RFC behaviour on the lower/higher priority extras', () => {
    const a = normalizeInstanceParams(params({ higherPrioSendAdvert: true, preemptDelayMs: 1000 }), {
      strict: true,
    });
    assert.equal(a.params.lowerPrioNoAdvert, true);
    assert.equal(a.params.higherPrioSendAdvert, false);
    assert.equal(a.params.garp.lowerPrioRepeat, 0);
    assert.equal(a.params.preemptDelayMs, 0);
  });

  test('advert_int: v2 whole seconds 1..255, v3 1..4095 cs', () => {
    assert.equal(normalizeInstanceParams(params({ version: 2, adverIntCs: 150 })).params.adverIntCs, 200);
    assert.equal(
      normalizeInstanceParams(params({ version: 2, adverIntCs: 40_000 })).params.adverIntCs,
      25_500,
    );
    assert.equal(normalizeInstanceParams(params({ version: 3, adverIntCs: 50 })).params.adverIntCs, 50);
    assert.equal(normalizeInstanceParams(params({ version: 3, adverIntCs: 5000 })).params.adverIntCs, 4095);
  });
});
