/**
 * From the config model to what the VRRP engine runs: one plan per vrrp_instance with the state
 * machine's parameters, the receive checks' expectations and the wire envelope. Pure: the host's
 * interface addresses are injected.
 */
import { instanceFamily as configFamily } from '../config/build/family.js';
import type { SourcePos } from '../config/diagnostics.js';
import type { IpAddressSpec, KeepalivedConfig, VrrpInstance } from '../config/model.js';
import type { VmacSpec } from '../kernel/vmac-spec.js';
import type { IpFamily } from '../net/addr.js';
import type { AdvertCheckConfig } from '../vrrp/receive.js';
import { DEFAULT_GARP, type InstanceParams, normalizeInstanceParams } from '../vrrp/types.js';
import { type PlannedRoute, planRoute } from './routes.js';

/** A VIP as the edge applies it: the config's spec with the device resolved. */
export interface Vip {
  readonly spec: IpAddressSpec;
  /** The interface the address goes on (`dev`, else the instance's VMAC, else its interface). */
  readonly dev: string;
  /** Part of the advert's address list (false for virtual_ipaddress_excluded). */
  readonly advertised: boolean;
}

export interface InstancePlan {
  readonly name: string;
  /** The configured interface (the VMAC's base with use_vmac). */
  readonly interface: string;
  /** Where adverts are sent and read: the VMAC with use_vmac (the base with vmac_xmit_base). */
  readonly advertInterface: string;
  /** use_vmac: the macvlan that carries the virtual MAC and the VIPs. */
  readonly vmac?: VmacSpec;
  readonly family: IpFamily;
  readonly params: InstanceParams<Vip>;
  readonly check: AdvertCheckConfig;
  /**
   * A fault the configuration itself puts the instance in, for as long as it runs:
   * `unicast_fault_no_peer` without peers (keepalived: "Cannot use unicast without any peers -
   * going to fault state").
   */
  readonly configFault?: string;
  /** unicast_src_ip / mcast_src_ip: a configured source, which must be on the host to be used. */
  readonly configuredSrc: string | undefined;
  /**
   * Our advert source address, or undefined while the host has none to use: the instance is then in
   * FAULT (keepalived: "no IPv4 address for interface", "src address not configured") until one
   * appears. The worker re-resolves it from the live address table (resolveSource).
   */
  readonly srcAddress: string | undefined;
  /** Where adverts go: the multicast group, or every unicast peer. */
  readonly destinations: readonly string[];
  readonly unicast: boolean;
  /** `unicast_ttl`: TTL / hop limit of unicast adverts (keepalived default 255, RFC 5798 5.1.1.3). */
  readonly unicastTtl: number;
  /**
   * `promote_secondaries`: the interface's net.ipv4.conf.IF.promote_secondaries is set while vigil
   * runs, so removing a VIP never takes the addresses of its subnet with it (keepalived sets it and
   * restores it at stop).
   */
  readonly promoteSecondaries: boolean;
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
  /** Whether an address is configured on any interface; assumed true when not given. */
  isLocal?(address: string): boolean;
}

export class PlanError extends Error {}

const famOf = (f: 4 | 6): IpFamily => (f === 4 ? 'ipv4' : 'ipv6');

/** Builds the plan for every instance, or throws PlanError naming the instance and the problem. */
export function planInstances(model: KeepalivedConfig, host: PlanHost): InstancePlan[] {
  const vmacNames = assignVmacNames(model.instances);
  return model.instances.map((vi) => planInstance(model, vi, host, vmacNames.get(vi.name)));
}

/** keepalived's VMAC MAC for a VRID: 00:00:5e:00:01:VRID (IPv4) or 00:00:5e:00:02:VRID (IPv6). */
export function vmacAddress(vrid: number, family: IpFamily): string {
  const hex = vrid.toString(16).padStart(2, '0');
  return `00:00:5e:00:${family === 'ipv4' ? '01' : '02'}:${hex}`;
}

/** use_vmac's MAC: five octets given take the VRID as the sixth. */
function configuredMac(mac: string | undefined, vrid: number): string | undefined {
  if (mac === undefined || mac.split(':').length === 6) return mac;
  return `${mac}:${vrid.toString(16).padStart(2, '0')}`;
}

const IFNAMSIZ = 16;

/**
 * keepalived's create_vmac_name: `PREFIX.VRID`, then (when that name is taken) `PREFIX6.VRID`
 * for IPv6 or `PREFIX1.VRID` for IPv4, then on through the numbers (an IPv6 instance skips 6 the
 * second time); the prefix is shortened to keep the name within 15 characters.
 */
