/**
 * Classic libpcap file reader (https://www.tcpdump.org/manpages/pcap-savefile.5.html). Pure over a
 * Uint8Array: both byte orders, microsecond (0xa1b2c3d4) and nanosecond (0xa1b23c4d) magic. A damaged
 * or truncated file yields the records read so far plus a stop reason; nothing throws.
 */

export type PcapByteOrder = 'le' | 'be';

export interface PcapHeader {
  readonly byteOrder: PcapByteOrder;
  /** True for the nanosecond-resolution magic; record fractions are then nanoseconds. */
  readonly nanosecond: boolean;
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly snaplen: number;
  /** LINKTYPE_* value (low 16 bits of the field; the upper bits carry FCS flags). */
  readonly linktype: number;
}

export interface PcapRecord {
  /** 1-based frame number, as tcpdump/tshark count. */
  readonly index: number;
  readonly tsSec: number;
  /** Microseconds, or nanoseconds when the header says so. */
  readonly tsFrac: number;
  readonly originalLength: number;
  readonly data: Uint8Array;
}

export type PcapOpenReason = 'too-short' | 'bad-magic' | 'pcapng-unsupported';
export type PcapStopReason = 'truncated-record-header' | 'truncated-record-data' | 'record-too-large';

export type PcapReadResult =
  | {
      readonly ok: true;
      readonly header: PcapHeader;
      readonly records: readonly PcapRecord[];
      /** Set when reading stopped before the end of the data. */
      readonly stop?: { readonly reason: PcapStopReason; readonly offset: number };
    }
  | { readonly ok: false; readonly reason: PcapOpenReason };

const MAGIC_MICRO = 0xa1b2c3d4;
const MAGIC_NANO = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
/** Larger than any sane capture length (libpcap's own limit is 256 KiB); beyond this the file is damaged. */
const MAX_RECORD = 16 * 1024 * 1024;

export function describePcapReason(reason: PcapOpenReason | PcapStopReason): string {
  switch (reason) {
    case 'too-short':
      return 'file is shorter than a pcap header (24 bytes)';
    case 'bad-magic':
      return 'not a pcap file (unknown magic number)';
    case 'pcapng-unsupported':
      return 'pcapng files are not supported; convert with: editcap -F pcap IN.pcapng OUT.pcap';
    case 'truncated-record-header':
      return 'file ends inside a record header (truncated capture)';
    case 'truncated-record-data':
      return 'file ends inside a packet (truncated capture)';
    case 'record-too-large':
      return 'record length is implausibly large (damaged file)';
  }
}

export function readPcap(bytes: Uint8Array): PcapReadResult {
  if (bytes.length < 4) return { ok: false, reason: 'too-short' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, false) === PCAPNG_SHB) return { ok: false, reason: 'pcapng-unsupported' };
  if (bytes.length < 24) return { ok: false, reason: 'too-short' };
  let le: boolean;
  const m = view.getUint32(0, true);
  if (m === MAGIC_MICRO || m === MAGIC_NANO) le = true;
  else {
    const mb = view.getUint32(0, false);
    if (mb !== MAGIC_MICRO && mb !== MAGIC_NANO) return { ok: false, reason: 'bad-magic' };
    le = false;
  }
  const nanosecond = view.getUint32(0, le) === MAGIC_NANO;
  const header: PcapHeader = {
    byteOrder: le ? 'le' : 'be',
    nanosecond,
    versionMajor: view.getUint16(4, le),
    versionMinor: view.getUint16(6, le),
    snaplen: view.getUint32(16, le),
    linktype: view.getUint32(20, le) & 0xffff,
  };
  const records: PcapRecord[] = [];
  let off = 24;
  while (off < bytes.length) {
    if (bytes.length - off < 16)
      return { ok: true, header, records, stop: { reason: 'truncated-record-header', offset: off } };
    const tsSec = view.getUint32(off, le);
    const tsFrac = view.getUint32(off + 4, le);
    const capLen = view.getUint32(off + 8, le);
    const originalLength = view.getUint32(off + 12, le);
    if (capLen > MAX_RECORD)
      return { ok: true, header, records, stop: { reason: 'record-too-large', offset: off } };
    if (bytes.length - off - 16 < capLen) {
      return { ok: true, header, records, stop: { reason: 'truncated-record-data', offset: off } };
    }
    records.push({
      index: records.length + 1,
      tsSec,
      tsFrac,
      originalLength,
      data: bytes.subarray(off + 16, off + 16 + capLen),
    });
    off += 16 + capLen;
  }
  return { ok: true, header, records };
}

export interface PcapWriteRecord {
  readonly tsSec: number;
  /** Microseconds. */
  readonly tsUsec: number;
  readonly data: Uint8Array;
}

/** Writes a little-endian microsecond pcap file image (used by tests and synthetic captures). */
export function writePcap(
  linktype: number,
  records: readonly PcapWriteRecord[],
  snaplen = 262144,
): Uint8Array {
  const size = 24 + records.reduce((n, r) => n + 16 + r.data.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC_MICRO, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, snaplen, true);
  view.setUint32(20, linktype, true);
  let off = 24;
  for (const r of records) {
    view.setUint32(off, r.tsSec, true);
    view.setUint32(off + 4, r.tsUsec, true);
    view.setUint32(off + 8, r.data.length, true);
    view.setUint32(off + 12, r.data.length, true);
    out.set(r.data, off + 16);
    off += 16 + r.data.length;
  }
  return out;
}
