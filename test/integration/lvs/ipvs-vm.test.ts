/**
 * The IPVS driver against a real kernel IPVS, in a VM (this host's kernel has none): one boot runs
 * ipvs-vm-agent.js, which applies tables with IpvsDriver and prints `ipvsadm -Ln` after each step,
 * then runs the daemon, SIGKILLs it and restarts it to see the table adopted (no extra boot).
 * Few VM tests on purpose: each boot costs ~6 s and everything inside is 10-20x slower.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runInVm, type VmResult, vmSkipReason } from '../harness/vm/qemu.js';

const REPO = new URL('../../../../', import.meta.url).pathname.replace(/\/$/, '');
const IPVS_MODULES = ['ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'ip_vs_wlc', 'ip_vs_lc', 'ip_vs_sh'];

export interface AgentStep {
  readonly ipvsadm: string;
  readonly data: Record<string, unknown>;
}

/** The agent's `@@STEP name` blocks: `ipvsadm -Ln` text and the step's JSON. */
export function parseSteps(output: readonly string[]): Map<string, AgentStep> {
  const steps = new Map<string, AgentStep>();
  let lines: string[] = [];
  for (const line of output) {
    if (line.startsWith('@@STEP ')) lines = [];
    else if (line.startsWith('@@JSON ')) {
      const j = JSON.parse(line.slice('@@JSON '.length)) as { step: string; data: Record<string, unknown> };
      steps.set(j.step, {
        ipvsadm: lines
          .map((l) => l.trimEnd())
          .join('\n')
          .trim(),
        data: j.data,
      });
    } else lines.push(line);
  }
  return steps;
}

export function vmFailure(r: VmResult): string {
  return `VM exit ${r.exitCode} timedOut=${r.timedOut}\n${r.output.join('\n')}\n--- console ---\n${r.console.slice(-4000)}`;
}

const HEADER = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn`;

const skip = vmSkipReason() ?? false;

/** Boots the VM with IPVS loaded, runs one agent scenario, and checks it finished. */
async function runAgent(scenario: 'driver' | 'keepalived', timeoutMs: number): Promise<VmResult> {
  const r = await runInVm({
    command: `node dist/test/integration/lvs/ipvs-vm-agent.js ${scenario}`,
    cwd: REPO,
    modprobe: IPVS_MODULES,
    timeoutMs,
  });
  assert.equal(r.exitCode, 0, vmFailure(r));
  assert.ok(r.output.includes('@@DONE'), vmFailure(r));
  console.log(`VM boot ${r.bootMs} ms, whole run ${r.totalMs} ms`);
  for (const l of r.output) if (l.startsWith('# ')) console.log(l.slice(2));
  return r;
}

describe('IpvsDriver on a real kernel IPVS (qemu VM)', { skip }, () => {
  test('applies a table, changes it minimally, leaves foreign services alone and stops clean', async () => {
    const r = await runAgent('driver', 240_000);
    const steps = parseSteps(r.output);
    const get = (name: string) => {
      const s = steps.get(name);
      assert.ok(s, `step ${name} missing\n${vmFailure(r)}`);
      return s;
    };
    assert.deepEqual(get('available').data, { available: true });

    // A service with the identity of one in the table but created by ipvsadm: not adopted, not changed.
    const clash = get('clash');
    assert.deepEqual(clash.data.commands, ['new service TCP 192.0.2.102:80']);
    assert.equal(clash.data.owned, 0);

    assert.equal(
      get('first').ipvsadm,
      `${HEADER}
TCP  192.0.2.100:25 rr
  -> 198.51.100.9:25              Masq    4      0          0
TCP  192.0.2.100:80 rr
  -> 198.51.100.1:8080            Masq    1      0          0
  -> 198.51.100.2:8080            Masq    1      0          0
TCP  192.0.2.101:443 wrr
  -> 198.51.100.1:443             Masq    3      0          0
  -> 198.51.100.2:443             Masq    1      0          0
  -> 198.51.100.3:443             Route   2      0          0
TCP  192.0.2.102:80 lc
UDP  [2001:db8::100]:53 wlc
  -> [2001:db8::1]:53             Masq    1      0          0
  -> [2001:db8::2]:53             Masq    2      0          0
