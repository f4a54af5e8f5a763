/**
 * The checker at run time, in-process: real timers, a fake TCP_CHECK module and the recording
 * driver; and the worker thread itself through the main thread's handle.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { LifecycleEvent } from '../../../src/check/lifecycle.js';
import { createRegistry } from '../../../src/check/registry.js';
import { CheckerService } from '../../../src/check/service.js';
import type { CheckerModule } from '../../../src/check/types.js';
import { CheckerSupervisor, CheckerThread } from '../../../src/daemon/checker-thread.js';
import { RecordingDriver } from '../../../src/lvs/driver.js';
import { planOf, vs } from './helpers.js';

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A TCP_CHECK stand-in: answers after `delayMs` from a health map, ends at once on abort. */
function fakeTcp(
  health: Map<string, boolean>,
  counts: { started: number; aborted: number },
): CheckerModule<'TCP_CHECK'> {
  return {
    type: 'TCP_CHECK',
    defaults: { retry: 1, delayBeforeRetryMs: 1000 },
    create: (_spec, target) => (ctx) =>
      new Promise((resolve) => {
        counts.started++;
        // As the registry asks of a module: the listener goes when the attempt ends.
        const onAbort = () => {
          counts.aborted++;
          clearTimeout(t);
          resolve({ ok: false, reason: 'aborted' });
        };
        const t = setTimeout(() => {
          ctx.signal.removeEventListener('abort', onAbort);
          resolve(
            (health.get(target.address) ?? true) ? { ok: true } : { ok: false, reason: 'connection refused' },
          );
        }, 5);
        ctx.signal.addEventListener('abort', onAbort, { once: true });
      }),
  };
}

const conf = (servers: number[], checker = 'TCP_CHECK {\n      retry 0\n    }') =>
  vs(
    `  delay_loop 0.05
  warmup 0
${servers
  .map(
    (n) => `  real_server 198.51.100.${n} 80 {
    ${checker}
  }`,
  )
  .join('\n')}`,
  );
/** A checker type with no module in this build: planned, never run, so no traffic leaves the test. */
const NO_MODULE = 'BFD_CHECK {\n      name b\n    }';

test('checker service: attempts on real timers drive the recording driver; reload; stop', async () => {
  const health = new Map<string, boolean>([['198.51.100.2', false]]);
  const counts = { started: 0, aborted: 0 };
  const driver = new RecordingDriver();
  const events: LifecycleEvent[] = [];
  const timed: [string, boolean, number][] = [];
  const svc = new CheckerService(planOf(conf([1, 2])), {
    registry: createRegistry([fakeTcp(health, counts)]),
    driver,
    emit: (e) => events.push(e),
    bootstrapDelayMs: 0,
    observe: (type, ok, ms) => timed.push([type, ok, ms]),
  });
  const dests = () => driver.current.services[0]?.dests.map((d) => d.address) ?? [];
  svc.start();
  await until('RS2 removed', () => dests().join() === '198.51.100.1');
  assert.equal(svc.status()[0]!.realServers[1]!.checkers[0]!.reason, 'connection refused');
  // Every attempt is timed for the latency histogram (the fake answers after 5 ms).
  assert.ok(timed.some(([t, ok, ms]) => t === 'TCP_CHECK' && !ok && ms >= 4));
  assert.ok(timed.some(([, ok]) => ok));
  assert.ok(driver.changes.flat().some((c) => c.op === 'del-dest' && c.dest.address === '198.51.100.2'));
  health.set('198.51.100.2', true);
  await until('RS2 back', () => dests().join() === '198.51.100.1,198.51.100.2');
  svc.reload(planOf(conf([2, 3])));
  await until('reloaded table', () => dests().join() === '198.51.100.2,198.51.100.3');
  const logs = events.flatMap((e) => (e.type === 'log' ? [e.message] : []));
  assert.ok(logs.includes('service [198.51.100.1]:tcp:80 no longer exist'));
  await until('RS3 checked', () => svc.status()[0]!.realServers[1]!.checkers[0]!.lastRunAt !== null);
  await svc.stop();
  assert.equal(driver.stopped, true);
  assert.deepEqual(driver.current.services, []);
  const started = counts.started;
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(counts.started, started, 'no attempt after stop');
  assert.ok(
    events.some((e) => e.type === 'fifo' && e.line === 'RS [198.51.100.2]:tcp:80 [192.0.2.100]:tcp:80 UP\n'),
  );
});

