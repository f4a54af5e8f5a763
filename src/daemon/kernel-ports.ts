/**
 * The engine's ports on a real host (worker thread): VRRP sockets shared per (interface, family,
 * source), VIPs over rtnetlink, gratuitous ARP / unsolicited NA, link state from the netlink
 * link watcher feeding track_interface, and the use_vmac interfaces the plans ask for.
 */

import { GarpSender, NaSender } from '../kernel/announce.js';
import { ifNameToIndex } from '../kernel/interfaces.js';
import { isLinkUsable } from '../kernel/link-state.js';
import { LinkWatcher } from '../kernel/link-watcher.js';
import { RtnlClient } from '../kernel/netlink.js';
import { type InterfaceAddress, parseScope } from '../kernel/netlink-codec.js';
import { procSysctl } from '../kernel/sysctl.js';
import { VmacManager } from '../kernel/vmac.js';
import { VmacSysctls } from '../kernel/vmac-sysctl.js';
import { VrrpSocket } from '../kernel/vrrp-socket.js';
import { sameAddress } from '../net/addr.js';
import type { AdvertInput } from '../vrrp/receive.js';
import type { FirewallSettings } from './firewall.js';
import type { WorkerConfig } from './messages.js';
import { NftFirewall } from './nft.js';
import type { InstancePlan, PlanHost, Vip } from './plan.js';
import type { PlannedRoute } from './routes.js';
import type { AdvertChannel, EngineEvent, EnginePorts } from './vrrp-engine.js';

/** How long starting an instance waits for its new VMAC to come up. */
const VMAC_UP_WAIT_MS = 2000;

/** IFA_F_NODAD: an IPv6 VIP is usable at once, without duplicate address detection. */
const IFA_F_NODAD = 0x02;

interface SharedSocket {
  socket: VrrpSocket;
  /** The interface it is bound to. */
  readonly ifname: string;
  /** Closes the socket and opens it again (its interface was recreated). */
  reopen(): void;
  /** vrid -> receivers */
  receivers: Map<number, Set<(input: AdvertInput) => void>>;
  users: number;
}

export interface KernelPorts {
  readonly ports: EnginePorts;
  /** The host's addresses now, kept current from netlink address events. */
  readonly host: PlanHost;
  /** Called after every address added or removed on the host. */
  onAddresses(cb: () => void): void;
  /**
   * Interface settings the plans ask for (promote_secondaries), set at start and on reload; what
   * vigil changed is restored once no plan asks for it, and at close (keepalived resets it at stop).
   */
  configureInterfaces(plans: readonly InstancePlan[]): void;
  /** Current link states (usable = IFF_UP and IFF_RUNNING), by interface name. */
  readonly links: ReadonlyMap<string, boolean>;
  /** Called on every link state change. */
  onLink(cb: (name: string, up: boolean) => void): void;
  /** New firewall settings (reload), applied with the engine's next firewall update. */
  configureFirewall(settings: FirewallSettings | null): void;
  /** use_vmac: makes every planned VMAC exist and be up (before the instances start or reload). */
  ensureVmacs(plans: readonly InstancePlan[]): Promise<void>;
  /** Removes the VMACs no plan names any more (after a reload). */
  pruneVmacs(plans: readonly InstancePlan[]): Promise<void>;
  /** Removes every VMAC (and restores the sysctls changed for them), then closes everything. */
  shutdown(): Promise<void>;
  close(): void;
}