FWM  7 sh persistent 300 mask 255.255.255.0
  -> 198.51.100.4:0               Route   1      0          0
  -> 198.51.100.5:0               Route   2      0          0`,
    );
    const first = get('first').data as {
      info: unknown;
      read: { owned: boolean; service: { stats?: unknown } }[];
    };
    assert.deepEqual(first.info, { version: '1.2.1', connTabSize: 4096 });
    assert.equal(first.read.filter((e) => e.owned).length, 4);
    assert.equal(first.read.filter((e) => !e.owned).length, 2);
    assert.ok(
      first.read.every((e) => e.service.stats !== undefined),
      'counters read back',
    );

    assert.deepEqual(get('same-again').data.commands, []);

    const second = get('second');
    assert.deepEqual(second.data.commands, [
      'set dest TCP 192.0.2.100:80 -> 198.51.100.1:8080',
      'del dest TCP 192.0.2.101:443 -> 198.51.100.2:443',
    ]);
    assert.match(second.ipvsadm, /-> 198\.51\.100\.1:8080 +Masq +5 /);
    assert.doesNotMatch(second.ipvsadm, /198\.51\.100\.2:443/);
    // Edited in place (SET_DEST), not deleted and re-added: the kernel's dest order is unchanged.
    const order = (d: Record<string, unknown>) =>
      (d.read as { service: { port?: number; address?: string }; dests: { address: string }[] }[])
        .find((e) => e.service.address === '192.0.2.100' && e.service.port === 80)
        ?.dests.map((x) => x.address);
    assert.deepEqual(order(second.data), order(first as unknown as Record<string, unknown>));

    // Counters read back over netlink are the ones ipvsadm prints (one SYN and its retransmission).
    const traffic = get('traffic').data as {
      vigilRate: string[];
      ipvsadmRate: string;
      ipvsadmStats: string;
      service: Record<string, number>;
      dests: (Record<string, number> & { a: string })[];
    };
    const statLines = traffic.ipvsadmStats.split('\n').filter((l) => /^(TCP| {2}->) /.test(l));
    const numbers = (l: string | undefined) => (l ?? '').trim().split(/\s+/).slice(-5).map(Number);
    const [svcLine, ...destLines] = statLines.filter((l) => !l.includes('RemoteAddress'));
    const pick = (s: Record<string, number> | undefined) =>
      s ? [s.conns, s.inPkts, s.outPkts, s.inBytes, s.outBytes] : [];
    assert.deepEqual(pick(traffic.service), numbers(svcLine));
    assert.equal(traffic.service.conns, 1);
    assert.ok((traffic.service.inPkts ?? 0) >= 1);
    for (const d of traffic.dests)
      assert.deepEqual(pick(d), numbers(destLines.find((l) => l.includes(`${d.a}:`))), d.a);
    assert.equal(
      traffic.dests.reduce((n, d) => n + (d.active ?? 0) + (d.inact ?? 0), 0),
      1,
    );
    // `vigil lvs --rate` (the kernel's estimates through the driver's view) prints the service and
    // real-server lines exactly as `ipvsadm -Ln --rate` does (dest order aside: ipvsadm sorts).
    const block = (text: string) => {
      const lines = text.split('\n');
      const at = lines.findIndex((l) => l.startsWith('TCP  192.0.2.100:80 '));
      const end = lines.findIndex((l, i) => i > at && !l.startsWith('  -> '));
      return at < 0 ? [] : lines.slice(at, end < 0 ? undefined : end).sort();
    };
    const want = block(traffic.ipvsadmRate);
    assert.ok(want.length >= 2, traffic.ipvsadmRate);
    assert.ok(
      traffic.vigilRate.some((v) => JSON.stringify(block(v)) === JSON.stringify(want)),
      `${traffic.ipvsadmRate}\n${traffic.vigilRate.join('\n')}`,
    );

    assert.equal(
      get('stopped').ipvsadm,
      `${HEADER}
TCP  192.0.2.100:25 rr
  -> 198.51.100.9:25              Masq    4      0          0
TCP  192.0.2.102:80 lc`,
    );

    // The daemon is SIGKILLed: its table keeps serving, and a restarted vigil (with weight 5 for the
    // server that took a connection, one server gone, one new) adopts it in place.
    const crash = get('crash').data as {
      chosen: string;
      leaving: string;
      firstTable: string;
      recorded: string;
      deadConns: Record<string, number>;
      adopted: string;
      afterConns: Record<string, number>;
      log: string;
      recordAfterStop: boolean;
      stopped: string;
    };
    assert.equal((crash.firstTable.match(/-> 198\.51\.100\.[123]:8080 +Masq +1 /g) ?? []).length, 3);
    assert.deepEqual((JSON.parse(crash.recorded) as { services: string[] }).services, [
      'ipv4 TCP 192.0.2.100:80',
    ]);
    const vipBefore = crash.deadConns['192.0.2.100:80'] ?? 0;
    assert.ok(vipBefore >= 1, 'a connection scheduled while vigil was dead');
    assert.ok(
      (crash.afterConns['192.0.2.100:80'] ?? 0) >= vipBefore,
      `the service was not created again: its counter kept ${JSON.stringify(crash)}`,
    );
    assert.ok(
      (crash.afterConns[`${crash.chosen}:8080`] ?? 0) >= 1,
      `the real server edited to weight 5 kept its counter ${JSON.stringify(crash.afterConns)}`,
    );
    assert.match(crash.adopted, new RegExp(`${crash.chosen.replaceAll('.', '\\.')}:8080 +Masq +5 `));
    assert.doesNotMatch(crash.adopted, new RegExp(`${crash.leaving.replaceAll('.', '\\.')}:8080`));
    assert.match(crash.log, /IPVS: adopting TCP 192\.0\.2\.100:80, created by a previous run of vigil/);
    // The configuration names the service ipvsadm created: still foreign, as it was.
    assert.match(crash.log, /TCP 192\.0\.2\.102:80 already exists and was not created by vigil/);
    assert.match(crash.adopted, /TCP {2}192\.0\.2\.102:80 lc\n(?! {2}->)/);
    assert.equal(crash.recordAfterStop, false, 'a clean stop removes the record');
    assert.equal(
      crash.stopped
        .split('\n')
        .map((l) => l.trimEnd())
        .join('\n')
        .trim(),
      `${HEADER}
