import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { test } from 'node:test';
import type { DesiredDest, DesiredService, DesiredTable } from '../../../src/check/table.js';
import type { GenlRequest } from '../../../src/kernel/genetlink-codec.js';
import { NetlinkError } from '../../../src/kernel/netlink.js';
import { type IpvsService, TUN_F } from '../../../src/lvs/ipvs-codec.js';
import {
  adoptedDest,
  type GenlTransport,
  IpvsDriver,
  toIpvsDest,
  toIpvsService,
} from '../../../src/lvs/ipvs-driver.js';
import { fakeIpvs, memoryRecord } from './fake-ipvs.js';

const dest = (address: string, weight: number): DesiredDest => ({
  family: 'ipv4',
  address,
  port: 80,
  weight,
  method: 'NAT',
  sorry: false,
});
const service = (addr: string, dests: DesiredDest[]): DesiredService => ({
  key: `TCP ${addr}:80`,
  vs: `[${addr}]:tcp:80`,
  family: 'ipv4',
  protocol: 'TCP',
  address: addr,
  port: 80,
  scheduler: 'wlc',
  dests,
});
const table = (...services: DesiredService[]): DesiredTable => ({ services });

/** A kernel stand-in: answers requests by `refuse(command)` (an errno name, or undefined = ok). */
function fakeKernel(refuse: (command: string) => string | undefined = () => undefined) {
  const sent: string[] = [];
  let current = '';
  const transport: GenlTransport = {
    family: async () => ({ id: 0x20, name: 'IPVS', version: 1, hdrSize: 0, maxAttr: 4 }),
    request: async (operation: string, _r: GenlRequest) => {
      current = operation;
      sent.push(operation);
      const code = refuse(current);
      if (code !== undefined)
        throw new NetlinkError(operation, constants.errno[code as keyof typeof constants.errno]);
      return [];
    },
    dump: async () => [],
    close: () => {},
  };
  return { sent, transport };
}

test('apply sends only the difference; the same table again sends nothing', async () => {
  const k = fakeKernel();
  const d = new IpvsDriver({ transport: () => k.transport });
  await d.apply(table(service('192.0.2.100', [dest('198.51.100.1', 1), dest('198.51.100.2', 1)])));
  assert.deepEqual(k.sent.splice(0), [
    'new service TCP 192.0.2.100:80',
    'new dest TCP 192.0.2.100:80 -> 198.51.100.1:80',
    'new dest TCP 192.0.2.100:80 -> 198.51.100.2:80',
  ]);
  await d.apply(table(service('192.0.2.100', [dest('198.51.100.1', 1), dest('198.51.100.2', 1)])));
  assert.deepEqual(k.sent.splice(0), []);
  await d.apply(table(service('192.0.2.100', [dest('198.51.100.1', 0)])));
  assert.deepEqual(k.sent.splice(0), [
    'del dest TCP 192.0.2.100:80 -> 198.51.100.2:80',
    'set dest TCP 192.0.2.100:80 -> 198.51.100.1:80',
  ]);
  await d.apply(table({ ...service('192.0.2.100', [dest('198.51.100.1', 0)]), scheduler: 'rr' }));
  assert.deepEqual(k.sent.splice(0), ['set service TCP 192.0.2.100:80']);
  await d.stop();
  assert.deepEqual(k.sent.splice(0), [
    'del dest TCP 192.0.2.100:80 -> 198.51.100.1:80',
    'del service TCP 192.0.2.100:80',
  ]);
});

test('a service that already exists is not ours: no dests added, never changed or removed, retried later', async () => {
  let foreign = true;
  const k = fakeKernel((c) => (foreign && c === 'new service TCP 192.0.2.100:80' ? 'EEXIST' : undefined));
  const logs: string[] = [];
  const d = new IpvsDriver({ transport: () => k.transport, log: (l) => logs.push(l) });
  await d.apply(table(service('192.0.2.100', [dest('198.51.100.1', 1)]), service('192.0.2.101', [])));
  assert.deepEqual(k.sent.splice(0), ['new service TCP 192.0.2.100:80', 'new service TCP 192.0.2.101:80']);
  assert.match(logs.join('\n'), /192\.0\.2\.100:80 already exists and was not created by vigil/);
  assert.deepEqual(
    d.current().services.map((s) => s.key),
    ['TCP 192.0.2.101:80'],
  );
  await d.stop();
  assert.deepEqual(k.sent.splice(0), ['del service TCP 192.0.2.101:80']);
  // Once the foreign service is gone, the next apply takes the address.
  foreign = false;
  await d.apply(table(service('192.0.2.100', [dest('198.51.100.1', 1)])));
  assert.deepEqual(k.sent.splice(0), [
    'new service TCP 192.0.2.100:80',
    'new dest TCP 192.0.2.100:80 -> 198.51.100.1:80',
  ]);
});

