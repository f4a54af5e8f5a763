/**
 * What a VRRP instance's VMAC interface (keepalived's use_vmac) looks like: decided by the plan
 * (src/daemon/plan.ts), applied by the VMAC edge (vmac.ts). Types only.
 */

/** One macvlan on an instance's interface carrying the virtual router MAC. */
export interface VmacSpec {
  /** The macvlan's name: use_vmac NAME, else keepalived's generated `vrrp.VRID`. */
  readonly name: string;
  /** The instance's configured interface, the macvlan's lower device. */
  readonly base: string;
  /** 00:00:5e:00:01:VRID (IPv4), 00:00:5e:00:02:VRID (IPv6), or the MAC given to use_vmac. */
  readonly mac: string;
  /** keepalived creates its VMACs in private mode (frames with its own MAC only). */
  readonly mode: 'private';
  /**
   * IPv4 instance: keepalived's sysctls on the macvlan (arp_ignore=1, accept_local=1,
   * rp_filter=0, promote_secondaries=1) and on the base (arp_ignore=1, arp_filter=1, restored
   * when the last VMAC on it goes), with net.ipv4.conf.all.rp_filter cleared (restored on stop).
   */
  readonly ipv4Sysctls: boolean;
  /** IPv6 stays enabled (an IPv6 instance or IPv6 addresses on it); otherwise disable_ipv6=1. */
  readonly ipv6: boolean;
  /** IPv6 without vmac_xmit_base: the link-local address adverts come from, added to the macvlan. */
  readonly linkLocal?: string;
}
