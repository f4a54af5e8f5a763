/**
 * Receive checks, one test per rejection reason, in keepalived 2.2.7's order (vrrp.c vrrp_check_packet).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { decodeFrame } from '../../../src/net/frame.js';
import { IPPROTO_VRRP } from '../../../src/net/ip.js';
import { readPcap } from '../../../src/pcap/reader.js';
import { encodeVrrp, type VrrpContext, type VrrpPacket, vrrpChecksum } from '../../../src/vrrp/packet.js';
import {
  type AdvertCheckConfig,
  type AdvertInput,
  authPassBytes,
  checkAdvert,
  countResult,
  newReceiveCounters,
  RECEIVE_REASONS,
  type ReceiveReason,
} from '../../../src/vrrp/receive.js';
import { VECTORS } from '../../fixtures.js';

const CFG2: AdvertCheckConfig = {
  version: 2,
  family: 'ipv4',
  vrid: 51,
  authType: 1,
  authPass: 's3cret',
  adverIntCs: 100,
  vips: ['192.0.2.100'],
  unicastPeers: [],
  checkUnicastSrc: false,
  skipCheckAdvAddr: false,
};
const CFG3: AdvertCheckConfig = {
  ...CFG2,
  version: 3,
  family: 'ipv6',
  vrid: 52,
  authType: 0,
  authPass: undefined,
  vips: ['fe80::5200', '2001:db8::100'],
};
const PKT2: VrrpPacket = {
  version: 2,
  type: 1,
  vrid: 51,
  priority: 100,
  family: 'ipv4',
  addresses: ['192.0.2.100'],
  adverIntCs: 100,
  checksum: 0,
  authType: 1,
  authData: authPassBytes('s3cret'),
};
const PKT3: VrrpPacket = {
  version: 3,
  type: 1,
  vrid: 52,
  priority: 100,
  family: 'ipv6',
  addresses: ['2001:db8::100', 'fe80::5200'],
  adverIntCs: 100,
  checksum: 0,
};
const ENV4 = { family: 'ipv4', src: '192.0.2.11', dst: '224.0.0.18', ttl: 255 } as const;
const ENV6 = { family: 'ipv6', src: 'fe80::90c3:7ff:fe42:e6de', dst: 'ff02::12', ttl: 255 } as const;

type Env = { family: 'ipv4' | 'ipv6'; src: string; dst: string; ttl: number | undefined };

function input(p: VrrpPacket, env: Env, extra: Partial<AdvertInput> = {}): AdvertInput {
  const ctx: VrrpContext = { family: env.family, src: extra.src ?? env.src, dst: extra.dst ?? env.dst };
  const r = encodeVrrp(p, ctx);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return { ...env, payload: r.bytes, ...extra };
}

/** Edits raw bytes and, unless told not to, fixes the checksum so only the edited field is wrong. */
function patched(inp: AdvertInput, edit: (b: Uint8Array) => void, fixChecksum = true): AdvertInput {
  const b = Uint8Array.from(inp.payload);
  edit(b);
  if (fixChecksum) {
    const ck = vrrpChecksum(b, b[0]! >> 4, inp)!;
    b[6] = ck >> 8;
    b[7] = ck & 0xff;
  }
  return { ...inp, payload: b };
}

function rejects(inp: AdvertInput, cfg: AdvertCheckConfig, want: ReceiveReason): void {
  const r = checkAdvert(inp, cfg);
  assert.deepEqual(r.ok ? 'accepted' : r.reason, want);
}

test('a good v2 PASS advert and a good v3 IPv6 advert are accepted, with the decoded packet', () => {
  const r2 = checkAdvert(input(PKT2, ENV4), CFG2);
  assert.ok(r2.ok && r2.packet.vrid === 51 && r2.packet.priority === 100);
  const r3 = checkAdvert(input(PKT3, ENV6), CFG3);
  assert.ok(r3.ok && r3.packet.version === 3, 'VIPs may come in any order');
});

