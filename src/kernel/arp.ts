/**
 * Gratuitous ARP frame builder (pure). Follows keepalived 2.2.7 on the wire (checked against
 * test/fixtures/vectors/ka-v2-pass-lifecycle.pcap): an Ethernet broadcast carrying an ARP *request*
 * whose sender and target protocol addresses are both the VIP and whose target hardware address is the
 * broadcast address. RFC 5798 section 6.4.2 asks the new master to "broadcast a gratuitous ARP request".
 */
import { parseIpv4 } from '../net/addr.js';
import { ARPHRD_ETHER, ARPOP_REQUEST, ETH_ALEN, ETH_P_ARP, ETH_P_IP } from './constants.js';

export const BROADCAST_MAC = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
export const GARP_FRAME_LENGTH = 42; // 14 Ethernet + 28 ARP; the NIC pads to the 60-byte minimum

export type FrameResult = { ok: true; frame: Buffer } | { ok: false; reason: string };

/** The complete Ethernet frame announcing that `vip` is at `mac`. */
export function buildGratuitousArp(mac: Uint8Array, vip: string): FrameResult {
  if (mac.length !== ETH_ALEN)
    return { ok: false, reason: `MAC must be ${ETH_ALEN} bytes, got ${mac.length}` };
  const ip = parseIpv4(vip);
  if (!ip) return { ok: false, reason: `bad IPv4 address '${vip}'` };
  const f = Buffer.alloc(GARP_FRAME_LENGTH);
  // Ethernet II header.
  f.set(BROADCAST_MAC, 0);
  f.set(mac, 6);
  f.writeUInt16BE(ETH_P_ARP, 12);
  // ARP (RFC 826).
  f.writeUInt16BE(ARPHRD_ETHER, 14); // hardware type
  f.writeUInt16BE(ETH_P_IP, 16); // protocol type
  f.writeUInt8(ETH_ALEN, 18);
  f.writeUInt8(4, 19);
  f.writeUInt16BE(ARPOP_REQUEST, 20);
  f.set(mac, 22); // sender hardware address
  f.set(ip, 28); // sender protocol address
  f.set(BROADCAST_MAC, 32); // target hardware address: keepalived uses broadcast
  f.set(ip, 38); // target protocol address = sender: "gratuitous"
  return { ok: true, frame: f };
}
