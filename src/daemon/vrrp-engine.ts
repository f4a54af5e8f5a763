/**
 * The VRRP engine: drives every instance's state machine (src/vrrp/instance.ts) and sync group
 * from real events, and applies the actions they return through injected ports (sockets,
 * addresses, announcements, clock). It owns no protocol rules of its own: receive checks are
 * src/vrrp/receive.ts, the wire format src/vrrp/packet.ts, transitions src/vrrp/instance.ts.
 *
 * It runs in the VRRP worker thread (src/daemon/vrrp-worker.ts), so nothing else in vigil can
 * delay an advert; tests drive it with fake ports.
 */
import { createInstance, type VrrpInstance } from '../vrrp/instance.js';
import { encodeVrrp, VrrpAuthType, type VrrpPacket } from '../vrrp/packet.js';
import {
  type AdvertInput,
  authPassBytes,
  checkAdvert,
  countResult,
  newReceiveCounters,
  type ReceiveCounters,
} from '../vrrp/receive.js';
import { SyncGroup, type SyncGroupOutput } from '../vrrp/sync-group.js';
import type { InstanceAction, InstanceEvent, TimerKind, TrackingStatus, VrrpState } from '../vrrp/types.js';
import { type FirewalledInstance, needsFirewall } from './firewall.js';
import { type InstancePlan, type Vip, withSource } from './plan.js';
import type { PlannedRoute } from './routes.js';
import type { InstanceStatus } from './status-types.js';

/** Sends one instance's adverts; the port shares sockets per (interface, family). */
export interface AdvertChannel {
  send(bytes: Uint8Array, dst: string): void;
  close(): void;
}

export type EngineEvent =
  | {
      readonly type: 'transition';
      readonly instance: string;
      readonly from: VrrpState;
      readonly to: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';
      readonly priority: number;
      readonly reason: string;
    }
  | {
      readonly type: 'group-transition';
      readonly group: string;
      readonly from: string;
      readonly to: string;
      readonly reason: string;
    }
  /**
   * A master heard a lower-priority advert (keepalived vrrp_state_master_rx runs
   * notify_master_rx_lower_pri then, with our effective priority).
   */
  | {
      readonly type: 'master-rx-lower-pri';
      readonly instance: string;
      readonly priority: number;
      readonly from: string;
      readonly theirPriority: number;
    }
  /** The effective priority changed (tracking or reload) while MASTER or BACKUP. */
  | {
      readonly type: 'priority-change';
      readonly instance: string;
      readonly state: 'MASTER' | 'BACKUP';
      readonly priority: number;
    }
  | {
      readonly type: 'log';
      readonly level: 'debug' | 'info' | 'warning' | 'error';
      readonly message: string;
    };

export interface EnginePorts {
  /** Monotonic milliseconds. */
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  openChannel(plan: InstancePlan, onAdvert: (input: AdvertInput) => void): AdvertChannel;
  addVip(vip: Vip): Promise<void>;
  removeVip(vip: Vip): Promise<void>;
  /** virtual_routes, added after the addresses on becoming MASTER and removed on leaving. */
  addRoute(route: PlannedRoute): Promise<void>;
  removeRoute(route: PlannedRoute): Promise<void>;
  /**
   * The firewall of instances not in accept mode (src/daemon/firewall.ts): the desired state of
   * every such instance, blocked while it holds its VIPs; null at stop removes it. Optional.
   */
  firewall?(instances: readonly FirewalledInstance[] | null): Promise<void>;
  /** Gratuitous ARP / unsolicited NA for each VIP, `count` times. */
  announce(vips: readonly Vip[], count: number): void;
  emit(event: EngineEvent): void;
}

interface Counters {
  advertsSent: number;
  advertsReceived: number;
  priorityZeroSent: number;
  priorityZeroReceived: number;
  transitions: number;
  vipErrors: number;
}

class InstanceRuntime {
  readonly machine: VrrpInstance<Vip>;
  readonly timers = new Map<TimerKind, unknown>();
  readonly drops: ReceiveCounters = newReceiveCounters();
  readonly counters: Counters = {
    advertsSent: 0,
    advertsReceived: 0,
    priorityZeroSent: 0,
    priorityZeroReceived: 0,
    transitions: 0,
    vipErrors: 0,
  };
  /** VIPs this engine added and has not removed: only these are ever removed. */
  readonly installed = new Set<Vip>();
  /** virtual_routes this engine added and has not removed. */
  readonly routes = new Set<PlannedRoute>();
  /**
   * Between becoming MASTER (add-vips) and leaving it (keepalived vipset): an instance not in
   * accept mode has its VIPs firewalled meanwhile.
   */
  holdsVips = false;
  channel: AdvertChannel | undefined;
  group: SyncGroup<Vip> | undefined;
  masterAddress: string | null = null;
  lastTransition: { at: string; reason: string } | null = null;
  stopped = false;
  /** Serialises address changes so that add/remove never interleave. */
  vipQueue: Promise<void> = Promise.resolve();