test('checker service: a module that throws while creating its attempt fails that checker only', async () => {
  const driver = new RecordingDriver();
  const broken: CheckerModule<'TCP_CHECK'> = {
    type: 'TCP_CHECK',
    defaults: { retry: 1 },
    create: () => {
      throw new Error('no such interface');
    },
  };
  const svc = new CheckerService(planOf(conf([1])), {
    registry: createRegistry([broken]),
    driver,
    emit: () => {},
    bootstrapDelayMs: 0,
  });
  svc.start();
  await until('RS1 removed', () => driver.current.services[0]?.dests.length === 0);
  assert.equal(svc.status()[0]!.realServers[0]!.checkers[0]!.reason, 'cannot start: no such interface');
  await svc.stop();
});

test('checker worker thread: starts, runs the plan, answers status, reloads, stops', async () => {
  const events: LifecycleEvent[] = [];
  const fatal: string[] = [];
  const t = new CheckerThread(
    { plan: planOf(conf([1, 2], NO_MODULE)), metrics: true },
    { onEvent: (e) => events.push(e), onFatal: (m) => fatal.push(m) },
  );
  try {
    await t.started; // what the daemon waits for before telling systemd READY=1
    // --http: the thread's own Prometheus text (no attempt ran: the histogram has no sample yet).
    assert.match(await t.metrics(), /^# TYPE vigil_checker_latency_seconds histogram$/m);
    const vss = await t.status();
    assert.equal(vss.length, 1);
    assert.deepEqual(
      vss[0]!.realServers.map((r) => [r.address, r.alive]),
      [
        ['198.51.100.1', true],
        ['198.51.100.2', true],
      ],
    );
    // No BFD_CHECK module: said once, servers stay up (no alpha).
    await until('not implemented log', () =>
      events.some((e) => e.type === 'log' && e.message.startsWith('BFD_CHECK is not implemented')),
    );
    t.reload({ plan: planOf(conf([2], NO_MODULE)) });
    await until('reloaded', () =>
      events.some((e) => e.type === 'log' && e.message.includes('no longer exist')),
    );
    assert.equal((await t.status())[0]!.realServers.length, 1);
  } finally {
    await t.stop();
  }
  assert.deepEqual(fatal, []);
  assert.ok(
    events.some((e) => e.type === 'log' && e.message.startsWith('Shutting down service [198.51.100.2]')),
  );
});

test('checker supervisor: a failed thread still counts as started, is respawned, and given up on when it keeps failing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-chk-'));
  try {
    const crash = join(dir, 'crash.mjs');
    writeFileSync(crash, "throw new Error('module bug');\n");
    const logs: string[] = [];
    const sup = new CheckerSupervisor(
      { plan: planOf(conf([1])) },
      { onEvent: () => {}, log: (level, m) => logs.push(`${level} ${m}`) },
      { url: pathToFileURL(crash), respawnDelayMs: 10, maxRespawnsPerMinute: 2 },
    );
    await sup.started(); // a failed thread does not hold readiness back
    await until('given up', () => logs.some((l) => l.includes('not respawning')));
    assert.equal(logs.filter((l) => l.includes('Respawning')).length, 2);
    assert.ok(logs[0]!.startsWith('error Healthcheck thread failed:') && logs[0]!.includes('module bug'));
    assert.equal(sup.running, false);
    assert.deepEqual(await sup.status(), []);
    await sup.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
