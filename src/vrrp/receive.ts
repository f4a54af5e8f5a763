/**
 * Receive-side validation of VRRP advertisements, in the order keepalived 2.2.7 applies them
 * (vrrp.c: vrrp_get_header, VRID dispatch, then vrrp_check_packet). Pure: the edge hands in the bytes
 * and the IP envelope it read from the socket, this module decides; counters are plain data.
 */
import { canonicalAddress, type IpFamily, isMulticast } from '../net/addr.js';
import {
  decodeVrrp,
  VRRP_AUTH_DATA_LENGTH,
  VRRP_HEADER_LENGTH,
  VRRP_TYPE_ADVERTISEMENT,
  VrrpAuthType,
  type VrrpPacket,
  type VrrpVersion,
  vrrpChecksum,
  vrrpMessageLength,
} from './packet.js';

export interface UnicastPeer {
  readonly address: string;
  /** keepalived `unicast_peer { ADDR min_ttl N max_ttl M }`: accepted TTL range for this peer. */
  readonly minTtl?: number;
  readonly maxTtl?: number;
}

/** What a VRRP instance expects of the adverts it receives (mapped from vrrp_instance config). */
export interface AdvertCheckConfig {
  readonly version: VrrpVersion;
  readonly family: IpFamily;
  readonly vrid: number;
  /** v2 only: 0 none, 1 PASS, 2 AH (auth_type). */
  readonly authType: number;
  /** v2 PASS password (auth_pass): keepalived uses the first 8 bytes, zero padded. */
  readonly authPass?: string;
  /** Configured advert_int in centiseconds (v2 compares whole seconds). */
  readonly adverIntCs: number;
  /** Configured virtual_ipaddress list (only the entries advertised in the packet, i.e. not excluded). */
  readonly vips: readonly string[];
  /** Non-empty means the instance runs unicast (unicast_peer block). */
  readonly unicastPeers: readonly UnicastPeer[];
  /** check_unicast_src (instance or global vrrp_check_unicast_src). */
  readonly checkUnicastSrc: boolean;
  /** skip_check_adv_addr: skip the address checks for adverts from the current master. */
  readonly skipCheckAdvAddr: boolean;
  /**
   * VRRPv3 over IPv4 unicast: keepalived up to 1.3.6 put the multicast group, not the peer, in the
   * checksum pseudo-header. 'detect' (default) accepts such adverts and reports legacyChecksum so the
   * instance can switch; 'use' expects only the old form (old_unicast_checksum, or after detection);
   * 'never' refuses it (old_unicast_checksum never).
   */
  readonly oldUnicastChecksum?: 'detect' | 'use' | 'never';
  /** vrrp_mcast_group4, for the old unicast checksum (default 224.0.0.18). */
  readonly mcastGroup4?: string;
}

export const VRRP_MCAST_GROUP4 = '224.0.0.18';

/** One received advert as the socket edge sees it. */
export interface AdvertInput {
  readonly family: IpFamily;
  readonly src: string;
  readonly dst: string;
  /** Received TTL / hop limit, or undefined when the socket could not report it (keepalived's -1). */
  readonly ttl: number | undefined;
  /** The VRRP message as received: the IP payload after the IPv4 header (and AH) / the IPv6 payload. */
  readonly payload: Uint8Array;
  /** An IPsec AH header preceded the VRRP message (IPv4 protocol 51). */
  readonly ah?: boolean;
  /**
   * Source of the current master as known to a BACKUP instance. keepalived skips the address-list checks
   * (and, as a side effect, the unicast source check) when skip_check_adv_addr is set and the advert comes
   * from this address. Leave undefined in MASTER state, where keepalived always checks.
   */
  readonly masterSrc?: string;
}