  constructor(public plan: InstancePlan) {
    this.machine = createInstance(plan.params);
  }
}

export class VrrpEngine {
  private readonly runtimes = new Map<string, InstanceRuntime>();
  private readonly groups: SyncGroup<Vip>[] = [];
  /** Serialises firewall transactions; each applies the state current when it runs. */
  private firewallQueue: Promise<void> = Promise.resolve();

  constructor(
    plans: readonly InstancePlan[],
    syncGroups: readonly { name: string; members: readonly string[] }[],
    private readonly ports: EnginePorts,
  ) {
    this.add(plans, syncGroups);
  }

  /** Opens the sockets and starts every instance (RFC 5798 6.4.1 Startup). */
  start(): void {
    this.syncFirewall();
    this.startRuntimes([...this.runtimes.values()]);
  }

  /**
   * Stops every instance: masters send a priority-0 advert and release their VIPs
   * (RFC 5798 6.4.3). Resolves when every address vigil added is removed.
   */
  async stop(): Promise<void> {
    await this.stopRuntimes([...this.runtimes.values()]);
    await this.syncFirewall(true);
  }

  /**
   * Applies a new configuration (SIGHUP) without a flap wherever keepalived manages it:
   * - an unchanged instance keeps its state, timers and VIPs;
   * - a changed one with the same VRID, version and family is reloaded in place: it keeps its
   *   state, a master applies the VIP and route differences (the state machine's reload event);
   * - anything else (removed, VRID/version/family changed, sync group membership changed) is
   *   stopped (a master sends priority 0 and releases its VIPs) and started afresh.
   */
  async reconfigure(
    plans: readonly InstancePlan[],
    syncGroups: readonly { name: string; members: readonly string[] }[],
  ): Promise<{ kept: string[]; reloaded: string[]; stopped: string[]; started: string[] }> {
    const groupOf = (name: string, groups: readonly { name: string; members: readonly string[] }[]) =>
      JSON.stringify(groups.find((g) => g.members.includes(name)) ?? null);
    const oldGroups = this.groups.map((g) => ({ name: g.name, members: g.members.map((m) => m.name) }));
    const kept = new Set<string>();
    const reload = new Map<string, InstancePlan>();
    for (const p of plans) {
      const rt = this.runtimes.get(p.name);
      if (rt === undefined || groupOf(p.name, oldGroups) !== groupOf(p.name, syncGroups)) continue;
      const o = rt.plan.params;
      if (JSON.stringify(rt.plan) === JSON.stringify(p)) kept.add(p.name);
      else if (o.vrid === p.params.vrid && o.version === p.params.version && o.family === p.params.family) {
        reload.set(p.name, p);
      }
    }
    // A sync group moves as one: if any member restarts, every member restarts.
    for (const g of [...oldGroups, ...syncGroups]) {
      if (g.members.some((m) => !kept.has(m) && !reload.has(m))) {
        for (const m of g.members) {
          kept.delete(m);
          reload.delete(m);
        }
      }
    }
    const stays = (name: string) => kept.has(name) || reload.has(name);
    const going = [...this.runtimes.values()].filter((rt) => !stays(rt.plan.name));
    await this.stopRuntimes(going);
    for (const rt of going) this.runtimes.delete(rt.plan.name);
    const dropped = new Set(going.map((rt) => rt.group));
    for (let i = this.groups.length - 1; i >= 0; i--)
      if (dropped.has(this.groups[i])) this.groups.splice(i, 1);
    for (const [name, p] of reload) this.reloadRuntime(this.runtimes.get(name)!, p);
    const added = this.add(
      plans.filter((p) => !stays(p.name)),
      syncGroups.filter((g) => g.members.every((m) => !stays(m))),
    );
    // Accept mode, VIPs or instances changed: the firewall follows (one transaction).
    this.syncFirewall();
    this.startRuntimes(added);
    return {
      kept: [...kept],
      reloaded: [...reload.keys()],
      stopped: going.map((rt) => rt.plan.name),
      started: added.map((rt) => rt.plan.name),
    };
  }

