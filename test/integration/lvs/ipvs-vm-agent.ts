/**
 * Runs INSIDE the IPVS test VM (ipvs-vm.test.ts boots it): drives the real kernel IPVS with
 * IpvsDriver and prints what `ipvsadm -Ln` and the driver's read-back show after each step, as
 * `@@STEP <name>` blocks and one `@@JSON <json>` line per step, for the host-side test to check.
 * Usage: node dist/test/integration/lvs/ipvs-vm-agent.js driver|keepalived
 */
import { execFileSync, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultRegistry } from '../../../src/check/registry.js';
import { CheckerService } from '../../../src/check/service.js';
import type { DesiredService, DesiredTable } from '../../../src/check/table.js';
import { daemonVerdict } from '../../../src/config/daemon-verdict.js';
import { fsConfigSource } from '../../../src/config/fs-source.js';
import { readHostFacts } from '../../../src/config/host-facts.js';
import { loadConfig } from '../../../src/config/load.js';
import { checkPlan } from '../../../src/daemon/daemon.js';
import { formatLvs } from '../../../src/lvs/format.js';
import { IpvsDriver, ipvsAvailable } from '../../../src/lvs/ipvs-driver.js';
import { dest } from '../../lvs-fixtures.js';

const ipvsadm = (...args: string[]) => execFileSync('ipvsadm', args, { encoding: 'utf8' });
const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8' });

function step(name: string, data: unknown): void {
  console.log(`@@STEP ${name}`);
  console.log(ipvsadm('-Ln'));
  console.log(`@@JSON ${JSON.stringify({ step: name, data })}`);
}

function svc(
  key: string,
  rest: Omit<DesiredService, 'key' | 'vs' | 'family'> & { family?: DesiredService['family'] },
): DesiredService {
  return { key, vs: key, family: rest.family ?? 'ipv4', ...rest };
}

/** The table of the driver test: rr NAT, wrr with weights and a DR dest, fwmark persistent, IPv6 UDP. */
export function firstTable(): DesiredTable {
  return {
    services: [
      svc('TCP 192.0.2.100:80', {
        protocol: 'TCP',
        address: '192.0.2.100',
        port: 80,
        scheduler: 'rr',
        dests: [dest('198.51.100.1', 1, 8080), dest('198.51.100.2', 1, 8080)],
      }),
      svc('TCP 192.0.2.101:443', {
        protocol: 'TCP',
        address: '192.0.2.101',
        port: 443,
        scheduler: 'wrr',
        dests: [
          dest('198.51.100.1', 3, 443),
          dest('198.51.100.2', 1, 443),
          dest('198.51.100.3', 2, 443, 'DR'),
        ],
      }),
      svc('FWM 7 ipv4', {
        fwmark: 7,
        scheduler: 'sh',
        persistenceTimeoutS: 300,
        persistenceGranularity: '255.255.255.0',
        dests: [dest('198.51.100.4', 1, 0, 'DR'), dest('198.51.100.5', 2, 0, 'DR')],
      }),
      svc('UDP [2001:db8::100]:53', {
        family: 'ipv6',
        protocol: 'UDP',
        address: '2001:db8::100',
        port: 53,
        scheduler: 'wlc',
        dests: [dest('2001:db8::1', 1, 53), dest('2001:db8::2', 2, 53)],
      }),
    ],
  };
}

/** Weight 1 -> 5 for 198.51.100.1:8080, and 198.51.100.2:443 removed from the wrr service. */
export function secondTable(): DesiredTable {
  const [a, b, ...rest] = firstTable().services as [DesiredService, DesiredService, ...DesiredService[]];
  return {
    services: [
      { ...a, dests: [dest('198.51.100.1', 5, 8080), dest('198.51.100.2', 1, 8080)] },
      { ...b, dests: b.dests.filter((d) => d.address !== '198.51.100.2') },
      ...rest,
    ],
  };
}

