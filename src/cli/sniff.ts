/**
 * `vigil sniff -r FILE.pcap | -i IFACE`: thin edge that reads the file, or captures live, and prints
 * what src/sniff finds.
 */
import { readFileSync } from 'node:fs';
import { CaptureError, openPacketCapture } from '../kernel/packet-capture.js';
import { analyzeCapture, type SniffSummary } from '../sniff/analyze.js';
import { LIVE_PACKETS_KEPT, LiveSniff } from '../sniff/live.js';
import { renderRecordHeader, renderRecordLine, renderRecords, renderSummary } from '../sniff/render.js';

export const SNIFF_USAGE = `Usage: vigil sniff -r FILE.pcap [--json]
       vigil sniff -i IFACE [--json] [--summary] [-c COUNT] [--duration SECONDS]

Decode the VRRP adverts in a classic pcap capture (Ethernet with VLAN tags, Linux cooked SLL/SLL2,
raw IP, BSD loopback or Frame Relay; pcapng is not supported), or captured live on an interface,
and report speakers and VRID conflicts. Frames that are not VRRP are skipped.

  -r, --read=FILE        the capture to read ('-' for standard input)
  -i, --interface=IFACE  capture live on IFACE (as root: an AF_PACKET socket, promiscuous like
                         tcpdump); packets print as they arrive, the summary when the capture ends
      --summary          live: no packet lines, a table of speakers and conflicts instead, redrawn
                         every second on a terminal (elsewhere printed once, at the end)
  -c, --count=N          live: stop after N VRRP packets
      --duration=S       live: stop after S seconds (SIGINT/SIGTERM stop too; the summary follows)
      --json             one JSON object per VRRP packet, then one summary line
  -h, --help             this help

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
            | {kind: "address-mismatch", family, vrid, lists: [{addresses, sources}]}
            | {kind: "shared-vrid", family, vrid, clusters: [{addresses, sources}]}
            | {kind: "auth-mismatch", family, vrid, auths: [{value, sources}]}
            | {kind: "version-mismatch", family, vrid, versions: [{value, sources}]}
            | {kind: "interval-mismatch", family, vrid, intervals: [{value, sources}]}]}}
A "multiple-masters" conflict means two sources sent non-zero-priority adverts for one VRID (same
family) during overlapping periods. "address-mismatch": address lists that overlap but differ (one
cluster, mismatched configs: keepalived logs "ip address associated with VRID not present in MASTER
advert"); "shared-vrid": lists with no address in common (another cluster uses the VRID).
Live times have nanosecond precision; the live summary covers the last ${LIVE_PACKETS_KEPT} packets.

Exit status: 0 when the capture was read (even if it ends early: see stopReason) or the live capture
ended, 1 on errors.
`;

interface SniffOptions {
  file?: string;
  iface?: string;
  json: boolean;
  summary: boolean;
  count?: number;
  durationS?: number;
}

type Parsed = { ok: true; opts: SniffOptions } | { ok: false; code: number };

function parse(argv: readonly string[]): Parsed {
  const opts: SniffOptions = { json: false, summary: false };
  const fail = (msg: string): Parsed => ({ ok: false, code: usageError(msg) });
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') opts.json = true;
    else if (a === '--summary') opts.summary = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(SNIFF_USAGE);
      return { ok: false, code: 0 };
    } else {
      // -r FILE, -rFILE, --read FILE, --read=FILE, and the same shapes for the other valued options.
      const m =
        /^(-[ric]|--read|--interface|--count|--duration)(?:=(.*))?$/.exec(a) ?? /^(-[ric])(.+)$/.exec(a);
      if (!m) return fail(`unknown option '${a}'`);
      const value = m[2] ?? argv[++i];
      if (value === undefined) return fail(`option ${m[1]} needs a value`);
      const name = m[1]!;
      if (name === '-r' || name === '--read') opts.file = value;
      else if (name === '-i' || name === '--interface') opts.iface = value;
      else if (name === '-c' || name === '--count') {
        if (!/^[1-9]\d*$/.test(value)) return fail(`${name} needs a positive whole number, not '${value}'`);
        opts.count = Number(value);
      } else {
        const d = Number(value);
        if (!/^\d+(\.\d+)?$/.test(value) || !(d > 0))
          return fail(`--duration needs a positive number of seconds, not '${value}'`);
        opts.durationS = d;
      }
    }
  }
  if ((opts.file === undefined) === (opts.iface === undefined))
    return fail('-r FILE or -i IFACE is required (one of them)');
  if (opts.file !== undefined && (opts.summary || opts.count !== undefined || opts.durationS !== undefined))
    return fail('--summary, --count and --duration go with -i (live capture)');
  return { ok: true, opts };
}

