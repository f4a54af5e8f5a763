/**
 * In-memory LAN segment for VRRP: nodes run real state machines (src/vrrp/instance.ts, sync-group.ts)
 * on a virtual clock; adverts are multicast to every other live node that can hear the sender.
 *
 * Fault injection: per-link loss probability and delay (+ jitter), partitions, node crash (silent,
 * no priority-0 advert) and restart, graceful stop, tracking changes. All randomness comes from the
 * injected seeded PRNG, so a scenario is reproducible from its seed.
 *
 * Observation: every VIP add/remove and state transition is recorded with its time, and the
 * invariant "VIPs are only held in MASTER" is checked after every event a node handles.
 */
import { VrrpInstance } from '../vrrp/instance.js';
import { SyncGroup, type SyncGroupOutput } from '../vrrp/sync-group.js';
import type {
  InstanceAction,
  InstanceEvent,
  InstanceParams,
  NotifyState,
  TimerKind,
  TrackingStatus,
  VrrpState,
} from '../vrrp/types.js';
import { type TimerId, VirtualClock } from './clock.js';
import type { Prng } from './prng.js';

export interface LinkConfig {
  /** Probability that one advert on this link is lost, 0..1. */
  readonly loss: number;
  /** One-way delay in ms. */
  readonly delayMs: number;
  /** Extra uniform random delay in [0, jitterMs). */
  readonly jitterMs: number;
}

export interface SimNodeSpec {
  readonly id: string;
  /** The node's address: the source of its adverts. Every instance's primaryAddress should equal it. */
  readonly address: string;
  /** VIPs are plain strings in the simulator. */
  readonly instances: readonly InstanceParams<string>[];
  /** Sync groups on this node: name -> member instance names. */
  readonly syncGroups?: Readonly<Record<string, readonly string[]>>;
}

export interface VipRecord {
  readonly t: number;
  readonly node: string;
  readonly vrid: number;
  readonly held: boolean;
}

export interface TransitionRecord {
  readonly t: number;
  readonly node: string;
  readonly vrid: number;
  readonly from: VrrpState;
  readonly to: NotifyState;
  readonly reason: string;
}

export interface AdvertRecord {
  readonly t: number;
  readonly node: string;
  readonly vrid: number;
  readonly priority: number;
}

interface Unit {
  readonly inst: VrrpInstance<string>;
  readonly group: SyncGroup<string> | undefined;
  readonly timers: Map<TimerKind, TimerId>;
  vipsHeld: boolean;
}

interface NodeRt {
  readonly spec: SimNodeSpec;
  alive: boolean;
  /** Incarnation, bumped on crash/restart: timers of an old incarnation never fire. */
  epoch: number;
  units: Map<string, Unit>;
  groups: SyncGroup<string>[];
}

export interface SimLanOptions {
  readonly prng: Prng;
  /** Default link: no loss, 1 ms delay, no jitter. */
  readonly defaultLink?: Partial<LinkConfig>;
}

export class SimLan {
  readonly clock = new VirtualClock();
  readonly vipLog: VipRecord[] = [];
  readonly transitions: TransitionRecord[] = [];
  readonly adverts: AdvertRecord[] = [];
  /** Invariant violations seen so far (empty in a correct run). */
  readonly violations: string[] = [];

  private readonly prng: Prng;
  private readonly nodes = new Map<string, NodeRt>();
  private readonly links = new Map<string, LinkConfig>();
  private defaultLink: LinkConfig;
  /** node id -> partition index; undefined = no partition. */
  private partitionOf: Map<string, number> | undefined;

  constructor(opts: SimLanOptions) {
    this.prng = opts.prng;
    this.defaultLink = { loss: 0, delayMs: 1, jitterMs: 0, ...opts.defaultLink };
  }

  get now(): number {
    return this.clock.now;
  }

  // ─── topology and faults ─────────────────────────────────────────────────────────────────

  addNode(spec: SimNodeSpec): void {
    if (this.nodes.has(spec.id)) throw new Error(`duplicate node ${spec.id}`);
    this.nodes.set(spec.id, { spec, alive: false, epoch: 0, units: new Map(), groups: [] });
  }

  nodeIds(): string[] {
    return [...this.nodes.keys()];
  }

  isAlive(id: string): boolean {
    return this.node(id).alive;
  }

