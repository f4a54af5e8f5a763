/**
 * The engine's ports on a real host (worker thread): VRRP sockets shared per (interface, family,
 * source), VIPs over rtnetlink, gratuitous ARP / unsolicited NA, and link state from the netlink
 * link watcher feeding track_interface.
 */

import { GarpSender, NaSender } from '../kernel/announce.js';
import { ifNameToIndex } from '../kernel/interfaces.js';
import { isLinkUsable } from '../kernel/link-state.js';
import { LinkWatcher } from '../kernel/link-watcher.js';
import { RtnlClient } from '../kernel/netlink.js';
import { type InterfaceAddress, parseScope } from '../kernel/netlink-codec.js';
import { readInterfaceSysctl, writeInterfaceSysctl } from '../kernel/sysctl.js';
import { VrrpSocket } from '../kernel/vrrp-socket.js';
import { sameAddress } from '../net/addr.js';
import type { AdvertInput } from '../vrrp/receive.js';
import type { FirewallSettings } from './firewall.js';
import type { WorkerConfig } from './messages.js';
import { NftFirewall } from './nft.js';
import type { InstancePlan, PlanHost, Vip } from './plan.js';
import type { PlannedRoute } from './routes.js';
import type { AdvertChannel, EngineEvent, EnginePorts } from './vrrp-engine.js';

/** IFA_F_NODAD: an IPv6 VIP is usable at once, without duplicate address detection. */
const IFA_F_NODAD = 0x02;

interface SharedSocket {
  socket: VrrpSocket;
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
  const watcher = await LinkWatcher.start({
    onLinkChange: (c) => {
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
    const key = `${plan.interface}|${plan.family}|${plan.srcAddress}|${plan.unicastTtl}`;
    let s = sockets.get(key);
    if (s === undefined) {
      const socket = VrrpSocket.open({
        ifname: plan.interface,
        family: plan.family,
        srcAddress: plan.srcAddress,
        multicast: true,
        unicastTtl: plan.unicastTtl,
      });
      const shared: SharedSocket = { socket, receivers: new Map(), users: 0 };
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
        for (const r of shared.receivers.get(vrid) ?? []) r(input);
      });
      socket.onError((e) => log('warning', `VRRP socket on ${plan.interface}: ${e.code}`));
      sockets.set(key, shared);
      s = shared;
    }
    s.users++;
    return s;
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
  const setPromote = (ifname: string, on: boolean) => {
    try {
      writeInterfaceSysctl('ipv4', ifname, 'promote_secondaries', on ? 1 : 0);
      if (on) promoted.add(ifname);
      else promoted.delete(ifname);
    } catch (e) {
      log('warning', `cannot set promote_secondaries on ${ifname}: ${(e as Error).message}`);
    }
  };

  return {
    ports,
    host,
    configureInterfaces(plans) {
      const want = new Set(plans.filter((p) => p.promoteSecondaries).map((p) => p.interface));
      for (const ifname of want)
        if (!promoted.has(ifname) && readInterfaceSysctl('ipv4', ifname, 'promote_secondaries') === 0)
          setPromote(ifname, true);
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
    close() {
      for (const ifname of [...promoted]) setPromote(ifname, false);
      watcher.close();
      rtnl.close();
      for (const s of sockets.values()) s.socket.close();
      for (const g of garp.values()) g.close();
      for (const n of na.values()) n.close();
    },
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
