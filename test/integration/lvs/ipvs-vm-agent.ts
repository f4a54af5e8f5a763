/**
 * Runs INSIDE the IPVS test VM (ipvs-vm.test.ts boots it): drives the real kernel IPVS with
 * IpvsDriver and prints what `ipvsadm -Ln` and the driver's read-back show after each step, as
 * `@@STEP <name>` blocks and one `@@JSON <json>` line per step, for the host-side test to check.
 * The driver scenario ends with the daemon itself: SIGKILLed, then restarted to adopt its table.
 * Usage: node dist/test/integration/lvs/ipvs-vm-agent.js driver|keepalived
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import { ipvsRecordPath } from '../../../src/lvs/ipvs-ownership.js';
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
  await connectOnce('192.0.2.100', 80);
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
  await crashScenario();
}

/** One TCP connection attempt (its SYN goes nowhere: the real servers are routed into a dummy). */
function connectOnce(host: string, port: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const c = connect({ host, port, timeout: 1500 });
    const done = () => {
      c.destroy();
      resolve();
    };
    c.on('timeout', done);
    c.on('error', done);
    c.on('connect', done);
  });
}

/** Polls `probe` until it returns a value, within `ms` (5 per second: the VM has one slow CPU). */
async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}:\n${ipvsadm('-Ln')}`);
    await sleep(200);
  }
}

const CRASH_VIP = '192.0.2.100:80';

/** The crash test's configuration: the VIP's real servers, and the foreign service's identity. */
const crashConf = (servers: readonly (readonly [string, number])[]) => `global_defs {
  router_id vm
}
virtual_server 192.0.2.100 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
${servers.map(([a, w]) => `  real_server ${a} 8080 {\n    weight ${w}\n  }`).join('\n')}
}
virtual_server 192.0.2.102 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 198.51.100.1 80 {
    weight 1
  }
}
`;

/**
 * Connections scheduled to the VIP, per service and real server, read over netlink (the same
 * figures as `ipvsadm -Ln --stats`, shown by the `traffic` step; no process forked per poll).
 */
async function vipConns(reader: IpvsDriver): Promise<Map<string, number>> {
  const e = (await reader.read()).find((x) => x.service.address === '192.0.2.100' && x.service.port === 80);
  const out = new Map<string, number>();
  if (e === undefined) return out;
  out.set(CRASH_VIP, e.service.stats?.conns ?? 0);
  for (const d of e.dests) out.set(`${d.address}:${d.port}`, d.stats?.conns ?? 0);
  return out;
}

/** The daemon (dist/src/cli/main.js) in the foreground, logging to its output. */
function startVigil(conf: string, pidFile: string) {
  const main = new URL('../../../src/cli/main.js', import.meta.url).pathname;
  const p = spawn(process.execPath, [main, '-n', '-l', '-f', conf, '-p', pidFile, '--lvs-driver=ipvs'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  p.stdout.on('data', (b: Buffer) => log.push(b.toString()));
  p.stderr.on('data', (b: Buffer) => log.push(b.toString()));
  const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
  return { p, exited, log: () => log.join('') };
}

/**
 * The daemon's table survives its crash and is adopted by the next one: vigil is SIGKILLed, the
 * VIP still schedules connections, and a restarted vigil with a changed configuration edits the
 * table in place (service and edited real server keep their counters) and leaves the service that
 * ipvsadm created alone although the configuration names it.
 */
async function crashScenario(): Promise<void> {
  const conf = '/tmp/vigil-crash.conf';
  const pidFile = '/tmp/vigil-crash.pid';
  const record = ipvsRecordPath(pidFile);
  const first = ['198.51.100.1', '198.51.100.2', '198.51.100.3'] as const;
  writeFileSync(conf, crashConf(first.map((a) => [a, 1] as const)));
  let t0 = Date.now();
  const one = startVigil(conf, pidFile);
  const reader = new IpvsDriver({ loadModule: false });
  await until(async () => ((await vipConns(reader)).size === 4 ? true : undefined), 'the first table');
  console.log(`# vigil start → table: ${Date.now() - t0} ms`);
  const firstTable = ipvsadm('-Ln');
  const recorded = readFileSync(record, 'utf8');
  one.p.kill('SIGKILL');
  await one.exited;

  // Dead vigil, live table: a new connection is scheduled and counted (the estimator folds the
  // per-CPU counters every 2 s).
  await connectOnce('192.0.2.100', 80);
  const dead = await until(async () => {
    const c = await vipConns(reader);
    return (c.get(CRASH_VIP) ?? 0) >= 1 ? c : undefined;
  }, 'the connection counted while vigil is dead');
  // The new configuration: the server that took the connection goes to weight 5, one of the
  // others leaves, 198.51.100.4 joins.
  const chosen = first.find((a) => (dead.get(`${a}:8080`) ?? 0) >= 1) ?? first[0];
  const leaving = first.find((a) => a !== chosen) ?? first[1];
  const kept = first.find((a) => a !== chosen && a !== leaving) ?? first[2];
  writeFileSync(
    conf,
    crashConf([
      [chosen, 5],
      [kept, 1],
      ['198.51.100.4', 1],
    ]),
  );
  t0 = Date.now();
  const two = startVigil(conf, pidFile);
  const adoptedDests = (c: Map<string, number>) => [...c.keys()].filter((k) => k !== CRASH_VIP).sort();
  const want = [`${chosen}:8080`, `${kept}:8080`, '198.51.100.4:8080'].sort().join();
  await until(
    async () => (adoptedDests(await vipConns(reader)).join() === want ? true : undefined),
    'the adopted table',
  );
  const adopted = ipvsadm('-Ln');
  console.log(`# vigil restart → adopted table: ${Date.now() - t0} ms`);
  await until(
    async () => (/IPVS: adopting/.test(two.log()) ? true : undefined),
    'the adoption logged',
    10_000,
  );
  const afterConns = await vipConns(reader);
  two.p.kill('SIGTERM');
  await two.exited;
  step('crash', {
    chosen,
    leaving,
    firstTable,
    recorded,
    deadConns: Object.fromEntries(dead),
    adopted,
    afterConns: Object.fromEntries(afterConns),
    log: two.log(),
    recordAfterStop: existsSync(record),
    stopped: ipvsadm('-Ln'),
  });
  await reader.stop(); // owns nothing: closes its socket
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
  real_server 198.51.100.6 443 {
    weight 1
    lvs_method TUN type gue port 6080 csum
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

const upReady = (t: string) =>
  t.includes('198.51.100.3:443') && t.includes('198.51.100.6:443') && t.includes('[2001:db8::2]:53');
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
  const vigilTunInfo = ipvsadm('-Ln', '--tun-info');
  // `vigil lvs --thresholds` / `--tun-info` from the driver's own view, for the same table.
  const ownView = await driver.view();
  const vigilLvsThresholds = formatLvs(ownView, { thresholds: true });
  const vigilLvsTunInfo = formatLvs(ownView, { tunInfo: true });
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
    const kTunInfo = ipvsadm('-Ln', '--tun-info');
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
      vigilTunInfo,
      keepalivedTunInfo: kTunInfo,
      vigilLvsThresholds,
      vigilLvsTunInfo,
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