export function generateVmacName(
  vrid: number,
  family: IpFamily,
  taken: (name: string) => boolean,
  prefix = 'vrrp',
): string {
  const make = (num: string) => {
    const tail = `${num}.${vrid}`;
    return `${prefix.slice(0, Math.max(0, IFNAMSIZ - 1 - tail.length))}${tail}`;
  };
  let num = 0;
  for (let name = make(''); ; name = make(String(num))) {
    if (!taken(name)) return name;
    if (family === 'ipv6') num = num === 0 ? 6 : num === 6 ? 1 : num + 1 === 6 ? 7 : num + 1;
    else num++;
  }
}

/**
 * Each use_vmac instance's macvlan name, as keepalived assigns them: a configured name belongs
 * to the first instance naming it (a later one gets a generated name), and generated names, in
 * config order, avoid every name already assigned.
 */
function assignVmacNames(instances: readonly VrrpInstance[]): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set<string>();
  for (const vi of instances) {
    const want = vi.useVmac?.name;
    if (want !== undefined && !taken.has(want)) {
      names.set(vi.name, want);
      taken.add(want);
    }
  }
  for (const vi of instances) {
    if (vi.useVmac === undefined || names.has(vi.name) || vi.virtualRouterId === undefined) continue;
    const name = generateVmacName(vi.virtualRouterId, instanceFamily(vi), (n) => taken.has(n));
    names.set(vi.name, name);
    taken.add(name);
  }
  return names;
}

/** keepalived: the instance's family is set by its first source address, peer or VIP. */
const instanceFamily = (vi: VrrpInstance): IpFamily => famOf(configFamily(vi)?.family ?? 4);

/**
 * The configured advert source: keepalived 2.2.7 (vrrp_parser.c vrrp_srcip_handler) keeps one
 * address for mcast_src_ip and unicast_src_ip, the last line read; a line whose family is not the
 * instance's is skipped and clears it ("MUST be of the same family !!! Skipping...").
 */
export function configuredSource(vi: VrrpInstance, family: IpFamily): string | undefined {
  const lines = (
    [
      [vi.mcastSrcIp, vi.keyPos.mcastSrcIp],
      [vi.unicastSrcIp, vi.keyPos.unicastSrcIp],
    ] as const
  ).filter((l): l is readonly [string, SourcePos | undefined] => l[0] !== undefined);
  const at = (pos: SourcePos | undefined) => (pos === undefined ? 0 : pos.line * 1e4 + pos.column);
  const last = lines.sort((a, b) => at(a[1]) - at(b[1])).at(-1)?.[0];
  return last !== undefined && famOf(last.includes(':') ? 6 : 4) === family ? last : undefined;
}

