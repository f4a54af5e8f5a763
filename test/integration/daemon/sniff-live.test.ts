/**
 * `vigil sniff -i` on a LAN where a keepalived and a vigil pair conflict on purpose, watched from a
 * fourth namespace:
 *   - VRID 51: the vigil pair (VIP .100, PASS "pair") and a keepalived of "another cluster" (VIP
 *     .150, PASS "other"). Each drops the other's adverts, so both are master: two masters, a VRID
 *     shared by two clusters, an auth mismatch (seed 001's FAQ: "ip address associated with VRID not
 *     present in MASTER advert");
 *   - VRID 52: vigil speaks VRRPv2, keepalived VRRPv3: two masters and a version mismatch.
 * vigil adverts every 2 s, keepalived every 1 s (an interval mismatch on VRID 51 as well): keepalived
 * 2.2.7 restarts its advert timer on each advert it rejects, so with equal intervals a keepalived
 * master can stay silent for seconds.
 * The live per-packet output must be what `-r` prints for the same packets (captured by tcpdump at
 * the same time: the kernel stamps both sockets' copies alike).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Conflict, SniffRecord, SniffSummary } from '../../../src/sniff/analyze.js';
import { commandExists, waitFor } from '../harness/topology.js';
import { createLab, type DaemonHandle, daemonSkip, type Lab, VIGIL } from './lab.js';

const skip = daemonSkip({ keepalived: true }) || (commandExists('tcpdump') ? false : 'needs tcpdump');

const GLOBAL = 'global_defs {\n  enable_script_security\n  script_user root\n}\n';

function instance(o: {
  name: string;
  vrid: number;
  priority: number;
  vip: string;
  pass?: string;
  version?: 2 | 3;
  advertInt: number;
}): string {
  return [
    `vrrp_instance ${o.name} {`,
    // Those meant to be masters start as such instead of waiting out master-down.
    ...(o.priority > 100 ? ['  state MASTER'] : []),
    '  interface eth0',
    `  virtual_router_id ${o.vrid}`,
    `  priority ${o.priority}`,
    `  advert_int ${o.advertInt}`,
    ...(o.version ? [`  version ${o.version}`] : []),
    ...(o.pass ? ['  authentication {', '    auth_type PASS', `    auth_pass ${o.pass}`, '  }'] : []),
    `  virtual_ipaddress {\n    ${o.vip}/24\n  }`,
    '}',
    '',
  ].join('\n');
}

describe('vigil sniff -i: live capture of conflicting keepalived and vigil', {
  skip,
  timeout: 90_000,
}, () => {
  let lab: Lab;
  let v1: DaemonHandle;
  let v2: DaemonHandle;
  let ka: DaemonHandle;
  const sniff = (...args: string[]) =>
    lab.topo.exec('obs', VIGIL, ['sniff', '-i', 'eth0', ...args], { timeoutMs: 20_000 });

  before(async () => {
    lab = await createLab(['v1', 'v2', 'ka', 'obs']); // .11, .12, .13, .14
    const pair = (priority: number) =>
      instance({ name: 'VI_1', vrid: 51, priority, vip: '192.0.2.100', pass: 'pair', advertInt: 2 });
    v1 = lab.start('vigil', 'v1', GLOBAL + pair(150));
    v2 = lab.start(
      'vigil',
      'v2',
      GLOBAL +
        pair(100) +
        instance({ name: 'VI_2', vrid: 52, priority: 200, vip: '192.0.2.160', version: 2, advertInt: 2 }),
    );
    ka = lab.start(
      'keepalived',
      'ka',
      GLOBAL +
        instance({ name: 'VI_A', vrid: 51, priority: 120, vip: '192.0.2.150', pass: 'other', advertInt: 1 }) +
        instance({ name: 'VI_B', vrid: 52, priority: 110, vip: '192.0.2.160', version: 3, advertInt: 1 }),
    );
    await Promise.all([
      v1.waitLog(/\(VI_1\) Entering MASTER STATE/),
      v2.waitLog(/\(VI_2\) Entering MASTER STATE/),
      ka.waitLog(/\(VI_A\) Entering MASTER STATE/),
      ka.waitLog(/\(VI_B\) Entering MASTER STATE/),
    ]);
  });
  after(() => lab?.destroy());

  test('--summary: every speaker with interval and priority, and each conflict', async () => {
    // Long enough for two adverts of each speaker (a claim to mastership is a run of adverts).
    // The table in words, from a second sniff over the same window.
    const [r, text] = await Promise.all([
      sniff('--summary', '--json', '--duration', '5'),
      sniff('--summary', '--duration', '5'),
    ]);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 1, '--summary --json prints only the summary');
    const s = (JSON.parse(lines[0]!) as { summary: SniffSummary }).summary;
    const speakers = s.speakers.map(
      (p) => `${p.src} vrid ${p.vrid} v${p.version} prio ${p.priorityMax} int ${p.adverIntCs}`,
    );
    assert.deepEqual(speakers.sort(), [
      '192.0.2.11 vrid 51 v2 prio 150 int 200',
      '192.0.2.12 vrid 52 v2 prio 200 int 200',
      '192.0.2.13 vrid 51 v2 prio 120 int 100',
      '192.0.2.13 vrid 52 v3 prio 110 int 100',
    ]);
    const on = (vrid: number, kind: Conflict['kind']) =>
      s.conflicts.find((c) => c.vrid === vrid && c.kind === kind);
    const two51 = on(51, 'multiple-masters');
    assert.ok(two51?.kind === 'multiple-masters');
    assert.deepEqual(two51.sources, ['192.0.2.11', '192.0.2.13']);
    const shared = on(51, 'shared-vrid');
    assert.ok(shared?.kind === 'shared-vrid');
    assert.deepEqual(shared.clusters.map((c) => [c.addresses, c.sources]).sort(), [
      [['192.0.2.100'], ['192.0.2.11']],
      [['192.0.2.150'], ['192.0.2.13']],
    ]);
    const auth = on(51, 'auth-mismatch');
    assert.ok(auth?.kind === 'auth-mismatch');
    assert.deepEqual(
      auth.auths.map((a) => [a.value, a.sources]),
      [
        ['PASS "other"', ['192.0.2.13']],
        ['PASS "pair"', ['192.0.2.11']],
      ],
    );
    const two52 = on(52, 'multiple-masters');
    assert.ok(two52?.kind === 'multiple-masters');
    assert.deepEqual(two52.sources, ['192.0.2.12', '192.0.2.13']);
    const version = on(52, 'version-mismatch');
    assert.ok(version?.kind === 'version-mismatch');
    assert.deepEqual(
      version.versions.map((v) => [v.value, v.sources]),
      [
        [2, ['192.0.2.12']],
        [3, ['192.0.2.13']],
      ],
    );
    const interval = on(51, 'interval-mismatch');
    assert.ok(interval?.kind === 'interval-mismatch');
    assert.deepEqual(
      interval.intervals.map((v) => [v.value, v.sources]),
      [
        [100, ['192.0.2.13']],
        [200, ['192.0.2.11']],
      ],
    );
    assert.equal(s.conflicts.length, 6, JSON.stringify(s.conflicts));
    assert.ok(!s.conflicts.some((c) => c.kind === 'address-mismatch'), 'the pair agrees on its VIPs');
    assert.match(text.stdout, /VRID 51 \(ipv4\): used by 2 clusters with no address in common/);
  });

  test('per-packet --json and text are what -r prints for the same packets', async () => {
    const pcap = join(lab.dir, 'obs.pcap');
    const dump = lab.topo.spawn('obs', 'tcpdump', ['-i', 'eth0', '-n', '-U', '-w', pcap]);
    let dumpErr = '';
    dump.stderr?.on('data', (d: Buffer) => {
      dumpErr += d.toString();
    });
    await waitFor(() => /listening on/.test(dumpErr), { timeoutMs: 10_000, message: 'tcpdump listening' });
    const live = await sniff('--json', '-c', '6');
    const lines = live.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 7, '6 packets, then the summary');
    const records = lines.slice(0, 6).map((l) => JSON.parse(l) as SniffRecord);
    assert.equal((JSON.parse(lines[6]!) as { summary: SniffSummary }).summary.vrrpPackets, 6);
    for (const rec of records) assert.match(rec.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    // tcpdump's file holds the same packets once the last one is written.
    const micro = (t: string) => `${t.slice(0, 26)}Z`; // the pcap file keeps microseconds
    const fromFile = async () => {
      const r = await lab.topo.exec('obs', VIGIL, ['sniff', '-r', pcap, '--json']);
      return r.stdout
        .trimEnd()
        .split('\n')
        .slice(0, -1)
        .map((l) => JSON.parse(l) as SniffRecord);
    };
    const last = micro(records.at(-1)!.time);
    const filed = await waitFor(
      async () => {
        const all = await fromFile();
        return all.some((p) => p.time === last) ? all : undefined;
      },
      { timeoutMs: 10_000, message: 'tcpdump wrote the packets' },
    );
    dump.kill('SIGINT');
    for (const rec of records) {
      const twin = filed.find((p) => p.time === micro(rec.time) && p.src === rec.src && p.vrid === rec.vrid);
      assert.ok(twin, `${rec.time} ${rec.src} in the tcpdump capture`);
      assert.deepEqual({ ...rec, time: micro(rec.time) }, twin);
    }
    const text = await sniff('-c', '2');
    const rows = text.stdout.split('\n');
    assert.match(
      rows[0]!,
      /^TIME\s+SRC\s+DST\s+TTL\s+VER\s+VRID\s+PRIO\s+INT\(cs\)\s+AUTH\s+ADDRESSES\s+CKSUM/,
    );
    assert.match(
      rows[1]!,
      /^\S+Z\s+192\.0\.2\.1[123]\s+224\.0\.0\.18\s+255\s+v[23]\s+5[12]\s+\d+\s+[12]00\s+/,
    );
    assert.match(text.stdout, /\nSpeakers:\n/);
    assert.match(readFileSync(pcap).subarray(0, 4).toString('hex'), /^d4c3b2a1$/);
  });
});
