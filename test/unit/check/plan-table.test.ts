import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandGroupMember } from '../../../src/check/plan.js';
import { type DesiredService, diffTables } from '../../../src/check/table.js';
import { harness, planOf, vs } from './helpers.js';

test('virtual_server_group members: single, last-octet range, full range, prefix, IPv6, fwmark', () => {
  const addrs = (w: string[]) => expandGroupMember(w)?.map((s) => s.fwmark ?? `${s.address}:${s.port}`);
  assert.deepEqual(addrs(['192.0.2.1', '80']), ['192.0.2.1:80']);
  assert.deepEqual(addrs(['192.0.2.1-3', '80']), ['192.0.2.1:80', '192.0.2.2:80', '192.0.2.3:80']);
  assert.deepEqual(addrs(['192.0.2.254-192.0.3.1', '80']), [
    '192.0.2.254:80',
    '192.0.2.255:80',
    '192.0.3.0:80',
    '192.0.3.1:80',
  ]);
  assert.deepEqual(addrs(['192.0.2.8/30', '443']), [
    '192.0.2.8:443',
    '192.0.2.9:443',
    '192.0.2.10:443',
    '192.0.2.11:443',
  ]);
  assert.deepEqual(addrs(['2001:db8::fe-101', '80']), [
    '2001:db8::fe:80',
    '2001:db8::ff:80',
    '2001:db8::100:80',
    '2001:db8::101:80',
  ]);
  assert.deepEqual(expandGroupMember(['fwmark', '9', 'inet6']), [{ family: 'ipv6', fwmark: 9 }]);
  assert.equal(expandGroupMember(['not-an-address', '80']), undefined);
  assert.equal(expandGroupMember(['192.0.2.5-3', '80']), undefined);
});

test('plan: real-server ports follow keepalived; duplicates dropped; quorum and hysteresis clamped', () => {
  const p = planOf(
    vs(`  quorum 10
  hysteresis 12
  real_server 198.51.100.1 80 {
    weight 2
  }
  real_server 198.51.100.1 80 {
    weight 5
  }
  real_server 198.51.100.2 {
    weight 3
  }`),
  );
  const v = p.virtualServers[0]!;
  assert.deepEqual(
    v.realServers.map((r) => `${r.name} w${r.weight}`),
    ['[198.51.100.1]:tcp:80 w2', '[198.51.100.2]:tcp:80 w3'],
  );
  assert.deepEqual([v.quorum, v.hysteresis], [5, 4]);
  assert.ok(p.warnings.some((w) => w.includes('is duplicated')));
  const fw = planOf(`virtual_server fwmark 5 {
  lb_algo rr
  lb_kind DR
  real_server 198.51.100.1 80 {
  }
}`).virtualServers[0]!;
  assert.equal(fw.name, 'FWM 5');
  assert.equal(fw.realServers[0]!.name, '[198.51.100.1]:none:0', 'DR behind a fwmark: port cleared');
  const dr = planOf(
    vs('  real_server 198.51.100.1 8080 {\n    lvs_method DR\n  }\n  real_server 198.51.100.2 8080 {\n  }'),
  ).virtualServers[0]!;
  assert.deepEqual(
    dr.realServers.map((r) => r.port),
    [80, 8080],
    'non-NAT: the VS port; NAT keeps its own',
  );
});

const svc = (
  key: string,
  dests: [string, number][],
  scheduler: DesiredService['scheduler'] = 'rr',
): DesiredService => ({
  key,
  vs: key,
  family: 'ipv4',
  protocol: 'TCP',
  address: '192.0.2.1',
  port: 80,
  scheduler,
  dests: dests.map(([address, weight]) => ({
    family: 'ipv4',
    address,
    port: 80,
    weight,
    method: 'NAT',
    sorry: false,
  })),
});

