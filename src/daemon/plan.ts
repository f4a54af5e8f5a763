/**
 * From the config model to what the VRRP engine runs: one plan per vrrp_instance with the state
 * machine's parameters, the receive checks' expectations and the wire envelope. Pure: the host's
 * interface addresses are injected.
 */
import type { IpAddressSpec, KeepalivedConfig, VrrpInstance } from '../config/model.js';
import type { IpFamily } from '../net/addr.js';
import type { AdvertCheckConfig } from '../vrrp/receive.js';
import { DEFAULT_GARP, type InstanceParams, normalizeInstanceParams } from '../vrrp/types.js';
import { type PlannedRoute, planRoute } from './routes.js';

/** A VIP as the edge applies it: the config's spec with the device resolved. */
export interface Vip {
  readonly spec: IpAddressSpec;
  /** The interface the address goes on (`dev`, else the instance's interface). */
  readonly dev: string;
  /** Part of the advert's address list (false for virtual_ipaddress_excluded). */
  readonly advertised: boolean;
}

export interface InstancePlan {
  readonly name: string;
  readonly interface: string;
  readonly family: IpFamily;
  readonly params: InstanceParams<Vip>;
  readonly check: AdvertCheckConfig;
  /** Our advert source address. */
  readonly srcAddress: string;
  /** Where adverts go: the multicast group, or every unicast peer. */
  readonly destinations: readonly string[];
  readonly unicast: boolean;
  /** v2 PASS password bytes (8, zero padded) or undefined. */
  readonly authType: number;
  readonly authPass: string | undefined;
  /** virtual_routes, ready for rtnetlink. */
  readonly routes: readonly PlannedRoute[];
  /**
   * Accept mode (RFC 5798 6.1): without it, a master that is not the address owner drops traffic
   * to its VIPs (src/daemon/firewall.ts).
   */
  readonly accept: boolean;
  readonly dontTrackPrimary: boolean;
  /** Parameters keepalived would reset, as it logs them (e.g. nopreempt with state MASTER). */
  readonly warnings: readonly string[];
}

export interface PlanHost {
  /** Addresses configured on an interface, in kernel order. IPv6 link-local ones included. */
  addresses(ifname: string, family: IpFamily): readonly string[];
}

export class PlanError extends Error {}

const famOf = (f: 4 | 6): IpFamily => (f === 4 ? 'ipv4' : 'ipv6');

/** Builds the plan for every instance, or throws PlanError naming the instance and the problem. */
export function planInstances(model: KeepalivedConfig, host: PlanHost): InstancePlan[] {
  return model.instances.map((vi) => planInstance(model, vi, host));
}