test("keepalived's error rules: EEXIST on a new dest and ENOENT on deletes are success; ENOENT on set adds", async () => {
  const k = fakeKernel((c) => {
    if (c.startsWith('new dest') && c.endsWith('.1:80')) return 'EEXIST';
    if (c.startsWith('set dest')) return 'ENOENT';
    if (c.startsWith('del')) return c.includes('service') ? 'ESRCH' : 'ENOENT';
    return undefined;
  });
  const d = new IpvsDriver({ transport: () => k.transport });
  await d.apply(table(service('192.0.2.100', [dest('198.51.100.1', 1), dest('198.51.100.2', 1)])));
  await d.apply(table(service('192.0.2.100', [dest('198.51.100.1', 3)])));
  assert.deepEqual(k.sent.slice(3), [
    'del dest TCP 192.0.2.100:80 -> 198.51.100.2:80',
    'set dest TCP 192.0.2.100:80 -> 198.51.100.1:80',
    'new dest TCP 192.0.2.100:80 -> 198.51.100.1:80',
  ]);
  await d.stop();
  assert.equal(d.current().services.length, 0);
});

test('a failed command rejects apply, the others still run, and the next apply retries it', async () => {
  let broken = true;
  const k = fakeKernel((c) => (broken && c.endsWith('-> 198.51.100.1:80') ? 'EINVAL' : undefined));
  const d = new IpvsDriver({ transport: () => k.transport });
  const t = table(service('192.0.2.100', [dest('198.51.100.1', 1), dest('198.51.100.2', 1)]));
  await assert.rejects(d.apply(t), (e: Error) => e instanceof NetlinkError && e.code === 'EINVAL');
  assert.deepEqual(
    d.current().services[0]?.dests.map((x) => x.address),
    ['198.51.100.2'],
  );
  broken = false;
  k.sent.splice(0);
  await d.apply(t);
  assert.deepEqual(k.sent, ['new dest TCP 192.0.2.100:80 -> 198.51.100.1:80']);
});

test('a service that cannot be added takes no dests; the family missing is an error', async () => {
  const k = fakeKernel((c) => (c.startsWith('new service') ? 'ENOENT' : undefined));
  const d = new IpvsDriver({ transport: () => k.transport });
  await assert.rejects(d.apply(table(service('192.0.2.100', [dest('198.51.100.1', 1)]))));
  assert.deepEqual(k.sent, ['new service TCP 192.0.2.100:80']);
  const none = new IpvsDriver({
    loadModule: false,
    transport: () => ({ ...fakeKernel().transport, family: async () => undefined }),
  });
  await assert.rejects(none.apply(table()), /no IPVS generic-netlink family/);
  await assert.rejects(none.apply(table()), /no IPVS generic-netlink family/);
});

test('desired dests carry their method, weight and thresholds (0 when absent)', () => {
  assert.deepEqual(
    toIpvsDest({ ...dest('198.51.100.1', 3), method: 'DR', uThreshold: 100, lThreshold: 10 }),
    {
      family: 'ipv4',
      address: '198.51.100.1',
      port: 80,
      method: 'DR',
      weight: 3,
      uThreshold: 100,
      lThreshold: 10,
    },
  );
  assert.equal(toIpvsDest(dest('198.51.100.1', 3)).uThreshold, 0);
});

