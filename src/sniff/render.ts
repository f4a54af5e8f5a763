/** Text rendering for `vigil sniff`: a packet table, speakers and conflicts. Pure: data in, string out. */
import type { AddressList, Conflict, SniffRecord, SniffSummary, Variant } from './analyze.js';

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

const RECORD_HEAD = [
  'TIME',
  'SRC',
  'DST',
  'TTL',
  'VER',
  'VRID',
  'PRIO',
  'INT(cs)',
  'AUTH',
  'ADDRESSES',
  'CKSUM',
  'ERROR',
];

function recordCells(r: SniffRecord): string[] {
  return [
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
  ];
}

export function renderRecords(records: readonly SniffRecord[]): string {
  if (records.length === 0) return 'no VRRP packets\n';
  return `${table(RECORD_HEAD, records.map(recordCells))}\n`;
}

/**
 * Live capture prints each packet as it arrives, so columns cannot be sized from all rows: they get
 * widths that fit the usual values (a wider value pushes its line's later columns right).
 */
const LIVE_WIDTHS = [30, 15, 15, 3, 3, 4, 4, 7, 4, 15, 5];

export function renderRecordHeader(): string {
  return `${liveLine(RECORD_HEAD)}\n`;
}

export function renderRecordLine(r: SniffRecord): string {
  return `${liveLine(recordCells(r))}\n`;
}

function liveLine(cells: readonly string[]): string {
  return cells
    .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(LIVE_WIDTHS[i] ?? 0)))
    .join('  ')
    .trimEnd();
}

function variantList<T extends string | number>(list: readonly Variant<T>[], fmt: (v: T) => string): string {
  return list.map((v) => `${fmt(v.value)} from ${v.sources.join(',')}`).join('; ');
}

const addressLists = (lists: readonly AddressList[]) =>
  lists.map((l) => `[${l.addresses.join(',')}] from ${l.sources.join(',')}`).join('; ');

/** One line per conflict, with what keepalived logs about it where it logs something. */
function describeConflict(c: Conflict): string {
  const at = `VRID ${c.vrid} (${c.family})`;
  switch (c.kind) {
    case 'multiple-masters':
      return `${at}: two masters ${c.sources[0]} and ${c.sources[1]} from ${c.from} to ${c.to}`;
    case 'address-mismatch':
      return `${at}: address lists differ: ${addressLists(c.lists)} (keepalived: "ip address associated with VRID ${c.vrid} not present in MASTER advert")`;
    case 'shared-vrid':
      return `${at}: used by ${c.clusters.length} clusters with no address in common: ${addressLists(c.clusters)}; give one of them another virtual_router_id`;
    case 'auth-mismatch':
      return `${at}: authentication differs: ${variantList(c.auths, String)} (keepalived drops these adverts)`;
    case 'version-mismatch':
      return `${at}: VRRP versions differ: ${variantList(c.versions, (v) => `v${v}`)}`;
    case 'interval-mismatch':
      return `${at}: advert intervals differ: ${variantList(c.intervals, (v) => `${v} cs`)} (keepalived: "advertisement interval mismatch")`;
  }
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
      p.lastTime.slice(11, 23), // HH:MM:SS.mmm: who is still speaking, in a live table
    ]);
    out.push(
      table(['SRC', 'VRID', 'VER', 'PRIO', 'INT(cs)', 'PACKETS', 'LAST SEEN'], rows)
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
