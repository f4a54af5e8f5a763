/**
 * `vigil lvs`: the data plane's view (LvsView) printed like `ipvsadm -Ln` / `ipvsadm -Ln --stats` /
 * `ipvsadm -Ln --rate` / `--thresholds` / `--tun-info` (lvs.md §4 "ipvsadm output"; ipvsadm.c print_title / print_service_entry). Pure. The nftables driver has no per-connection state of its own
 * (conntrack holds it), so ActiveConn/InActConn, and packet/byte figures it cannot give (DR,
 * fwmark and port-0 services), print `-`.
 */
import type { DesiredDest, DesiredService } from '../check/table.js';
import { destKey, IPIP_TUNNEL } from '../check/table.js';
import type { LvsCounters, LvsRates, LvsView } from './driver.js';

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

const STATS_HEAD = ['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes'];
const RATE_HEAD = ['CPS', 'InPPS', 'OutPPS', 'InBPS', 'OutBPS'];
const DASH = '-'.padStart(9);

const counterFigures = (c: LvsCounters | undefined) =>
  c === undefined
    ? DASH.repeat(5)
    : [c.conns, c.inPkts, c.outPkts, c.inBytes, c.outBytes]
        .map((n) => (n === undefined ? DASH : largeNum(n)))
        .join('');

/**
 * ipvsadm --rate figures: a service's all in print_largenum; a real server's CPS, InPPS and OutPPS
 * raw (` %8u`), its InBPS and OutBPS in print_largenum.
 */
function rateFigures(r: LvsRates | undefined, dest: boolean): string {
  if (r === undefined) return DASH.repeat(5);
  const raw = (n: number | undefined) => (n === undefined ? DASH : ` ${String(n).padStart(8)}`);
  const big = (n: number | undefined) => (n === undefined ? DASH : largeNum(n));
  return [r.cps, r.inPps, r.outPps].map(dest ? raw : big).join('') + [r.inBps, r.outBps].map(big).join('');
}

/** ipvsadm tunnames / tunflags (1.31): `--tun-info`'s TunnelInfo column. */
const TUN_CHECKSUM = { nocsum: '-c', csum: '+c', remcsum: 'r+c' } as const;

/** ipvsadm fwd_tun_info: `ipip`, `gue:PORT:FLAGS`, `gre:FLAGS`; `n/a` for a dest that is not TUN. */
export function tunnelInfo(d: DesiredDest): string {
  if (d.method !== 'TUN') return 'n/a';
  const t = d.tunnel ?? IPIP_TUNNEL;
  if (t.type === 'gue') return `gue:${t.port ?? 0}:${TUN_CHECKSUM[t.checksum]}`;
  if (t.type === 'gre') return `gre:${TUN_CHECKSUM[t.checksum]}`;
  return 'ipip';
}

/** Which of ipvsadm's listings: -Ln, --stats, --rate, --thresholds, --tun-info. */
export interface LvsFormat {
  readonly stats?: boolean;
  readonly rate?: boolean;
  readonly thresholds?: boolean;
  readonly tunInfo?: boolean;
}

/** The connection columns: the nftables driver keeps no per-connection state of its own. */
const NO_CONNS = '-';

export function formatLvs(view: LvsView, opts: LvsFormat = {}): string {
  const out: string[] = [`vigil LVS table (driver ${view.driver})`];
  const figures = opts.rate ? RATE_HEAD : opts.stats ? STATS_HEAD : undefined;
  if (figures !== undefined)
    out.push(
      `${'Prot LocalAddress:Port'.padEnd(33)}${figures.map((h) => ` ${h.padStart(8)}`).join('')}`,
      '  -> RemoteAddress:Port',
    );
  else if (opts.thresholds)
    out.push(
      `${'Prot LocalAddress:Port'.padEnd(33)} ${['Uthreshold', 'Lthreshold', 'ActiveConn', 'InActConn'].map((h) => h.padEnd(10)).join(' ')}`,
      '  -> RemoteAddress:Port',
    );
  else
    out.push(
      'Prot LocalAddress:Port Scheduler Flags',
      opts.tunInfo
        ? '  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn'
        : '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
    );
  for (const s of view.table.services) {
    const st = view.stats?.[s.key];
    const rt = view.rates?.[s.key];
    if (opts.rate) out.push(`${serviceLine(s).padEnd(33)}${rateFigures(rt, false)}`);
    else if (opts.stats) out.push(`${serviceLine(s).padEnd(33)}${counterFigures(st)}`);
    else out.push(`${serviceLine(s)} ${s.scheduler}${flags(s)}`);
    for (const d of s.dests) {
      const k = destKey(d);
      if (opts.rate) out.push(`${`  -> ${k}`.padEnd(33)}${rateFigures(rt?.dests[k], true)}`);
      else if (opts.stats) out.push(`${`  -> ${k}`.padEnd(33)}${counterFigures(st?.dests[k])}`);
      else if (opts.thresholds)
        out.push(
          `  -> ${k.padEnd(28)} ${String(d.uThreshold ?? 0).padEnd(10)} ${String(d.lThreshold ?? 0).padEnd(10)} ${NO_CONNS.padEnd(10)} ${NO_CONNS.padEnd(10)}`,
        );
      else if (opts.tunInfo)
        out.push(
          `  -> ${k.padEnd(28)} ${FORWARD[d.method].padEnd(7)} ${tunnelInfo(d).padEnd(13)} ${String(d.weight).padEnd(6)} ${NO_CONNS.padEnd(10)} ${NO_CONNS.padEnd(10)}`,
        );
      else
        out.push(
          `  -> ${k.padEnd(28)} ${FORWARD[d.method].padEnd(7)} ${String(d.weight).padEnd(6)} ${NO_CONNS.padEnd(10)} ${NO_CONNS}`,
        );
    }
  }
  return `${out.join('\n')}\n`;
}
