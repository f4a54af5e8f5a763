/** Human-readable rendering of a status report (pure). */
import type { StatusReport } from './status-types.js';

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
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
  return `vigil pid ${r.pid}, config ${r.configFile}, up since ${r.startedAt}\n${lines.join('\n')}\n`;
}
