import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quorumRange } from '../../../src/config/build/track-quorum.js';
import {
  delaysOf,
  matchesProcess,
  needsCmdline,
  observe,
  type ProcessTrackState,
  type ProcInfo,
  quorumMet,
} from '../../../src/track/track-process.js';
import { modelOf } from '../../config-model.js';

const proc = (comm: string, cmdline: string[], zombie = false): ProcInfo => ({
  pid: 1,
  comm,
  cmdline,
  zombie,
});
const m = (process: string[], extra: { paramMatch?: 'initial' | 'partial'; fullCommand?: boolean } = {}) => ({
  process,
  fullCommand: extra.fullCommand ?? false,
  ...(extra.paramMatch ? { paramMatch: extra.paramMatch } : {}),
});

test('by name: exact match against comm, no prefix matching, zombies never count', () => {
  assert.equal(matchesProcess(m(['nginx']), proc('nginx', ['nginx: master'])), true);
  assert.equal(matchesProcess(m(['ssh']), proc('sshd', [])), false);
  assert.equal(matchesProcess(m(['nginx']), proc('nginx', [], true)), false);
  assert.equal(needsCmdline(m(['nginx'])), false);
});

test('by name: comm is at most 15 characters', () => {
  assert.equal(matchesProcess(m(['averyverylongprocessname']), proc('averyverylongpr', [])), true);
});

test('with parameters: argv[0] and exact parameters by default', () => {
  const spec = m(['/usr/sbin/haproxy', '-f', '/etc/haproxy.cfg']);
  assert.equal(needsCmdline(spec), true);
  assert.equal(matchesProcess(spec, proc('haproxy', ['/usr/sbin/haproxy', '-f', '/etc/haproxy.cfg'])), true);
  assert.equal(
    matchesProcess(spec, proc('haproxy', ['/usr/sbin/haproxy', '-f', '/etc/haproxy.cfg', '-D'])),
    false,
  );
  assert.equal(matchesProcess(spec, proc('haproxy', ['haproxy', '-f', '/etc/haproxy.cfg'])), false);
});

test('param_match partial and initial', () => {
  const partial = m(['/bin/app', '-c'], { paramMatch: 'partial' });
  assert.equal(matchesProcess(partial, proc('app', ['/bin/app', '-c', 'x'])), true);
  assert.equal(matchesProcess(partial, proc('app', ['/bin/app', '-cx'])), false);
  const initial = m(['/bin/app', '-c', '/etc/a'], { paramMatch: 'initial' });
  assert.equal(matchesProcess(initial, proc('app', ['/bin/app', '-c', '/etc/app.conf', '-v'])), true);
  assert.equal(matchesProcess(initial, proc('app', ['/bin/app', '-c'])), false);
  assert.equal(matchesProcess(initial, proc('app', ['/bin/app', '-cc', '/etc/a'])), false);
});

test('without parameters: full_command compares argv[0] only, partial accepts any parameters', () => {
  const none = m(['/bin/app'], { paramMatch: 'partial' });
  assert.equal(
    matchesProcess({ ...none, paramMatch: undefined, fullCommand: true }, proc('app', ['/bin/app', 'x'])),
    true,
  );
  const exactNone = { process: ['/bin/app'], fullCommand: false, paramMatch: undefined };
  assert.equal(matchesProcess(exactNone, proc('app', ['/bin/app', 'x'])), false, 'comm is app, not /bin/app');
  assert.equal(matchesProcess(none, proc('app', ['/bin/app', 'x'])), true, 'partial with zero params');
});

test('quorum and quorum_max', () => {
  assert.equal(quorumMet(0, { quorum: 1 }), false);
  assert.equal(quorumMet(1, { quorum: 1 }), true);
  assert.equal(quorumMet(3, { quorum: 1, quorumMax: 2 }), false);
  assert.equal(quorumMet(0, { quorum: 1, quorumMax: 0 }), true, 'quorum_max 0: up only while not running');
  assert.equal(quorumMet(1, { quorum: 1, quorumMax: 0 }), false);
});

