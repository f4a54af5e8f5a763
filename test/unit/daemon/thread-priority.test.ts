/**
 * vrrp_priority / checker_priority / vrrp_rt_priority: read from global_defs, defaulted (the checker
 * thread below the VRRP thread), and really set on a thread: a worker sets its own nice value or
 * SCHED_RR, which the kernel then shows in /proc/PID/task/TID/stat, while the main thread keeps its own.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { planChecks } from '../../../src/check/plan.js';
import { checkerConfig, workerConfig } from '../../../src/daemon/daemon.js';
import type { PlanHost } from '../../../src/daemon/plan.js';
import {
  currentThreadId,
  DEFAULT_CHECKER_NICE,
  DEFAULT_VRRP_RT_PRIORITY,
  threadNice,
} from '../../../src/daemon/thread-priority.js';
import { commandExists } from '../../integration/harness/topology.js';
import { SCHED_OTHER, SCHED_RR, STAT, statField } from '../../proc-stat.js';
import { check, errors, show, warnings } from '../config/model/helpers.js';

const conf = (globals: string) => `global_defs {\n${globals}\n}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    192.0.2.100/24
  }
}
`;

const host: PlanHost = { addresses: (_ifname, family) => (family === 'ipv4' ? ['192.0.2.1'] : []) };

/** A field (proc(5) numbering) of one of this process's threads' stat line. */
const threadField = (tid: number, n: number) =>
  statField(readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8'), n);
const threadNiceOf = (tid: number) => threadField(tid, STAT.NICE);

/** Runs `call` (an expression on the module `m`) in a worker thread; its tid and result, then exit. */
async function inWorker<T>(call: string, body: (r: { tid: number; result: T }) => void): Promise<void> {
  const url = new URL('../../../src/daemon/thread-priority.js', import.meta.url).href;
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     import(workerData.url)
       .then((m) => ${call})
       .then((result) => parentPort.postMessage({ tid: require('node:fs').readlinkSync('/proc/thread-self').split('/').pop() * 1, result }));
     setInterval(() => {}, 1000);`,
    { eval: true, workerData: { url } },
  );
  try {
    const r = await new Promise<{ tid: number; result: T }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    body(r);
  } finally {
    await worker.terminate();
  }
}

test('vrrp_priority and checker_priority: read as nice values, no "not implemented" warning', () => {
  const r = check(conf('  vrrp_priority -5\n  checker_priority 3'));
  assert.deepEqual(errors(r), [], show(r));
  assert.deepEqual(
    warnings(r).filter((d) => /priority/.test(d.message)),
    [],
    show(r),
  );
  assert.equal(r.model?.globalDefs.vrrpPriority, -5);
  assert.equal(r.model?.globalDefs.checkerPriority, 3);
  // keepalived's range and its "No ... process priority specified".
  assert.match(show(check(conf('  checker_priority 20'))), /checker_priority/);
  assert.ok(errors(check(conf('  checker_priority 20'))).length > 0);
  assert.ok(errors(check(conf('  vrrp_priority'))).length > 0);
});

test('defaults: the checker thread at DEFAULT_CHECKER_NICE, the VRRP thread real-time; 0 leaves a thread alone', () => {
  assert.equal(threadNice(undefined, DEFAULT_CHECKER_NICE), DEFAULT_CHECKER_NICE);
  assert.equal(threadNice(0, DEFAULT_CHECKER_NICE), undefined);
  assert.equal(threadNice(-4, DEFAULT_CHECKER_NICE), -4);
  assert.equal(threadNice(undefined, undefined), undefined);
  const plain = check(conf('  router_id lb1')).model;
  const set = check(conf('  vrrp_priority -5\n  checker_priority 0')).model;
  assert.ok(plain !== undefined && set !== undefined);
  assert.equal(checkerConfig(plain, planChecks(plain), undefined).nice, DEFAULT_CHECKER_NICE);
  assert.equal(checkerConfig(set, planChecks(set), undefined).nice, undefined);
  // The VRRP thread: real-time by default (vigil's safer default), a configured nice value instead.
  assert.deepEqual(
    [workerConfig(plain, host).rtPriority, workerConfig(plain, host).rtPriorityIsDefault],
    [DEFAULT_VRRP_RT_PRIORITY, true],
  );
  assert.equal(workerConfig(plain, host).nice, undefined);
  assert.equal(workerConfig(set, host).nice, -5);
  assert.equal(workerConfig(set, host).rtPriority, undefined);
});

test('a worker thread sets its own nice value; the kernel shows it on that thread only', async () => {
  assert.equal(currentThreadId(), process.pid, 'the main thread is the thread group leader');
  const before = threadNiceOf(process.pid);
  // Lowering a thread's priority needs no privilege.
  const nice = Math.min(before + 7, 19);
  await inWorker<string | undefined>(`m.setThreadNice(${nice})`, ({ tid, result }) => {
    assert.equal(result, undefined);
    assert.notEqual(tid, process.pid);
    assert.equal(threadNiceOf(tid), nice);
    assert.equal(threadNiceOf(process.pid), before);
  });
});

test('vrrp_rt_priority: a worker thread puts itself in SCHED_RR (chrt on its tid); the main thread stays SCHED_OTHER', {
  skip: process.getuid?.() !== 0 || !commandExists('chrt') ? 'needs root and chrt(1)' : false,
}, async () => {
  await inWorker<string | undefined>(
    'new Promise((resolve) => m.setThreadRealtime(7, resolve))',
    ({ tid, result }) => {
      assert.equal(result, undefined);
      assert.equal(threadField(tid, STAT.POLICY), SCHED_RR);
      assert.equal(threadField(tid, STAT.RT_PRIORITY), 7);
      assert.equal(threadField(process.pid, STAT.POLICY), SCHED_OTHER);
    },
  );
  const r = check(conf('  vrrp_rt_priority 7\n  vrrp_priority -5'));
  assert.deepEqual(errors(r), [], show(r));
  assert.ok(r.model !== undefined);
  // keepalived sets no nice value when the process is real-time.
  assert.deepEqual(
    [workerConfig(r.model, host).rtPriority, workerConfig(r.model, host).nice],
    [7, undefined],
  );
  assert.ok(errors(check(conf('  vrrp_rt_priority 100'))).length > 0);
  assert.ok(errors(check(conf('  vrrp_rt_priority'))).length > 0);
});

test('checker_rt_priority: SCHED_RR for the checker thread instead of its nice value; no "not implemented" warning', () => {
  const r = check(conf('  checker_rt_priority 5\n  checker_priority -3'));
  assert.deepEqual(errors(r), [], show(r));
  assert.deepEqual(
    warnings(r).filter((d) => /priority/.test(d.message)),
    [],
    show(r),
  );
  assert.ok(r.model !== undefined);
  const c = checkerConfig(r.model, planChecks(r.model), undefined);
  // keepalived sets no nice value when the process is real-time.
  assert.deepEqual([c.rtPriority, c.nice], [5, undefined]);
  assert.ok(errors(check(conf('  checker_rt_priority 0'))).length > 0);
  assert.ok(errors(check(conf('  checker_rt_priority'))).length > 0);
});
