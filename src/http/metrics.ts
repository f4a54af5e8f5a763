/**
 * `GET /metrics`: the daemon in the Prometheus text format. Everything but the transition counter
 * is read at scrape time from a snapshot (the status of `vigil status --json` and the LVS driver's
 * counters), so nothing is counted twice and the VRRP worker does no metrics work: it only answers
 * the status request it already answers. prom-client (docs/dependencies.md) holds the process's
 * figures, the transition counter and, in the checker thread, the checker latency histogram; the
 * snapshot's families are written by exposition.ts. The checker thread writes its servers'
 * families and the histogram itself (CheckerThreadMetrics below) and sends them as text.
 * Real servers are named as the LVS table keys them: `192.0.2.1:80`, `[2001:db8::1]:80`.
 */
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { destKey } from '../check/table.js';
import type { InstanceStatus, VirtualServerStatus } from '../daemon/status-types.js';
import type { LvsView } from '../lvs/driver.js';
import { RECEIVE_REASONS } from '../vrrp/receive.js';
import { Family, pair } from './exposition.js';

export interface MetricsSnapshot {
  readonly instances: readonly InstanceStatus[];
  /** Empty in the daemon, whose checker thread writes these families itself (CheckerThreadMetrics). */
  readonly virtualServers: readonly VirtualServerStatus[];
  /** The data plane and its counters; undefined without a health checker. */
  readonly lvs?: LvsView;
}

const STATES = ['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP'] as const;

/**
 * A transition's reason as a bounded label value: the free text (addresses, priorities, tracked
 * objects; src/vrrp/instance.ts) names its cause first, so the cause is read from its start.
 */
export function reasonKind(reason: string, from: string, to: string): string {
  if (reason.startsWith('startup with a failed')) return 'startup_fault';
  if (reason.startsWith('startup as address owner')) return 'startup_owner';
  if (reason === 'startup') return 'startup';
  if (reason === 'shutdown') return 'shutdown';
  if (reason.startsWith('master-down timer')) return 'master_down_timer';
  if (reason.startsWith('higher priority advert')) return 'higher_priority_advert';
  if (reason.startsWith('equal priority advert')) return 'equal_priority_higher_address';
  if (reason.startsWith('sync group')) return 'sync_group';
  // Everything else is tracking (track_script, track_interface, ...) putting us in or out of FAULT.
  if (to === 'FAULT' || from === 'FAULT') return 'tracking';
  return 'other';
}

export class DaemonMetrics {
  /** prom-client's registry: the process's own figures and the transition counter. */
  readonly registry = new Registry();
  private readonly transitions: Counter<'instance' | 'to' | 'reason'>;

  constructor(opts: { readonly processMetrics?: boolean } = {}) {
    this.transitions = new Counter({
      name: 'vigil_vrrp_transitions_total',
      help: 'VRRP state transitions since the daemon started, by new state and cause',
      labelNames: ['instance', 'to', 'reason'],
      registers: [this.registry],
    });
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'vigil_' });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Counted on the main thread as the VRRP worker reports each transition. */
  countTransition(instance: string, from: string, to: string, reason: string): void {
    this.transitions.inc({ instance, to, reason: reasonKind(reason, from, to) });
  }

  /** The whole text: this snapshot's figures, prom-client's, and `extra` (the checker thread's). */
  /** The LVS families of the last view rendered: a view is read at most every few seconds (sources.ts). */
  private lvsText: { readonly view: LvsView | undefined; readonly text: string } | undefined;

  async render(snap: MetricsSnapshot, extra = ''): Promise<string> {
    if (this.lvsText === undefined || this.lvsText.view !== snap.lvs)
      this.lvsText = { view: snap.lvs, text: lvsMetrics(snap.lvs) };
    return `${instanceMetrics(snap.instances)}${serverMetrics(snap.virtualServers)}${this.lvsText.text}${await this.registry.metrics()}${extra}`;
  }
}

/** The figures read from a snapshot, in the text format (exposition.ts). */
export function snapshotMetrics(snap: MetricsSnapshot): string {
  return instanceMetrics(snap.instances) + serverMetrics(snap.virtualServers) + lvsMetrics(snap.lvs);
}

