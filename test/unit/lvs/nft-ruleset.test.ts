/**
 * The nftables LVS ruleset: the kernel's scheduler tables (wrr sequence, sh/dh buckets, Maglev),
 * the rules for each scheduler, persistence and weight 0, the refusals, and the transaction.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  desiredRuleset,
  dhBuckets,
  granularityMask,
  HASH_BUCKETS,
  lvsTransaction,
  MAGLEV_SIZE,
  maglevTable,
  renderRuleset,
  shBuckets,
  unsupportedReason,
  wrrSequence,
} from '../../../src/lvs/nft-ruleset.js';
import { dest, svc, table } from '../../lvs-fixtures.js';

const A = '198.51.100.2';
const B = '198.51.100.3';
const C = '198.51.100.4';
const chainOf = (text: string, name: string) => {
  const start = text.indexOf(`  chain ${name} {`);
  assert.ok(start >= 0, `chain ${name} in\n${text}`);
  return text.slice(start, text.indexOf('\n  }', start));
};

test('wrr: the kernel interleaved sequence (lvs.md worked example A4 B3 C2)', () => {
  assert.deepEqual(wrrSequence([{ weight: 4 }, { weight: 3 }, { weight: 2 }]), [0, 0, 1, 0, 1, 2, 0, 1, 2]);
  // gcd 2: mw = 4 - 1 = 3, cw 3 then 1.
  assert.deepEqual(wrrSequence([{ weight: 4 }, { weight: 2 }]), [0, 0, 1]);
  assert.deepEqual(wrrSequence([{ weight: 3 }, { weight: 1 }]), [0, 0, 0, 1]);
  // weight 0 is skipped; all zero: nothing
  assert.deepEqual(wrrSequence([{ weight: 0 }, { weight: 2 }, { weight: 1 }]), [1, 1, 2]);
  assert.deepEqual(wrrSequence([{ weight: 0 }]), []);
});

test('wrr: the sequence equals a step-by-step simulation of ip_vs_wrr_schedule', () => {
  const simulate = (ws: number[]) => {
    const pos = ws.filter((w) => w > 0);
    const g = (a: number, b: number): number => (b === 0 ? a : g(b, a % b));
    const di = pos.reduce(g);
    const mw = Math.max(...pos) - (di - 1);
    let cw = mw;
    let cl = -1;
    const out: number[] = [];
    const len = pos.reduce((a, w) => a + w / di, 0);
    while (out.length < len) {
      let found = -1;
      for (let i = cl + 1; i < ws.length; i++)
        if (ws[i]! >= cw) {
          found = i;
          break;
        }
      if (found >= 0) {
        out.push(found);
        cl = found;
        continue;
      }
      cl = -1;
      cw -= di;
      if (cw <= 0) cw = mw;
    }
    return out;
  };
  for (const ws of [
    [5, 3, 2],
    [7, 7, 1],
    [6, 4, 2, 0, 8],
    [1, 1, 1],
    [10, 1],
    [9, 6, 3],
  ])
    assert.deepEqual(wrrSequence(ws.map((weight) => ({ weight }))), simulate(ws), `weights ${ws}`);
});

test('sh buckets: cyclic, each dest max(weight,1) consecutive buckets; dh one each', () => {
  const b = shBuckets([{ weight: 1 }, { weight: 2 }]);
  assert.equal(b.length, HASH_BUCKETS);
  assert.deepEqual(b.slice(0, 6), [0, 1, 1, 0, 1, 1]);
  assert.deepEqual(shBuckets([{ weight: 0 }, { weight: 1 }]).slice(0, 4), [0, 1, 0, 1]);
  assert.deepEqual(dhBuckets([1, 2, 3]).slice(0, 5), [0, 1, 2, 0, 1]);
});

test('Maglev: deterministic, full, proportional to weight, minimal disruption', () => {
  const ds = [dest(A, 1), dest(B, 1), dest(C, 2)];
  const t1 = maglevTable(ds);
  assert.equal(t1.length, MAGLEV_SIZE);
  assert.deepEqual(maglevTable(ds), t1);
  assert.ok(t1.every((d) => d >= 0 && d < 3));
  const share = (t: number[], i: number) => t.filter((d) => d === i).length / t.length;
  assert.ok(Math.abs(share(t1, 2) - 0.5) < 0.02, `C share ${share(t1, 2)}`);
  assert.ok(Math.abs(share(t1, 0) - 0.25) < 0.02);
  // Quiescing B: only B's slots move.
  const t2 = maglevTable([dest(A, 1), dest(B, 0), dest(C, 2)]);
  const moved = t1.filter((d, i) => d !== 1 && t2[i] !== d).length;
  assert.ok(moved / MAGLEV_SIZE < 0.1, `moved ${moved}`);
  assert.ok(t2.every((d) => d !== 1));
});

test('rr: numgen inc over the dests with weight > 0, in list order', () => {
  const text = renderRuleset(desiredRuleset(table(svc('rr', [dest(A), dest(B, 0), dest(C, 5)]))));
  const ch = chainOf(text, 'svc_tcp_192_0_2_100_80');
  assert.match(
    ch,
    /numgen inc mod 2 vmap \{ 0 : goto rs_tcp_192_0_2_100_80__198_51_100_2_80, 1 : goto rs_tcp_192_0_2_100_80__198_51_100_4_80 \}/,
  );
  // the quiesced server keeps its chain (and counter) but takes no new connection
  assert.match(text, /chain rs_tcp_192_0_2_100_80__198_51_100_3_80 \{/);
  assert.match(
    text,
    /ip daddr \. meta l4proto \. th dport vmap \{ 192\.0\.2\.100 \. tcp \. 80 : goto svc_tcp_192_0_2_100_80 \}/,
  );
  assert.match(
    chainOf(text, 'rs_tcp_192_0_2_100_80__198_51_100_2_80'),
    /meta l4proto tcp dnat ip to 198\.51\.100\.2:80/,
  );
  assert.match(text, /type nat hook prerouting priority -100; policy accept;\n {4}jump services/);
  assert.match(text, /type nat hook output priority -100; policy accept;\n {4}jump services/);
  // hairpin is masqueraded; everything else keeps the client's address unless asked (one-arm)
  assert.match(text, /ct status dnat ip saddr \. ip daddr \{ 198\.51\.100\.2 \. 198\.51\.100\.2,/);
  assert.doesNotMatch(text, /ct status dnat ip daddr/);
  const oneArm = renderRuleset(desiredRuleset(table(svc('rr', [dest(A), dest(B)])), { masquerade: true }));
  assert.match(oneArm, /ct status dnat ip daddr \{ 198\.51\.100\.2, 198\.51\.100\.3 \} masquerade/);
});

test('wrr: range vmap over the period; fo: the first of highest weight', () => {
  const text = renderRuleset(desiredRuleset(table(svc('wrr', [dest(A, 3), dest(B, 1)]))));
  assert.match(
    text,
    /numgen inc mod 4 vmap \{ 0-2 : goto rs_\S+__198_51_100_2_80, 3 : goto rs_\S+__198_51_100_3_80 \}/,
  );
  const fo = renderRuleset(desiredRuleset(table(svc('fo', [dest(A, 5), dest(B, 10), dest(C, 10)]))));
  assert.match(chainOf(fo, 'svc_tcp_192_0_2_100_80'), /\n {4}goto rs_tcp_192_0_2_100_80__198_51_100_3_80$/);
});

test('sh / dh / mh: jhash with the fixed seed into the bucket table', () => {
  const sh = renderRuleset(desiredRuleset(table(svc('sh', [dest(A, 1), dest(B, 2)]))));
  assert.match(
    sh,
    /jhash ip saddr mod 256 seed 0x76696731 vmap \{ 0 : goto \S+198_51_100_2_80, 1-2 : goto \S+198_51_100_3_80, 3 : /,
  );
  const dh = renderRuleset(desiredRuleset(table(svc('dh', [dest(A, 1), dest(B, 9)]))));
  assert.match(
    dh,
    /jhash ip daddr mod 256 seed 0x76696731 vmap \{ 0 : goto \S+_2_80, 1 : goto \S+_3_80, 2 : /,
  );
  const mh = renderRuleset(desiredRuleset(table(svc('mh', [dest(A), dest(B)]))));
  assert.match(mh, /jhash ip saddr mod 4093 seed 0x76696731 vmap \{ 0/);
  // weight 0 buckets go nowhere (IPVS: no dest)
  const sh0 = renderRuleset(desiredRuleset(table(svc('sh', [dest(A, 1), dest(B, 0)]))));
  assert.doesNotMatch(chainOf(sh0, 'svc_tcp_192_0_2_100_80'), /198_51_100_3_80/);
});

test('persistence: per-server dynamic sets with the timeout, matched before scheduling, re-armed', () => {
  const text = renderRuleset(
    desiredRuleset(
      table(
        svc('rr', [dest(A), dest(B, 0)], {
          persistenceTimeoutS: 30,
          persistenceGranularity: '255.255.255.0',
        }),
      ),
    ),
  );
  assert.match(
    text,
    /set aff_tcp_192_0_2_100_80__198_51_100_2_80 \{\n {4}type ipv4_addr; flags dynamic,timeout; timeout 30s;/,
  );
  const ch = chainOf(text, 'svc_tcp_192_0_2_100_80')
    .split('\n')
    .map((l) => l.trim());
  assert.deepEqual(ch.slice(1, 5), [
    'counter name svc_tcp_192_0_2_100_80',
    'ip saddr and 255.255.255.0 @aff_tcp_192_0_2_100_80__198_51_100_2_80 goto rs_tcp_192_0_2_100_80__198_51_100_2_80',
    // a quiesced server's templates stay valid, as in IPVS
    'ip saddr and 255.255.255.0 @aff_tcp_192_0_2_100_80__198_51_100_3_80 goto rs_tcp_192_0_2_100_80__198_51_100_3_80',
    'numgen inc mod 1 vmap { 0 : goto rs_tcp_192_0_2_100_80__198_51_100_2_80 }',
  ]);
  assert.match(
    chainOf(text, 'rs_tcp_192_0_2_100_80__198_51_100_2_80'),
    /update @aff_tcp_192_0_2_100_80__198_51_100_2_80 \{ ip saddr and 255\.255\.255\.0 \}\n {4}counter name/,
  );
  assert.equal(granularityMask('ipv4', '24'), ' and 255.255.255.0');
  assert.equal(granularityMask('ipv4', '255.255.255.255'), '');
  assert.equal(granularityMask('ipv6', '64'), ' and ffff:ffff:ffff:ffff::');
  assert.equal(granularityMask('ipv6', '/48'), ' and ffff:ffff:ffff::');
  assert.equal(granularityMask('ipv6', '128'), '');
});

test('IPv6, port 0 and fwmark services', () => {
  const v6 = svc('rr', [dest('2001:db8:1::2', 1, 8080)], {
    key: 'UDP [2001:db8::100]:53',
    family: 'ipv6',
    protocol: 'UDP',
    address: '2001:db8::100',
    port: 53,
  });
  const p0 = svc('rr', [dest(A, 1, 0)], { key: 'TCP 192.0.2.101:0', address: '192.0.2.101', port: 0 });
  const fwm = svc('rr', [dest(B, 1, 0)], { key: 'FWM 5 ipv4', vs: 'FWM 5', fwmark: 5 });
  const { protocol: _p, address: _a, port: _q, ...fwmNoAddr } = fwm;
  const text = renderRuleset(desiredRuleset(table(v6, p0, fwmNoAddr)));
  assert.match(
    text,
    /ip6 daddr \. meta l4proto \. th dport vmap \{ 2001:db8::100 \. udp \. 53 : goto svc_udp_2001_db8_100_53 \}/,
  );
  assert.match(text, /meta l4proto udp dnat ip6 to \[2001:db8:1::2\]:8080/);
  assert.match(
    text,
    /ip daddr \. meta l4proto vmap \{ 192\.0\.2\.101 \. tcp : goto svc_tcp_192_0_2_101_0 \}/,
  );
  assert.match(text, /meta nfproto ipv4 dnat ip to 198\.51\.100\.2\n/);
  assert.match(text, /meta nfproto ipv4 meta mark vmap \{ 5 : goto svc_fwm_5_ipv4 \}/);
});

test('unsupported schedulers and methods: one clear reason naming the IPVS driver', () => {
  for (const s of ['lc', 'wlc', 'sed', 'nq', 'lblc', 'lblcr', 'ovf', 'twos'] as const) {
    const r = unsupportedReason(table(svc(s, [dest(A)])));
    assert.match(r ?? '', new RegExp(`scheduler ${s} is not supported by the nftables driver.*IPVS driver`));
    assert.throws(() => desiredRuleset(table(svc(s, [dest(A)]))), /IPVS driver/);
  }
  assert.equal(unsupportedReason(table(svc('rr', [dest(A, 1, 80, 'DR')]))), undefined);
  assert.match(
    unsupportedReason(table(svc('rr', [dest(A, 1, 80, 'DR'), dest(B)]))) ?? '',
    /different lvs_method \(DR, NAT\) .*IPVS driver/,
  );
  assert.match(
    unsupportedReason(table(svc('rr', [dest(A, 1, 0, 'DR')], { key: 'FWM 5 ipv4', fwmark: 5 }))) ?? '',
    /lvs_method DR with a fwmark service .*IPVS driver/,
  );
  assert.match(
    unsupportedReason(table(svc('rr', [dest(A, 1, 80, 'TUN')]))) ?? '',
    /lvs_method TUN .*IPVS driver/,
  );
  assert.match(
    unsupportedReason(table(svc('rr', [dest(A)], { persistenceEngine: 'sip' }))) ?? '',
    /persistence_engine sip/,
  );
  for (const s of ['rr', 'wrr', 'sh', 'dh', 'mh', 'fo'] as const)
    assert.equal(unsupportedReason(table(svc(s, [dest(A)]))), undefined);
});

test('deterministic text, whatever the order of services', () => {
  const s1 = svc('rr', [dest(A)]);
  const s2 = svc('wrr', [dest(B, 2)], { key: 'TCP 192.0.2.101:80', address: '192.0.2.101' });
  assert.equal(renderRuleset(desiredRuleset(table(s1, s2))), renderRuleset(desiredRuleset(table(s2, s1))));
});

test('transaction: fresh start replaces the table; a change flushes and refills; stop deletes', () => {
  const a = desiredRuleset(table(svc('rr', [dest(A), dest(B)], { persistenceTimeoutS: 30 })));
  const b = desiredRuleset(table(svc('rr', [dest(B)], { persistenceTimeoutS: 60 })));
  const first = lvsTransaction(null, a);
  assert.ok(
    first.startsWith(
      'table netdev vigil_lvs {}\ndelete table netdev vigil_lvs\ntable inet vigil_lvs {}\ndelete table inet vigil_lvs\ntable inet vigil_lvs {\n',
    ),
  );
  const change = lvsTransaction(a, b).split('\n');
  assert.deepEqual(change.slice(0, 5), [
    'flush table inet vigil_lvs',
    'delete chain inet vigil_lvs rs_tcp_192_0_2_100_80__198_51_100_2_80',
    'delete set inet vigil_lvs aff_tcp_192_0_2_100_80__198_51_100_2_80',
    // the timeout changed: the set is declared anew
    'delete set inet vigil_lvs aff_tcp_192_0_2_100_80__198_51_100_3_80',
    'delete counter inet vigil_lvs rs_tcp_192_0_2_100_80__198_51_100_2_80',
  ]);
  assert.equal(lvsTransaction(b, null), 'table inet vigil_lvs {}\ndelete table inet vigil_lvs\n');
  // nothing but vigil's own table is ever named
  for (const line of [first, lvsTransaction(a, b), lvsTransaction(b, null)].join('\n').split('\n'))
    if (/^(table|delete|flush) /.test(line))
      assert.match(line, /^(table|(delete|flush) (table|chain|set|counter)) (inet|netdev) vigil_lvs\b/);
  // stop with nothing known: both of vigil's tables, nothing else
  assert.equal(
    lvsTransaction(null, null),
    'table inet vigil_lvs {}\ndelete table inet vigil_lvs\ntable netdev vigil_lvs {}\ndelete table netdev vigil_lvs\n',
  );
});

test('DR: netdev ingress on the VIP interface, flow hash with the fixed seed, flow sets, fwd to the server', () => {
  const devices = new Map([
    ['192.0.2.100', 'eth0'],
    [A, 'eth1'],
    [B, 'eth1'],
  ]);
  const r = desiredRuleset(table(svc('wrr', [dest(A, 3, 80, 'DR'), dest(B, 1, 80, 'DR')])), { devices });
  assert.deepEqual(
    r.tables.map((t) => `${t.family} ${t.name}`),
    ['inet vigil_lvs', 'netdev vigil_lvs'],
  );
  const text = renderRuleset(r);
  assert.match(
    text,
    /table netdev vigil_lvs \{[\s\S]*chain ingress_eth0 \{\n {4}type filter hook ingress device "eth0" priority 0; policy accept;\n {4}ip daddr \. meta l4proto \. th dport vmap \{ 192\.0\.2\.100 \. tcp \. 80 : goto dsvc_tcp_192_0_2_100_80 \}/,
  );
  const svcRules = chainOf(text, 'dsvc_tcp_192_0_2_100_80')
    .split('\n')
    .map((l) => l.trim());
  assert.deepEqual(svcRules.slice(1), [
    'tcp flags & (fin | syn | rst | ack) == syn counter name dsvc_tcp_192_0_2_100_80',
    // an established flow stays on its server; a SYN is scheduled afresh
    'tcp flags & (fin | syn | rst | ack) != syn ip saddr . th sport . th dport @flw_tcp_192_0_2_100_80__198_51_100_2_80 goto drs_tcp_192_0_2_100_80__198_51_100_2_80',
    'tcp flags & (fin | syn | rst | ack) != syn ip saddr . th sport . th dport @flw_tcp_192_0_2_100_80__198_51_100_3_80 goto drs_tcp_192_0_2_100_80__198_51_100_3_80',
    // per flow, never per packet: the wrr sequence indexed by a seeded hash of the flow
    'jhash ip saddr . th sport mod 4 seed 0x76696731 vmap { 0-2 : goto drs_tcp_192_0_2_100_80__198_51_100_2_80, 3 : goto drs_tcp_192_0_2_100_80__198_51_100_3_80 }',
  ]);
  assert.deepEqual(
    chainOf(text, 'drs_tcp_192_0_2_100_80__198_51_100_2_80')
      .split('\n')
      .slice(1)
      .map((l) => l.trim()),
    [
      'tcp flags & (fin | syn | rst | ack) == syn delete @flw_tcp_192_0_2_100_80__198_51_100_3_80 { ip saddr . th sport . th dport }',
      'update @flw_tcp_192_0_2_100_80__198_51_100_2_80 { ip saddr . th sport . th dport }',
      'tcp flags & (fin | syn | rst | ack) == syn counter name drs_tcp_192_0_2_100_80__198_51_100_2_80',
      'fwd ip to 198.51.100.2 device "eth1"',
    ],
  );
  assert.match(
    text,
    /set flw_\S+ \{\n {4}type ipv4_addr \. inet_service \. inet_service; flags dynamic,timeout; timeout 900s;/,
  );
  assert.doesNotMatch(text, /numgen/);
  // no interface known: a clear error
  assert.throws(
    () => desiredRuleset(table(svc('rr', [dest(A, 1, 80, 'DR')]))),
    /no interface found for real server/,
  );
  // dropping the last DR service deletes the netdev table in the same transaction
  const none = desiredRuleset(table(svc('rr', [dest(A)])));
  assert.match(
    lvsTransaction(r, none),
    /^table netdev vigil_lvs \{\}\ndelete table netdev vigil_lvs\nflush table inet vigil_lvs\n/,
  );
});