test('a TUN dest carries its tunnel type, GUE port and checksum flag; a kernel dest reads back the same', () => {
  const gue = toIpvsDest({
    ...dest('198.51.100.1', 1),
    method: 'TUN',
    tunnel: { type: 'gue', port: 6080, checksum: 'remcsum' },
  });
  assert.deepEqual([gue.tunType, gue.tunPort, gue.tunFlags], ['gue', 6080, TUN_F.REMCSUM]);
  const gre = toIpvsDest({
    ...dest('198.51.100.1', 1),
    method: 'TUN',
    tunnel: { type: 'gre', checksum: 'csum' },
  });
  assert.deepEqual([gre.tunType, gre.tunPort, gre.tunFlags], ['gre', undefined, TUN_F.CSUM]);
  // No tunnel written: ipip (the codec's default); a NAT dest never carries one.
  assert.equal(toIpvsDest({ ...dest('198.51.100.1', 1), method: 'TUN' }).tunType, undefined);
  assert.equal(
    toIpvsDest({ ...dest('198.51.100.1', 1), tunnel: { type: 'gue', port: 1, checksum: 'nocsum' } }).tunType,
    undefined,
  );
  assert.deepEqual(adoptedDest({ ...gue, tunType: 'gue', tunPort: 6080 }).tunnel, {
    type: 'gue',
    port: 6080,
    checksum: 'remcsum',
  });
});

test('desired services become keepalived-shaped kernel services', () => {
  assert.deepEqual(toIpvsService(service('192.0.2.100', [])), {
    family: 'ipv4',
    protocol: 'TCP',
    address: '192.0.2.100',
    port: 80,
    scheduler: 'wlc',
    flags: 0,
    timeoutS: 0,
    netmask: '255.255.255.255',
  });
  assert.deepEqual(
    toIpvsService({
      key: 'FWM 3 ipv6',
      vs: 'FWM 3',
      family: 'ipv6',
      fwmark: 3,
      scheduler: 'rr',
      persistenceTimeoutS: 360,
      persistenceGranularity: '/64',
      persistenceEngine: 'sip',
      dests: [],
    }),
    { family: 'ipv6', fwmark: 3, scheduler: 'rr', flags: 1, timeoutS: 360, netmask: '64', peName: 'sip' },
  );
  const flagged = toIpvsService({
    ...service('192.0.2.100', []),
    protocol: 'UDP',
    schedFlags: 7,
    onePacket: true,
  });
  assert.equal(flagged.flags, 0x4 | 0x8 | 0x10 | 0x20);
  assert.equal(toIpvsService({ ...service('192.0.2.100', []), schedFlags: 2 }).flags, 0x10);
});

test('lvs_flush: the first apply deletes only the services its table names, then owns them', async () => {
  // A previous run left 192.0.2.100:80; 192.0.2.101:80 is absent (ENOENT); nothing else is named.
  const k = fakeKernel((c) => (c === 'del service TCP 192.0.2.101:80' ? 'ENOENT' : undefined));
  const d = new IpvsDriver({ transport: () => k.transport, flushAtStart: true });
  const t = table(service('192.0.2.100', [dest('198.51.100.1', 1)]), service('192.0.2.101', []));
  await d.apply(t);
  assert.deepEqual(k.sent.splice(0), [
    'del service TCP 192.0.2.100:80',
    'del service TCP 192.0.2.101:80',
    'new service TCP 192.0.2.100:80',
    'new dest TCP 192.0.2.100:80 -> 198.51.100.1:80',
    'new service TCP 192.0.2.101:80',
  ]);
  await d.apply(table(service('192.0.2.100', [dest('198.51.100.1', 1)])));
  assert.deepEqual(k.sent.splice(0), ['del service TCP 192.0.2.101:80'], 'once, at start');
});

test('lvs_flush_on_stop: stop deletes each own service at once (the kernel drops its dests)', async () => {
  const k = fakeKernel();
  const d = new IpvsDriver({ transport: () => k.transport, flushOnStop: true });
  await d.apply(table(service('192.0.2.100', [dest('198.51.100.1', 1), dest('198.51.100.2', 1)])));
  k.sent.splice(0);
  await d.stop();
  assert.deepEqual(k.sent.splice(0), ['del service TCP 192.0.2.100:80']);
  assert.deepEqual(d.current(), { services: [] });
});

const kernelService = (address: string, scheduler = 'wlc'): IpvsService => ({
  family: 'ipv4',
  protocol: 'TCP',
  address,
  port: 80,
  scheduler,
  flags: 0,
  timeoutS: 0,
  netmask: '255.255.255.255',
});
const serials = (k: ReturnType<typeof fakeIpvs>, id: string) => {
  const s = k.table.get(id);
  return s && { service: s.serial, dests: Object.fromEntries([...s.dests].map(([a, d]) => [a, d.serial])) };
};

