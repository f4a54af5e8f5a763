/** `vigil sniff -r FILE.pcap [--json]`: thin edge that reads the file and prints what src/sniff finds. */
import { readFileSync } from 'node:fs';
import { analyzeCapture } from '../sniff/analyze.js';
import { renderRecords, renderSummary } from '../sniff/render.js';

export const SNIFF_USAGE = `Usage: vigil sniff -r FILE.pcap [--json]

Decode the VRRP adverts in a classic pcap capture (Ethernet with VLAN tags, Linux cooked SLL/SLL2,
raw IP, BSD loopback or Frame Relay; pcapng is not supported) and report speakers and VRID
conflicts. Frames that are not VRRP are skipped.

  -r, --read=FILE   the capture to read ('-' for standard input)
      --json        one JSON object per VRRP packet, then one summary line
  -h, --help        this help

JSON packet lines have exactly these fields:
  time        ISO-8601 UTC with the capture's precision, e.g. "2026-11-21T22:28:01.123456Z"
  src, dst    IP source and destination         ttl         IPv4 TTL / IPv6 hop limit
  version     2 or 3                            vrid, priority
  adverIntCs  advert interval in centiseconds (v2: seconds * 100)
  authType    v2 auth type (0 none, 1 PASS, 2 AH); null for v3
  addresses   virtual addresses                 checksumOk  true when the VRRP checksum verifies
  error       null, or why the packet is invalid (e.g. "bad-checksum", "truncated"); the other fields
              then hold what could be read (null when unknown)
The last line is {"summary": {frames, vrrpPackets, invalidPackets, linktype, stopReason,
  speakers: [{family, src, vrid, version, priorityMin, priorityMax, adverIntCs: [..], packets,
              firstTime, lastTime}],
  conflicts: [{kind: "multiple-masters", family, vrid, sources: [a, b], from, to}
            | {kind: "address-mismatch", family, vrid, lists: [{addresses, sources}]}]}}
A "multiple-masters" conflict means two sources sent non-zero-priority adverts for one VRID (same
family) during overlapping periods.

Exit status: 0 when the capture was read (even if it ends early: see stopReason), 1 on errors.
`;

export async function runSniff(argv: readonly string[]): Promise<number> {
  let file: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(SNIFF_USAGE);
      return 0;
    } else if (a === '-r' || a === '--read') {
      file = argv[++i];
      if (file === undefined) return usageError(`option ${a} needs a value`);
    } else if (a.startsWith('--read=')) file = a.slice('--read='.length);
    else if (a.startsWith('-r') && a.length > 2) file = a.slice(2);
    else return usageError(`unknown option '${a}'`);
  }
  if (file === undefined) return usageError('-r FILE is required');
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file === '-' ? 0 : file); // '-' reads the capture from stdin, as tcpdump -r does
  } catch (err) {
    process.stderr.write(
      `vigil sniff: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`,
    );
    return 1;
  }
  const result = analyzeCapture(bytes);
  if (!result.ok) {
    process.stderr.write(`vigil sniff: ${file}: ${result.error}\n`);
    return 1;
  }
  if (json) {
    const lines = result.records.map((r) => JSON.stringify(r));
    lines.push(JSON.stringify({ summary: result.summary }));
    process.stdout.write(`${lines.join('\n')}\n`);
  } else {
    process.stdout.write(renderRecords(result.records) + renderSummary(result.summary));
  }
  if (result.summary.stopReason) process.stderr.write(`vigil sniff: ${file}: ${result.summary.stopReason}\n`);
  return 0;
}

function usageError(msg: string): number {
  process.stderr.write(`vigil sniff: ${msg}\n${SNIFF_USAGE}`);
  return 1;
}
