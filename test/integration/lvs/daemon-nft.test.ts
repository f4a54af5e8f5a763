/**
 * The daemon with `--lvs-driver=nftables`: a virtual_server whose real servers are MISC_CHECKed
 * (a file per server says up or down), the checker thread drives the nftables table, `vigil lvs`
 * shows it like `ipvsadm -Ln` (`--stats` its counters, `--rate` their rates under load), a failed
 * check quiesces its server (inhibit_on_failure: weight 0) in the kernel — new connections go
 * elsewhere, an established one continues — and SIGTERM removes the table. A second virtual_server
 * with keepalived's default scheduler (wlc), which nftables cannot hold, is left out with an error
 * while the first is applied.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type DaemonHandle, type Lab, ROOT } from '../daemon/lab.js';
import { conf, e2eSkip, NGINX } from '../e2e/helpers.js';
import { waitFor } from '../harness/topology.js';
import { createLvsLab, holdConnection, load, RS1, RS2 } from './lvs-lab.js';

const skip = e2eSkip(['nft', NGINX]);

const vsConf = (dir: string) =>
  conf({
    routerId: 'lvs1',
    body: `
virtual_server 192.0.2.100 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
${[RS1, RS2]
  .map(
    (a, i) => `  real_server ${a} 80 {
    weight 1
    inhibit_on_failure
    MISC_CHECK {
      misc_path "/usr/bin/test -e ${join(dir, `rs${i + 1}-up`)}"
    }
  }`,
  )
  .join('\n')}
}

# keepalived's default scheduler (wlc) on nftables: this service alone is left out, loudly.
virtual_server 192.0.2.101 80 {
  delay_loop 1
  lb_kind NAT
  protocol TCP
  real_server ${RS1} 80 {
    MISC_CHECK {
      misc_path "/usr/bin/test -e ${join(dir, 'rs1-up')}"
    }
  }
}
`,
  });

const vigilLvs = (d: DaemonHandle, ...args: string[]) =>
  new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      [join(ROOT, 'dist/src/cli/main.js'), 'lvs', '-p', d.pidFile, ...args],
      { timeout: 10_000 },
      (e, stdout, stderr) => (e ? reject(new Error(`${e.message}: ${stderr}`)) : resolve(stdout)),
    ),
  );

describe('daemon with the nftables LVS driver', { skip, timeout: 120_000 }, () => {
  let lab: Lab;
  before(async () => {
    lab = await createLvsLab();
  });
  after(() => lab?.destroy());

  test('checker verdicts reach the kernel; vigil lvs; stop removes the table', async () => {
    writeFileSync(join(lab.dir, 'rs1-up'), '');
    writeFileSync(join(lab.dir, 'rs2-up'), '');
    const d = lab.start('vigil', 'dir', vsConf(lab.dir), { args: ['--lvs-driver=nftables', '-D'] });
    await d.waitLog(/LVS driver: nftables \(forced by --lvs-driver\)/, { timeoutMs: 10_000 });
    await waitFor(async () => /198\.51\.100\.3:80 +Masq +1 /.test(await vigilLvs(d)), {
      timeoutMs: 15_000,
      message: 'both real servers in vigil lvs',
    });
    const table = await vigilLvs(d);
    assert.match(table, /^vigil LVS table \(driver nftables\)\n/);
    // The wlc service is not in the kernel, the rr one is; the log says why and names the IPVS driver.
    assert.doesNotMatch(table, /192\.0\.2\.101/);
    await d.waitLog(
      /LVS \(nftables driver\): virtual server \[192\.0\.2\.101\]:tcp:80: scheduler wlc is not supported .*IPVS driver.*not written to the kernel: 1 of 2 services \(the others are\)/,
    );
    assert.match(table, /\nTCP {2}192\.0\.2\.100:80 rr\n {2}-> 198\.51\.100\.2:80 +Masq +1 +- +-\n/);

    // `vigil lvs --rate` while the connections run: two counter reads a second apart.
    const running = load(lab, 400, 4);
    const rate = await vigilLvs(d, '--rate');
    const r = await running;
    assert.equal(r.failed, 0);
    console.log(`daemon rr: ${JSON.stringify(r.counts)}`);
    assert.ok(Math.abs((r.counts.rs1 ?? 0) / 400 - 0.5) <= 0.03, JSON.stringify(r.counts));
    console.log(rate);
    assert.equal(
      rate.split('\n')[1],
      'Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS',
    );
    const svcRate = /\nTCP {2}192\.0\.2\.100:80 +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)\n/.exec(rate);
    assert.ok(svcRate !== null && Number(svcRate[1]) > 0 && Number(svcRate[4]) > 0, rate);

    // An established connection; then its server's check fails: inhibit_on_failure keeps it at
    // weight 0, no new connection goes there, the established one continues.
    const hold = holdConnection(lab);
    const held = await hold.first();
    const other = held === 'rs1' ? 'rs2' : 'rs1';
    const heldAddr = (held === 'rs1' ? RS1 : RS2).replace(/\./g, '\\.');
    const from = d.log().length;
    rmSync(join(lab.dir, `${held}-up`));
    await waitFor(async () => new RegExp(`${heldAddr}:80 +Masq +0 `).test(await vigilLvs(d)), {
      timeoutMs: 15_000,
      message: `${held} quiesced in vigil lvs`,
    });
    const r2 = await load(lab, 40, 4);
    assert.deepEqual(r2.counts, { [other]: 40 });
    assert.deepEqual(await hold.again(), [held, held], 'the established connection continues');
    hold.close();
    const stats = await vigilLvs(d, '--stats');
    const otherAddr = (other === 'rs1' ? RS1 : RS2).replace(/\./g, '\\.');
    const conns = new RegExp(`\\n {2}-> ${otherAddr}:80 +(\\d+) `).exec(stats);
    assert.ok(conns !== null && Number(conns[1]) >= 240, stats);
    const times = [
      ...d
        .log()
        .slice(from)
        .matchAll(/LVS table applied with nftables in ([\d.]+) ms/g),
    ].map((m) => Number(m[1]));
    assert.ok(times.length >= 1, d.log().slice(from));
    console.log(`verdict → kernel (apply() to nft done) on a check failure: ${times.join(', ')} ms`);

    const nftTables = async () => (await lab.topo.exec('dir', 'nft', ['list', 'tables'])).stdout;
    assert.match(await nftTables(), /table inet vigil_lvs/);
    d.signal('SIGTERM');
    await d.exited;
    assert.doesNotMatch(await nftTables(), /vigil_lvs/);
  });
});