test('a restarted driver adopts the services its record names: none deleted or created, real servers diffed', async () => {
  const k = fakeIpvs();
  const record = memoryRecord();
  let recordAtCreate: readonly string[] = [];
  const transport = {
    ...k.transport,
    request: (op: string, r: GenlRequest) => {
      if (op === 'new service TCP 192.0.2.101:80') recordAtCreate = record.ids;
      return k.transport.request(op, r);
    },
  };
  const first = new IpvsDriver({ transport: () => transport, ownership: record });
  const a = (dests: DesiredDest[]) => service('192.0.2.100', dests);
  await first.apply(
    table(
      a([dest('198.51.100.1', 1), dest('198.51.100.2', 1), dest('198.51.100.3', 1)]),
      service('192.0.2.101', [dest('198.51.100.1', 1)]),
    ),
  );
  assert.deepEqual(
    recordAtCreate,
    ['ipv4 TCP 192.0.2.100:80', 'ipv4 TCP 192.0.2.101:80'],
    'recorded before NEW_SERVICE',
  );
  assert.deepEqual(record.ids, ['ipv4 TCP 192.0.2.100:80', 'ipv4 TCP 192.0.2.101:80']);
  // ipvsadm adds a service that the next configuration names too: it stays foreign.
  k.add(kernelService('192.0.2.102', 'lc'));
  const before = serials(k, 'ipv4 TCP 192.0.2.100:80');

  // The first driver crashes (no stop); a new one starts with a changed table.
  k.sent.splice(0);
  const logs: string[] = [];
  let recordAtClash: readonly string[] | undefined;
  const second = new IpvsDriver({
    transport: () => ({
      ...k.transport,
      request: (op: string, r: GenlRequest) => {
        if (op === 'new service TCP 192.0.2.102:80') recordAtClash = record.ids;
        return k.transport.request(op, r);
      },
    }),
    ownership: record,
    log: (l) => logs.push(l),
  });
  await second.apply(
    table(
      a([dest('198.51.100.1', 5), dest('198.51.100.2', 1), dest('198.51.100.4', 1)]),
      service('192.0.2.102', []),
    ),
  );
  assert.deepEqual(k.sent, [
    'del dest TCP 192.0.2.100:80 -> 198.51.100.3:80',
    'set dest TCP 192.0.2.100:80 -> 198.51.100.1:80',
    'new dest TCP 192.0.2.100:80 -> 198.51.100.4:80',
    'new service TCP 192.0.2.102:80',
    'del dest TCP 192.0.2.101:80 -> 198.51.100.1:80',
    'del service TCP 192.0.2.101:80',
  ]);
  assert.match(
    logs.join('\n'),
    /adopting TCP 192\.0\.2\.100:80, TCP 192\.0\.2\.101:80, created by a previous run/,
  );
  const after = serials(k, 'ipv4 TCP 192.0.2.100:80');
  assert.equal(after?.service, before?.service, 'the service was not created again');
  assert.equal(after?.dests['198.51.100.1:80'], before?.dests['198.51.100.1:80'], 'edited in place');
  assert.equal(after?.dests['198.51.100.2:80'], before?.dests['198.51.100.2:80']);
  assert.equal(k.table.get('ipv4 TCP 192.0.2.100:80')?.dests.get('198.51.100.1:80')?.weight, 5);
  assert.equal(
    k.table.get('ipv4 TCP 192.0.2.102:80')?.service.scheduler,
    'lc',
    'the foreign service untouched',
  );
  assert.deepEqual(record.ids, ['ipv4 TCP 192.0.2.100:80'], 'the foreign clash is not recorded');
  // Not even ahead of its NEW_SERVICE: a crash at the EEXIST must not leave it recorded.
  assert.ok(recordAtClash !== undefined && !recordAtClash.includes('ipv4 TCP 192.0.2.102:80'));
  assert.deepEqual(
    second.current().services.map((s) => s.key),
    ['TCP 192.0.2.100:80'],
  );

  await second.stop();
  assert.deepEqual([...k.table.keys()], ['ipv4 TCP 192.0.2.102:80']);
  assert.deepEqual(record.ids, []);
});