  /** Boot a node: fresh state machines, startup event at the current time. */
  start(id: string): void {
    const n = this.node(id);
    if (n.alive) return;
    n.alive = true;
    n.epoch++;
    n.units = new Map();
    n.groups = [];
    const inGroup = new Map<string, SyncGroup<string>>();
    const insts = new Map(n.spec.instances.map((p) => [p.name, new VrrpInstance<string>(p)]));
    for (const [gname, members] of Object.entries(n.spec.syncGroups ?? {})) {
      const g = new SyncGroup<string>(
        gname,
        members.map((m) => insts.get(m)).filter((x): x is VrrpInstance<string> => x !== undefined),
      );
      n.groups.push(g);
      for (const m of g.members) inGroup.set(m.name, g);
    }
    for (const [name, inst] of insts) {
      n.units.set(name, { inst, group: inGroup.get(name), timers: new Map(), vipsHeld: false });
    }
    for (const g of n.groups) this.applyGroup(n, g.startup(this.now));
    for (const u of n.units.values()) if (!u.group) this.dispatch(n, u, { type: 'startup' });
  }

  /** Power loss: no priority-0 advert, timers gone, VIPs vanish with the host. */
  crash(id: string): void {
    const n = this.node(id);
    if (!n.alive) return;
    n.alive = false;
    n.epoch++;
    for (const u of n.units.values()) {
      for (const t of u.timers.values()) this.clock.cancel(t);
      u.timers.clear();
      if (u.vipsHeld) this.recordVip(n, u, false);
    }
  }

  /** Graceful stop (SIGTERM): shutdown events, so a master sends priority 0. */
  stop(id: string): void {
    const n = this.node(id);
    if (!n.alive) return;
    for (const g of n.groups) this.applyGroup(n, g.shutdown(this.now));
    for (const u of n.units.values()) if (!u.group) this.dispatch(n, u, { type: 'shutdown' });
    this.crash(id);
  }

  restart(id: string): void {
    this.crash(id);
    this.start(id);
  }

  /** Tracking status of one instance changed (effective priority / fault). */
  setTracking(id: string, instance: string, status: TrackingStatus): void {
    const n = this.node(id);
    const u = n.units.get(instance);
    if (!n.alive || !u) return;
    this.dispatch(n, u, { type: 'tracking', status });
  }

  setLink(a: string, b: string, cfg: Partial<LinkConfig>): void {
    this.links.set(linkKey(a, b), { ...this.linkOf(a, b), ...cfg });
  }

  /** Reset every link to `cfg` (over the default). */
  setAllLinks(cfg: Partial<LinkConfig>): void {
    this.links.clear();
    this.defaultLink = { ...this.defaultLink, ...cfg };
  }

  /** Only nodes in the same group hear each other; nodes not listed are isolated. */
  partition(groups: readonly (readonly string[])[]): void {
    this.partitionOf = new Map();
    groups.forEach((g, i) => {
      for (const id of g) this.partitionOf?.set(id, i);
    });
  }

  heal(): void {
    this.partitionOf = undefined;
  }

  connected(a: string, b: string): boolean {
    if (this.partitionOf === undefined) return true;
    const pa = this.partitionOf.get(a);
    return pa !== undefined && pa === this.partitionOf.get(b);
  }

  /**
   * Advance virtual time. `maxEvents` bounds the work so a runaway (e.g. an advert storm from a
   * state machine bug) fails with an error instead of hanging the test.
   */
  runFor(ms: number, maxEvents = 1_000_000): void {
    this.clock.runUntil(this.clock.now + ms, maxEvents);
  }

  runUntil(t: number, maxEvents = 1_000_000): void {
    this.clock.runUntil(t, maxEvents);
  }

  // ─── observation ─────────────────────────────────────────────────────────────────────────

  /** Current view of every live instance with this VRID. */
  view(vrid: number): { node: string; address: string; state: VrrpState; priority: number; vips: boolean }[] {
    const out = [];
    for (const n of this.nodes.values()) {
      if (!n.alive) continue;
      for (const u of n.units.values()) {
        if (u.inst.params.vrid !== vrid) continue;
        const s = u.inst.snapshot();
        out.push({
          node: n.spec.id,
          address: n.spec.address,
          state: s.state,
          priority: s.effectivePriority,
          vips: u.vipsHeld,
        });
      }
    }
    return out;
  }

