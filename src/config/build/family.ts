/** Which address family a VRRP instance uses. Pure. */
import type { SourcePos } from '../diagnostics.js';
import type { AddressFamily, VrrpInstance } from '../model.js';

const before = (a: SourcePos, b: SourcePos): boolean =>
  a.file === b.file ? a.line < b.line || (a.line === b.line && a.column < b.column) : false;

/**
 * An instance's address family is set by the first address-bearing line in it (keepalived 2.2.7
 * vrrp_parser.c): mcast_src_ip, unicast_src_ip, a unicast peer or a VIP, whichever comes first.
 */
export function instanceFamily(
  i: VrrpInstance,
): { family: AddressFamily; pos: SourcePos; what: string } | undefined {
  const cands: { family: AddressFamily; pos: SourcePos; what: string }[] = [];
  const fam = (a: string): AddressFamily => (a.includes(':') ? 6 : 4);
  if (i.mcastSrcIp !== undefined && i.keyPos.mcastSrcIp)
    cands.push({ family: fam(i.mcastSrcIp), pos: i.keyPos.mcastSrcIp, what: 'mcast_src_ip' });
  if (i.unicastSrcIp !== undefined && i.keyPos.unicastSrcIp)
    cands.push({ family: fam(i.unicastSrcIp), pos: i.keyPos.unicastSrcIp, what: 'unicast_src_ip' });
  const native = i.keyPos['unimplemented.native_ipv6'];
  if (native !== undefined) cands.push({ family: 6, pos: native, what: 'native_ipv6' });
  const peer = i.unicastPeer[0];
  if (peer !== undefined) cands.push({ family: peer.family, pos: peer.pos, what: 'unicast_peer' });
  const vip = i.virtualIpaddress[0];
  if (vip !== undefined) cands.push({ family: vip.family, pos: vip.pos, what: 'virtual_ipaddress' });
  let best = cands[0];
  for (const c of cands) if (best !== undefined && before(c.pos, best.pos)) best = c;
  return best;
}
