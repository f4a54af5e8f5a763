/**
 * The checker thread's priority and its scripts': the checker thread runs at nice 10 by default
 * (checker_priority), but a MISC_CHECK script runs at the daemon's own priority, as keepalived's
 * script child resets its priorities before exec (notify.c system_call_script ->
 * reset_process_priorities). A fork inherits the calling thread's nice value, so without the reset
 * every MISC_CHECK would run at the checker thread's 10.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../harness/topology.js';
import { createLab, daemonSkip, type Lab } from './lab.js';

const skip = daemonSkip();

/** Field 19 of /proc/<pid>/stat (after the parenthesised command name): the nice value. */
const niceOf = (stat: string) => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);

describe('checker thread priority', { skip, timeout: 60_000 }, () => {
  let lab: Lab;
  before(async () => {
    lab = await createLab(['n1']);
  });
  after(() => lab?.destroy());

  test('the checker thread runs at nice 10; a MISC_CHECK script at the daemon own nice value', async () => {
    const out = join(lab.dir, 'script-nice');
    const script = join(lab.dir, 'nice.sh');
    writeFileSync(script, `#!/bin/sh\ncat /proc/$$/stat > ${out}.tmp && mv ${out}.tmp ${out}\n`, {
      mode: 0o755,
    });
    const d = lab.start(
      'vigil',
      'n1',
      `global_defs {
  router_id prio1
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
`,
    );
    await waitFor(() => existsSync(out), {
      timeoutMs: 10_000,
      message: `the MISC_CHECK script ran\n${d.log()}`,
    });
    const pid = Number(readFileSync(d.pidFile, 'utf8'));
    const own = niceOf(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const threads = readdirSync(`/proc/${pid}/task`).map((t) =>
      niceOf(readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8')),
    );
    assert.ok(threads.includes(10), `a thread at nice 10 (the checker's): ${JSON.stringify(threads)}`);
    assert.notEqual(own, 10);
    assert.equal(niceOf(readFileSync(out, 'utf8')), own, 'the script runs at the daemon own nice value');
    d.signal('SIGTERM');
    assert.equal((await d.exited).code, 0);
  });
});
