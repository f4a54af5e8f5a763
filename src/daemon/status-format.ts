/** Human-readable rendering of a status report (pure). */
import type { StatusReport, VirtualServerStatus } from './status-types.js';

/** Rows as columns padded to their widest cell (the last column unpadded). */
function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** One row per real server, under its virtual server's quorum and sorry-server state. */
export function formatVirtualServers(vss: readonly VirtualServerStatus[]): string {
  const rows = [['VIRTUAL SERVER', 'QUORUM', 'REAL SERVER', 'ALIVE', 'WEIGHT', 'CHECKERS']];
  for (const vs of vss) {
    const quorum = `${vs.quorumUp ? 'up' : 'down'}${vs.sorryServerActive ? ' (sorry server)' : ''}`;
    vs.realServers.forEach((rs, i) => {
      const host = rs.address.includes(':') ? `[${rs.address}]` : rs.address;
      const checkers = rs.checkers
        .map((c) => `${c.type} ${c.ok ? 'ok' : 'FAILED'}${c.reason !== null ? ` (${c.reason})` : ''}`)
        .join(', ');
      rows.push([
        i === 0 ? vs.name : '',
        i === 0 ? quorum : '',
        `${host}:${rs.port}`,
        rs.alive ? 'yes' : 'no',
        rs.effectiveWeight === rs.weight ? String(rs.weight) : `${rs.effectiveWeight} (${rs.weight})`,
        checkers || '-',
      ]);
    });
  }
  return `${columns(rows)}\n`;
}

export function formatStatus(r: StatusReport): string {
  const rows = [['INSTANCE', 'STATE', 'VRID', 'PRIO', 'BASE', 'MASTER', 'VIPS', 'LAST TRANSITION']];
  for (const i of r.instances) {
    rows.push([
      i.name,
      i.state,
      String(i.vrid),
      String(i.effectivePriority),
      String(i.basePriority),
      i.masterAddress ?? '-',
      i.vips.join(',') || '-',
      i.lastTransition ? `${i.lastTransition.at} ${i.lastTransition.reason}` : '-',
    ]);
  }
  const vss = r.virtualServers ?? [];
  return (
    `vigil pid ${r.pid}, config ${r.configFile}, up since ${r.startedAt}\n${columns(rows)}\n` +
    (vss.length > 0 ? `\n${formatVirtualServers(vss)}` : '')
  );
}