async function driverScenario(): Promise<void> {
  const commands: string[] = [];
  const driver = new IpvsDriver({ trace: (c) => commands.push(c), log: (l) => console.log(`log: ${l}`) });
  step('available', { available: await ipvsAvailable() });
  // A service vigil did not create, with the same address as one of ours on another port.
  ipvsadm('-A', '-t', '192.0.2.100:25', '-s', 'rr');
  ipvsadm('-a', '-t', '192.0.2.100:25', '-r', '198.51.100.9:25', '-m', '-w', '4');
  // ...and one with the identity of a service in the table: vigil must leave it alone.
  ipvsadm('-A', '-t', '192.0.2.102:80', '-s', 'lc');
  const clash: DesiredTable = {
    services: [
      svc('TCP 192.0.2.102:80', {
        protocol: 'TCP',
        address: '192.0.2.102',
        port: 80,
        scheduler: 'rr',
        dests: [dest('198.51.100.1', 1, 80)],
      }),
    ],
  };
  let clashError = '';
  await driver.apply(clash).catch((e: Error) => {
    clashError = e.message;
  });
  step('clash', { commands: commands.splice(0), clashError, owned: driver.current().services.length });

  await driver.apply(firstTable());
  step('first', { commands: commands.splice(0), read: await driver.read(), info: await driver.info() });
  await driver.apply(firstTable());
  step('same-again', { commands: commands.splice(0) });
  await driver.apply(secondTable());
  step('second', { commands: commands.splice(0), read: await driver.read() });
  // Counters: one TCP connection attempt to the VIP (on a dummy interface; the real servers are
  // routed into the dummy, so the SYN goes nowhere) is scheduled and counted.
  ip('link', 'add', 'vg0', 'type', 'dummy');
  ip('addr', 'add', '192.0.2.100/32', 'dev', 'vg0');
  ip('link', 'set', 'vg0', 'up');
  ip('route', 'add', '198.51.100.0/24', 'dev', 'vg0');
  await new Promise<void>((resolve) => {
    const c = connect({ host: '192.0.2.100', port: 80, timeout: 1500 });
    const done = () => {
      c.destroy();
      resolve();
    };
    c.on('timeout', done);
    c.on('error', done);
    c.on('connect', done);
  });
  // The kernel folds its per-CPU counters into what it reports every 2 s (ip_vs_est.c).
  await sleep(4000);
  const counted = (await driver.read()).find(
    (e) => e.service.address === '192.0.2.100' && e.service.port === 80,
  );
  // `vigil lvs --rate` from the driver's view, and ipvsadm's own --rate around it (the estimator
  // may tick in between: the test accepts a match with either).
  const rateLines = async () => formatLvs(await driver.view(), { rate: true });
  const vigilRate = [await rateLines()];
  const ipvsadmRate = ipvsadm('-Ln', '--rate', '-t', '192.0.2.100:80');
  vigilRate.push(await rateLines());
  step('traffic', {
    vigilRate,
    ipvsadmRate,
    ipvsadmStats: ipvsadm('-Ln', '--stats', '--exact', '-t', '192.0.2.100:80'),
    service: counted?.service.stats,
    dests: counted?.dests.map((d) => ({
      a: d.address,
      ...d.stats,
      active: d.activeConns,
      inact: d.inactConns,
    })),
  });
  await driver.stop();
  step('stopped', { commands: commands.splice(0) });
}

const DOWN_FILE = '/tmp/vigil-rs-down';
const FAILS = `"/usr/bin/test ! -e ${DOWN_FILE}"`;

/** One virtual_server per service kind of the driver test, checked by MISC_CHECKs that run in the VM. */
export const KEEPALIVED_CONF = `global_defs {
  router_id vm
  script_user root
  enable_script_security
}
virtual_server 192.0.2.100 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  ops
  real_server 198.51.100.1 8080 {
    weight 1
    uthreshold 100
    lthreshold 10
    MISC_CHECK {
      misc_path /bin/true
    }
  }
  real_server 198.51.100.2 8080 {
    weight 2
    MISC_CHECK {
      misc_path ${FAILS}
    }
  }
  real_server 198.51.100.3 8080 {
    weight 3
    alpha
    MISC_CHECK {
      misc_path /bin/false
    }
  }
}
virtual_server 192.0.2.101 443 {
  delay_loop 1
  lb_algo wrr
  lb_kind DR
  protocol TCP
  persistence_timeout 300
  real_server 198.51.100.1 443 {
    weight 3
    inhibit_on_failure
    MISC_CHECK {
      misc_path ${FAILS}
    }
  }
  real_server 198.51.100.3 443 {
    weight 2
    alpha
    MISC_CHECK {
      misc_path /bin/true
    }
  }
}
virtual_server fwmark 7 {
  delay_loop 1
  lb_algo sh
  sh-port
  sh-fallback
  ops
  lb_kind DR
  persistence_timeout 600
  persistence_granularity 255.255.255.0
  real_server 198.51.100.4 {
    weight 1
    MISC_CHECK {
      misc_path /bin/true
    }
  }
  real_server 198.51.100.5 {
    weight 2
    MISC_CHECK {
      misc_path ${FAILS}
    }
  }
}
virtual_server 2001:db8::100 53 {
  delay_loop 1
  lb_algo wlc
  lb_kind NAT
  protocol UDP
  ops
  real_server 2001:db8::1 53 {
    weight 1
    MISC_CHECK {
      misc_path /bin/true
    }
  }
  real_server 2001:db8::2 53 {
    weight 2
    MISC_CHECK {
      misc_path ${FAILS}
    }
  }
}
`;

