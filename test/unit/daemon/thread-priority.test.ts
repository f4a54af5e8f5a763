/**
 * vrrp_priority / checker_priority: read from global_defs, defaulted (the checker thread below the
 * VRRP thread), and really set on a thread: a worker sets its own nice value, which the kernel then
 * shows in /proc/PID/task/TID/stat, while the main thread keeps its own.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { planChecks } from '../../../src/check/plan.js';
import { checkerConfig, workerConfig } from '../../../src/daemon/daemon.js';
import type { PlanHost } from '../../../src/daemon/plan.js';
import { currentThreadId, DEFAULT_CHECKER_NICE, threadNice } from '../../../src/daemon/thread-priority.js';
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

/** Field 19 (nice) of a thread's stat line. */
function threadNiceOf(tid: number): number {
  const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
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

test('defaults: the checker thread at DEFAULT_CHECKER_NICE, the VRRP thread inherited; 0 leaves a thread alone', () => {
  assert.equal(threadNice(undefined, DEFAULT_CHECKER_NICE), DEFAULT_CHECKER_NICE);
  assert.equal(threadNice(0, DEFAULT_CHECKER_NICE), undefined);
  assert.equal(threadNice(-4, DEFAULT_CHECKER_NICE), -4);
  assert.equal(threadNice(undefined, undefined), undefined);
  const plain = check(conf('  router_id lb1')).model;
  const set = check(conf('  vrrp_priority -5\n  checker_priority 0')).model;
  assert.ok(plain !== undefined && set !== undefined);
  assert.equal(checkerConfig(plain, planChecks(plain), undefined).nice, DEFAULT_CHECKER_NICE);
  assert.equal(checkerConfig(set, planChecks(set), undefined).nice, undefined);
  assert.equal(workerConfig(plain, host).nice, undefined);
  assert.equal(workerConfig(set, host).nice, -5);
});

test('a worker thread sets its own nice value; the kernel shows it on that thread only', async () => {
  const mainTid = currentThreadId();
  assert.equal(mainTid, process.pid, 'the main thread is the thread group leader');
  const before = threadNiceOf(process.pid);
  // Lowering a thread's priority needs no privilege.
  const nice = Math.min(before + 7, 19);
  const url = new URL('../../../src/daemon/thread-priority.js', import.meta.url).href;
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     import(workerData.url).then((m) => {
       const error = m.setThreadNice(workerData.nice);
       parentPort.postMessage({ tid: m.currentThreadId(), error });
       parentPort.once('message', () => process.exit(0));
     });`,
    { eval: true, workerData: { url, nice } },
  );
  try {
    const r = await new Promise<{ tid: number; error?: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    assert.equal(r.error, undefined);
    assert.notEqual(r.tid, process.pid);
    assert.equal(threadNiceOf(r.tid), nice);
    assert.equal(threadNiceOf(process.pid), before);
  } finally {
    await worker.terminate();
  }
});
