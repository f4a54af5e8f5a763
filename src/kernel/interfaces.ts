/**
 * Interface facts from sysfs (edge): if_nametoindex(3) and the hardware address, read from
 * /sys/class/net/NAME/{ifindex,address}. `ip netns exec` remounts /sys, so these see the current
 * namespace's interfaces.
 */
import { readFileSync } from 'node:fs';
import { isValidInterfaceName, parseMac } from '../net/link.js';

export { isValidInterfaceName, parseMac };

function readSys(name: string, file: string): string | undefined {
  if (!isValidInterfaceName(name)) return undefined;
  try {
    return readFileSync(`/sys/class/net/${name}/${file}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The interface index, or undefined when there is no such interface. */
export function ifNameToIndex(name: string): number | undefined {
  const text = readSys(name, 'ifindex');
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/** The interface's MAC address (6 bytes for Ethernet), or undefined. */
export function interfaceMac(name: string): Uint8Array | undefined {
  const text = readSys(name, 'address');
  return text === undefined ? undefined : parseMac(text);
}