/** Every reason an advert can be rejected for (roughly in check order). */
export const RECEIVE_REASONS = [
  'too-short',
  'vrid-mismatch',
  'auth-type-mismatch',
  'length-mismatch',
  'bad-ttl',
  'bad-version',
  'invalid-auth-type',
  'auth-failure',
  'ah-unsupported',
  'interval-mismatch',
  'bad-type',
  'addr-count-mismatch',
  'bad-checksum',
  'expected-multicast',
  'expected-unicast',
  'addr-list-mismatch',
  'unicast-src-not-peer',
  'unicast-ttl-out-of-range',
] as const;

export type ReceiveReason = (typeof RECEIVE_REASONS)[number];

export type CheckResult =
  | {
      readonly ok: true;
      readonly packet: VrrpPacket;
      /** The advert used the pre-1.3.6 keepalived unicast v3 checksum (see oldUnicastChecksum). */
      readonly legacyChecksum?: boolean;
    }
  | { readonly ok: false; readonly reason: ReceiveReason };

export type ReceiveCounters = Record<ReceiveReason, number>;

export function newReceiveCounters(): ReceiveCounters {
  return Object.fromEntries(RECEIVE_REASONS.map((r) => [r, 0])) as ReceiveCounters;
}

/** Counts a rejected advert by its reason; accepted adverts leave the counters unchanged. */
export function countResult(counters: ReceiveCounters, result: CheckResult): void {
  if (!result.ok) counters[result.reason]++;
}

/** The 8-byte auth_pass as keepalived stores it: truncated to 8 bytes, zero padded. */
export function authPassBytes(pass: string | undefined): Uint8Array {
  const out = new Uint8Array(VRRP_AUTH_DATA_LENGTH);
  if (pass !== undefined) out.set(new TextEncoder().encode(pass).subarray(0, VRRP_AUTH_DATA_LENGTH));
  return out;
}