test('the real keepalived captures pass the checks of the configs they were made with', () => {
  const cases: [string, AdvertCheckConfig][] = [
    ['ka-v2-pass-steady.pcap', CFG2],
    ['ka-v3-ipv6-ll-lifecycle.pcap', CFG3],
    ['ka-v3-ipv4-lifecycle.pcap', { ...CFG2, version: 3, authType: 0, authPass: undefined }],
    [
      // Receiver's view of the unicast capture (.12 peers with .11).
      'ka-v2-unicast-lifecycle.pcap',
      {
        ...CFG2,
        vrid: 53,
        authType: 0,
        authPass: undefined,
        vips: ['192.0.2.101'],
        unicastPeers: [{ address: '192.0.2.11' }],
        checkUnicastSrc: true,
      },
    ],
  ];
  for (const [file, cfg] of cases) {
    const pcap = readPcap(readFileSync(`${VECTORS}/${file}`));
    assert.ok(pcap.ok);
    let accepted = 0;
    for (const rec of pcap.records) {
      const f = decodeFrame(pcap.header.linktype, rec.data);
      if (!f.ok || f.ip.protocol !== IPPROTO_VRRP) continue;
      const r = checkAdvert({ ...f.ip, payload: f.ip.payload }, cfg);
      assert.ok(r.ok, `${file} frame ${rec.index}: ${r.ok ? '' : r.reason}`);
      accepted++;
    }
    assert.ok(accepted >= 3, `${file}: ${accepted} adverts`);
  }
});

test('too-short: fewer than the 8 header bytes (keepalived vrrp_get_header)', () => {
  rejects({ ...ENV4, payload: new Uint8Array(7) }, CFG2, 'too-short');
});

test('vrid-mismatch: adverts are dispatched by VRID; another VRID is not for this instance', () => {
  rejects(input({ ...PKT2, vrid: 52 }, ENV4), CFG2, 'vrid-mismatch');
});

test('auth-type-mismatch: an AH header without auth_type AH, or AH configured and absent (keepalived)', () => {
  rejects(input(PKT2, ENV4, { ah: true }), CFG2, 'auth-type-mismatch');
  rejects(input(PKT2, ENV4), { ...CFG2, authType: 2 }, 'auth-type-mismatch');
});

test('length-mismatch: RFC 3768/5798 7.1 the whole message must be present; keepalived wants it exact', () => {
  const good = input(PKT2, ENV4);
  rejects({ ...good, payload: good.payload.subarray(0, good.payload.length - 1) }, CFG2, 'length-mismatch');
  rejects({ ...good, payload: Uint8Array.from([...good.payload, 0]) }, CFG2, 'length-mismatch');
  // The address count decides the expected length.
  rejects(
    patched(good, (b) => {
      b[3] = 2;
    }),
    CFG2,
    'length-mismatch',
  );
});

test('bad-ttl: RFC 5798 7.1 TTL/hop limit must be 255 for multicast; unknown TTL is not checked', () => {
  rejects(input(PKT2, ENV4, { ttl: 254 }), CFG2, 'bad-ttl');
  rejects(input(PKT3, ENV6, { ttl: 1 }), CFG3, 'bad-ttl');
  assert.ok(checkAdvert(input(PKT2, ENV4, { ttl: undefined }), CFG2).ok);
});

test('unicast: TTL is not required to be 255 unless the peer sets min_ttl/max_ttl', () => {
  const cfg: AdvertCheckConfig = {
    ...CFG2,
    unicastPeers: [{ address: '192.0.2.11' }],
    checkUnicastSrc: true,
  };
  assert.ok(checkAdvert(input(PKT2, ENV4, { dst: '192.0.2.12', ttl: 64 }), cfg).ok);
  const ranged: AdvertCheckConfig = {
    ...cfg,
    unicastPeers: [{ address: '192.0.2.11', minTtl: 250, maxTtl: 255 }],
  };
  rejects(input(PKT2, ENV4, { dst: '192.0.2.12', ttl: 64 }), ranged, 'unicast-ttl-out-of-range');
  assert.ok(checkAdvert(input(PKT2, ENV4, { dst: '192.0.2.12', ttl: 252 }), ranged).ok);
  // A TTL range on a peer turns on check_unicast_src by itself (keepalived.conf(5) unicast_peer).
  const implied: AdvertCheckConfig = { ...ranged, checkUnicastSrc: false };
  rejects(
    input(PKT2, ENV4, { src: '192.0.2.99', dst: '192.0.2.12', ttl: 252 }),
    implied,
    'unicast-src-not-peer',
  );
});