export async function runSniff(argv: readonly string[]): Promise<number> {
  const parsed = parse(argv);
  if (!parsed.ok) return parsed.code;
  const { opts } = parsed;
  if (opts.iface !== undefined) return sniffLive(opts.iface, opts);
  const file = opts.file!;
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
  if (opts.json) {
    const lines = result.records.map((r) => JSON.stringify(r));
    lines.push(summaryJson(result.summary));
    process.stdout.write(`${lines.join('\n')}\n`);
  } else {
    process.stdout.write(renderRecords(result.records) + renderSummary(result.summary));
  }
  if (result.summary.stopReason) process.stderr.write(`vigil sniff: ${file}: ${result.summary.stopReason}\n`);
  return 0;
}

const summaryJson = (summary: SniffSummary) => JSON.stringify({ summary });

/** Captures until --count, --duration or a signal, printing as `-r` does (or the live table). */
function sniffLive(iface: string, opts: SniffOptions): Promise<number> {
  const out = process.stdout;
  const redraw = opts.summary && !opts.json && out.isTTY === true;
  let live: LiveSniff | undefined;
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });
  let capture: ReturnType<typeof openPacketCapture>;
  try {
    capture = openPacketCapture(
      iface,
      (f) => {
        const p = live!.frame(f.data, f.tsSec, f.tsNsec);
        if (!p) return;
        if (!opts.summary)
          out.write(opts.json ? `${JSON.stringify(p.record)}\n` : renderRecordLine(p.record));
        if (opts.count !== undefined && live!.packets >= opts.count) finish(0);
      },
      (message) => process.stderr.write(`vigil sniff: ${iface}: ${message}\n`),
    );
  } catch (e) {
    process.stderr.write(`vigil sniff: ${e instanceof CaptureError ? e.message : String(e)}\n`);
    return Promise.resolve(1);
  }
  live = new LiveSniff(capture.linktype);
  const state = live;
  if (!opts.summary && !opts.json) out.write(renderRecordHeader());
  process.stderr.write(`vigil sniff: listening on ${iface}\n`);
  const heading = () =>
    `vigil sniff -i ${iface}: live, ${new Date().toISOString()} (Ctrl-C ends)\n` +
    renderSummary(state.summary());
  const timers: NodeJS.Timeout[] = [];
  if (redraw) timers.push(setInterval(() => out.write(`\x1b[H\x1b[2J${heading()}`), 1000));
  if (opts.durationS !== undefined) timers.push(setTimeout(() => finish(0), opts.durationS * 1000));
  const stop = () => finish(0);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return done.then((code) => {
    capture.close();
    for (const t of timers) clearTimeout(t);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    const summary = state.summary();
    out.write(
      opts.json ? `${summaryJson(summary)}\n` : redraw ? `\x1b[H\x1b[2J${heading()}` : renderSummary(summary),
    );
    return code;
  });
}

function usageError(msg: string): number {
  process.stderr.write(`vigil sniff: ${msg}\n${SNIFF_USAGE}`);
  return 1;
}
