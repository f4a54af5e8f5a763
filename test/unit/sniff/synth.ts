/** Test helper: synthetic VRRP captures (Ethernet + IPv4/IPv6 + VRRP) as pcap images. */
import { encodeEthernet, LinkType } from '../../../src/net/frame.js';
import { encodeIp, IPPROTO_VRRP } from '../../../src/net/ip.js';
import { type PcapWriteRecord, writePcap } from '../../../src/pcap/reader.js';
import { encodeVrrp, type VrrpPacket } from '../../../src/vrrp/packet.js';

export interface SynthAdvert {
  /** Seconds from the capture start (microsecond resolution). */
  readonly t: number;
  readonly src: string;
  readonly vrid: number;
  readonly priority: number;
  readonly version?: 2 | 3;
  readonly addresses?: readonly string[];
  readonly adverIntCs?: number;
  readonly ttl?: number;
  readonly dst?: string;
  /** v2 PASS authentication with this password (default: no authentication). */
  readonly pass?: string;
}

const T0 = 1_700_000_000;

export function advertFrame(a: SynthAdvert): Uint8Array {
  const family = a.src.includes(':') ? 'ipv6' : 'ipv4';
  const dst = a.dst ?? (family === 'ipv4' ? '224.0.0.18' : 'ff02::12');
  const version = a.version ?? (family === 'ipv6' ? 3 : 2);
  const common = {
    type: 1,
    vrid: a.vrid,
    priority: a.priority,
    family,
    addresses: a.addresses ?? [family === 'ipv4' ? '192.0.2.100' : '2001:db8::100'],
    adverIntCs: a.adverIntCs ?? 100,
    checksum: 0,
  } as const;
  const p: VrrpPacket =
    version === 2
      ? {
          ...common,
          version: 2,
          authType: a.pass === undefined ? 0 : 1,
          authData: Uint8Array.from(Buffer.from((a.pass ?? '').padEnd(8, '\0').slice(0, 8), 'latin1')),
        }
      : { ...common, version: 3 };
  const v = encodeVrrp(p, { family, src: a.src, dst });
  if (!v.ok) throw new Error(v.reason);
  const ip = encodeIp({
    family,
    src: a.src,
    dst,
    ttl: a.ttl ?? 255,
    protocol: IPPROTO_VRRP,
    payload: v.bytes,
  });
  if (ip instanceof Error) throw ip;
  const mac = Uint8Array.of(0, 0, 0x5e, 0, 1, a.vrid);
  return encodeEthernet(Uint8Array.of(1, 0, 0x5e, 0, 0, 18), mac, ip);
}

export function synthPcap(
  adverts: readonly SynthAdvert[],
  extra: readonly PcapWriteRecord[] = [],
): Uint8Array {
  const recs: PcapWriteRecord[] = adverts.map((a) => ({
    tsSec: T0 + Math.floor(a.t),
    tsUsec: Math.round((a.t % 1) * 1e6),
    data: advertFrame(a),
  }));
  return writePcap(LinkType.ETHERNET, [...recs, ...extra]);
}

/** Adverts from `src` every `every` seconds in [from, to). */
export function series(
  src: string,
  vrid: number,
  priority: number,
  from: number,
  to: number,
  every = 1,
  extra: Partial<SynthAdvert> = {},
): SynthAdvert[] {
  const out: SynthAdvert[] = [];
  for (let t = from; t < to; t += every) out.push({ t, src, vrid, priority, ...extra });
  return out;
}
