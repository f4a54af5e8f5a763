/**
 * VMAC interfaces (edge): keepalived's use_vmac macvlans, created, updated and removed over
 * rtnetlink (bytes in netlink-codec.ts), with their sysctls (vmac-sysctl.ts). What each one looks
 * like is decided by the plan (a VmacSpec); this module only makes the kernel match it.
 *
 * An interface of the planned name left by an earlier run is used as keepalived does: a macvlan on
 * the same base is kept (given the planned MAC and mode if they differ), a macvlan on another base
 * is deleted and created again, anything else is an error.
 */
import { IFA_F_NODAD, RT_SCOPE_LINK } from './constants.js';
import type { NetlinkError, RtnlClient } from './netlink.js';
import type { LinkInfo } from './netlink-codec.js';
import type { VmacSpec } from './vmac-spec.js';
import type { VmacSysctls } from './vmac-sysctl.js';

export type VmacLog = (level: 'info' | 'warning' | 'error', message: string) => void;

/** The rtnetlink requests this module makes (an RtnlClient; tests pass a fake). */
export type VmacRtnl = Pick<
  RtnlClient,
  'listLinks' | 'setMacvlan' | 'changeLink' | 'deleteLink' | 'addAddress'
>;

interface Owned {
  readonly spec: VmacSpec;
  readonly ifindex: number;
}

export class VmacManager {
  readonly #rtnl: VmacRtnl;
  readonly #sysctl: VmacSysctls;
  readonly #log: VmacLog;
  readonly #owned = new Map<string, Owned>();

  constructor(rtnl: VmacRtnl, sysctl: VmacSysctls, log: VmacLog) {
    this.#rtnl = rtnl;
    this.#sysctl = sysctl;
    this.#log = log;
  }

  /** Names of the VMACs this manager created or took over and has not removed. */
  names(): string[] {
    return [...this.#owned.keys()];
  }

  /** Makes the VMAC exist, set up, as planned (its carrier follows shortly). Throws when it cannot. */
  async ensure(spec: VmacSpec): Promise<void> {
    const mine = this.#owned.get(spec.name);
    if (mine !== undefined && JSON.stringify(mine.spec) === JSON.stringify(spec)) return;
    if (mine !== undefined) {
      // Changed by a reload: adopted again below (recreated only if its base changed).
      this.#owned.delete(spec.name);
      if (mine.spec.ipv4Sysctls) this.#sysctl.releaseIpv4(mine.spec.base);
    }
    const links = await this.#rtnl.listLinks();
    const base = links.find((l) => l.name === spec.base);
    if (base === undefined) throw new Error(`VMAC ${spec.name}: base interface ${spec.base} does not exist`);
    const found = links.find((l) => l.name === spec.name);
    const ifindex = await this.#createOrAdopt(spec, base, found);
    this.#owned.set(spec.name, { spec, ifindex });
    if (spec.ipv4Sysctls) this.#sysctl.configureIpv4(spec.name, spec.base);
    this.#sysctl.setIpv6(spec.name, spec.ipv6);
    // RFC 5798 7.4: no EUI-64 link-local address from the virtual MAC. Set before the link is up.
    await this.#rtnl.changeLink({ ifindex, noIpv6AddrGen: true }).catch((e: unknown) => {
      this.#log('warning', `VMAC ${spec.name}: cannot turn off IPv6 address generation: ${msg(e)}`);
    });
    await this.#rtnl.changeLink({ ifindex, up: true });
    if (spec.linkLocal !== undefined) {
      await this.#rtnl
        .addAddress({
          family: 'ipv6',
          ifindex,
          address: spec.linkLocal,
          prefixLength: 64,
          scope: RT_SCOPE_LINK,
          flags: IFA_F_NODAD,
        })
        .catch((e: unknown) => {
          if ((e as NetlinkError).code !== 'EEXIST') throw e;
        });
    }
  }

  owns(name: string): boolean {
    return this.#owned.has(name);
  }

  /** Creates an owned VMAC again (someone deleted it). */
  async recreate(name: string): Promise<void> {
    const mine = this.#owned.get(name);
    if (mine === undefined) return;
    this.#owned.delete(name);
    if (mine.spec.ipv4Sysctls) this.#sysctl.releaseIpv4(mine.spec.base);
    await this.ensure(mine.spec);
  }

  /** Deletes a VMAC this manager owns (and undoes its base's sysctls). */
  async remove(name: string): Promise<void> {
    const mine = this.#owned.get(name);
    if (mine === undefined) return;
    this.#owned.delete(name);
    if (mine.spec.ipv4Sysctls) this.#sysctl.releaseIpv4(mine.spec.base);
    try {
      await this.#rtnl.deleteLink(mine.ifindex);
      this.#log('info', `removed VMAC interface ${name}`);
    } catch (e) {
      // ENODEV: already gone (deleted by hand, or with its base interface).
      if ((e as NetlinkError).code !== 'ENODEV') this.#log('error', `cannot remove VMAC ${name}: ${msg(e)}`);
    }
  }

  /** On stop: every owned VMAC goes, and the global rp_filter values come back. */
  async removeAll(): Promise<void> {
    for (const name of this.names()) await this.remove(name);
    this.#sysctl.restore();
  }

  async #createOrAdopt(spec: VmacSpec, base: LinkInfo, found: LinkInfo | undefined): Promise<number> {
    const settings = { mac: spec.mac, mode: spec.mode } as const;
    if (found !== undefined) {
      if (found.kind !== 'macvlan') {
        throw new Error(`VMAC ${spec.name}: an interface of that name exists and is not a macvlan`);
      }
      if (found.link === base.ifindex) {
        if (found.hwaddr !== spec.mac || found.macvlanMode !== spec.mode) {
          this.#log('info', `updating existing VMAC interface ${spec.name} (wrong MAC or mode)`);
          await this.#rtnl.setMacvlan({ op: 'update', ifindex: found.ifindex, ...settings });
        } else this.#log('info', `using existing VMAC interface ${spec.name}`);
        return found.ifindex;
      }
      this.#log('info', `removing VMAC interface ${spec.name}: it is on another interface`);
      await this.#rtnl.deleteLink(found.ifindex);
    }
    await this.#rtnl.setMacvlan({ op: 'create', name: spec.name, link: base.ifindex, ...settings });
    const made = (await this.#rtnl.listLinks()).find((l) => l.name === spec.name);
    if (made === undefined) throw new Error(`VMAC ${spec.name} vanished after creation`);
    this.#log('info', `created VMAC interface ${spec.name} (${spec.mac}) on ${spec.base}`);
    return made.ifindex;
  }
}

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));