export function planInstance(
  model: KeepalivedConfig,
  vi: VrrpInstance,
  host: PlanHost,
  vmacName?: string,
): InstancePlan {
  const g = model.globalDefs;
  // keepalived's default_interface is eth0; a missing one stops the daemon earlier (validate.ts).
  const ifname = vi.interface ?? g.defaultInterface ?? 'eth0';
  if (vi.virtualRouterId === undefined) throw new PlanError(`(${vi.name}) has no virtual_router_id`);
  const vipSpecs = vi.virtualIpaddress;
  const family = instanceFamily(vi);
  // use_vmac: the VIPs (and routes) go on the macvlan unless they name their own device.
  const vmacIf =
    vi.useVmac !== undefined
      ? (vmacName ?? generateVmacName(vi.virtualRouterId, family, () => false))
      : undefined;
  const vipIf = vmacIf ?? ifname;
  const vips: Vip[] = [
    ...vipSpecs.map((spec) => ({ spec, dev: spec.dev ?? vipIf, advertised: famOf(spec.family) === family })),
    ...vi.virtualIpaddressExcluded.map((spec) => ({ spec, dev: spec.dev ?? vipIf, advertised: false })),
  ];
  const xmitBase = vmacIf !== undefined && vi.vmacXmitBase;
  const unicast = vi.unicastPeer.length > 0;
  const configuredSrc = configuredSource(vi, family);
  const srcAddress = resolveSource({ configuredSrc, interface: ifname, family, unicast }, host);
  const adverIntCs = Math.round(vi.advertIntMs / 10);
  const version = family === 'ipv6' ? 3 : vi.version;
  const strict = vi.strictMode ?? g.vrrpStrict;
  // keepalived 2.2.7 vrrp_complete_instance ignores authentication in VRRPv3 and in strict mode.
  const authType = version === 2 && !strict && vi.authentication?.type === 'PASS' ? 1 : 0;
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
    primaryAddress: srcAddress ?? unspecified(family),
    initialState: vi.state ?? 'BACKUP',
    nopreempt: vi.nopreempt,
    preemptDelayMs: vi.preemptDelayMs,
    garp: garpParams(vi, model),
    lowerPrioNoAdvert: vi.lowerPrioNoAdvert ?? g.vrrpLowerPrioNoAdvert ?? false,
    higherPrioSendAdvert: vi.higherPrioSendAdvert ?? g.vrrpHigherPrioSendAdvert ?? false,
    downTimerAdverts: vi.downTimerAdverts ?? g.vrrpDownTimerAdverts ?? 3,
    vips,
  };
  const normalized = normalizeInstanceParams(raw, { strict });
  const { params } = normalized;
  const warnings = [...normalized.warnings];
  // A route keepalived cannot use is logged and left out; the instance runs without it.
  const routes: PlannedRoute[] = [];
  for (const r of vi.virtualRoutes) {
    const planned = planRoute(r, vipIf);
    if (planned instanceof Error)
      warnings.push(`(${vi.name}) virtual_routes: ${planned.message}; ignoring it`);
    else routes.push(planned);
  }
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
  const vmac: VmacSpec | undefined =
    vmacIf === undefined
      ? undefined
      : {
          name: vmacIf,
          base: ifname,
          mac: configuredMac(vi.useVmac?.mac, vi.virtualRouterId) ?? vmacAddress(vi.virtualRouterId, family),
          mode: 'private',
          ipv4Sysctls: family === 'ipv4',
          ipv6: family === 'ipv6' || vips.some((v) => v.dev === vmacIf && v.spec.family === 6),
          // keepalived gives the macvlan the advert source (the base's link-local address), so
          // that adverts carry the virtual MAC but not a VIP as their source.
          ...(family === 'ipv6' && !xmitBase ? { linkLocal: srcAddress } : {}),
        };
  return {
    name: vi.name,
    interface: ifname,
    advertInterface: vmacIf !== undefined && !xmitBase ? vmacIf : ifname,
    ...(vmac !== undefined ? { vmac } : {}),
    family,
    params,
    check,
    ...(vi.unicastFaultNoPeer && !unicast ? { configFault: 'cannot use unicast without any peers' } : {}),
    configuredSrc,
    srcAddress,
    destinations: unicast ? vi.unicastPeer.map((p) => p.address) : [mcastGroup],
    unicast,
    unicastTtl: unicast ? (vi.unicastTtl ?? 255) : 255,
    promoteSecondaries: vi.promoteSecondaries && family === 'ipv4',
    authType,
    authPass,
    routes,
    accept,
    dontTrackPrimary: vi.dontTrackPrimary,
    warnings,
  };
}

/**
 * The advert source the host offers now: a configured one only while it is on the host (keepalived
 * binds to it), else the interface's own address; undefined when there is none.
 */
export function resolveSource(
  p: Pick<InstancePlan, 'configuredSrc' | 'interface' | 'family' | 'unicast'>,
  host: PlanHost,
): string | undefined {
  if (p.configuredSrc !== undefined)
    return (host.isLocal?.(p.configuredSrc) ?? true) ? p.configuredSrc : undefined;
  return defaultSource(host, p.interface, p.family, p.unicast);
}

/** The plan with another advert source (also the state machine's address for tie-breaks). */
export function withSource(plan: InstancePlan, srcAddress: string | undefined): InstancePlan {
  return {
    ...plan,
    srcAddress,
    params: { ...plan.params, primaryAddress: srcAddress ?? unspecified(plan.family) },
  };
}

/** Why an instance without a source is in FAULT, in keepalived's words. */
export function noSourceReason(plan: Pick<InstancePlan, 'configuredSrc' | 'interface' | 'family'>): string {
  return plan.configuredSrc !== undefined
    ? `src address ${plan.configuredSrc} not configured`
    : `no ${plan.family === 'ipv4' ? 'IPv4' : 'IPv6'} address for interface ${plan.interface}`;
}

const unspecified = (family: IpFamily): string => (family === 'ipv4' ? '0.0.0.0' : '::');

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