/** Compares equal-length byte strings in time independent of where they differ. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function sameAddress(a: string, b: string): boolean {
  const ca = canonicalAddress(a);
  const cb = canonicalAddress(b);
  return ca !== undefined && cb !== undefined && ca.family === cb.family && ca.address === cb.address;
}

export function checkAdvert(input: AdvertInput, cfg: AdvertCheckConfig): CheckResult {
  const b = input.payload;
  const reject = (reason: ReceiveReason): CheckResult => ({ ok: false, reason });
  // vrrp_get_header: the fixed 8-byte header must be there before anything is read.
  if (b.length < VRRP_HEADER_LENGTH) return reject('too-short');
  const version = b[0]! >> 4;
  const type = b[0]! & 0x0f;
  const addrCount = b[3]!;
  const unicast = cfg.unicastPeers.length > 0;
  // Adverts are dispatched to instances by VRID; one for another VRID is not ours.
  if (b[1] !== cfg.vrid) return reject('vrid-mismatch');
  // keepalived: an AH header must be present exactly when auth_type is AH (v2 over IPv4).
  if (
    cfg.family === 'ipv4' &&
    (input.ah === true) !== (cfg.version === 2 && cfg.authType === VrrpAuthType.AH)
  ) {
    return reject('auth-type-mismatch');
  }
  // RFC 3768 7.1 / RFC 5798 7.1: MUST verify the packet holds the whole message; keepalived wants it exact.
  if (b.length !== vrrpMessageLength(version, cfg.family, addrCount)) return reject('length-mismatch');
  // RFC 5798 7.1: MUST verify TTL/hop limit is 255; keepalived skips this for unicast instances.
  if (!unicast && input.ttl !== undefined && input.ttl !== 255) return reject('bad-ttl');
  if (version !== cfg.version) return reject('bad-version');
  if (cfg.version === 2) {
    const authType = b[4]!;
    if (authType !== VrrpAuthType.NONE && authType !== VrrpAuthType.PASS && authType !== VrrpAuthType.AH) {
      return reject('invalid-auth-type');
    }
    if (authType !== cfg.authType) return reject('auth-type-mismatch');
    if (cfg.authType === VrrpAuthType.PASS) {
      const got = b.subarray(b.length - VRRP_AUTH_DATA_LENGTH);
      if (!constantTimeEqual(got, authPassBytes(cfg.authPass))) return reject('auth-failure');
    } else if (cfg.authType === VrrpAuthType.AH) {
      // The HMAC-MD5-96 ICV check is not implemented: refuse rather than accept unauthenticated.
      return reject('ah-unsupported');
    }
    // RFC 3768 7.1: MUST verify the interval matches; keepalived drops to avoid two masters in one VRID.
    if (b[5]! * 100 !== cfg.adverIntCs) return reject('interval-mismatch');
  }
  if (type !== VRRP_TYPE_ADVERTISEMENT) return reject('bad-type');
  const checkAddresses = !(
    cfg.skipCheckAdvAddr &&
    input.masterSrc !== undefined &&
    sameAddress(input.masterSrc, input.src)
  );
  if (checkAddresses && addrCount !== cfg.vips.length) return reject('addr-count-mismatch');
  // keepalived verifies IPv4 checksums itself; for IPv6 the kernel does (IPV6_CHECKSUM), so do it here.
  const wire = (b[6]! << 8) | b[7]!;
  const legacyCtx = { ...input, dst: cfg.mcastGroup4 ?? VRRP_MCAST_GROUP4 };
  const legacyApplies = unicast && version === 3 && input.family === 'ipv4';
  const compat = cfg.oldUnicastChecksum ?? 'detect';
  let legacyChecksum = false;
  if (legacyApplies && compat === 'use') {
    if (vrrpChecksum(b, version, legacyCtx) !== wire) return reject('bad-checksum');
    legacyChecksum = true;
  } else if (vrrpChecksum(b, version, input) !== wire) {
    // keepalived (OLD_CHKSUM_COMPAT): retry with the multicast group as the pseudo-header destination.
    if (!(legacyApplies && compat === 'detect' && vrrpChecksum(b, version, legacyCtx) === wire)) {
      return reject('bad-checksum');
    }
    legacyChecksum = true;
  }
  // Multicast instances want multicast destinations and unicast instances unicast ones.
  if (isMulticast(input.family, input.dst) === unicast)
    return reject(unicast ? 'expected-unicast' : 'expected-multicast');
  const decoded = decodeVrrp(b, legacyChecksum ? legacyCtx : input);
  // Everything decodeVrrp checks was verified above; this only guards against drift between the two.
  if (!decoded.ok) return reject(decoded.reason === 'bad-checksum' ? 'bad-checksum' : 'length-mismatch');
  const packet = decoded.packet;
  if (checkAddresses) {
    // RFC 5798 7.1 MAY: every configured VIP must be present in the advert (order does not matter).
    for (const vip of cfg.vips) {
      if (!packet.addresses.some((a) => sameAddress(a, vip))) return reject('addr-list-mismatch');
    }
    // keepalived checks the unicast source only here, i.e. not when skip_check_adv_addr skipped the block.
    // keepalived.conf(5): specifying min_ttl or max_ttl on a peer turns on check_unicast_src.
    const checkSrc =
      cfg.checkUnicastSrc || cfg.unicastPeers.some((p) => p.minTtl !== undefined || p.maxTtl !== undefined);
    if (unicast && checkSrc) {
      const peer = cfg.unicastPeers.find((p) => sameAddress(p.address, input.src));
      if (!peer) return reject('unicast-src-not-peer');
      if (
        input.ttl !== undefined &&
        ((peer.minTtl !== undefined && input.ttl < peer.minTtl) ||
          (peer.maxTtl !== undefined && input.ttl > peer.maxTtl))
      ) {
        return reject('unicast-ttl-out-of-range');
      }
    }
  }
  return legacyChecksum ? { ok: true, packet, legacyChecksum } : { ok: true, packet };
}
