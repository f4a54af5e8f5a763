/**
 * The checker thread's priority and its scripts': the checker thread runs at nice 10 by default
 * (checker_priority), but a MISC_CHECK script runs at the daemon's own priority, as keepalived's
 * script child resets its priorities before exec (notify.c system_call_script ->
 * reset_process_priorities). A fork inherits the calling thread's nice value, so without the reset
 * every MISC_CHECK would run at the checker thread's 10. checker_rt_priority puts the checker
 * thread in SCHED_RR (reset on fork, so its scripts start as normal processes).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SCHED_OTHER, SCHED_RR, STAT, statField } from '../../proc-stat.js';
import { commandExists, waitFor } from '../harness/topology.js';
import { createLab, daemonSkip, type Lab } from './lab.js';

const skip = daemonSkip();

const niceOf = (stat: string) => statField(stat, STAT.NICE);

/** A virtual server whose one MISC_CHECK script copies its own /proc stat line to `out`. */
function setUp(dir: string, globals: string): { conf: string; out: string } {
  const out = join(dir, `script-stat-${globals.length}`);
  const script = join(dir, `stat-${globals.length}.sh`);
  writeFileSync(script, `#!/bin/sh\ncat /proc/$$/stat > ${out}.tmp && mv ${out}.tmp ${out}\n`, {
    mode: 0o755,
  });
  const conf = `global_defs {
  router_id prio1
${globals}
}
virtual_server 192.0.2.100 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 198.51.100.2 80 {
    MISC_CHECK {
      misc_path ${script}
    }
  }
}
`;
  return { conf, out };
}

const threadStats = (pid: number) =>
  readdirSync(`/proc/${pid}/task`).map((t) => readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8'));

describe('checker thread priority', { skip, timeout: 60_000 }, () => {
  let lab: Lab;
  before(async () => {
    lab = await createLab(['n1']);
  });
  after(() => lab?.destroy());

  test('the checker thread runs at nice 10; a MISC_CHECK script at the daemon own nice value', async () => {
    const { conf, out } = setUp(lab.dir, '');
    const d = lab.start('vigil', 'n1', conf);
    await waitFor(() => existsSync(out), {
      timeoutMs: 10_000,
      message: `the MISC_CHECK script ran\n${d.log()}`,
    });
    const pid = Number(readFileSync(d.pidFile, 'utf8'));
    const own = niceOf(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const threads = threadStats(pid).map(niceOf);
    assert.ok(threads.includes(10), `a thread at nice 10 (the checker's): ${JSON.stringify(threads)}`);
    assert.notEqual(own, 10);
    assert.equal(niceOf(readFileSync(out, 'utf8')), own, 'the script runs at the daemon own nice value');
    d.signal('SIGTERM');
    assert.equal((await d.exited).code, 0);
  });

  test('checker_rt_priority: the checker thread in SCHED_RR at that priority; its script a normal process', {
    skip: commandExists('chrt') ? false : 'needs chrt(1)',
  }, async () => {
    const { conf, out } = setUp(lab.dir, '  checker_rt_priority 5');
    const d = lab.start('vigil', 'n1', conf);
    await waitFor(() => existsSync(out), {
      timeoutMs: 10_000,
      message: `the MISC_CHECK script ran\n${d.log()}`,
    });
    const pid = Number(readFileSync(d.pidFile, 'utf8'));
    const rt = () =>
      threadStats(pid)
        .filter((t) => statField(t, STAT.POLICY) === SCHED_RR)
        .map((t) => statField(t, STAT.RT_PRIORITY));
    // The VRRP thread is real-time too (vigil's default, priority 1): the checker's is the one at 5.
    // (chrt runs on the thread's id as the thread starts: wait for it rather than race it.)
    await waitFor(() => rt().includes(5), {
      timeoutMs: 5000,
      message: `a SCHED_RR thread at 5: ${JSON.stringify(rt())}`,
    });
    assert.doesNotMatch(d.log(), /cannot raise priority/);
    // chrt --reset-on-fork: a MISC_CHECK script started by the real-time thread is a normal process.
    rmSync(out);
    await waitFor(() => existsSync(out), { timeoutMs: 5000, message: 'the next MISC_CHECK run' });
    assert.equal(statField(readFileSync(out, 'utf8'), STAT.POLICY), SCHED_OTHER);
    d.signal('SIGTERM');
    assert.equal((await d.exited).code, 0);
  });
});