  instance(id: string, name: string): VrrpInstance<string> | undefined {
    const n = this.node(id);
    return n.alive ? n.units.get(name)?.inst : undefined;
  }

  /** Nodes holding the VIPs of this VRID right now. */
  vipHolders(vrid: number): string[] {
    return this.view(vrid)
      .filter((v) => v.vips)
      .map((v) => v.node);
  }

  // ─── internals ───────────────────────────────────────────────────────────────────────────

  private node(id: string): NodeRt {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  private linkOf(a: string, b: string): LinkConfig {
    return this.links.get(linkKey(a, b)) ?? this.defaultLink;
  }

  private dispatch(n: NodeRt, u: Unit, ev: InstanceEvent<string>): void {
    if (u.group) {
      this.applyGroup(n, u.group.handle(u.inst.name, ev, this.now));
      return;
    }
    this.apply(n, u, u.inst.handle(ev, this.now));
    this.checkInvariant(n);
  }

  private applyGroup(n: NodeRt, outs: SyncGroupOutput<string>[]): void {
    for (const o of outs) {
      if (o.kind !== 'instance') continue;
      const u = n.units.get(o.instance);
      if (u) this.apply(n, u, [o.action]);
    }
    this.checkInvariant(n);
  }

  private apply(n: NodeRt, u: Unit, actions: readonly InstanceAction<string>[]): void {
    const p = u.inst.params;
    for (const a of actions) {
      switch (a.type) {
        case 'send-advert':
          this.adverts.push({ t: this.now, node: n.spec.id, vrid: p.vrid, priority: a.priority });
          this.multicast(n, p, a.priority, a.adverIntCs);
          break;
        case 'add-vips':
          if (!u.vipsHeld) this.recordVip(n, u, true);
          break;
        case 'remove-vips':
          if (u.vipsHeld) this.recordVip(n, u, false);
          break;
        case 'set-timer': {
          const old = u.timers.get(a.kind);
          if (old !== undefined) this.clock.cancel(old);
          const epoch = n.epoch;
          const kind = a.kind;
          const id = this.clock.schedule(a.at, () => {
            if (!n.alive || n.epoch !== epoch) return;
            u.timers.delete(kind);
            this.dispatch(n, u, { type: 'timer', kind });
          });
          u.timers.set(a.kind, id);
          break;
        }
        case 'cancel-timer': {
          const old = u.timers.get(a.kind);
          if (old !== undefined) this.clock.cancel(old);
          u.timers.delete(a.kind);
          break;
        }
        case 'notify':
          this.transitions.push({
            t: this.now,
            node: n.spec.id,
            vrid: p.vrid,
            from: a.from,
            to: a.state,
            reason: a.reason,
          });
          break;
        case 'send-garp':
        case 'log':
          break;
      }
    }
  }

  private multicast(from: NodeRt, p: InstanceParams<string>, priority: number, adverIntCs: number): void {
    for (const to of this.nodes.values()) {
      if (to === from || !to.alive || !this.connected(from.spec.id, to.spec.id)) continue;
      const link = this.linkOf(from.spec.id, to.spec.id);
      if (link.loss > 0 && this.prng.chance(link.loss)) continue;
      const delay = link.delayMs + (link.jitterMs > 0 ? this.prng.next() * link.jitterMs : 0);
      const epoch = to.epoch;
      const advert = { src: from.spec.address, priority, adverIntCs, version: p.version };
      this.clock.schedule(this.now + delay, () => {
        if (!to.alive || to.epoch !== epoch) return;
        for (const u of to.units.values()) {
          if (u.inst.params.vrid === p.vrid && u.inst.params.family === p.family) {
            this.dispatch(to, u, { type: 'advert', advert });
          }
        }
      });
    }
  }

  private recordVip(n: NodeRt, u: Unit, held: boolean): void {
    u.vipsHeld = held;
    this.vipLog.push({ t: this.now, node: n.spec.id, vrid: u.inst.params.vrid, held });
  }

  private checkInvariant(n: NodeRt): void {
    for (const u of n.units.values()) {
      const st = u.inst.currentState;
      if (u.vipsHeld && st !== 'MASTER') {
        this.violations.push(`t=${this.now} ${n.spec.id}/${u.inst.name} holds VIPs in ${st}`);
      }
    }
  }
}

function linkKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}