test('diffTables: services added before their dests, dests removed before their services', () => {
  const a = {
    services: [
      svc('A', [
        ['10.0.0.1', 1],
        ['10.0.0.2', 1],
      ]),
      svc('B', [['10.0.0.9', 1]]),
    ],
  };
  const b = {
    services: [
      svc(
        'A',
        [
          ['10.0.0.1', 0],
          ['10.0.0.3', 1],
        ],
        'wrr',
      ),
      svc('C', [['10.0.0.7', 1]]),
    ],
  };
  const ops = diffTables(a, b).map(
    (c) => `${c.op} ${c.service.key}${'dest' in c ? ` ${c.dest.address}=${c.dest.weight}` : ''}`,
  );
  assert.deepEqual(ops, [
    'edit-service A',
    'del-dest A 10.0.0.2=1',
    'edit-dest A 10.0.0.1=0',
    'add-dest A 10.0.0.3=1',
    'add-service C',
    'add-dest C 10.0.0.7=1',
    'del-dest B 10.0.0.9=1',
    'del-service B',
  ]);
  assert.deepEqual(diffTables(b, b), []);
});

test('uthreshold/lthreshold reach the table; a threshold change alone edits the dest', () => {
  const h = harness(
    vs(`  real_server 198.51.100.1 80 {
    uthreshold 100
    lthreshold 10
    MISC_CHECK {
      misc_path /bin/true
    }
  }
  real_server 198.51.100.2 80 {
    MISC_CHECK {
      misc_path /bin/true
    }
  }`),
  );
  h.lc.start();
  h.run(1000);
  const t = h.lc.table();
  const dests = t.services[0]?.dests ?? [];
  assert.deepEqual(
    dests.map((d) => [d.address, d.uThreshold, d.lThreshold]),
    [
      ['198.51.100.1', 100, 10],
      ['198.51.100.2', undefined, undefined],
    ],
  );
  const [s] = t.services as [DesiredService];
  const changed = { services: [{ ...s, dests: s.dests.map((d) => ({ ...d, uThreshold: 200 })) }] };
  assert.deepEqual(
    diffTables(t, changed).map((c) => `${c.op} ${'dest' in c ? c.dest.address : ''}`),
    ['edit-dest 198.51.100.1', 'edit-dest 198.51.100.2'],
  );
});

const RS = '  real_server 198.51.100.1 80 {\n    MISC_CHECK {\n      misc_path /bin/true\n    }\n  }';

test('IPVS service flags as keepalived resolves them: sh/mh flags by scheduler, ops only for UDP or fwmark', () => {
  const plan = planOf(
    [
      vs(`  sh-port\n  sh-fallback\n  flag-3\n  ops\n${RS}`, '192.0.2.100 80').replace(
        'lb_algo rr',
        'lb_algo sh',
      ),
      vs(`  mh-port\n  sh-port\n  ops\n${RS}`, '192.0.2.101 53')
        .replace('lb_algo rr', 'lb_algo mh')
        .replace('protocol TCP', 'protocol UDP'),
      vs(`  sh-fallback\n  flag-1\n${RS}`, '192.0.2.102 80'),
      vs(`  ops\n${RS}`, 'fwmark 5'),
    ].join('\n'),
  );
  assert.deepEqual(
    plan.virtualServers.map((v) => [v.schedFlags, v.onePacket]),
    [
      [6 | 1, undefined],
      [2, true],
      [1, undefined],
      [undefined, true],
    ],
  );
  assert.ok(
    plan.warnings.includes(
      'Virtual server [192.0.2.100]:tcp:80: one packet scheduling requires UDP - resetting',
    ),
  );
  assert.ok(plan.warnings.includes('sh-fallback only applies to sh scheduler - ignoring'));
  const h = harness(plan);
  h.lc.start();
  const [tcp, udp] = h.lc.table().services as [DesiredService, DesiredService];
  assert.equal(tcp.schedFlags, 7);
  assert.equal(udp.onePacket, true);
  assert.deepEqual(
    diffTables({ services: [tcp] }, { services: [{ ...tcp, schedFlags: 2 }] }).map((c) => c.op),
    ['edit-service'],
  );
  assert.deepEqual(
    diffTables({ services: [udp] }, { services: [{ ...udp, onePacket: false }] }).map((c) => c.op),
    ['edit-service'],
  );
});

