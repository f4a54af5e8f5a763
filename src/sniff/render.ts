/** Text rendering for `vigil sniff`: a packet table, speakers and conflicts. Pure: data in, string out. */
import type { Conflict, SniffRecord, SniffSummary } from './analyze.js';

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

const show = (v: number | string | null): string => (v === null ? '-' : String(v));

export function renderRecords(records: readonly SniffRecord[]): string {
  if (records.length === 0) return 'no VRRP packets\n';
  const rows = records.map((r) => [
    r.time,
    r.src,
    r.dst,
    String(r.ttl),
    r.version === null ? '-' : `v${r.version}`,
    show(r.vrid),
    show(r.priority),
    show(r.adverIntCs),
    show(r.authType),
    r.addresses.join(',') || '-',
    r.checksumOk ? 'ok' : 'BAD',
    r.error ?? '',
  ]);
  return `${table(['TIME', 'SRC', 'DST', 'TTL', 'VER', 'VRID', 'PRIO', 'INT(cs)', 'AUTH', 'ADDRESSES', 'CKSUM', 'ERROR'], rows)}\n`;
}

function describeConflict(c: Conflict): string {
  if (c.kind === 'multiple-masters') {
    return `VRID ${c.vrid} (${c.family}): two masters ${c.sources[0]} and ${c.sources[1]} from ${c.from} to ${c.to}`;
  }
  const lists = c.lists.map((l) => `[${l.addresses.join(',')}] from ${l.sources.join(',')}`).join('; ');
  return `VRID ${c.vrid} (${c.family}): address lists differ: ${lists}`;
}

export function renderSummary(s: SniffSummary): string {
  const out: string[] = [];
  out.push(
    `\n${s.frames} frames, ${s.vrrpPackets} VRRP packets, ${s.invalidPackets} invalid${s.stopReason ? ` (stopped: ${s.stopReason})` : ''}`,
  );
  out.push('\nSpeakers:');
  if (s.speakers.length === 0) out.push('  none');
  else {
    const rows = s.speakers.map((p) => [
      p.src,
      String(p.vrid),
      `v${p.version}`,
      p.priorityMin === p.priorityMax ? String(p.priorityMin) : `${p.priorityMin}-${p.priorityMax}`,
      p.adverIntCs.join(','),
      String(p.packets),
    ]);
    out.push(
      table(['SRC', 'VRID', 'VER', 'PRIO', 'INT(cs)', 'PACKETS'], rows)
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
  }
  out.push('\nConflicts:');
  if (s.conflicts.length === 0) out.push('  none');
  else for (const c of s.conflicts) out.push(`  ${describeConflict(c)}`);
  return `${out.join('\n')}\n`;
}