export async function createKernelPorts(
  config: WorkerConfig,
  emit: (e: EngineEvent) => void,
): Promise<KernelPorts> {
  const rtnl = new RtnlClient();
  const sockets = new Map<string, SharedSocket>();
  const garp = new Map<string, GarpSender>();
  const na = new Map<string, NaSender>();
  const linkUp = new Map<string, boolean>();
  let linkCb: ((name: string, up: boolean) => void) | undefined;
  let addressCb: (() => void) | undefined;
  // The host's addresses by `ifindex|address`, in the kernel's order (the first IPv4 one of an
  // interface is its primary address, keepalived's advert source).
  const addresses = new Map<string, InterfaceAddress>();
  const addressKey = (a: InterfaceAddress) => `${a.ifindex}|${a.address}`;
  const nft = new NftFirewall(config.firewall);

  const log = (level: 'debug' | 'info' | 'warning' | 'error', message: string) =>
    emit({ type: 'log', level, message });

  for (const l of await rtnl.listLinks()) linkUp.set(l.name, isLinkUsable(l));
  const vmacs = new VmacManager(
    rtnl,
    new VmacSysctls(procSysctl(), (level, message) => log(level, message)),
    (level, message) => log(level, message),
  );
  /** VMAC changes (start, reload, recreation, stop) one at a time. */
  let vmacQueue: Promise<void> = Promise.resolve();
  const queued = (fn: () => Promise<void>): Promise<void> => {
    const run = vmacQueue.then(fn);
    vmacQueue = run.catch(() => {});
    return run;
  };
  /** Announcement senders hold an interface's index and MAC: a recreated VMAC needs new ones. */
  const forgetSenders = (dev: string) => {
    garp.get(dev)?.close();
    garp.delete(dev);
    na.delete(dev);
  };

  const watcher = await LinkWatcher.start({
    onLinkChange: (c) => {
      if (c.kind === 'removed' && vmacs.owns(c.link.name)) void queued(() => recreateVmac(c.link.name));
      const up = c.kind !== 'removed' && isLinkUsable(c.link);
      if (linkUp.get(c.link.name) === up) return;
      linkUp.set(c.link.name, up);
      log('info', `interface ${c.link.name} is ${up ? 'up' : 'down'}`);
      linkCb?.(c.link.name, up);
    },
    onAddress: (e) => {
      if (e.kind === 'new') addresses.set(addressKey(e.address), e.address);
      else addresses.delete(addressKey(e.address));
      addressCb?.();
    },
    onError: (e) => log('warning', `link watcher: ${e.message}`),
  });
  // Subscribed first (the watcher), then dumped: no address change in between is missed.
  for (const a of await rtnl.listAddresses()) addresses.set(addressKey(a), a);
  const host: PlanHost = {
    addresses(ifname, family) {
      const ifindex = watcher.linkByName(ifname)?.ifindex;
      return [...addresses.values()]
        .filter((a) => a.ifindex === ifindex && a.family === family)
        .map((a) => a.address);
    },
    isLocal: (address) => [...addresses.values()].some((a) => sameAddress(a.address, address)),
  };

  const openShared = (plan: InstancePlan & { srcAddress: string }): SharedSocket => {
    const key = `${plan.advertInterface}|${plan.family}|${plan.srcAddress}|${plan.unicastTtl}`;
    let s = sockets.get(key);
    if (s === undefined) {
      const receivers: SharedSocket['receivers'] = new Map();
      const open = () => {
        const socket = VrrpSocket.open({
          ifname: plan.advertInterface,
          family: plan.family,
          srcAddress: plan.srcAddress,
          multicast: true,
          unicastTtl: plan.unicastTtl,
        });
        socket.onPacket((p) => {
          const vrid = p.data[1];
          if (vrid === undefined) return;
          const input: AdvertInput = {
            family: p.family,
            src: p.src,
            dst: p.dst ?? '',
            ttl: p.ttl,
            payload: p.data,
            ...(p.ah ? { ah: true } : {}),
          };
          for (const r of receivers.get(vrid) ?? []) r(input);
        });
        socket.onError((e) => log('warning', `VRRP socket on ${plan.advertInterface}: ${e.code}`));
        return socket;
      };
      const shared: SharedSocket = {
        socket: open(),
        ifname: plan.advertInterface,
        reopen() {
          shared.socket.close();
          shared.socket = open();
        },
        receivers,
        users: 0,
      };
      sockets.set(key, shared);
      s = shared;
    }
    s.users++;
    return s;
  };

  const reopenSockets = (ifname: string) => {
    for (const shared of sockets.values()) if (shared.ifname === ifname) shared.reopen();
  };

  /**
   * keepalived recreates a VMAC of its own that someone deleted (while its base exists): the
   * instance is in FAULT meanwhile (the VMAC is tracked), and the VRRP sockets bound to it are
   * opened again on the new interface.
   */
  const recreateVmac = async (name: string) => {
    log('warning', `VMAC interface ${name} was deleted: creating it again`);
    forgetSenders(name);
    try {
      await vmacs.recreate(name);
      reopenSockets(name);
    } catch (e) {
      log('error', `cannot recreate VMAC ${name}: ${(e as Error).message}`);
    }
  };

  const ports: EnginePorts = {
    now: () => performance.now(),
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
    openChannel(plan, onAdvert): AdvertChannel {
      const shared = openShared(plan as InstancePlan & { srcAddress: string });
      const vrid = plan.params.vrid;
      const set = shared.receivers.get(vrid) ?? new Set();
      shared.receivers.set(vrid, set);
      set.add(onAdvert);
      return {
        send: (bytes, dst) => {
          shared.socket.send(bytes, dst);
        },
        close: () => {
          set.delete(onAdvert);
          if (--shared.users === 0) {
            shared.socket.close();
            for (const [k, v] of sockets) if (v === shared) sockets.delete(k);
          }
        },
      };
    },
    async addVip(vip: Vip) {
      await rtnl.addAddress(toKernelAddress(vip));
    },
    async removeVip(vip: Vip) {
      await rtnl.deleteAddress(toKernelAddress(vip));
    },
    async addRoute(r: PlannedRoute) {
      await rtnl.addRoute(toKernelRoute(r));
    },
    async removeRoute(r: PlannedRoute) {
      await rtnl.deleteRoute(toKernelRoute(r));
    },
    firewall: (instances) => nft.apply(instances),
    announce(vips, count) {
      const send = (v: Vip) => {
        try {
          if (v.spec.family === 4) {
            const g = garp.get(v.dev) ?? new GarpSender(v.dev);
            garp.set(v.dev, g);
            g.send(v.spec.address);
          } else {
            const n = na.get(v.dev) ?? new NaSender(v.dev);
            na.set(v.dev, n);
            n.send(v.spec.address);
          }
        } catch (e) {
          log('warning', `announcement for ${v.spec.address} on ${v.dev} failed: ${(e as Error).message}`);
        }
      };
      // vrrp_garp_interval / vrrp_gna_interval: a pause between announcements of each family.
      paced(
        vips.filter((v) => v.spec.family === 4),
        count,
        config.garpIntervalUs,
        send,
      );
      paced(
        vips.filter((v) => v.spec.family === 6),
        count,
        config.gnaIntervalUs,
        send,
      );
    },
    emit,
  };

  // promote_secondaries that vigil turned on, to turn off again.
  const promoted = new Set<string>();
  const sysctl = procSysctl();
  const promotePath = (ifname: string) => `net/ipv4/conf/${ifname}/promote_secondaries`;
  const setPromote = (ifname: string, on: boolean) => {
    if (!sysctl.write(promotePath(ifname), on ? 1 : 0)) {
      log('warning', `cannot set promote_secondaries on ${ifname}`);
      return;
    }
    if (on) promoted.add(ifname);
    else promoted.delete(ifname);
  };

  const waitUsable = async (name: string) => {
    const deadline = performance.now() + VMAC_UP_WAIT_MS;
    while (!linkUp.get(name)) {
      if (performance.now() > deadline) {
        log('warning', `VMAC ${name} is not up after ${VMAC_UP_WAIT_MS} ms`);
        return;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const close = () => {
    for (const ifname of [...promoted]) setPromote(ifname, false);
    watcher.close();
    rtnl.close();
    for (const s of sockets.values()) s.socket.close();
    for (const g of garp.values()) g.close();
    for (const n of na.values()) n.close();
  };
  return {
    ports,
    host,
    configureInterfaces(plans) {
      const want = new Set(plans.filter((p) => p.promoteSecondaries).map((p) => p.interface));
      for (const ifname of want)
        if (!promoted.has(ifname) && sysctl.read(promotePath(ifname)) === 0) setPromote(ifname, true);
      for (const ifname of [...promoted]) if (!want.has(ifname)) setPromote(ifname, false);
    },
    onAddresses(cb) {
      addressCb = cb;
    },
    links: linkUp,
    onLink(cb) {
      linkCb = cb;
    },
    configureFirewall(settings) {
      nft.configure(settings);
    },
    ensureVmacs: (plans) =>
      queued(async () => {
        for (const p of plans) {
          if (p.vmac === undefined) continue;
          forgetSenders(p.vmac.name);
          const before = ifNameToIndex(p.vmac.name);
          await vmacs.ensure(p.vmac);
          // Replaced by a reload (its base changed): sockets bound to the old one open again.
          if (before !== undefined && before !== ifNameToIndex(p.vmac.name)) reopenSockets(p.vmac.name);
          // A macvlan takes its carrier from its base: when the base is usable, wait until the link
          // watcher has seen the VMAC usable too, so that the instance does not start in FAULT.
          if (linkUp.get(p.vmac.base)) await waitUsable(p.vmac.name);
        }
      }),
    pruneVmacs: (plans) =>
      queued(async () => {
        const wanted = new Set(plans.flatMap((p) => (p.vmac ? [p.vmac.name] : [])));
        for (const name of vmacs.names()) {
          if (wanted.has(name)) continue;
          forgetSenders(name);
          await vmacs.remove(name);
        }
      }),
    shutdown: () =>
      queued(async () => {
        await vmacs.removeAll();
        close();
      }),
    close,
  };
}

function toKernelRoute(r: PlannedRoute) {
  if (r.dev === undefined) return r.route;
  const oif = ifNameToIndex(r.dev);
  if (oif === undefined) throw new Error(`interface ${r.dev} does not exist`);
  return { ...r.route, oif };
}

function toKernelAddress(vip: Vip) {
  const ifindex = ifNameToIndex(vip.dev);
  if (ifindex === undefined) throw new Error(`interface ${vip.dev} does not exist`);
  const s = vip.spec;
  const scope = s.scope === undefined ? undefined : parseScope(s.scope);
  return {
    family: s.family === 4 ? ('ipv4' as const) : ('ipv6' as const),
    ifindex,
    address: s.address,
    prefixLength: s.prefixLen,
    ...(s.broadcast !== undefined && s.family === 4 ? { broadcast: s.broadcast } : {}),
    ...(s.label !== undefined && s.family === 4 ? { label: s.label } : {}),
    ...(scope !== undefined ? { scope } : {}),
    ...(s.family === 6 ? { flags: IFA_F_NODAD } : {}),
  };
}

/** Sends `count` rounds over `vips`, back to back, or `intervalUs` apart when it is set. */
function paced(vips: readonly Vip[], count: number, intervalUs: number, send: (v: Vip) => void): void {
  const queue: Vip[] = [];
  for (let i = 0; i < count; i++) queue.push(...vips);
  if (intervalUs <= 0) {
    for (const v of queue) send(v);
    return;
  }
  let i = 0;
  const next = () => {
    send(queue[i++]!);
    if (i < queue.length) setTimeout(next, intervalUs / 1000);
  };
  if (queue.length > 0) next();
}
