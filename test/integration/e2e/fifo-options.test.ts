/**
 * The notify FIFO's options, each run with vigil and with keepalived 2.2.7 on the same config:
 * - `notify_fifo FILE user group`: the FIFO the daemon creates belongs to that user and group;
 * - `notify_fifo_script`: started with the FIFO's name appended, it reads every line;
 * - `fifo_write_vrrp_states_on_reload`: after SIGHUP, an instance that kept its state writes it again.
 *   keepalived 2.2.7 does so for BACKUP and FAULT instances but not for a MASTER (vrrp_init_state's
 *   master branch has no notify_instance_fifo); vigil writes every one, as keepalived.conf(5) says.
 */
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createLab, type Lab } from '../daemon/lab.js';
import { waitFor } from '../harness/topology.js';
import { conf, e2eSkip, instance, readLines, writeScript } from './helpers.js';

const skip = e2eSkip(['keepalived']);

/** nobody / nogroup as the system's own tools see them. */
function ids(): { uid: number; gid: number } | undefined {
  try {
    const passwd = readLines('/etc/passwd').find((l) => l.startsWith('nobody:'));
    const group = readLines('/etc/group').find((l) => l.startsWith('nogroup:'));
    if (passwd === undefined || group === undefined) return undefined;
    return { uid: Number(passwd.split(':')[2]), gid: Number(group.split(':')[2]) };
  } catch {
    return undefined;
  }
}

for (const impl of ['vigil', 'keepalived'] as const) {
  describe(`notify FIFO options (${impl})`, {
    skip: skip || (ids() ? false : 'needs nobody/nogroup'),
    timeout: 60_000,
  }, () => {
    let lab: Lab;
    before(async () => {
      lab = await createLab(['n1']);
    });
    after(() => lab?.destroy());

    test('owner, reader script, and the states written again on reload', async () => {
      const fifo = `${lab.dir}/owned.fifo`;
      const out = `${lab.dir}/reader.out`;
      const reader = writeScript(
        `${lab.dir}/reader.sh`,
        `#!/bin/sh\n# keepalived appends the FIFO's name\nwhile read -r line; do echo "$line" >> ${out}; done < "$1"\n`,
      );
      const text = conf({
        routerId: 'fifo_n1',
        global: [
          `notify_fifo ${fifo} nobody nogroup`,
          `notify_fifo_script ${reader}`,
          'fifo_write_vrrp_states_on_reload',
        ],
        body: [
          `track_file trk {\n  file ${lab.dir}/trk\n  weight 0\n}`,
          instance({ name: 'VI_1', vrid: 91, priority: 100, vips: ['192.0.2.191/24'] }),
          instance({
            name: 'VI_2',
            vrid: 92,
            priority: 100,
            vips: ['192.0.2.192/24'],
            lines: ['track_file {', '  trk', '}'],
          }),
        ].join('\n'),
      });
      // A non-zero track_file with weight 0 keeps VI_2 in FAULT.
      writeFileSync(`${lab.dir}/trk`, '1\n');
      const d = lab.start(impl, 'n1', text);
      try {
        const master = 'INSTANCE "VI_1" MASTER 100';
        await waitFor(() => readLines(out).includes(master), {
          timeoutMs: 10_000,
          message: `${master} from the reader; have ${JSON.stringify(readLines(out))}\n${d.log().slice(-2000)}`,
        });
        assert.ok(existsSync(fifo), 'the daemon created the FIFO');
        const st = statSync(fifo);
        assert.ok(st.isFIFO());
        assert.deepEqual({ uid: st.uid, gid: st.gid }, ids(), `${impl} gives the FIFO to nobody:nogroup`);
        assert.equal(st.mode & 0o777, 0o600, 'mode 0600, as keepalived (0644 under its umask 0177)');
        const fault = 'INSTANCE "VI_2" FAULT 100';
        const count = (line: string) => readLines(out).filter((l) => l === line).length;
        await waitFor(() => count(fault) === 1, { timeoutMs: 5000, message: `${fault} at start-up` });
        const masters = count(master);
        d.signal('SIGHUP');
        await waitFor(() => count(fault) === 2, {
          timeoutMs: 10_000,
          message: `${fault} again after SIGHUP; have ${JSON.stringify(readLines(out))}\n${d.log().slice(-2000)}`,
        });
        if (impl === 'vigil') {
          await waitFor(() => count(master) === masters + 1, {
            timeoutMs: 5000,
            message: `${master} again after SIGHUP; have ${JSON.stringify(readLines(out))}`,
          });
        }
        // No transition happened: every line repeats a state seen before, none reports a new one.
        assert.deepEqual(
          [...new Set(readLines(out))].sort(),
          ['INSTANCE "VI_1" BACKUP 100', master, fault].sort(),
        );
      } finally {
        await lab.stopAll();
      }
    });
  });
}
