/**
 * Runs INSIDE the IPVS test VM (ipvs-vm.test.ts boots it): drives the real kernel IPVS with
 * IpvsDriver and prints what `ipvsadm -Ln` and the driver's read-back show after each step, as
 * `@@STEP <name>` blocks and one `@@JSON <json>` line per step, for the host-side test to check.
 * Usage: node dist/test/integration/lvs/ipvs-vm-agent.js driver|keepalived
 */
import { execFileSync } from 'node:child_process';
import type { DesiredDest, DesiredService, DesiredTable } from '../../../src/check/table.js';
import { IpvsDriver, ipvsAvailable } from '../../../src/lvs/ipvs-driver.js';

const ipvsadm = (...args: string[]) => execFileSync('ipvsadm', args, { encoding: 'utf8' });

function step(name: string, data: unknown): void {
  console.log(`@@STEP ${name}`);
  console.log(ipvsadm('-Ln'));
  console.log(`@@JSON ${JSON.stringify({ step: name, data })}`);
}

const dest = (
  address: string,
  port: number,
  weight: number,
  method: DesiredDest['method'] = 'NAT',
): DesiredDest => ({
  family: address.includes(':') ? 'ipv6' : 'ipv4',
  address,
  port,
  weight,
  method,
  sorry: false,
});

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
        dests: [dest('198.51.100.1', 8080, 1), dest('198.51.100.2', 8080, 1)],
      }),
      svc('TCP 192.0.2.101:443', {
        protocol: 'TCP',
        address: '192.0.2.101',
        port: 443,
        scheduler: 'wrr',
        dests: [
          dest('198.51.100.1', 443, 3),
          dest('198.51.100.2', 443, 1),
          dest('198.51.100.3', 443, 2, 'DR'),
        ],
      }),
      svc('FWM 7 ipv4', {
        fwmark: 7,
        scheduler: 'sh',
        persistenceTimeoutS: 300,
        persistenceGranularity: '255.255.255.0',
        dests: [dest('198.51.100.4', 0, 1, 'DR'), dest('198.51.100.5', 0, 2, 'DR')],
      }),
      svc('UDP [2001:db8::100]:53', {
        family: 'ipv6',
        protocol: 'UDP',
        address: '2001:db8::100',
        port: 53,
        scheduler: 'wlc',
        dests: [dest('2001:db8::1', 53, 1), dest('2001:db8::2', 53, 2)],
      }),
    ],
  };
}

/** Weight 1 -> 5 for 198.51.100.1:8080, and 198.51.100.2:443 removed from the wrr service. */
export function secondTable(): DesiredTable {
  const [a, b, ...rest] = firstTable().services as [DesiredService, DesiredService, ...DesiredService[]];
  return {
    services: [
      { ...a, dests: [dest('198.51.100.1', 8080, 5), dest('198.51.100.2', 8080, 1)] },
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
        dests: [dest('198.51.100.1', 80, 1)],
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
  await driver.stop();
  step('stopped', { commands: commands.splice(0) });
}

const scenario = process.argv[2] ?? 'driver';
try {
  if (scenario === 'driver') await driverScenario();
  else throw new Error(`unknown scenario ${scenario}`);
  console.log('@@DONE');
} catch (e) {
  console.log(`@@FAIL ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
}
