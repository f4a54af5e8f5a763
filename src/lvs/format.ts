/**
 * `vigil lvs`: the data plane's view (LvsView) printed like `ipvsadm -Ln` / `ipvsadm -Ln --stats`
 * (lvs.md §4 "ipvsadm output"). Pure. The nftables driver has no per-connection state of its own
 * (conntrack holds it), so ActiveConn/InActConn, and packet/byte figures it cannot give (DR,
 * fwmark and port-0 services), print `-`.
 */
import type { DesiredService } from '../check/table.js';
import { destKey } from '../check/table.js';
import type { LvsCounters, LvsView } from './driver.js';

const FORWARD = { NAT: 'Masq', DR: 'Route', TUN: 'Tunnel' } as const;

/** ipvsadm print_largenum: 9 wide, K/M/G/T past 10^8. */
export function largeNum(n: number): string {
  const units: [number, number, string][] = [
    [1e14, 1e12, 'T'],
    [1e11, 1e9, 'G'],
    [1e9, 1e6, 'M'],
    [1e8, 1e3, 'K'],
  ];
  for (const [over, div, unit] of units) if (n >= over) return `${Math.floor(n / div)}${unit}`.padStart(9);
  return String(n).padStart(9);
}

function serviceLine(s: DesiredService): string {
  const id =
    s.fwmark !== undefined
      ? `FWM  ${s.fwmark}${s.family === 'ipv6' ? ' IPv6' : ''}`
      : `${s.protocol ?? 'TCP'}  ${destKey({ address: s.address ?? '', port: s.port ?? 0 })}`;
  return id;
}

function flags(s: DesiredService): string {
  let f = '';
  if (s.persistenceTimeoutS !== undefined) {
    f += ` persistent ${s.persistenceTimeoutS}`;
    const g = s.persistenceGranularity;
    if (g !== undefined && g !== '255.255.255.255' && g !== '128' && g !== '/128') f += ` mask ${g}`;
  }
  if (s.persistenceEngine !== undefined) f += ` pe ${s.persistenceEngine}`;
  return f;
}

export function formatLvs(view: LvsView, opts: { stats?: boolean } = {}): string {
  const out: string[] = [`vigil LVS table (driver ${view.driver})`];
  if (opts.stats) {
    out.push(
      `${'Prot LocalAddress:Port'.padEnd(33)}${['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes'].map((h) => h.padStart(9)).join('')}`,
      '  -> RemoteAddress:Port',
    );
  } else {
    out.push(
      'Prot LocalAddress:Port Scheduler Flags',
      '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
    );
  }
  const dash = '-'.padStart(9);
  const figures = (c: LvsCounters | undefined) =>
    c === undefined
      ? dash.repeat(5)
      : [c.conns, c.inPkts, c.outPkts, c.inBytes, c.outBytes]
          .map((n) => (n === undefined ? dash : largeNum(n)))
          .join('');
  for (const s of view.table.services) {
    const st = view.stats?.[s.key];
    if (opts.stats) out.push(`${serviceLine(s).padEnd(33)}${figures(st)}`);
    else out.push(`${serviceLine(s)} ${s.scheduler}${flags(s)}`);
    for (const d of s.dests) {
      const k = destKey(d);
      if (opts.stats) out.push(`${`  -> ${k}`.padEnd(33)}${figures(st?.dests[k])}`);
      else
        out.push(
          `  -> ${k.padEnd(28)} ${FORWARD[d.method].padEnd(7)} ${String(d.weight).padEnd(6)} ${'-'.padEnd(10)} -`,
        );
    }
  }
  return `${out.join('\n')}\n`;
}