TCP  192.0.2.100:25 rr
  -> 198.51.100.9:25              Masq    4      0          0
TCP  192.0.2.102:80 lc`,
    );
  });

  test('keepalived 2.2.7 and vigil (checker + IpvsDriver) make the same IPVS table, up and after failures', async () => {
    const r = await runAgent('keepalived', 300_000);
    const compare = parseSteps(r.output).get('compare');
    assert.ok(compare, vmFailure(r));
    const d = compare.data as Record<string, string>;
    const clean = (t: string | undefined) =>
      (t ?? '')
        .split('\n')
        .map((l) => l.trimEnd())
        .join('\n')
        .trim();
    const up = `${HEADER}
TCP  192.0.2.100:80 rr
  -> 198.51.100.1:8080            Masq    1      0          0
  -> 198.51.100.2:8080            Masq    2      0          0
TCP  192.0.2.101:443 wrr persistent 300
  -> 198.51.100.1:443             Route   3      0          0
  -> 198.51.100.3:443             Route   2      0          0
  -> 198.51.100.6:443             Tunnel  1      0          0
UDP  [2001:db8::100]:53 wlc ops
  -> [2001:db8::1]:53             Masq    1      0          0
  -> [2001:db8::2]:53             Masq    2      0          0
FWM  7 sh (sh-fallback,sh-port) persistent 600 mask 255.255.255.0 ops
  -> 198.51.100.4:0               Route   1      0          0
  -> 198.51.100.5:0               Route   2      0          0`;
    // ops: kept on UDP and fwmark, reset on TCP (by both). The real servers whose MISC_CHECK fails: removed, or weight 0 with inhibit_on_failure.
    const down = `${HEADER}
TCP  192.0.2.100:80 rr
  -> 198.51.100.1:8080            Masq    1      0          0
TCP  192.0.2.101:443 wrr persistent 300
  -> 198.51.100.1:443             Route   0      0          0
  -> 198.51.100.3:443             Route   2      0          0
  -> 198.51.100.6:443             Tunnel  1      0          0
UDP  [2001:db8::100]:53 wlc ops
  -> [2001:db8::1]:53             Masq    1      0          0
FWM  7 sh (sh-fallback,sh-port) persistent 600 mask 255.255.255.0 ops
  -> 198.51.100.4:0               Route   1      0          0`;
    assert.equal(clean(d.keepalivedUp), up);
    assert.equal(clean(d.vigilUp), clean(d.keepalivedUp));
    assert.equal(clean(d.keepalivedDown), down);
    assert.equal(clean(d.vigilDown), clean(d.keepalivedDown));
    assert.equal(clean(d.vigilStopped), HEADER);
    assert.match(d.keepalivedThresholds ?? '', /198\.51\.100\.1:8080 +100 +10 /);
    // Only the service with thresholds is compared: under TCG a slow MISC_CHECK elsewhere can
    // drop a server for a moment between the settled table and this second read.
    const thresholdService = (t: string | undefined) => clean(t).split('\n').slice(0, 6).join('\n');
    assert.equal(thresholdService(d.vigilThresholds), thresholdService(d.keepalivedThresholds));
    // lvs_method TUN type gue port 6080 csum: the tunnel options reach the kernel as keepalived's do.
    const tunLine = (t: string | undefined) =>
      clean(t)
        .split('\n')
        .find((l) => l.includes('198.51.100.6:443'));
    assert.match(tunLine(d.keepalivedTunInfo) ?? '', /GUE/i, d.keepalivedTunInfo);
    assert.equal(tunLine(d.vigilTunInfo), tunLine(d.keepalivedTunInfo));
    // `vigil lvs --tun-info` / `--thresholds` print ipvsadm's columns; the connection counts
    // (the last two) are '-' in vigil's listing, so the fields before them are compared.
    const fields = (l: string | undefined, n: number) => (l ?? '').trim().split(/\s+/).slice(0, n).join(' ');
    assert.equal(
      fields(tunLine(d.vigilLvsTunInfo), 5),
      fields(tunLine(d.keepalivedTunInfo), 5),
      d.vigilLvsTunInfo,
    );
    const rs1Line = (t: string | undefined) =>
      clean(t)
        .split('\n')
        .find((l) => l.includes('198.51.100.1:8080'));
    assert.equal(
      fields(rs1Line(d.vigilLvsThresholds), 4),
      fields(rs1Line(d.keepalivedThresholds), 4),
      d.vigilLvsThresholds,
    );
    assert.equal(clean(d.vigilLvsThresholds).split('\n')[1], clean(d.keepalivedThresholds).split('\n')[1]);
  });
});