/** The VRRP instances' families. */
function instanceMetrics(instances: readonly InstanceStatus[]): string {
  const state = new Family(
    'vigil_vrrp_instance_state',
    'gauge',
    'The VRRP instance is in this state (1) or not (0)',
  );
  const priority = new Family(
    'vigil_vrrp_effective_priority',
    'gauge',
    'Effective priority: the configured one moved by tracked objects',
  );
  const base = new Family('vigil_vrrp_base_priority', 'gauge', 'Configured priority');
  const sent = new Family('vigil_vrrp_adverts_sent_total', 'counter', 'VRRP adverts sent');
  const received = new Family(
    'vigil_vrrp_adverts_received_total',
    'counter',
    'VRRP adverts received and accepted',
  );
  const dropped = new Family(
    'vigil_vrrp_adverts_dropped_total',
    'counter',
    'VRRP adverts received and dropped, by reason (src/vrrp/receive.ts); reasons not seen yet are left out',
  );
  for (const i of instances) {
    const inst = pair('instance', i.name);
    const l = `{${inst}}`;
    for (const st of STATES) state.sample(`{${inst},state="${st}"}`, i.state === st ? 1 : 0);
    priority.sample(l, i.effectivePriority);
    base.sample(l, i.basePriority);
    sent.sample(l, i.counters.advertsSent ?? 0);
    received.sample(l, i.counters.advertsReceived ?? 0);
    for (const reason of RECEIVE_REASONS) {
      const n = i.counters[reason];
      if (n !== undefined && n > 0) dropped.sample(`{${inst},reason="${reason}"}`, n);
    }
  }
  return [state, priority, base, sent, received, dropped].map((f) => f.text()).join('');
}

/** The virtual and real servers' families (written in the checker thread, next to their state). */
export function serverMetrics(virtualServers: readonly VirtualServerStatus[]): string {
  const quorum = new Family(
    'vigil_virtual_server_quorum_up',
    'gauge',
    'The virtual server has quorum (else its sorry server, if any, serves)',
  );
  const up = new Family('vigil_real_server_up', 'gauge', 'The real server is in service (every checker up)');
  const weight = new Family(
    'vigil_real_server_weight',
    'gauge',
    'Effective weight of the real server (the configured one moved by dynamic checkers)',
  );
  for (const vs of virtualServers) {
    const v = pair('virtual_server', vs.name);
    quorum.sample(`{${v}}`, vs.quorumUp ? 1 : 0);
    for (const rs of vs.realServers) {
      const l = `{${v},${pair('real_server', destKey(rs))}}`;
      up.sample(l, rs.alive ? 1 : 0);
      weight.sample(l, rs.effectiveWeight);
    }
  }
  return [quorum, up, weight].map((f) => f.text()).join('');
}

/** The data plane's counters per service and real server. */
function lvsMetrics(view: LvsView | undefined): string {
  const conns = new Family(
    'vigil_lvs_connections_total',
    'counter',
    'Connections scheduled by the LVS data plane, per service and real server',
  );
  const packets = new Family(
    'vigil_lvs_packets_total',
    'counter',
    'Packets through the LVS data plane, per service, real server and direction',
  );
  const bytes = new Family(
    'vigil_lvs_bytes_total',
    'counter',
    'Bytes through the LVS data plane, per service, real server and direction',
  );
  for (const [service, st] of Object.entries(view?.stats ?? {})) {
    const svc = pair('service', service);
    for (const [rs, d] of Object.entries(st.dests)) {
      const l = `${svc},${pair('real_server', rs)}`;
      conns.sample(`{${l}}`, d.conns);
      if (d.inPkts === undefined) continue;
      const inL = `{${l},direction="in"}`;
      const outL = `{${l},direction="out"}`;
      packets.sample(inL, d.inPkts);
      packets.sample(outL, d.outPkts ?? 0);
      bytes.sample(inL, d.inBytes ?? 0);
      bytes.sample(outL, d.outBytes ?? 0);
    }
  }
  return [conns, packets, bytes].map((f) => f.text()).join('');
}

/**
 * The checker thread's part of /metrics, written there at scrape time so that only text crosses to
 * the main thread: the servers' families from its own status, and the attempt durations.
 */
export class CheckerThreadMetrics {
  private readonly registry = new Registry();
  private readonly histogram = new Histogram({
    name: 'vigil_checker_latency_seconds',
    help: 'Duration of health-check attempts, by checker type and verdict',
    labelNames: ['checker', 'result'],
    // Connect-level checks on a LAN take well under a millisecond; timeouts default to seconds.
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  observe(checker: string, ok: boolean, ms: number): void {
    this.histogram.observe({ checker, result: ok ? 'ok' : 'failed' }, ms / 1000);
  }

  async text(virtualServers: readonly VirtualServerStatus[]): Promise<string> {
    return `${serverMetrics(virtualServers)}${await this.registry.metrics()}`;
  }
}
