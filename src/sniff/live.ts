/**
 * The state of a live `vigil sniff -i`: frames in, packets and a summary out. Pure (the capture and
 * the clock are the caller's); it keeps the most recent packets only, so a sniff left running for
 * days holds a bounded amount of memory while the summary reflects the recent past.
 */
import { formatPcapTime, type SniffPacket, type SniffSummary, sniffFrame, summarize } from './analyze.js';

/** Packets kept for the summary: at one advert per second per speaker, hours of a busy LAN. */
export const LIVE_PACKETS_KEPT = 50_000;

export class LiveSniff {
  private frames = 0;
  private vrrp = 0;
  private invalid = 0;
  private readonly kept: SniffPacket[] = [];

  constructor(
    private readonly linktype: number,
    private readonly keep = LIVE_PACKETS_KEPT,
  ) {}

  /** One captured frame; the VRRP packet it carries, or undefined for any other frame. */
  frame(data: Uint8Array, tsSec: number, tsNsec: number): SniffPacket | undefined {
    this.frames++;
    const p = sniffFrame(this.linktype, data, formatPcapTime(tsSec, tsNsec, true), tsSec + tsNsec / 1e9);
    if (!p) return undefined;
    this.vrrp++;
    if (p.record.error !== null) this.invalid++;
    this.kept.push(p);
    if (this.kept.length > this.keep) this.kept.splice(0, this.kept.length - this.keep);
    return p;
  }

  /** VRRP packets seen so far (valid or not), for `--count`. */
  get packets(): number {
    return this.vrrp;
  }

  /** Speakers and conflicts over the packets kept; the counts cover the whole capture. */
  summary(): SniffSummary {
    const s = summarize(this.kept, { frames: this.frames, linktype: this.linktype, stopReason: null });
    return { ...s, vrrpPackets: this.vrrp, invalidPackets: this.invalid };
  }
}
