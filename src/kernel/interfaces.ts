/**
 * Interface facts from sysfs (edge): if_nametoindex(3) and the hardware address, read from
 * /sys/class/net/NAME/{ifindex,address}. `ip netns exec` remounts /sys, so these see the current
 * namespace's interfaces.
 */
import { readFileSync } from 'node:fs';

/** Linux interface names: 1..15 bytes, no '/', no whitespace, not '.' or '..' (dev_valid_name). */
export function isValidInterfaceName(name: string): boolean {
  return name.length > 0 && name.length <= 15 && name !== '.' && name !== '..' && !/[/\s:]/.test(name);
}

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

/** 'aa:bb:cc:dd:ee:ff' -> 6 bytes; undefined for anything else. */
export function parseMac(text: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(text)) return undefined;
  return Uint8Array.from(text.split(':'), (h) => Number.parseInt(h, 16));
}