  /** Reloads one instance in place (see reconfigure). */
  private reloadRuntime(rt: InstanceRuntime, next: InstancePlan): void {
    const old = rt.plan;
    const channelChanged =
      old.advertInterface !== next.advertInterface ||
      old.srcAddress !== next.srcAddress ||
      JSON.stringify(old.destinations) !== JSON.stringify(next.destinations);
    const routesChanged = JSON.stringify(old.routes) !== JSON.stringify(next.routes);
    if (routesChanged) this.removeRoutes(rt);
    // VIPs are tracked by identity: an unchanged VIP now is the new plan's object.
    const byKey = new Map(next.params.vips.map((v) => [JSON.stringify(v), v]));
    for (const v of [...rt.installed]) {
      const same = byKey.get(JSON.stringify(v));
      if (same !== undefined) {
        rt.installed.delete(v);
        rt.installed.add(same);
      }
    }
    rt.plan = next;
    if (channelChanged) this.openChannel(rt);
    this.dispatch(rt, { type: 'reload', params: next.params });
    if (routesChanged && rt.machine.currentState === 'MASTER') this.addRoutes(rt);
  }

  private add(
    plans: readonly InstancePlan[],
    syncGroups: readonly { name: string; members: readonly string[] }[],
  ): InstanceRuntime[] {
    const added = plans.map((p) => {
      const rt = new InstanceRuntime(p);
      this.runtimes.set(p.name, rt);
      return rt;
    });
    for (const g of syncGroups) {
      const members = added.filter((r) => g.members.includes(r.plan.name));
      if (members.length === 0) continue;
      const group = new SyncGroup<Vip>(
        g.name,
        members.map((r) => r.machine),
      );
      for (const r of members) r.group = group;
      this.groups.push(group);
    }
    return added;
  }

  /**
   * The instance's socket, once it has a source address. A socket that cannot be opened (e.g. the
   * bind fails) leaves the instance without one, logged; keepalived carries on the same way.
   */
  private openChannel(rt: InstanceRuntime): void {
    rt.channel?.close();
    rt.channel = undefined;
    if (rt.plan.srcAddress === undefined) return;
    try {
      rt.channel = this.ports.openChannel(rt.plan, (input) => this.receive(rt, input));
    } catch (e) {
      this.ports.emit({
        type: 'log',
        level: 'error',
        message: `(${rt.plan.name}) cannot open the VRRP socket on ${rt.plan.interface} from ${rt.plan.srcAddress}: ${(e as Error).message}`,
      });
    }
  }

  /**
   * The advert source the host offers changed (an address appeared or went): reopen the socket
   * from it, in place. The worker puts the instance in FAULT while it has none.
   */
  setSource(instance: string, srcAddress: string | undefined): void {
    const rt = this.runtimes.get(instance);
    if (rt === undefined || rt.stopped || rt.plan.srcAddress === srcAddress) return;
    this.reloadRuntime(rt, withSource(rt.plan, srcAddress));
  }

  private startRuntimes(rts: readonly InstanceRuntime[]): void {
    for (const rt of rts) this.openChannel(rt);
    // keepalived ("removing VIPs." at init): a configured VIP already on the interface, typically
    // left by a crashed daemon, goes before the instance starts, so a BACKUP never keeps a copy.
    for (const rt of rts) for (const vip of rt.plan.params.vips) this.clearLeftoverVip(rt, vip);
    const now = this.ports.now();
    const groups = new Set(rts.map((rt) => rt.group).filter((g) => g !== undefined));
    for (const g of groups) this.applyGroup(g.startup(now));
    for (const rt of rts) {
      if (rt.group === undefined) this.apply(rt, rt.machine.handle({ type: 'startup' }, now));
    }
  }

  private async stopRuntimes(rts: readonly InstanceRuntime[]): Promise<void> {
    const now = this.ports.now();
    const groups = new Set(rts.map((rt) => rt.group).filter((g) => g !== undefined));
    for (const g of groups) this.applyGroup(g.shutdown(now));
    for (const rt of rts) {
      if (rt.group === undefined) this.apply(rt, rt.machine.handle({ type: 'shutdown' }, now));
    }
    for (const rt of rts) {
      rt.stopped = true;
      for (const h of rt.timers.values()) this.ports.clearTimer(h);
      rt.timers.clear();
      // Anything still installed (e.g. a FAULT with addresses the machine never set) goes too.
      this.removeRoutes(rt);
      for (const vip of [...rt.installed]) this.removeVip(rt, vip);
      this.releaseFirewall(rt);
    }
    await Promise.all(rts.map((rt) => rt.vipQueue));
    for (const rt of rts) rt.channel?.close();
  }