test('bad-version: RFC 5798 7.1 MUST verify the version matches the instance', () => {
  // keepalived computes the expected length from the received version, so a well-formed v3 advert
  // reaches the version check of a v2 instance, and vice versa.
  rejects(
    input({ ...PKT3, family: 'ipv4', vrid: 51, addresses: ['192.0.2.100'] }, ENV4),
    CFG2,
    'bad-version',
  );
  rejects(input(PKT2, ENV4), { ...CFG2, version: 3 }, 'bad-version');
  // A v2 message relabelled v3 keeps its auth data, which a v3 message has not: a length error first.
  const relabelled = patched(input(PKT2, ENV4), (b) => {
    b[0] = 0x31;
  });
  rejects(relabelled, CFG2, 'length-mismatch');
});

test('invalid-auth-type: RFC 3768 5.3.6 only 0, 1 and 2 exist', () => {
  rejects(
    patched(input(PKT2, ENV4), (b) => {
      b[4] = 3;
    }),
    CFG2,
    'invalid-auth-type',
  );
});

test('auth-type-mismatch: the advert uses another auth type than configured (keepalived authtype_mismatch)', () => {
  rejects(input({ ...PKT2, authType: 0, authData: new Uint8Array(8) }, ENV4), CFG2, 'auth-type-mismatch');
});

test('auth-failure: PASS data must equal auth_pass, zero padded to 8 bytes, compared in constant time', () => {
  rejects(input({ ...PKT2, authData: authPassBytes('s3creT') }, ENV4), CFG2, 'auth-failure');
  rejects(input({ ...PKT2, authData: authPassBytes('s3cret!') }, ENV4), CFG2, 'auth-failure');
  // keepalived keeps only the first 8 characters of a longer auth_pass.
  const long = { ...CFG2, authPass: 'abcdefghXYZ' };
  assert.ok(checkAdvert(input({ ...PKT2, authData: authPassBytes('abcdefgh') }, ENV4), long).ok);
});

test('ah-unsupported: AH ICVs are not verified, so AH adverts are refused rather than trusted', () => {
  rejects(input({ ...PKT2, authType: 2 }, ENV4, { ah: true }), { ...CFG2, authType: 2 }, 'ah-unsupported');
});

test('interval-mismatch: RFC 3768 7.1 v2 adverts must carry the configured interval', () => {
  rejects(input({ ...PKT2, adverIntCs: 200 }, ENV4), CFG2, 'interval-mismatch');
  // v3 learns the master's interval instead (RFC 5798 6.4.2): no check.
  assert.ok(checkAdvert(input({ ...PKT3, adverIntCs: 250 }, ENV6), CFG3).ok);
});

test('bad-type: RFC 5798 5.2.2 only type 1 (advertisement) is valid', () => {
  rejects(input({ ...PKT3, type: 2 }, ENV6), CFG3, 'bad-type');
});

test('addr-count-mismatch: the advert must carry as many VIPs as configured', () => {
  rejects(input({ ...PKT3, addresses: ['2001:db8::100'] }, ENV6), CFG3, 'addr-count-mismatch');
});

test('bad-checksum: v2 over the message, v3 with the pseudo-header (RFC 5798 5.2.8)', () => {
  const flip = (b: Uint8Array) => {
    b[7] = b[7]! ^ 1;
  };
  rejects(patched(input(PKT2, ENV4), flip, false), CFG2, 'bad-checksum');
  rejects(patched(input(PKT3, ENV6), flip, false), CFG3, 'bad-checksum');
  // A v3 advert checksummed for another destination fails where it lands.
  const otherDst = { ...input(PKT3, { ...ENV6, dst: 'ff02::13' }), dst: 'ff02::12' };
  rejects(otherDst, CFG3, 'bad-checksum');
});

test('expected-multicast / expected-unicast: destination kind must match the instance mode (keepalived)', () => {
  rejects(input(PKT2, ENV4, { dst: '192.0.2.12' }), CFG2, 'expected-multicast');
  const uni: AdvertCheckConfig = { ...CFG2, unicastPeers: [{ address: '192.0.2.11' }] };
  rejects(input(PKT2, ENV4), uni, 'expected-unicast');
});