test('SMTP_CHECK host blocks: one checker per host; the SMTP_CHECK stays one only with its own connection options', () => {
  const smtp = (own: string) =>
    planOf(
      vs(`  real_server 198.51.100.1 25 {
    SMTP_CHECK {
      helo_name lb.example.com
${own}      host {
        connect_ip 198.51.100.7
        retry 3
      }
      host {
        connect_port 2525
        connect_timeout 2
      }
    }
  }`),
    );
  const view = (p: ReturnType<typeof planOf>) =>
    p.virtualServers[0]!.realServers[0]!.checkers.map((c) => ({
      to: `${c.target.address}:${c.target.port}`,
      timeout: c.connectTimeoutMs,
      retry: c.retry,
      helo: c.spec.type === 'SMTP_CHECK' ? c.spec.heloName : undefined,
    }));
  // No connection option on the SMTP_CHECK: the first host takes its place (smtp_check_end_handler).
  const hosts = smtp('');
  assert.deepEqual(view(hosts), [
    { to: '198.51.100.7:25', timeout: 5000, retry: 3, helo: 'lb.example.com' },
    { to: '198.51.100.1:2525', timeout: 2000, retry: 3, helo: 'lb.example.com' },
  ]);
  assert.ok(
    hosts.warnings.includes('The SMTP_CHECK host block is deprecated. Please define additional checkers.'),
  );
  // With one (connect_port), the SMTP_CHECK is a checker too.
  assert.deepEqual(
    view(smtp('      connect_port 587\n')).map((c) => c.to),
    ['198.51.100.1:587', '198.51.100.7:25', '198.51.100.1:2525'],
  );
});

test('global lvs_flush and lvs_flush_on_stop reach the plan (the LVS drivers read them)', () => {
  const body = `virtual_server 192.0.2.100 80 {\n  lb_algo rr\n${RS}\n}\n`;
  assert.equal(planOf(body).lvsFlush, undefined);
  assert.equal(planOf(body).lvsFlushOnStop, undefined);
  const flushing = planOf(`global_defs {\n  lvs_flush\n  lvs_flush_on_stop VS\n}\n${body}`);
  assert.equal(flushing.lvsFlush, true);
  assert.equal(flushing.lvsFlushOnStop, true);
  assert.equal(planOf(`global_defs {\n  lvs_flush_on_stop\n}\n${body}`).lvsFlushOnStop, true);
});

test('tunnel options reach the plan and the table: real servers inherit the virtual server tunnel; a change edits the dest', () => {
  const conf = vs(
    `  sorry_server 198.51.100.9 80
  sorry_server_lvs_method TUN type gre csum
  real_server 198.51.100.1 80 {
    MISC_CHECK {
      misc_path /bin/true
    }
  }
  real_server 198.51.100.2 80 {
    lvs_method TUN type gue port 6081 remcsum
    MISC_CHECK {
      misc_path /bin/true
    }
  }
  real_server 198.51.100.3 80 {
    lvs_method DR
    MISC_CHECK {
      misc_path /bin/true
    }
  }`,
  ).replace('lb_kind NAT', 'lb_kind TUN type gue port 6080');
  const plan = planOf(conf);
  const [p] = plan.virtualServers;
  assert.deepEqual(
    p!.realServers.map((r) => [r.method, r.tunnel]),
    [
      ['TUN', { type: 'gue', port: 6080, checksum: 'nocsum' }],
      ['TUN', { type: 'gue', port: 6081, checksum: 'remcsum' }],
      ['DR', undefined],
    ],
  );
  assert.deepEqual(p!.sorry?.tunnel, { type: 'gre', checksum: 'csum' });
  const h = harness(plan);
  h.lc.start();
  h.run(1000);
  const t = h.lc.table();
  const [s] = t.services as [DesiredService];
  assert.deepEqual(
    s.dests.map((d) => [d.address, d.tunnel?.type, d.tunnel?.port]),
    [
      ['198.51.100.1', 'gue', 6080],
      ['198.51.100.2', 'gue', 6081],
      ['198.51.100.3', undefined, undefined],
    ],
  );
  const edited = {
    services: [
      {
        ...s,
        dests: s.dests.map((d) =>
          d.tunnel ? { ...d, tunnel: { ...d.tunnel, checksum: 'csum' as const } } : d,
        ),
      },
    ],
  };
  assert.deepEqual(
    diffTables(t, edited).map((c) => `${c.op} ${'dest' in c ? c.dest.address : ''}`),
    ['edit-dest 198.51.100.1', 'edit-dest 198.51.100.2'],
  );
});