test('adoption edits settings that differ; a recorded service the kernel lost is forgotten; others stay foreign', async () => {
  const k = fakeIpvs();
  k.add(kernelService('192.0.2.100', 'rr'), [toIpvsDest(dest('198.51.100.1', 1))]);
  k.add(kernelService('192.0.2.103'), [toIpvsDest(dest('198.51.100.9', 1))]); // not recorded
  const record = memoryRecord(['ipv4 TCP 192.0.2.100:80', 'ipv4 FWM 9']);
  const d = new IpvsDriver({ transport: () => k.transport, ownership: record });
  await d.apply(table(service('192.0.2.100', [dest('198.51.100.1', 1)])));
  assert.deepEqual(k.sent, ['set service TCP 192.0.2.100:80']);
  assert.equal(k.table.get('ipv4 TCP 192.0.2.100:80')?.service.scheduler, 'wlc');
  assert.deepEqual(record.ids, ['ipv4 TCP 192.0.2.100:80']);
  await d.stop();
  assert.deepEqual([...k.table.keys()], ['ipv4 TCP 192.0.2.103:80']);
});

test('adoption that cannot read the kernel creates nothing; the next apply adopts', async () => {
  const k = fakeIpvs();
  k.add(kernelService('192.0.2.100'), [toIpvsDest(dest('198.51.100.1', 1))]);
  let broken = true;
  const transport = {
    ...k.transport,
    dump: (op: string, r: GenlRequest) =>
      broken ? Promise.reject(new Error('dump failed')) : k.transport.dump(op, r),
  };
  const d = new IpvsDriver({
    transport: () => transport,
    ownership: memoryRecord(['ipv4 TCP 192.0.2.100:80']),
  });
  const t = table(service('192.0.2.100', [dest('198.51.100.1', 2)]));
  await assert.rejects(d.apply(t), /dump failed/);
  assert.deepEqual(k.sent, []);
  broken = false;
  await d.apply(t);
  assert.deepEqual(k.sent, ['set dest TCP 192.0.2.100:80 -> 198.51.100.1:80']);
});

test('lvs_flush with a record: the recorded services are deleted too, then the table is created afresh', async () => {
  const k = fakeIpvs();
  k.add(kernelService('192.0.2.100'), [toIpvsDest(dest('198.51.100.1', 1))]);
  k.add(kernelService('192.0.2.101'));
  k.add(kernelService('192.0.2.103')); // foreign
  const record = memoryRecord(['ipv4 TCP 192.0.2.100:80', 'ipv4 TCP 192.0.2.101:80']);
  const d = new IpvsDriver({ transport: () => k.transport, ownership: record, flushAtStart: true });
  await d.apply(table(service('192.0.2.100', [dest('198.51.100.1', 1)])));
  assert.deepEqual(k.sent, [
    'del service TCP 192.0.2.100:80',
    'del service TCP 192.0.2.101:80',
    'new service TCP 192.0.2.100:80',
    'new dest TCP 192.0.2.100:80 -> 198.51.100.1:80',
  ]);
  assert.deepEqual([...k.table.keys()].sort(), ['ipv4 TCP 192.0.2.100:80', 'ipv4 TCP 192.0.2.103:80']);
  assert.deepEqual(record.ids, ['ipv4 TCP 192.0.2.100:80']);
});

test('an adopted service whose settings cannot be edited is still adopted, and edited again later', async () => {
  const k = fakeIpvs();
  k.add(kernelService('192.0.2.100', 'rr'));
  let refuse = true;
  const transport = {
    ...k.transport,
    request: (op: string, r: GenlRequest) =>
      refuse && op.startsWith('set service')
        ? Promise.reject(new NetlinkError(op, constants.errno.EINVAL))
        : k.transport.request(op, r),
  };
  const d = new IpvsDriver({
    transport: () => transport,
    ownership: memoryRecord(['ipv4 TCP 192.0.2.100:80']),
  });
  const t = table(service('192.0.2.100', []));
  await assert.rejects(d.apply(t));
  assert.ok(!k.sent.some((c) => c.startsWith('new service') || c.startsWith('del service')));
  refuse = false;
  await d.apply(t);
  assert.equal(k.table.get('ipv4 TCP 192.0.2.100:80')?.service.scheduler, 'wlc');
  await d.apply(t);
  assert.deepEqual(k.sent.slice(-1), ['set service TCP 192.0.2.100:80'], 'once edited, nothing more to send');
});
