/**
 * sysctl access (edge): integers under /proc/sys, by their dotted-path-free relative name
 * (`net/ipv4/conf/eth0/arp_ignore`). `ip netns exec` gives each namespace its own /proc/sys/net.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SysctlFs {
  /** The value, or undefined when the file is missing or not an integer. */
  read(path: string): number | undefined;
  /** Writes the value; false when the kernel refused or the file is missing. */
  write(path: string, value: number): boolean;
  /** Entries of a directory (e.g. `net/ipv4/conf`: all, default and one per interface). */
  list(dir: string): string[];
}

export function procSysctl(root = '/proc/sys'): SysctlFs {
  return {
    read(path) {
      try {
        const text = readFileSync(join(root, path), 'utf8').trim();
        return /^-?\d+$/.test(text) ? Number(text) : undefined;
      } catch {
        return undefined;
      }
    },
    write(path, value) {
      try {
        writeFileSync(join(root, path), `${value}\n`);
        return true;
      } catch {
        return false;
      }
    },
    list(dir) {
      try {
        return readdirSync(join(root, dir));
      } catch {
        return [];
      }
    },
  };
}
