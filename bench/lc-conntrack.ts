/**
 * What the lc/wlc controller of bench/lc-vm.ts reads from the kernel: per real server, its active
 * (ESTABLISHED) connections and the connections that appeared since the previous read, from the
 * text of /proc/net/nf_conntrack. Pure: the caller reads the file.
 */

export interface FlowCounts {
  /** ESTABLISHED flows per server (IPVS's ActiveConn). */
  readonly active: number[];
  /** Flows per server not in the previous read (arrivals, while TIME_WAIT outlasts the interval). */
  readonly arrivals: number[];
  /** Every flow of this read, to pass as `previous` to the next one. */
  readonly seen: Set<string>;
}

/**
 * Counts the flows to `vip`:`port` that were DNATed to one of `servers` (the reply tuple's source).
 * A line: `ipv4 2 tcp 6 431999 ESTABLISHED src=C dst=VIP sport=P dport=80 src=RS dst=C sport=80 ...`.
 */
export function countFlows(
  text: string,
  vip: string,
  port: number,
  servers: readonly string[],
  previous: ReadonlySet<string>,
): FlowCounts {
  const active = servers.map(() => 0);
  const arrivals = servers.map(() => 0);
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const f = line.split(/\s+/);
    if (f[2] !== 'tcp') continue;
    const kv = (key: string, nth: number): string | undefined =>
      f.filter((x) => x.startsWith(`${key}=`))[nth]?.slice(key.length + 1);
    if (kv('dst', 0) !== vip || kv('dport', 0) !== String(port)) continue;
    const rs = kv('src', 1);
    const i = rs === undefined ? -1 : servers.indexOf(rs);
    if (i < 0) continue;
    const key = `${kv('src', 0)}:${kv('sport', 0)}>${rs}`;
    seen.add(key);
    if (!previous.has(key)) arrivals[i]!++;
    if (f[5] === 'ESTABLISHED') active[i]!++;
  }
  return { active, arrivals, seen };
}
