/**
 * vrrp_script outcomes on a live daemon (one node, three instances, checked through the daemon's
 * log and `vigil status --json`):
 * - a script that hangs is killed at its timeout (its process is gone) and counts as a failure:
 *   its negative weight applies;
 * - a script that is not executable is disabled at start-up (keepalived: "Disabling track script
 *   ... not found/accessible"): never run, so it neither adds weight nor causes FAULT;
 * - a script in a world-writable directory, with enable_script_security and running as root, is
 *   refused by script security and disabled the same way; a notify_master there is refused (logged)
 *   each time it would run.
 * keepalived 2.2.7's daemon starts with such scripts ("Unsafe permissions found for script ... -
 * disabling", "... is not executable for uid:gid 0:0 - disabling"); so does vigil.
 * The two disabled scripts would fail if they ran (`exit 1`, weight 0 = FAULT), so a wrongly run
 * one would show as FAULT.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createLab, type DaemonHandle, type Lab } from '../daemon/lab.js';
import { waitFor } from '../harness/topology.js';
import { conf, e2eSkip, instance, timing, waitStatus, writeScript } from './helpers.js';

const skip = e2eSkip();

describe('vrrp_script: hung, not executable, refused by script security', { skip, timeout: 60_000 }, () => {
  let lab: Lab;
  let d: DaemonHandle;
  let t0 = 0;
  before(async () => {
    lab = await createLab(['n1']);
  });
  after(() => lab?.destroy());

  test('start-up: the two unusable scripts are disabled with a reason in the log', async () => {
    const hang = writeScript(`${lab.dir}/hang.sh`, `echo $$ > ${lab.dir}/hang.pid\nexec sleep 1000`);
    const noexec = writeScript(`${lab.dir}/noexec.sh`, 'exit 1', 0o644);
    const ww = `${lab.dir}/world-writable`;
    mkdirSync(ww);
    chmodSync(ww, 0o777); // no sticky bit: anyone could replace the script
    const insecure = writeScript(`${ww}/insecure.sh`, 'exit 1');
    const insecureNotify = writeScript(`${ww}/notify.sh`, `touch ${lab.dir}/notified`);
    const scriptBlock = (name: string, path: string, extra: string[]) => [
      `vrrp_script ${name} {`,
      `  script "${path}"`,
      ...extra.map((l) => `  ${l}`),
      '}',
    ];
    const track = (name: string) => ['track_script {', `  ${name}`, '}'];
    t0 = Date.now();
    d = lab.start(
      'vigil',
      'n1',
      conf({
        routerId: 'scripts_n1',
        body: [
          ...scriptBlock('chk_hang', hang, ['interval 3', 'timeout 1', 'weight -20', 'fall 1', 'rise 1']),
          ...scriptBlock('chk_noexec', noexec, ['interval 1']),
          ...scriptBlock('chk_insecure', insecure, ['interval 1']),
          instance({
            name: 'VI_1',
            vrid: 81,
            priority: 100,
            vips: ['192.0.2.81/24'],
            lines: track('chk_hang'),
          }),
          instance({
            name: 'VI_2',
            vrid: 82,
            priority: 100,
            vips: ['192.0.2.82/24'],
            lines: track('chk_noexec'),
          }),
          instance({
            name: 'VI_3',
            vrid: 83,
            priority: 100,
            vips: ['192.0.2.83/24'],
            lines: [...track('chk_insecure'), `notify_master ${insecureNotify}`],
          }),
        ].join('\n'),
      }),
    );
    await d.waitLog(/vrrp_script chk_noexec disabled: .*not executable/);
    await d.waitLog(
      /vrrp_script chk_insecure disabled by script security: .*world-writable.*writable by everyone/,
    );
    // The config check's finding is shown as a warning: the daemon runs, as keepalived's does.
    assert.match(d.log(), /warning: \S+\.conf:\d+:\d+: vrrp_script chk_insecure: .* is insecure/);
    assert.doesNotMatch(d.log(), /not starting/);
  });

  test('the hung script is killed at its 1 s timeout and counted as a failure (weight -20)', async () => {
    const pidFile = `${lab.dir}/hang.pid`;
    // The shell creates the file before it writes the pid: wait for a whole number, never read 0
    // (kill(0, 0) would probe our own process group and always succeed).
    const pid = await waitFor(
      () => {
        const n = existsSync(pidFile) ? Number.parseInt(readFileSync(pidFile, 'utf8'), 10) : Number.NaN;
        return Number.isInteger(n) && n > 0 ? n : undefined;
      },
      { message: 'hang.sh started' },
    );
    await d.waitLog(/Script `chk_hang` now timed out/);
    await d.waitLog(/VRRP_Script\(chk_hang\) failed \(timed out\)/);
    const s = await waitStatus(lab, d, 'VI_1', (i) => i.effectivePriority === 80, { message: 'VI_1 at 80' });
    timing('hung script: daemon start -> priority 80 in status (timeout 1 s)', Date.now() - t0);
    assert.ok(s.ms >= 0);
    // SIGTERM to the script's process group; the sleep it exec'd is gone.
    await waitFor(
      () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      { timeoutMs: 4000, message: `hung script ${pid} killed` },
    );
    // Next interval it hangs again and is killed again: still failed, still 80, never FAULT.
    await waitStatus(lab, d, 'VI_1', (i) => i.state === 'MASTER');
    assert.equal((await waitStatus(lab, d, 'VI_1', () => true)).inst.effectivePriority, 80);
  });

  test('the disabled scripts neither fault their instances nor change priority', async () => {
    for (const name of ['VI_2', 'VI_3']) {
      const s = await waitStatus(lab, d, name, (i) => i.state === 'MASTER', { message: `${name} master` });
      assert.equal(s.inst.effectivePriority, 100);
      assert.equal(s.inst.basePriority, 100);
    }
    // A notify script in the world-writable directory is refused too, loudly, each time it would run.
    await d.waitLog(/notify_master script '.*world-writable\/notify\.sh' refused by script security/);
    assert.equal(existsSync(`${lab.dir}/notified`), false);
    assert.doesNotMatch(d.log(), /Entering FAULT/);
    assert.doesNotMatch(d.log(), /VRRP_Script\(chk_(noexec|insecure)\)/);
  });
});

describe('scripts as root without enable_script_security (seed 002 has none)', {
  skip,
  timeout: 60_000,
}, () => {
  let lab: Lab;
  before(async () => {
    lab = await createLab(['n1']);
  });
  after(() => lab?.destroy());

  test('the daemon starts, warns SECURITY VIOLATION once, and runs the script (as keepalived 2.2.7)', async () => {
    const ok = writeScript(`${lab.dir}/ok.sh`, 'exit 0');
    const d = lab.start(
      'vigil',
      'n1',
      [
        'global_defs {',
        '  router_id nosec_n1',
        '}',
        'vrrp_script chk_ok {',
        `  script "${ok}"`,
        '  interval 1',
        '  weight 5',
        '}',
        instance({
          name: 'VI_1',
          vrid: 84,
          priority: 100,
          vips: ['192.0.2.84/24'],
          lines: ['track_script {', '  chk_ok', '}'],
        }),
        '',
      ].join('\n'),
    );
    await d.waitLog(/SECURITY VIOLATION - scripts are being executed as root/);
    await d.waitLog(/VRRP_Script\(chk_ok\) succeeded/);
    const s = await waitStatus(lab, d, 'VI_1', (i) => i.effectivePriority === 105, {
      message: 'VI_1 at 105',
    });
    assert.equal(s.inst.basePriority, 100);
    assert.equal(d.log().match(/SECURITY VIOLATION - scripts are being executed/g)?.length, 1);
    assert.equal(d.child.exitCode, null);
  });
});