test('addr-list-mismatch: every configured VIP must be in the advert (RFC 5798 7.1 MAY, keepalived does)', () => {
  rejects(input({ ...PKT3, addresses: ['2001:db8::100', 'fe80::5201'] }, ENV6), CFG3, 'addr-list-mismatch');
  // Address spelling does not matter, only the address.
  assert.ok(checkAdvert(input(PKT3, ENV6), { ...CFG3, vips: ['FE80:0:0::5200', '2001:0db8::0100'] }).ok);
});

test('skip_check_adv_addr: addresses are not checked for adverts from the current master only', () => {
  const cfg = { ...CFG3, skipCheckAdvAddr: true };
  const wrong = input({ ...PKT3, addresses: ['2001:db8::1'] }, ENV6);
  assert.ok(checkAdvert({ ...wrong, masterSrc: ENV6.src }, cfg).ok, 'same master: skipped');
  rejects({ ...wrong, masterSrc: 'fe80::99' }, cfg, 'addr-count-mismatch');
  rejects(wrong, cfg, 'addr-count-mismatch');
});

test('unicast-src-not-peer: with check_unicast_src the source must be a unicast_peer', () => {
  const cfg: AdvertCheckConfig = {
    ...CFG2,
    unicastPeers: [{ address: '192.0.2.13' }],
    checkUnicastSrc: true,
  };
  rejects(input(PKT2, ENV4, { dst: '192.0.2.12' }), cfg, 'unicast-src-not-peer');
  assert.ok(checkAdvert(input(PKT2, ENV4, { dst: '192.0.2.12' }), { ...cfg, checkUnicastSrc: false }).ok);
  // keepalived checks the source inside the address block, so skip_check_adv_addr skips it too.
  const skip = { ...cfg, skipCheckAdvAddr: true };
  assert.ok(checkAdvert(input(PKT2, ENV4, { dst: '192.0.2.12', masterSrc: '192.0.2.11' }), skip).ok);
});

test('old unicast v3 checksum (keepalived <= 1.3.6: multicast group in the pseudo-header)', () => {
  const cfg: AdvertCheckConfig = {
    ...CFG2,
    version: 3,
    authType: 0,
    authPass: undefined,
    unicastPeers: [{ address: '192.0.2.11' }],
  };
  const p3: VrrpPacket = { ...PKT3, family: 'ipv4', vrid: 51, addresses: ['192.0.2.100'] };
  const modern = input(p3, ENV4, { dst: '192.0.2.12' });
  const r = checkAdvert(modern, cfg);
  assert.ok(r.ok && r.legacyChecksum === undefined);
  // Checksummed as if sent to 224.0.0.18 but delivered to the peer.
  const legacy = { ...input(p3, ENV4), dst: '192.0.2.12' };
  const d = checkAdvert(legacy, cfg);
  assert.ok(d.ok && d.legacyChecksum === true, 'detected by default');
  rejects(legacy, { ...cfg, oldUnicastChecksum: 'never' }, 'bad-checksum');
  const forced = checkAdvert(legacy, { ...cfg, oldUnicastChecksum: 'use' });
  assert.ok(forced.ok && forced.legacyChecksum === true);
  rejects(modern, { ...cfg, oldUnicastChecksum: 'use' }, 'bad-checksum');
  // Multicast instances and v2 never use it.
  rejects({ ...legacy, dst: '224.0.0.19' }, { ...cfg, unicastPeers: [] }, 'bad-checksum');
});

test('counters: one increment per rejected advert, by reason; every reason has a counter', () => {
  const c = newReceiveCounters();
  assert.deepEqual(Object.keys(c).sort(), [...RECEIVE_REASONS].sort());
  countResult(c, checkAdvert(input(PKT2, ENV4, { ttl: 1 }), CFG2));
  countResult(c, checkAdvert(input(PKT2, ENV4, { ttl: 1 }), CFG2));
  countResult(c, checkAdvert(input({ ...PKT2, adverIntCs: 300 }, ENV4), CFG2));
  countResult(c, checkAdvert(input(PKT2, ENV4), CFG2));
  assert.equal(c['bad-ttl'], 2);
  assert.equal(c['interval-mismatch'], 1);
  assert.equal(
    Object.values(c).reduce((a, b) => a + b, 0),
    3,
    'accepted adverts are not counted',
  );
});
