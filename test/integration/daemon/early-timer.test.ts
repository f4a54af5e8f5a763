/**
 * Regression (found by the keepalived interop test): Node's timers may fire a fraction of a
 * millisecond before a fractional deadline; the engine must re-arm rather than lose the
 * master-down timer (a lone backup then never became master).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planInstances } from '../../../src/daemon/plan.js';
import { type EngineEvent, type EnginePorts, VrrpEngine } from '../../../src/daemon/vrrp-engine.js';
import { VirtualClock } from '../../../src/sim/clock.js';
import { modelOf } from '../../config-model.js';
import { vrrpConf } from './lab.js';

test('a master-down timer that fires 0.5 ms early is re-armed, not lost', async () => {
  // Priority 150: skew (256-150)/256 s = 414.0625 ms, a fractional deadline.
  const model = modelOf(vrrpConf({ priority: 150, vips: ['192.0.2.100/24'] }), { valid: true });
  const clock = new VirtualClock();
  const events: EngineEvent[] = [];
  const ports: EnginePorts = {
    now: () => clock.now,
    // Like setTimeout on a whole-millisecond clock: may run up to 1 ms before `now + ms`.
    setTimer: (fn, ms) => clock.schedule(clock.now + Math.max(0, ms - 0.5), fn),
    clearTimer: (h) => clock.cancel(h as number),
    openChannel: () => ({ send() {}, close() {} }),
    addVip: async () => {},
    removeVip: async () => {},
    addRoute: async () => {},
    removeRoute: async () => {},
    announce: () => {},
    emit: (e) => events.push(e),
  };
  const engine = new VrrpEngine(planInstances(model, { addresses: () => ['192.0.2.11'] }), [], ports);
  engine.start();
  const end = clock.now + 5000;
  while (clock.step(end)) await new Promise((res) => setImmediate(res));
  assert.equal(engine.status()[0]!.state, 'MASTER');
  const t = events.find((e) => e.type === 'transition' && e.to === 'MASTER');
  assert.ok(t, 'a transition to MASTER was reported');
  await engine.stop();
});