  /** Tracking changed for one instance (track_script, track_interface, ...). */
  track(instance: string, status: TrackingStatus): void {
    const rt = this.runtimes.get(instance);
    if (rt !== undefined) this.dispatch(rt, { type: 'tracking', status });
  }

  status(): InstanceStatus[] {
    return [...this.runtimes.values()].map((rt) => {
      const s = rt.machine.snapshot();
      return {
        name: rt.plan.name,
        state: rt.stopped ? 'STOP' : s.state,
        vrid: rt.plan.params.vrid,
        version: rt.plan.params.version,
        interface: rt.plan.interface,
        effectivePriority: s.effectivePriority,
        basePriority: rt.plan.params.basePriority,
        vips: rt.plan.params.vips.map((v) => `${v.spec.address}/${v.spec.prefixLen}`),
        masterAddress: s.state === 'MASTER' ? (rt.plan.srcAddress ?? null) : rt.masterAddress,
        lastTransition: rt.lastTransition,
        counters: { ...rt.counters, ...nonZero(rt.drops) },
      };
    });
  }

  // ─── receive ───────────────────────────────────────────────────────────────────────────────

  private receive(rt: InstanceRuntime, input: AdvertInput): void {
    if (rt.stopped) return;
    const state = rt.machine.currentState;
    // skip_check_adv_addr applies to adverts from the master a backup already knows.
    const withMaster =
      state === 'BACKUP' && rt.masterAddress !== null ? { ...input, masterSrc: rt.masterAddress } : input;
    const result = checkAdvert(withMaster, rt.plan.check);
    countResult(rt.drops, result);
    if (!result.ok) {
      this.ports.emit({
        type: 'log',
        level: 'debug',
        message: `(${rt.plan.name}) dropped advert from ${input.src}: ${result.reason}`,
      });
      return;
    }
    const p = result.packet;
    rt.counters.advertsReceived++;
    if (p.priority === 0) rt.counters.priorityZeroReceived++;
    if (p.priority > 0) rt.masterAddress = input.src;
    if (state === 'MASTER' && p.priority > 0) {
      const ours = rt.machine.snapshot().effectivePriority;
      if (p.priority < ours) {
        this.ports.emit({
          type: 'master-rx-lower-pri',
          instance: rt.plan.name,
          priority: ours,
          from: input.src,
          theirPriority: p.priority,
        });
      }
    }
    this.dispatch(rt, {
      type: 'advert',
      advert: { src: input.src, priority: p.priority, adverIntCs: p.adverIntCs, version: p.version },
    });
  }

  // ─── dispatch and apply ────────────────────────────────────────────────────────────────────

  private dispatch(rt: InstanceRuntime, event: InstanceEvent<Vip>): void {
    if (rt.stopped) return;
    const now = this.ports.now();
    const before = rt.machine.snapshot().effectivePriority;
    if (rt.group !== undefined) this.applyGroup(rt.group.handle(rt.plan.name, event, now));
    else this.apply(rt, rt.machine.handle(event, now));
    const after = rt.machine.snapshot();
    if (after.effectivePriority !== before && (after.state === 'MASTER' || after.state === 'BACKUP')) {
      this.ports.emit({
        type: 'priority-change',
        instance: rt.plan.name,
        state: after.state,
        priority: after.effectivePriority,
      });
    }
  }

  private applyGroup(outputs: SyncGroupOutput<Vip>[]): void {
    for (const o of outputs) {
      if (o.kind === 'group-notify') {
        this.ports.emit({
          type: 'group-transition',
          group: o.group,
          from: o.from,
          to: o.state,
          reason: o.reason,
        });
      } else {
        const rt = this.runtimes.get(o.instance);
        if (rt !== undefined) this.apply(rt, [o.action]);
      }
    }
  }