/** The quorum / quorum_max lines of a vrrp_track_process, in this order, as the model has them. */
const tracked = (...lines: string[]) => {
  const m = modelOf(`vrrp_track_process p {\n  process nginx\n${lines.map((l) => `  ${l}\n`).join('')}}\n`);
  return m.trackProcesses[0]!;
};

// keepalived 2.2.7 vrrp_parser.c vrrp_tprocess_quorum_handler / vrrp_tprocess_quorum_max_handler,
// each checked against keepalived's SIGUSR1 dump ("Min processes", "Max processes").
test('quorum_max 0 with the default quorum 1 sets quorum 0: up only while none runs', () => {
  assert.deepEqual(quorumRange(tracked('quorum_max 0')), { min: 0, max: 0 });
  assert.deepEqual(quorumRange(tracked('quorum 1', 'quorum_max 0')), { min: 0, max: 0 });
  assert.equal(quorumMet(0, tracked('quorum_max 0')), true);
  assert.equal(quorumMet(1, tracked('quorum_max 0')), false);
});

test('whichever of quorum / quorum_max contradicts the one read before it is ignored', () => {
  assert.deepEqual(quorumRange(tracked('quorum_max 0', 'quorum 1')), { min: 0, max: 0, ignored: 'quorum' });
  assert.deepEqual(quorumRange(tracked('quorum 3', 'quorum_max 2')), {
    min: 3,
    max: undefined,
    ignored: 'quorum_max',
  });
  assert.deepEqual(quorumRange(tracked('quorum_max 2', 'quorum 3')), { min: 1, max: 2, ignored: 'quorum' });
  assert.deepEqual(quorumRange(tracked('quorum 3', 'quorum_max 0')), {
    min: 3,
    max: undefined,
    ignored: 'quorum_max',
  });
  assert.deepEqual(quorumRange(tracked('quorum 2', 'quorum_max 4')), { min: 2, max: 4 });
});

test('delays: first observation is immediate, later changes wait fork_delay / terminate_delay', () => {
  const spec = { quorum: 1 };
  const d = delaysOf({ forkDelayMs: 100, terminateDelayMs: 500 });
  let s: ProcessTrackState = { up: undefined, count: 0 };
  let r = observe(s, 1, 0, spec, d);
  assert.deepEqual([r.state.up, r.changed], [true, true]);
  s = r.state;
  r = observe(s, 0, 1000, spec, d);
  assert.deepEqual([r.state.up, r.changed, r.state.pending], [true, false, { up: false, at: 1500 }]);
  r = observe(r.state, 0, 1400, spec, d);
  assert.equal(r.changed, false, 'still pending, deadline unchanged');
  assert.equal(r.state.pending?.at, 1500);
  const back = observe(r.state, 1, 1450, spec, d);
  assert.deepEqual(
    [back.state.up, back.changed, back.state.pending],
    [true, false, undefined],
    'bounce absorbed',
  );
  r = observe(r.state, 0, 1500, spec, d);
  assert.deepEqual([r.state.up, r.changed], [false, true]);
});

test('delay sets both, specific ones win', () => {
  assert.deepEqual(delaysOf({ delayMs: 300 }), { forkDelayMs: 300, terminateDelayMs: 300 });
  assert.deepEqual(delaysOf({ delayMs: 300, forkDelayMs: 10 }), { forkDelayMs: 10, terminateDelayMs: 300 });
  assert.deepEqual(delaysOf({}), { forkDelayMs: 0, terminateDelayMs: 0 });
  const r = observe({ up: true, count: 1 }, 0, 5, { quorum: 1 }, delaysOf({}));
  assert.deepEqual([r.state.up, r.changed], [false, true], 'no delay: immediate');
});
