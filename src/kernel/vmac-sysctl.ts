/**
 * The sysctls keepalived sets for its VMAC interfaces (vrrp_if_config.c), over an injected
 * SysctlFs so that the rules are tested without a kernel:
 * - on an IPv4 VMAC: arp_ignore=1 (no ARP replies for the base's addresses), accept_local=1 (hear
 *   other routers' adverts), rp_filter=0 (receive on an interface without an address),
 *   promote_secondaries=1;
 * - on its base interface: arp_ignore=1 and arp_filter=1 (no ARP replies for the VIPs with the
 *   base's MAC), the previous values restored when the base's last VMAC goes;
 * - rp_filter=0 only works with net.ipv4.conf.all.rp_filter=0: if it is not, default.rp_filter and
 *   every interface's rp_filter are first raised to all's value (so nothing else changes), then
 *   all is cleared; on stop each one is put back if it still holds the value set here;
 * - IPv6 is disabled on a VMAC that has no IPv6 use (disable_ipv6=1).
 */
import type { SysctlFs } from './sysctl.js';

const conf4 = (ifname: string, key: string) => `net/ipv4/conf/${ifname}/${key}`;

export type SysctlLog = (level: 'info' | 'warning', message: string) => void;

interface BaseState {
  users: number;
  /** Values found before the first VMAC, put back when the last one goes (undefined: untouched). */
  arpIgnore: number | undefined;
  arpFilter: number | undefined;
}

interface RpFilterState {
  /** all.rp_filter as found. */
  readonly all: number;
  /** default.rp_filter as found, when raised. */
  readonly default: number | undefined;
  /** Interfaces whose rp_filter was raised to `all`, with their value as found. */
  readonly raised: ReadonlyMap<string, number>;
}

export class VmacSysctls {
  readonly #fs: SysctlFs;
  readonly #log: SysctlLog;
  readonly #bases = new Map<string, BaseState>();
  #rp: RpFilterState | undefined;

  constructor(fs: SysctlFs, log: SysctlLog = () => {}) {
    this.#fs = fs;
    this.#log = log;
  }

  /** A new IPv4 VMAC `vmac` on `base` (call once per VMAC; release() undoes the base part). */
  configureIpv4(vmac: string, base: string): void {
    this.#clearRpFilter();
    for (const [key, value] of [
      ['arp_ignore', 1],
      ['accept_local', 1],
      ['rp_filter', 0],
      ['promote_secondaries', 1],
    ] as const) {
      this.#set(conf4(vmac, key), value);
    }
    const state = this.#bases.get(base);
    if (state !== undefined) {
      state.users++;
      return;
    }
    const fresh: BaseState = { users: 1, arpIgnore: undefined, arpFilter: undefined };
    const ignore = this.#fs.read(conf4(base, 'arp_ignore'));
    if (ignore !== undefined && ignore !== 1 && this.#set(conf4(base, 'arp_ignore'), 1))
      fresh.arpIgnore = ignore;
    const filter = this.#fs.read(conf4(base, 'arp_filter'));
    if (filter !== undefined && filter !== 1 && this.#set(conf4(base, 'arp_filter'), 1))
      fresh.arpFilter = filter;
    this.#bases.set(base, fresh);
  }

  /** An IPv4 VMAC on `base` went: the last one puts back the base's arp_ignore/arp_filter. */
  releaseIpv4(base: string): void {
    const state = this.#bases.get(base);
    if (state === undefined || --state.users > 0) return;
    this.#bases.delete(base);
    if (state.arpIgnore !== undefined) this.#set(conf4(base, 'arp_ignore'), state.arpIgnore);
    if (state.arpFilter !== undefined) this.#set(conf4(base, 'arp_filter'), state.arpFilter);
  }

  /** IPv6 on a VMAC: disable_ipv6 = 0 (enabled) or 1. */
  setIpv6(vmac: string, enabled: boolean): void {
    this.#set(`net/ipv6/conf/${vmac}/disable_ipv6`, enabled ? 0 : 1);
  }

  /** On stop: the rp_filter values changed by #clearRpFilter, where nobody changed them since. */
  restore(): void {
    const rp = this.#rp;
    if (rp === undefined) return;
    this.#rp = undefined;
    if (this.#fs.read(conf4('all', 'rp_filter')) === 0) {
      this.#log('info', `resetting sysctl net.ipv4.conf.all.rp_filter to ${rp.all}`);
      this.#set(conf4('all', 'rp_filter'), rp.all);
    }
    if (rp.default !== undefined && this.#fs.read(conf4('default', 'rp_filter')) === rp.all) {
      this.#log('info', `resetting sysctl net.ipv4.conf.default.rp_filter to ${rp.default}`);
      this.#set(conf4('default', 'rp_filter'), rp.default);
    }
    for (const [ifname, value] of rp.raised) {
      if (this.#fs.read(conf4(ifname, 'rp_filter')) === rp.all) this.#set(conf4(ifname, 'rp_filter'), value);
    }
  }

  #clearRpFilter(): void {
    if (this.#rp !== undefined) return;
    const all = this.#fs.read(conf4('all', 'rp_filter'));
    if (all === undefined || all === 0) return;
    let dflt = this.#fs.read(conf4('default', 'rp_filter'));
    if (dflt !== undefined && dflt < all) {
      this.#log('info', `setting sysctl net.ipv4.conf.default.rp_filter from ${dflt} to ${all}`);
      this.#set(conf4('default', 'rp_filter'), all);
    } else dflt = undefined;
    const raised = new Map<string, number>();
    for (const ifname of this.#fs.list('net/ipv4/conf')) {
      if (ifname === 'all' || ifname === 'default') continue;
      const v = this.#fs.read(conf4(ifname, 'rp_filter'));
      if (v !== undefined && v < all && this.#set(conf4(ifname, 'rp_filter'), all)) raised.set(ifname, v);
    }
    this.#log('info', `setting sysctl net.ipv4.conf.all.rp_filter from ${all} to 0`);
    this.#set(conf4('all', 'rp_filter'), 0);
    this.#rp = { all, default: dflt, raised };
  }

  #set(path: string, value: number): boolean {
    const ok = this.#fs.write(path, value);
    if (!ok) this.#log('warning', `cannot set sysctl ${path.replaceAll('/', '.')} to ${value}`);
    return ok;
  }
}