/** `ipvsadm -Ln` once `ready` holds and the table has not changed for `stableMs`. */
async function settled(ready: (t: string) => boolean, stableMs = 3000, limitMs = 90_000): Promise<string> {
  const end = Date.now() + limitMs;
  let last = '';
  let since = Date.now();
  for (;;) {
    const t = ipvsadm('-Ln');
    if (t !== last) {
      last = t;
      since = Date.now();
    }
    if (ready(t) && Date.now() - since >= stableMs) return t;
    if (Date.now() > end) throw new Error(`IPVS table did not settle:\n${t}`);
    await sleep(250);
  }
}

const upReady = (t: string) => t.includes('198.51.100.3:443') && t.includes('[2001:db8::2]:53');
const downReady = (t: string) => !t.includes('[2001:db8::2]:53') && /198\.51\.100\.1:443 +Route +0 /.test(t);

/** The same config under vigil (checker + IpvsDriver) and under keepalived -C; the tables compared. */
async function keepalivedScenario(): Promise<void> {
  const conf = '/tmp/vigil-lvs.conf';
  writeFileSync(conf, KEEPALIVED_CONF);
  rmSync(DOWN_FILE, { force: true });

  const r = loadConfig(conf, { configId: 'vm', source: fsConfigSource(), host: readHostFacts() });
  // The daemon's verdict, not -t's: keepalived's daemon runs this config (ops on TCP is reset, as
  // `keepalived -t` reports), so vigil's must too.
  if (r.model === undefined || !daemonVerdict(r.diagnostics, true).run)
    throw new Error(`vigil rejects the config: ${JSON.stringify(r.diagnostics)}`);
  const driver = new IpvsDriver({ log: (l) => console.log(`vigil: ${l}`) });
  const service = new CheckerService(checkPlan(r.model), {
    registry: defaultRegistry,
    driver,
    emit: (e) => {
      if (e.type === 'log') console.log(`vigil: ${e.message}`);
    },
  });
  let t0 = Date.now();
  service.start();
  const vigilUp = await settled(upReady);
  const vigilThresholds = ipvsadm('-Ln', '--thresholds');
  console.log(`# vigil up after ${Date.now() - t0} ms`);
  writeFileSync(DOWN_FILE, '');
  t0 = Date.now();
  const vigilDown = await settled(downReady);
  console.log(`# vigil down after ${Date.now() - t0} ms`);
  await service.stop();
  const vigilStopped = ipvsadm('-Ln');
  rmSync(DOWN_FILE, { force: true });

  const k = spawn(
    'keepalived',
    ['-n', '-l', '-C', '-f', conf, '-p', '/run/keepalived/k.pid', '-c', '/run/keepalived/c.pid'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keepalivedLog: string[] = [];
  k.stdout.on('data', (b: Buffer) => keepalivedLog.push(b.toString()));
  k.stderr.on('data', (b: Buffer) => keepalivedLog.push(b.toString()));
  try {
    t0 = Date.now();
    const kUp = await settled(upReady);
    const kThresholds = ipvsadm('-Ln', '--thresholds');
    console.log(`# keepalived up after ${Date.now() - t0} ms`);
    writeFileSync(DOWN_FILE, '');
    t0 = Date.now();
    const kDown = await settled(downReady);
    console.log(`# keepalived down after ${Date.now() - t0} ms`);
    step('compare', {
      vigilUp,
      vigilDown,
      vigilStopped,
      keepalivedUp: kUp,
      keepalivedDown: kDown,
      vigilThresholds,
      keepalivedThresholds: kThresholds,
    });
  } finally {
    k.kill('SIGTERM');
    await new Promise((resolve) => k.once('exit', resolve));
    console.log(keepalivedLog.join('').split('\n').slice(-15).join('\n'));
  }
  step('keepalived-stopped', {});
}

const scenario = process.argv[2] ?? 'driver';
try {
  if (scenario === 'driver') await driverScenario();
  else if (scenario === 'keepalived') await keepalivedScenario();
  else throw new Error(`unknown scenario ${scenario}`);
  console.log('@@DONE');
} catch (e) {
  console.log(`@@FAIL ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
}
