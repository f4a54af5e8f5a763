/** An in-memory /proc/sys for the VMAC sysctl rules. */
import type { SysctlFs } from '../../../src/kernel/sysctl.js';

/**
 * Values by path (`net/ipv4/conf/eth0/arp_ignore`). A write succeeds for a known path or one under
 * a VMAC's directory (`.../vrrp...`), as the kernel creates those with the interface.
 */
export function memorySysctl(
  initial: Record<string, number> = {},
): SysctlFs & { values: Map<string, number> } {
  const values = new Map(Object.entries(initial));
  return {
    values,
    read: (p) => values.get(p),
    write(p, v) {
      if (!values.has(p) && !/^net\/ipv[46]\/conf\/vrrp/.test(p)) return false;
      values.set(p, v);
      return true;
    },
    list: (dir) => [
      ...new Set(
        [...values.keys()]
          .filter((k) => k.startsWith(`${dir}/`))
          .map((k) => k.slice(dir.length + 1).split('/')[0]!),
      ),
    ],
  };
}