export function planInstance(model: KeepalivedConfig, vi: VrrpInstance, host: PlanHost): InstancePlan {
  const g = model.globalDefs;
  const ifname = vi.interface ?? g.defaultInterface;
  if (ifname === undefined) throw new PlanError(`(${vi.name}) has no interface`);
  if (vi.virtualRouterId === undefined) throw new PlanError(`(${vi.name}) has no virtual_router_id`);
  const vipSpecs = vi.virtualIpaddress;
  // keepalived: the instance's family is that of its first VIP (or of unicast_src_ip / peers).
  const family: IpFamily =
    vipSpecs[0] !== undefined
      ? famOf(vipSpecs[0].family)
      : vi.unicastPeer[0] !== undefined
        ? famOf(vi.unicastPeer[0].family)
        : 'ipv4';
  const vips: Vip[] = [
    ...vipSpecs.map((spec) => ({ spec, dev: spec.dev ?? ifname, advertised: famOf(spec.family) === family })),
    ...vi.virtualIpaddressExcluded.map((spec) => ({ spec, dev: spec.dev ?? ifname, advertised: false })),
  ];
  const unicast = vi.unicastPeer.length > 0;
  const srcAddress = vi.unicastSrcIp ?? vi.mcastSrcIp ?? defaultSource(host, ifname, family, unicast);
  if (srcAddress === undefined) {
    throw new PlanError(`(${vi.name}) interface ${ifname} has no ${family} address to send adverts from`);
  }
  const adverIntCs = Math.round(vi.advertIntMs / 10);
  const version = family === 'ipv6' ? 3 : vi.version;
  const authType = version === 2 && vi.authentication?.type === 'PASS' ? 1 : 0;
  const authPass = authType === 1 ? vi.authentication?.pass : undefined;
  const advertised = vips.filter((v) => v.advertised).map((v) => v.spec.address);
  const mcastGroup =
    family === 'ipv4' ? (vi.mcastDstIp ?? g.vrrpMcastGroup4) : (vi.mcastDstIp ?? g.vrrpMcastGroup6);
  const raw: InstanceParams<Vip> = {
    name: vi.name,
    version,
    family: family === 'ipv4' ? 'inet' : 'inet6',
    vrid: vi.virtualRouterId,
    basePriority: vi.priority,
    adverIntCs,
    primaryAddress: srcAddress,
    initialState: vi.state ?? 'BACKUP',
    nopreempt: vi.nopreempt,
    preemptDelayMs: vi.preemptDelayMs,
    garp: garpParams(vi, model),
    lowerPrioNoAdvert: vi.lowerPrioNoAdvert ?? g.vrrpLowerPrioNoAdvert ?? false,
    higherPrioSendAdvert: vi.higherPrioSendAdvert ?? g.vrrpHigherPrioSendAdvert ?? false,
    vips,
  };
  const strict = vi.strictMode ?? g.vrrpStrict;
  const { params, warnings } = normalizeInstanceParams(raw, { strict });
  // keepalived vrrp_complete_instance: accept defaults to on, except in strict mode for a
  // non-owner; VRRPv2 (RFC 3768) has no accept mode, so strict mode resets it.
  const owner = vi.priority === 255;
  let accept = vi.accept ?? (owner ? true : !strict);
  if (accept && !owner && strict && version === 2) {
    warnings.push(
      `(${vi.name}) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting`,
    );
    accept = false;
  }
  const check: AdvertCheckConfig = {
    version,
    family,
    vrid: vi.virtualRouterId,
    authType,
    ...(authPass !== undefined ? { authPass } : {}),
    adverIntCs,
    vips: advertised,
    unicastPeers: vi.unicastPeer.map((p) => ({ address: p.address })),
    checkUnicastSrc: vi.checkUnicastSrc || g.vrrpCheckUnicastSrc,
    skipCheckAdvAddr: vi.skipCheckAdvAddr ?? g.vrrpSkipCheckAdvAddr,
    mcastGroup4: g.vrrpMcastGroup4,
  };
  return {
    name: vi.name,
    interface: ifname,
    family,
    params,
    check,
    srcAddress,
    destinations: unicast ? vi.unicastPeer.map((p) => p.address) : [mcastGroup],
    unicast,
    authType,
    authPass,
    routes: vi.virtualRoutes.map((r) => {
      const planned = planRoute(r, ifname);
      if (planned instanceof Error) throw new PlanError(`(${vi.name}) virtual_routes: ${planned.message}`);
      return planned;
    }),
    accept,
    dontTrackPrimary: vi.dontTrackPrimary,
    warnings,
  };
}

/**
 * keepalived.conf(5): instance garp_* override global vrrp_garp_*; garp_lower_prio_delay and
 * garp_lower_prio_repeat default to the master values (garp_master_delay / garp_master_repeat).
 */
function garpParams(vi: VrrpInstance, model: KeepalivedConfig): InstanceParams['garp'] {
  const g = model.globalDefs;
  const masterDelayMs = vi.garpMasterDelayMs ?? g.vrrpGarpMasterDelayMs ?? DEFAULT_GARP.masterDelayMs;
  const masterRepeat = vi.garpMasterRepeat ?? g.vrrpGarpMasterRepeat ?? DEFAULT_GARP.masterRepeat;
  return {
    masterDelayMs,
    masterRepeat,
    masterRefreshMs: vi.garpMasterRefreshMs ?? g.vrrpGarpMasterRefreshMs ?? DEFAULT_GARP.masterRefreshMs,
    masterRefreshRepeat:
      vi.garpMasterRefreshRepeat ?? g.vrrpGarpMasterRefreshRepeat ?? DEFAULT_GARP.masterRefreshRepeat,
    lowerPrioDelayMs: vi.garpLowerPrioDelayMs ?? g.vrrpGarpLowerPrioDelayMs ?? masterDelayMs,
    lowerPrioRepeat: vi.garpLowerPrioRepeat ?? g.vrrpGarpLowerPrioRepeat ?? masterRepeat,
  };
}

/**
 * keepalived sends IPv4 adverts from the interface's primary address and IPv6 multicast adverts
 * from its link-local address (RFC 5798 5.1.2.1: the source is the interface's link-local address).
 */
function defaultSource(
  host: PlanHost,
  ifname: string,
  family: IpFamily,
  unicast: boolean,
): string | undefined {
  const addrs = host.addresses(ifname, family);
  if (family === 'ipv4') return addrs[0];
  const ll = addrs.find((a) => a.toLowerCase().startsWith('fe80:'));
  return unicast ? (addrs.find((a) => !a.toLowerCase().startsWith('fe80:')) ?? ll) : (ll ?? addrs[0]);
}
