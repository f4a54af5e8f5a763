/**
 * Interface sysctls (edge): /proc/sys/net/ipv4/conf/IF/NAME and /proc/sys/net/ipv6/conf/IF/NAME, as
 * keepalived sets them (vrrp_if_config.c set_sysctl / get_sysctl).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { IpFamily } from '../net/addr.js';

const path = (family: IpFamily, ifname: string, name: string) =>
  `/proc/sys/net/${family === 'ipv4' ? 'ipv4' : 'ipv6'}/conf/${ifname}/${name}`;

/** The setting's value, or undefined when the interface or setting does not exist. */
export function readInterfaceSysctl(family: IpFamily, ifname: string, name: string): number | undefined {
  try {
    const v = Number.parseInt(readFileSync(path(family, ifname, name), 'utf8').trim(), 10);
    return Number.isNaN(v) ? undefined : v;
  } catch {
    return undefined;
  }
}

/** Sets the value; throws the write's error (ENOENT when the interface is gone). */
export function writeInterfaceSysctl(family: IpFamily, ifname: string, name: string, value: number): void {
  writeFileSync(path(family, ifname, name), `${value}\n`);
}