  private apply(rt: InstanceRuntime, actions: readonly InstanceAction<Vip>[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'send-advert':
          this.sendAdvert(rt, a.priority, a.adverIntCs);
          break;
        case 'add-vips':
          // keepalived sets the drop rules before adding the addresses (vrrp_state_become_master).
          rt.holdsVips = true;
          if (needsFirewall(rt.plan)) {
            this.firewallLog(rt, 'setting');
            const fw = this.syncFirewall();
            rt.vipQueue = rt.vipQueue.then(() => fw);
          }
          for (const vip of a.vips) this.addVip(rt, vip);
          this.addRoutes(rt);
          break;
        case 'remove-vips':
          this.removeRoutes(rt);
          for (const vip of a.vips) if (rt.installed.has(vip)) this.removeVip(rt, vip);
          this.releaseFirewall(rt);
          break;
        case 'send-garp': {
          const vips = rt.plan.params.vips.filter((v) => rt.installed.has(v));
          // Announce only once the addresses are on the interface.
          rt.vipQueue = rt.vipQueue.then(() => this.ports.announce(vips, a.count));
          break;
        }
        case 'notify':
          rt.counters.transitions++;
          rt.lastTransition = { at: new Date().toISOString(), reason: a.reason };
          if (a.state === 'MASTER') rt.masterAddress = rt.plan.srcAddress ?? null;
          this.ports.emit({
            type: 'transition',
            instance: rt.plan.name,
            from: a.from,
            to: a.state,
            priority: rt.machine.snapshot().effectivePriority,
            reason: a.reason,
          });
          break;
        case 'set-timer': {
          const old = rt.timers.get(a.kind);
          if (old !== undefined) this.ports.clearTimer(old);
          const { kind, at } = a;
          // Node's timers run on a whole-millisecond clock and may fire a fraction of a millisecond
          // before a fractional deadline (skew times are fractional); the state machine ignores a
          // firing before its deadline as stale, so such a timer would be lost (a backup never
          // taking over). Re-arm for the remainder instead.
          const fire = () => {
            const early = at - this.ports.now();
            if (early > 0) {
              rt.timers.set(kind, this.ports.setTimer(fire, Math.ceil(early)));
              return;
            }
            rt.timers.delete(kind);
            this.dispatch(rt, { type: 'timer', kind });
          };
          rt.timers.set(kind, this.ports.setTimer(fire, Math.max(0, Math.ceil(at - this.ports.now()))));
          break;
        }
        case 'cancel-timer': {
          const old = rt.timers.get(a.kind);
          if (old !== undefined) this.ports.clearTimer(old);
          rt.timers.delete(a.kind);
          break;
        }
        case 'log':
          this.ports.emit({ type: 'log', level: a.level, message: a.message });
          break;
      }
    }
  }

  private sendAdvert(rt: InstanceRuntime, priority: number, adverIntCs: number): void {
    const plan = rt.plan;
    // No source address: the instance is in FAULT (the worker tracks it) and has no socket.
    if (plan.srcAddress === undefined) return;
    const addresses = plan.params.vips.filter((v) => v.advertised).map((v) => v.spec.address);
    const common = {
      type: 1,
      vrid: plan.params.vrid,
      priority,
      family: plan.family,
      addresses,
      adverIntCs,
      checksum: 0,
    };
    const packet: VrrpPacket =
      plan.params.version === 2
        ? {
            ...common,
            version: 2,
            authType: plan.authType === 1 ? VrrpAuthType.PASS : VrrpAuthType.NONE,
            authData: plan.authType === 1 ? authPassBytes(plan.authPass) : new Uint8Array(8),
          }
        : { ...common, version: 3 };
    const src = plan.srcAddress;
    for (const dst of plan.destinations) {
      const enc = encodeVrrp(packet, { family: plan.family, src, dst });
      if (!enc.ok) {
        this.ports.emit({
          type: 'log',
          level: 'error',
          message: `(${plan.name}) cannot encode advert: ${enc.reason}`,
        });
        return;
      }
      try {
        rt.channel?.send(enc.bytes, dst);
        rt.counters.advertsSent++;
        if (priority === 0) rt.counters.priorityZeroSent++;
      } catch (e) {
        this.ports.emit({
          type: 'log',
          level: 'warning',
          message: `(${plan.name}) advert to ${dst} not sent: ${(e as Error).message}`,
        });
      }
    }
  }

  /** Leaving MASTER or stopping: the drop rules go once the addresses are gone (as keepalived). */
  private releaseFirewall(rt: InstanceRuntime): void {
    if (!rt.holdsVips) return;
    rt.holdsVips = false;
    if (!needsFirewall(rt.plan)) return;
    this.firewallLog(rt, 'removing');
    rt.vipQueue = rt.vipQueue.then(() => this.syncFirewall());
  }

  private firewallLog(rt: InstanceRuntime, what: 'setting' | 'removing'): void {
    if (this.ports.firewall === undefined) return;
    this.ports.emit({ type: 'log', level: 'debug', message: `(${rt.plan.name}) ${what} firewall drop rule` });
  }

  /**
   * Queues one firewall transaction to the state current when it runs (every instance not in
   * accept mode, blocked while it holds its VIPs); `remove` takes the firewall away (stop).
   */
  private syncFirewall(remove = false): Promise<void> {
    const port = this.ports.firewall;
    if (port === undefined) return Promise.resolve();
    this.firewallQueue = this.firewallQueue.then(() => {
      const state = remove
        ? null
        : [...this.runtimes.values()]
            .filter((rt) => !rt.stopped && needsFirewall(rt.plan))
            .map((rt) => ({ plan: rt.plan, blocked: rt.holdsVips }));
      return port
        .call(this.ports, state)
        .catch((e: unknown) =>
          this.ports.emit({ type: 'log', level: 'error', message: `firewall: ${(e as Error).message}` }),
        );
    });
    return this.firewallQueue;
  }

  private addVip(rt: InstanceRuntime, vip: Vip): void {
    rt.installed.add(vip);
    rt.vipQueue = rt.vipQueue.then(() =>
      this.ports.addVip(vip).catch((e: unknown) => {
        if ((e as { code?: string }).code === 'EEXIST') {
          // A configured VIP already present (typically left behind by a crashed daemon) is ours,
          // as in keepalived: announce it now and remove it when leaving MASTER, or two nodes keep it.
          this.ports.emit({
            type: 'log',
            level: 'info',
            message: `(${rt.plan.name}) ${vip.spec.address} was already on ${vip.dev}; taking it over`,
          });
        } else this.vipError(rt, 'add', vip, e);
      }),
    );
  }

  private clearLeftoverVip(rt: InstanceRuntime, vip: Vip): void {
    rt.vipQueue = rt.vipQueue.then(() =>
      this.ports.removeVip(vip).then(
        () =>
          this.ports.emit({
            type: 'log',
            level: 'info',
            message: `(${rt.plan.name}) removed leftover VIP ${vip.spec.address} from ${vip.dev}`,
          }),
        (e: unknown) => {
          // EADDRNOTAVAIL: not there, the normal case.
          if ((e as { code?: string }).code !== 'EADDRNOTAVAIL') this.vipError(rt, 'remove', vip, e);
        },
      ),
    );
  }

  private removeVip(rt: InstanceRuntime, vip: Vip): void {
    rt.installed.delete(vip);
    rt.vipQueue = rt.vipQueue.then(() =>
      this.ports.removeVip(vip).catch((e: unknown) => this.vipError(rt, 'remove', vip, e)),
    );
  }

  private addRoutes(rt: InstanceRuntime): void {
    for (const route of rt.plan.routes) {
      if (rt.routes.has(route)) continue;
      rt.routes.add(route);
      rt.vipQueue = rt.vipQueue.then(() =>
        this.ports.addRoute(route).catch((e: unknown) => {
          // EEXIST: the route is there already (e.g. left by a crashed daemon); it is ours.
          if ((e as { code?: string }).code !== 'EEXIST') this.routeError(rt, 'add', route, e);
        }),
      );
    }
  }

  private removeRoutes(rt: InstanceRuntime): void {
    for (const route of [...rt.routes]) {
      rt.routes.delete(route);
      rt.vipQueue = rt.vipQueue.then(() =>
        this.ports.removeRoute(route).catch((e: unknown) => this.routeError(rt, 'remove', route, e)),
      );
    }
  }

  private routeError(rt: InstanceRuntime, op: string, route: PlannedRoute, e: unknown): void {
    rt.counters.vipErrors++;
    this.ports.emit({
      type: 'log',
      level: 'error',
      message: `(${rt.plan.name}) cannot ${op} route ${route.text}: ${(e as Error).message}`,
    });
  }

  private vipError(rt: InstanceRuntime, op: string, vip: Vip, e: unknown): void {
    rt.counters.vipErrors++;
    this.ports.emit({
      type: 'log',
      level: 'error',
      message: `(${rt.plan.name}) cannot ${op} ${vip.spec.address}/${vip.spec.prefixLen} dev ${vip.dev}: ${(e as Error).message}`,
    });
  }
}

function nonZero(c: ReceiveCounters): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(c)) if (v > 0) out[`dropped:${k}`] = v;
  return out;
}
