import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeLabelValue, Family, pair } from '../../../src/http/exposition.js';
import {
  CheckerThreadMetrics,
  DaemonMetrics,
  reasonKind,
  snapshotMetrics,
} from '../../../src/http/metrics.js';
import { syntheticSnapshot } from '../../status-fixtures.js';

/** The samples of the text: `name{labels}` -> value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

test('instances: state as a state set, priorities, adverts sent/received, drops by reason', () => {
  const s = samples(snapshotMetrics(syntheticSnapshot(2, 0)));
  assert.equal(s.get('vigil_vrrp_instance_state{instance="VI_0",state="MASTER"}'), 1);
  assert.equal(s.get('vigil_vrrp_instance_state{instance="VI_0",state="BACKUP"}'), 0);
  assert.equal(s.get('vigil_vrrp_instance_state{instance="VI_1",state="BACKUP"}'), 1);
  assert.equal(s.get('vigil_vrrp_effective_priority{instance="VI_1"}'), 101);
  assert.equal(s.get('vigil_vrrp_base_priority{instance="VI_1"}'), 100);
  assert.equal(s.get('vigil_vrrp_adverts_sent_total{instance="VI_1"}'), 1001);
  assert.equal(s.get('vigil_vrrp_adverts_received_total{instance="VI_0"}'), 2000);
  assert.equal(s.get('vigil_vrrp_adverts_dropped_total{instance="VI_1",reason="bad-ttl"}'), 1);
  // A reason never seen is left out rather than sent as zero for every instance.
  assert.equal(s.has('vigil_vrrp_adverts_dropped_total{instance="VI_0",reason="bad-ttl"}'), false);
});

test('real servers up and weights, quorum, LVS counters per service and real server', () => {
  const text = snapshotMetrics(syntheticSnapshot(0, 20));
  const s = samples(text);
  const vs = '[198.51.100.0]:tcp:80';
  assert.equal(s.get(`vigil_virtual_server_quorum_up{virtual_server="${vs}"}`), 1);
  assert.equal(s.get(`vigil_real_server_up{virtual_server="${vs}",real_server="10.0.0.1:8080"}`), 0);
  assert.equal(s.get(`vigil_real_server_up{virtual_server="${vs}",real_server="10.0.0.2:8080"}`), 1);
  assert.equal(s.get(`vigil_real_server_weight{virtual_server="${vs}",real_server="10.0.0.2:8080"}`), 1);
  const svc = 'service="TCP 198.51.100.1:80",real_server="10.0.1.3:8080"';
  assert.equal(s.get(`vigil_lvs_connections_total{${svc}}`), 20);
  assert.equal(s.get(`vigil_lvs_packets_total{${svc},direction="in"}`), 200);
  assert.equal(s.get(`vigil_lvs_bytes_total{${svc},direction="out"}`), 18000);
  // 2 VS of 10: one quorum each, 20 up + 20 weights, 20 x (conns + 2 packets + 2 bytes).
  assert.equal(s.size, 2 + 40 + 100);
  assert.match(text, /^# HELP vigil_real_server_up .+\n# TYPE vigil_real_server_up gauge\n/m);
  // No instance: no empty instance families.
  assert.doesNotMatch(text, /vigil_vrrp_instance_state/);
});

test('label values are escaped; a family without samples is left out', () => {
  assert.equal(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
  assert.equal(pair('y', '"'), 'y="\\""');
  const f = new Family('vigil_x', 'gauge', 'help with \\ and\nnewline');
  assert.equal(f.text(), '');
  f.sample('{a="1"}', Number.POSITIVE_INFINITY);
  assert.equal(
    f.text(),
    '# HELP vigil_x help with \\\\ and\\nnewline\n# TYPE vigil_x gauge\nvigil_x{a="1"} +Inf\n',
  );
});

test('transition reasons become a bounded label', () => {
  assert.equal(reasonKind('startup', 'INIT', 'BACKUP'), 'startup');
  assert.equal(
    reasonKind('master-down timer expired (no advert from master 192.0.2.1 (prio 150))', 'BACKUP', 'MASTER'),
    'master_down_timer',
  );
  assert.equal(
    reasonKind('higher priority advert from 192.0.2.2 (prio 200 > 100)', 'MASTER', 'BACKUP'),
    'higher_priority_advert',
  );
  assert.equal(
    reasonKind('equal priority advert from higher address 192.0.2.9 (prio 100, ...)', 'MASTER', 'BACKUP'),
    'equal_priority_higher_address',
  );
  assert.equal(reasonKind('sync group G: member VI_2 in FAULT (...)', 'MASTER', 'FAULT'), 'sync_group');
  assert.equal(reasonKind('track_script chk_nginx failed', 'MASTER', 'FAULT'), 'tracking');
  assert.equal(reasonKind('shutdown', 'MASTER', 'STOP'), 'shutdown');
  assert.equal(reasonKind('something new', 'BACKUP', 'MASTER'), 'other');
});

test('the whole scrape: snapshot, transitions counted on the main thread, process figures, the checker text', async () => {
  const m = new DaemonMetrics();
  m.countTransition('VI_0', 'BACKUP', 'MASTER', 'master-down timer expired (x)');
  m.countTransition('VI_0', 'BACKUP', 'MASTER', 'master-down timer expired (y)');
  const latency = new CheckerThreadMetrics();
  latency.observe('TCP_CHECK', true, 0.7);
  latency.observe('TCP_CHECK', false, 3000);
  const text = await m.render(syntheticSnapshot(1, 0), await latency.text([]));
  const s = samples(text);
  assert.equal(
    s.get('vigil_vrrp_transitions_total{instance="VI_0",to="MASTER",reason="master_down_timer"}'),
    2,
  );
  assert.ok((s.get('vigil_process_resident_memory_bytes') ?? 0) > 0, 'process metrics');
  assert.equal(s.get('vigil_checker_latency_seconds_bucket{le="0.001",checker="TCP_CHECK",result="ok"}'), 1);
  assert.equal(s.get('vigil_checker_latency_seconds_count{checker="TCP_CHECK",result="failed"}'), 1);
  assert.equal(
    s.get('vigil_checker_latency_seconds_bucket{le="2.5",checker="TCP_CHECK",result="failed"}'),
    0,
  );
  assert.match(m.contentType, /^text\/plain; version=0\.0\.4/);
  // Every family is declared once.
  const types = text.split('\n').filter((l) => l.startsWith('# TYPE '));
  assert.equal(new Set(types).size, types.length);
});

test('the LVS families are written again only for a new view (the daemon reads one every few seconds)', async () => {
  const m = new DaemonMetrics({ processMetrics: false });
  const snap = syntheticSnapshot(1, 10);
  const key = 'vigil_lvs_connections_total{service="TCP 198.51.100.0:80",real_server="10.0.0.2:8080"}';
  assert.equal(samples(await m.render(snap)).get(key), 10);
  const later = syntheticSnapshot(1, 10);
  const stats = later.lvs!.stats!['TCP 198.51.100.0:80']!;
  const bumped = {
    ...later.lvs!,
    stats: { 'TCP 198.51.100.0:80': { ...stats, dests: { ...stats.dests, '10.0.0.2:8080': { conns: 99 } } } },
  };
  assert.equal(samples(await m.render({ ...snap, lvs: snap.lvs })).get(key), 10, 'same view: same text');
  assert.equal(samples(await m.render({ ...snap, lvs: bumped })).get(key), 99, 'new view: new figures');
});
